// fovea-cli: the headless workbench. Each subcommand prints text for people or, with --json,
// exactly one JSON object for scripts; exit codes are in exit_codes.h.
#include <CLI/CLI.hpp>
#include <iostream>

#include "catalogue_commands.h"
#include "cli_output.h"
#include "common_options.h"
#include "demo_command.h"
#include "eval_command.h"
#include "exit_codes.h"
#include "explain_command.h"
#include "export_command.h"
#include "fovea/core/system_info.h"
#include "fovea/core/threads.h"
#include "fovea/core/version.h"
#include "fovea/core/weights_import/offline_default.h"
#include "import_command.h"
#include "info_command.h"
#include "lr_find_command.h"
#include "predict_command.h"
#include "prepare_weights_command.h"
#include "train_command.h"

namespace {

int runInfo(bool json) {
    const auto info = fovea::core::collectSystemInfo();
    if (json) {
        std::cout << fovea::cli::systemInfoJson(info).dump(2) << "\n";
    } else {
        std::cout << fovea::cli::systemInfoText(info);
    }
    return fovea::cli::kExitSuccess;
}

// Whether the command line asks for JSON, even when it did not parse: scripts that pass --json
// get their usage errors as JSON too.
bool wantsJson(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--json") return true;
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    fovea::core::configureIntraOpThreads();

    CLI::App app{"Fovea: transfer learning workbench (headless)", "fovea-cli"};
    app.set_version_flag("--version", std::string("fovea-cli ") + fovea::core::kFoveaVersion);
    app.require_subcommand(1);

    bool infoJson = false;
    auto* info = app.add_subcommand("info", "Show versions, devices, threads and BLAS in use");
    fovea::cli::addJsonFlag(info, infoJson);

    fovea::cli::PrepareWeightsOptions prepare{
        fovea::core::defaultNsfwjsPrefix(), fovea::core::offlineDefaultWeightsPath().parent_path()};
    auto* prepareCommand = app.add_subcommand(
        "prepare-offline-weights",
        "Convert the nsfwjs npm package (installed by packaging/setup.sh) into the offline "
        "default weights");
    prepareCommand->add_option("--npm-dir", prepare.npmPrefix, "npm prefix holding nsfwjs@4.4.0")
        ->capture_default_str();
    prepareCommand
        ->add_option("--out-dir", prepare.outputFolder, "folder for the safetensors files")
        ->capture_default_str();
    prepareCommand->add_flag("--force", prepare.force, "Convert even when the file is there");
    fovea::cli::addJsonFlag(prepareCommand, prepare.json);

    bool modelsJson = false;
    auto* models = app.add_subcommand("models", "List the architectures, sizes and weights");
    fovea::cli::addJsonFlag(models, modelsJson);

    std::string layersArch;
    bool layersJson = false;
    auto* layers = app.add_subcommand("layers", "List an architecture's named blocks");
    layers->add_option("--arch", layersArch, "architecture")->required();
    fovea::cli::addJsonFlag(layers, layersJson);

    std::filesystem::path importFolder;
    std::filesystem::path importProject;
    bool importJson = false;
    auto* import = app.add_subcommand("import", "Scan an image folder into a project");
    import->add_option("DIR", importFolder, "image folder")->required();
    import->add_option("--project", importProject, "project folder (created when missing)")
        ->required();
    fovea::cli::addJsonFlag(import, importJson);

    fovea::cli::TrainOptions trainOptions;
    auto* train = fovea::cli::addTrainCommand(app, trainOptions);
    fovea::cli::LrFindOptions lrFindOptions;
    auto* lrFind = fovea::cli::addLrFindCommand(app, lrFindOptions);
    fovea::cli::EvalOptions evalOptions;
    auto* eval = fovea::cli::addEvalCommand(app, evalOptions);
    fovea::cli::PredictOptions predictOptions;
    auto* predict = fovea::cli::addPredictCommand(app, predictOptions);
    fovea::cli::ExplainOptions explainOptions;
    auto* explain = fovea::cli::addExplainCommand(app, explainOptions);
    fovea::cli::ExportOptions exportOptions;
    auto* exportCommand = fovea::cli::addExportCommand(app, exportOptions);
    fovea::cli::DemoOptions demoOptions;
    auto* demo = fovea::cli::addDemoCommand(app, demoOptions);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        // Help and --version are "errors" with exit code 0 in CLI11.
        if (error.get_exit_code() != 0 && wantsJson(argc, argv)) {
            return fovea::cli::reportError(true, fovea::cli::kExitUsage, error.what());
        }
        const int code = app.exit(error);
        return code == 0 ? fovea::cli::kExitSuccess : fovea::cli::kExitUsage;
    }

    try {
        if (info->parsed()) return runInfo(infoJson);
        if (prepareCommand->parsed()) return fovea::cli::runPrepareOfflineWeights(prepare);
        if (models->parsed()) return fovea::cli::runModels(modelsJson);
        if (layers->parsed()) return fovea::cli::runLayers(layersArch, layersJson);
        if (import->parsed()) return fovea::cli::runImport(importFolder, importProject, importJson);
        if (train->parsed()) return fovea::cli::runTrain(trainOptions);
        if (lrFind->parsed()) return fovea::cli::runLrFind(lrFindOptions);
        if (eval->parsed()) return fovea::cli::runEval(evalOptions);
        if (predict->parsed()) return fovea::cli::runPredict(predictOptions);
        if (explain->parsed()) return fovea::cli::runExplain(explainOptions);
        if (exportCommand->parsed()) return fovea::cli::runExport(exportOptions);
        if (demo->parsed()) return fovea::cli::runDemo(demoOptions);
    } catch (const std::exception& error) {
        std::cerr << "fovea-cli: " << error.what() << "\n";
        return fovea::cli::kExitFailure;
    }
    return fovea::cli::kExitUsage;
}
