// The typed model of a run: its JSON is config.json, read strictly; older configs keep their
// meaning; the images a run used round-trip through images.json.

#include "fovea/core/session/run_settings.h"

#include <gtest/gtest.h>

#include <fstream>

#include "fovea/core/session/run_images.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

RunConfig sampleConfig() {
    RunConfig config;
    RunSettings& s = config.settings;
    s.data = "/data/flowers";
    s.network.architecture = "resnet18";
    s.network.weights = "/weights/resnet18.pth";
    s.network.freezeUpTo = "layer2";
    s.network.imageSize = 160;
    s.network.head = {1000, 0.25, 64};
    s.training.epochs = 7;
    s.training.learningRate = 3e-4;
    s.training.optimizer = OptimizerKind::Sgd;
    s.training.schedule.kind = ScheduleKind::OneCycle;
    s.training.precision = Precision::BFloat16;
    s.training.device = DevicePreference::Cpu;
    s.training.seed = 42;
    s.training.blockLearningRateMultipliers = {{"layer1", 0.1}};
    s.augment = AugmentationLevel::Strong;
    s.batchSize = 24;
    s.validationFraction = 0.3;
    s.workers = 3;
    config.classes = {"daisy", "rose", "tulip"};
    config.trainImages = 70;
    config.validationImages = 30;
    config.processes = 2;
    config.stepsPerEpoch = 2;
    config.weightsSource = "/weights/resnet18.pth";
    config.frozenBlocks = std::vector<std::string>{"stem", "layer1", "layer2"};
    config.preprocessing = imagenetPreprocessing(182, 160, true);
    config.batchSizeSearch = "";
    config.foveaVersion = "0.3.0";
    config.created = "2026-12-03T07:00:00Z";
    return config;
}

TEST(RunSettings, EpochStepsAsRecordedOrFromTheShards) {
    RunConfig config = sampleConfig();
    EXPECT_EQ(config.epochSteps(), 2);
    // Older runs did not record it: each process's padded shard (35 of 70), batches of 24.
    config.stepsPerEpoch = 0;
    EXPECT_EQ(config.epochSteps(), 2);
    config.processes = 1;
    EXPECT_EQ(config.epochSteps(), 3);  // 70 images, the last batch partial
    config.trainImages = 0;
    EXPECT_EQ(config.epochSteps(), 1);
}

TEST(RunSettings, ConfigRoundTripsThroughItsJson) {
    const RunConfig written = sampleConfig();
    const json text = toJson(written);
    EXPECT_EQ(text.at("config_version"), kRunConfigVersion);
    EXPECT_EQ(text.at("augment"), "strong");
    EXPECT_EQ(text.at("training").at("optimizer"), "sgd");
    auto read = runConfigFromJson(text);
    ASSERT_TRUE(read.ok()) << read.error().message;
    const RunConfig& r = read.value();
    EXPECT_EQ(r.version, kRunConfigVersion);
    EXPECT_EQ(r.settings.data, written.settings.data);
    EXPECT_EQ(r.settings.network.architecture, "resnet18");
    EXPECT_EQ(r.settings.network.freezeUpTo, std::optional<std::string>("layer2"));
    EXPECT_FALSE(r.settings.network.freeze.has_value());
    EXPECT_EQ(r.settings.network.imageSize, 160);
    EXPECT_DOUBLE_EQ(r.settings.network.head.dropout, 0.25);
    EXPECT_EQ(r.settings.network.head.hiddenUnits, 64);
    EXPECT_EQ(r.settings.training.epochs, 7);
    EXPECT_EQ(r.settings.training.optimizer, OptimizerKind::Sgd);
    EXPECT_EQ(r.settings.training.schedule.kind, ScheduleKind::OneCycle);
    EXPECT_EQ(r.settings.training.precision, Precision::BFloat16);
    EXPECT_EQ(r.settings.training.device, DevicePreference::Cpu);
    EXPECT_EQ(r.settings.training.seed, 42u);
    EXPECT_EQ(r.settings.training.blockLearningRateMultipliers,
              written.settings.training.blockLearningRateMultipliers);
    EXPECT_EQ(r.settings.augment, AugmentationLevel::Strong);
    EXPECT_EQ(r.settings.batchSize, 24);
    EXPECT_DOUBLE_EQ(r.settings.validationFraction, 0.3);
    EXPECT_EQ(r.settings.workers, 3);
    EXPECT_EQ(r.classes, written.classes);
    EXPECT_EQ(r.trainImages, 70);
    EXPECT_EQ(r.validationImages, 30);
    EXPECT_EQ(r.processes, 2);
    EXPECT_EQ(r.stepsPerEpoch, 2);
    EXPECT_EQ(r.weightsSource, written.weightsSource);
    EXPECT_EQ(r.frozenBlocks, written.frozenBlocks);
    ASSERT_TRUE(r.preprocessing.has_value());
    EXPECT_EQ(r.preprocessing->cropSize, 160);
    EXPECT_EQ(r.preprocessing->resizeShorterSide, 182);
    EXPECT_TRUE(r.preprocessing->bicubic);
    EXPECT_EQ(r.foveaVersion, "0.3.0");
    EXPECT_EQ(r.created, "2026-12-03T07:00:00Z");
    // Writing what was read gives the same JSON: one schema, no field lost on the way.
    EXPECT_EQ(toJson(r), text);
}

// A bad value is an error naming it, never a silent default.
TEST(RunSettings, BadValuesAreErrorsNamingTheKey) {
    const json good = toJson(sampleConfig());
    const auto expectError = [&](json changed, const std::string& named) {
        auto read = runConfigFromJson(changed);
        ASSERT_FALSE(read.ok()) << changed.dump();
        EXPECT_NE(read.error().message.find(named), std::string::npos) << read.error().message;
    };
    json bad = good;
    bad["augment"] = "heavy";
    expectError(bad, "augment");
    bad = good;
    bad["training"]["optimizer"] = "adam";
    expectError(bad, "optimizer");
    bad = good;
    bad["training"]["precision"] = 16;
    expectError(bad, "precision");
    bad = good;
    bad["batch_size"] = "32";
    expectError(bad, "batch_size");
    bad = good;
    bad["val_fraction"] = 1.5;
    expectError(bad, "val_fraction");
    bad = good;
    bad["network"]["image_size"] = "large";
    expectError(bad, "image_size");
    bad = good;
    bad["network"].erase("architecture");
    expectError(bad, "architecture");
    bad = good;
    bad.erase("data");
    expectError(bad, "data");
    bad = good;
    bad["network"]["frozen_blocks"] = "layer1";
    expectError(bad, "frozen_blocks");
    bad = good;
    bad["preprocessing"] = {{"crop_size", "big"}};
    expectError(bad, "preprocessing");
    bad = good;
    bad["config_version"] = kRunConfigVersion + 1;
    expectError(bad, "newer Fovea");
}

// A resumed run freezes what the run froze as it began; a config.json from before that was
// recorded (where [] meant "as the weights come") keeps that meaning, or resuming an offline
// default run would unfreeze its ImageNet blocks and no longer match its optimizer checkpoint.
TEST(RunSettings, FreezingComesFromWhatTheRunFrozeAndOldConfigsKeepTheirMeaning) {
    RunConfig run;
    run.settings.data = "/data";
    run.settings.network.architecture = "mobilenet_v2_keras";
    run.frozenBlocks.reset();
    json config = toJson(run);
    EXPECT_TRUE(config.at("network").at("freeze").is_null());
    auto unset = runConfigFromJson(config);
    ASSERT_TRUE(unset.ok()) << unset.error().message;
    EXPECT_FALSE(unset.value().resumeSettings().network.freeze.has_value());

    config.erase("config_version");               // as version 1 wrote it
    config["network"]["freeze"] = json::array();  // [] for "as the weights come"
    auto legacy = runConfigFromJson(config);
    ASSERT_TRUE(legacy.ok()) << legacy.error().message;
    EXPECT_EQ(legacy.value().version, 1);
    EXPECT_FALSE(legacy.value().resumeSettings().network.freeze.has_value());

    config["network"]["frozen_blocks"] = {"stem", "block0"};
    auto recorded = runConfigFromJson(config);
    ASSERT_TRUE(recorded.ok()) << recorded.error().message;
    const RunSettings resumed = recorded.value().resumeSettings();
    ASSERT_TRUE(resumed.network.freeze.has_value());
    EXPECT_EQ(*resumed.network.freeze, (std::vector<std::string>{"stem", "block0"}));

    config["network"]["frozen_blocks"] = json::array();  // --freeze none
    auto nothing = runConfigFromJson(config);
    ASSERT_TRUE(nothing.ok()) << nothing.error().message;
    ASSERT_TRUE(nothing.value().resumeSettings().network.freeze.has_value());
    EXPECT_TRUE(nothing.value().resumeSettings().network.freeze->empty());

    // Version 2 keeps an explicit "train every block" as it was chosen.
    run.settings.network.freeze = std::vector<std::string>{};
    auto explicitNone = runConfigFromJson(toJson(run));
    ASSERT_TRUE(explicitNone.ok()) << explicitNone.error().message;
    ASSERT_TRUE(explicitNone.value().settings.network.freeze.has_value());
    EXPECT_TRUE(explicitNone.value().settings.network.freeze->empty());
}

// A config.json as Fovea 0.2 wrote it (no version, fewer keys) still opens.
TEST(RunSettings, OlderConfigFilesStillOpen) {
    fovea::test::TempFolder folder("fovea-run-settings");
    std::ofstream(folder / "config.json") << R"({
        "data": "/home/me/flowers",
        "network": {"architecture": "mobilenet_v2_keras", "weights": "default",
                    "freeze": [], "image_size": 0, "head_dropout": 0.0,
                    "head_hidden_units": 0},
        "training": {"epochs": 3, "learning_rate": 0.001, "optimizer": "adamw",
                     "schedule": "cosine", "seed": 5},
        "batch_size": 16, "augment": "light", "val_fraction": 0.2, "workers": 0,
        "classes": ["a", "b"], "images": {"train": 8, "validation": 2},
        "weights_source": "offline default", "fovea_version": "0.2.0",
        "created": "2026-11-01T10:00:00Z"})";
    auto read = readRunConfig(folder.path());
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(read.value().version, 1);
    EXPECT_EQ(read.value().settings.training.epochs, 3);
    EXPECT_EQ(read.value().settings.training.schedule.kind, ScheduleKind::Cosine);
    EXPECT_EQ(read.value().settings.batchSize, 16);
    EXPECT_EQ(read.value().classes, (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(read.value().frozenBlocks.has_value());
    EXPECT_FALSE(read.value().preprocessing.has_value());
}

TEST(RunSettings, ReadingAFolderThatIsNotARunIsAUsageError) {
    fovea::test::TempFolder folder("fovea-run-settings");
    auto missing = readRunConfig(folder.path());
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().kind, ErrorKind::Usage);
    EXPECT_NE(missing.error().message.find("not a training run"), std::string::npos);

    std::ofstream(folder / "config.json") << "{\"data\": ";
    auto damaged = readRunConfig(folder.path());
    ASSERT_FALSE(damaged.ok());
    EXPECT_EQ(damaged.error().kind, ErrorKind::BadData);
    EXPECT_NE(damaged.error().message.find((folder / "config.json").string()), std::string::npos)
        << damaged.error().message;
}

TEST(RunImages, RoundTripAndOlderRunsWithoutTheFile) {
    fovea::test::TempFolder folder("fovea-run-images");
    auto none = readRunImages(folder.path());
    ASSERT_TRUE(none.ok()) << none.error().message;
    EXPECT_FALSE(none.value().has_value());

    RunImages images;
    images.train = {{3, "/data/a/1.jpg", "a"}, {9, "/data/b/x, y.png", "b"}};
    images.validation = {{4, "/data/caf\xc3\xa9/2.jpg", "caf\xc3\xa9"}};
    ASSERT_TRUE(writeRunImages(folder.path(), images).ok());
    auto read = readRunImages(folder.path());
    ASSERT_TRUE(read.ok()) << read.error().message;
    ASSERT_TRUE(read.value().has_value());
    const RunImages& r = *read.value();
    ASSERT_EQ(r.train.size(), 2u);
    ASSERT_EQ(r.validation.size(), 1u);
    EXPECT_EQ(r.train[1].id, 9);
    EXPECT_EQ(r.train[1].path, fs::path("/data/b/x, y.png"));
    EXPECT_EQ(r.train[1].className, "b");
    EXPECT_EQ(r.validation[0].path, fs::path("/data/caf\xc3\xa9/2.jpg"));
    EXPECT_EQ(r.validation[0].className, "caf\xc3\xa9");

    std::ofstream(folder / kRunImagesFile) << R"({"version": 1, "train": [{"id": 1}]})";
    auto damaged = readRunImages(folder.path());
    ASSERT_FALSE(damaged.ok());
    EXPECT_NE(damaged.error().message.find(kRunImagesFile), std::string::npos);
}

}  // namespace
}  // namespace fovea::core
