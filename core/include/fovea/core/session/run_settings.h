#pragma once

// The one model of a training run: what the user chose (RunSettings) and what the run recorded
// as it began (RunConfig). Its JSON is the run folder's config.json; nothing else reads or
// writes that file. Free of LibTorch, OpenCV and Qt, so the CLI, the workbench's pages and the
// session code all speak these types.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/image/augmentation_level.h"
#include "fovea/core/models/head_options.h"
#include "fovea/core/models/preprocessing.h"
#include "fovea/core/result.h"
#include "fovea/core/training/training_config.h"

namespace fovea::core {

// What the user chose for the network: fovea-cli train's --arch, --weights, --freeze-up-to /
// --freeze and --image-size, or the GUI's Model page.
struct NetworkChoice {
    std::string architecture;
    // "default": the offline weights when this architecture has them (mobilenet_v2_keras,
    // inception_v3_keras), else the first pretrained source of the catalogue (downloaded once,
    // checked, cached). "none": random initialisation. Otherwise a .pth/.safetensors path or
    // an http(s) URL.
    std::string weights = "default";
    std::optional<std::string> freezeUpTo;  // freeze every block up to and including this one
    // Or exactly these blocks; an empty list trains every block. Unset (and no freezeUpTo): the
    // recommended freezing for the weights (recommendedFreezing, network_summary.h), as the
    // workbench's Model page proposes it.
    std::optional<std::vector<std::string>> freeze;
    int imageSize = 0;  // network input side in pixels; 0: the weights' own
    HeadOptions head;   // numClasses is set from the data
};

constexpr std::int64_t kAutoBatchSize = 0;

// Everything that defines a training run: fovea-cli train's flags, or the GUI's Model and Train
// pages.
struct RunSettings {
    // An image folder (ImageFolder or train|val/class layout; imported into a project kept in
    // the run folder) or a Fovea project folder (used as it is).
    std::filesystem::path data;
    NetworkChoice network;
    TrainingConfig training;
    AugmentationLevel augment = AugmentationLevel::Light;
    std::int64_t batchSize = 32;      // kAutoBatchSize: the largest power of two that fits
    double validationFraction = 0.2;  // of each class, for images without a split
    int workers = 0;                  // image decoding threads; 0: one per core
};

// config.json's schema version. 1: written before the version was recorded (no
// "config_version"), read the same way. A newer version than this is refused.
constexpr int kRunConfigVersion = 2;

// config.json: the settings plus what the run found as it began.
struct RunConfig {
    int version = kRunConfigVersion;
    RunSettings settings;
    std::vector<std::string> classes;  // the network's output order
    std::int64_t trainImages = 0;
    std::int64_t validationImages = 0;
    // Processes of a distributed run (1 alone) and the optimizer steps each takes per epoch
    // (its shard's batches; 0 in runs written before it was recorded).
    std::int64_t processes = 1;
    std::int64_t stepsPerEpoch = 0;
    std::string weightsSource;  // e.g. "offline default (nsfwjs MobileNetV2)" or a path
    // The blocks frozen as training began, in network order (absent in the oldest runs).
    std::optional<std::vector<std::string>> frozenBlocks;
    std::optional<Preprocessing> preprocessing;
    std::string batchSizeSearch;  // how --batch-size auto chose the batch size; empty otherwise
    std::string foveaVersion;     // set by the run folder when written
    std::string created;          // UTC, ISO 8601; set by the run folder when written

    // The settings to continue this run with: its recorded freezing becomes the explicit
    // freeze list, so a resumed run trains exactly what it trained before.
    RunSettings resumeSettings() const;
    // Steps per epoch as recorded, or for older runs (one process) from the image count and
    // batch size: where each epoch ends on the step axis of the run's charts.
    std::int64_t epochSteps() const;
};

nlohmann::json toJson(const RunSettings& settings);
// Strict: a value of the wrong type or an unknown name is an error naming the key; missing
// keys keep their defaults (older runs recorded fewer).
Result<RunSettings> runSettingsFromJson(const nlohmann::json& json);

nlohmann::json toJson(const RunConfig& config);
Result<RunConfig> runConfigFromJson(const nlohmann::json& json);

// The run folder's config.json. A folder without one is a Usage error ("not a training run");
// an unreadable or invalid one is BadData, naming the file.
Result<RunConfig> readRunConfig(const std::filesystem::path& runFolder);
// Records in the run's config.json (atomically, its other keys kept) that the run trains with
// `frozen` blocks from now on (changed while it was paused): resuming it and the run list then
// say what it trains.
Result<void> recordFrozenBlocks(const std::filesystem::path& runFolder,
                                const std::vector<std::string>& frozen);
constexpr const char* kRunConfigFile = "config.json";

}  // namespace fovea::core
