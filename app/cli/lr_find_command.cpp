#include "lr_find_command.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "cli_output.h"
#include "common_options.h"
#include "exit_codes.h"
#include "fovea/core/atomic_file.h"
#include "fovea/core/distributed/launch_environment.h"
#include "fovea/core/session/lr_find_run.h"

namespace fovea::cli {

CLI::App* addLrFindCommand(CLI::App& app, LrFindOptions& o) {
    auto* command = app.add_subcommand(
        "lr-find", "Learning-rate range test: loss against an exponentially rising rate");
    command->add_option("--data", o.train.data, "ImageFolder or Fovea project")->required();
    command->add_option("--arch", o.train.network.architecture, "architecture")->required();
    command->add_option("--weights", o.train.network.weights, "default | none | PATH | URL")
        ->capture_default_str();
    command->add_option("--image-size", o.train.network.imageSize, "network input size");
    addBatchSizeOption(command, o.train);
    command->add_option("--optimizer", o.train.optimizer, "sgd | adamw")
        ->check(CLI::IsMember({"sgd", "adamw"}))
        ->capture_default_str();
    addFreezeOptions(command, o.train);
    command->add_option("--seed", o.train.training.seed, "random seed")->capture_default_str();
    addDeviceOption(command, o.train.device);
    command->add_option("--workers", o.train.workers, "image decoding threads");
    command->add_option("--steps", o.finder.steps, "optimizer steps")->capture_default_str();
    command->add_option("--min-lr", o.finder.minLearningRate, "first rate")->capture_default_str();
    command->add_option("--max-lr", o.finder.maxLearningRate, "last rate")->capture_default_str();
    command->add_option("--csv", o.csv, "write the curve (learning_rate,loss,raw_loss)");
    addJsonFlag(command, o.train.json);
    return command;
}

int runLrFind(LrFindOptions o) {
    const bool json = o.train.json;
    TrainOptions& t = o.train;
    t.training.optimizer = core::parseOptimizerKind(t.optimizer).value();
    t.training.device = core::parseDevicePreference(t.device).value();
    if (auto common = applyCommonTrainingOptions(t); !common) {
        return reportError(json, kExitUsage, common.error().message);
    }
    auto freeze = parseFreezeList(t.freezeList);
    if (!freeze) return reportError(json, kExitUsage, freeze.error().message);
    t.network.freeze = freeze.value();
    // Under a distributed launcher the range test is rank 0's alone: a few hundred steps whose
    // curve is what matters, which splitting over ranks would only make noisier. The other
    // ranks say so and end at once.
    auto launch = core::readLaunchEnvironment();
    if (!launch) return reportError(json, kExitUsage, launch.error().message);
    if (launch.value() && launch.value()->rank != 0) {
        const std::string message = "lr-find runs on rank 0 only; rank " +
                                    std::to_string(launch.value()->rank) + " has nothing to do";
        printResult(json, nlohmann::json{{"skipped", message}}, message + "\n");
        return kExitSuccess;
    }
    // An image folder is scanned into a scratch project that goes away afterwards.
    const auto scratch =
        std::filesystem::temp_directory_path() / ("fovea-lr-find-" + std::to_string(::getpid()));
    struct RemoveScratch {
        std::filesystem::path path;
        ~RemoveScratch() {
            std::error_code ignored;
            std::filesystem::remove_all(path, ignored);
        }
    } removeScratch{scratch};

    ProgressDisplay progress;
    auto result = core::runLearningRateFinder(
        t, scratch, o.finder, nullptr,
        [&](std::int64_t step, double lr, double loss) {
            char detail[64];
            std::snprintf(detail, sizeof detail, "lr %.2e, loss %.4f", lr, loss);
            progress.update(double(step + 1) / double(o.finder.steps), "lr-find", detail, 0);
        },
        downloadProgress(progress));
    progress.finishLine();
    if (!result) return reportError(json, exitCodeFor(result.error().kind), result.error().message);
    const core::LrFinderResult& r = result.value();

    if (!o.csv.empty()) {
        std::ostringstream csv;
        csv << "learning_rate,loss,raw_loss\n";
        for (std::size_t i = 0; i < r.learningRates.size(); ++i) {
            csv << r.learningRates[i] << "," << r.losses[i] << "," << r.rawLosses[i] << "\n";
        }
        if (auto written = core::files::writeFileAtomically(o.csv, csv.str()); !written) {
            return reportError(json, kExitFailure, written.error().message);
        }
    }
    const nlohmann::json output = {{"suggested_learning_rate", r.suggestedLearningRate},
                                   {"rule", r.suggestionRule},
                                   {"stopped_early", r.stoppedEarly},
                                   {"stop_reason", r.stopReason},
                                   {"learning_rates", r.learningRates},
                                   {"losses", r.losses},
                                   {"raw_losses", r.rawLosses}};
    char text[160];
    std::snprintf(text, sizeof text, "Suggested learning rate: %.3g (%s rule, %zu points%s)\n",
                  r.suggestedLearningRate, r.suggestionRule.c_str(), r.learningRates.size(),
                  r.stoppedEarly ? ", stopped early" : "");
    printResult(json, output, text);
    return kExitSuccess;
}

}  // namespace fovea::cli
