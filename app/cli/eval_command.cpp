#include "eval_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "cli_output.h"
#include "common_options.h"
#include "detection_commands.h"
#include "exit_codes.h"
#include "fovea/core/atomic_file.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/detection_training.h"
#include "fovea/core/session/evaluation.h"
#include "fovea/core/session/run_records.h"
#include "fovea/core/session/training_data.h"
#include "fovea/core/session/training_inputs.h"
#include "fovea/core/training/run_folder.h"
#include "inference_output.h"

namespace fovea::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kEvaluationFile = "evaluation.json";

// Every labeled, usable image of another folder or project (in `split` unless "all").
core::Result<core::EvalData> folderData(const fs::path& data, const std::string& split,
                                        const fs::path& scratchProject) {
    auto opened = core::openTrainingData(data, scratchProject);
    if (!opened) return opened.error();
    const core::ProjectStore& store = opened.value().store;
    auto classes = store.classes();
    if (!classes) return classes.error();
    std::map<core::ClassId, std::string> names;
    for (const auto& info : classes.value()) names[info.id] = info.name;
    core::ImageFilter filter;
    filter.labeled = core::Require::Yes;
    filter.excluded = core::Require::No;
    filter.missing = core::Require::No;
    filter.hasError = core::Require::No;
    if (split != "all") filter.split = *core::parseSplitName(split);
    auto images = store.images(filter);
    if (!images) return images.error();
    core::EvalData result;
    result.name = fs::absolute(data).string();
    for (const auto& image : images.value()) {
        result.images.push_back({image.id, image.path, names[*image.classId]});
    }
    result.unusable = core::unusableImages(store);
    if (result.images.empty()) {
        return core::Error{"no usable labeled images" +
                           (split == "all" ? std::string() : " in the " + split + " split") +
                           " in " + result.name +
                           " (put images in one folder per class, e.g. DIR/cat/*.jpg)"};
    }
    return result;
}

// Removes the project made for --data when the command ends.
struct RemoveFolder {
    fs::path path;
    ~RemoveFolder() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

std::string fixed(double value, int decimals = 4) {
    char text[32];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string padded(std::string text, std::size_t width) {
    if (text.size() > width) text = text.substr(0, width - 1) + "~";
    text.resize(width, ' ');
    return text;
}

// The confusion matrix with a row per true class; too many classes for a terminal are left to
// the evaluation file.
std::string confusionText(const core::EvaluationReport& r, const std::vector<std::string>& names,
                          std::size_t width, const fs::path& evaluationFile) {
    std::ostringstream out;
    const int classes = r.confusion.classes();
    out << "\nConfusion matrix (rows: true class, columns: predicted class)\n";
    if (classes > 20) {
        out << "  " << classes << " x " << classes << ": see " << evaluationFile.string() << "\n";
    } else {
        std::int64_t largest = 1;
        for (const auto count : r.confusion.cells()) largest = std::max(largest, count);
        const std::size_t cell = std::max<std::size_t>(3, std::to_string(largest).size()) + 1;
        out << std::string(width + 4, ' ');
        for (int p = 0; p < classes; ++p) {
            const std::string label = std::to_string(p);
            out << std::string(cell - label.size(), ' ') << label;
        }
        out << "\n";
        for (int t = 0; t < classes; ++t) {
            std::string index = std::to_string(t);
            index.resize(4, ' ');
            out << index << padded(names[static_cast<std::size_t>(t)], width);
            for (int p = 0; p < classes; ++p) {
                const std::string count = std::to_string(r.confusion.count(t, p));
                out << std::string(cell - count.size(), ' ') << count;
            }
            out << "\n";
        }
    }
    return out.str();
}

std::string summaryText(const core::EvaluationReport& r, const std::vector<std::string>& names,
                        const std::string& what, const nlohmann::json& unusable,
                        const std::map<std::string, std::int64_t>& notInModel,
                        const fs::path& evaluationFile) {
    std::ostringstream out;
    out << "Evaluated " << r.imagesEvaluated << " images (" << what << ") on " << r.inference.device
        << "\n"
        << precisionNote(r.inference);
    out << "Accuracy " << fixed(r.accuracy) << "   top-" << r.topK << " accuracy "
        << fixed(r.topKAccuracy) << "   mean loss " << fixed(r.meanLoss) << "   macro F1 "
        << fixed(r.macroF1) << "\n\n";

    std::size_t width = 5;
    for (const auto& name : names) width = std::max(width, name.size());
    width = std::min<std::size_t>(width, 24) + 2;
    out << padded("class", width) << "precision  recall      f1  support\n";
    for (std::size_t c = 0; c < r.perClass.size(); ++c) {
        const auto& m = r.perClass[c];
        char row[96];
        std::snprintf(row, sizeof row, "%9.4f %7.4f %7.4f %8lld\n", m.precision, m.recall, m.f1,
                      static_cast<long long>(m.support));
        out << padded(names[c], width) << row;
    }

    out << confusionText(r, names, width, evaluationFile);

    if (!r.topLosses.empty()) {
        constexpr std::size_t kShown = 10;
        out << "\nTop losses";
        if (r.topLosses.size() > kShown) {
            out << " (" << kShown << " of " << r.topLosses.size() << " in "
                << evaluationFile.filename().string() << ")";
        }
        out << "\n";
        for (std::size_t i = 0; i < std::min(kShown, r.topLosses.size()); ++i) {
            const auto& o = r.topLosses[i];
            out << "  " << fixed(o.loss, 3) << "  " << names[static_cast<std::size_t>(o.trueClass)]
                << " -> " << names[static_cast<std::size_t>(o.predictedClass)] << " ("
                << fixed(o.predictedProbability, 3) << ")  " << o.path.string() << "\n";
        }
    }
    if (!notInModel.empty()) {
        out << "\nClasses the model does not have (their images were skipped):";
        for (const auto& [name, count] : notInModel) out << " " << name << " (" << count << ")";
        out << "\n";
    }
    if (!r.failures.empty()) {
        out << "\nSkipped " << r.failures.size() << " images that could not be read:\n";
        for (const auto& f : r.failures) out << "  " << f.message << "\n";
    }
    if (!unusable.empty()) {
        out << "\n" << unusable.size() << " labeled images of the data are unusable:\n";
        for (const auto& u : unusable) out << "  " << u.at("error").get<std::string>() << "\n";
    }
    out << "\nWrote " << evaluationFile.string() << "\n";
    return out.str();
}

std::string splitDescription(const std::string& split) {
    return split == "val" ? "validation split" : split == "train" ? "training split" : "all images";
}

// The images to evaluate: the run's own split, or every labeled image of --data.
core::Result<core::EvalData> evalData(const EvalOptions& o, const std::string& split,
                                      const fs::path& scratchProject) {
    if (o.data.empty()) return core::runData(o.run, split);
    auto data = folderData(o.data, split, scratchProject);
    if (!data) return core::withKind(data.error(), core::ErrorKind::BadData);
    return data;
}

// The data's images with the model's index for their class. Classes are matched by name: the
// data's class order need not be the model's.
struct MatchedImages {
    std::vector<core::LabeledImage> images;
    std::map<std::string, std::int64_t> notInModel;  // class name -> images skipped
};

core::Result<MatchedImages> matchClasses(const core::EvalData& data,
                                         const std::vector<std::string>& classNames) {
    std::map<std::string, std::int64_t> modelIndex;
    for (std::size_t i = 0; i < classNames.size(); ++i) {
        modelIndex[classNames[i]] = static_cast<std::int64_t>(i);
    }
    MatchedImages matched;
    for (const auto& image : data.images) {
        const auto found = modelIndex.find(image.className);
        if (found == modelIndex.end()) {
            ++matched.notInModel[image.className];
        } else {
            matched.images.push_back({image.id, image.path, found->second});
        }
    }
    if (matched.images.empty()) {
        std::string classes;
        for (const auto& [name, count] : matched.notInModel)
            classes += (classes.empty() ? "" : ", ") + name;
        return core::Error{
            data.name + ": none of its classes (" + classes + ") is one of the model's",
            core::ErrorKind::BadData};
    }
    return matched;
}

// Runs the model on `images` with a progress bar; an error's kind gives the exit code.
core::Result<core::EvaluationReport> evaluate(core::TrainedModel& model,
                                              const std::vector<core::LabeledImage>& images,
                                              const EvalOptions& o, const core::EvalData& data) {
    core::EvaluationOptions options;
    options.topK = o.topK;
    options.topLossCount = o.topLosses;
    options.batchSize =
        o.batchSize > 0 ? o.batchSize : static_cast<int>(std::max<std::int64_t>(1, data.batchSize));
    options.workers = o.workers;
    options.device = core::parseDevicePreference(o.device).value();
    options.precision =
        o.precision.empty() ? data.precision : core::parsePrecision(o.precision).value();
    options.agreementSample = o.agreementSample;
    ProgressDisplay progress;
    auto evaluated = core::evaluateNetwork(
        *model.network, images, model.classNames, options,
        [&](std::int64_t done, std::int64_t total) {
            progress.update(double(done) / double(total), "evaluating",
                            std::to_string(done) + "/" + std::to_string(total) + " images", 0);
        });
    progress.finishLine();
    if (!evaluated) return core::withKind(evaluated.error(), core::ErrorKind::Internal);
    const core::EvaluationReport& report = evaluated.value();
    if (report.imagesEvaluated == 0) {
        return core::Error{"none of the " + std::to_string(images.size()) + " images of " +
                               data.name +
                               " could be read (first: " + report.failures.front().message + ")",
                           core::ErrorKind::BadData};
    }
    return evaluated;
}

// What was evaluated, for both evaluation.json and the printed result.
nlohmann::json evalContext(const EvalOptions& o, const fs::path& modelFile,
                           const std::string& split, const core::EvalData& data,
                           const std::map<std::string, std::int64_t>& notInModel) {
    nlohmann::json classesNotInModel = nlohmann::json::object();
    for (const auto& [name, count] : notInModel) classesNotInModel[name] = count;
    return {{"run_folder", fs::absolute(o.run).string()},
            {"model", fs::absolute(modelFile).string()},
            {"data", data.name},
            {"split", split},
            {"classes_not_in_model", classesNotInModel},
            {"unusable", data.unusable}};
}

}  // namespace

CLI::App* addEvalCommand(CLI::App& app, EvalOptions& o) {
    auto* command = app.add_subcommand(
        "eval", "Evaluate a trained model: accuracy, per-class metrics, confusion, top losses");
    command->add_option("--run", o.run, "run folder (holds model.safetensors and config.json)")
        ->required();
    command->add_option("--data", o.data,
                        "evaluate every labeled image of this ImageFolder or project (detection "
                        "runs: or images with COCO, YOLO or VOC box files) instead of the run's "
                        "validation split");
    command->add_option("--split", o.split, "val | train | all (default: val, with --data all)")
        ->check(CLI::IsMember({"val", "train", "all"}));
    command->add_option("--top-k", o.topK, "k of the top-k accuracy")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--top-losses", o.topLosses, "images listed by highest loss")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_option("--batch-size", o.batchSize, "images per batch (default: the run's)")
        ->check(CLI::PositiveNumber);
    command->add_option("--workers", o.workers, "image decoding threads (0: one per core)");
    addDeviceOption(command, o.device);
    addPrecisionOption(command, o.precision,
                       " (default: the precision the run validated in; fp32 with --data)");
    addAgreementSampleOption(command, o.agreementSample);
    addJsonFlag(command, o.json);
    return command;
}

int runEval(EvalOptions o) {
    const bool json = o.json;
    // A detection run is measured by COCO mAP on its boxes.
    if (core::isDetectionRun(o.run)) return runDetectionEval(o);
    const auto fail = [json](const core::Error& error) {
        return reportError(json, exitCodeFor(error.kind), error.message);
    };
    std::error_code error;
    if (fs::exists(o.run, error) && !fs::is_directory(o.run, error)) {
        return reportError(json, kExitUsage,
                           o.run.string() +
                               ": --run expects a run folder (for a model file, "
                               "use fovea-cli predict --model)");
    }
    auto loaded = core::loadModelSource(o.run);
    if (!loaded) return fail(loaded.error());
    core::TrainedModel& model = loaded.value().model;
    const std::vector<std::string>& classNames = model.classNames;

    const std::string split = o.split.empty() ? (o.data.empty() ? "val" : "all") : o.split;
    const RemoveFolder scratch{fs::temp_directory_path() /
                               ("fovea-eval-" + std::to_string(::getpid()))};
    auto data = evalData(o, split, scratch.path);
    if (!data) return fail(data.error());
    auto matched = matchClasses(data.value(), classNames);
    if (!matched) return fail(matched.error());
    auto evaluated = evaluate(model, matched.value().images, o, data.value());
    if (!evaluated) return fail(evaluated.error());
    const core::EvaluationReport& report = evaluated.value();

    const nlohmann::json context =
        evalContext(o, loaded.value().file, split, data.value(), matched.value().notInModel);
    nlohmann::json full = core::toJson(report, classNames, /*withOutcomes=*/true);
    full.update(context);
    const fs::path evaluationFile = o.run / kEvaluationFile;
    if (auto written = core::files::writeFileAtomically(evaluationFile, full.dump(2) + "\n");
        !written) {
        return reportError(json, kExitFailure, written.error().message);
    }
    nlohmann::json result = core::toJson(report, classNames, /*withOutcomes=*/false);
    result.update(context);
    result["evaluation_file"] = fs::absolute(evaluationFile).string();
    const std::string what = splitDescription(split) + " of " + data.value().name;
    printResult(json, result,
                summaryText(report, classNames, what, data.value().unusable,
                            matched.value().notInModel, evaluationFile));
    return kExitSuccess;
}

}  // namespace fovea::cli
