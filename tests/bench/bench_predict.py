#!/usr/bin/python3
"""The prediction script a user would write, as the reference for `fovea-cli predict`:
torchvision's MobileNetV2 (10 classes), PIL + Resize(256)/CenterCrop(224)/ToTensor/Normalize
through a DataLoader, softmax and top-5 per image, one line printed per image. The benchmark
times the whole process, interpreter start and imports included, as it times fovea-cli.

MODE "plain": fp32 in the default layout, as most scripts are written. MODE "best": what a
tuned script does on a CPU: channels-last, bf16 autocast, inference_mode.

usage: bench_predict.py MODE BATCH WORKERS FILE...
"""
import sys

import torch
import torchvision
from torch.utils.data import DataLoader
from torchvision import transforms

from bench_support import Files, forward


def main():
    mode = sys.argv[1]
    batch, workers = (int(v) for v in sys.argv[2:4])
    files = sys.argv[4:]
    best = mode == "best"
    model = torchvision.models.mobilenet_v2(num_classes=10).eval()
    if best:
        model = model.to(memory_format=torch.channels_last)
    transform = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    loader = DataLoader(Files(files, transform), batch_size=batch, num_workers=workers)
    grad = torch.inference_mode() if best else torch.no_grad()
    with grad:
        for inputs, indices in loader:
            logits = forward(model, inputs, channels_last=best, bf16=best)
            probabilities, classes = logits.softmax(1).topk(5)
            for row, index in enumerate(indices.tolist()):
                pairs = ", ".join(f"{c} {p:.4f}" for c, p in
                                  zip(classes[row].tolist(), probabilities[row].tolist()))
                print(f"{files[index]}: {pairs}")


if __name__ == "__main__":
    main()
