#pragma once

#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

// torchvision's Faster R-CNN with a feature pyramid (Ren et al., NeurIPS 2015; Lin et al.,
// CVPR 2017) in LibTorch, as torchvision 0.14 builds it in
// torchvision/models/detection/faster_rcnn.py: the same modules under the same names (so that
// torchvision state dicts load unchanged), the same evaluation output and the same training
// losses for the same weights, images and targets (tests/core/tensor/detection compares them
// with Python torchvision).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/detection/faster_rcnn_parts.h"
#include "fovea/core/result.h"
#include "fovea/core/state_dict.h"

namespace fovea::core::detection {

enum class FasterRcnnArchitecture {
    kMobileNetV3LargeFpn,     // fasterrcnn_mobilenet_v3_large_fpn
    kMobileNetV3Large320Fpn,  // fasterrcnn_mobilenet_v3_large_320_fpn: low resolution
    kResNet50Fpn,             // fasterrcnn_resnet50_fpn
    // fasterrcnn_mobilenet_v2_fpn: our own composition, not torchvision's (it has no MobileNetV2
    // detector), so that a detector starts offline from the offline default weights: the zoo's
    // mobilenet_v2_keras as the body (mobileNetV2KerasBody: features 14 and 18 into the FPN),
    // FPN with LastLevelMaxPool, and the anchors, RPN and box head of
    // fasterrcnn_mobilenet_v3_large_fpn. Its images are x / 255 (mean 0, std 1), as nsfwjs
    // trained those weights, and its batch norms use Keras' eps 1e-3.
    kMobileNetV2Fpn,
};

// The builder's name ("fasterrcnn_resnet50_fpn", ..., "fasterrcnn_mobilenet_v2_fpn") and back.
std::string architectureName(FasterRcnnArchitecture architecture);
std::optional<FasterRcnnArchitecture> fasterRcnnArchitectureFromName(const std::string& name);

// The zoo classification network whose weights the detector's body starts from (see
// loadBackboneWeights): "mobilenet_v3_large" for both MobileNetV3 detectors and "resnet50"
// (torchvision's ImageNet downloads), "mobilenet_v2_keras" for kMobileNetV2Fpn (the offline
// default, written by fovea-cli prepare-offline-weights).
std::string backboneClassificationArchitecture(FasterRcnnArchitecture architecture);

// The builder's and FasterRCNN's keyword arguments. fasterRcnnDefaults gives each
// architecture's values as its torchvision builder sets them.
struct FasterRcnnOptions {
    int64_t numClasses = 91;  // including the background (class 0)
    // FrozenBatchNorm2d in the backbone, as torchvision builds it from pretrained weights
    // (fine-tuning); false: plain batch norm, as torchvision builds it from scratch.
    bool frozenBatchNorm = true;
    // Backbone stages, counted from the last, whose parameters train (torchvision's
    // trainable_backbone_layers: 0..5 for ResNet-50, 0..6 for MobileNetV3); the rest get
    // requires_grad false.
    int64_t trainableBackboneLayers = 3;

    // GeneralizedRCNNTransform
    std::vector<int64_t> minSize{800};
    int64_t maxSize = 1333;
    std::array<double, 3> imageMean{0.485, 0.456, 0.406};
    std::array<double, 3> imageStd{0.229, 0.224, 0.225};

    RpnOptions rpn;
    RoiHeadsOptions roiHeads;
};

FasterRcnnOptions fasterRcnnDefaults(FasterRcnnArchitecture architecture);

// Evaluation: detections per image in the original images' pixels; training: the four losses.
struct FasterRcnnOutput {
    std::vector<Detections> detections;
    LossMap losses;
};

// GeneralizedRCNN: transform, "backbone", "rpn", "roi_heads", postprocess.
class FasterRcnnImpl : public torch::nn::Module {
  public:
    FasterRcnnImpl(FasterRcnnArchitecture architecture, const FasterRcnnOptions& options);

    // images: [3, H_i, W_i] float RGB in [0, 1], any sizes. In training mode (is_training())
    // targets must hold one entry per image and the losses come back; in evaluation targets
    // are ignored and the detections come back. Evaluate under torch::NoGradGuard.
    FasterRcnnOutput forward(const std::vector<torch::Tensor>& images,
                             const std::vector<DetectionTarget>& targets = {});

    FasterRcnnArchitecture architecture() const { return m_architecture; }
    const FasterRcnnOptions& options() const { return m_options; }
    const GeneralizedRcnnTransform& transform() const { return m_transform; }
    BackboneWithFpn& backbone() { return m_backbone; }
    RegionProposalNetwork& rpn() { return m_rpn; }
    RoiHeads& roiHeads() { return m_roiHeads; }

  private:
    FasterRcnnArchitecture m_architecture;
    FasterRcnnOptions m_options;
    GeneralizedRcnnTransform m_transform;
    BackboneWithFpn m_backbone{nullptr};
    RegionProposalNetwork m_rpn{nullptr};
    RoiHeads m_roiHeads{nullptr};
};
TORCH_MODULE(FasterRcnn);

// What loading a detector's state dict did.
struct DetectionLoadReport {
    int64_t loadedTensors = 0;
    // num_batches_tracked counters of frozen batch norms, which torchvision's FrozenBatchNorm2d
    // drops too, and counters absent from the file (left at 0).
    std::vector<std::string> ignoredKeys;
};

// Copies a torchvision-named state dict (e.g. read with readPth or readSafetensors) into
// `model`. Any missing, unexpected or shape-mismatched key is an error listing the keys, and
// then the model is left unchanged. `source` names the file in messages.
Result<DetectionLoadReport> loadDetectionStateDict(FasterRcnnImpl& model, const StateDict& weights,
                                                   const std::string& source);

// torchvision's weights_backbone: copies the classification state dict of
// backboneClassificationArchitecture(model.architecture()) into the detector's body
// ("backbone.body.*"), as torchvision's detection builders do by loading it into the
// classification network and cutting that (_mobilenet_extractor, _resnet_fpn_extractor with
// IntermediateLayerGetter): MobileNets' "features.N.*" become "backbone.body.N.*"; ResNet-50's
// "conv1.*", "bn1.*" and "layerK.*" become "backbone.body.conv1.*", ... The classifier
// ("classifier.*", "fc.*") is not used, nor, with frozen batch norm, the files'
// num_batches_tracked (FrozenBatchNorm2d drops them): both are listed in ignoredKeys. The FPN,
// RPN and box head keep their initialisation. Every body tensor must be in the file with its
// shape, and nothing else may be: otherwise an error names the keys (in the file's names) and
// the model is left unchanged. Freezing (trainableBackboneLayers) is not changed.
Result<DetectionLoadReport> loadBackboneWeights(FasterRcnnImpl& model,
                                                const StateDict& classification,
                                                const std::string& source);

}  // namespace fovea::core::detection
