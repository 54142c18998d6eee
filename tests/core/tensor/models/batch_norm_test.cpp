// The zoo's BatchNorm2d: LibTorch's exactly when alone, and with its statistics summed across
// "processes" (here threads that sum through shared memory) each part of a batch trains as the
// whole batch would in one process: outputs, averaged gradients and running statistics.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "fovea/core/models/batch_norm_sync.h"
#include "fovea/core/models/network.h"
#include "layers.h"
#include "make_network.h"

namespace fovea::core {
namespace {

TEST(BatchNorm2d, IsLibTorchsWhenAlone) {
    torch::manual_seed(1);
    const torch::Tensor input = torch::randn({6, 5, 4, 3}) * 3 + 1;
    layers::BatchNorm2d ours(torch::nn::BatchNormOptions(5).momentum(0.2).eps(1e-3));
    torch::nn::BatchNorm2d theirs(torch::nn::BatchNormOptions(5).momentum(0.2).eps(1e-3));
    {
        torch::NoGradGuard noGrad;
        ours->weight.uniform_(0.5, 2);
        theirs->weight.copy_(ours->weight);
    }
    std::vector<std::string> names;
    for (const auto& item : ours->named_parameters()) names.push_back(item.key());
    for (const auto& item : ours->named_buffers()) names.push_back(item.key());
    EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias", "running_mean", "running_var",
                                               "num_batches_tracked"}));
    for (int step = 0; step < 2; ++step) {
        const torch::Tensor a = input.clone().requires_grad_(true);
        const torch::Tensor b = input.clone().requires_grad_(true);
        const torch::Tensor y = ours->forward(a);
        const torch::Tensor z = theirs->forward(b);
        EXPECT_TRUE(torch::equal(y, z));
        (y * y).sum().backward();
        (z * z).sum().backward();
        EXPECT_TRUE(torch::equal(a.grad(), b.grad()));
        EXPECT_TRUE(torch::equal(ours->weight.grad(), theirs->weight.grad()));
        EXPECT_TRUE(torch::equal(ours->running_var, theirs->running_var));
    }
    EXPECT_EQ(ours->num_batches_tracked.item<std::int64_t>(), 2);
    ours->eval();
    theirs->eval();
    EXPECT_TRUE(torch::equal(ours->forward(input), theirs->forward(input)));
}

// The largest difference from `reference`, relative to the reference's largest magnitude.
double relativeError(const torch::Tensor& value, const torch::Tensor& reference) {
    const torch::Tensor exact = reference.to(torch::kDouble);
    return ((value.to(torch::kDouble) - exact).abs().max() / exact.abs().max()).item<double>();
}

struct NormResult {
    torch::Tensor output, inputGradient, residualGradient, weightGradient, biasGradient,
        runningMean, runningVar;
    std::string gradientFunction;
};

// Two training steps of `norm` followed by `activation` on `values` (with `residual` added
// before the ReLU where defined), the second's results; the gradient of sum(output * weights).
NormResult twoTrainingSteps(layers::BatchNorm2dImpl& norm, const torch::Tensor& values,
                            const torch::Tensor& residual, const torch::Tensor& weights,
                            layers::Activation activation) {
    NormResult result;
    for (int step = 0; step < 2; ++step) {
        norm.zero_grad();
        const torch::Tensor input = values.detach().clone().requires_grad_(true);
        torch::Tensor added;
        if (residual.defined()) {
            added = residual.detach().clone().requires_grad_(true);
            result.output = norm.forwardAddedReLU(input, added);
        } else {
            result.output = norm.forwardActivated(input, activation);
        }
        (result.output.to(torch::kDouble) * weights).sum().backward();
        result.inputGradient = input.grad();
        if (added.defined()) result.residualGradient = added.grad();
        result.gradientFunction = result.output.grad_fn()->name();
    }
    result.weightGradient = norm.weight.grad();
    result.biasGradient = norm.bias.grad();
    result.runningMean = norm.running_mean.clone();
    result.runningVar = norm.running_var.clone();
    return result;
}

std::shared_ptr<layers::BatchNorm2dImpl> normWithWeights(std::int64_t channels,
                                                         torch::ScalarType type) {
    auto norm = std::make_shared<layers::BatchNorm2dImpl>(
        torch::nn::BatchNormOptions(channels).momentum(0.3));
    torch::NoGradGuard noGrad;
    norm->weight.uniform_(0.5, 2);
    norm->bias.uniform_(-1, 1);
    norm->to(type);
    return norm;
}

std::shared_ptr<layers::BatchNorm2dImpl> copyOf(const layers::BatchNorm2dImpl& norm) {
    return std::dynamic_pointer_cast<layers::BatchNorm2dImpl>(norm.clone());
}

// In bf16 training on channels-last activations, batch norm (and the ReLU after it, and a
// ResNet block's shortcut added before that) runs fused (batch_norm_bfloat16.cpp): within
// bfloat16's rounding of the exact (float64) results, as close as LibTorch's own bfloat16 batch
// norm, for every output, gradient and running statistic. The channel count is no multiple of a
// vector's width, and one channel's mean is far from zero against its spread, where a sum of
// squares would cancel.
TEST(BatchNorm2d, FusedBFloat16TrainingIsExactToRounding) {
    struct Case {
        const char* name;
        layers::Activation activation;
        bool residual;
    };
    for (const Case& kind : {Case{"no activation", layers::Activation::kNone, false},
                             Case{"ReLU", layers::Activation::kReLU, false},
                             Case{"shortcut and ReLU", layers::Activation::kReLU, true}}) {
        SCOPED_TRACE(kind.name);
        const layers::Activation activation = kind.activation;
        torch::manual_seed(3);
        torch::Tensor values = torch::randn({6, 37, 9, 11}) * 2 + 0.5;
        values.select(1, 5).mul_(0.25).add_(30);
        values = values.to(torch::kBFloat16).contiguous(torch::MemoryFormat::ChannelsLast);
        const torch::Tensor weights = torch::randn(values.sizes(), torch::kDouble);
        const torch::Tensor residual = kind.residual
                                           ? torch::randn(values.sizes())
                                                 .to(torch::kBFloat16)
                                                 .contiguous(torch::MemoryFormat::ChannelsLast)
                                           : torch::Tensor();
        const auto as = [&residual](torch::ScalarType type, torch::MemoryFormat format) {
            return residual.defined() ? residual.to(type).contiguous(format) : residual;
        };

        auto fused = normWithWeights(37, torch::kFloat);
        auto exact = copyOf(*fused);
        exact->to(torch::kDouble);
        const NormResult ours = twoTrainingSteps(*fused, values, residual, weights, activation);
        const NormResult reference = twoTrainingSteps(
            *exact, values.to(torch::kDouble).contiguous(torch::MemoryFormat::ChannelsLast),
            as(torch::kDouble, torch::MemoryFormat::ChannelsLast), weights, activation);
        // LibTorch's own batch_norm on the same bfloat16 values, for the rounding it makes.
        auto libtorch = copyOf(*fused);
        const NormResult theirs = twoTrainingSteps(
            *libtorch, values.contiguous(torch::MemoryFormat::Contiguous),
            as(torch::kBFloat16, torch::MemoryFormat::Contiguous), weights, activation);

        EXPECT_NE(ours.gradientFunction.find("BatchNormActivation"), std::string::npos)
            << ours.gradientFunction;
        EXPECT_EQ(theirs.gradientFunction.find("BatchNormActivation"), std::string::npos);
        EXPECT_EQ(ours.output.scalar_type(), torch::kBFloat16);
        EXPECT_TRUE(ours.output.is_contiguous(torch::MemoryFormat::ChannelsLast));
        EXPECT_TRUE(ours.inputGradient.is_contiguous(torch::MemoryFormat::ChannelsLast));
        constexpr double kRounding = 1.0 / 128;  // bfloat16 keeps 8 significant bits
        std::vector<std::tuple<std::string, torch::Tensor, torch::Tensor, torch::Tensor>> compared{
            {"output", ours.output, theirs.output, reference.output},
            {"input gradient", ours.inputGradient, theirs.inputGradient, reference.inputGradient},
            {"weight gradient", ours.weightGradient, theirs.weightGradient,
             reference.weightGradient},
            {"bias gradient", ours.biasGradient, theirs.biasGradient, reference.biasGradient}};
        if (kind.residual) {
            compared.emplace_back("shortcut gradient", ours.residualGradient,
                                  theirs.residualGradient, reference.residualGradient);
        }
        for (const auto& [name, mine, libtorchs, exactly] : compared) {
            const double error = relativeError(mine, exactly);
            EXPECT_LT(error, kRounding) << name;
            EXPECT_LE(error, 1.5 * relativeError(libtorchs, exactly) + 1e-6) << name;
        }
        EXPECT_LT(relativeError(ours.runningMean, reference.runningMean), 1e-6);
        EXPECT_LT(relativeError(ours.runningVar, reference.runningVar), 1e-5);
        EXPECT_EQ(fused->num_batches_tracked.item<std::int64_t>(), 2);
        if (activation == layers::Activation::kReLU) {
            // ReLU stops at the same elements.
            const torch::Tensor stopped = ours.output.eq(0);
            EXPECT_TRUE(stopped.any().item<bool>());
            EXPECT_TRUE(torch::equal(stopped, reference.output.eq(0)));
        }
    }
}

// Elsewhere LibTorch's batch_norm runs, exactly as before: float32, the default layout, eval.
TEST(BatchNorm2d, UnfusedCasesAreLibTorchsBatchNorm) {
    torch::manual_seed(4);
    const torch::Tensor values = torch::randn({4, 8, 5, 5}) * 3 + 1;
    const auto check = [](const torch::Tensor& input, bool training) {
        auto ours = normWithWeights(8, torch::kFloat);
        ours->train(training);
        const torch::Tensor expected = torch::relu(
            torch::batch_norm(input, ours->weight, ours->bias, ours->running_mean.clone(),
                              ours->running_var.clone(), training, 0.3, 1e-5, false));
        const torch::Tensor output = ours->forwardActivated(input, layers::Activation::kReLU);
        EXPECT_TRUE(torch::equal(output, expected)) << input.scalar_type() << " " << training;
    };
    check(values.contiguous(torch::MemoryFormat::ChannelsLast), true);
    check(values.to(torch::kBFloat16), true);
    check(values.to(torch::kBFloat16).contiguous(torch::MemoryFormat::ChannelsLast), false);
}

// A frozen batch norm in a training network: the input's gradient alone.
TEST(BatchNorm2d, FusedBFloat16WithFrozenParametersGivesTheInputGradient) {
    auto norm = normWithWeights(16, torch::kFloat);
    norm->weight.set_requires_grad(false);
    norm->bias.set_requires_grad(false);
    const torch::Tensor input = torch::randn({2, 16, 4, 4})
                                    .to(torch::kBFloat16)
                                    .contiguous(torch::MemoryFormat::ChannelsLast)
                                    .requires_grad_(true);
    norm->forwardActivated(input, layers::Activation::kReLU).sum().backward();
    ASSERT_TRUE(input.grad().defined());
    EXPECT_TRUE(torch::isfinite(input.grad()).all().item<bool>());
    EXPECT_FALSE(norm->weight.grad().defined());
}

// Sums one tensor at a time across `parties` threads: each thread's call returns once every
// thread has added its values, with the total in its tensor.
class SharedSum {
  public:
    explicit SharedSum(int parties) : m_parties(parties) {}

    void operator()(torch::Tensor& tensor) {
        std::unique_lock<std::mutex> lock(m_mutex);
        const std::uint64_t round = m_round;
        m_total = m_arrived == 0 ? tensor.clone() : m_total + tensor;
        if (++m_arrived == m_parties) {
            m_result = m_total;
            m_arrived = 0;
            ++m_round;
            m_changed.notify_all();
        } else {
            m_changed.wait(lock, [&] { return m_round != round; });
        }
        tensor.copy_(m_result);
    }

  private:
    const int m_parties;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_arrived = 0;
    std::uint64_t m_round = 0;
    torch::Tensor m_total, m_result;
};

struct StepResult {
    torch::Tensor logits;
    std::vector<torch::Tensor> gradients;
    std::vector<torch::Tensor> buffers;
};

// One training step's forward and backward (loss: mean cross-entropy over `images`).
StepResult trainStep(NetworkImpl& network, const torch::Tensor& images,
                     const torch::Tensor& targets) {
    network.train(true);
    network.zero_grad();
    StepResult result;
    result.logits = network.forward(images);
    torch::nn::functional::cross_entropy(result.logits, targets).backward();
    for (const auto& p : network.parameters()) result.gradients.push_back(p.grad().clone());
    for (const auto& b : network.buffers()) result.buffers.push_back(b.clone());
    return result;
}

double largestDifference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    double largest = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        largest = std::max(
            largest,
            (a[i].to(torch::kDouble) - b[i].to(torch::kDouble)).abs().max().item<double>());
    }
    return largest;
}

TEST(SynchronisedBatchNorm, TwoHalvesTrainAsTheWholeBatch) {
    torch::manual_seed(5);
    const torch::Tensor images = torch::randn({8, 3, 32, 32});
    const torch::Tensor targets = torch::randint(4, {8}, torch::kLong);
    const auto fresh = [] {
        torch::manual_seed(9);
        return test::makeNetwork("resnet18", 4);
    };
    NetworkPtr whole = fresh();
    const StepResult single = trainStep(*whole, images, targets);

    // Each half on its own network, statistics summed across the two; then the gradients
    // averaged as distributed training does.
    const auto run = [&](bool synchronised) {
        std::vector<NetworkPtr> parts = {fresh(), fresh()};
        SharedSum sum(2);
        std::size_t layers = 0;
        if (synchronised) {
            for (auto& part : parts) layers = synchroniseBatchNorm(*part, std::ref(sum));
        }
        std::vector<StepResult> results(2);
        std::vector<std::thread> threads;
        for (int rank = 0; rank < 2; ++rank) {
            threads.emplace_back([&, rank] {
                results[rank] = trainStep(*parts[rank], images.narrow(0, 4 * rank, 4),
                                          targets.narrow(0, 4 * rank, 4));
            });
        }
        for (auto& thread : threads) thread.join();
        StepResult merged;
        merged.logits = torch::cat({results[0].logits, results[1].logits});
        for (std::size_t i = 0; i < results[0].gradients.size(); ++i) {
            merged.gradients.push_back((results[0].gradients[i] + results[1].gradients[i]) / 2);
        }
        merged.buffers = results[0].buffers;
        // Synchronised, both parts keep the same running statistics.
        if (synchronised) {
            EXPECT_EQ(largestDifference(results[0].buffers, results[1].buffers), 0.0);
        }
        return std::make_pair(merged, layers);
    };

    const auto [synced, layers] = run(true);
    EXPECT_EQ(layers, 20u);  // ResNet-18's BatchNorm layers
    const double logits = (synced.logits - single.logits).abs().max().item<double>();
    const double gradients = largestDifference(synced.gradients, single.gradients);
    const double buffers = largestDifference(synced.buffers, single.buffers);
    std::cout << "synchronised halves against the whole batch: logits " << logits << ", gradients "
              << gradients << ", running statistics " << buffers << "\n";
    EXPECT_LT(logits, 1e-4);
    EXPECT_LT(gradients, 1e-4);
    EXPECT_LT(buffers, 1e-5);

    // Each half's own statistics are another computation: the comparison can tell.
    const auto [separate, none] = run(false);
    EXPECT_EQ(none, 0u);
    EXPECT_GT((separate.logits - single.logits).abs().max().item<double>(), 1e-2);
}

}  // namespace
}  // namespace fovea::core
