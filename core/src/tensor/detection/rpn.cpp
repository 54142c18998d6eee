// torchvision/models/detection/rpn.py (RPNHead, RegionProposalNetwork) and the sampler of
// torchvision/models/detection/_utils.py (BalancedPositiveNegativeSampler).
#include <torch/torch.h>

#include "backbone_layers.h"

namespace fovea::core::detection {

using torch::indexing::Slice;

BalancedPositiveNegativeSampler::BalancedPositiveNegativeSampler(int64_t batchSizePerImage,
                                                                 double positiveFraction)
    : m_batchSizePerImage(batchSizePerImage), m_positiveFraction(positiveFraction) {}

BalancedPositiveNegativeSampler::Masks BalancedPositiveNegativeSampler::operator()(
    const std::vector<torch::Tensor>& labels) const {
    if (m_override) return m_override(labels);
    Masks masks;
    for (const auto& labelsPerImage : labels) {
        const torch::Tensor positive = torch::where(labelsPerImage >= 1)[0];
        const torch::Tensor negative = torch::where(labelsPerImage == 0)[0];
        const int64_t numPos = std::min(
            positive.numel(),
            static_cast<int64_t>(static_cast<double>(m_batchSizePerImage) * m_positiveFraction));
        const int64_t numNeg = std::min(negative.numel(), m_batchSizePerImage - numPos);
        // Two randperm draws per image, positives first, as torchvision: the same seed gives
        // the same picks.
        const auto indexOptions =
            torch::TensorOptions().dtype(torch::kInt64).device(labelsPerImage.device());
        const torch::Tensor perm1 =
            torch::randperm(positive.numel(), indexOptions).slice(0, 0, numPos);
        const torch::Tensor perm2 =
            torch::randperm(negative.numel(), indexOptions).slice(0, 0, numNeg);
        torch::Tensor positiveMask = torch::zeros_like(labelsPerImage, torch::kUInt8);
        torch::Tensor negativeMask = torch::zeros_like(labelsPerImage, torch::kUInt8);
        positiveMask.index_put_({positive.index({perm1})}, 1);
        negativeMask.index_put_({negative.index({perm2})}, 1);
        masks.first.push_back(positiveMask);
        masks.second.push_back(negativeMask);
    }
    return masks;
}

RpnHeadImpl::RpnHeadImpl(int64_t inChannels, int64_t numAnchors) {
    // conv_depth 1: conv.0 is a Conv2dNormActivation without norm (3x3 with bias, ReLU), whose
    // convolution is conv.0.0 (torchvision's RPNHead version 2 names).
    m_conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(inChannels, inChannels, 3).padding(1));
    layers::Sequence convs;
    convs->push_back(layers::Sequence(m_conv, torch::nn::ReLU()));
    register_module("conv", convs);
    m_clsLogits = register_module(
        "cls_logits", torch::nn::Conv2d(torch::nn::Conv2dOptions(inChannels, numAnchors, 1)));
    m_bboxPred = register_module(
        "bbox_pred", torch::nn::Conv2d(torch::nn::Conv2dOptions(inChannels, numAnchors * 4, 1)));
    torch::NoGradGuard noGrad;
    for (auto* conv : {&m_conv, &m_clsLogits, &m_bboxPred}) {
        torch::nn::init::normal_((*conv)->weight, 0.0, 0.01);
        torch::nn::init::zeros_((*conv)->bias);
    }
}

std::pair<std::vector<torch::Tensor>, std::vector<torch::Tensor>> RpnHeadImpl::forward(
    const std::vector<torch::Tensor>& features) {
    std::vector<torch::Tensor> logits, deltas;
    for (const auto& feature : features) {
        const torch::Tensor t = torch::relu(m_conv(feature));
        logits.push_back(m_clsLogits(t));
        deltas.push_back(m_bboxPred(t));
    }
    return {logits, deltas};
}

namespace {

// permute_and_flatten: [N, A * C, H, W] -> [N, H * W * A, C].
torch::Tensor permuteAndFlatten(const torch::Tensor& layer, int64_t n, int64_t a, int64_t c,
                                int64_t h, int64_t w) {
    return layer.view({n, -1, c, h, w}).permute({0, 3, 4, 1, 2}).reshape({n, -1, c});
}

}  // namespace

RegionProposalNetworkImpl::RegionProposalNetworkImpl(AnchorGenerator anchorGenerator, RpnHead head,
                                                     const RpnOptions& options)
    : m_anchorGenerator(std::move(anchorGenerator)),
      m_options(options),
      m_matcher(options.fgIouThresh, options.bgIouThresh, /*allowLowQualityMatches=*/true),
      m_sampler(options.batchSizePerImage, options.positiveFraction) {
    m_head = register_module("head", std::move(head));
}

RpnOutput RegionProposalNetworkImpl::forward(const ImageList& images, const FeatureMaps& features,
                                             const std::vector<DetectionTarget>& targets) {
    const std::vector<torch::Tensor> maps = features.values();
    auto [objectnessPerLevel, deltasPerLevel] = m_head->forward(maps);
    const std::vector<torch::Tensor> anchors = m_anchorGenerator(images.tensors, maps);
    const auto numImages = static_cast<int64_t>(anchors.size());

    // concat_box_prediction_layers
    std::vector<int64_t> anchorsPerLevel;
    std::vector<torch::Tensor> flatObjectness, flatDeltas;
    for (size_t level = 0; level < objectnessPerLevel.size(); ++level) {
        const auto& cls = objectnessPerLevel[level];
        const auto& reg = deltasPerLevel[level];
        const int64_t n = cls.size(0), h = cls.size(2), w = cls.size(3);
        const int64_t a = reg.size(1) / 4;
        const int64_t c = cls.size(1) / a;
        anchorsPerLevel.push_back(cls.size(1) * h * w);
        flatObjectness.push_back(permuteAndFlatten(cls, n, a, c, h, w));
        flatDeltas.push_back(permuteAndFlatten(reg, n, a, 4, h, w));
    }
    const torch::Tensor objectness = torch::cat(flatObjectness, 1).flatten(0, -2);
    const torch::Tensor predDeltas = torch::cat(flatDeltas, 1).reshape({-1, 4});

    const torch::Tensor proposals =
        m_boxCoder.decode(predDeltas.detach(), anchors).view({numImages, -1, 4});

    // filter_proposals
    const bool training = is_training();
    const int64_t preNmsTopN = training ? m_options.preNmsTopNTrain : m_options.preNmsTopNTest;
    const int64_t postNmsTopN = training ? m_options.postNmsTopNTrain : m_options.postNmsTopNTest;
    const auto device = proposals.device();
    const torch::Tensor scoresAll = objectness.detach().reshape({numImages, -1});
    std::vector<torch::Tensor> levelIds, topIndices;
    int64_t offset = 0;
    for (size_t level = 0; level < anchorsPerLevel.size(); ++level) {
        const int64_t count = anchorsPerLevel[level];
        levelIds.push_back(torch::full({count}, static_cast<int64_t>(level),
                                       torch::TensorOptions().dtype(torch::kInt64).device(device)));
        const torch::Tensor ob = scoresAll.narrow(1, offset, count);
        const auto top = std::get<1>(ob.topk(std::min(preNmsTopN, count), 1));
        topIndices.push_back(top + offset);
        offset += count;
    }
    const torch::Tensor topIdx = torch::cat(topIndices, 1);
    const torch::Tensor levels = torch::cat(levelIds, 0).reshape({1, -1}).expand_as(scoresAll);
    const torch::Tensor batchIdx =
        torch::arange(numImages, torch::TensorOptions().dtype(torch::kInt64).device(device))
            .unsqueeze(1);
    const torch::Tensor topScores = torch::sigmoid(scoresAll.index({batchIdx, topIdx}));
    const torch::Tensor topLevels = levels.index({batchIdx, topIdx});
    const torch::Tensor topBoxes = proposals.index({batchIdx, topIdx});

    RpnOutput output;
    for (int64_t image = 0; image < numImages; ++image) {
        torch::Tensor boxes = clipBoxesToImage(topBoxes[image], images.imageSizes[image]);
        torch::Tensor scores = topScores[image];
        torch::Tensor lvl = topLevels[image];
        torch::Tensor keep = removeSmallBoxes(boxes, 1e-3);
        boxes = boxes.index({keep});
        scores = scores.index({keep});
        lvl = lvl.index({keep});
        keep = torch::where(scores >= m_options.scoreThresh)[0];
        boxes = boxes.index({keep});
        scores = scores.index({keep});
        lvl = lvl.index({keep});
        keep = batchedNms(boxes, scores, lvl, m_options.nmsThresh).slice(0, 0, postNmsTopN);
        output.proposals.push_back(boxes.index({keep}));
        output.scores.push_back(scores.index({keep}));
    }
    if (!training) return output;

    TORCH_CHECK(targets.size() == anchors.size(), "training needs one target per image");
    // assign_targets_to_anchors
    std::vector<torch::Tensor> labels, matchedGtBoxes;
    for (size_t image = 0; image < anchors.size(); ++image) {
        const torch::Tensor& imageAnchors = anchors[image];
        const torch::Tensor& gtBoxes = targets[image].boxes;
        if (gtBoxes.numel() == 0) {
            const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(device);
            matchedGtBoxes.push_back(torch::zeros(imageAnchors.sizes(), options));
            labels.push_back(torch::zeros({imageAnchors.size(0)}, options));
            continue;
        }
        const torch::Tensor matched = m_matcher(boxIou(gtBoxes, imageAnchors));
        matchedGtBoxes.push_back(gtBoxes.index({matched.clamp_min(0)}));
        torch::Tensor imageLabels = (matched >= 0).to(torch::kFloat32);
        imageLabels.index_put_({matched == Matcher::kBelowLowThreshold}, 0.0);
        imageLabels.index_put_({matched == Matcher::kBetweenThresholds}, -1.0);
        labels.push_back(imageLabels);
    }
    const std::vector<torch::Tensor> regressionTargets = m_boxCoder.encode(matchedGtBoxes, anchors);

    // compute_loss
    const auto [positiveMasks, negativeMasks] = m_sampler(labels);
    const torch::Tensor sampledPos = torch::where(torch::cat(positiveMasks, 0))[0];
    const torch::Tensor sampledNeg = torch::where(torch::cat(negativeMasks, 0))[0];
    const torch::Tensor sampled = torch::cat({sampledPos, sampledNeg}, 0);
    const torch::Tensor allLabels = torch::cat(labels, 0);
    const torch::Tensor allTargets = torch::cat(regressionTargets, 0);
    const torch::Tensor boxLoss =
        torch::smooth_l1_loss(predDeltas.index({sampledPos}), allTargets.index({sampledPos}),
                              at::Reduction::Sum, 1.0 / 9) /
        sampled.numel();
    const torch::Tensor objectnessLoss = torch::binary_cross_entropy_with_logits(
        objectness.flatten().index({sampled}), allLabels.index({sampled}));
    output.losses["loss_objectness"] = objectnessLoss;
    output.losses["loss_rpn_box_reg"] = boxLoss;
    return output;
}

}  // namespace fovea::core::detection
