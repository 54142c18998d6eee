// Non-maximum suppression with torchvision's semantics (torchvision/ops/boxes.py nms and
// batched_nms; its CPU kernel csrc/ops/cpu/nms_kernel.cpp): same visiting order, same IoU
// arithmetic, same strict comparison, so the kept indices are identical, ties included.
#include <ATen/Dispatch.h>
#include <torch/torch.h>

#include <algorithm>
#include <vector>

#include "fovea/core/detection/box_ops.h"

namespace fovea::core::detection {
namespace {

// The greedy loop over boxes sorted by decreasing score. Per kept box, the IoU with every later
// box not yet suppressed, computed as the kernel does: intersection from the clamped overlap,
// union as (area_i + area_j) - intersection in the boxes' precision, compared with the
// threshold in double.
template <typename T>
std::vector<int64_t> greedySuppression(const torch::Tensor& boxes, const torch::Tensor& order,
                                       double iouThreshold) {
    const int64_t count = boxes.size(0);
    const auto corners = boxes.accessor<T, 2>();
    const int64_t* visit = order.data_ptr<int64_t>();
    std::vector<T> areas(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
        areas[i] = (corners[i][2] - corners[i][0]) * (corners[i][3] - corners[i][1]);
    }
    std::vector<char> suppressed(static_cast<size_t>(count), 0);
    std::vector<int64_t> kept;
    for (int64_t a = 0; a < count; ++a) {
        const int64_t i = visit[a];
        if (suppressed[i]) continue;
        kept.push_back(i);
        const T x1 = corners[i][0], y1 = corners[i][1], x2 = corners[i][2], y2 = corners[i][3];
        for (int64_t b = a + 1; b < count; ++b) {
            const int64_t j = visit[b];
            if (suppressed[j]) continue;
            const T width =
                std::max(T(0), std::min(x2, corners[j][2]) - std::max(x1, corners[j][0]));
            const T height =
                std::max(T(0), std::min(y2, corners[j][3]) - std::max(y1, corners[j][1]));
            const T intersection = width * height;
            const T iou = intersection / (areas[i] + areas[j] - intersection);
            if (iou > iouThreshold) suppressed[j] = 1;
        }
    }
    return kept;
}

torch::Tensor coordinateTrickNms(const torch::Tensor& boxes, const torch::Tensor& scores,
                                 const torch::Tensor& classIdx, double iouThreshold) {
    // Shifting each class by more than the largest coordinate keeps classes from overlapping,
    // so one suppression serves them all (_batched_nms_coordinate_trick).
    const torch::Tensor maxCoordinate = boxes.max();
    const torch::Tensor offsets =
        classIdx.to(boxes.options()) * (maxCoordinate + torch::ones({}, boxes.options()));
    return nms(boxes + offsets.unsqueeze(1), scores, iouThreshold);
}

torch::Tensor perClassNms(const torch::Tensor& boxes, const torch::Tensor& scores,
                          const torch::Tensor& classIdx, double iouThreshold) {
    // Many boxes: one suppression per class (_batched_nms_vanilla, after Detectron2), then all
    // kept boxes by decreasing score.
    torch::Tensor keepMask = torch::zeros_like(scores, scores.options().dtype(torch::kBool));
    const torch::Tensor classes = std::get<0>(torch::_unique(classIdx));
    const int64_t classCount = classes.size(0);
    for (int64_t c = 0; c < classCount; ++c) {
        const torch::Tensor members = torch::where(classIdx == classes[c])[0];
        const torch::Tensor keptInClass =
            nms(boxes.index_select(0, members), scores.index_select(0, members), iouThreshold);
        keepMask.index_put_({members.index_select(0, keptInClass)}, true);
    }
    const torch::Tensor keptIndices = torch::where(keepMask)[0];
    const torch::Tensor byScore =
        std::get<1>(scores.index_select(0, keptIndices).sort(0, /*descending=*/true));
    return keptIndices.index_select(0, byScore);
}

}  // namespace

torch::Tensor nms(const torch::Tensor& boxes, const torch::Tensor& scores, double iouThreshold) {
    TORCH_CHECK(boxes.dim() == 2 && boxes.size(1) == 4, "nms: boxes must be [N, 4], got ",
                boxes.sizes());
    TORCH_CHECK(scores.dim() == 1 && scores.size(0) == boxes.size(0),
                "nms: scores must be [N] for boxes [N, 4], got ", scores.sizes(), " and ",
                boxes.sizes());
    TORCH_CHECK(boxes.is_floating_point() && boxes.scalar_type() == scores.scalar_type(),
                "nms: boxes and scores must share one floating dtype");
    const auto indexOptions = boxes.options().dtype(torch::kInt64);
    if (boxes.numel() == 0) return torch::empty({0}, indexOptions);

    const torch::Tensor cpuBoxes = boxes.detach().to(torch::kCPU).contiguous();
    const torch::Tensor cpuScores = scores.detach().to(torch::kCPU);
    // The kernel's order: a stable sort by decreasing score, so equal scores are visited by
    // increasing index (torchvision 0.14's nms_kernel.cpp; checked against it with tied scores).
    const torch::Tensor order =
        std::get<1>(cpuScores.sort(/*stable=*/true, 0, /*descending=*/true)).contiguous();
    std::vector<int64_t> kept;
    AT_DISPATCH_FLOATING_TYPES(cpuBoxes.scalar_type(), "fovea_nms", [&] {
        kept = greedySuppression<scalar_t>(cpuBoxes, order, iouThreshold);
    });
    return torch::tensor(kept, torch::kInt64).to(boxes.device());
}

torch::Tensor batchedNms(const torch::Tensor& boxes, const torch::Tensor& scores,
                         const torch::Tensor& classIdx, double iouThreshold) {
    TORCH_CHECK(classIdx.dim() == 1 && classIdx.size(0) == boxes.size(0),
                "batchedNms: classIdx must be [N] for boxes [N, 4], got ", classIdx.sizes(),
                " and ", boxes.sizes());
    // torchvision's switch between its two strategies (benchmarks in pytorch/vision#1311); kept
    // so that results match it exactly in both regimes.
    const int64_t trickLimit = boxes.device().is_cpu() ? 4000 : 20000;
    if (boxes.numel() > trickLimit) return perClassNms(boxes, scores, classIdx, iouThreshold);
    if (boxes.numel() == 0) return torch::empty({0}, boxes.options().dtype(torch::kInt64));
    return coordinateTrickNms(boxes, scores, classIdx, iouThreshold);
}

}  // namespace fovea::core::detection
