#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cli_output.h"
#include "fovea/core/session/training_run.h"

namespace fovea::cli {

// `fovea-cli train`: imports (or opens) the data, builds the network, trains with progress,
// writes the run folder (config, metrics, TensorBoard curves, checkpoints, log, the model) and
// prints the result. Ctrl-C stops at the next batch with a checkpoint; --resume continues.
// The run's settings (data, network, training, augmentation, batch size...) plus the flags
// that only the command line has, as text until they are parsed into the settings.
struct TrainOptions : core::RunSettings {
    std::filesystem::path runFolder;
    std::filesystem::path settingsFile;  // --settings: every setting from a RunSettings JSON
    std::string freezeList;              // --freeze A,B,C or none
    std::string optimizer = "adamw";
    std::string schedule = "cosine";
    std::string device = "auto";
    std::string precision = "auto";
    std::string augmentText = "light";  // none | light | strong
    std::string batchSizeText = "32";   // a number or "auto"
    bool channelsLast = false;          // --channels-last
    bool defaultLayout = false;         // --no-channels-last
    bool resume = false;
    bool json = false;
    // Detection projects: the network's shorter and longer image side (0: the architecture's).
    std::int64_t minSize = 0;
    std::int64_t maxSize = 0;
    // Detection projects: backbone stages that train, from the last (-1: torchvision's default).
    std::int64_t trainableBackboneLayers = -1;
    // The parsed subcommand, to tell flags given from defaults (detection's defaults differ).
    const CLI::App* command = nullptr;
};

// --freeze-up-to BLOCK and --freeze A,B,...|none, which exclude each other.
void addFreezeOptions(CLI::App* command, TrainOptions& options);
// --freeze's text as NetworkChoice::freeze: the blocks named; "none": an empty list, every block
// trained; not given: unset, the recommended freezing for the weights. Text that names no block
// (",") is an error rather than a silent "none".
core::Result<std::optional<std::vector<std::string>>> parseFreezeList(const std::string& text);

// --batch-size: a positive number, or "auto" (core::kAutoBatchSize).
core::Result<std::int64_t> parseBatchSize(const std::string& text);
// --batch-size, shared by train and lr-find.
void addBatchSizeOption(CLI::App* command, TrainOptions& options);
// The options train and lr-find parse alike (batch size, memory layout) into the settings.
core::Result<void> applyCommonTrainingOptions(TrainOptions& options);

// Weight downloads drawn on the progress display.
core::DownloadProgressCallback downloadProgress(ProgressDisplay& progress);

// Adds the subcommand and its flags to `app`; the options are filled when it is parsed.
CLI::App* addTrainCommand(CLI::App& app, TrainOptions& options);
int runTrain(TrainOptions options);
// runTrain without printing the result: fills `result` (the JSON object) and `text` (for
// people) when training ran; errors are reported as runTrain reports them. Returns the exit code.
int trainRun(TrainOptions options, nlohmann::json& result, std::string& text);

}  // namespace fovea::cli
