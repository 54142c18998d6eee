// Two real processes on loopback train as one: the test binary starts itself twice as the ranks
// of a group (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, as torchrun sets them), each with its
// shard of the data and batch B; their weights and metrics equal one process's with batch 2B.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <sstream>

#include "fovea/core/distributed/gradient_averager.h"
#include "fovea/core/distributed/launch_environment.h"
#include "fovea/core/distributed/process_group.h"
#include "fovea/core/training/data_shard.h"
#include "fovea/core/training/trainer.h"
#include "free_port.h"
#include "run_process.h"
#include "tiny_problem.h"

namespace core = fovea::core;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kRankBatch = 4;
constexpr int kTrainImages = 36;       // 4 full batches of 8 and a last one of 4 (2 per rank)
constexpr int kValidationImages = 15;  // odd: the ranks' validation shards differ in length

// Batches of a fixed set in a fixed order, restricted to one rank's shard.
class ShardedSource final : public core::BatchSource {
  public:
    ShardedSource(torch::Tensor images, torch::Tensor targets, std::int64_t batchSize,
                  core::DataShard shard)
        : m_images(std::move(images)), m_targets(std::move(targets)), m_batchSize(batchSize) {
        std::vector<std::size_t> all(static_cast<std::size_t>(m_images.size(0)));
        for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
        m_order = core::shardOf(all, shard);
    }
    std::int64_t samplesPerEpoch() const override {
        return static_cast<std::int64_t>(m_order.size());
    }
    std::int64_t batchesPerEpoch() const override {
        return (samplesPerEpoch() + m_batchSize - 1) / m_batchSize;
    }
    void startEpoch(std::int64_t, std::int64_t firstBatch) override { m_next = firstBatch; }
    std::optional<core::Batch> nextBatch() override {
        if (m_next >= batchesPerEpoch()) return std::nullopt;
        const std::int64_t begin = m_next++ * m_batchSize;
        const std::int64_t end = std::min(begin + m_batchSize, samplesPerEpoch());
        std::vector<std::int64_t> indices(m_order.begin() + begin, m_order.begin() + end);
        const torch::Tensor picked = torch::tensor(indices, torch::kInt64);
        core::Batch batch;
        batch.images = m_images.index_select(0, picked);
        batch.targets = m_targets.index_select(0, picked);
        batch.sampleIds = indices;
        batch.variants.assign(indices.size(), 0);
        return batch;
    }
    std::vector<core::SampleFailure> takeFailures() override { return {}; }

  private:
    torch::Tensor m_images;
    torch::Tensor m_targets;
    std::int64_t m_batchSize;
    std::vector<std::size_t> m_order;
    std::int64_t m_next = 0;
};

struct Trained {
    std::vector<torch::Tensor> weights;  // every parameter and buffer, in order
    std::vector<core::EpochReport> epochs;
};

// ResNet-18 with every block but the head frozen: its BatchNorm layers keep their statistics
// (frozen blocks run in eval mode), and the trainable part has none, so per-rank batches give
// the same step as the whole batch.
// Where a run keeps its checkpoints (written by rank 0 alone) and whether it resumes from them.
struct Checkpoints {
    fs::path folder;
    bool resume = false;
};

Trained trainTiny(const core::DataShard& trainShard, const core::DataShard& validationShard,
                  std::int64_t batchSize, core::ProcessGroup* group,
                  const std::function<void(const core::BatchProgress&)>& onBatch = {},
                  const Checkpoints& checkpoints = {}, bool synchronisedBatchNorm = false) {
    const auto train = fovea::test::makeTinyProblem(kTrainImages, 1);
    const auto validation = fovea::test::makeTinyProblem(kValidationImages, 2);
    core::NetworkPtr network = fovea::test::makeTinyNetwork("resnet18");
    std::set<std::string> frozen;
    for (const auto& block : network->blocks()) frozen.insert(block.name);
    frozen.erase(network->blocks().back().name);
    // With synchronised BatchNorm the last stage trains too, its BatchNorm layers in train mode.
    if (synchronisedBatchNorm) frozen.erase(network->blocks()[network->blocks().size() - 2].name);
    network->setFrozenBlocks(frozen);

    core::TrainingConfig config;
    config.device = core::DevicePreference::Cpu;
    config.precision = core::Precision::Float32;
    config.channelsLast = false;
    config.epochs = 2;
    config.learningRate = 5e-3;
    config.seed = 3;
    config.syncBatchNorm = synchronisedBatchNorm;
    // SGD: AdamW scales each step by the gradient's own size, so the last bits of float32 in
    // the many near-zero gradients of a trained BatchNorm stage grew to 6e-4 in the weights.
    if (synchronisedBatchNorm) config.optimizer = core::OptimizerKind::Sgd;
    ShardedSource trainSource(train.images, train.targets, batchSize, trainShard);
    ShardedSource validationSource(validation.images, validation.targets, batchSize,
                                   validationShard);
    core::Trainer trainer(network, config, {&trainSource, &validationSource, {"a", "b", "c"}, {}});
    trainer.setProcessGroup(group);
    if (!checkpoints.folder.empty()) {
        if (!group || group->rank() == 0) trainer.setCheckpointFolder(checkpoints.folder);
        if (checkpoints.resume) {
            auto resumed = trainer.resumeFromCheckpoint(checkpoints.folder / "last.pt");
            if (!resumed) throw std::runtime_error(resumed.error().message);
        }
    }
    core::TrainingControl control;
    core::TrainingCallbacks callbacks;
    Trained result;
    callbacks.onEpoch = [&](const core::EpochReport& report) { result.epochs.push_back(report); };
    callbacks.onBatch = onBatch;
    auto summary = trainer.run(control, callbacks);
    if (!summary) throw std::runtime_error(summary.error().message);
    for (const auto& p : trainer.network().parameters()) result.weights.push_back(p.detach());
    for (const auto& b : trainer.network().buffers()) result.weights.push_back(b.detach());
    return result;
}

std::string epochLine(const core::EpochReport& e) {
    std::ostringstream line;
    line.precision(17);
    line << e.trainLoss << ' ' << e.trainAccuracy << ' ' << e.validationLoss << ' '
         << e.validationAccuracy << ' ' << e.validationConfusion.total();
    return line.str();
}

// Starts this test binary as ranks 0..world-1 of a group running `worker`, with the extra
// environment, and waits for all of them.
std::vector<fovea::test::ProcessResult> runRanks(int world, const std::string& worker,
                                                 const std::vector<std::string>& extra) {
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    const int port = fovea::test::freeLoopbackPort();
    std::vector<std::future<fovea::test::ProcessResult>> ranks;
    for (int rank = 0; rank < world; ++rank) {
        std::vector<std::string> environment = {
            "RANK=" + std::to_string(rank),        "WORLD_SIZE=" + std::to_string(world),
            "LOCAL_RANK=" + std::to_string(rank),  "MASTER_ADDR=127.0.0.1",
            "MASTER_PORT=" + std::to_string(port), "OMP_NUM_THREADS=1",
            "FOVEA_TEST_WORKER=" + worker};
        environment.insert(environment.end(), extra.begin(), extra.end());
        ranks.push_back(std::async(std::launch::async, [self, environment] {
            return fovea::test::runProcess(
                self, {"--gtest_filter=DistributedWorker.*", "--gtest_brief=1"}, environment,
                /*mergeStderr=*/true);
        }));
    }
    std::vector<fovea::test::ProcessResult> results;
    for (auto& rank : ranks) results.push_back(rank.get());
    return results;
}

std::string workerOut(const std::string& name) {
    const auto out = core::processEnvironment("FOVEA_TEST_WORKER_OUT");
    return out.value_or("") + "/" + name;
}

}  // namespace

// --- The ranks: run only when the tests below start this binary as one ---

TEST(DistributedWorker, RunsAsTheRankItsEnvironmentSays) {
    const auto worker = core::processEnvironment("FOVEA_TEST_WORKER");
    if (!worker) GTEST_SKIP() << "started by the DistributedTraining tests";
    auto launch = core::readLaunchEnvironment();
    ASSERT_TRUE(launch && launch.value()) << (launch ? "no group" : launch.error().message);
    auto group = core::ProcessGroup::join(*launch.value(), std::chrono::seconds(30));
    ASSERT_TRUE(group) << group.error().message;
    const int rank = group.value()->rank();
    const int world = group.value()->worldSize();

    if (*worker == "train" || *worker == "train-sync-bn") {
        const Trained trained = trainTiny({rank, world, true}, {rank, world, false}, kRankBatch,
                                          group.value().get(), {}, {}, *worker == "train-sync-bn");
        torch::save(trained.weights, workerOut("rank" + std::to_string(rank) + ".pt"));
        std::ofstream epochs(workerOut("rank" + std::to_string(rank) + ".txt"));
        for (const auto& e : trained.epochs) epochs << epochLine(e) << '\n';
    } else if (*worker == "average") {
        // Gradients of many sizes, in buckets of 64 bytes: every rank ends with the mean of
        // what each rank had (rank r's values are (r + 1) x the base).
        torch::manual_seed(7);
        std::vector<torch::Tensor> parameters;
        for (int size : {3, 40, 1, 17, 64}) {
            parameters.push_back(torch::zeros({size}, torch::requires_grad()));
            parameters.back().mutable_grad() = torch::randn({size}) * double(rank + 1);
        }
        parameters.push_back(torch::zeros({5}));  // frozen: no gradient, not sent
        core::GradientAverager averager(*group.value(), 64);
        averager.average(parameters);
        torch::manual_seed(7);
        const double meanFactor = (world + 1) / 2.0;
        for (std::size_t i = 0; i + 1 < parameters.size(); ++i) {
            const torch::Tensor expected = torch::randn({parameters[i].numel()}) * meanFactor;
            EXPECT_TRUE(torch::allclose(parameters[i].grad(), expected, 1e-6, 1e-6)) << i;
        }
        EXPECT_FALSE(parameters.back().grad().defined());

        // During backward, through hooks: each bucket sent once its gradients are in; a
        // parameter used twice and one without a gradient come out right too.
        torch::manual_seed(8);
        std::vector<torch::Tensor> weights;
        std::vector<torch::Tensor> factors;
        for (int size : {3, 40, 1, 17, 64}) {
            weights.push_back(torch::randn({size}).requires_grad_());
            factors.push_back(torch::randn({size}));
        }
        weights.push_back(torch::zeros({4}, torch::requires_grad()));  // in no loss
        core::GradientAverager hooked(*group.value(), 64);
        hooked.attach(weights);
        for (int step = 0; step < 2; ++step) {
            for (auto& w : weights) w.mutable_grad() = torch::Tensor();
            torch::Tensor loss = (weights[0] * factors[0]).sum();  // weights[0]: used twice
            for (std::size_t i = 0; i < factors.size(); ++i) {
                loss = loss + (weights[i] * factors[i]).sum() * double(rank + 1);
            }
            loss.backward();
            hooked.finish();
            for (std::size_t i = 0; i < factors.size(); ++i) {
                // weights[0]'s first use is the same on every rank: its mean is itself.
                torch::Tensor expected = factors[i] * meanFactor;
                if (i == 0) expected = expected + factors[0];
                EXPECT_TRUE(torch::allclose(weights[i].grad(), expected, 1e-5, 1e-5))
                    << "step " << step << " weight " << i;
            }
            ASSERT_TRUE(weights.back().grad().defined());
            EXPECT_EQ(weights.back().grad().abs().sum().item<double>(), 0.0);
        }
    } else if (*worker == "checkpointed") {
        // Checkpoints in FOVEA_TEST_CHECKPOINTS; resumed from them with FOVEA_TEST_RESUME;
        // rank 1 dies at step FOVEA_TEST_DIE_AT_STEP when that is set.
        const Checkpoints checkpoints{core::processEnvironment("FOVEA_TEST_CHECKPOINTS").value(),
                                      core::processEnvironment("FOVEA_TEST_RESUME").has_value()};
        const int dieAt =
            std::stoi(core::processEnvironment("FOVEA_TEST_DIE_AT_STEP").value_or("-1"));
        try {
            const Trained trained = trainTiny(
                {rank, world, true}, {rank, world, false}, kRankBatch, group.value().get(),
                [rank, dieAt](const core::BatchProgress& progress) {
                    if (rank == 1 && progress.step == dieAt) ::_exit(3);
                },
                checkpoints);
            torch::save(trained.weights, workerOut("rank" + std::to_string(rank) + ".pt"));
        } catch (const std::exception& e) {
            std::cout << e.what() << std::endl;
            std::exit(4);
        }
    } else if (*worker == "die") {
        // Rank 1 dies at its second step; the others must end, saying which rank they are.
        const auto start = std::chrono::steady_clock::now();
        try {
            trainTiny({rank, world, true}, {rank, world, false}, kRankBatch, group.value().get(),
                      [rank](const core::BatchProgress& progress) {
                          if (rank == 1 && progress.step == 2) ::_exit(3);
                      });
            ADD_FAILURE() << "rank " << rank << " finished though rank 1 died";
        } catch (const std::exception& e) {
            std::cout
                << "ended after "
                << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
                << " s: " << e.what() << std::endl;
            std::exit(4);
        }
    }
}

// --- The tests ---

class DistributedTraining : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!core::distributedTrainingAvailable()) {
            GTEST_SKIP() << "this LibTorch has no c10d Gloo";
        }
        m_out = fs::temp_directory_path() /
                ("fovea-distributed-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(m_out);
    }
    void TearDown() override { fs::remove_all(m_out); }
    std::string outVariable() const { return "FOVEA_TEST_WORKER_OUT=" + m_out.string(); }

    fs::path m_out;
};

// The ranks' weights and metrics rows against one process's with batch 2B.
void expectRanksEqualSingleProcess(const fs::path& out, const Trained& single, double tolerance) {
    for (int rank = 0; rank < 2; ++rank) {
        std::vector<torch::Tensor> weights;
        torch::load(weights, (out / ("rank" + std::to_string(rank) + ".pt")).string());
        ASSERT_EQ(weights.size(), single.weights.size());
        double largest = 0;
        for (std::size_t i = 0; i < weights.size(); ++i) {
            largest = std::max(
                largest, (weights[i].to(torch::kDouble) - single.weights[i].to(torch::kDouble))
                             .abs()
                             .max()
                             .item<double>());
        }
        std::cout << "rank " << rank << ": largest difference from one process " << largest << "\n";
        EXPECT_LT(largest, tolerance) << "rank " << rank;

        // The metrics rows: the same figures as the single process's, on every rank.
        std::ifstream file(out / ("rank" + std::to_string(rank) + ".txt"));
        std::vector<double> got;
        for (double value; file >> value;) got.push_back(value);
        ASSERT_EQ(got.size(), single.epochs.size() * 5) << "rank " << rank;
        for (std::size_t epoch = 0; epoch < single.epochs.size(); ++epoch) {
            std::istringstream expected(epochLine(single.epochs[epoch]));
            for (int column = 0; column < 5; ++column) {
                double want = 0;
                expected >> want;
                EXPECT_NEAR(got[epoch * 5 + column], want, tolerance / 10)
                    << "rank " << rank << " epoch " << epoch << " column " << column;
            }
        }
    }
}

TEST_F(DistributedTraining, TwoRanksOfBatchBEqualOneProcessOfBatch2B) {
    const auto ranks = runRanks(2, "train", {outVariable()});
    for (std::size_t rank = 0; rank < ranks.size(); ++rank) {
        ASSERT_EQ(ranks[rank].exitCode, 0) << "rank " << rank << ":\n" << ranks[rank].output;
    }
    const Trained single = trainTiny({}, {}, 2 * kRankBatch, nullptr);
    expectRanksEqualSingleProcess(m_out, single, 1e-5);
    // Validation covered every image once, across the ranks' unequal shards.
    EXPECT_EQ(single.epochs.back().validationConfusion.total(), kValidationImages);
}

// BatchNorm layers that train: with their statistics synchronised, two ranks of batch B still
// train as one process of batch 2B (running statistics included).
TEST_F(DistributedTraining, SynchronisedBatchNormTrainsAsOneProcessOfBatch2B) {
    const auto ranks = runRanks(2, "train-sync-bn", {outVariable()});
    for (std::size_t rank = 0; rank < ranks.size(); ++rank) {
        ASSERT_EQ(ranks[rank].exitCode, 0) << "rank " << rank << ":\n" << ranks[rank].output;
    }
    const Trained single = trainTiny({}, {}, 2 * kRankBatch, nullptr, {}, {}, true);
    expectRanksEqualSingleProcess(m_out, single, 1e-4);
}

// A rank killed mid-epoch ends the group; the checkpoint rank 0 wrote before stays valid, and the
// group resumed from it ends with the weights of a run never interrupted.
TEST_F(DistributedTraining, AGroupResumedAfterAKilledRankEndsAsAnUninterruptedRun) {
    const auto load = [this](int rank) {
        std::vector<torch::Tensor> weights;
        torch::load(weights, (m_out / ("rank" + std::to_string(rank) + ".pt")).string());
        fs::remove(m_out / ("rank" + std::to_string(rank) + ".pt"));
        return weights;
    };
    const std::string whole = "FOVEA_TEST_CHECKPOINTS=" + (m_out / "whole").string();
    for (const auto& rank : runRanks(2, "checkpointed", {outVariable(), whole})) {
        ASSERT_EQ(rank.exitCode, 0) << rank.output;
    }
    const auto uninterrupted = load(0);

    // 5 steps per epoch: rank 1 dies in the second epoch, after the first one's checkpoint.
    const std::string broken = "FOVEA_TEST_CHECKPOINTS=" + (m_out / "broken").string();
    const auto killed =
        runRanks(2, "checkpointed", {outVariable(), broken, "FOVEA_TEST_DIE_AT_STEP=7"});
    EXPECT_EQ(killed[1].exitCode, 3) << killed[1].output;
    EXPECT_EQ(killed[0].exitCode, 4) << killed[0].output;
    ASSERT_TRUE(fs::exists(m_out / "broken" / "last.pt"));

    for (const auto& rank :
         runRanks(2, "checkpointed", {outVariable(), broken, "FOVEA_TEST_RESUME=1"})) {
        ASSERT_EQ(rank.exitCode, 0) << rank.output;
    }
    for (int rank = 0; rank < 2; ++rank) {
        const auto resumed = load(rank);
        ASSERT_EQ(resumed.size(), uninterrupted.size());
        for (std::size_t i = 0; i < resumed.size(); ++i) {
            EXPECT_LT((resumed[i] - uninterrupted[i]).abs().max().item<double>(), 1e-6)
                << "rank " << rank << " tensor " << i;
        }
    }
}

TEST_F(DistributedTraining, GradientsAreAveragedInBuckets) {
    const auto ranks = runRanks(3, "average", {outVariable()});
    for (std::size_t rank = 0; rank < ranks.size(); ++rank) {
        EXPECT_EQ(ranks[rank].exitCode, 0) << "rank " << rank << ":\n" << ranks[rank].output;
    }
}

TEST_F(DistributedTraining, ADeadRankEndsTheOthersWithAMessageNamingTheirRank) {
    const auto start = std::chrono::steady_clock::now();
    const auto ranks = runRanks(2, "die", {outVariable()});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(ranks[1].exitCode, 3) << ranks[1].output;
    EXPECT_EQ(ranks[0].exitCode, 4) << ranks[0].output;
    EXPECT_NE(ranks[0].output.find("rank 0 of 2"), std::string::npos) << ranks[0].output;
    // Well within the group's 30 s timeout: the dead peer's connection resets at once.
    EXPECT_LT(seconds, 25.0);
}
