#include "detection_torchscript_source.h"

#include <cctype>
#include <cstdio>
#include <map>
#include <sstream>
#include <utility>

#include <c10/core/ScalarType.h>

#include "script_printing.h"

namespace fovea::core::exporting {
namespace {

// The methods, with {NAME} placeholders for the model's sizes and thresholds. Comments name the
// in-app code each method mirrors; the order and precision of every operation is that code's
// (which in turn is torchvision's), so keep them in step.
//
// LibTorch 2.x's profiling executor hands element-wise chains to its TensorExpr fuser once a
// method has been profiled (its first call). The fused kernels round otherwise than ATen: a * b + c
// becomes one fused multiply-add, and exp and log2 are its own. So every product that feeds a sum
// is an out= product (unfused_product), exp writes to an out= tensor (neither is fusible), scale
// exponents are found in scalar arithmetic, and the pyramid level is a comparison with exact
// thresholds rather than a floor of a log2. The detections are then the in-app model's on
// every call, fused or not.
constexpr const char* kSource = R"SCRIPT(
def normalize_image(self, image: Tensor) -> Tensor:
    # GeneralizedRcnnTransform::normalize
    mean = torch.tensor({MEAN}, dtype=image.dtype, device=image.device)
    std = torch.tensor({STD}, dtype=image.dtype, device=image.device)
    return (image - mean[:, None, None]) / std[:, None, None]

def resize_image(self, image: Tensor) -> Tensor:
    # GeneralizedRcnnTransform::resize: the scale in float32 as reciprocal(side) * size, the
    # output size floored from it in double (interpolate with recompute_scale_factor=True).
    height = image.size(-2)
    width = image.size(-1)
    shorter = torch.tensor(float(min(height, width)), dtype=torch.float32)
    longer = torch.tensor(float(max(height, width)), dtype=torch.float32)
    scale = torch.min(torch.reciprocal(shorter) * {MIN_SIZE}, torch.reciprocal(longer) * {MAX_SIZE})
    factor = float(scale.item())
    out_height = int(float(height) * factor)
    out_width = int(float(width) * factor)
    return torch.upsample_bilinear2d(image.unsqueeze(0), [out_height, out_width], False, None, None)[0]

def transform(self, images: List[Tensor]) -> Tuple[Tensor, List[List[int]]]:
    # GeneralizedRcnnTransform::operator(): normalise, resize, zero-pad to a multiple of 32.
    resized: List[Tensor] = []
    sizes: List[List[int]] = []
    for image in images:
        assert image.dim() == 3 and image.size(0) == 3, "each image must be [3, H, W], RGB in [0, 1]"
        assert image.is_floating_point(), "images must be floating point, RGB in [0, 1]"
        out = self.resize_image(self.normalize_image(image))
        sizes.append([out.size(1), out.size(2)])
        resized.append(out)
    assert len(resized) > 0, "no images"
    height = 0
    width = 0
    for out in resized:
        height = max(height, out.size(1))
        width = max(width, out.size(2))
    height = (height + 31) // 32 * 32
    width = (width + 31) // 32 * 32
    batch = torch.zeros([len(resized), 3, height, width], dtype=resized[0].dtype, device=resized[0].device)
    for i in range(len(resized)):
        out = resized[i]
        batch[i, :, :out.size(1), :out.size(2)].copy_(out)
    return batch, sizes

{FPN}
def rpn_head(self, features: List[Tensor]) -> Tuple[List[Tensor], List[Tensor]]:
    # RpnHeadImpl::forward
    logits: List[Tensor] = []
    deltas: List[Tensor] = []
    for feature in features:
        t = torch.relu(torch.conv2d(feature, self.rpn_head_conv_0_0_weight, self.rpn_head_conv_0_0_bias, [1, 1], [1, 1], [1, 1], 1))
        logits.append(torch.conv2d(t, self.rpn_head_cls_logits_weight, self.rpn_head_cls_logits_bias, [1, 1], [0, 0], [1, 1], 1))
        deltas.append(torch.conv2d(t, self.rpn_head_bbox_pred_weight, self.rpn_head_bbox_pred_bias, [1, 1], [0, 0], [1, 1], 1))
    return logits, deltas

def anchors(self, batch: Tensor, features: List[Tensor]) -> Tensor:
    # AnchorGenerator::operator(): every cell anchor shifted to every cell (int32 shifts).
    cells = {CELL_ANCHORS}
    per_level: List[Tensor] = []
    for level in range(len(features)):
        feature = features[level]
        grid_height = feature.size(-2)
        grid_width = feature.size(-1)
        stride_height = batch.size(2) // grid_height
        stride_width = batch.size(3) // grid_width
        base = cells[level].to(dtype=feature.dtype, device=feature.device)
        shifts_x = torch.arange(0, grid_width, dtype=torch.int32, device=feature.device) * stride_width
        shifts_y = torch.arange(0, grid_height, dtype=torch.int32, device=feature.device) * stride_height
        grid = torch.meshgrid([shifts_y, shifts_x], indexing="ij")
        shift_y = grid[0].reshape([-1])
        shift_x = grid[1].reshape([-1])
        shifts = torch.stack([shift_x, shift_y, shift_x, shift_y], 1)
        per_level.append((shifts.view([-1, 1, 4]) + base.view([1, -1, 4])).reshape([-1, 4]))
    return torch.cat(per_level)

def unfused_product(self, a: Tensor, b: Tensor) -> Tensor:
    # a * b rounded on its own, as ATen does, even where a sum follows (see the note above).
    out = torch.empty([0], dtype=a.dtype, device=a.device)
    torch.mul(a, b, out=out)
    return out

def decode_boxes(self, rel_codes: Tensor, boxes: Tensor, wx: float, wy: float, ww: float, wh: float) -> Tensor:
    # BoxCoder::decodeSingle: codes [N, 4K] relative to boxes [N, 4] -> [N, 4K].
    reference = boxes.to(rel_codes.dtype)
    widths = reference[:, 2] - reference[:, 0]
    heights = reference[:, 3] - reference[:, 1]
    centre_x = reference[:, 0] + 0.5 * widths
    centre_y = reference[:, 1] + 0.5 * heights
    dx = rel_codes[:, 0::4] / wx
    dy = rel_codes[:, 1::4] / wy
    dw = torch.clamp_max(rel_codes[:, 2::4] / ww, {XFORM_CLIP})
    dh = torch.clamp_max(rel_codes[:, 3::4] / wh, {XFORM_CLIP})
    pred_centre_x = self.unfused_product(dx, widths.unsqueeze(1)) + centre_x.unsqueeze(1)
    pred_centre_y = self.unfused_product(dy, heights.unsqueeze(1)) + centre_y.unsqueeze(1)
    exp_dw = torch.empty([0], dtype=dw.dtype, device=dw.device)
    torch.exp(dw, out=exp_dw)
    exp_dh = torch.empty([0], dtype=dh.dtype, device=dh.device)
    torch.exp(dh, out=exp_dh)
    pred_widths = exp_dw * widths.unsqueeze(1)
    pred_heights = exp_dh * heights.unsqueeze(1)
    half_heights = 0.5 * pred_heights
    half_widths = 0.5 * pred_widths
    return torch.stack([pred_centre_x - half_widths, pred_centre_y - half_heights, pred_centre_x + half_widths, pred_centre_y + half_heights], 2).flatten(1)

def clip_boxes(self, boxes: Tensor, size: List[int]) -> Tensor:
    # clipBoxesToImage; size is (height, width).
    x = boxes[..., 0::2].clamp(0, size[1])
    y = boxes[..., 1::2].clamp(0, size[0])
    return torch.stack([x, y], boxes.dim()).reshape(boxes.shape)

def remove_small_boxes(self, boxes: Tensor, min_size: float) -> Tensor:
    widths = boxes[:, 2] - boxes[:, 0]
    heights = boxes[:, 3] - boxes[:, 1]
    return torch.where(widths.ge(min_size).logical_and(heights.ge(min_size)))[0]

def nms(self, boxes: Tensor, scores: Tensor, threshold: float) -> Tensor:
    # torchvision's CPU kernel (nms.cpp here): boxes by decreasing score (stable), each kept box
    # suppresses the later ones whose IoU, computed in the boxes' precision as
    # intersection / ((area_i + area_j) - intersection), exceeds the threshold in double.
    # The greedy pass is the one solution of keep[j] = no kept i < j overlaps j, found here by
    # iterating that rule over the whole IoU matrix from "all kept" until nothing changes (each
    # round fixes at least the next box in order; a handful of rounds in practice), instead of a
    # loop of box after box in the interpreter.
    if boxes.size(0) == 0:
        return torch.empty([0], dtype=torch.int64, device=boxes.device)
    order = torch.sort(scores, stable=True, dim=0, descending=True)[1]
    ordered = boxes.index_select(0, order)
    x1 = ordered[:, 0]
    y1 = ordered[:, 1]
    x2 = ordered[:, 2]
    y2 = ordered[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    width = (torch.min(x2.unsqueeze(1), x2.unsqueeze(0)) - torch.max(x1.unsqueeze(1), x1.unsqueeze(0))).clamp_min(0)
    height = (torch.min(y2.unsqueeze(1), y2.unsqueeze(0)) - torch.max(y1.unsqueeze(1), y1.unsqueeze(0))).clamp_min(0)
    intersection = width * height
    iou = intersection / (areas.unsqueeze(1) + areas.unsqueeze(0) - intersection)
    overlaps = (iou.to(torch.float64) > threshold).triu(1)
    keep = torch.ones([ordered.size(0)], dtype=torch.bool, device=boxes.device)
    while True:
        updated = overlaps.logical_and(keep.unsqueeze(1)).any(0).logical_not()
        if torch.equal(updated, keep):
            break
        keep = updated
    return order[keep]

def batched_nms(self, boxes: Tensor, scores: Tensor, idxs: Tensor, threshold: float) -> Tensor:
    # batchedNms: torchvision's two strategies and its switch between them (4000 coordinates on
    # the CPU, 20000 on a GPU).
    if boxes.numel() > (20000 if boxes.is_cuda else 4000):
        keep_mask = torch.zeros_like(scores, dtype=torch.bool)
        for c in range(int(idxs.max()) + 1):
            members = torch.where(idxs == c)[0]
            kept = self.nms(boxes.index_select(0, members), scores.index_select(0, members), threshold)
            keep_mask.index_fill_(0, members.index_select(0, kept), 1)
        keep_indices = torch.where(keep_mask)[0]
        by_score = torch.sort(scores.index_select(0, keep_indices), 0, True)[1]
        return keep_indices.index_select(0, by_score)
    if boxes.numel() == 0:
        return torch.empty([0], dtype=torch.int64, device=boxes.device)
    max_coordinate = boxes.max()
    offsets = idxs.to(boxes.dtype) * (max_coordinate + torch.ones([], dtype=boxes.dtype, device=boxes.device))
    return self.nms(boxes + offsets.unsqueeze(1), scores, threshold)

def rpn(self, batch: Tensor, sizes: List[List[int]], features: List[Tensor]) -> List[Tensor]:
    # RegionProposalNetworkImpl::forward in evaluation: proposals per image.
    objectness_per_level, deltas_per_level = self.rpn_head(features)
    anchors = self.anchors(batch, features)
    num_images = batch.size(0)
    counts: List[int] = []
    flat_objectness: List[Tensor] = []
    flat_deltas: List[Tensor] = []
    for level in range(len(objectness_per_level)):
        cls = objectness_per_level[level]
        reg = deltas_per_level[level]
        n = cls.size(0)
        h = cls.size(2)
        w = cls.size(3)
        a = reg.size(1) // 4
        c = cls.size(1) // a
        counts.append(cls.size(1) * h * w)
        flat_objectness.append(cls.view([n, -1, c, h, w]).permute([0, 3, 4, 1, 2]).reshape([n, -1, c]))
        flat_deltas.append(reg.view([n, -1, 4, h, w]).permute([0, 3, 4, 1, 2]).reshape([n, -1, 4]))
    objectness = torch.cat(flat_objectness, 1).flatten(0, -2)
    pred_deltas = torch.cat(flat_deltas, 1).reshape([-1, 4])
    references: List[Tensor] = []
    for i in range(num_images):
        references.append(anchors)
    reference = torch.cat(references, 0)
    total = reference.size(0)
    proposals = self.decode_boxes(pred_deltas.reshape([total, -1]), reference, 1.0, 1.0, 1.0, 1.0).reshape([total, -1, 4]).view([num_images, -1, 4])
    scores_all = objectness.reshape([num_images, -1])
    level_ids: List[Tensor] = []
    top_indices: List[Tensor] = []
    offset = 0
    for level in range(len(counts)):
        count = counts[level]
        level_ids.append(torch.full([count], level, dtype=torch.int64, device=batch.device))
        top = scores_all.narrow(1, offset, count).topk(min({RPN_PRE_NMS_TOP_N}, count), 1)[1]
        top_indices.append(top + offset)
        offset += count
    top_idx = torch.cat(top_indices, 1)
    levels = torch.cat(level_ids, 0).reshape([1, -1]).expand_as(scores_all)
    batch_idx = torch.arange(num_images, dtype=torch.int64, device=batch.device).unsqueeze(1)
    top_scores = torch.sigmoid(scores_all[batch_idx, top_idx])
    top_levels = levels[batch_idx, top_idx]
    top_boxes = proposals[batch_idx, top_idx]
    result: List[Tensor] = []
    for i in range(num_images):
        boxes = self.clip_boxes(top_boxes[i], sizes[i])
        scores = top_scores[i]
        lvl = top_levels[i]
        keep = self.remove_small_boxes(boxes, 1e-3)
        boxes = boxes[keep]
        scores = scores[keep]
        lvl = lvl[keep]
        keep = torch.where(scores >= {RPN_SCORE_THRESH})[0]
        boxes = boxes[keep]
        scores = scores[keep]
        lvl = lvl[keep]
        keep = self.batched_nms(boxes, scores, lvl, {RPN_NMS_THRESH})[:{RPN_POST_NMS_TOP_N}]
        result.append(boxes[keep])
    return result

def roi_axis(self, start: Tensor, bin_size: Tensor, size: int) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    # roi_align.cpp sampleAxis for sampling_ratio 2: per region, bin and sample along one axis,
    # the low and high neighbour and their weights ([K, 7, 2] each); samples more than a pixel
    # outside count 0, those within a pixel are clamped, those at the last pixel take it alone.
    bins = torch.arange(7, dtype=start.dtype, device=start.device).view([1, 7, 1])
    samples = (torch.arange(2, dtype=start.dtype, device=start.device) + 0.5).view([1, 1, 2])
    bin3 = bin_size.view([-1, 1, 1])
    position = (start.view([-1, 1, 1]) + self.unfused_product(bins, bin3)) + samples * bin3 / 2.0
    counted = position.ge(-1.0).logical_and(position.le(size))
    clamped = torch.where(counted, position, torch.zeros_like(position)).clamp_min(0)
    floor = clamped.floor().to(torch.int64)
    at_edge = floor >= size - 1
    low = floor.clamp_max(size - 1)
    high = (floor + 1).clamp_max(size - 1)
    high_weight = (clamped - low.to(start.dtype)).masked_fill(at_edge, 0).masked_fill(counted.logical_not(), 0)
    low_weight = (1 - high_weight).masked_fill(counted.logical_not(), 0)
    return low, high, low_weight, high_weight

def roi_align(self, feature: Tensor, rois: Tensor, spatial_scale: float) -> Tensor:
    # torchvision's roi_align(output 7 x 7, sampling_ratio 2, aligned=False) as its CPU kernel
    # sums: per bin, output = 0, then += ((w1 v1 + w2 v2) + w3 v3) + w4 v4 for the samples
    # (iy outer, ix inner), then / 4. rois [K, 5] (image index, x1, y1, x2, y2).
    count = rois.size(0)
    channels = feature.size(1)
    height = feature.size(2)
    width = feature.size(3)
    if count == 0:
        return torch.zeros([0, channels, 7, 7], dtype=feature.dtype, device=feature.device)
    regions = rois.to(feature.dtype)
    scale = torch.full([], spatial_scale, dtype=feature.dtype, device=feature.device)
    batch_index = regions[:, 0].to(torch.int64)
    start_x = regions[:, 1] * scale - 0.0
    start_y = regions[:, 2] * scale - 0.0
    end_x = regions[:, 3] * scale - 0.0
    end_y = regions[:, 4] * scale - 0.0
    bin_height = (end_y - start_y).clamp_min(1) / 7
    bin_width = (end_x - start_x).clamp_min(1) / 7
    y_low, y_high, y_low_weight, y_high_weight = self.roi_axis(start_y, bin_height, height)
    x_low, x_high, x_low_weight, x_high_weight = self.roi_axis(start_x, bin_width, width)
    rows = feature.permute([0, 2, 3, 1]).reshape([-1, channels])
    pooled: List[Tensor] = []
    # Blocks of 16 regions keep each gathered neighbour near 3 MB for 256 channels (cache-sized,
    # as the in-app kernel's blocks); in-place products and sums, each rounded as the kernel's.
    for first in range(0, count, 16):
        n = min(16, count - first)
        base = (batch_index.narrow(0, first, n) * (height * width)).view([n, 1, 1, 1, 1])
        yl = y_low.narrow(0, first, n).view([n, 7, 1, 2, 1]) * width
        yh = y_high.narrow(0, first, n).view([n, 7, 1, 2, 1]) * width
        xl = x_low.narrow(0, first, n).view([n, 1, 7, 1, 2])
        xh = x_high.narrow(0, first, n).view([n, 1, 7, 1, 2])
        ylw = y_low_weight.narrow(0, first, n).view([n, 7, 1, 2, 1])
        yhw = y_high_weight.narrow(0, first, n).view([n, 7, 1, 2, 1])
        xlw = x_low_weight.narrow(0, first, n).view([n, 1, 7, 1, 2])
        xhw = x_high_weight.narrow(0, first, n).view([n, 1, 7, 1, 2])
        terms = rows.index_select(0, (base + yl + xl).reshape([-1])).view([n, 7, 7, 2, 2, channels]).mul_((ylw * xlw).unsqueeze(-1))
        terms.add_(rows.index_select(0, (base + yl + xh).reshape([-1])).view([n, 7, 7, 2, 2, channels]).mul_((ylw * xhw).unsqueeze(-1)))
        terms.add_(rows.index_select(0, (base + yh + xl).reshape([-1])).view([n, 7, 7, 2, 2, channels]).mul_((yhw * xlw).unsqueeze(-1)))
        terms.add_(rows.index_select(0, (base + yh + xh).reshape([-1])).view([n, 7, 7, 2, 2, channels]).mul_((yhw * xhw).unsqueeze(-1)))
        total = terms[:, :, :, 0, 0] + 0.0
        total.add_(terms[:, :, :, 0, 1])
        total.add_(terms[:, :, :, 1, 0])
        total.add_(terms[:, :, :, 1, 1])
        pooled.append(total.div_(4.0).permute([0, 3, 1, 2]))
    return torch.cat(pooled, 0)

def box_roi_pool(self, features: List[Tensor], proposals: List[Tensor], sizes: List[List[int]]) -> Tensor:
    # MultiScaleRoiAlign: the scale of each map from the tallest image (2 to the rounded log2 of
    # the ratio), FPN's level mapping (LevelMapper: canonical 224 px at level 4, eps 1e-6) when
    # there are several maps.
    maps = features[:{ROI_MAPS}]
    largest_height = 0
    for size in sizes:
        largest_height = max(largest_height, size[0])
    exponents: List[int] = []
    scales: List[float] = []
    for feature in maps:
        ratio = float(feature.size(-2)) / float(largest_height)
        exponent = 0
        while ratio < 2.0 ** (float(exponent) - 0.5):
            exponent -= 1
        while ratio >= 2.0 ** (float(exponent) + 0.5):
            exponent += 1
        exponents.append(exponent)
        scales.append(2.0 ** float(exponent))
    with_index: List[Tensor] = []
    for i in range(len(proposals)):
        boxes = proposals[i]
        with_index.append(torch.cat([torch.full([boxes.size(0), 1], float(i), dtype=boxes.dtype, device=boxes.device), boxes], 1))
    rois = torch.cat(with_index, 0)
    if len(maps) == 1:
        return self.roi_align(maps[0], rois, scales[0])
    k_min = -exponents[0]
    k_max = -exponents[-1]
    areas: List[Tensor] = []
    for boxes in proposals:
        areas.append((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))
    sides = torch.sqrt(torch.cat(areas))
    steps: List[float] = []
    for k in range(k_min + 1, k_max + 1):
        steps.append(224.0 * 2.0 ** (float(k - 4) - 1e-6))
    levels = torch.bucketize(sides, torch.tensor(steps, dtype=sides.dtype, device=sides.device), right=True)
    result = torch.zeros([rois.size(0), maps[0].size(1), 7, 7], dtype=maps[0].dtype, device=maps[0].device)
    for level in range(len(maps)):
        in_level = torch.where(levels == level)[0]
        pooled = self.roi_align(maps[level], rois.index_select(0, in_level), scales[level])
        result.index_copy_(0, in_level, pooled.to(result.dtype))
    return result

def box_head(self, regions: Tensor) -> Tuple[Tensor, Tensor]:
    # TwoMlpHead and FastRcnnPredictor: class logits [R, C] and per-class deltas [R, 4C].
    x = torch.relu(torch.linear(regions.flatten(1), self.roi_heads_box_head_fc6_weight, self.roi_heads_box_head_fc6_bias))
    x = torch.relu(torch.linear(x, self.roi_heads_box_head_fc7_weight, self.roi_heads_box_head_fc7_bias))
    flat = x.flatten(1)
    return torch.linear(flat, self.roi_heads_box_predictor_cls_score_weight, self.roi_heads_box_predictor_cls_score_bias), torch.linear(flat, self.roi_heads_box_predictor_bbox_pred_weight, self.roi_heads_box_predictor_bbox_pred_bias)

def roi_heads(self, features: List[Tensor], proposals: List[Tensor], sizes: List[List[int]]) -> Tuple[List[Tensor], List[Tensor], List[Tensor]]:
    # RoiHeadsImpl::forward and postprocess in evaluation: softmax, decode, clip, every class but
    # the background a candidate, score threshold, small boxes, NMS per class, top detections.
    class_logits, box_regression = self.box_head(self.box_roi_pool(features, proposals, sizes))
    counts: List[int] = []
    total = 0
    for p in proposals:
        counts.append(p.size(0))
        total += p.size(0)
    all_boxes: List[Tensor] = []
    all_scores: List[Tensor] = []
    all_labels: List[Tensor] = []
    if total == 0:
        for p in proposals:
            all_boxes.append(torch.zeros([0, 4], dtype=class_logits.dtype, device=class_logits.device))
            all_scores.append(torch.zeros([0], dtype=class_logits.dtype, device=class_logits.device))
            all_labels.append(torch.zeros([0], dtype=torch.int64, device=class_logits.device))
        return all_boxes, all_scores, all_labels
    pred_boxes = self.decode_boxes(box_regression.reshape([total, -1]), torch.cat(proposals, 0), {BOX_WEIGHTS}).reshape([total, -1, 4])
    pred_scores = torch.softmax(class_logits, -1)
    boxes_list = pred_boxes.split_with_sizes(counts, 0)
    scores_list = pred_scores.split_with_sizes(counts, 0)
    num_classes = class_logits.size(-1)
    for i in range(len(proposals)):
        boxes = self.clip_boxes(boxes_list[i], sizes[i])
        scores = scores_list[i]
        labels = torch.arange(num_classes, dtype=torch.int64, device=scores.device).view([1, -1]).expand_as(scores)
        boxes = boxes[:, 1:].reshape([-1, 4])
        scores = scores[:, 1:].reshape([-1])
        labels = labels[:, 1:].reshape([-1])
        keep = torch.where(scores > {BOX_SCORE_THRESH})[0]
        boxes = boxes[keep]
        scores = scores[keep]
        labels = labels[keep]
        keep = self.remove_small_boxes(boxes, 1e-2)
        boxes = boxes[keep]
        scores = scores[keep]
        labels = labels[keep]
        keep = self.batched_nms(boxes, scores, labels, {BOX_NMS_THRESH})[:{DETECTIONS_PER_IMAGE}]
        all_boxes.append(boxes[keep])
        all_scores.append(scores[keep])
        all_labels.append(labels[keep])
    return all_boxes, all_scores, all_labels

def resize_boxes_back(self, boxes: Tensor, resized: List[int], original: List[int]) -> Tensor:
    # resizeBoxes: float32 ratios original / resized per axis.
    ratio_height = torch.tensor(float(original[0]), dtype=torch.float32, device=boxes.device) / torch.tensor(float(resized[0]), dtype=torch.float32, device=boxes.device)
    ratio_width = torch.tensor(float(original[1]), dtype=torch.float32, device=boxes.device) / torch.tensor(float(resized[1]), dtype=torch.float32, device=boxes.device)
    corners = boxes.unbind(1)
    return torch.stack([corners[0] * ratio_width, corners[1] * ratio_height, corners[2] * ratio_width, corners[3] * ratio_height], 1)

def forward(self, images: List[Tensor]) -> List[Dict[str, Tensor]]:
    # FasterRcnnImpl::forward in evaluation. images: [3, H, W] float RGB in [0, 1], any sizes.
    original: List[List[int]] = []
    for image in images:
        original.append([image.size(-2), image.size(-1)])
    batch, sizes = self.transform(images)
    features = self.fpn(self.backbone_body(batch))
    proposals = self.rpn(batch, sizes, features)
    boxes, scores, labels = self.roi_heads(features, proposals, sizes)
    result: List[Dict[str, Tensor]] = []
    for i in range(len(images)):
        result.append({"boxes": self.resize_boxes_back(boxes[i], sizes[i], original[i]), "scores": scores[i], "labels": labels[i]})
    return result
)SCRIPT";

std::string conv2d(const std::string& input, const std::string& prefix, int padding) {
    const std::string p = std::to_string(padding);
    return "torch.conv2d(" + input + ", self." + prefix + "_weight, self." + prefix +
           "_bias, [1, 1], [" + p + ", " + p + "], [1, 1], 1)";
}

// FeaturePyramidNetworkImpl::forward with LastLevelMaxPool, unrolled over the body's maps.
std::string fpnSource(int64_t maps) {
    std::ostringstream s;
    const auto inner = [](int64_t i) {
        return "backbone_fpn_inner_blocks_" + std::to_string(i) + "_0";
    };
    const auto layer = [](int64_t i) {
        return "backbone_fpn_layer_blocks_" + std::to_string(i) + "_0";
    };
    s << "def fpn(self, x: List[Tensor]) -> List[Tensor]:\n"
      << "    # FeaturePyramidNetworkImpl::forward: lateral 1x1, nearest top-down, 3x3 outputs,\n"
      << "    # and \"pool\", a stride-2 subsampling of the coarsest.\n";
    const int64_t last = maps - 1;
    s << "    last_inner = " << conv2d("x[" + std::to_string(last) + "]", inner(last), 0) << "\n";
    s << "    r" << last << " = " << conv2d("last_inner", layer(last), 1) << "\n";
    for (int64_t i = last - 1; i >= 0; --i) {
        s << "    lateral = " << conv2d("x[" + std::to_string(i) + "]", inner(i), 0) << "\n"
          << "    top_down = torch.upsample_nearest2d(last_inner, [lateral.size(-2), "
             "lateral.size(-1)], None, None)\n"
          << "    last_inner = lateral + top_down\n"
          << "    r" << i << " = " << conv2d("last_inner", layer(i), 1) << "\n";
    }
    s << "    pool = torch.max_pool2d(r" << last << ", [1, 1], [2, 2], [0, 0], [1, 1], False)\n";
    s << "    return [";
    for (int64_t i = 0; i < maps; ++i) s << "r" << i << ", ";
    s << "pool]\n";
    return s.str();
}

std::string floatList(const std::array<double, 3>& values) {
    return "[" + scriptFloat(values[0]) + ", " + scriptFloat(values[1]) + ", " +
           scriptFloat(values[2]) + "]";
}

}  // namespace

std::string scriptAttributeName(const std::string& stateDictName) {
    std::string name;
    for (const char c : stateDictName) {
        name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    }
    return name;
}

std::string detectionScriptSource(const DetectionScriptShape& shape) {
    const auto& o = shape.options;
    std::string cells = "[";
    for (int64_t i = 0; i < shape.anchorLevels; ++i) {
        cells += (i ? ", self." : "self.") +
                 scriptAttributeName("rpn.anchor_generator.cell_anchors." + std::to_string(i));
    }
    cells += "]";
    const auto& w = o.roiHeads.bboxRegWeights;
    const std::map<std::string, std::string> values{
        {"MEAN", floatList(o.imageMean)},
        {"STD", floatList(o.imageStd)},
        {"MIN_SIZE", scriptFloat(static_cast<double>(o.minSize.back()))},
        {"MAX_SIZE", scriptFloat(static_cast<double>(o.maxSize))},
        {"FPN", fpnSource(shape.bodyMaps)},
        {"CELL_ANCHORS", cells},
        {"XFORM_CLIP", scriptFloat(detection::BoxCoder::kDefaultXformClip)},
        {"RPN_PRE_NMS_TOP_N", std::to_string(o.rpn.preNmsTopNTest)},
        {"RPN_POST_NMS_TOP_N", std::to_string(o.rpn.postNmsTopNTest)},
        {"RPN_NMS_THRESH", scriptFloat(o.rpn.nmsThresh)},
        {"RPN_SCORE_THRESH", scriptFloat(o.rpn.scoreThresh)},
        {"ROI_MAPS", std::to_string(shape.roiMaps)},
        {"BOX_WEIGHTS", scriptFloat(w[0]) + ", " + scriptFloat(w[1]) + ", " + scriptFloat(w[2]) +
                            ", " + scriptFloat(w[3])},
        {"BOX_SCORE_THRESH", scriptFloat(o.roiHeads.scoreThresh)},
        {"BOX_NMS_THRESH", scriptFloat(o.roiHeads.nmsThresh)},
        {"DETECTIONS_PER_IMAGE", std::to_string(o.roiHeads.detectionsPerImage)},
    };
    std::string source = kSource;
    const auto replaceAll = [&](const std::string& token, const std::string& value) {
        for (size_t at = source.find(token); at != std::string::npos;
             at = source.find(token, at + value.size())) {
            source.replace(at, token.size(), value);
        }
    };
    for (const auto& [key, value] : values) replaceAll("{" + key + "}", value);
    // Module::define's resolver knows torch's operators but not its dtype objects, which are
    // ScalarType numbers to the compiler: the source names them, the module gets the numbers.
    for (const auto& [name, type] :
         {std::pair{"torch.float32", torch::kFloat32}, std::pair{"torch.float64", torch::kFloat64},
          std::pair{"torch.int64", torch::kInt64}, std::pair{"torch.int32", torch::kInt32},
          std::pair{"torch.bool", torch::kBool}}) {
        replaceAll(name, std::to_string(static_cast<int>(type)));
    }
    return source;
}

}  // namespace fovea::core::exporting
