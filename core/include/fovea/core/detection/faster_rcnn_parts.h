#pragma once

#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

// The stages of torchvision's Faster R-CNN (torchvision/models/detection, 0.14), each a class of
// its own so that tests and tools can run and inspect them one by one: the resize/normalise
// transform (transform.py), the backbone with its feature pyramid (backbone_utils.py,
// ops/feature_pyramid_network.py), the region proposal network (rpn.py) and the box head
// (roi_heads.py, faster_rcnn.py). Modules are registered under torchvision's attribute names so
// that torchvision state dicts load unchanged ("backbone.body.0.0.weight",
// "rpn.head.conv.0.0.weight", "roi_heads.box_predictor.cls_score.weight", ...).
//
// Conventions as box_ops.h: boxes [N, 4] (x1, y1, x2, y2) float pixels, sizes (height, width).

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/ordered_dict.h>
#include <torch/types.h>

#include "fovea/core/detection/box_ops.h"

namespace fovea::core::detection {

// Ground truth of one image: boxes [N, 4] float in the image's pixels, labels int64 [N] in
// [1, numClasses) (0 is the background).
struct DetectionTarget {
    torch::Tensor boxes;
    torch::Tensor labels;
};

// What the detector found in one image: boxes [K, 4] float, scores [K] float (softmax
// probability of the label), labels int64 [K], by decreasing score.
struct Detections {
    torch::Tensor boxes;
    torch::Tensor scores;
    torch::Tensor labels;
};

// The padded batch and the size of each image inside it (torchvision's ImageList).
struct ImageList {
    torch::Tensor tensors;                           // [B, 3, H, W], H and W padded
    std::vector<std::array<int64_t, 2>> imageSizes;  // (height, width) before padding
};

// Feature maps by name, finest first ("0", "1", ..., "pool").
using FeatureMaps = torch::OrderedDict<std::string, torch::Tensor>;

// Loss name -> scalar tensor, torchvision's names ("loss_objectness", "loss_rpn_box_reg",
// "loss_classifier", "loss_box_reg").
using LossMap = std::map<std::string, torch::Tensor>;

// ---- transform.py GeneralizedRCNNTransform ---------------------------------------------------

class GeneralizedRcnnTransform {
  public:
    // minSizes: the shorter side after resizing; several: training picks one at random per
    // image (torchvision's multi-scale training), evaluation uses the last.
    GeneralizedRcnnTransform(std::vector<int64_t> minSizes, int64_t maxSize,
                             std::array<double, 3> imageMean, std::array<double, 3> imageStd,
                             int64_t sizeDivisible = 32);

    // images: [3, H_i, W_i] float in [0, 1] (RGB). Each is normalised, resized so that its
    // shorter side is the min size and its longer side at most maxSize (bilinear,
    // align_corners=false, the size rounded down from the float32 scale, as torchvision's
    // interpolate with recompute_scale_factor), and the batch is zero-padded to a multiple of
    // sizeDivisible. targets (empty, or one per image) get their boxes scaled alike.
    // training: as torchvision, draws one uniform number per image from LibTorch's default
    // generator to choose the min size, even when there is only one.
    std::pair<ImageList, std::vector<DetectionTarget>> operator()(
        const std::vector<torch::Tensor>& images, std::vector<DetectionTarget> targets,
        bool training) const;

    // Boxes back from resized to original image sizes (postprocess).
    std::vector<Detections> postprocess(
        std::vector<Detections> detections, const std::vector<std::array<int64_t, 2>>& resizedSizes,
        const std::vector<std::array<int64_t, 2>>& originalSizes) const;

    torch::Tensor normalize(const torch::Tensor& image) const;
    // One normalised [3, H, W] image resized with `minSize`.
    torch::Tensor resize(const torch::Tensor& image, int64_t minSize) const;

    const std::vector<int64_t>& minSizes() const { return m_minSizes; }
    int64_t maxSize() const { return m_maxSize; }

  private:
    std::vector<int64_t> m_minSizes;
    int64_t m_maxSize;
    std::array<double, 3> m_mean;
    std::array<double, 3> m_std;
    int64_t m_sizeDivisible;
};

// torchvision's resize_boxes: boxes [N, 4] scaled by new / original size per axis (float32
// ratios, as torchvision).
torch::Tensor resizeBoxes(const torch::Tensor& boxes, std::array<int64_t, 2> originalSize,
                          std::array<int64_t, 2> newSize);

// ---- backbone_utils.py BackboneWithFPN ---------------------------------------------------------

// The convolutional body: IntermediateLayerGetter over a classification network, returning the
// feature maps the pyramid takes, finest first.
class BackboneBodyImpl : public torch::nn::Module {
  public:
    virtual std::vector<torch::Tensor> forward(torch::Tensor x) = 0;
    // Channels of each returned map.
    virtual std::vector<int64_t> returnedChannels() const = 0;
    // torchvision's trainable_backbone_layers: the parameters of all but the last
    // `trainableLayers` stages get requires_grad false.
    virtual void setTrainableLayers(int64_t trainableLayers) = 0;
};

// FPN (Lin et al., CVPR 2017) as torchvision's FeaturePyramidNetwork with LastLevelMaxPool:
// 1x1 lateral convolutions ("inner_blocks.i.0"), nearest-neighbour top-down upsampling, 3x3
// output convolutions ("layer_blocks.i.0"), and "pool", a stride-2 subsampling of the coarsest
// output.
class FeaturePyramidNetworkImpl : public torch::nn::Module {
  public:
    FeaturePyramidNetworkImpl(const std::vector<int64_t>& inChannels, int64_t outChannels);
    // inputs: the body's maps, finest first -> "0", "1", ..., "pool".
    FeatureMaps forward(const std::vector<torch::Tensor>& inputs);

  private:
    torch::nn::ModuleList m_innerBlocks;
    torch::nn::ModuleList m_layerBlocks;
    std::vector<torch::nn::Conv2d> m_inner;
    std::vector<torch::nn::Conv2d> m_layer;
};
TORCH_MODULE(FeaturePyramidNetwork);

class BackboneWithFpnImpl : public torch::nn::Module {
  public:
    BackboneWithFpnImpl(std::shared_ptr<BackboneBodyImpl> body, int64_t outChannels = 256);
    // images [B, 3, H, W] -> the pyramid, every map [B, outChannels, h, w].
    FeatureMaps forward(const torch::Tensor& images);

    BackboneBodyImpl& body() { return *m_body; }
    int64_t outChannels() const { return m_outChannels; }

  private:
    std::shared_ptr<BackboneBodyImpl> m_body;
    FeaturePyramidNetwork m_fpn{nullptr};
    int64_t m_outChannels;
};
TORCH_MODULE(BackboneWithFpn);

// How the backbone's batch norm layers behave. torchvision's builders use FrozenBatchNorm2d
// (fixed statistics and affine parameters, no num_batches_tracked) whenever they start from
// pretrained weights, and nn.BatchNorm2d otherwise; both with eps 1e-5 (the detection builders
// pass norm_layer, replacing MobileNetV3's own eps 0.001).
struct BackboneNormOptions {
    bool frozen = true;
    double eps = 1e-5;
    double momentum = 0.1;  // of the plain batch norm's running statistics
};

// MobileNetV3-Large's "features" (torchvision's mobilenetv3.py), registered as "0".."16", as
// _mobilenet_extractor(fpn=True) returns them: the output of feature 13 (the last strided
// block, 160 channels) and of feature 16 (the final 1x1 convolution, 960 channels), both at
// stride 32.
std::shared_ptr<BackboneBodyImpl> mobileNetV3LargeBody(const BackboneNormOptions& norm);

// ResNet-50 without avgpool and fc (torchvision's resnet.py, v1.5), "conv1", "bn1",
// "layer1".."layer4", returning the outputs of layer1..layer4 (strides 4 to 32).
std::shared_ptr<BackboneBodyImpl> resNet50Body(const BackboneNormOptions& norm);

// Our own composition (torchvision has no MobileNetV2 detector): the "features" "0".."18" of the
// zoo's mobilenet_v2_keras (Keras' MobileNetV2 under torchvision's names: TensorFlow's "same"
// padding on the stride-2 3x3 convolutions, ReLU6; the offline default weights converted from
// nsfwjs), cut as _mobilenet_extractor(fpn=True) cuts torchvision's mobilenet_v2: stages
// [0, 2, 4, 7, 14, 18] and the outputs of the last two, feature 14 (the first block at stride
// 32, 160 channels) and feature 18 (the final 1x1 convolution, 1280 channels, stride 32), as
// MobileNetV3's FPN takes its last strided block and its final convolution. Pass norm.eps
// 1e-3: Keras' batch norm epsilon, which the converted statistics belong with.
std::shared_ptr<BackboneBodyImpl> mobileNetV2KerasBody(const BackboneNormOptions& norm);

// ---- rpn.py, roi_heads.py, _utils.py ---------------------------------------------------------

// BalancedPositiveNegativeSampler: per image up to batchSizePerImage labels, at most
// positiveFraction of them positive (label >= 1), the rest negative (label == 0), drawn with
// torch::randperm from LibTorch's default generator as torchvision does. Returns uint8 masks
// (positive, negative), one pair per image.
//
// The draw can be replaced (setOverride) by a function that returns the masks itself: the
// parity tests give torchvision's own picks so that training losses compare exactly.
class BalancedPositiveNegativeSampler {
  public:
    using Masks = std::pair<std::vector<torch::Tensor>, std::vector<torch::Tensor>>;
    using Override = std::function<Masks(const std::vector<torch::Tensor>& labels)>;

    BalancedPositiveNegativeSampler(int64_t batchSizePerImage, double positiveFraction);
    Masks operator()(const std::vector<torch::Tensor>& labels) const;
    void setOverride(Override sampler) { m_override = std::move(sampler); }

  private:
    int64_t m_batchSizePerImage;
    double m_positiveFraction;
    Override m_override;
};

// RPNHead: a 3x3 convolution + ReLU ("conv.0.0"), then per anchor an objectness logit
// ("cls_logits") and 4 box deltas ("bbox_pred"), shared across pyramid levels.
class RpnHeadImpl : public torch::nn::Module {
  public:
    RpnHeadImpl(int64_t inChannels, int64_t numAnchors);
    // Per level: objectness [B, A, h, w], deltas [B, 4A, h, w].
    std::pair<std::vector<torch::Tensor>, std::vector<torch::Tensor>> forward(
        const std::vector<torch::Tensor>& features);

  private:
    torch::nn::Conv2d m_conv{nullptr}, m_clsLogits{nullptr}, m_bboxPred{nullptr};
};
TORCH_MODULE(RpnHead);

struct RpnOptions {
    int64_t preNmsTopNTrain = 2000;
    int64_t preNmsTopNTest = 1000;
    int64_t postNmsTopNTrain = 2000;
    int64_t postNmsTopNTest = 1000;
    double nmsThresh = 0.7;
    double fgIouThresh = 0.7;
    double bgIouThresh = 0.3;
    int64_t batchSizePerImage = 256;
    double positiveFraction = 0.5;
    double scoreThresh = 0.0;
};

struct RpnOutput {
    std::vector<torch::Tensor> proposals;  // per image [P_i, 4], by decreasing objectness
    std::vector<torch::Tensor> scores;     // per image [P_i] sigmoid(objectness)
    LossMap losses;                        // training only
};

// RegionProposalNetwork: the head ("head") over every level, anchors, decoding, per-level
// top-n, clipping, small-box removal, NMS per level and the post-NMS top-n; in training the
// anchors are matched to the ground truth (Matcher(0.7, 0.3, low-quality matches)), sampled,
// and the losses are binary cross-entropy on objectness and smooth L1 (beta 1/9) on the
// positives' deltas, summed over the sampled count.
class RegionProposalNetworkImpl : public torch::nn::Module {
  public:
    RegionProposalNetworkImpl(AnchorGenerator anchorGenerator, RpnHead head,
                              const RpnOptions& options);
    // targets: empty in evaluation, one per image in training (is_training()).
    RpnOutput forward(const ImageList& images, const FeatureMaps& features,
                      const std::vector<DetectionTarget>& targets);

    BalancedPositiveNegativeSampler& sampler() { return m_sampler; }
    const RpnOptions& options() const { return m_options; }
    // The anchors' cell templates, for exporters that rebuild the anchors elsewhere.
    const AnchorGenerator& anchorGenerator() const { return m_anchorGenerator; }

  private:
    AnchorGenerator m_anchorGenerator;
    RpnHead m_head{nullptr};
    RpnOptions m_options;
    BoxCoder m_boxCoder{{1.0, 1.0, 1.0, 1.0}};
    Matcher m_matcher;
    BalancedPositiveNegativeSampler m_sampler;
};
TORCH_MODULE(RegionProposalNetwork);

// TwoMLPHead: flatten, "fc6" + ReLU, "fc7" + ReLU.
class TwoMlpHeadImpl : public torch::nn::Module {
  public:
    TwoMlpHeadImpl(int64_t inChannels, int64_t representationSize);
    torch::Tensor forward(const torch::Tensor& x);

  private:
    torch::nn::Linear m_fc6{nullptr}, m_fc7{nullptr};
};
TORCH_MODULE(TwoMlpHead);

// FastRCNNPredictor: class logits "cls_score" [N, C] and per-class deltas "bbox_pred" [N, 4C]
// (C counts the background).
class FastRcnnPredictorImpl : public torch::nn::Module {
  public:
    FastRcnnPredictorImpl(int64_t inChannels, int64_t numClasses);
    std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x);

  private:
    torch::nn::Linear m_clsScore{nullptr}, m_bboxPred{nullptr};
};
TORCH_MODULE(FastRcnnPredictor);

struct RoiHeadsOptions {
    double fgIouThresh = 0.5;
    double bgIouThresh = 0.5;
    int64_t batchSizePerImage = 512;
    double positiveFraction = 0.25;
    std::array<double, 4> bboxRegWeights{10.0, 10.0, 5.0, 5.0};
    double scoreThresh = 0.05;
    double nmsThresh = 0.5;
    int64_t detectionsPerImage = 100;
};

struct RoiHeadsOutput {
    std::vector<Detections> detections;  // evaluation only, in the resized images' pixels
    LossMap losses;                      // training only
    // The regions the head saw (training: the sampled proposals and ground truth), their class
    // logits [R, C] and deltas [R, 4C]: for tests and for inspecting the head.
    std::vector<torch::Tensor> regions;
    torch::Tensor classLogits;
    torch::Tensor boxRegression;
};

// RoIHeads for boxes: MultiScaleRoIAlign over the pyramid, "box_head", "box_predictor";
// evaluation post-processing (softmax, decode, clip, drop the background, score threshold,
// small boxes, NMS per class, top detections); training sampling (proposals plus the ground
// truth, Matcher(0.5, 0.5), sampler 512 / 0.25) and fastrcnn_loss.
class RoiHeadsImpl : public torch::nn::Module {
  public:
    RoiHeadsImpl(MultiScaleRoiAlign boxRoiPool, TwoMlpHead boxHead, FastRcnnPredictor predictor,
                 const RoiHeadsOptions& options);
    RoiHeadsOutput forward(const FeatureMaps& features, std::vector<torch::Tensor> proposals,
                           const std::vector<std::array<int64_t, 2>>& imageSizes,
                           const std::vector<DetectionTarget>& targets);

    // postprocess_detections: class logits [R, C] and deltas [R, 4C] of the regions
    // (proposals, one [R_i, 4] per image) -> detections in the resized images' pixels.
    std::vector<Detections> postprocess(const torch::Tensor& classLogits,
                                        const torch::Tensor& boxRegression,
                                        const std::vector<torch::Tensor>& proposals,
                                        const std::vector<std::array<int64_t, 2>>& imageSizes);

    BalancedPositiveNegativeSampler& sampler() { return m_sampler; }
    const RoiHeadsOptions& options() const { return m_options; }

  private:
    MultiScaleRoiAlign m_boxRoiPool;
    TwoMlpHead m_boxHead{nullptr};
    FastRcnnPredictor m_predictor{nullptr};
    RoiHeadsOptions m_options;
    BoxCoder m_boxCoder;
    Matcher m_matcher;
    BalancedPositiveNegativeSampler m_sampler;
};
TORCH_MODULE(RoiHeads);

}  // namespace fovea::core::detection
