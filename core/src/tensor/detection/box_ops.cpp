// Box geometry as torchvision/ops/boxes.py computes it (box_area, box_iou, clip_boxes_to_image,
// remove_small_boxes), with the same arithmetic order so results agree to the last bit.
#include <torch/torch.h>

#include "fovea/core/detection/box_ops.h"

namespace fovea::core::detection {
namespace {

void checkBoxes(const torch::Tensor& boxes, const char* what) {
    TORCH_CHECK(boxes.dim() == 2 && boxes.size(1) == 4, what, ": boxes must be [N, 4], got ",
                boxes.sizes());
}

// torchvision's _upcast: half-precision boxes are measured in float32 so areas do not overflow.
torch::Tensor upcast(const torch::Tensor& boxes) {
    if (boxes.is_floating_point()) {
        const auto type = boxes.scalar_type();
        return type == torch::kFloat32 || type == torch::kFloat64 ? boxes
                                                                  : boxes.to(torch::kFloat32);
    }
    const auto type = boxes.scalar_type();
    return type == torch::kInt32 || type == torch::kInt64 ? boxes : boxes.to(torch::kInt32);
}

}  // namespace

torch::Tensor boxArea(const torch::Tensor& boxes) {
    checkBoxes(boxes, "boxArea");
    const torch::Tensor wide = upcast(boxes);
    return (wide.select(1, 2) - wide.select(1, 0)) * (wide.select(1, 3) - wide.select(1, 1));
}

torch::Tensor boxIou(const torch::Tensor& boxes1, const torch::Tensor& boxes2) {
    checkBoxes(boxes1, "boxIou");
    checkBoxes(boxes2, "boxIou");
    using torch::indexing::None;
    using torch::indexing::Slice;
    const torch::Tensor area1 = boxArea(boxes1);
    const torch::Tensor area2 = boxArea(boxes2);
    const torch::Tensor leftTop = torch::max(boxes1.index({Slice(), None, Slice(None, 2)}),
                                             boxes2.index({Slice(), Slice(None, 2)}));
    const torch::Tensor rightBottom = torch::min(boxes1.index({Slice(), None, Slice(2, None)}),
                                                 boxes2.index({Slice(), Slice(2, None)}));
    const torch::Tensor sides = upcast(rightBottom - leftTop).clamp_min(0);  // [N, M, 2]
    const torch::Tensor intersection = sides.select(2, 0) * sides.select(2, 1);
    const torch::Tensor unionArea = area1.unsqueeze(1) + area2 - intersection;
    return intersection / unionArea;
}

torch::Tensor clipBoxesToImage(const torch::Tensor& boxes, std::array<int64_t, 2> imageSize) {
    TORCH_CHECK(boxes.dim() >= 1 && boxes.size(-1) == 4,
                "clipBoxesToImage: boxes must be [..., 4], got ", boxes.sizes());
    using torch::indexing::Ellipsis;
    using torch::indexing::None;
    using torch::indexing::Slice;
    const auto [height, width] = imageSize;
    const torch::Tensor x = boxes.index({Ellipsis, Slice(0, None, 2)}).clamp(0, width);
    const torch::Tensor y = boxes.index({Ellipsis, Slice(1, None, 2)}).clamp(0, height);
    return torch::stack({x, y}, boxes.dim()).reshape(boxes.sizes());
}

torch::Tensor removeSmallBoxes(const torch::Tensor& boxes, double minSize) {
    checkBoxes(boxes, "removeSmallBoxes");
    const torch::Tensor widths = boxes.select(1, 2) - boxes.select(1, 0);
    const torch::Tensor heights = boxes.select(1, 3) - boxes.select(1, 1);
    return torch::where(widths.ge(minSize).logical_and(heights.ge(minSize)))[0];
}

}  // namespace fovea::core::detection
