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
