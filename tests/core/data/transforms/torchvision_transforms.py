#!/usr/bin/python3
"""Reference for Fovea's image transforms: applies torchvision's functional transforms (0.14 on
Debian 12, 0.21 on Debian 13) to a uint8 RGB image with the parameters Fovea's test chose, and
writes each result as a PNG, and torchvision's version to OUT_DIR/torchvision_version.

usage: torchvision_transforms.py INPUT.png SPEC.json OUT_DIR
SPEC.json: [{"name": ..., "op": ..., ...parameters}, ...]
"""
import json
import sys

import numpy as np
import torch
import torch.nn.functional as nnf
import torchvision
import torchvision.transforms.functional as F
from PIL import Image
from torchvision.transforms import InterpolationMode


def apply(image, spec):
    op = spec["op"]
    if op == "resize_shorter":  # Resize(int), bilinear, no antialias (tensor semantics)
        return F.resize(image, spec["size"], InterpolationMode.BILINEAR, antialias=False)
    if op == "resize_linear":
        return F.resize(image, [spec["height"], spec["width"]], InterpolationMode.BILINEAR,
                        antialias=False)
    if op == "resize_area":  # torch's area interpolation (adaptive average pooling)
        # Defined alike in OpenCV and torch only for integer factors: crop to a multiple first.
        image = image[:, :spec["crop_height"], :spec["crop_width"]]
        out = nnf.interpolate(image.unsqueeze(0).float(), size=(spec["height"], spec["width"]),
                              mode="area")
        return out.squeeze(0).round().clamp(0, 255).to(torch.uint8)
    if op == "center_crop":
        return F.center_crop(image, [spec["height"], spec["width"]])
    if op == "resized_crop":
        return F.resized_crop(image, spec["top"], spec["left"], spec["box_height"],
                              spec["box_width"], [spec["height"], spec["width"]],
                              InterpolationMode.BILINEAR, antialias=False)
    if op == "hflip":
        return F.hflip(image)
    if op == "rotate":
        return F.rotate(image, spec["degrees"], InterpolationMode.BILINEAR)
    if op == "brightness":
        return F.adjust_brightness(image, spec["factor"])
    if op == "contrast":
        return F.adjust_contrast(image, spec["factor"])
    if op == "saturation":
        return F.adjust_saturation(image, spec["factor"])
    if op == "hue":
        return F.adjust_hue(image, spec["factor"])
    if op == "normalize":  # ToTensor + Normalize, written as float32 raw bytes (CHW)
        tensor = F.normalize(image.float() / 255.0, spec["mean"], spec["std"])
        return tensor
    raise SystemExit(f"unknown op {op}")


def main():
    source, spec_file, out_dir = sys.argv[1:4]
    image = torch.from_numpy(np.array(Image.open(source).convert("RGB"))).permute(2, 0, 1)
    open(f"{out_dir}/torchvision_version", "w").write(torchvision.__version__)
    for spec in json.load(open(spec_file)):
        out = apply(image.clone(), spec)
        if out.dtype == torch.uint8:
            Image.fromarray(out.permute(1, 2, 0).numpy()).save(f"{out_dir}/{spec['name']}.png")
        else:
            out.contiguous().numpy().astype("<f4").tofile(f"{out_dir}/{spec['name']}.f32")


if __name__ == "__main__":
    main()
