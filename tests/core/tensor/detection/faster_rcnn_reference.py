"""Writes torchvision's Faster R-CNN results for Fovea's parity test (faster_rcnn_parity_test.cpp).

Usage: /usr/bin/python3 faster_rcnn_reference.py OUT_DIR THREADS

Three models with 4 classes (background included) and fixed random weights, each as the C++ side
builds it:

  mobilenet_320   fasterrcnn_mobilenet_v3_large_320_fpn as its builder makes it from pretrained
                  backbone weights (FrozenBatchNorm2d, trainable_backbone_layers=3): fine-tuning
  mobilenet       fasterrcnn_mobilenet_v3_large_fpn(weights=None, weights_backbone=None,
                  min_size=400, max_size=666): plain BatchNorm2d, every layer trainable (batch
                  statistics while training), the full-size RPN settings on smaller images
  resnet50        fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, min_size=224,
                  max_size=320): small images so that the test stays quick

Files: inputs.pth (two images of different sizes and their targets), NAME_weights.pth (the state
dict) and NAME_outputs.pth: the evaluation stages (transformed batch, pyramid, proposals, box
head logits, detections) and the training losses with the picks of both samplers (masks per
image) drawn after torch.manual_seed(TRAIN_SEED).
"""
import sys

import torch
import torchvision
from torchvision.models.detection import faster_rcnn
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import _mobilenet_extractor
from torchvision.ops import misc as misc_nn_ops

NUM_CLASSES = 4
TRAIN_SEED = 1234


def inputs():
    generator = torch.Generator().manual_seed(7)
    images = []
    for height, width in ((240, 320), (300, 200)):
        # Smooth colour fields with a few flat rectangles: features that are not noise.
        coarse = torch.rand(1, 3, height // 20, width // 20, generator=generator)
        image = torch.nn.functional.interpolate(coarse, size=(height, width), mode="bilinear",
                                                align_corners=False)[0]
        for _ in range(4):
            x1 = int(torch.randint(0, width - 40, (1,), generator=generator))
            y1 = int(torch.randint(0, height - 40, (1,), generator=generator))
            x2 = x1 + int(torch.randint(20, 40, (1,), generator=generator))
            y2 = y1 + int(torch.randint(20, 40, (1,), generator=generator))
            image[:, y1:y2, x1:x2] = torch.rand(3, 1, 1, generator=generator)
        images.append(image.contiguous())
    targets = [
        {"boxes": torch.tensor([[20.0, 30.0, 120.0, 150.0], [150.0, 40.0, 300.0, 200.0],
                                [60.5, 100.25, 90.0, 130.0]]),
         "labels": torch.tensor([1, 3, 2])},
        {"boxes": torch.tensor([[10.0, 10.0, 180.0, 280.0], [50.0, 60.0, 110.0, 140.0]]),
         "labels": torch.tensor([2, 1])},
    ]
    return images, targets


def spread_heads(model, images):
    """Rescales the objectness and class score layers so that their logits have a standard
    deviation of 2 on these images: random weights otherwise give nearly equal scores, whose
    order rounding could decide."""
    model.eval()
    seen = {}
    hooks = [
        model.rpn.head.cls_logits.register_forward_hook(
            lambda module, args, result: seen.setdefault("rpn", []).append(result.flatten())),
        model.roi_heads.box_predictor.cls_score.register_forward_hook(
            lambda module, args, result: seen.setdefault("box", []).append(result.flatten())),
    ]
    with torch.no_grad():
        model(images)
        for hook in hooks:
            hook.remove()
        for key, layer in (("rpn", model.rpn.head.cls_logits),
                           ("box", model.roi_heads.box_predictor.cls_score)):
            std = torch.cat(seen[key]).std()
            layer.weight.mul_(2.0 / std)


def build(name, images):
    torch.manual_seed(0)
    if name == "mobilenet_320":
        # _fasterrcnn_mobilenet_v3_large_fpn with is_trained (weights_backbone given), without
        # the download: FrozenBatchNorm2d and trainable_backbone_layers=3.
        backbone = torchvision.models.mobilenet_v3_large(
            weights=None, norm_layer=misc_nn_ops.FrozenBatchNorm2d)
        backbone = _mobilenet_extractor(backbone, True, 3)
        anchor_sizes = ((32, 64, 128, 256, 512,),) * 3
        aspect_ratios = ((0.5, 1.0, 2.0),) * len(anchor_sizes)
        model = faster_rcnn.FasterRCNN(
            backbone, NUM_CLASSES, rpn_anchor_generator=AnchorGenerator(anchor_sizes, aspect_ratios),
            min_size=320, max_size=640, rpn_pre_nms_top_n_test=150, rpn_post_nms_top_n_test=150,
            rpn_score_thresh=0.05)
    elif name == "mobilenet":
        model = faster_rcnn.fasterrcnn_mobilenet_v3_large_fpn(
            weights=None, weights_backbone=None, num_classes=NUM_CLASSES, min_size=400,
            max_size=666)
    else:
        model = faster_rcnn.fasterrcnn_resnet50_fpn(
            weights=None, weights_backbone=None, num_classes=NUM_CLASSES, min_size=224,
            max_size=320)
    # Random statistics and affine parameters in every norm layer (so that the frozen formula
    # and the running statistics matter), and heads whose outputs are spread out: with
    # torchvision's initialisation objectness and class scores would be nearly all equal.
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.BatchNorm2d, misc_nn_ops.FrozenBatchNorm2d)):
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0.0, 0.1)
                module.running_mean.normal_(0.0, 0.1)
                module.running_var.uniform_(0.5, 1.5)
        if name == "resnet50":
            # Small last norms in the residual branches (as zero_init_residual, not quite
            # zero) so that activations do not grow by orders of magnitude through 16 blocks.
            for module in model.backbone.body.modules():
                if isinstance(module, torchvision.models.resnet.Bottleneck):
                    module.bn3.weight.uniform_(0.05, 0.15)
        model.rpn.head.cls_logits.weight.normal_(0.0, 0.05)
        model.rpn.head.cls_logits.bias.normal_(0.0, 0.5)
        model.rpn.head.bbox_pred.weight.normal_(0.0, 0.02)
        model.roi_heads.box_predictor.cls_score.weight.normal_(0.0, 0.05)
        model.roi_heads.box_predictor.bbox_pred.weight.normal_(0.0, 0.01)
    spread_heads(model, images)
    return model


class RecordingSampler:
    """Wraps a BalancedPositiveNegativeSampler and keeps what it picked."""

    def __init__(self, sampler):
        self.sampler = sampler
        self.picks = []

    def __call__(self, matched_idxs):
        pos, neg = self.sampler(matched_idxs)
        self.picks.append((pos, neg))
        return pos, neg


def run(name, images, targets, out_dir):
    model = build(name, images)
    torch.save(model.state_dict(), f"{out_dir}/{name}_weights.pth")
    out = {}
    model.eval()
    with torch.no_grad():
        image_list, _ = model.transform(images)
        out["batch"] = image_list.tensors
        out["image_sizes"] = torch.tensor(image_list.image_sizes)
        features = model.backbone(image_list.tensors)
        for key, value in features.items():
            out[f"feature_{key}"] = value
        proposals, _ = model.rpn(image_list, features)
        logits = {}
        hook = model.roi_heads.box_predictor.register_forward_hook(
            lambda module, args, result: logits.update(class_logits=result[0],
                                                       box_regression=result[1]))
        model.roi_heads(features, proposals, image_list.image_sizes)
        hook.remove()
        out.update(logits)
        for index, boxes in enumerate(proposals):
            out[f"proposals_{index}"] = boxes
        detections = model(images)
        for index, detection in enumerate(detections):
            for key in ("boxes", "scores", "labels"):
                out[f"{key}_{index}"] = detection[key]

    model.train()
    rpn_sampler = RecordingSampler(model.rpn.fg_bg_sampler)
    box_sampler = RecordingSampler(model.roi_heads.fg_bg_sampler)
    model.rpn.fg_bg_sampler = rpn_sampler
    model.roi_heads.fg_bg_sampler = box_sampler
    torch.manual_seed(TRAIN_SEED)
    losses = model(images, targets)
    for key, value in losses.items():
        out[key] = value.detach()
    for stage, sampler in (("rpn", rpn_sampler), ("box", box_sampler)):
        assert len(sampler.picks) == 1
        pos, neg = sampler.picks[0]
        for index in range(len(pos)):
            out[f"{stage}_pos_{index}"] = pos[index]
            out[f"{stage}_neg_{index}"] = neg[index]
    out["train_seed"] = torch.tensor(TRAIN_SEED)
    torch.save(out, f"{out_dir}/{name}_outputs.pth")
    summary = ", ".join(f"{k} {v.item():.5f}" for k, v in losses.items())
    print(f"{name}: {len(out['boxes_0'])} + {len(out['boxes_1'])} detections; {summary}")


def main():
    out_dir = sys.argv[1]
    torch.set_num_threads(int(sys.argv[2]))
    images, targets = inputs()
    saved = {}
    for index, (image, target) in enumerate(zip(images, targets)):
        saved[f"image_{index}"] = image
        saved[f"boxes_{index}"] = target["boxes"]
        saved[f"labels_{index}"] = target["labels"]
    torch.save(saved, f"{out_dir}/inputs.pth")
    for name in sys.argv[3:] or ("mobilenet_320", "mobilenet", "resnet50"):
        run(name, images, targets, out_dir)


if __name__ == "__main__":
    main()
