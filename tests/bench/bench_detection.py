#!/usr/bin/python3
"""The Python torchvision side of bench_detection: fasterrcnn_mobilenet_v3_large_320_fpn as its
builder composes it for fine-tuning (FrozenBatchNorm2d in the backbone, the last 3 stages
trainable, _mobilenet_extractor with an FPN, 0.05 RPN score threshold, 150 test proposals,
images resized to 320..640), trained and run on the same demo images as Fovea.

The backbone is built here from its parts instead of passing weights_backbone, which would
download the ImageNet file: the time does not depend on the weights' values, and the benchmark
stays offline. Training: the images and their COCO boxes through a DataLoader (PIL decoding,
to_tensor, no augmentation), batch BATCH, SGD(lr 0.01, momentum 0.9, weight decay 1e-4) on the
trainable parameters; one warm-up batch, then EPOCHS timed epochs. Inference: eval mode under
no_grad, batches of BATCH images decoded with PIL, one warm-up batch, then every image.

Prints one JSON object: train and inference images, seconds and images/s.

usage: bench_detection.py FOLDER EPOCHS BATCH THREADS
"""
import json
import os
import sys
import time

import torch
import torchvision
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import _mobilenet_extractor
from torchvision.ops import misc as misc_nn_ops
from torchvision.transforms import functional as F


class CocoBoxes(Dataset):
    """The demo's images with their boxes as torchvision's detection references feed them."""

    def __init__(self, folder):
        coco = json.load(open(os.path.join(folder, "annotations.json")))
        self.folder = folder
        self.images = coco["images"]
        self.boxes = {image["id"]: [] for image in self.images}
        for a in coco["annotations"]:
            x, y, w, h = a["bbox"]
            self.boxes[a["image_id"]].append(([x, y, x + w, y + h], a["category_id"]))

    def __len__(self):
        return len(self.images)

    def path(self, index):
        return os.path.join(self.folder, self.images[index]["file_name"])

    def __getitem__(self, index):
        with open(self.path(index), "rb") as f:
            image = F.to_tensor(Image.open(f).convert("RGB"))
        boxes = self.boxes[self.images[index]["id"]]
        target = {
            "boxes": torch.tensor([b for b, _ in boxes], dtype=torch.float32).reshape(-1, 4),
            "labels": torch.tensor([c for _, c in boxes], dtype=torch.int64),
        }
        return image, target


def fasterrcnn_mobilenet_v3_large_320_fpn(num_classes):
    """torchvision 0.14's fasterrcnn_mobilenet_v3_large_320_fpn(weights_backbone=...) without
    the download: _fasterrcnn_mobilenet_v3_large_fpn with is_trained=True."""
    backbone = torchvision.models.mobilenet_v3_large(norm_layer=misc_nn_ops.FrozenBatchNorm2d)
    backbone = _mobilenet_extractor(backbone, True, 3)
    anchor_sizes = ((32, 64, 128, 256, 512,),) * 3
    aspect_ratios = ((0.5, 1.0, 2.0),) * len(anchor_sizes)
    return FasterRCNN(backbone, num_classes,
                      rpn_anchor_generator=AnchorGenerator(anchor_sizes, aspect_ratios),
                      min_size=320, max_size=640, rpn_pre_nms_top_n_test=150,
                      rpn_post_nms_top_n_test=150, rpn_score_thresh=0.05)


def main():
    folder = sys.argv[1]
    epochs, batch, threads = (int(v) for v in sys.argv[2:5])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    dataset = CocoBoxes(folder)
    classes = len(json.load(open(os.path.join(folder, "annotations.json")))["categories"])
    model = fasterrcnn_mobilenet_v3_large_320_fpn(classes + 1)
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(parameters, lr=0.01, momentum=0.9, weight_decay=1e-4)
    loader = DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=0,
                        collate_fn=lambda items: tuple(zip(*items)))

    def step(images, targets):
        losses = model(list(images), list(targets))
        loss = sum(losses.values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    model.train()
    images, targets = next(iter(loader))
    step(images, targets)  # warm-up
    start = time.perf_counter()
    trained = 0
    for _ in range(epochs):
        for images, targets in loader:
            loss = step(images, targets)
            trained += len(images)
    train_seconds = time.perf_counter() - start

    model.eval()

    def detect(indices):
        images = []
        for i in indices:
            with open(dataset.path(i), "rb") as f:
                images.append(F.to_tensor(Image.open(f).convert("RGB")))
        return model(images)

    with torch.no_grad():
        detect(range(min(batch, len(dataset))))  # warm-up
        start = time.perf_counter()
        for first in range(0, len(dataset), batch):
            detect(range(first, min(len(dataset), first + batch)))
        infer_seconds = time.perf_counter() - start
    print(json.dumps({
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "threads": torch.get_num_threads(),
        "train_images": trained,
        "train_seconds": train_seconds,
        "last_loss": float(loss),
        "inference_images": len(dataset),
        "inference_seconds": infer_seconds,
    }))


if __name__ == "__main__":
    main()
