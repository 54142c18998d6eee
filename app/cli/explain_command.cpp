#include "explain_command.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "cli_output.h"
#include "common_options.h"
#include "exit_codes.h"
#include "fovea/core/image/image_encode.h"
#include "fovea/core/models/network.h"
#include "fovea/core/session/explain_image.h"
#include "fovea/core/training/device_choice.h"

namespace fovea::cli {
namespace {

namespace fs = std::filesystem;

std::string labelOf(const core::TrainedModel& model, std::int64_t index) {
    const auto i = static_cast<std::size_t>(index);
    return i < model.classNames.size() ? model.classNames[i] : std::to_string(index);
}

// --class as the network's output index: a class name of the model, else a number in range.
std::optional<std::int64_t> classIndexOf(const core::TrainedModel& model, const std::string& text) {
    for (std::size_t i = 0; i < model.classNames.size(); ++i) {
        if (model.classNames[i] == text) return static_cast<std::int64_t>(i);
    }
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
        text.size() > 9) {
        return std::nullopt;
    }
    const std::int64_t index = std::stoll(text);
    if (index >= model.network->numClasses()) return std::nullopt;
    return index;
}

// OUT_DIR/<stem>.gradcam.png; images of the same name from different folders get -2, -3, ...
// (the first name no earlier image of this run took) rather than overwriting each other.
fs::path overlayFileFor(const fs::path& image, const fs::path& folder,
                        std::set<std::string>& namesUsed) {
    const std::string stem = image.stem().string();
    std::string name = stem + ".gradcam.png";
    for (int n = 2; !namesUsed.insert(name).second; ++n) {
        name = stem + "-" + std::to_string(n) + ".gradcam.png";
    }
    return folder / name;
}

// --class as an output index; std::nullopt (the top-1 class) when it is not given.
core::Result<std::optional<std::int64_t>> targetClassOf(const core::TrainedModel& model,
                                                        const std::string& text) {
    if (text.empty()) return std::optional<std::int64_t>();
    if (const auto index = classIndexOf(model, text)) return std::optional<std::int64_t>(index);
    // The first classes only: a published network may have a thousand.
    std::string known;
    const std::size_t listed = std::min<std::size_t>(model.classNames.size(), 20);
    for (std::size_t i = 0; i < listed; ++i) known += (i == 0 ? "" : ", ") + model.classNames[i];
    if (listed < model.classNames.size())
        known += ", ... (" + std::to_string(model.classNames.size()) + " in all)";
    return core::Error{
        "--class '" + text + "' is not a class of the model (" +
            (known.empty() ? "output indices 0.." + std::to_string(model.network->numClasses() - 1)
                           : known) +
            ")",
        core::ErrorKind::Usage};
}

struct Explanations {
    nlohmann::json explained = nlohmann::json::array();
    nlohmann::json skipped;  // files that could not be listed or explained
    std::string text;        // one line per explained image
};

// Explains every listed file and writes its overlay into `outputFolder`. A file that cannot
// be explained is skipped; one whose overlay cannot be written ends the command.
core::Result<Explanations> explainFiles(core::TrainedModel& model, const core::ImageFileList& list,
                                        std::optional<std::int64_t> target,
                                        const fs::path& outputFolder) {
    Explanations result;
    result.skipped = problemsJson(list);
    ProgressDisplay progress;
    std::ostringstream text;
    std::set<std::string> namesUsed;
    std::string firstFailure;
    for (std::size_t i = 0; i < list.files.size(); ++i) {
        const fs::path& image = list.files[i];
        const std::size_t done = i + 1;
        progress.update(double(done) / double(list.files.size()), "explaining",
                        std::to_string(done) + "/" + std::to_string(list.files.size()) + " images",
                        0);
        auto explained = core::explainImage(*model.network, image, target);
        if (!explained) {
            if (firstFailure.empty()) firstFailure = explained.error().message;
            result.skipped.push_back(
                {{"path", image.string()}, {"error", explained.error().message}});
            continue;
        }
        const fs::path overlay = overlayFileFor(image, outputFolder, namesUsed);
        if (auto written = core::writeRgbImage(overlay, explained.value().overlay); !written) {
            progress.finishLine();
            return core::withKind(written.error(), core::ErrorKind::Internal);
        }
        const auto& e = explained.value();
        result.explained.push_back({{"path", image.string()},
                                    {"overlay", fs::absolute(overlay).string()},
                                    {"class", e.targetClass},
                                    {"label", labelOf(model, e.targetClass)},
                                    {"probability", e.probability},
                                    {"layer", e.layer}});
        char probability[32];
        std::snprintf(probability, sizeof probability, "%.4f", e.probability);
        text << image.string() << ": " << labelOf(model, e.targetClass) << " " << probability
             << " -> " << overlay.string() << "\n";
    }
    progress.finishLine();
    if (result.explained.empty()) {
        return core::Error{"none of the " + std::to_string(list.files.size()) +
                               " images could be explained (first: " + firstFailure + ")",
                           core::ErrorKind::BadData};
    }
    result.text = text.str();
    return result;
}

void printExplanations(bool json, const nlohmann::json& source, const Explanations& explanations) {
    nlohmann::json result = source;
    result["layer"] = explanations.explained.front().at("layer");
    result["explanations"] = explanations.explained;
    result["skipped"] = explanations.skipped;
    std::string text = explanations.text;
    if (!explanations.skipped.empty()) {
        text += "Skipped " + std::to_string(explanations.skipped.size()) + " files:\n";
        for (const auto& entry : explanations.skipped)
            text += "  " + entry.at("error").get<std::string>() + "\n";
    }
    printResult(json, result, text);
}

}  // namespace

CLI::App* addExplainCommand(CLI::App& app, ExplainOptions& o) {
    auto* command = app.add_subcommand(
        "explain", "Grad-CAM: where the model looked, drawn over each image (PNG files)");
    addModelSourceOptions(command, o.source);
    command->add_option("IMAGE_OR_DIR", o.inputs, "images, or folders searched recursively")
        ->required();
    command->add_option("--out", o.outputFolder, "folder for the <name>.gradcam.png files")
        ->required();
    command->add_option("--class", o.targetClass,
                        "explain this class (name or output index) instead of the top-1");
    addDeviceOption(command, o.device);
    addJsonFlag(command, o.json);
    return command;
}

int runExplain(ExplainOptions o) {
    const bool json = o.json;
    int exitCode = kExitSuccess;
    auto loaded = loadCommandModel(o.source, json, exitCode);
    if (!loaded) return exitCode;
    core::TrainedModel& model = loaded->model;

    const auto target = targetClassOf(model, o.targetClass);
    if (!target) return reportError(json, kExitUsage, target.error().message);
    auto device = core::resolveDevice(core::parseDevicePreference(o.device).value());
    if (!device) return reportError(json, kExitUsage, device.error().message);
    model.network->to(device.value());

    const core::ImageFileList list = core::collectImageFiles(o.inputs);
    if (list.files.empty()) {
        return reportError(json, kExitBadData, noImagesMessage(list, o.inputs));
    }
    std::error_code error;
    fs::create_directories(o.outputFolder, error);
    if (error) {
        return reportError(json, kExitFailure,
                           "Cannot create " + o.outputFolder.string() + ": " + error.message());
    }
    const auto explanations = explainFiles(model, list, target.value(), o.outputFolder);
    if (!explanations) {
        return reportError(json, exitCodeFor(explanations.error().kind),
                           explanations.error().message);
    }
    printExplanations(json, loaded->source, explanations.value());
    return kExitSuccess;
}

}  // namespace fovea::cli
