// Exporting a detection run: the run's detector rebuilt from its folder, the file written under a
// staging name beside the destination, the parity gate on the run's validation images, then
// the rename into place.
#include "fovea/core/session/detection_export.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "detection_common.h"
#include "fovea/core/export/detection_onnx.h"
#include "fovea/core/export/detection_torchscript.h"
#include "fovea/core/session/detection_export_parity.h"
#include "fovea/core/training/run_folder_layout.h"
#include "fovea/core/weights/safetensors.h"

namespace fovea::core {
namespace {

// The run's detector on the CPU, as DetectionModel::open builds it (evaluation sizes), with what
// the export needs besides.
struct RunDetector {
    detection::FasterRcnn model{nullptr};
    std::vector<std::string> classNames;
    std::filesystem::path weightsFile;
    std::map<std::string, std::string> weightsMetadata;  // model.safetensors' own
    nlohmann::json config;
    DetectionTrainingSettings settings;
};

Result<RunDetector> openRunDetector(const std::filesystem::path& runFolder) {
    auto config = detection_session::readDetectionConfig(runFolder);
    if (!config) return config.error();
    auto settings = detectionSettingsFromJson(config.value().value("settings", nlohmann::json()));
    if (!settings) return settings.error();
    RunDetector run;
    run.config = config.value();
    try {
        run.classNames = run.config.at("classes").get<std::vector<std::string>>();
        settings.value().minSize = run.config.value("min_size", settings.value().minSize);
        settings.value().maxSize = run.config.value("max_size", settings.value().maxSize);
    } catch (const std::exception& e) {
        return Error{runFolder.string() + "/config.json: " + e.what(), ErrorKind::BadData};
    }
    settings.value().augmentation.minScale = 1.0;  // evaluation uses the size itself
    run.settings = settings.value();
    auto shape = detection_session::detectorShape(run.settings,
                                                  static_cast<std::int64_t>(run.classNames.size()));
    if (!shape) return shape.error();
    run.weightsFile = runFolder / run_layout::kModelFile;
    if (!std::filesystem::exists(run.weightsFile)) {
        return Error{runFolder.string() + " has no model yet (" + run_layout::kModelFile +
                         " is written after the first epoch)",
                     ErrorKind::BadData};
    }
    auto weights = readSafetensors(run.weightsFile);
    if (!weights) return weights.error();
    run.weightsMetadata = weights.value().metadata;
    try {
        torch::NoGradGuard noGrad;
        run.model = detection_session::buildDetector(shape.value());
        auto loaded = detection::loadDetectionStateDict(*run.model, weights.value().tensors,
                                                        run.weightsFile.string());
        if (!loaded) return loaded.error();
        run.model->eval();
    } catch (const c10::Error& e) {
        return Error{run.weightsFile.string() + ": " + e.what_without_backtrace(),
                     ErrorKind::BadData};
    }
    return run;
}

struct GateImages {
    std::vector<torch::Tensor> images;
    std::vector<std::string> names;
    std::string inputs;
    std::vector<std::string> skipped;
};

// The run's validation images (at most maxImages), decoded as DetectionModel::detect does; seeded
// random images of several sizes when none is usable.
GateImages gateImages(const RunDetector& run, std::size_t maxImages) {
    GateImages gate;
    const auto ids = run.config.value("val_image_ids", nlohmann::json::array());
    const std::set<std::int64_t> wanted(ids.begin(), ids.end());
    auto store = ProjectStore::open(run.settings.project);
    if (store && !wanted.empty()) {
        auto classes = detection_session::projectClasses(store.value());
        auto samples = classes ? detection_session::annotatedSamples(
                                     store.value(), classes.value().indexOf, std::nullopt)
                               : Result<std::vector<detection_session::Sample>>(classes.error());
        if (samples) {
            for (const auto& sample : samples.value()) {
                if (gate.images.size() >= maxImages) break;
                if (!wanted.count(sample.id)) continue;
                auto decoded = detection_session::decodeSample(sample.path, {}, nullptr, nullptr);
                if (!decoded) {
                    gate.skipped.push_back(decoded.error().message);
                    continue;
                }
                gate.images.push_back(decoded.value().image);
                gate.names.push_back(sample.path.filename().string());
            }
        }
    }
    if (!gate.images.empty()) {
        gate.inputs = "validation images";
        return gate;
    }
    // Without images the gate still runs, on seeded noise of several shapes, and says so.
    gate.inputs = "random images";
    auto generator = at::detail::createCPUGenerator(20261205);
    for (const auto& [height, width] : {std::pair{240, 320}, {320, 240}, {200, 200}}) {
        gate.images.push_back(torch::rand({3, height, width}, generator));
        gate.names.push_back("random " + std::to_string(width) + "x" + std::to_string(height));
    }
    return gate;
}

Result<void> writeDetectionFormat(RunDetector& run, ExportFormat format,
                                  const std::filesystem::path& file) {
    std::map<std::string, std::string> metadata{
        {"fovea.weights_file", run.weightsFile.string()},
    };
    switch (format) {
        case ExportFormat::TorchScript:
            return writeDetectionTorchScript(*run.model, run.classNames, file, metadata);
        case ExportFormat::Safetensors: {
            // The run's weights under torchvision's names, with the labels and the sizes.
            metadata.insert(run.weightsMetadata.begin(), run.weightsMetadata.end());
            for (const auto& [key, value] : detectionExportMetadata(*run.model, run.classNames)) {
                metadata[key] = value;
            }
            return writeSafetensors(file, detection_session::detectorStateDict(*run.model),
                                    metadata);
        }
        case ExportFormat::Onnx:
            return writeDetectionOnnx(*run.model, run.classNames, file);
        case ExportFormat::Pth:
            break;
    }
    return checkDetectionExportFormat(format);
}

// The gate compares boxes; the class names a consumer maps labels with are checked apart: read
// back from the safetensors metadata (the TorchScript file's class_labels() is compiled from the
// same list and checked by the tests).
Result<void> checkCarriedLabels(const RunDetector& run, ExportFormat format,
                                const std::filesystem::path& file) {
    if (format != ExportFormat::Safetensors) return {};
    auto read = readSafetensors(file);
    if (!read) return read.error();
    const auto labels = read.value().metadata.find("fovea.labels");
    if (labels == read.value().metadata.end() ||
        labels->second != nlohmann::json(run.classNames).dump()) {
        return Error{"the written file does not carry the run's class names"};
    }
    return {};
}

// The figures of a failed gate, one sentence.
std::string gateFailure(const std::filesystem::path& destination,
                        const DetectionParityReport& parity) {
    std::ostringstream message;
    message << destination.string() << ": parity check failed (" << parity.runtime << " on "
            << parity.compared << " " << parity.inputs << "): " << parity.agreeing << " of "
            << parity.compared << " images agree, max box difference " << parity.maxBoxDifference
            << " px, max score difference " << parity.maxScoreDifference << " (needs "
            << parity.limits << ")";
    for (const auto& disagreement : parity.disagreements) message << "; " << disagreement;
    message << "; nothing was written";
    return message.str();
}

}  // namespace

nlohmann::json toJson(const DetectionParityReport& report) {
    return {{"runtime", report.runtime},
            {"inputs", report.inputs},
            {"limits", report.limits},
            {"compared", report.compared},
            {"agreeing", report.agreeing},
            {"boxes", report.boxes},
            {"max_box_difference", report.maxBoxDifference},
            {"max_score_difference", report.maxScoreDifference},
            {"passed", report.passed},
            {"exported_ms_per_image", report.exportedMillisecondsPerImage},
            {"in_app_ms_per_image", report.inAppMillisecondsPerImage},
            {"disagreements", report.disagreements},
            {"skipped_images", report.skippedImages}};
}

Result<void> checkDetectionExportFormat(ExportFormat format) {
    switch (format) {
        case ExportFormat::TorchScript:
        case ExportFormat::Safetensors:
        case ExportFormat::Onnx:
            return {};
        case ExportFormat::Pth:
            break;
    }
    return Error{std::string("--format ") + exportFormatName(format) +
                     " is not supported for detection runs: use torchscript, onnx or "
                     "safetensors (safetensors holds the same torchvision-named weights a .pth "
                     "would)",
                 ErrorKind::Usage};
}

Result<DetectionExportedFile> exportDetectionRun(const std::filesystem::path& runFolder,
                                                 ExportFormat format,
                                                 const std::filesystem::path& destination,
                                                 std::size_t maxImages) {
    if (auto supported = checkDetectionExportFormat(format); !supported) {
        return supported.error();
    }
    auto run = openRunDetector(runFolder);
    if (!run) return run.error();

    // Written and checked under a temporary name in the destination's folder, so the rename into
    // place is atomic and a failed check leaves nothing that looks like an export.
    std::filesystem::path staging = destination;
    staging.replace_filename("." + destination.filename().string() + ".checking");
    const auto discard = [&] {
        std::error_code ignored;
        std::filesystem::remove(staging, ignored);
    };
    if (auto written = writeDetectionFormat(run.value(), format, staging); !written) {
        discard();
        std::string message = written.error().message;
        if (const auto at = message.find(staging.string()); at != std::string::npos) {
            message.replace(at, staging.string().size(), destination.string());
        }
        return Error{message, written.error().kind};
    }
    const GateImages gate = gateImages(run.value(), std::max<std::size_t>(maxImages, 1));
    auto parity =
        checkDetectionParity(*run.value().model, format, staging, gate.images, gate.names);
    if (!parity) {
        discard();
        return Error{destination.string() + ": parity check failed: " + parity.error().message,
                     ErrorKind::Internal};
    }
    DetectionExportedFile exported{format, destination, parity.value()};
    exported.parity.inputs = gate.inputs;
    exported.parity.skippedImages = gate.skipped;
    if (!exported.parity.passed) {
        discard();
        return Error{gateFailure(destination, exported.parity), ErrorKind::Internal};
    }
    if (auto carried = checkCarriedLabels(run.value(), format, staging); !carried) {
        discard();
        return Error{destination.string() + ": " + carried.error().message, ErrorKind::Internal};
    }
    std::error_code error;
    std::filesystem::rename(staging, destination, error);
    if (error) {
        discard();
        return Error{
            destination.string() + ": cannot move the export into place: " + error.message(),
            ErrorKind::Io};
    }
    return exported;
}

}  // namespace fovea::core
