"""Loads Fovea's exported .pth and TorchScript files with Python torch/torchvision.

Usage: /usr/bin/python3 check_exports.py FOLDER ARCH:SIZE:CLASSES ...

For each ARCH, FOLDER/ARCH.pth goes through
torchvision.models.ARCH(num_classes=CLASSES).load_state_dict(torch.load(...)) (strict), and
FOLDER/ARCH.pt through torch.jit.load. Both run on the pattern input the C++ test uses; the
probabilities, labels and preprocessing found in the files are printed as one JSON object for
the C++ side to compare with the in-app network.
"""
import json
import sys

import torch
import torchvision


def pattern_input(count, size):
    index = torch.arange(count * 3 * size * size, dtype=torch.int64)
    return ((index * 7919) % 1000).to(torch.float32).div(1000.0).view(count, 3, size, size)


def build(name, classes):
    if name == "inception_v3":
        # As the recipe has it: the default aux_logits=True, whose classifier Fovea keeps.
        return torchvision.models.inception_v3(num_classes=classes, init_weights=False)
    return getattr(torchvision.models, name)(num_classes=classes)


def main():
    folder = sys.argv[1]
    results = {}
    for spec in sys.argv[2:]:
        name, size, classes = spec.split(":")
        inputs = pattern_input(2, int(size))

        state = torch.load(f"{folder}/{name}.pth")
        fovea = state._metadata["fovea"]
        model = build(name, int(classes))
        model.load_state_dict(state)
        model.eval()
        mean = torch.tensor(fovea["preprocessing"]["mean"]).view(1, 3, 1, 1)
        std = torch.tensor(fovea["preprocessing"]["std"]).view(1, 3, 1, 1)

        scripted = torch.jit.load(f"{folder}/{name}.pt")
        with torch.no_grad():
            from_pth = torch.softmax(model((inputs - mean) / std), 1)
            from_script = scripted(inputs)
        results[name] = {
            "pth": from_pth.flatten().tolist(),
            "torchscript": from_script.flatten().tolist(),
            "pth_labels": fovea["labels"],
            "torchscript_labels": scripted.class_labels(),
            "torchscript_preprocessing": json.loads(scripted.preprocessing_json()),
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
