#include "predict_command.h"

#include <cstdio>
#include <sstream>

#include "cli_output.h"
#include "common_options.h"
#include "detection_commands.h"
#include "exit_codes.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/session/detection_training.h"
#include "fovea/core/session/prediction.h"
#include "fovea/core/session/run_records.h"
#include "inference_output.h"

namespace fovea::cli {
namespace {

namespace fs = std::filesystem;

std::string predictionLine(const core::ImagePrediction& prediction) {
    std::string line = prediction.path.string() + ":";
    for (std::size_t j = 0; j < prediction.top.size(); ++j) {
        char probability[32];
        std::snprintf(probability, sizeof probability, " %.4f", prediction.top[j].probability);
        line += (j == 0 ? " " : ", ") + prediction.top[j].label + probability;
    }
    return line + "\n";
}

}  // namespace

CLI::App* addPredictCommand(CLI::App& app, PredictOptions& o) {
    auto* command = app.add_subcommand(
        "predict", "Top-k classes of images, files or folders, with a trained or pretrained model");
    addModelSourceOptions(command, o.source);
    command->add_option("IMAGE_OR_DIR", o.inputs, "images, or folders searched recursively")
        ->required();
    command->add_option("--top-k", o.topK, "classes listed per image")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--csv", o.csv,
                        "also write path,label_1,probability_1,...,error rows to FILE");
    command->add_option("--batch-size", o.batchSize, "images per batch")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--workers", o.workers, "image decoding threads (0: one per core)");
    addDeviceOption(command, o.device);
    addPrecisionOption(command, o.precision, "")->capture_default_str();
    addAgreementSampleOption(command, o.agreementSample);
    command
        ->add_option("--min-score", o.minScore,
                     "detection runs: boxes with at least this score are listed")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    command->add_option("--coco-results", o.cocoResults,
                        "detection runs: also write the boxes as COCO results JSON to FILE");
    addJsonFlag(command, o.json);
    return command;
}

int runPredict(PredictOptions o) {
    const bool json = o.json;
    // A detection run's model finds boxes; its run folder says so.
    if (!o.source.model.empty() && core::isDetectionRun(o.source.model)) {
        return runDetectionPredict(o);
    }
    int exitCode = kExitSuccess;
    auto loaded = loadCommandModel(o.source, json, exitCode);
    if (!loaded) return exitCode;
    const core::TrainedModel& model = loaded->model;
    const nlohmann::json& source = loaded->source;
    core::NetworkImpl& network = *model.network;
    ProgressDisplay progress;

    const core::ImageFileList list = core::collectImageFiles(o.inputs);
    nlohmann::json skipped = problemsJson(list);
    if (list.files.empty()) return reportError(json, kExitBadData, noImagesMessage(list, o.inputs));

    core::PredictionOptions options;
    options.topK = o.topK;
    options.batchSize = o.batchSize;
    options.workers = o.workers;
    options.device = core::parseDevicePreference(o.device).value();
    options.precision = core::parsePrecision(o.precision).value();
    options.agreementSample = o.agreementSample;
    core::InferenceFacts facts;
    auto predicted = core::predictImages(
        network, list.files, model.classNames, options,
        [&](std::int64_t done, std::int64_t total) {
            progress.update(double(done) / double(total), "predicting",
                            std::to_string(done) + "/" + std::to_string(total) + " images", 0);
        },
        nullptr, &facts);
    progress.finishLine();
    if (!predicted) return reportError(json, kExitFailure, predicted.error().message);
    std::vector<core::ImagePrediction> all = std::move(predicted).value();

    nlohmann::json predictions = nlohmann::json::array();
    std::ostringstream text;
    std::size_t succeeded = 0;
    for (const auto& prediction : all) {
        if (prediction.error) {
            skipped.push_back({{"path", prediction.path.string()}, {"error", *prediction.error}});
            continue;
        }
        ++succeeded;
        predictions.push_back(core::toJson(prediction));
        text << predictionLine(prediction);
    }
    if (succeeded == 0) {
        return reportError(json, kExitBadData,
                           "none of the " + std::to_string(all.size()) +
                               " images could be read (first: " + *all.front().error + ")");
    }
    const int k = static_cast<int>(std::min<std::int64_t>(o.topK, network.numClasses()));
    nlohmann::json result = source;
    result["top_k"] = k;
    result["predictions"] = predictions;
    result["skipped"] = skipped;
    result["inference"] = core::toJson(facts);
    if (!o.csv.empty()) {
        // Inputs that do not exist get a row too: the CSV accounts for everything named.
        for (const auto& problem : list.problems)
            all.push_back({problem.path, {}, problem.message, {}});
        if (auto written = core::writePredictionsCsv(o.csv, all, k); !written) {
            return reportError(json, kExitFailure, written.error().message);
        }
        result["csv"] = fs::absolute(o.csv).string();
    }
    if (!skipped.empty()) {
        text << "Skipped " << skipped.size() << " files:\n";
        for (const auto& entry : skipped)
            text << "  " << entry.at("error").get<std::string>() << "\n";
    }
    text << precisionNote(facts);
    if (!o.csv.empty()) text << "Wrote " << o.csv.string() << "\n";
    printResult(json, result, text.str());
    return kExitSuccess;
}

}  // namespace fovea::cli
