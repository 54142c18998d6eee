#include "fovea/core/explain/grad_cam.h"

#include <torch/torch.h>

#include <array>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

namespace fovea::core {
namespace {

// Puts back every module's train/eval flag, so explaining an image in the middle of training
// (e.g. from the GUI between epochs) changes nothing about the run.
class ModeRestorer {
  public:
    explicit ModeRestorer(NetworkImpl& network)
        : m_network(network), m_training(network.is_training()) {
        for (const auto& module : network.modules(/*include_self=*/false)) {
            m_modes.emplace_back(module, module->is_training());
        }
    }
    ~ModeRestorer() {
        // Module::train recurses, so set parents before children (modules() is pre-order),
        // bypassing NetworkImpl::train, which would re-derive the frozen blocks' modes.
        m_network.torch::nn::Module::train(m_training);
        for (auto& [module, training] : m_modes) module->torch::nn::Module::train(training);
    }
    ModeRestorer(const ModeRestorer&) = delete;
    ModeRestorer& operator=(const ModeRestorer&) = delete;

  private:
    NetworkImpl& m_network;
    bool m_training;
    std::vector<std::pair<std::shared_ptr<torch::nn::Module>, bool>> m_modes;
};

std::string shapeOf(const torch::Tensor& tensor) {
    std::ostringstream out;
    out << tensor.sizes();
    return out.str();
}

// Min-max scaling to [0, 1]; a flat map (nothing to show) becomes all zeros rather than NaN.
torch::Tensor scaleToUnitRange(const torch::Tensor& map) {
    const torch::Tensor shifted = map - map.min();
    const float range = shifted.max().item<float>();
    return range > 0.0f ? shifted / range : torch::zeros_like(map);
}

}  // namespace

Result<GradCamResult> computeGradCam(NetworkImpl& network, const torch::Tensor& input,
                                     std::optional<int64_t> targetClass) {
    if (!input.defined() || input.dim() != 4 || input.size(0) != 1 || input.size(1) != 3 ||
        input.scalar_type() != torch::kFloat32) {
        return Error{"Grad-CAM needs one image as a float32 [1, 3, H, W] tensor, got " +
                     (input.defined() ? shapeOf(input) : std::string("none"))};
    }
    if (targetClass && (*targetClass < 0 || *targetClass >= network.numClasses())) {
        return Error{"Grad-CAM: class " + std::to_string(*targetClass) + " is outside 0.." +
                     std::to_string(network.numClasses() - 1) + " of " + network.architecture()};
    }
    try {
        ModeRestorer restoreModes(network);
        network.eval();  // BatchNorm running statistics, no dropout: the prediction users see

        // Up to the target block nothing needs a gradient: run it without building a graph and
        // keep the last output that still has spatial dimensions (VGG's fc6 flattens, the head
        // pools, so which block that is is read off the outputs, not hard-coded).
        torch::Tensor activations;
        size_t targetBlock = 0;
        {
            torch::NoGradGuard noGrad;
            torch::Tensor x = input;
            const size_t head = network.blockCount() - 1;
            for (size_t index = 0; index < head; ++index) {
                x = network.forwardBlocks(x, index, index + 1);
                if (x.dim() != 4) break;
                activations = x;
                targetBlock = index;
            }
        }
        if (!activations.defined()) {
            return Error{"Grad-CAM: " + network.architecture() +
                         " has no convolutional block before its head"};
        }

        // A fresh leaf: the gradient is taken with respect to it alone, so frozen parameters
        // need no requires_grad and no parameter's .grad is touched.
        torch::AutoGradMode enableGrad(true);
        activations = activations.detach().requires_grad_(true);
        const torch::Tensor logits =
            network.forwardBlocks(activations, targetBlock + 1, network.blockCount());
        const int64_t explained = targetClass ? *targetClass : logits.argmax(1).item<int64_t>();
        const torch::Tensor gradient =
            torch::autograd::grad({logits.select(1, explained).sum()}, {activations})[0];

        torch::NoGradGuard noGrad;
        const torch::Tensor weights = gradient.mean({2, 3}, /*keepdim=*/true);  // [1, C, 1, 1]
        const torch::Tensor map = torch::relu((weights * activations).sum(1, /*keepdim=*/true));
        // Scaled before upsampling, as pytorch-grad-cam's scale_cam_image does: scaling after
        // would blow a flat map's interpolation round-off up to the full [0, 1] range. The
        // bilinear blend stays within [0, 1] but for round-off, which the clamp removes.
        // The ATen op F::interpolate(size, bilinear, align_corners false) calls; its options
        // struct trips GCC 14's -Wmaybe-uninitialized inside LibTorch 2.x's headers.
        const std::array<int64_t, 2> size{input.size(2), input.size(3)};
        const torch::Tensor upsampled =
            torch::upsample_bilinear2d(scaleToUnitRange(map), torch::IntArrayRef(size),
                                       /*align_corners=*/false)
                .clamp(0.0, 1.0);

        GradCamResult result;
        result.heatmap = upsampled[0][0].to(torch::kCPU).contiguous();
        result.targetClass = explained;
        result.probability = torch::softmax(logits, 1)[0][explained].item<float>();
        result.layer = network.blocks()[targetBlock].name;
        return result;
    } catch (const c10::Error& e) {
        return Error{"Grad-CAM on " + network.architecture() +
                     " failed: " + e.what_without_backtrace()};
    }
}

}  // namespace fovea::core
