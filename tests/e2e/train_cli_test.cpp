// Drives the built fovea-cli as a script would: models/layers, import, train, its bad-data and
// usage errors, and the two ways a run is interrupted (SIGKILL, Ctrl-C) followed by --resume.
// Every command runs with --json, and every test checks the exit code and the one JSON object
// on stdout. Data are small Fashion-MNIST folders (Debian's dataset-fashion-mnist) written here.
#include <gtest/gtest.h>

#include <signal.h>

#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <torch/cuda.h>
#include <nlohmann/json.hpp>

#include "cli_test_support.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/session/run_settings.h"
#include "fovea/core/session/training_run.h"
#include "fovea/core/weights/safetensors.h"
#include "fovea/core/weights_import/offline_default.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// `perClass` 28x28 grey PNGs of each Fashion-MNIST label in `labels`, as dir/<class>/*.png.
void writeImages(const fs::path& dir, std::vector<int> labels, int perClass,
                 std::uint64_t seed = 7) {
    core::FashionMnistFolderOptions options;
    options.classes = std::move(labels);
    options.imagesPerClass = perClass;
    options.seed = seed;
    auto written = core::writeFashionMnistFolder(dir, options);
    ASSERT_TRUE(written.ok()) << written.error().message;
}

std::string className(int label) { return core::fashionMnistClassNames()[label]; }

// Two files that look like images by name but cannot be decoded; their canonical paths.
std::set<fs::path> addBrokenFiles(const fs::path& classFolder) {
    const fs::path empty = classFolder / "empty.png";
    const fs::path text = classFolder / "notes.jpg";
    std::ofstream{empty}.close();
    std::ofstream{text} << "not a JPEG, just a note that was renamed\n";
    return {fs::canonical(empty), fs::canonical(text)};
}

// The paths of a JSON array of {"path": ...} entries, canonical (so the spelling does not
// matter as long as the file is the same); a path that does not exist is kept as printed.
std::set<fs::path> pathsOf(const nlohmann::json& entries) {
    std::set<fs::path> paths;
    for (const auto& entry : entries) {
        const fs::path path = entry.at("path").get<std::string>();
        std::error_code error;
        const fs::path canonical = fs::canonical(path, error);
        paths.insert(error ? path : canonical);
    }
    return paths;
}

std::set<fs::path> filesBelow(const fs::path& folder) {
    std::set<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) files.insert(entry.path());
    return files;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// One intra-op thread per child, so run A and the killed-and-resumed run B reduce in the same
// order whatever else the machine is doing.
const std::vector<std::string> kOneThread{"OMP_NUM_THREADS=1"};

// A small, fast run that is deterministic for a seed: random initialisation (no download), no
// augmentation, 32-pixel inputs. `more` options are added at the end.
std::vector<std::string> smallRun(const fs::path& data, const fs::path& out, int epochs,
                                  const std::vector<std::string>& more = {}) {
    std::vector<std::string> args{"train",
                                  "--data=" + data.string(),
                                  "--out=" + out.string(),
                                  "--arch=mobilenet_v3_small",
                                  "--weights=none",
                                  "--image-size=32",
                                  "--epochs=" + std::to_string(epochs),
                                  "--batch-size=8",
                                  "--augment=none",
                                  "--seed=3",
                                  "--json"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

// A metrics.csv row without its timing cells (seconds, images_per_second), which differ
// between two runs of the same training.
std::string withoutTimings(const std::string& row) {
    std::vector<std::string> cells;
    std::stringstream stream(row);
    for (std::string cell; std::getline(stream, cell, ',');) cells.push_back(cell);
    if (cells.size() != 10) return "unexpected row: " + row;  // see RunFolder::kMetricsHeader
    cells[7] = cells[8] = "-";
    std::string result;
    for (const auto& cell : cells) result += cell + ",";
    return result;
}

std::string errorOf(const JsonRun& run) {
    return run.json.is_object() && run.json.contains("error")
               ? run.json.at("error").get<std::string>()
               : std::string();
}

// Every tensor of two safetensors files: same names, dtypes, shapes and bytes.
void expectBitIdentical(const fs::path& a, const fs::path& b) {
    auto first = core::readSafetensors(a);
    auto second = core::readSafetensors(b);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_TRUE(second.ok()) << second.error().message;
    const core::StateDict& x = first.value().tensors;
    const core::StateDict& y = second.value().tensors;
    ASSERT_EQ(x.keys(), y.keys());
    ASSERT_GT(x.size(), 0u);
    for (const auto& item : x) {
        const torch::Tensor& left = item.value();
        const torch::Tensor& right = y[item.key()];
        ASSERT_EQ(left.scalar_type(), right.scalar_type()) << item.key();
        ASSERT_EQ(left.sizes(), right.sizes()) << item.key();
        EXPECT_EQ(std::memcmp(left.data_ptr(), right.data_ptr(), left.nbytes()), 0)
            << item.key() << " differs; largest difference "
            << (left.to(torch::kDouble) - right.to(torch::kDouble)).abs().max().item<double>();
    }
    EXPECT_EQ(first.value().metadata, second.value().metadata);
}

TEST(CliCatalogue, ModelsListsEveryArchitectureWithItsSize) {
    const auto run = runCliJson({"models", "--json"});
    ASSERT_EQ(run.exitCode, 0) << run.output;
    ASSERT_TRUE(printedOneObject(run)) << run.output;
    std::set<std::string> listed;
    for (const auto& model : run.json.at("models")) {
        const std::string name = model.at("name");
        listed.insert(name);
        EXPECT_GT(model.at("parameters").get<std::int64_t>(), 0) << name;
        EXPECT_GT(model.at("input_size").get<int>(), 0) << name;
        EXPECT_TRUE(model.at("weights").is_array()) << name;
    }
    std::set<std::string> known;
    for (const auto& architecture : core::architectures()) known.insert(architecture.name);
    EXPECT_EQ(listed, known);
    EXPECT_EQ(run.json.at("models").size(), known.size()) << "an architecture is listed twice";
}

TEST(CliCatalogue, LayersOfResnet18SumToTheTotal) {
    const auto run = runCliJson({"layers", "--arch", "resnet18", "--json"});
    ASSERT_EQ(run.exitCode, 0) << run.output;
    ASSERT_TRUE(printedOneObject(run)) << run.output;
    std::vector<std::string> names;
    std::int64_t sum = 0;
    for (const auto& block : run.json.at("blocks")) {
        names.push_back(block.at("name"));
        EXPECT_GT(block.at("parameters").get<std::int64_t>(), 0) << block.dump();
        EXPECT_FALSE(block.at("modules").empty()) << block.dump();
        sum += block.at("parameters").get<std::int64_t>();
    }
    EXPECT_EQ(names,
              (std::vector<std::string>{"stem", "layer1", "layer2", "layer3", "layer4", "head"}));
    EXPECT_EQ(sum, run.json.at("parameters").get<std::int64_t>());
    EXPECT_EQ(sum, 11689512);  // torchvision's resnet18 with 1000 classes
}

TEST(CliCatalogue, LayersOfAnUnknownArchitectureIsAUsageError) {
    const auto run = runCliJson({"layers", "--arch", "nope", "--json"});
    EXPECT_EQ(run.exitCode, 2) << run.output;
    ASSERT_TRUE(printedOneObject(run)) << run.output;
    EXPECT_EQ(run.json.at("exit_code"), 2);
    EXPECT_TRUE(contains(errorOf(run), "nope")) << run.output;
}

TEST(CliImport, CountsClassesAndUnreadableFilesThenAddsNothingTheSecondTime) {
    TempFolder scratch("fovea-cli-import");
    const fs::path data = scratch / "data";
    ASSERT_NO_FATAL_FAILURE(writeImages(data, {0, 1, 2}, 24));
    const auto broken = addBrokenFiles(data / className(1));
    const std::string project = (scratch / "project").string();

    const auto first = runCliJson({"import", data.string(), "--project", project, "--json"});
    ASSERT_EQ(first.exitCode, 0) << first.output;
    ASSERT_TRUE(printedOneObject(first)) << first.output;
    EXPECT_EQ(first.json.at("found"), 3 * 24 + 2);
    EXPECT_EQ(first.json.at("added"), 3 * 24 + 2);  // unusable files are kept, with their error
    EXPECT_EQ(first.json.at("classes"),
              (std::vector<std::string>{className(2), className(0), className(1)}))
        << "classes are sorted by name, as torchvision's ImageFolder numbers them";
    EXPECT_EQ(pathsOf(first.json.at("unreadable")), broken) << first.output;
    for (const auto& entry : first.json.at("unreadable")) {
        EXPECT_FALSE(entry.at("error").get<std::string>().empty()) << entry.dump();
    }
    EXPECT_TRUE(first.json.at("problems").empty()) << first.output;
    EXPECT_TRUE(fs::is_directory(project));

    const auto second = runCliJson({"import", data.string(), "--project", project, "--json"});
    ASSERT_EQ(second.exitCode, 0) << second.output;
    ASSERT_TRUE(printedOneObject(second)) << second.output;
    EXPECT_EQ(second.json.at("found"), 3 * 24 + 2);
    EXPECT_EQ(second.json.at("added"), 0);
    EXPECT_EQ(second.json.at("classes").size(), 3u);
}

TEST(CliTrain, OfflineDefaultRunWritesTheWholeRunFolder) {
    const fs::path weights = core::offlineWeightsPath("mobilenet_v2_keras");
    if (!fs::exists(weights)) {
        GTEST_SKIP() << weights << " is missing: run packaging/setup.sh, then "
                     << "fovea-cli prepare-offline-weights";
    }
    TempFolder scratch("fovea-cli-train");
    const fs::path data = scratch / "data";
    ASSERT_NO_FATAL_FAILURE(writeImages(data, {0, 1, 2}, 24));
    const auto broken = addBrokenFiles(data / className(0));
    const fs::path out = scratch / "run";

    const auto run = runCliJson({"train", "--data", data.string(), "--out", out.string(), "--arch",
                                 "mobilenet_v2_keras", "--image-size", "64", "--epochs", "2",
                                 "--batch-size", "16", "--augment", "none", "--json"});
    ASSERT_EQ(run.exitCode, 0) << run.output;
    ASSERT_TRUE(printedOneObject(run)) << run.output;
    const auto& r = run.json;
    EXPECT_EQ(r.at("outcome"), "completed");
    EXPECT_EQ(r.at("epochs_completed"), 2);
    EXPECT_EQ(r.at("architecture"), "mobilenet_v2_keras");
    EXPECT_TRUE(contains(r.at("weights").get<std::string>(), weights.filename().string()))
        << r.at("weights");
    EXPECT_EQ(r.at("classes").size(), 3u);
    EXPECT_TRUE(r.at("train_loss").is_number()) << run.output;
    EXPECT_TRUE(r.at("val_accuracy").is_number()) << run.output;
    const double accuracy = r.at("val_accuracy");
    EXPECT_GE(accuracy, 0.0);
    EXPECT_LE(accuracy, 1.0);
    const auto& images = r.at("images");
    EXPECT_EQ(images.at("train").get<int>() + images.at("validation").get<int>(), 3 * 24);
    EXPECT_GT(images.at("validation").get<int>(), 0);
    EXPECT_EQ(images.at("unusable"), 2);
    EXPECT_EQ(pathsOf(r.at("skipped")), broken) << run.output;
    EXPECT_FALSE(r.contains("recording_error")) << run.output;
    EXPECT_TRUE(fs::equivalent(r.at("run_folder").get<std::string>(), out));

    for (const char* file : {"config.json", "metrics.csv", "log.txt", "summary.json",
                             "model.safetensors", "checkpoints/last.pt"}) {
        EXPECT_TRUE(fs::is_regular_file(out / file)) << file;
    }
    EXPECT_TRUE(fs::equivalent(r.at("model").get<std::string>(), out / "model.safetensors"));
    bool events = false;
    for (const auto& entry : fs::directory_iterator(out)) {
        events |= entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0 &&
                  entry.file_size() > 0;
    }
    EXPECT_TRUE(events) << "no TensorBoard events file in " << out;
    EXPECT_EQ(csvDataRows(out / "metrics.csv").size(), 2u) << readWholeFile(out / "metrics.csv");
    const auto config = nlohmann::json::parse(readWholeFile(out / "config.json"));
    EXPECT_EQ(config.at("network").at("architecture"), "mobilenet_v2_keras");
    EXPECT_EQ(config.at("network").at("image_size"), 64);
    // No --freeze: the blocks frozen as the offline weights come, and said so.
    EXPECT_TRUE(config.at("network").at("freeze").is_null());
    std::vector<std::string> imageNetBlocks{"stem"};
    for (int block = 0; block <= 10; ++block)
        imageNetBlocks.push_back("block" + std::to_string(block));
    EXPECT_EQ(r.at("frozen_blocks").get<std::vector<std::string>>(), imageNetBlocks);
    EXPECT_LT(r.at("parameters").at("trainable"), r.at("parameters").at("total"));
    EXPECT_EQ(nlohmann::json::parse(readWholeFile(out / "summary.json")).at("outcome"),
              "completed");
}

// --settings: a run's settings as JSON (what the workbench's Cluster Command writes), heads and
// per-block learning rates included, which no flag expresses, become the run's own.
TEST(CliTrain, ASettingsFileGivesTheRunEverySetting) {
    TempFolder scratch("fovea-cli-settings");
    const fs::path data = scratch / "data";
    ASSERT_NO_FATAL_FAILURE(writeImages(data, {0, 1}, 6));
    core::RunSettings settings;
    settings.data = data;
    settings.network.architecture = "resnet18";
    settings.network.weights = "none";
    settings.network.imageSize = 32;
    settings.network.head.dropout = 0.25;
    settings.network.head.hiddenUnits = 16;
    settings.network.freeze = std::vector<std::string>{"stem"};
    settings.training.epochs = 1;
    settings.training.learningRate = 0.004;
    settings.training.blockLearningRateMultipliers = {{"layer4", 2.0}};
    settings.batchSize = 6;
    settings.augment = core::AugmentationLevel::None;
    const fs::path file = scratch / "settings.json";
    std::ofstream(file) << core::toJson(settings).dump(2);

    const fs::path out = scratch / "run";
    const auto run =
        runCliJson({"train", "--settings", file.string(), "--out", out.string(), "--json"});
    ASSERT_EQ(run.exitCode, 0) << run.output;
    auto recorded = core::readRunConfig(out);
    ASSERT_TRUE(recorded) << recorded.error().message;
    nlohmann::json expected = core::toJson(settings);
    nlohmann::json got = core::toJson(recorded.value().settings);
    EXPECT_TRUE(fs::equivalent(got.at("data").get<std::string>(), data));
    expected.erase("data");
    got.erase("data");
    EXPECT_EQ(got, expected);

    // A file that is not settings is a usage error naming it.
    std::ofstream(scratch / "broken.json") << "{\"network\": 3}";
    const auto broken = runCliJson({"train", "--settings", (scratch / "broken.json").string(),
                                    "--out", (scratch / "run2").string(), "--json"});
    EXPECT_EQ(broken.exitCode, 2) << broken.output;
    EXPECT_NE(broken.output.find("broken.json"), std::string::npos) << broken.output;
}

TEST(CliTrain, FreezeNoneTrainsEveryBlockEvenOfTheOfflineDefault) {
    if (!fs::exists(core::offlineWeightsPath("mobilenet_v2_keras"))) {
        GTEST_SKIP() << "offline default weights missing: fovea-cli prepare-offline-weights";
    }
    TempFolder scratch("fovea-cli-freeze");
    const fs::path data = scratch / "data";
    ASSERT_NO_FATAL_FAILURE(writeImages(data, {0, 1}, 6));
    auto train = [&](const std::string& name, const std::string& freeze) {
        return runCliJson({"train", "--data", data.string(), "--out", (scratch / name).string(),
                           "--arch", "mobilenet_v2_keras", "--image-size", "32", "--epochs", "1",
                           "--batch-size", "6", "--augment", "none", "--freeze", freeze, "--json"});
    };
    const auto none = train("none", "none");
    ASSERT_EQ(none.exitCode, 0) << none.output;
    EXPECT_TRUE(none.json.at("frozen_blocks").empty()) << none.output;
    EXPECT_EQ(none.json.at("parameters").at("trainable"), none.json.at("parameters").at("total"));
    const auto noneConfig = nlohmann::json::parse(readWholeFile(scratch / "none" / "config.json"));
    EXPECT_EQ(noneConfig.at("network").at("freeze"), nlohmann::json::array());
    EXPECT_EQ(noneConfig.at("network").at("frozen_blocks"), nlohmann::json::array());

    const auto two = train("two", "stem,block0");
    ASSERT_EQ(two.exitCode, 0) << two.output;
    EXPECT_EQ(two.json.at("frozen_blocks").get<std::vector<std::string>>(),
              (std::vector<std::string>{"stem", "block0"}));
    EXPECT_LT(two.json.at("parameters").at("trainable"), none.json.at("parameters").at("total"));
}

class CliTrainBadInput : public testing::Test {
  protected:
    void SetUp() override { ASSERT_NO_FATAL_FAILURE(writeImages(m_scratch / "data", {0, 1}, 4)); }
    JsonRun train(const fs::path& data, const std::vector<std::string>& more) {
        std::vector<std::string> args{"train", "--data", data.string(), "--json"};
        args.insert(args.end(), more.begin(), more.end());
        return runCliJson(args);
    }
    std::string out() const { return (m_scratch / "run").string(); }
    fs::path data() const { return m_scratch / "data"; }

    TempFolder m_scratch{"fovea-cli-bad"};
};

TEST_F(CliTrainBadInput, OneClassOnlyIsBadDataNamingTheClassAndFolder) {
    const fs::path single = m_scratch / "single";
    ASSERT_NO_FATAL_FAILURE(writeImages(single, {3}, 6));
    const auto run =
        train(single, {"--out", out(), "--arch", "mobilenet_v3_small", "--weights", "none"});
    EXPECT_EQ(run.exitCode, 3) << run.output;
    ASSERT_TRUE(printedOneObject(run)) << run.output;
    EXPECT_EQ(run.json.at("exit_code"), 3);
    const std::string error = errorOf(run);
    EXPECT_TRUE(contains(error, className(3))) << error;
    // The folder the user passed, not only the project Fovea made for it inside the run folder.
    EXPECT_TRUE(contains(error, single.string())) << error;
    EXPECT_FALSE(fs::exists(fs::path(out()) / "config.json"));
}

TEST_F(CliTrainBadInput, EmptyFolderIsBadData) {
    const fs::path empty = m_scratch / "empty";
    fs::create_directories(empty);
    const auto run =
        train(empty, {"--out", out(), "--arch", "mobilenet_v3_small", "--weights", "none"});
    EXPECT_EQ(run.exitCode, 3) << run.output;
    ASSERT_TRUE(printedOneObject(run)) << run.output;
    EXPECT_EQ(run.json.at("exit_code"), 3);
    EXPECT_TRUE(contains(errorOf(run), empty.string())) << run.output;
    EXPECT_FALSE(fs::exists(fs::path(out()) / "config.json"));
}

TEST_F(CliTrainBadInput, MissingWeightsFileIsBadDataNamingTheFile) {
    const auto run = train(
        data(), {"--out", out(), "--arch", "mobilenet_v3_small", "--weights", "/nonexistent.pth"});
    EXPECT_EQ(run.exitCode, 3) << run.output;
    ASSERT_TRUE(printedOneObject(run)) << run.output;
    EXPECT_EQ(run.json.at("exit_code"), 3);
    EXPECT_TRUE(contains(errorOf(run), "/nonexistent.pth")) << run.output;
}

TEST_F(CliTrainBadInput, UnknownArchitectureIsAUsageError) {
    const auto run = train(data(), {"--out", out(), "--arch", "nope"});
    EXPECT_EQ(run.exitCode, 2) << run.output;
    ASSERT_TRUE(printedOneObject(run)) << run.output;
    EXPECT_EQ(run.json.at("exit_code"), 2);
    EXPECT_TRUE(contains(errorOf(run), "nope")) << run.output;
    EXPECT_FALSE(fs::exists(out()));
}

TEST_F(CliTrainBadInput, FreezeListNamingNoBlockIsAUsageErrorNotFreezeNothing) {
    const auto run =
        train(data(), {"--out", out(), "--arch", "resnet18", "--weights", "none", "--freeze", ","});
    EXPECT_EQ(run.exitCode, 2) << run.output;
    EXPECT_TRUE(contains(errorOf(run), "--freeze")) << run.output;
    EXPECT_FALSE(fs::exists(out()));
}

// Settings this machine cannot run are usage errors found before anything is written.
TEST_F(CliTrainBadInput, SettingsTheMachineCannotRunAreUsageErrorsAndWriteNothing) {
    const std::vector<std::string> base{"--out", out(), "--arch", "resnet18", "--weights", "none"};
    const auto with = [&](std::vector<std::string> more) {
        more.insert(more.begin(), base.begin(), base.end());
        return train(data(), more);
    };
    struct Case {
        std::vector<std::string> flags;
        std::string named;
    };
    std::vector<Case> cases{
        {{"--batch-size", "abc"}, "--batch-size"},
        {{"--batch-size", "0"}, "--batch-size"},
        {{"--channels-last", "--no-channels-last"}, "--no-channels-last"},
    };
    if (!torch::cuda::is_available()) {
        cases.push_back({{"--precision", "fp16"}, "fp16"});
        cases.push_back({{"--device", "cuda"}, "CUDA"});
    }
    for (const auto& c : cases) {
        const auto run = with(c.flags);
        EXPECT_EQ(run.exitCode, 2) << c.flags.front() << ": " << run.output;
        ASSERT_TRUE(printedOneObject(run)) << run.output;
        EXPECT_TRUE(contains(errorOf(run), c.named)) << run.output;
        EXPECT_FALSE(fs::exists(out())) << c.flags.front();
    }
}

// --batch-size auto: on the CPU the default size, capped by the training images, recorded in
// config.json with how it was chosen.
TEST_F(CliTrainBadInput, AutoBatchSizeIsChosenReportedAndRecorded) {
    const auto run = train(data(), {"--out", out(), "--arch", "mobilenet_v3_small", "--weights",
                                    "none", "--epochs", "1", "--batch-size", "auto"});
    ASSERT_EQ(run.exitCode, 0) << run.output;
    const std::int64_t chosen = run.json.at("batch_size");
    const std::int64_t trainImages = run.json.at("images").at("train");
    EXPECT_TRUE(contains(run.json.at("batch_size_search").get<std::string>(), "batch size"))
        << run.output;
    if (!torch::cuda::is_available()) {
        EXPECT_EQ(chosen, std::min<std::int64_t>(trainImages, 32));
    }
    EXPECT_EQ(run.json.at("channels_last"), true) << "a convolutional network, by default";
    EXPECT_NE(run.json.at("precision"), "auto") << "the precision auto resolved to";
    std::ifstream configFile(fs::path(out()) / "config.json");
    const auto config = nlohmann::json::parse(configFile);
    EXPECT_EQ(config.at("batch_size"), chosen);
    // One epoch is said as such: "for 1 epoch of", "after 1 epoch, ", never "1 epochs".
    std::ifstream logFile(fs::path(out()) / "log.txt");
    const std::string log{std::istreambuf_iterator<char>(logFile), {}};
    EXPECT_TRUE(contains(log, " for 1 epoch of ")) << log;
    EXPECT_TRUE(contains(log, " after 1 epoch, ")) << log;
    EXPECT_FALSE(contains(log, "1 epochs")) << log;
    EXPECT_EQ(config.at("batch_size_search"), run.json.at("batch_size_search"));
}

// Scripts get JSON for every error with --json, command-line errors included (cli_output.h).
TEST_F(CliTrainBadInput, MissingOutIsAUsageError) {
    const auto run = train(data(), {"--arch", "mobilenet_v3_small"});
    EXPECT_EQ(run.exitCode, 2) << run.output;
    ASSERT_TRUE(printedOneObject(run)) << "stdout: '" << run.output << "'";
    EXPECT_EQ(run.json.at("exit_code"), 2);
    EXPECT_TRUE(contains(errorOf(run), "--out")) << run.output;
}

TEST(CliLrFind, CurveAndSuggestionAsJsonAndCsvWithTheScratchProjectRemoved) {
    TempFolder scratch("fovea-cli-lr-find");
    const fs::path data = scratch / "data";
    ASSERT_NO_FATAL_FAILURE(writeImages(data, {0, 1, 7}, 8));
    const auto filesBefore = filesBelow(data);
    const fs::path csv = scratch / "curve.csv";
    const JsonRun run = runCliJson(
        {"lr-find", "--data=" + data.string(), "--arch=mobilenet_v3_small", "--weights=none",
         "--image-size=32", "--batch-size=8", "--steps=30", "--csv=" + csv.string(), "--json"});
    ASSERT_EQ(run.exitCode, 0) << run.output;
    ASSERT_TRUE(printedOneObject(run)) << run.output;
    const auto& rates = run.json.at("learning_rates");
    const auto& losses = run.json.at("losses");
    ASSERT_GE(rates.size(), 10u);
    ASSERT_LE(rates.size(), 30u);
    ASSERT_EQ(losses.size(), rates.size());
    for (std::size_t i = 1; i < rates.size(); ++i) {
        EXPECT_GT(rates[i].get<double>(), rates[i - 1].get<double>()) << "step " << i;
    }
    const double suggested = run.json.at("suggested_learning_rate");
    EXPECT_GE(suggested, rates.front().get<double>());
    EXPECT_LE(suggested, rates.back().get<double>());
    // The CSV holds the same curve, one row per step after the header.
    std::ifstream file(csv);
    std::string line;
    ASSERT_TRUE(std::getline(file, line));
    EXPECT_EQ(line, "learning_rate,loss,raw_loss");
    std::size_t rows = 0;
    while (std::getline(file, line)) rows += !line.empty();
    EXPECT_EQ(rows, rates.size());
    // The image folder was scanned into a scratch project, not into the user's folder.
    EXPECT_EQ(filesBelow(data), filesBefore);
}

TEST(CliLrFind, OneClassOnlyIsBadData) {
    TempFolder scratch("fovea-cli-lr-find-bad");
    const fs::path data = scratch / "data";
    ASSERT_NO_FATAL_FAILURE(writeImages(data, {0}, 6));
    const JsonRun run = runCliJson({"lr-find", "--data=" + data.string(),
                                    "--arch=mobilenet_v3_small", "--weights=none", "--json"});
    EXPECT_EQ(run.exitCode, 3) << run.output;
    EXPECT_TRUE(contains(errorOf(run), "class")) << run.output;
}

TEST(CliTrainResume, AfterSigkillTheResumedRunEndsWithIdenticalWeights) {
    TempFolder scratch("fovea-cli-kill");
    const fs::path data = scratch / "data";
    ASSERT_NO_FATAL_FAILURE(writeImages(data, {0, 1, 7}, 24));
    constexpr int kEpochs = 3;
    const fs::path runA = scratch / "a";
    const fs::path runB = scratch / "b";
    // Without validation data model.safetensors holds the weights after the last epoch, which
    // run B computes after the resume (with validation it would hold the best epoch's, maybe
    // epoch 1's, written before the kill).
    const auto command = [&](const fs::path& out) {
        return smallRun(data, out, kEpochs, {"--val-fraction=0"});
    };

    const auto a = runCliJson(command(runA), kOneThread);
    ASSERT_EQ(a.exitCode, 0) << a.output;
    ASSERT_TRUE(printedOneObject(a)) << a.output;
    ASSERT_EQ(a.json.at("outcome"), "completed");

    {
        ChildProcess b(foveaBinary("fovea-cli"), command(runB), kOneThread, scratch / "b.out",
                       scratch / "b.err");
        // last.pt appears (atomically) after epoch 1; killing at once lands in epoch 2.
        ASSERT_TRUE(waitForFile(runB / "checkpoints" / "last.pt", b, 120s))
            << readWholeFile(scratch / "b.err");
        b.sendSignal(SIGKILL);
        EXPECT_EQ(b.wait(), -SIGKILL) << "the run ended before the kill; make it longer";
    }
    ASSERT_FALSE(fs::exists(runB / "summary.json")) << "the run finished before the kill";
    ASSERT_FALSE(fs::exists(runB / "model.safetensors"));
    EXPECT_LT(csvDataRows(runB / "metrics.csv").size(), std::size_t{kEpochs});

    const auto resumed =
        runCliJson({"train", "--out", runB.string(), "--resume", "--json"}, kOneThread);
    ASSERT_EQ(resumed.exitCode, 0) << resumed.output;
    ASSERT_TRUE(printedOneObject(resumed)) << resumed.output;
    EXPECT_EQ(resumed.json.at("outcome"), "completed");
    EXPECT_EQ(resumed.json.at("epochs_completed"), kEpochs);
    EXPECT_EQ(csvDataRows(runB / "metrics.csv").size(), std::size_t{kEpochs})
        << readWholeFile(runB / "metrics.csv");
    EXPECT_EQ(resumed.json.at("train_loss"), a.json.at("train_loss"));
    const auto rowsA = csvDataRows(runA / "metrics.csv");
    const auto rowsB = csvDataRows(runB / "metrics.csv");
    for (std::size_t i = 0; i < std::min(rowsA.size(), rowsB.size()); ++i) {
        EXPECT_EQ(withoutTimings(rowsA[i]), withoutTimings(rowsB[i])) << "epoch " << i + 1;
    }
    expectBitIdentical(runA / "model.safetensors", runB / "model.safetensors");
}

TEST(CliTrainResume, CtrlCStopsWithACheckpointAndResumeCompletes) {
    TempFolder scratch("fovea-cli-int");
    const fs::path data = scratch / "data";
    ASSERT_NO_FATAL_FAILURE(writeImages(data, {0, 1, 7}, 20));
    constexpr int kEpochs = 6;
    const fs::path out = scratch / "run";

    {
        ChildProcess run(foveaBinary("fovea-cli"), smallRun(data, out, kEpochs), kOneThread,
                         scratch / "run.out", scratch / "run.err");
        // The checkpoint after epoch 1 also shows the handlers are installed (a SIGINT during
        // start-up ends the process the default way).
        ASSERT_TRUE(waitForFile(out / "checkpoints" / "last.pt", run, 120s))
            << readWholeFile(scratch / "run.err");
        run.sendSignal(SIGINT);
        EXPECT_EQ(run.wait(), 130) << readWholeFile(scratch / "run.err");
    }
    const auto stopped = parseJsonRun(130, readWholeFile(scratch / "run.out"));
    ASSERT_TRUE(printedOneObject(stopped)) << stopped.output;
    EXPECT_EQ(stopped.json.at("outcome"), "stopped");
    EXPECT_LT(stopped.json.at("epochs_completed").get<int>(), kEpochs);
    EXPECT_FALSE(stopped.json.contains("model")) << stopped.output;
    EXPECT_TRUE(fs::is_regular_file(out / "checkpoints" / "last.pt"));
    EXPECT_FALSE(fs::exists(out / "model.safetensors"));

    const auto resumed =
        runCliJson({"train", "--out", out.string(), "--resume", "--json"}, kOneThread);
    ASSERT_EQ(resumed.exitCode, 0) << resumed.output;
    ASSERT_TRUE(printedOneObject(resumed)) << resumed.output;
    EXPECT_EQ(resumed.json.at("outcome"), "completed");
    EXPECT_EQ(resumed.json.at("epochs_completed"), kEpochs);
    EXPECT_EQ(csvDataRows(out / "metrics.csv").size(), std::size_t{kEpochs})
        << readWholeFile(out / "metrics.csv");
    EXPECT_TRUE(fs::is_regular_file(out / "model.safetensors"));
}

}  // namespace
}  // namespace fovea::test
