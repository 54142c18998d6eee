#!/usr/bin/python3
"""The plain Python data pipeline a user would write, as the reference for Fovea's loader:
torchvision's default PIL loader, Resize + RandomResizedCrop + flip + ToTensor + Normalize,
through a DataLoader with the same number of workers. Prints images/s as JSON.

usage: bench_data_pipeline.py WORKERS EPOCHS BATCH FILE...
"""
import json
import sys
import time

import torch
from torch.utils.data import DataLoader
from torchvision import transforms

from bench_support import Files


def main():
    workers, epochs, batch = (int(v) for v in sys.argv[1:4])
    files = sys.argv[4:]
    transform = transforms.Compose([
        transforms.Resize(256),
        transforms.RandomResizedCrop(224, scale=(0.35, 1.0)),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    loader = DataLoader(Files(files, transform), batch_size=batch, shuffle=True,
                        num_workers=workers, persistent_workers=workers > 0)
    start = time.perf_counter()
    images = 0
    for _ in range(epochs):
        for tensors, _ in loader:
            images += tensors.shape[0]
    seconds = time.perf_counter() - start
    print(json.dumps({"images": images, "seconds": seconds, "images_per_second": images / seconds}))


if __name__ == "__main__":
    main()
