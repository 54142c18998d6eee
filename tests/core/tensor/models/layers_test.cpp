// The zoo's own layers where they differ from LibTorch's modules.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <limits>
#include <string>

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

// The zoo's bfloat16 max pooling (max_pool_bfloat16.cpp) against float32 max_pool2d on the same
// values: small integers, so that windows hold ties (the first maximum wins) and the gradients'
// sums are exact; a NaN, which wins its windows, and a region of -inf.
TEST(MaxPool2d, BFloat16IsMaxPoolExactly) {
    struct Shape {
        std::int64_t kernel, stride, padding;
    };
    for (const Shape shape : {Shape{3, 2, 1}, Shape{2, 2, 0}, Shape{3, 1, 1}, Shape{3, 2, 0}}) {
        SCOPED_TRACE(std::to_string(shape.kernel) + "/" + std::to_string(shape.stride) + "/" +
                     std::to_string(shape.padding));
        torch::manual_seed(5);
        torch::Tensor values = torch::randint(0, 6, {2, 19, 13, 11}).to(torch::kFloat);
        values[0][3][4][5] = std::numeric_limits<float>::quiet_NaN();
        values[1][7].narrow(0, 0, 4).narrow(1, 0, 4).fill_(-std::numeric_limits<float>::infinity());
        const torch::Tensor input = values.to(torch::kBFloat16)
                                        .contiguous(torch::MemoryFormat::ChannelsLast)
                                        .requires_grad_(true);
        const torch::Tensor output =
            layers::maxPool2d(input, shape.kernel, shape.stride, shape.padding);
        EXPECT_NE(output.grad_fn()->name().find("MaxPool"), std::string::npos);
        EXPECT_EQ(output.grad_fn()->name().find("WithIndices"), std::string::npos);

        const torch::Tensor reference = values.clone().requires_grad_(true);
        const torch::Tensor expected =
            torch::max_pool2d(reference, shape.kernel, shape.stride, shape.padding);
        EXPECT_TRUE(output.is_contiguous(torch::MemoryFormat::ChannelsLast));
        EXPECT_TRUE(torch::allclose(output.to(torch::kFloat), expected, 0, 0, /*equal_nan=*/true));

        const torch::Tensor weights = torch::randint(-8, 9, expected.sizes()).to(torch::kFloat);
        (output * weights.to(torch::kBFloat16)).sum().backward();
        (expected * weights).sum().backward();
        EXPECT_TRUE(torch::equal(input.grad().to(torch::kFloat), reference.grad()));
        EXPECT_TRUE(input.grad().is_contiguous(torch::MemoryFormat::ChannelsLast));
    }
}

// Without a gradient to compute, or in float32, LibTorch's max_pool2d runs.
TEST(MaxPool2d, OtherwiseLibTorchsRuns) {
    const torch::Tensor values =
        torch::randn({1, 4, 8, 8}).contiguous(torch::MemoryFormat::ChannelsLast);
    const torch::Tensor trained = values.clone().requires_grad_(true);
    EXPECT_NE(layers::maxPool2d(trained, 3, 2, 1).grad_fn()->name().find("WithIndices"),
              std::string::npos);
    const torch::Tensor inferred = layers::maxPool2d(values.to(torch::kBFloat16), 3, 2, 1);
    EXPECT_TRUE(torch::equal(inferred, torch::max_pool2d(values.to(torch::kBFloat16), 3, 2, 1)));
}

}  // namespace
}  // namespace fovea::core
