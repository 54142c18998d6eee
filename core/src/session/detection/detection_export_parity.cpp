// The detection export's parity gate: the exported file run by a runtime other than the one that
// wrote it, against the in-app detector, image by image.
#include "fovea/core/session/detection_export_parity.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <sstream>

#include "fovea/core/export/detection_onnx.h"
#include "fovea/core/opencv_runtime.h"
#include "fovea/core/weights/safetensors.h"

namespace fovea::core {
namespace {

using Clock = std::chrono::steady_clock;
using Detector = std::function<detection::Detections(const torch::Tensor& image)>;

double milliseconds(Clock::duration duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
}

Result<Detector> torchScriptDetector(const std::filesystem::path& file) {
    try {
        auto module = std::make_shared<torch::jit::Module>(torch::jit::load(file.string()));
        module->eval();
        return Detector([module](const torch::Tensor& image) {
            const auto output =
                module->forward({c10::List<torch::Tensor>({image})}).toList().get(0);
            const auto result = output.toGenericDict();
            return detection::Detections{result.at("boxes").toTensor(),
                                         result.at("scores").toTensor(),
                                         result.at("labels").toTensor()};
        });
    } catch (const c10::Error& error) {
        return Error{file.string() + ": the TorchScript interpreter could not load it: " +
                     error.what_without_backtrace()};
    }
}

// Fovea's safetensors reader into a fresh detector: the reader is the independent part.
Result<Detector> safetensorsDetector(const detection::FasterRcnnImpl& model,
                                     const std::filesystem::path& file) {
    auto read = readSafetensors(file);
    if (!read) return read.error();
    try {
        auto fresh = detection::FasterRcnn(model.architecture(), model.options());
        auto loaded =
            detection::loadDetectionStateDict(*fresh, read.value().tensors, file.string());
        if (!loaded) return loaded.error();
        fresh->eval();
        return Detector([fresh](const torch::Tensor& image) mutable {
            return fresh->forward({image}).detections.at(0);
        });
    } catch (const c10::Error& error) {
        return Error{file.string() + ": " + error.what_without_backtrace()};
    }
}

// The ONNX file holds the network's two graphs, not the steps between them (no OpenCV DNN layer
// for RoIAlign, NMS or top-k): OpenCV DNN runs the graphs and the consumer's steps its contract
// documents run between them. Float differences between OpenCV's kernels and LibTorch's move
// boxes by hundredths of a pixel, so the detections are matched pairwise within the ONNX
// gate's own tolerance (detection_onnx.h) rather than compared bit for bit.
Result<DetectionParityReport> checkOnnxParity(detection::FasterRcnnImpl& model,
                                              const std::filesystem::path& file,
                                              const std::vector<torch::Tensor>& images) {
    DetectionParityReport report;
    report.runtime = "OpenCV " + openCvVersion() +
                     " DNN for the two graphs, with the contract's steps between them";
    const DetectionParityTolerance tolerance;
    std::ostringstream limits;
    limits << "every detection matched by one of the same label, corners within "
           << tolerance.boxPixels << " px and scores within " << tolerance.score;
    report.limits = limits.str();
    auto checked = checkDetectionOnnxParity(model, file, images, tolerance);
    if (!checked) {
        report.compared = static_cast<std::int64_t>(images.size());
        report.disagreements.push_back(checked.error().message);
        return report;
    }
    const DetectionOnnxParityReport& onnx = checked.value();
    report.compared = onnx.imagesCompared;
    report.agreeing = onnx.imagesAgreeing;
    report.boxes = onnx.detectionsCompared;
    report.maxBoxDifference = onnx.maxBoxDifference;
    report.maxScoreDifference = onnx.maxScoreDifference;
    report.exportedMillisecondsPerImage = onnx.fileMillisecondsPerImage;
    report.inAppMillisecondsPerImage = onnx.inAppMillisecondsPerImage;
    report.passed = report.compared > 0 && report.agreeing == report.compared;
    return report;
}

}  // namespace

Result<DetectionParityReport> checkDetectionParity(detection::FasterRcnnImpl& model,
                                                   ExportFormat format,
                                                   const std::filesystem::path& file,
                                                   const std::vector<torch::Tensor>& images,
                                                   const std::vector<std::string>& names) {
    DetectionParityReport report;
    std::ostringstream limits;
    limits << "the same boxes and labels in the same order, corners within "
           << kDetectionParityMaxBoxDifference << " px and scores within "
           << kDetectionParityMaxScoreDifference;
    report.limits = limits.str();
    Result<Detector> exported = Error{};
    switch (format) {
        case ExportFormat::TorchScript:
            report.runtime = "TorchScript interpreter (torch::jit::load)";
            exported = torchScriptDetector(file);
            break;
        case ExportFormat::Safetensors:
            report.runtime = "Fovea's safetensors reader into a fresh " +
                             detection::architectureName(model.architecture());
            exported = safetensorsDetector(model, file);
            break;
        case ExportFormat::Onnx:
            return checkOnnxParity(model, file, images);
        case ExportFormat::Pth:
            return Error{std::string("no parity check for ") + exportFormatName(format) +
                             " detection exports",
                         ErrorKind::Usage};
    }
    if (!exported) return exported.error();
    torch::NoGradGuard noGrad;
    const bool training = model.is_training();
    model.eval();
    Clock::duration exportedTime{}, inAppTime{};
    try {
        // Untimed calls first: the TorchScript executor profiles its first run and optimises
        // the graph on the second (measured: ~4x the steady time each), which would otherwise
        // count against the exported model's time per image.
        if (!images.empty()) {
            for (int warmUp = 0; warmUp < 2; ++warmUp) exported.value()(images.front());
            model.forward({images.front()});
        }
        for (size_t i = 0; i < images.size(); ++i) {
            const std::string label =
                "image " + std::to_string(i + 1) + (i < names.size() ? " (" + names[i] + ")" : "");
            auto start = Clock::now();
            const detection::Detections actual = exported.value()(images[i]);
            exportedTime += Clock::now() - start;
            start = Clock::now();
            const detection::Detections expected = model.forward({images[i]}).detections.at(0);
            inAppTime += Clock::now() - start;

            ++report.compared;
            report.boxes += expected.boxes.size(0);
            std::ostringstream problem;
            if (actual.boxes.sizes() != expected.boxes.sizes()) {
                problem << label << ": " << actual.boxes.size(0) << " boxes, the model "
                        << expected.boxes.size(0);
            } else if (!actual.labels.to(torch::kInt64).equal(expected.labels)) {
                problem << label << ": other labels than the model's";
            } else if (expected.boxes.numel() > 0) {
                const double boxes = (actual.boxes - expected.boxes).abs().max().item<double>();
                const double scores = (actual.scores - expected.scores).abs().max().item<double>();
                report.maxBoxDifference = std::max(report.maxBoxDifference, boxes);
                report.maxScoreDifference = std::max(report.maxScoreDifference, scores);
                // Written so that NaN fails.
                if (!(boxes <= kDetectionParityMaxBoxDifference &&
                      scores <= kDetectionParityMaxScoreDifference)) {
                    problem << label << ": boxes differ by up to " << boxes << " px, scores by "
                            << scores;
                }
            }
            if (problem.str().empty()) {
                ++report.agreeing;
            } else if (report.disagreements.size() < 10) {
                report.disagreements.push_back(problem.str());
            }
        }
    } catch (const c10::Error& error) {
        model.train(training);
        return Error{file.string() + ": running it failed: " + error.what_without_backtrace()};
    }
    model.train(training);
    if (report.compared > 0) {
        report.exportedMillisecondsPerImage =
            milliseconds(exportedTime) / static_cast<double>(report.compared);
        report.inAppMillisecondsPerImage =
            milliseconds(inAppTime) / static_cast<double>(report.compared);
    }
    report.passed = report.compared > 0 && report.agreeing == report.compared;
    return report;
}

}  // namespace fovea::core
