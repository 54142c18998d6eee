#pragma once

#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

// The box operations of torchvision's Faster R-CNN (Ren et al., "Faster R-CNN: Towards Real-Time
// Object Detection with Region Proposal Networks", NeurIPS 2015; Lin et al., "Feature Pyramid
// Networks for Object Detection", CVPR 2017), written with LibTorch tensor ops only, since
// torchvision's C++ ops library is not available to us. Each one reproduces the torchvision 0.14
// function named beside it (tests/core/tensor/detection compares them with Python torchvision).
//
// Conventions, as torchvision's: boxes are [N, 4] (x1, y1, x2, y2) in pixels of the image they
// belong to, floating point (float32 or float64), on any device; image sizes are (height, width).
// Wrong shapes or dtypes are programmer mistakes and throw c10::Error (TORCH_CHECK), as
// torchvision raises.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/ordered_dict.h>
#include <torch/types.h>

namespace fovea::core::detection {

// ---- torchvision/ops/boxes.py ------------------------------------------------------------------

// [N] areas (x2 - x1) * (y2 - y1); negative for inverted boxes, as torchvision's box_area.
torch::Tensor boxArea(const torch::Tensor& boxes);

// [N, M] intersection over union of every pair of boxes1 [N, 4] and boxes2 [M, 4]: box_iou.
// NaN where both boxes are empty (0 / 0), as torchvision.
torch::Tensor boxIou(const torch::Tensor& boxes1, const torch::Tensor& boxes2);

// Boxes [..., 4] with x clamped to [0, width] and y to [0, height]: clip_boxes_to_image.
torch::Tensor clipBoxesToImage(const torch::Tensor& boxes, std::array<int64_t, 2> imageSize);

// int64 [K] indices, ascending, of the boxes whose width and height are both >= minSize:
// remove_small_boxes.
torch::Tensor removeSmallBoxes(const torch::Tensor& boxes, double minSize);

// ---- torchvision/ops/boxes.py nms, batched_nms (kernel: csrc/ops/cpu/nms_kernel.cpp) -----------

// Greedy non-maximum suppression: visits the boxes by decreasing score (equal scores by
// increasing index: a stable sort, as the kernel's) and drops every later box whose IoU with a
// kept one is > iouThreshold. boxes [N, 4], scores [N] of the same floating dtype. Returns int64
// [K] indices of the kept boxes, by decreasing score, on the boxes' device. The loop runs on the
// CPU (boxes on another device are copied there once): its length depends on the data.
torch::Tensor nms(const torch::Tensor& boxes, const torch::Tensor& scores, double iouThreshold);

// nms within each class: classIdx [N] (integer) says each box's class and boxes of different
// classes never suppress each other. As torchvision: up to 4000 coordinates on the CPU (20000 on
// a GPU) the boxes of each class are shifted apart by (class * (max coordinate + 1)) and
// suppressed together; above that each class is suppressed alone and the kept indices are
// sorted by decreasing score.
torch::Tensor batchedNms(const torch::Tensor& boxes, const torch::Tensor& scores,
                         const torch::Tensor& classIdx, double iouThreshold);

// ---- torchvision/models/detection/_utils.py BoxCoder
// ---------------------------------------------

// The box regression parameterisation of R-CNN (Girshick et al., CVPR 2014): offsets of the
// centre in units of the reference box's size, and log-ratios of the sizes, each multiplied by
// its weight. Faster R-CNN's RPN uses weights (1, 1, 1, 1), its box head (10, 10, 5, 5).
class BoxCoder {
  public:
    // log(1000 / 16): decode never lets a box grow more than 62.5 times in one step.
    static constexpr double kDefaultXformClip = 4.135166556742356;

    explicit BoxCoder(std::array<double, 4> weights = {10.0, 10.0, 5.0, 5.0},
                      double bboxXformClip = kDefaultXformClip);

    // Regression targets [N, 4] that take proposals [N, 4] to referenceBoxes [N, 4] (the
    // ground truth): encode_single.
    torch::Tensor encodeSingle(const torch::Tensor& referenceBoxes,
                               const torch::Tensor& proposals) const;
    // encode: the same over a list (one entry per image), split back per image.
    std::vector<torch::Tensor> encode(const std::vector<torch::Tensor>& referenceBoxes,
                                      const std::vector<torch::Tensor>& proposals) const;

    // Boxes [N, 4 * K] from relCodes [N, 4 * K] (K boxes per reference, e.g. one per class)
    // applied to boxes [N, 4]: decode_single. Width and height offsets are clamped to the clip.
    torch::Tensor decodeSingle(const torch::Tensor& relCodes, const torch::Tensor& boxes) const;
    // decode: boxes is a list (one entry per image, N boxes in all), relCodes [N, 4 * K] or
    // anything of N * 4 * K elements; returns [N, K, 4] (when N is 0, decodeSingle's shape).
    torch::Tensor decode(const torch::Tensor& relCodes,
                         const std::vector<torch::Tensor>& boxes) const;

    const std::array<double, 4>& weights() const { return m_weights; }
    double bboxXformClip() const { return m_bboxXformClip; }

  private:
    std::array<double, 4> m_weights;
    double m_bboxXformClip;
};

// ---- torchvision/models/detection/_utils.py Matcher
// ----------------------------------------------

// Assigns each prediction (anchor or proposal) the ground-truth box it overlaps most.
class Matcher {
  public:
    static constexpr int64_t kBelowLowThreshold = -1;
    static constexpr int64_t kBetweenThresholds = -2;

    // lowThreshold <= highThreshold. RPN: (0.7, 0.3, true); box head: (0.5, 0.5, false).
    Matcher(double highThreshold, double lowThreshold, bool allowLowQualityMatches = false);

    // matchQuality [M ground truth, N predictions] (e.g. boxIou(gt, anchors)) -> int64 [N]: the
    // matched ground-truth index when the best quality is >= highThreshold,
    // kBetweenThresholds when it is in [low, high), kBelowLowThreshold below low. With
    // allowLowQualityMatches, every prediction that is some ground truth's best (ties included)
    // keeps its best match whatever the quality. An empty matrix throws, as torchvision raises.
    torch::Tensor operator()(const torch::Tensor& matchQuality) const;

  private:
    double m_highThreshold;
    double m_lowThreshold;
    bool m_allowLowQualityMatches;
};

// ---- torchvision/models/detection/anchor_utils.py AnchorGenerator
// --------------------------------

// Anchors for each feature map: at every cell, one box per (size, aspect ratio) centred on the
// cell's top-left corner in image pixels (the stride is image size // feature size), with
// aspect ratio = height / width and area size^2, corners rounded to whole pixels.
class AnchorGenerator {
  public:
    // One entry per feature map in both lists: the sizes (pixels) and aspect ratios there.
    // Faster R-CNN ResNet-50 FPN: sizes {{32}, {64}, {128}, {256}, {512}}, ratios {0.5, 1, 2}
    // each; MobileNetV3 FPN: {32, 64, 128, 256, 512} on each of its 3 maps.
    AnchorGenerator(std::vector<std::vector<int64_t>> sizes,
                    std::vector<std::vector<double>> aspectRatios);

    // Per feature map, [sizes * ratios, 4] float32 boxes around (0, 0), ratio-major (all sizes
    // of the first ratio first), as generate_anchors.
    const std::vector<torch::Tensor>& cellAnchors() const { return m_cellAnchors; }
    // sizes * ratios per feature map: the RPN head's anchors per location.
    std::vector<int64_t> numAnchorsPerLocation() const;

    // Per feature map, [gridH * gridW * A, 4] anchors: every cell (row-major), every cell
    // anchor, shifted by (column * strideW, row * strideH). gridSizes and strides are
    // (height, width) pairs, one per feature map. dtype and device of the result: the options.
    std::vector<torch::Tensor> gridAnchors(
        const std::vector<std::array<int64_t, 2>>& gridSizes,
        const std::vector<std::array<int64_t, 2>>& strides,
        const torch::TensorOptions& options = torch::kFloat32) const;

    // forward: images [B, C, H, W] (the padded batch), featureMaps [B, C', h_i, w_i] one per
    // entry of sizes. Returns B tensors (one per image, all equal), each the concatenation over
    // the feature maps of gridAnchors, with the feature maps' dtype and device.
    std::vector<torch::Tensor> operator()(const torch::Tensor& images,
                                          const std::vector<torch::Tensor>& featureMaps) const;

  private:
    std::vector<std::vector<int64_t>> m_sizes;
    std::vector<std::vector<double>> m_aspectRatios;
    std::vector<torch::Tensor> m_cellAnchors;
};

// ---- torchvision/ops/roi_align.py (kernel: csrc/ops/cpu/roi_align_kernel.cpp) -------------------

// RoIAlign (He et al., "Mask R-CNN", ICCV 2017) with average pooling: each of the
// outputSize[0] x outputSize[1] bins of a region is the mean of bilinear samples on a regular
// grid inside it (samplingRatio x samplingRatio per bin, or ceil(region size / bins) per axis
// when samplingRatio <= 0). torchvision's boundary rules: a sample more than one pixel outside
// the map counts as 0, one within a pixel outside takes the edge value; aligned=false (the
// legacy mode Faster R-CNN uses) stretches regions to at least 1 x 1 feature pixel,
// aligned=true shifts them by half a pixel (Detectron2) and lets empty regions pool 0.
//
// input [N, C, H, W] floating; rois [K, 5] (batch index, x1, y1, x2, y2) in image pixels, which
// spatialScale maps to feature pixels. Returns [K, C, outputSize[0], outputSize[1]] of the
// input's dtype and device. Tensor ops only (a gather of the four neighbours of every sample, in
// cache-sized blocks), yet bit for bit torchvision's CPU kernel: the same weights, and each bin
// summed in the kernel's order (sample by sample, rows outer, each sample's four products left
// to right), so that near-tied scores downstream fall as torchvision's do. Differentiable with
// respect to the input: the gradient is torchvision's backward, also bit for bit on the CPU
// (each bin's gradient * weight / count added to the same neighbours in the same order; first
// order only). The regions are constants, as in torchvision (no gradient reaches rois). Memory:
// blocks of 2^18 gathered values, plus 12 bytes per sample neighbour (4 * samples per bin * bins
// * K) kept for the backward.
torch::Tensor roiAlign(const torch::Tensor& input, const torch::Tensor& rois,
                       std::array<int64_t, 2> outputSize, double spatialScale = 1.0,
                       int64_t samplingRatio = -1, bool aligned = false);

// ---- torchvision/ops/poolers.py LevelMapper, MultiScaleRoIAlign ---------------------------------

// Which pyramid level pools a box: FPN's equation (1), k = floor(k0 + log2(sqrt(area) / 224)
// + 1e-6) clamped to [kMin, kMax]; returns int64 [N] levels minus kMin (indices into the maps).
class LevelMapper {
  public:
    LevelMapper(int64_t kMin, int64_t kMax, int64_t canonicalScale = 224,
                int64_t canonicalLevel = 4, double eps = 1e-6);
    // boxes: one [N_i, 4] per image; the result concatenates them.
    torch::Tensor operator()(const std::vector<torch::Tensor>& boxes) const;

    int64_t kMin() const { return m_kMin; }
    int64_t kMax() const { return m_kMax; }

  private:
    int64_t m_kMin;
    int64_t m_kMax;
    int64_t m_canonicalScale;
    int64_t m_canonicalLevel;
    double m_eps;
};

// RoIAlign over a feature pyramid (FPN's box head pooling): each box is pooled from the level
// LevelMapper picks, with that level's scale. Faster R-CNN: names {"0", "1", "2", "3"}, 7 x 7,
// sampling ratio 2.
class MultiScaleRoiAlign {
  public:
    MultiScaleRoiAlign(std::vector<std::string> featmapNames, std::array<int64_t, 2> outputSize,
                       int64_t samplingRatio, int64_t canonicalScale = 224,
                       int64_t canonicalLevel = 4);

    // features: name -> [B, C, h, w] in pyramid order (finest first); those named in
    // featmapNames are used, in the features' order. boxes: one [N_i, 4] per image in image
    // pixels. imageSizes: (height, width) of each image before the backbone. Returns
    // [sum N_i, C, outputSize[0], outputSize[1]].
    //
    // As torchvision's module, the levels' scales (powers of 2 from the first used map's
    // height over the largest image height) and the mapper are worked out on the first call
    // and kept for later ones.
    torch::Tensor operator()(const torch::OrderedDict<std::string, torch::Tensor>& features,
                             const std::vector<torch::Tensor>& boxes,
                             const std::vector<std::array<int64_t, 2>>& imageSizes);

    // The scales found on the first call (empty before it).
    const std::vector<double>& scales() const { return m_scales; }

  private:
    std::vector<std::string> m_featmapNames;
    std::array<int64_t, 2> m_outputSize;
    int64_t m_samplingRatio;
    int64_t m_canonicalScale;
    int64_t m_canonicalLevel;
    std::vector<double> m_scales;
    std::optional<LevelMapper> m_mapper;
};

// torchvision's _infer_scale: the power of 2 nearest to featureSize / imageSize (heights).
double inferScale(int64_t featureSize, int64_t imageSize);

}  // namespace fovea::core::detection
