#include "fovea/core/session/explain_image.h"

#include <torch/torch.h>
#include <opencv2/core.hpp>

#include "fovea/core/explain/grad_cam.h"
#include "fovea/core/image/heatmap_overlay.h"
#include "fovea/core/loader/image_batch_loader.h"

// The layout helpers inference uses.
#include "../tensor/training/device_setup.h"

namespace fovea::core {
namespace {

torch::Device deviceOf(const NetworkImpl& network) {
    const auto parameters = network.parameters();
    return parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
}

// The 8-bit crop back from the normalised input. Taking the loader's tensor and undoing
// (v / 255 - mean) / std, rather than decoding a second time, guarantees the picture is the one
// the network saw; float32 round-off is ~1e-4 of a level, so rounding recovers v exactly.
cv::Mat pixelsOf(const torch::Tensor& input, const Preprocessing& spec) {
    const auto mean = torch::tensor({spec.mean[0], spec.mean[1], spec.mean[2]}).view({3, 1, 1});
    const auto std = torch::tensor({spec.std[0], spec.std[1], spec.std[2]}).view({3, 1, 1});
    const torch::Tensor hwc = ((input[0] * std + mean) * 255.0f)
                                  .round()
                                  .clamp(0, 255)
                                  .to(torch::kUInt8)
                                  .permute({1, 2, 0})
                                  .contiguous();
    const cv::Mat view(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC3,
                       hwc.data_ptr<uint8_t>());
    return view.clone();
}

}  // namespace

Result<ImageExplanation> explainImage(NetworkImpl& network, const std::filesystem::path& imageFile,
                                      std::optional<int64_t> targetClass) {
    const Preprocessing spec = network.preprocessing();
    auto input = loadEvaluationTensor(imageFile, spec);
    if (!input) return input.error();

    torch::Tensor onDevice;
    try {
        // In the layout of the network's weights: a layout conversion for one image would
        // cost more than it saves, but mixing layouts costs a conversion in every layer.
        onDevice = prepareInput(input.value(), deviceOf(network), hasChannelsLastWeights(network));
    } catch (const c10::Error& e) {
        return Error{imageFile.string() + ": " + e.what_without_backtrace()};
    }
    auto cam = computeGradCam(network, onDevice, targetClass);
    if (!cam) return Error{imageFile.string() + ": " + cam.error().message};

    ImageExplanation explanation;
    explanation.croppedRgb = pixelsOf(input.value(), spec);
    const torch::Tensor& heatmap = cam.value().heatmap;  // contiguous float32 on the CPU
    explanation.heatmap =
        cv::Mat(static_cast<int>(heatmap.size(0)), static_cast<int>(heatmap.size(1)), CV_32F,
                heatmap.data_ptr<float>())
            .clone();
    auto overlay = overlayHeatmap(explanation.croppedRgb, explanation.heatmap);
    if (!overlay) return Error{imageFile.string() + ": " + overlay.error().message};
    explanation.overlay = std::move(overlay.value());
    explanation.targetClass = cam.value().targetClass;
    explanation.probability = cam.value().probability;
    explanation.layer = cam.value().layer;
    return explanation;
}

}  // namespace fovea::core
