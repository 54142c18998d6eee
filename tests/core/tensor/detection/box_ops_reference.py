"""Writes torchvision's results for Fovea's detection box operations (box_ops_parity_test.cpp).

Usage: /usr/bin/python3 box_ops_reference.py OUT_DIR THREADS

Every input is random with a fixed seed and saved next to torchvision's output, so the C++ side
runs the same operation on the same tensors. One .pth (a dict of tensors) per operation:

  geometry.pth   box_area, box_iou, clip_boxes_to_image, remove_small_boxes (degenerate boxes)
  nms.pth        nms and batched_nms: tied scores, identical boxes, both batched_nms strategies
  box_coder.pth  BoxCoder encode/decode with (10, 10, 5, 5) and (1, 1, 1, 1), clipped widths
  matcher.pth    Matcher (0.7, 0.3, allow_low_quality_matches) and (0.5, 0.5), tied qualities
  anchors_*.pth  AnchorGenerator for the mobilenet_v3_large_fpn and resnet50_fpn configurations
  roi_align_N.pth  roi_align forward, and the input's gradient of sum(output * weights)
  roi_align_large.pth  the same on a case large enough to be pooled in blocks
  multiscale.pth MultiScaleRoIAlign(["0", "1", "2", "3"], 7, 2) on a 5-level pyramid
"""
import math
import sys

import torch
from torchvision.models.detection._utils import BoxCoder, Matcher
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList
from torchvision.ops import MultiScaleRoIAlign, boxes as box_ops, roi_align
from torchvision.ops.poolers import _setup_scales


def random_boxes(generator, count, extent, min_side=0.0, max_side=None):
    """[count, 4] xyxy boxes with corners in [0, extent) and sides in [min_side, max_side)."""
    max_side = extent / 2 if max_side is None else max_side
    corner = torch.rand(count, 2, generator=generator) * extent
    side = min_side + torch.rand(count, 2, generator=generator) * (max_side - min_side)
    return torch.cat([corner, corner + side], dim=1)


def geometry(generator):
    boxes1 = random_boxes(generator, 30, 100.0)
    boxes2 = random_boxes(generator, 20, 100.0)
    # Degenerate cases: a point, a zero-width box, a box equal to another, one inverted box.
    boxes1[0] = torch.tensor([5.0, 5.0, 5.0, 5.0])
    boxes1[1] = torch.tensor([10.0, 10.0, 10.0, 40.0])
    boxes2[0] = boxes1[2]
    boxes1[3] = torch.tensor([50.0, 50.0, 40.0, 60.0])
    wide = random_boxes(generator, 25, 160.0) - 30.0  # partly outside a 100 x 120 image
    return {
        "boxes1": boxes1,
        "boxes2": boxes2,
        "area1": box_ops.box_area(boxes1),
        "iou": box_ops.box_iou(boxes1[4:], boxes2),  # without the empty boxes' 0 / 0
        "iou_degenerate": box_ops.box_iou(boxes1[:4], boxes2[:4]),
        "wide": wide,
        "clipped": box_ops.clip_boxes_to_image(wide, (100, 120)),
        "wide_batched": wide.view(5, 5, 4),
        "clipped_batched": box_ops.clip_boxes_to_image(wide.view(5, 5, 4), (100, 120)),
        "small_kept": box_ops.remove_small_boxes(boxes1, 12.5),
    }


def nms_cases(generator):
    out = {}
    # Clustered boxes so that many overlap; scores from 8 values so many tie.
    centres = torch.rand(12, 2, generator=generator) * 200.0
    pick = torch.randint(0, 12, (300,), generator=generator)
    jitter = torch.randn(300, 2, generator=generator) * 6.0
    sides = 20.0 + torch.rand(300, 2, generator=generator) * 30.0
    corner = centres[pick] + jitter
    boxes = torch.cat([corner, corner + sides], dim=1)
    boxes[10] = boxes[11]  # identical boxes (IoU exactly 1)
    tied = torch.randint(0, 8, (300,), generator=generator).float() / 8.0
    distinct = torch.rand(300, generator=generator)
    classes = torch.randint(0, 4, (300,), generator=generator)
    out.update(boxes=boxes, tied_scores=tied, scores=distinct, classes=classes)
    for name, scores in (("tied", tied), ("distinct", distinct)):
        for threshold in (0.3, 0.5, 0.7):
            key = f"{name}_{int(threshold * 10)}"
            out[f"nms_{key}"] = box_ops.nms(boxes, scores, threshold)
            out[f"batched_{key}"] = box_ops.batched_nms(boxes, scores, classes, threshold)
    out["boxes64"] = boxes.double()
    out["nms64"] = box_ops.nms(boxes.double(), distinct.double(), 0.5)
    # More than 4000 coordinates: torchvision suppresses each class alone.
    many = torch.cat([boxes + 3.0 * i for i in range(5)])  # 1500 boxes
    many_scores = torch.randint(0, 50, (1500,), generator=generator).float() / 50.0
    many_classes = torch.randint(0, 6, (1500,), generator=generator)
    out.update(many=many, many_scores=many_scores, many_classes=many_classes)
    out["batched_many"] = box_ops.batched_nms(many, many_scores, many_classes, 0.5)
    out["nms_many"] = box_ops.nms(many, many_scores, 0.5)
    return out


def box_coder_cases(generator):
    proposals = random_boxes(generator, 40, 300.0, min_side=4.0)
    reference = random_boxes(generator, 40, 300.0, min_side=4.0)
    codes = torch.randn(40, 12, generator=generator)
    codes[0, 2] = 80.0  # dw far beyond log(1000 / 16): clipped
    codes[1, 7] = 60.0
    out = {"proposals": proposals, "reference": reference, "codes": codes}
    for name, weights in (("head", (10.0, 10.0, 5.0, 5.0)), ("rpn", (1.0, 1.0, 1.0, 1.0))):
        coder = BoxCoder(weights)
        out[f"encoded_{name}"] = coder.encode_single(reference, proposals)
        encoded_list = coder.encode([reference[:15], reference[15:]],
                                    [proposals[:15], proposals[15:]])
        out[f"encoded_list_{name}"] = torch.cat(encoded_list)
        out[f"decoded_{name}"] = coder.decode_single(codes, proposals)
        out[f"decoded_list_{name}"] = coder.decode(codes, [proposals[:25], proposals[25:]])
    return out


def matcher_cases(generator):
    # Qualities on a grid of 1/20 so that maxima tie, rows (ground truth) with only low values.
    quality = torch.randint(0, 21, (6, 50), generator=generator).float() / 20.0
    quality[2] = torch.randint(0, 5, (50,), generator=generator).float() / 20.0
    quality[4] = quality[2]
    out = {"quality": quality}
    out["rpn"] = Matcher(0.7, 0.3, allow_low_quality_matches=True)(quality)
    out["rpn_strict"] = Matcher(0.7, 0.3, allow_low_quality_matches=False)(quality)
    out["head"] = Matcher(0.5, 0.5, allow_low_quality_matches=False)(quality)
    iou = box_ops.box_iou(random_boxes(generator, 5, 200.0), random_boxes(generator, 400, 200.0))
    out["iou"] = iou
    out["iou_rpn"] = Matcher(0.7, 0.3, allow_low_quality_matches=True)(iou)
    return out


def anchor_cases():
    configs = {
        # fasterrcnn_mobilenet_v3_large_fpn: three maps (strides 32, 32 and 64 at this size).
        "mobilenet": (((32, 64, 128, 256, 512),) * 3, ((0.5, 1.0, 2.0),) * 3,
                      (2, 3, 320, 480), ((10, 15), (10, 15), (5, 8))),
        # fasterrcnn_resnet50_fpn: five maps; a height that the maps do not divide evenly.
        "resnet50": (((32,), (64,), (128,), (256,), (512,)), ((0.5, 1.0, 2.0),) * 5,
                     (1, 3, 803, 1216), ((201, 304), (101, 152), (51, 76), (26, 38), (13, 19))),
    }
    results = {}
    for name, (sizes, ratios, image_shape, map_sizes) in configs.items():
        generator = AnchorGenerator(sizes, ratios)
        images = torch.zeros(image_shape)
        image_list = ImageList(images, [tuple(image_shape[2:])] * image_shape[0])
        maps = [torch.zeros(image_shape[0], 4, h, w) for h, w in map_sizes]
        anchors = generator(image_list, maps)
        out = {"image_shape": torch.tensor(image_shape), "map_sizes": torch.tensor(map_sizes)}
        for level, cell in enumerate(generator.cell_anchors):
            out[f"cell_{level}"] = cell
        for index, each in enumerate(anchors):
            out[f"anchors_{index}"] = each
        results[name] = out
    return results


# roi_align configurations: output (h, w), spatial scale, sampling ratio, aligned.
ROI_ALIGN_CONFIGS = [
    ((7, 7), 1.0, 2, False),
    ((7, 7), 0.5, 0, False),
    ((3, 4), 0.25, 2, True),
    ((3, 4), 0.5, 0, True),
    ((5, 3), 1.0, -1, False),
    ((2, 2), 0.125, 3, True),
]


def roi_align_cases(generator):
    feature = torch.randn(2, 3, 13, 17, generator=generator, dtype=torch.float32)
    # Regions in image pixels (scale 1: 13 x 17); include ones partly outside the map, ones
    # smaller than a bin, a point, an inverted one and one wholly outside.
    count = 48
    rois = torch.zeros(count, 5)
    rois[:, 0] = torch.randint(0, 2, (count,), generator=generator).float()
    rois[:, 1:] = random_boxes(generator, count, 24.0, max_side=20.0) - 4.0
    rois[0, 1:] = torch.tensor([3.2, 4.7, 3.2, 4.7])  # a point
    rois[1, 1:] = torch.tensor([6.0, 2.0, 6.4, 2.3])  # smaller than a bin
    rois[2, 1:] = torch.tensor([9.0, 9.0, 5.0, 7.0])  # inverted
    rois[3, 1:] = torch.tensor([-30.0, -30.0, -25.0, -22.0])  # wholly outside
    rois[4, 1:] = torch.tensor([-3.0, -2.5, 40.0, 30.0])  # larger than the map
    rois[5, 1:] = torch.tensor([0.0, 0.0, 17.0, 13.0])  # the whole map
    cases = []
    for output_size, scale, sampling_ratio, aligned in ROI_ALIGN_CONFIGS:
        # Coordinates for this scale: the same regions in feature pixels.
        scaled = rois.clone()
        scaled[:, 1:] /= scale
        x = feature.clone().requires_grad_(True)
        out = roi_align(x, scaled, output_size, scale, sampling_ratio, aligned)
        weights = torch.randn(out.shape, generator=generator)
        (grad,) = torch.autograd.grad((out * weights).sum(), x)
        cases.append({
            "input": feature, "rois": scaled, "output": out.detach(), "weights": weights,
            "grad": grad,
            "output_size": torch.tensor(output_size),
            "scale": torch.tensor([scale], dtype=torch.float64),
            "sampling_ratio": torch.tensor([sampling_ratio]), "aligned": torch.tensor([aligned]),
        })
    return cases


def roi_align_large_case(generator):
    """Enough regions, channels and samples that Fovea pools them in several blocks (of regions,
    and of channels for the largest regions), with adaptive sampling (up to 20 x 20 per bin)."""
    feature = torch.randn(2, 320, 40, 40, generator=generator)
    count = 60
    rois = torch.zeros(count, 5)
    rois[:, 0] = torch.randint(0, 2, (count,), generator=generator).float()
    rois[:, 1:] = random_boxes(generator, count, 80.0, min_side=2.0, max_side=120.0)
    rois[:3, 1:] = torch.tensor([-20.0, -20.0, 260.0, 260.0])
    x = feature.clone().requires_grad_(True)
    out = roi_align(x, rois, (7, 7), 0.5, 0, False)
    weights = torch.randn(out.shape, generator=generator)
    (grad,) = torch.autograd.grad((out * weights).sum(), x)
    return {
        "input": feature, "rois": rois, "output": out.detach(), "weights": weights, "grad": grad,
        "output_size": torch.tensor([7, 7]), "scale": torch.tensor([0.5], dtype=torch.float64),
        "sampling_ratio": torch.tensor([0]), "aligned": torch.tensor([False]),
    }


def multiscale_case(generator):
    image_sizes = [(256, 320), (240, 300)]
    names = ["0", "1", "2", "3", "pool"]
    features = {}
    for level, name in enumerate(names):
        stride = 4 * 2**level
        features[name] = torch.randn(2, 4, 256 // stride, 320 // stride, generator=generator)
    # Sides from 4 to 900 pixels, so that every level gets boxes (and both clamps are used).
    boxes = []
    for _ in image_sizes:
        spread = math.log(900.0) - 1.4
        log_side = 1.4 + torch.rand(30, 1, generator=generator) * spread
        side = torch.exp(log_side)
        corner = torch.rand(30, 2, generator=generator) * 240.0
        aspect = 0.5 + torch.rand(30, 1, generator=generator)
        boxes.append(torch.cat([corner, corner + torch.cat([side * aspect, side / aspect], 1)], 1))
    pooler = MultiScaleRoIAlign(["0", "1", "2", "3"], 7, 2)
    output = pooler(features, boxes, image_sizes)
    scales, mapper = _setup_scales([features[n] for n in names[:4]], image_sizes, 224, 4)
    out = {f"feature_{name}": value for name, value in features.items()}
    out.update({
        "boxes_0": boxes[0], "boxes_1": boxes[1],
        "image_sizes": torch.tensor(image_sizes),
        "output": output,
        "levels": mapper(boxes),
        "scales": torch.tensor(scales, dtype=torch.float64),
    })
    # One map only: roi_align at that map's scale, no level mapping.
    single = MultiScaleRoIAlign(["2"], (5, 4), 2)
    out["output_single"] = single(features, boxes, image_sizes)
    return out


def main():
    out_dir, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    generator = torch.Generator().manual_seed(24)
    torch.save(geometry(generator), f"{out_dir}/geometry.pth")
    torch.save(nms_cases(generator), f"{out_dir}/nms.pth")
    torch.save(box_coder_cases(generator), f"{out_dir}/box_coder.pth")
    torch.save(matcher_cases(generator), f"{out_dir}/matcher.pth")
    for name, tensors in anchor_cases().items():
        torch.save(tensors, f"{out_dir}/anchors_{name}.pth")
    for index, case in enumerate(roi_align_cases(generator)):
        torch.save(case, f"{out_dir}/roi_align_{index}.pth")
    torch.save(roi_align_large_case(generator), f"{out_dir}/roi_align_large.pth")
    torch.save(multiscale_case(generator), f"{out_dir}/multiscale.pth")


if __name__ == "__main__":
    main()
