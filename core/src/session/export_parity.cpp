#include "fovea/core/session/export_parity.h"

#include <torch/script.h>
#include <torch/torch.h>
#include <opencv2/core/version.hpp>
#include <opencv2/dnn.hpp>

#include "fovea/core/export/model_export.h"
#include "fovea/core/weights/pth_reader.h"
#include "network_with_weights.h"

namespace fovea::core {
namespace {

// OpenCV DNN as its users call it: one blob per image.
Result<torch::Tensor> runWithOpenCv(const std::filesystem::path& file,
                                    const torch::Tensor& inputs) {
    try {
        cv::dnn::Net net = cv::dnn::readNetFromONNX(file.string());
        std::vector<torch::Tensor> outputs;
        for (int64_t i = 0; i < inputs.size(0); ++i) {
            auto one = inputs.slice(0, i, i + 1).contiguous();
            const int shape[] = {1, 3, static_cast<int>(one.size(2)),
                                 static_cast<int>(one.size(3))};
            net.setInput(cv::Mat(4, shape, CV_32F, one.data_ptr<float>()));
            cv::Mat output = net.forward();
            outputs.push_back(torch::from_blob(output.ptr<float>(),
                                               {1, static_cast<int64_t>(output.total())},
                                               torch::kFloat32)
                                  .clone());
        }
        return torch::cat(outputs);
    } catch (const cv::Exception& error) {
        return Error{file.string() + ": OpenCV DNN could not run it: " + error.what()};
    }
}

Result<torch::Tensor> runWithTorchScript(const std::filesystem::path& file,
                                         const torch::Tensor& inputs) {
    try {
        torch::jit::Module module = torch::jit::load(file.string());
        torch::NoGradGuard noGrad;
        return module.forward({inputs}).toTensor();
    } catch (const c10::Error& error) {
        return Error{file.string() + ": the TorchScript interpreter could not run it: " +
                     error.what_without_backtrace()};
    }
}

Result<torch::Tensor> runNetwork(const Result<NetworkPtr>& network, const torch::Tensor& inputs) {
    if (!network) return network.error();
    return contractProbabilities(*network.value(), inputs);
}

// A .pth has no graph to run: its tensors go into a fresh network of the same architecture,
// which then runs. Fovea's reader is the independent part (it never saw the writer's state).
Result<NetworkPtr> networkFromPth(const TrainedModel& model, const std::filesystem::path& file) {
    auto read = readPth(file);
    if (!read) return read.error();
    auto network = networkWithWeights(model.network->architecture(), model.classNames.size(),
                                      model.metadata, read.value(), file.string());
    if (network) network.value()->setPreprocessing(model.network->preprocessing());
    return network;
}

Result<NetworkPtr> networkFromSafetensors(const std::filesystem::path& file) {
    auto loaded = loadTrainedModel(file);
    if (!loaded) return loaded.error();
    return loaded.value().network;
}

}  // namespace

Result<ParityReport> checkExportParity(const TrainedModel& model, ExportFormat format,
                                       const std::filesystem::path& file,
                                       const torch::Tensor& inputs) {
    ParityReport report;
    Result<torch::Tensor> exported = Error{};
    switch (format) {
        case ExportFormat::Onnx:
            report.runtime = std::string("OpenCV ") + CV_VERSION + " DNN";
            exported = runWithOpenCv(file, inputs);
            break;
        case ExportFormat::TorchScript:
            report.runtime = "TorchScript interpreter (torch::jit::load)";
            exported = runWithTorchScript(file, inputs);
            break;
        case ExportFormat::Pth:
            report.runtime = "Fovea's .pth reader into a fresh " + model.network->architecture();
            exported = runNetwork(networkFromPth(model, file), inputs);
            break;
        case ExportFormat::Safetensors:
            report.runtime =
                "Fovea's safetensors reader into a fresh " + model.network->architecture();
            exported = runNetwork(networkFromSafetensors(file), inputs);
            break;
    }
    if (!exported) return exported.error();
    const torch::Tensor expected = contractProbabilities(*model.network, inputs);
    const torch::Tensor actual = exported.value();
    if (actual.sizes() != expected.sizes()) {
        return Error{file.string() + ": the exported model gives outputs of shape " +
                     c10::str(actual.sizes()) + ", the model " + c10::str(expected.sizes())};
    }
    report.compared = inputs.size(0);
    report.agreeing = actual.argmax(1).eq(expected.argmax(1)).sum().item<int64_t>();
    report.agreement = report.compared ? static_cast<double>(report.agreeing) / report.compared : 0;
    report.maxProbabilityDifference = (actual - expected).abs().max().item<double>();
    report.passed = report.compared > 0 && report.agreeing == report.compared &&
                    report.maxProbabilityDifference <= kParityMaxProbabilityDifference;
    return report;
}

}  // namespace fovea::core
