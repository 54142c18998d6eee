// torchvision/models/detection/roi_heads.py (RoIHeads for boxes, fastrcnn_loss) and the box
// head of torchvision/models/detection/faster_rcnn.py (TwoMLPHead, FastRCNNPredictor).
#include <torch/torch.h>

#include "fovea/core/detection/faster_rcnn_parts.h"

namespace fovea::core::detection {

TwoMlpHeadImpl::TwoMlpHeadImpl(int64_t inChannels, int64_t representationSize) {
    m_fc6 = register_module("fc6", torch::nn::Linear(inChannels, representationSize));
    m_fc7 = register_module("fc7", torch::nn::Linear(representationSize, representationSize));
}

torch::Tensor TwoMlpHeadImpl::forward(const torch::Tensor& x) {
    return torch::relu(m_fc7(torch::relu(m_fc6(x.flatten(1)))));
}

FastRcnnPredictorImpl::FastRcnnPredictorImpl(int64_t inChannels, int64_t numClasses) {
    m_clsScore = register_module("cls_score", torch::nn::Linear(inChannels, numClasses));
    m_bboxPred = register_module("bbox_pred", torch::nn::Linear(inChannels, numClasses * 4));
}

std::pair<torch::Tensor, torch::Tensor> FastRcnnPredictorImpl::forward(const torch::Tensor& x) {
    const torch::Tensor flat = x.flatten(1);
    return {m_clsScore(flat), m_bboxPred(flat)};
}

RoiHeadsImpl::RoiHeadsImpl(MultiScaleRoiAlign boxRoiPool, TwoMlpHead boxHead,
                           FastRcnnPredictor predictor, const RoiHeadsOptions& options)
    : m_boxRoiPool(std::move(boxRoiPool)),
      m_options(options),
      m_boxCoder(options.bboxRegWeights),
      m_matcher(options.fgIouThresh, options.bgIouThresh, /*allowLowQualityMatches=*/false),
      m_sampler(options.batchSizePerImage, options.positiveFraction) {
    m_boxHead = register_module("box_head", std::move(boxHead));
    m_predictor = register_module("box_predictor", std::move(predictor));
}

RoiHeadsOutput RoiHeadsImpl::forward(const FeatureMaps& features,
                                     std::vector<torch::Tensor> proposals,
                                     const std::vector<std::array<int64_t, 2>>& imageSizes,
                                     const std::vector<DetectionTarget>& targets) {
    const bool training = is_training();
    RoiHeadsOutput output;
    std::vector<torch::Tensor> labels, regressionTargets;
    if (training) {
        // select_training_samples
        TORCH_CHECK(targets.size() == proposals.size(), "training needs one target per image");
        const auto dtype = proposals.front().scalar_type();
        const auto device = proposals.front().device();
        std::vector<torch::Tensor> gtBoxes, matchedIdxs;
        for (size_t image = 0; image < proposals.size(); ++image) {
            TORCH_CHECK(targets[image].labels.scalar_type() == torch::kInt64,
                        "target labels must be int64");
            gtBoxes.push_back(targets[image].boxes.to(dtype));
            // add_gt_proposals: the ground truth is always among the candidates.
            proposals[image] = torch::cat({proposals[image], gtBoxes.back()});
        }
        // assign_targets_to_proposals
        for (size_t image = 0; image < proposals.size(); ++image) {
            const auto count = proposals[image].size(0);
            if (gtBoxes[image].numel() == 0) {
                const auto options = torch::TensorOptions().dtype(torch::kInt64).device(device);
                matchedIdxs.push_back(torch::zeros({count}, options));
                labels.push_back(torch::zeros({count}, options));
                continue;
            }
            const torch::Tensor matched = m_matcher(boxIou(gtBoxes[image], proposals[image]));
            const torch::Tensor clamped = matched.clamp_min(0);
            torch::Tensor imageLabels = targets[image].labels.index({clamped}).to(torch::kInt64);
            imageLabels.index_put_({matched == Matcher::kBelowLowThreshold}, 0);
            imageLabels.index_put_({matched == Matcher::kBetweenThresholds}, -1);
            matchedIdxs.push_back(clamped);
            labels.push_back(imageLabels);
        }
        // subsample
        const auto [positiveMasks, negativeMasks] = m_sampler(labels);
        std::vector<torch::Tensor> matchedGtBoxes;
        for (size_t image = 0; image < proposals.size(); ++image) {
            const torch::Tensor sampled =
                torch::where(positiveMasks[image].logical_or(negativeMasks[image]))[0];
            proposals[image] = proposals[image].index({sampled});
            labels[image] = labels[image].index({sampled});
            matchedIdxs[image] = matchedIdxs[image].index({sampled});
            torch::Tensor imageGt = gtBoxes[image];
            if (imageGt.numel() == 0) {
                imageGt = torch::zeros({1, 4}, torch::TensorOptions().dtype(dtype).device(device));
            }
            matchedGtBoxes.push_back(imageGt.index({matchedIdxs[image]}));
        }
        regressionTargets = m_boxCoder.encode(matchedGtBoxes, proposals);
    }

    const torch::Tensor boxFeatures =
        m_boxHead->forward(m_boxRoiPool(features, proposals, imageSizes));
    auto [classLogits, boxRegression] = m_predictor->forward(boxFeatures);
    output.regions = proposals;
    output.classLogits = classLogits;
    output.boxRegression = boxRegression;

    if (training) {
        // fastrcnn_loss
        const torch::Tensor allLabels = torch::cat(labels, 0);
        const torch::Tensor allTargets = torch::cat(regressionTargets, 0);
        const torch::Tensor classificationLoss = torch::cross_entropy_loss(classLogits, allLabels);
        const torch::Tensor positive = torch::where(allLabels > 0)[0];
        const torch::Tensor positiveLabels = allLabels.index({positive});
        const int64_t n = classLogits.size(0);
        const torch::Tensor regression = boxRegression.reshape({n, boxRegression.size(-1) / 4, 4});
        const torch::Tensor boxLoss =
            torch::smooth_l1_loss(regression.index({positive, positiveLabels}),
                                  allTargets.index({positive}), at::Reduction::Sum, 1.0 / 9) /
            allLabels.numel();
        output.losses["loss_classifier"] = classificationLoss;
        output.losses["loss_box_reg"] = boxLoss;
    } else {
        output.detections = postprocess(classLogits, boxRegression, proposals, imageSizes);
    }
    return output;
}

std::vector<Detections> RoiHeadsImpl::postprocess(
    const torch::Tensor& classLogits, const torch::Tensor& boxRegression,
    const std::vector<torch::Tensor>& proposals,
    const std::vector<std::array<int64_t, 2>>& imageSizes) {
    const int64_t numClasses = classLogits.size(-1);
    std::vector<int64_t> boxesPerImage;
    for (const auto& p : proposals) boxesPerImage.push_back(p.size(0));
    const torch::Tensor predBoxes = m_boxCoder.decode(boxRegression, proposals);
    const torch::Tensor predScores = torch::softmax(classLogits, -1);
    const auto boxesList = predBoxes.split_with_sizes(boxesPerImage, 0);
    const auto scoresList = predScores.split_with_sizes(boxesPerImage, 0);
    std::vector<Detections> detections;
    for (size_t image = 0; image < proposals.size(); ++image) {
        torch::Tensor boxes = clipBoxesToImage(boxesList[image], imageSizes[image]);
        torch::Tensor scores = scoresList[image];
        torch::Tensor labels =
            torch::arange(numClasses,
                          torch::TensorOptions().dtype(torch::kInt64).device(scores.device()))
                .view({1, -1})
                .expand_as(scores);
        // Every class but the background is a candidate of its own.
        boxes = boxes.slice(1, 1).reshape({-1, 4});
        scores = scores.slice(1, 1).reshape(-1);
        labels = labels.slice(1, 1).reshape(-1);
        torch::Tensor keep = torch::where(scores > m_options.scoreThresh)[0];
        boxes = boxes.index({keep});
        scores = scores.index({keep});
        labels = labels.index({keep});
        keep = removeSmallBoxes(boxes, 1e-2);
        boxes = boxes.index({keep});
        scores = scores.index({keep});
        labels = labels.index({keep});
        keep = batchedNms(boxes, scores, labels, m_options.nmsThresh)
                   .slice(0, 0, m_options.detectionsPerImage);
        detections.push_back({boxes.index({keep}), scores.index({keep}), labels.index({keep})});
    }
    return detections;
}

}  // namespace fovea::core::detection
