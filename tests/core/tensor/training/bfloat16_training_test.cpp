// The automatic precision: bf16 mixed precision where the CPU computes bf16 natively, recorded
// by every run; and every zoo network trains in bf16 on the CPU, channels-last, through the
// trainer's own autocast and layout helpers. LibTorch 1.13 lacks some bfloat16 backward kernels
// (hardtanh's: MobileNetV2's ReLU6), which only a real backward pass finds.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "device_setup.h"
#include "fovea/core/models/architectures.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/torch_runtime.h"
#include "fovea/core/training/device_choice.h"
#include "fovea/core/training/trainer.h"
#include "in_memory_batch_source.h"
#include "tiny_problem.h"

using namespace fovea::core;

namespace {

// The CPU's feature flags as Linux lists them: an oracle independent of the cpuid code.
std::set<std::string> cpuFlags() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("flags", 0) != 0) continue;
        std::istringstream words(line.substr(line.find(':') + 1));
        std::set<std::string> flags;
        for (std::string flag; words >> flag;) flags.insert(flag);
        return flags;
    }
    return {};
}

TEST(AutoPrecision, NativeBFloat16IsWhatLinuxListsForThisCpu) {
    const auto flags = cpuFlags();
    if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags here";
#if defined(__x86_64__)
    EXPECT_EQ(cpuComputesBFloat16Natively(),
              flags.count("avx512_bf16") + flags.count("amx_bf16") > 0);
#else
    EXPECT_FALSE(cpuComputesBFloat16Natively());
#endif
}

TEST(AutoPrecision, IsBFloat16WhereNativeAndTheOthersStayAsAsked) {
    const torch::Device cpu(torch::kCPU);
    // Not where LibTorch's oneDNN is known to crash on bf16 convolutions (device_setup.h).
    const Precision native =
        cpuComputesBFloat16Natively() && at::hasMKLDNN() && !cpuBFloat16ConvolutionsCrash()
            ? Precision::BFloat16
            : Precision::Float32;
    EXPECT_EQ(resolvePrecision(Precision::Auto, cpu), native);
    for (const Precision asked : {Precision::Float32, Precision::BFloat16, Precision::Float16}) {
        EXPECT_EQ(resolvePrecision(asked, cpu), asked);
    }
}

TEST(AutoPrecision, ARunRecordsThePrecisionAndLayoutItUsed) {
    const fovea::test::TinyProblem problem = fovea::test::makeTinyProblem(16, 2);
    for (const Precision asked : {Precision::Auto, Precision::Float32}) {
        fovea::test::InMemoryBatchSource source(problem.images, problem.targets, 8);
        TrainingConfig config;
        config.epochs = 1;
        config.device = DevicePreference::Cpu;
        config.precision = asked;
        config.channelsLast = true;
        Trainer trainer(fovea::test::makeTinyNetwork(), config, {&source, nullptr, {}, {}});
        TrainingControl control;
        auto summary = trainer.run(control);
        ASSERT_TRUE(summary) << summary.error().message;
        EXPECT_EQ(summary.value().precision, resolvePrecision(asked, torch::kCPU));
        EXPECT_NE(summary.value().precision, Precision::Auto);
        EXPECT_TRUE(summary.value().channelsLast);
    }
}

class BFloat16Training : public testing::TestWithParam<std::string> {};

TEST_P(BFloat16Training, OneStepGivesFiniteGradientsToEveryParameterThatRan) {
    if (cpuBFloat16ConvolutionsCrash()) {
        GTEST_SKIP() << "bf16 convolutions crash this LibTorch's oneDNN on this CPU; Fovea "
                        "refuses bf16 here (device_setup.h)";
    }
    torch::manual_seed(3);
    auto created = createNetwork(GetParam(), 3);
    ASSERT_TRUE(created) << created.error().message;
    NetworkImpl& network = *created.value();
    network.train();
    toChannelsLast(network);
    const int64_t size = GetParam().rfind("inception_v3", 0) == 0 ? 75 : 64;
    const auto images =
        torch::randn({2, 3, size, size}).contiguous(torch::MemoryFormat::ChannelsLast);

    torch::Tensor loss;
    {
        AutocastGuard autocast(torch::Device(torch::kCPU), Precision::BFloat16);
        const torch::Tensor logits = network.forward(images);
        EXPECT_EQ(logits.scalar_type(), torch::kBFloat16);
        loss =
            torch::nn::functional::cross_entropy(logits.to(torch::kFloat), torch::tensor({0, 2}));
    }
    ASSERT_NO_THROW(loss.backward());
    EXPECT_TRUE(std::isfinite(loss.item<double>()));

    int64_t withGradient = 0;
    for (const auto& item : network.named_parameters()) {
        const torch::Tensor& gradient = item.value().grad();
        // Inception's auxiliary classifier runs only at 299 pixels.
        if (!gradient.defined() && item.key().rfind("AuxLogits.", 0) == 0) continue;
        ASSERT_TRUE(gradient.defined()) << item.key();
        EXPECT_EQ(gradient.scalar_type(), torch::kFloat) << item.key();  // fp32 master weights
        EXPECT_TRUE(torch::isfinite(gradient).all().item<bool>()) << item.key();
        ++withGradient;
    }
    EXPECT_GT(withGradient, 0);
}

INSTANTIATE_TEST_SUITE_P(Zoo, BFloat16Training, testing::ValuesIn([] {
                             std::vector<std::string> names;
                             for (const auto& each : architectures()) names.push_back(each.name);
                             return names;
                         }()),
                         [](const auto& info) { return info.param; });

}  // namespace
