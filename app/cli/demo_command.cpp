#include "demo_command.h"

#include <chrono>
#include <iostream>
#include <sstream>

#include "cli_output.h"
#include "common_options.h"
#include "detection_commands.h"
#include "exit_codes.h"
#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/project/folder_import.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/model_bundle.h"
#include "fovea/core/session/run_records.h"
#include "fovea/core/training/run_folder.h"
#include "train_command.h"

namespace fovea::cli {
namespace {

namespace fs = std::filesystem;

// The recipe: the offline default's ImageNet blocks (through Keras' block_10; nsfwjs retrained
// the rest) stay frozen, the later blocks and a new head train. 96 px is plenty for 28 px
// garments and keeps two CPU cores busy for about a minute, not ten.
constexpr const char* kArchitecture = "mobilenet_v2_keras";
constexpr const char* kLastImageNetBlock = "block10";
constexpr int kImageSize = 96;
constexpr int kUnlabeledImages = 50;

TrainOptions demoTraining(const DemoOptions& o, const fs::path& project, const fs::path& run) {
    TrainOptions train;
    train.data = project;
    train.runFolder = run;
    train.network.architecture = kArchitecture;
    train.network.weights = o.weights;
    train.network.freezeUpTo = kLastImageNetBlock;
    train.network.imageSize = kImageSize;
    train.training.epochs = o.epochs;
    train.training.learningRate = 1e-3;
    train.training.seed = 1;
    train.device = o.device;
    train.json = o.json;
    return train;
}

}  // namespace

CLI::App* addDemoCommand(CLI::App& app, DemoOptions& o) {
    auto* command = app.add_subcommand(
        "demo",
        "Build a Fashion-MNIST project, fine-tune MobileNetV2 on it, export ONNX (--task "
        "detection: garments pasted onto photographs, a Faster R-CNN fine-tuned to find them)");
    o.command = command;
    command
        ->add_option("--task", o.task,
                     "classification, or detection: a detection project and a fine-tuned "
                     "fasterrcnn_mobilenet_v2_fpn")
        ->check(CLI::IsMember({"classification", "detection"}))
        ->capture_default_str();
    command->add_option("--out", o.out, "folder for the demo's images, run and model bundle")
        ->capture_default_str();
    command
        ->add_option("--weights", o.weights,
                     "default (the offline MobileNetV2) or none (random weights, to compare)")
        ->check(CLI::IsMember({"default", "none"}))
        ->capture_default_str();
    command->add_option("--epochs", o.epochs, "training epochs")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--images-per-class", o.imagesPerClass, "labeled images of each class")
        ->check(CLI::Range(5, 1000))
        ->capture_default_str();
    command->add_option("--images", o.images, "detection: images to make (default 160)")
        ->check(CLI::Range(4, 5000));
    command
        ->add_option("--min-size", o.minSize,
                     "detection: the network's shorter image side in pixels (default 240, the "
                     "images' own)")
        ->check(CLI::Range(64, 1333));
    addDeviceOption(command, o.device);
    addJsonFlag(command, o.json);
    return command;
}

int runDemo(DemoOptions o) {
    if (o.task == "detection") return runDetectionDemo(o);
    const bool json = o.json;
    const auto started = std::chrono::steady_clock::now();
    const fs::path images = o.out / "images";
    // The run lives in the project's runs/, so the workbench opened on the project lists it.
    const fs::path project = o.out / "project";
    const fs::path run = project / "runs" / "demo";
    const fs::path bundle = o.out / "model";
    if (fs::exists(run / core::RunFolder::kConfigFile)) {
        return reportError(json, kExitUsage,
                           o.out.string() +
                               " already holds a demo run; remove it or choose "
                               "another folder with --out");
    }

    core::FashionMnistFolderOptions data;
    data.imagesPerClass = o.imagesPerClass;
    data.unlabeledImages = kUnlabeledImages;
    data.seed = 1;
    auto written = core::writeFashionMnistFolder(images, data);
    if (!written) {
        return reportError(
            json, kExitBadData,
            written.error().message + " (the demo needs Debian's dataset-fashion-mnist package)");
    }
    if (!json) {
        std::cerr << "Demo project: " << written.value().size() << " Fashion-MNIST images in "
                  << images.string() << " (" << kUnlabeledImages << " left unlabeled)\n";
    }

    {
        auto store = core::ProjectStore::create(project);
        if (!store) return reportError(json, kExitFailure, store.error().message);
        auto imported = core::importFolder(store.value(), images);
        if (!imported) return reportError(json, kExitFailure, imported.error().message);
    }

    nlohmann::json trained;
    std::string trainText;
    const int trainCode = trainRun(demoTraining(o, project, run), trained, trainText);
    if (trainCode != kExitSuccess) {
        if (!trained.is_null()) printResult(json, trained, trainText);
        return trainCode;
    }

    auto inputs = core::exportInputs(run);
    if (!inputs) return reportError(json, exitCodeFor(inputs.error().kind), inputs.error().message);
    inputs.value().facts.name = "Fovea demo (Fashion-MNIST)";
    auto exported =
        core::writeModelBundle(inputs.value().loaded.model, {core::ExportFormat::Onnx}, bundle,
                               inputs.value().parityImages, inputs.value().facts);
    if (!exported) return reportError(json, kExitFailure, exported.error().message);
    const core::ExportedFile& onnx = exported.value().files.back();

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    nlohmann::json result = {{"project_images", images.string()},
                             {"project", project.string()},
                             {"run_folder", trained.value("run_folder", run.string())},
                             {"weights", o.weights},
                             {"architecture", kArchitecture},
                             {"frozen_up_to", kLastImageNetBlock},
                             {"image_size", kImageSize},
                             {"classes", trained.value("classes", nlohmann::json::array())},
                             {"images", trained.value("images", nlohmann::json::object())},
                             {"epochs_completed", trained.value("epochs_completed", 0)},
                             {"val_accuracy", trained.value("val_accuracy", 0.0)},
                             {"val_loss", trained.value("val_loss", 0.0)},
                             {"bundle", bundle.string()},
                             {"onnx", onnx.file.string()},
                             {"parity", core::toJson(onnx.parity)},
                             {"seconds", seconds}};
    std::ostringstream text;
    text << trainText << "ONNX model (parity checked with " << onnx.parity.runtime << " on "
         << onnx.parity.compared << " " << onnx.parity.inputs << ": top-1 agreement "
         << 100.0 * onnx.parity.agreement << "%, max probability difference "
         << onnx.parity.maxProbabilityDifference << "): " << onnx.file.string() << "\n"
         << "Model bundle with model card: " << bundle.string() << "\n"
         << "Demo finished in " << formatDuration(seconds) << ". Validation accuracy "
         << 100.0 * result["val_accuracy"].get<double>() << "% with "
         << (o.weights == "none" ? "random" : "the offline default") << " weights.\n"
         << "Open the project, its run listed, in the workbench: fovea --project "
         << project.string() << "\n";
    printResult(json, result, text.str());
    return kExitSuccess;
}

}  // namespace fovea::cli
