"""Writes torchvision weights, an input and a reference Grad-CAM for Fovea's Grad-CAM tests.

Usage: /usr/bin/python3 grad_cam_reference.py OUT_DIR THREADS ARCH:SIZE ...

For each architecture: a torchvision model with its own initialisation and randomised
BatchNorm statistics (as make_parity_fixtures.py), saved with torch.save(model.state_dict()) to
ARCH.pth, and ARCH.cam.pth holding a fixed [1, 3, SIZE, SIZE] input, the eval-mode logits, the
top-1 class and its softmax probability, and the Grad-CAM heatmap for that class.

Grad-CAM (Selvaraju et al., ICCV 2017) as pytorch-grad-cam computes it, written out here with a
forward hook on the layer its examples target: the activations A of that layer, the gradient of
the class logit with respect to them, weights = that gradient averaged over height and width,
map = ReLU(sum_c w_c A_c), scaled to [0, 1] by its minimum and maximum (all zeros when flat),
then upsampled bilinearly (align_corners=False, as cv2.resize) to the input's size.
"""
import os
import sys

import torch
import torch.nn.functional as F

# The same torchvision models and randomised BatchNorm statistics as the logits parity test.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
from make_parity_fixtures import build, randomise_batch_norm  # noqa: E402


def target_layer(model, name):
    """The last convolutional block, as pytorch-grad-cam's README picks it."""
    if name.startswith("resnet"):
        return model.layer4
    if name.startswith("inception"):
        return model.Mixed_7c
    # VGG: features[-1] is the last max-pool; MobileNet/EfficientNet: the last 1x1 conv block.
    return model.features[-1]


def grad_cam(model, layer, x):
    captured = {}
    handle = layer.register_forward_hook(lambda module, inputs, output: captured.update(a=output))
    try:
        logits = model(x)
    finally:
        handle.remove()
    activations = captured["a"]
    target = int(logits.argmax(1))
    (gradient,) = torch.autograd.grad(logits[0, target], activations)
    with torch.no_grad():
        weights = gradient.mean(dim=(2, 3), keepdim=True)
        cam = torch.relu((weights * activations).sum(1, keepdim=True))
        cam = cam - cam.min()
        top = cam.max()
        cam = cam / top if top > 0 else torch.zeros_like(cam)
        cam = F.interpolate(cam, size=x.shape[2:], mode="bilinear", align_corners=False)[0, 0]
        probability = torch.softmax(logits, 1)[0, target]
    return {
        "input": x,
        "logits": logits.detach(),
        "heatmap": cam,
        "target_class": torch.tensor([target], dtype=torch.int64),
        "probability": probability.reshape(1),
        "activation_size": torch.tensor(list(activations.shape[2:]), dtype=torch.int64),
    }


def main():
    out_dir, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    for spec in sys.argv[3:]:
        name, size = spec.split(":")
        torch.manual_seed(0)
        generator = torch.Generator().manual_seed(1)
        model = build(name)
        randomise_batch_norm(model, generator)
        model.eval()
        torch.save(model.state_dict(), f"{out_dir}/{name}.pth")
        x = torch.randn(1, 3, int(size), int(size), generator=generator)
        torch.save(grad_cam(model, target_layer(model, name), x), f"{out_dir}/{name}.cam.pth")


if __name__ == "__main__":
    main()
