#include "command_inputs.h"

#include "cli_output.h"
#include "exit_codes.h"
#include "fovea/core/models/zoo.h"

namespace fovea::cli {

namespace fs = std::filesystem;

void addModelSourceOptions(CLI::App* command, ModelSourceOptions& o) {
    auto* model = command->add_option("--model", o.model,
                                      "run folder, model bundle or .safetensors model file");
    auto* arch = command->add_option("--arch", o.architecture,
                                     "a pretrained network as published (with --weights)");
    command
        ->add_option("--weights", o.weights,
                     "with --arch: default | PATH | URL (labels from the file, else indices)")
        ->needs(arch)
        ->capture_default_str();
    model->excludes(arch);
}

std::optional<CommandModel> loadCommandModel(const ModelSourceOptions& o, bool json,
                                             int& exitCode) {
    CommandModel result;
    if (o.model.empty() && o.architecture.empty()) {
        exitCode = reportError(json, kExitUsage,
                               "a model is needed: --model RUN_DIR|BUNDLE|FILE or --arch NAME "
                               "--weights PATH");
        return std::nullopt;
    }
    if (!o.model.empty()) {
        auto loaded = core::loadModelSource(o.model);
        if (!loaded) {
            exitCode = reportError(json, exitCodeFor(loaded.error().kind), loaded.error().message);
            return std::nullopt;
        }
        result.source["model"] = fs::absolute(loaded.value().file).string();
        result.model = std::move(loaded.value().model);
    } else {
        if (!core::findArchitecture(o.architecture)) {
            exitCode =
                reportError(json, kExitUsage,
                            "unknown architecture '" + o.architecture + "' (see fovea-cli models)");
            return std::nullopt;
        }
        ProgressDisplay progress;
        auto loaded = core::loadPretrainedModel(
            o.architecture, o.weights, [&](const core::DownloadProgress& p) {
                if (p.totalBytes > 0) {
                    progress.update(double(p.receivedBytes) / double(p.totalBytes),
                                    "downloading weights",
                                    std::to_string(p.receivedBytes >> 20) + " MiB", 0);
                }
            });
        progress.finishLine();
        if (!loaded) {
            exitCode = reportError(json, kExitBadData, loaded.error().message);
            return std::nullopt;
        }
        result.source["weights"] = loaded.value().metadata["fovea.source"];
        result.model = std::move(loaded).value();
    }
    const core::NetworkImpl& network = *result.model.network;
    result.source["architecture"] = network.architecture();
    result.source["classes"] = network.numClasses();
    result.source["labels"] = result.model.classNames.empty() ? "indices" : "model";
    return result;
}

std::string noImagesMessage(const core::ImageFileList& list, const std::vector<fs::path>& inputs) {
    std::string message;
    for (const auto& problem : list.problems) {
        message += (message.empty() ? "" : "; ") + problem.message;
    }
    if (message.empty()) {
        for (const auto& input : inputs) {
            message += (message.empty() ? "no images in " : ", ") + input.string();
        }
        message += " (folders are searched for .jpg, .png, .bmp, .webp and .tif files)";
    }
    return message;
}

nlohmann::json problemsJson(const core::ImageFileList& list) {
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& problem : list.problems) {
        problems.push_back({{"path", problem.path.string()}, {"error", problem.message}});
    }
    return problems;
}

}  // namespace fovea::cli
