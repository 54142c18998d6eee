"""Runs Fovea's detection TorchScript exports in Python (Debian's python3-torch and
python3-torchvision), independently of the C++ that wrote them.

Usage: check_detection_torchscript.py FOLDER. FOLDER/cases.json lists the cases: each names its
.pt file, its images (raw float32 [3, H, W] files) and the in-app model's detections on them;
cases with "torchvision_builder" are also rebuilt as that torchvision detector with the weights
read back from the .pt (its torchvision_names.json) and run on the same images. Prints one JSON
object: per case, the class labels and metadata the file carries, and for each comparison the
largest box and score differences and whether counts and labels agree.
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision


def compare(actual, expected):
    same_counts = True
    same_labels = True
    max_box = 0.0
    max_score = 0.0
    boxes = 0
    for a, e in zip(actual, expected):
        boxes += int(e["boxes"].shape[0])
        if a["boxes"].shape != e["boxes"].shape:
            same_counts = False
            continue
        if not torch.equal(a["labels"], e["labels"]):
            same_labels = False
            continue
        if a["boxes"].numel():
            max_box = max(max_box, float((a["boxes"] - e["boxes"]).abs().max()))
            max_score = max(max_score, float((a["scores"] - e["scores"]).abs().max()))
    return {"same_counts": same_counts, "same_labels": same_labels, "max_box": max_box,
            "max_score": max_score, "boxes": boxes, "images": len(expected)}


def main():
    folder = sys.argv[1]
    with open(os.path.join(folder, "cases.json")) as f:
        cases = json.load(f)
    torch.set_num_threads(2)
    results = {}
    for case in cases:
        extra = {"torchvision_names.json": "", "fovea.json": ""}
        scripted = torch.jit.load(os.path.join(folder, case["file"]), _extra_files=extra)
        images = [torch.from_numpy(np.fromfile(os.path.join(folder, image["file"]),
                                               dtype=np.float32).reshape(image["shape"]))
                  for image in case["images"]]
        expected = [{"boxes": torch.tensor(e["boxes"], dtype=torch.float32).reshape(-1, 4),
                     "scores": torch.tensor(e["scores"], dtype=torch.float32),
                     "labels": torch.tensor(e["labels"], dtype=torch.int64)}
                    for e in case["in_app"]]
        with torch.no_grad():
            outputs = [scripted([image])[0] for image in images]
        result = {"labels": scripted.class_labels(),
                  "metadata": json.loads(extra["fovea.json"]),
                  "in_app": compare(outputs, expected)}
        builder = case.get("torchvision_builder")
        if builder:
            names = json.loads(extra["torchvision_names.json"])
            state = {name: getattr(scripted, attribute) for attribute, name in names.items()}
            model = getattr(torchvision.models.detection, builder)(
                weights=None, weights_backbone=None, num_classes=case["num_classes"],
                min_size=case["min_size"], max_size=case["max_size"])
            model.load_state_dict(state)  # strict: every name and shape must fit
            model.eval()
            with torch.no_grad():
                reference = [model([image])[0] for image in images]
            result["torchvision"] = compare(outputs, reference)
        results[case["name"]] = result
    print(json.dumps(results))


if __name__ == "__main__":
    main()
