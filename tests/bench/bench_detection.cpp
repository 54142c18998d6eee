// Detection speed (issue 24, point 7): training images/s and inference images/s of Fovea's
// fasterrcnn_mobilenet_v3_large_320_fpn against the same recipe in Python torchvision
// (bench_detection.py) on the same images, threads and machine, and of our own
// fasterrcnn_mobilenet_v2_fpn at the same 320 px (Fovea only: torchvision has no such model).
//
// The images: the detection demo's (writeDetectionDemoFolder: garments pasted onto photographs,
// 320 x 240, 1-4 boxes each). The recipe on both sides: fine-tuning as torchvision's builders
// set it up (frozen batch norm, the last 3 backbone stages trainable; the backbone's values are
// random on both sides, which the time does not depend on, so nothing is downloaded), images
// resized to 320..640, no augmentation, batch 4, SGD(lr 0.01, momentum 0.9, weight decay 1e-4),
// torchvision's 512 box-head regions per image. Fovea's side is the whole trainer
// (runDetectionTraining: decoding, the step, its run folder) with one warm-up epoch before the
// timed ones; Python's is the DataLoader loop a user writes with one warm-up batch. Inference:
// DetectionModel::detect against the model in eval mode under no_grad, both decoding the files,
// batches of 4, after one warm-up batch.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "comparison_table.h"
#include "fovea/core/blas_probe.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/project/detection_import.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/detection_demo.h"
#include "fovea/core/session/detection_model.h"
#include "fovea/core/session/detection_training.h"
#include "fovea/core/tensor_memory.h"
#include "fovea/core/threads.h"
#include "fovea/core/weights/safetensors.h"
#include "fovea/core/weights_import/offline_weights_paths.h"
#include "run_process.h"
#include "temp_folder.h"

using namespace fovea::core;
namespace fs = std::filesystem;

namespace {

constexpr int kImages = 32;
constexpr int kEpochs = 2;  // timed, after the warm-up
constexpr int kBatch = 4;
constexpr int kMinSize = 320;

[[noreturn]] void fail(const std::string& message) {
    std::printf("bench_detection: %s\n", message.c_str());
    std::exit(1);
}

struct Speed {
    double trainImages = 0, trainSeconds = 0;
    double inferImages = 0, inferSeconds = 0;
    double train() const { return trainImages / trainSeconds; }
    double infer() const { return inferImages / inferSeconds; }
};

// A random mobilenet_v3_large classification state dict under torchvision's names.
fs::path randomClassificationFile(const fs::path& folder) {
    torch::manual_seed(0);
    auto network = createNetwork("mobilenet_v3_large", 1000);
    if (!network) fail(network.error().message);
    StateDict state;
    for (const auto& item : network.value()->named_parameters()) {
        state.insert(item.key(), item.value().detach().clone());
    }
    for (const auto& item : network.value()->named_buffers()) {
        state.insert(item.key(), item.value().detach().clone());
    }
    const fs::path file = folder / "mobilenet_v3_large-random.safetensors";
    if (auto written = writeSafetensors(file, state, {}); !written) fail(written.error().message);
    return file;
}

Speed runFovea(const fs::path& project, const fs::path& runFolder, const std::string& architecture,
               const std::string& weights, const std::vector<fs::path>& files) {
    DetectionTrainingSettings s;
    s.project = project;
    s.architecture = architecture;
    s.weights = weights;
    s.minSize = kMinSize;
    s.maxSize = 2 * kMinSize;
    s.epochs = 1 + kEpochs;
    s.batchSize = kBatch;
    s.learningRate = 0.01;
    s.augmentation = {false, 1.0, 0.0};
    s.validationFraction = 0;
    s.device = DevicePreference::Cpu;
    TrainingControl control;
    auto trained = runDetectionTraining(s, runFolder, false, control);
    if (!trained) fail(architecture + ": " + trained.error().message);
    Speed speed;
    const auto& history = trained.value().history;
    if (history.size() != std::size_t(1 + kEpochs)) fail(architecture + ": the run stopped");
    for (std::size_t e = 1; e < history.size(); ++e) {
        speed.trainImages += double(trained.value().trainImages);
        speed.trainSeconds += history[e].seconds;
    }

    auto model = DetectionModel::open(runFolder, DevicePreference::Cpu);
    if (!model) fail(model.error().message);
    const std::vector<fs::path> warmUp(files.begin(), files.begin() + kBatch);
    (void)model.value().detect(warmUp, 0.05, kBatch);
    const auto start = std::chrono::steady_clock::now();
    const auto detected = model.value().detect(files, 0.05, kBatch);
    speed.inferSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    speed.inferImages = double(detected.size());
    return speed;
}

std::string ratio(double fovea, double python) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2fx", fovea / python);
    return text;
}

}  // namespace

int main() {
    const int threads = configureIntraOpThreads();
    adviseHugePagesForLargeTensors();  // as both executables do
    const BlasInfo blas = probeBlas();
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);

    const fovea::test::TempFolder folder("fovea-bench-detection");
    DetectionDemoOptions demo;
    demo.images = kImages;
    auto data = writeDetectionDemoFolder(folder.path() / "data", demo);
    if (!data) fail(data.error().message);
    const fs::path project = folder.path() / "project";
    {
        auto store = ProjectStore::create(project, ProjectTask::Detection);
        if (!store) fail(store.error().message);
        auto imported = importDetectionFolder(store.value(), folder.path() / "data");
        if (!imported) fail(imported.error().message);
    }
    std::vector<fs::path> files;
    for (int i = 0; i < kImages; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "demo-%04d.jpg", i);
        files.push_back(folder.path() / "data" / "images" / name);
    }
    std::printf(
        "detection: %d demo images (320x240, %zu boxes, %zu classes) resized to %d..%d; frozen "
        "batch norm, 3 trainable backbone stages; batch %d, SGD(0.01, momentum 0.9, wd 1e-4), "
        "no augmentation; 1 warm-up, then %d epochs; inference in batches of %d\n"
        "intra-op threads: %d; BLAS: %s; load average before the run: %.2f %.2f %.2f\n",
        kImages, data.value().boxes, data.value().classes.size(), kMinSize, 2 * kMinSize, kBatch,
        kEpochs, kBatch, threads, blas.name.c_str(), load[0], load[1], load[2]);
    std::fflush(stdout);

    const auto python = fovea::test::runProcess(
        "/usr/bin/python3", {fovea::test::foveaSourceDir() + "/tests/bench/bench_detection.py",
                             (folder.path() / "data").string(), std::to_string(kEpochs),
                             std::to_string(kBatch), std::to_string(threads)});
    if (python.exitCode != 0) fail("the Python torchvision side failed:\n" + python.output);
    const auto reference = nlohmann::json::parse(python.output);
    Speed torchvision;
    torchvision.trainImages = reference["train_images"].get<double>();
    torchvision.trainSeconds = reference["train_seconds"].get<double>();
    torchvision.inferImages = reference["inference_images"].get<double>();
    torchvision.inferSeconds = reference["inference_seconds"].get<double>();

    const Speed v3 =
        runFovea(project, folder.path() / "run-v3", "fasterrcnn_mobilenet_v3_large_320_fpn",
                 randomClassificationFile(folder.path()).string(), files);
    std::optional<Speed> v2;
    if (fs::exists(offlineDefaultWeightsPath())) {
        v2 = runFovea(project, folder.path() / "run-v2", "fasterrcnn_mobilenet_v2_fpn", "default",
                      files);
    }
    if (intraOpThreads() != threads) fail("the intra-op thread count changed in training");

    std::printf("\nimages/s (torch %s, torchvision %s)\n",
                reference["torch"].get<std::string>().c_str(),
                reference["torchvision"].get<std::string>().c_str());
    std::printf("  %-40s %10s %10s %10s\n", "", "Python", "Fovea", "Fovea is");
    const auto row = [](const std::string& what, const std::optional<double>& py, double fovea) {
        std::printf("  %-40s %10s %10.2f %10s\n", what.c_str(),
                    py ? std::to_string(*py).substr(0, 6).c_str() : "-", fovea,
                    py ? ratio(fovea, *py).c_str() : "-");
    };
    row("v3_large_320_fpn training", torchvision.train(), v3.train());
    row("v3_large_320_fpn inference", torchvision.infer(), v3.infer());
    if (v2) {
        row("mobilenet_v2_fpn (ours) training", std::nullopt, v2->train());
        row("mobilenet_v2_fpn (ours) inference", std::nullopt, v2->infer());
    } else {
        std::printf(
            "  fasterrcnn_mobilenet_v2_fpn left out: no offline weights (fovea-cli "
            "prepare-offline-weights)\n");
    }
    getloadavg(load, 3);
    std::printf("load average after the run: %.2f %.2f %.2f\n", load[0], load[1], load[2]);

    const auto speedJson = [](const Speed& s) {
        return nlohmann::json{
            {"train_images", s.trainImages},        {"train_seconds", s.trainSeconds},
            {"train_images_per_second", s.train()}, {"inference_images", s.inferImages},
            {"inference_seconds", s.inferSeconds},  {"inference_images_per_second", s.infer()}};
    };
    nlohmann::json results = {
        {"threads", threads},
        {"blas", blas.name},
        {"torch", reference["torch"]},
        {"torchvision", reference["torchvision"]},
        {"fasterrcnn_mobilenet_v3_large_320_fpn",
         {{"python", speedJson(torchvision)},
          {"fovea", speedJson(v3)},
          {"fovea_over_python_training", v3.train() / torchvision.train()},
          {"fovea_over_python_inference", v3.infer() / torchvision.infer()}}}};
    if (v2) results["fasterrcnn_mobilenet_v2_fpn"] = {{"fovea", speedJson(*v2)}};
    fovea::test::writeBenchJson("bench_detection", results);
    return 0;
}
