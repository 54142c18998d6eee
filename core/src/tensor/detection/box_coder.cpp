// The R-CNN box parameterisation as torchvision/models/detection/_utils.py computes it
// (encode_boxes, BoxCoder.decode_single), operation for operation.
#include <torch/torch.h>

#include "fovea/core/detection/box_ops.h"

namespace fovea::core::detection {
namespace {

void checkCoderBoxes(const torch::Tensor& boxes, const char* what) {
    TORCH_CHECK(boxes.dim() == 2 && boxes.size(1) == 4, "BoxCoder: ", what, " must be [N, 4], got ",
                boxes.sizes());
}

}  // namespace

BoxCoder::BoxCoder(std::array<double, 4> weights, double bboxXformClip)
    : m_weights(weights), m_bboxXformClip(bboxXformClip) {}

torch::Tensor BoxCoder::encodeSingle(const torch::Tensor& referenceBoxes,
                                     const torch::Tensor& proposals) const {
    checkCoderBoxes(referenceBoxes, "reference boxes");
    checkCoderBoxes(proposals, "proposals");
    TORCH_CHECK(referenceBoxes.size(0) == proposals.size(0),
                "BoxCoder: as many reference boxes as proposals needed, got ",
                referenceBoxes.size(0), " and ", proposals.size(0));
    // torchvision makes the weights a tensor of the reference boxes' dtype first.
    const torch::Tensor weights =
        torch::tensor({m_weights[0], m_weights[1], m_weights[2], m_weights[3]},
                      referenceBoxes.options().dtype(torch::kFloat64))
            .to(referenceBoxes.options());
    const auto column = [](const torch::Tensor& boxes, int64_t i) {
        return boxes.select(1, i).unsqueeze(1);
    };
    const torch::Tensor exWidths = column(proposals, 2) - column(proposals, 0);
    const torch::Tensor exHeights = column(proposals, 3) - column(proposals, 1);
    const torch::Tensor exCentreX = column(proposals, 0) + 0.5 * exWidths;
    const torch::Tensor exCentreY = column(proposals, 1) + 0.5 * exHeights;

    const torch::Tensor gtWidths = column(referenceBoxes, 2) - column(referenceBoxes, 0);
    const torch::Tensor gtHeights = column(referenceBoxes, 3) - column(referenceBoxes, 1);
    const torch::Tensor gtCentreX = column(referenceBoxes, 0) + 0.5 * gtWidths;
    const torch::Tensor gtCentreY = column(referenceBoxes, 1) + 0.5 * gtHeights;

    const torch::Tensor dx = weights[0] * (gtCentreX - exCentreX) / exWidths;
    const torch::Tensor dy = weights[1] * (gtCentreY - exCentreY) / exHeights;
    const torch::Tensor dw = weights[2] * torch::log(gtWidths / exWidths);
    const torch::Tensor dh = weights[3] * torch::log(gtHeights / exHeights);
    return torch::cat({dx, dy, dw, dh}, 1);
}

std::vector<torch::Tensor> BoxCoder::encode(const std::vector<torch::Tensor>& referenceBoxes,
                                            const std::vector<torch::Tensor>& proposals) const {
    TORCH_CHECK(!referenceBoxes.empty() && referenceBoxes.size() == proposals.size(),
                "BoxCoder: one list entry per image needed in both lists");
    std::vector<int64_t> perImage;
    for (const auto& boxes : referenceBoxes) perImage.push_back(boxes.size(0));
    return encodeSingle(torch::cat(referenceBoxes, 0), torch::cat(proposals, 0))
        .split_with_sizes(perImage, 0);
}

torch::Tensor BoxCoder::decodeSingle(const torch::Tensor& relCodes,
                                     const torch::Tensor& boxes) const {
    checkCoderBoxes(boxes, "boxes");
    TORCH_CHECK(
        relCodes.dim() == 2 && relCodes.size(1) % 4 == 0 && relCodes.size(0) == boxes.size(0),
        "BoxCoder: codes must be [N, 4 * K] for boxes [N, 4], got ", relCodes.sizes(), " and ",
        boxes.sizes());
    using torch::indexing::None;
    using torch::indexing::Slice;
    const torch::Tensor reference = boxes.to(relCodes.scalar_type());
    const torch::Tensor widths = reference.select(1, 2) - reference.select(1, 0);
    const torch::Tensor heights = reference.select(1, 3) - reference.select(1, 1);
    const torch::Tensor centreX = reference.select(1, 0) + 0.5 * widths;
    const torch::Tensor centreY = reference.select(1, 1) + 0.5 * heights;

    const auto every4th = [&](int64_t start) {
        return relCodes.index({Slice(), Slice(start, None, 4)});
    };
    const torch::Tensor dx = every4th(0) / m_weights[0];
    const torch::Tensor dy = every4th(1) / m_weights[1];
    // Keeps exp() finite for wild predictions early in training.
    const torch::Tensor dw = torch::clamp_max(every4th(2) / m_weights[2], m_bboxXformClip);
    const torch::Tensor dh = torch::clamp_max(every4th(3) / m_weights[3], m_bboxXformClip);

    const torch::Tensor predCentreX = dx * widths.unsqueeze(1) + centreX.unsqueeze(1);
    const torch::Tensor predCentreY = dy * heights.unsqueeze(1) + centreY.unsqueeze(1);
    const torch::Tensor predWidths = torch::exp(dw) * widths.unsqueeze(1);
    const torch::Tensor predHeights = torch::exp(dh) * heights.unsqueeze(1);
    const torch::Tensor halfHeights = 0.5 * predHeights;
    const torch::Tensor halfWidths = 0.5 * predWidths;
    return torch::stack({predCentreX - halfWidths, predCentreY - halfHeights,
                         predCentreX + halfWidths, predCentreY + halfHeights},
                        2)
        .flatten(1);
}

torch::Tensor BoxCoder::decode(const torch::Tensor& relCodes,
                               const std::vector<torch::Tensor>& boxes) const {
    int64_t total = 0;
    for (const auto& each : boxes) total += each.size(0);
    const torch::Tensor reference = torch::cat(boxes, 0);
    if (total == 0) return decodeSingle(relCodes, reference);
    return decodeSingle(relCodes.reshape({total, -1}), reference).reshape({total, -1, 4});
}

}  // namespace fovea::core::detection
