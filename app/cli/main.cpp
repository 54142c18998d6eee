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
#include "fovea/core/tensor_memory.h"
#include "fovea/core/threads.h"
#include "fovea/core/version.h"
#include "fovea/core/weights_import/offline_default.h"
#include "health_command.h"
#include "import_command.h"
#include "info_command.h"
#include "lr_find_command.h"
#include "predict_command.h"
#include "prepare_weights_command.h"
#include "suggest_command.h"
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

// Every subcommand with the options it fills. CLI11 keeps pointers into this struct, so it
// stays where it was made until the command has run.
struct Commands {
    bool infoJson = false;
    CLI::App* info = nullptr;
    fovea::cli::PrepareWeightsOptions prepare{
        fovea::core::defaultNsfwjsPrefix(), fovea::core::offlineDefaultWeightsPath().parent_path()};
    CLI::App* prepareWeights = nullptr;
    bool modelsJson = false;
    CLI::App* models = nullptr;
    std::string layersArch;
    bool layersJson = false;
    CLI::App* layers = nullptr;
    fovea::cli::ImportOptions importOptions;
    CLI::App* import = nullptr;
    fovea::cli::TrainOptions trainOptions;
    CLI::App* train = nullptr;
    fovea::cli::LrFindOptions lrFindOptions;
    CLI::App* lrFind = nullptr;
    fovea::cli::EvalOptions evalOptions;
    CLI::App* eval = nullptr;
    fovea::cli::PredictOptions predictOptions;
    CLI::App* predict = nullptr;
    fovea::cli::ExplainOptions explainOptions;
    CLI::App* explain = nullptr;
    fovea::cli::ExportOptions exportOptions;
    CLI::App* exportModel = nullptr;
    fovea::cli::DemoOptions demoOptions;
    CLI::App* demo = nullptr;
    fovea::cli::SuggestOptions suggestOptions;
    CLI::App* suggest = nullptr;
    fovea::cli::HealthOptions healthOptions;
    CLI::App* health = nullptr;
};

// The commands about the installation and the catalogue, and import; their options are few
// enough to declare here.
void addSetupCommands(CLI::App& app, Commands& c) {
    c.info = app.add_subcommand("info", "Show versions, devices, threads and BLAS in use");
    fovea::cli::addJsonFlag(c.info, c.infoJson);

    c.prepareWeights = app.add_subcommand(
        "prepare-offline-weights",
        "Convert the nsfwjs npm package (installed by packaging/setup.sh) into the offline "
        "default weights");
    c.prepareWeights
        ->add_option("--npm-dir", c.prepare.npmPrefix, "npm prefix holding nsfwjs@4.4.0")
        ->capture_default_str();
    c.prepareWeights
        ->add_option("--out-dir", c.prepare.outputFolder, "folder for the safetensors files")
        ->capture_default_str();
    c.prepareWeights->add_flag("--force", c.prepare.force, "Convert even when the file is there");
    fovea::cli::addJsonFlag(c.prepareWeights, c.prepare.json);

    c.models = app.add_subcommand("models", "List the architectures, sizes and weights");
    fovea::cli::addJsonFlag(c.models, c.modelsJson);

    c.layers = app.add_subcommand("layers", "List an architecture's named blocks");
    c.layers->add_option("--arch", c.layersArch, "architecture")->required();
    fovea::cli::addJsonFlag(c.layers, c.layersJson);

    c.import = fovea::cli::addImportCommand(app, c.importOptions);
}

void addModelCommands(CLI::App& app, Commands& c) {
    c.train = fovea::cli::addTrainCommand(app, c.trainOptions);
    c.lrFind = fovea::cli::addLrFindCommand(app, c.lrFindOptions);
    c.eval = fovea::cli::addEvalCommand(app, c.evalOptions);
    c.predict = fovea::cli::addPredictCommand(app, c.predictOptions);
    c.explain = fovea::cli::addExplainCommand(app, c.explainOptions);
    c.exportModel = fovea::cli::addExportCommand(app, c.exportOptions);
    c.demo = fovea::cli::addDemoCommand(app, c.demoOptions);
    c.suggest = fovea::cli::addSuggestCommand(app, c.suggestOptions);
    c.health = fovea::cli::addHealthCommand(app, c.healthOptions);
}

int runParsedCommand(const Commands& c) {
    if (c.info->parsed()) return runInfo(c.infoJson);
    if (c.prepareWeights->parsed()) return fovea::cli::runPrepareOfflineWeights(c.prepare);
    if (c.models->parsed()) return fovea::cli::runModels(c.modelsJson);
    if (c.layers->parsed()) return fovea::cli::runLayers(c.layersArch, c.layersJson);
    if (c.import->parsed()) return fovea::cli::runImport(c.importOptions);
    if (c.train->parsed()) return fovea::cli::runTrain(c.trainOptions);
    if (c.lrFind->parsed()) return fovea::cli::runLrFind(c.lrFindOptions);
    if (c.eval->parsed()) return fovea::cli::runEval(c.evalOptions);
    if (c.predict->parsed()) return fovea::cli::runPredict(c.predictOptions);
    if (c.explain->parsed()) return fovea::cli::runExplain(c.explainOptions);
    if (c.exportModel->parsed()) return fovea::cli::runExport(c.exportOptions);
    if (c.demo->parsed()) return fovea::cli::runDemo(c.demoOptions);
    if (c.suggest->parsed()) return fovea::cli::runSuggest(c.suggestOptions);
    if (c.health->parsed()) return fovea::cli::runHealth(c.healthOptions);
    return fovea::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
    fovea::core::configureIntraOpThreads();
    fovea::core::adviseHugePagesForLargeTensors();

    CLI::App app{"Fovea: transfer learning workbench (headless)", "fovea-cli"};
    app.set_version_flag("--version", std::string("fovea-cli ") + fovea::core::kFoveaVersion);
    app.require_subcommand(1);
    Commands commands;
    addSetupCommands(app, commands);
    addModelCommands(app, commands);

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
        return runParsedCommand(commands);
    } catch (const std::exception& error) {
        std::cerr << "fovea-cli: " << error.what() << "\n";
        return fovea::cli::kExitFailure;
    }
}
