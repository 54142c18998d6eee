// fovea-cli train as the ranks of a distributed run, started as torchrun starts them (RANK,
// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) on 127.0.0.1: one run folder, written by
// rank 0; the others log beside it; and the launch mistakes people make end with a message.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "cli_test_support.h"
#include "fovea/core/distributed/process_group.h"
#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/weights_import/offline_default.h"
#include "free_port.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> rankEnvironment(int rank, int world, int port) {
    return {"RANK=" + std::to_string(rank),        "WORLD_SIZE=" + std::to_string(world),
            "LOCAL_RANK=" + std::to_string(rank),  "MASTER_ADDR=127.0.0.1",
            "MASTER_PORT=" + std::to_string(port), "OMP_NUM_THREADS=1",
            "FOVEA_DISTRIBUTED_TIMEOUT=30"};
}

class CliDistributed : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!core::distributedTrainingAvailable()) GTEST_SKIP() << "no c10d Gloo in this build";
        if (!fs::exists(core::offlineWeightsPath("mobilenet_v2_keras"))) {
            GTEST_SKIP() << "offline default weights missing: fovea-cli prepare-offline-weights";
        }
        core::FashionMnistFolderOptions options;
        options.classes = {0, 1, 2};
        options.imagesPerClass = 12;
        ASSERT_TRUE(core::writeFashionMnistFolder(m_data, options).ok());
    }

    std::vector<std::string> trainArgs(const fs::path& out, const std::string& epochs = "2") {
        return {"train",
                "--data",
                m_data.string(),
                "--out",
                out.string(),
                "--arch",
                "mobilenet_v2_keras",
                "--image-size",
                "32",
                "--epochs",
                epochs,
                "--batch-size",
                "6",
                "--augment",
                "none",
                "--json"};
    }

    // Runs one fovea-cli per rank at once, each with its own arguments.
    static std::vector<JsonRun> runRanks(const std::vector<std::vector<std::string>>& args) {
        const int port = freeLoopbackPort();
        std::vector<std::future<JsonRun>> ranks;
        for (std::size_t rank = 0; rank < args.size(); ++rank) {
            ranks.push_back(std::async(std::launch::async, [&, rank] {
                return runCliJson(args[rank], rankEnvironment(static_cast<int>(rank),
                                                              static_cast<int>(args.size()), port));
            }));
        }
        std::vector<JsonRun> results;
        for (auto& rank : ranks) results.push_back(rank.get());
        return results;
    }

    TempFolder m_scratch{"fovea-cli-distributed"};
    fs::path m_data = m_scratch / "data";
};

TEST_F(CliDistributed, TwoRanksWriteOneRunFolderThroughRankZero) {
    const fs::path out = m_scratch / "run";
    const fs::path elsewhere = m_scratch / "rank1-would-write-here";
    // With synchronised BatchNorm: the offline weights' trained blocks have BatchNorm layers.
    auto rank0 = trainArgs(out);
    auto rank1 = trainArgs(elsewhere);
    for (auto* args : {&rank0, &rank1}) args->push_back("--sync-batchnorm");
    const auto ranks = runRanks({rank0, rank1});
    for (std::size_t rank = 0; rank < ranks.size(); ++rank) {
        ASSERT_EQ(ranks[rank].exitCode, 0) << "rank " << rank << ":\n" << ranks[rank].output;
    }
    // Both report the same run and the same figures (the metrics are summed over the shards).
    for (const auto& rank : ranks) {
        EXPECT_TRUE(fs::equivalent(rank.json.at("run_folder").get<std::string>(), out));
        EXPECT_EQ(rank.json.at("val_accuracy"), ranks[0].json.at("val_accuracy"));
        EXPECT_EQ(rank.json.at("train_loss"), ranks[0].json.at("train_loss"));
    }
    EXPECT_FALSE(fs::exists(elsewhere));
    for (const char* file : {"config.json", "metrics.csv", "log.txt", "summary.json",
                             "model.safetensors", "checkpoints/last.pt", "log-rank1.txt"}) {
        EXPECT_TRUE(fs::is_regular_file(out / file)) << file;
    }
    EXPECT_EQ(csvDataRows(out / "metrics.csv").size(), 2u);
    const std::string rankLog = readWholeFile(out / "log-rank1.txt");
    EXPECT_NE(rankLog.find("rank 1 of 2"), std::string::npos) << rankLog;
    EXPECT_NE(rankLog.find("ended: completed"), std::string::npos) << rankLog;
    EXPECT_NE(rankLog.find("BatchNorm statistics summed across the 2 ranks"), std::string::npos)
        << rankLog;
    EXPECT_NE(readWholeFile(out / "config.json").find("\"sync_batchnorm\": true"),
              std::string::npos);
    // Every line of the rank's log is stamped like log.txt's.
    std::istringstream lines(rankLog);
    const std::regex stamped(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S.*)");
    for (std::string line; std::getline(lines, line);) {
        EXPECT_TRUE(std::regex_match(line, stamped)) << line;
    }
    // The run records its processes and each one's steps per epoch (its padded shard's
    // batches), which the workbench's charts use to place epochs on the step axis.
    const auto config = nlohmann::json::parse(readWholeFile(out / "config.json"));
    EXPECT_EQ(config.at("processes"), 2);
    const std::int64_t train = config.at("images").at("train");
    EXPECT_EQ(config.at("steps_per_epoch"), ((train + 1) / 2 + 5) / 6);
}

// Ctrl-C in one rank's terminal stops every rank at the same batch (rank 0 writes the
// checkpoint); the group resumed with --resume completes the run.
TEST_F(CliDistributed, CtrlCOnOneRankStopsTheGroupAndItResumes) {
    constexpr int kEpochs = 30;
    const fs::path out = m_scratch / "run";
    const int port = freeLoopbackPort();
    {
        std::vector<std::unique_ptr<ChildProcess>> ranks;
        for (int rank = 0; rank < 2; ++rank) {
            const std::string name = "rank" + std::to_string(rank);
            ranks.push_back(std::make_unique<ChildProcess>(
                foveaBinary("fovea-cli"), trainArgs(out, std::to_string(kEpochs)),
                rankEnvironment(rank, 2, port), m_scratch / (name + ".out"),
                m_scratch / (name + ".err")));
        }
        ASSERT_TRUE(
            waitForFile(out / "checkpoints" / "last.pt", *ranks[0], std::chrono::seconds(120)))
            << readWholeFile(m_scratch / "rank0.err");
        ranks[1]->sendSignal(SIGINT);
        EXPECT_EQ(ranks[1]->wait(), 130) << readWholeFile(m_scratch / "rank1.err");
        EXPECT_EQ(ranks[0]->wait(), 130) << readWholeFile(m_scratch / "rank0.err");
    }
    const auto stopped = parseJsonRun(130, readWholeFile(m_scratch / "rank0.out"));
    ASSERT_TRUE(printedOneObject(stopped)) << stopped.output;
    EXPECT_EQ(stopped.json.at("outcome"), "stopped");
    const int done = stopped.json.at("epochs_completed").get<int>();
    EXPECT_LT(done, kEpochs);

    const auto resumed = runRanks({{"train", "--out", out.string(), "--resume", "--json"},
                                   {"train", "--out", out.string(), "--resume", "--json"}});
    for (std::size_t rank = 0; rank < resumed.size(); ++rank) {
        ASSERT_EQ(resumed[rank].exitCode, 0) << "rank " << rank << ":\n" << resumed[rank].output;
        EXPECT_EQ(resumed[rank].json.at("epochs_completed"), kEpochs);
    }
    EXPECT_EQ(csvDataRows(out / "metrics.csv").size(), std::size_t{kEpochs});
    EXPECT_TRUE(fs::is_regular_file(out / "model.safetensors"));
}

TEST_F(CliDistributed, RanksGivenDifferentSettingsRefuseToStart) {
    const auto ranks = runRanks({trainArgs(m_scratch / "a", "2"), trainArgs(m_scratch / "a", "3")});
    for (std::size_t rank = 0; rank < ranks.size(); ++rank) {
        EXPECT_EQ(ranks[rank].exitCode, 2) << ranks[rank].output;
        EXPECT_NE(ranks[rank].output.find("different training settings"), std::string::npos)
            << ranks[rank].output;
    }
    EXPECT_FALSE(fs::exists(m_scratch / "a"));
}

// lr-find under a launcher is rank 0's: the others end at once, saying so, and write nothing.
TEST_F(CliDistributed, LrFindRunsOnRankZeroAlone) {
    const fs::path csv = m_scratch / "curve.csv";
    const auto run =
        runCliJson({"lr-find", "--data", m_data.string(), "--arch", "mobilenet_v2_keras",
                    "--image-size", "32", "--csv", csv.string(), "--json"},
                   rankEnvironment(1, 2, freeLoopbackPort()));
    EXPECT_EQ(run.exitCode, 0) << run.output;
    EXPECT_EQ(run.json.value("skipped", ""),
              "lr-find runs on rank 0 only; rank 1 has nothing to do")
        << run.output;
    EXPECT_FALSE(fs::exists(csv));
}

TEST_F(CliDistributed, AHalfSetEnvironmentIsAUsageError) {
    const auto run = runCliJson(trainArgs(m_scratch / "b"), {"RANK=0", "-WORLD_SIZE"});
    EXPECT_EQ(run.exitCode, 2) << run.output;
    EXPECT_NE(run.output.find("WORLD_SIZE is not set"), std::string::npos) << run.output;
    EXPECT_FALSE(fs::exists(m_scratch / "b"));
}

TEST_F(CliDistributed, AnUnreachableMasterEndsWithinTheTimeout) {
    auto environment = rankEnvironment(1, 2, freeLoopbackPort());  // nobody serves it
    environment.back() = "FOVEA_DISTRIBUTED_TIMEOUT=3";
    const auto start = std::chrono::steady_clock::now();
    const auto run = runCliJson(trainArgs(m_scratch / "c"), environment);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(run.exitCode, 1) << run.output;
    EXPECT_NE(run.output.find("could not join"), std::string::npos) << run.output;
    EXPECT_LT(seconds, 20.0);
    EXPECT_FALSE(fs::exists(m_scratch / "c"));
}

}  // namespace
}  // namespace fovea::test
