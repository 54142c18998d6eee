// The zoo's own layers where they differ from LibTorch's modules.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "layers.h"

namespace fovea::core {
namespace {

// Values on both sides of, and exactly at, ReLU6's bounds.
torch::Tensor boundaryValues(torch::ScalarType type) {
    return torch::tensor({-2.0, -0.0, 0.0, 0.25, 3.0, 5.75, 6.0, 6.5, 100.0}).to(type);
}

TEST(ReLU6, Float32ValuesAndGradientsAreTorchsExactly) {
    const auto input = torch::randn({4096}) * 5 + 3;
    const auto everything = torch::cat({input, boundaryValues(torch::kFloat)});

    auto ours = everything.clone().requires_grad_(true);
    auto theirs = everything.clone().requires_grad_(true);
    // In place, as torchvision's ReLU6(inplace=True): on a copy, the leaves stay untouched.
    const auto ourOutput = layers::ReLU6()->forward(ours * 1);
    const auto theirOutput = torch::nn::ReLU6(torch::nn::ReLU6Options(true))->forward(theirs * 1);
    EXPECT_TRUE(torch::equal(ourOutput, theirOutput));
    const auto weights = torch::randn(everything.sizes());
    (ourOutput * weights).sum().backward();
    (theirOutput * weights).sum().backward();
    EXPECT_TRUE(torch::equal(ours.grad(), theirs.grad()));
}

// bfloat16's own backward (one pass) passes the gradient exactly where float32's hardtanh
// backward does, on both memory layouts and with autocast's gradient of another type.
TEST(ReLU6, BFloat16GradientPassesWhereFloat32s) {
    for (const auto format : {torch::MemoryFormat::Contiguous, torch::MemoryFormat::ChannelsLast}) {
        auto values = (torch::randn({2, 5, 7, 9}) * 5 + 3).to(torch::kBFloat16);
        values.view({-1}).narrow(0, 0, 9).copy_(boundaryValues(torch::kBFloat16));
        values = values.contiguous(format);
        auto input = values.clone().requires_grad_(true);
        const auto output = layers::ReLU6()->forward(input * 1);
        EXPECT_TRUE(torch::equal(output, values.clamp(0, 6)));
        const auto weights = torch::randn(values.sizes()).to(torch::kBFloat16);
        (output * weights).sum().backward();

        auto reference = values.to(torch::kFloat).requires_grad_(true);
        const auto referenceOutput =
            torch::nn::ReLU6(torch::nn::ReLU6Options(true))->forward(reference * 1);
        (referenceOutput * weights.to(torch::kFloat)).sum().backward();
        const auto differ = input.grad().to(torch::kFloat).ne(reference.grad());
        EXPECT_FALSE(differ.any().item<bool>())
            << (format == torch::MemoryFormat::Contiguous ? "contiguous" : "channels-last") << " "
            << values.masked_select(differ) << input.grad().masked_select(differ)
            << reference.grad().masked_select(differ);
        EXPECT_TRUE(input.grad().is_contiguous(format));
    }
}

TEST(ReLU6, BFloat16ClampsAndHasAGradient) {
    auto input = boundaryValues(torch::kBFloat16).requires_grad_(true);
    const auto output = layers::ReLU6()->forward(input * 1);
    EXPECT_EQ(output.scalar_type(), torch::kBFloat16);
    EXPECT_TRUE(torch::equal(output, input.detach().clamp(0, 6)));
    ASSERT_NO_THROW(output.sum().backward());
    const auto gradient = input.grad().to(torch::kFloat);
    // Inside the bounds the gradient passes, at and outside them it does not.
    EXPECT_EQ(gradient[0].item<float>(), 0.0f);  // -2
    EXPECT_EQ(gradient[2].item<float>(), 0.0f);  // 0
    EXPECT_EQ(gradient[3].item<float>(), 1.0f);  // 0.25
    EXPECT_EQ(gradient[5].item<float>(), 1.0f);  // 5.75
    EXPECT_EQ(gradient[6].item<float>(), 0.0f);  // 6
    EXPECT_EQ(gradient[7].item<float>(), 0.0f);  // 6.5
    EXPECT_EQ(gradient[8].item<float>(), 0.0f);  // 100
}

}  // namespace
}  // namespace fovea::core
