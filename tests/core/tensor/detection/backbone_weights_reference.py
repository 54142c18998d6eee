"""Writes torchvision's detection backbones started from classification weights, for Fovea's
parity test (backbone_weights_parity_test.cpp).

Usage: /usr/bin/python3 backbone_weights_reference.py OUT_DIR THREADS

For mobilenet_v3_large and resnet50: a classification network with fixed random weights (every
batch norm's statistics and affine parameters random too, so that each tensor matters) is saved
as torchvision saves its ImageNet downloads (NAME_classification.pth, a plain state dict with the
classifier and the batch norms' counters). torchvision's own detection builder then starts from
it exactly as from the download: weights_backbone=IMAGENET1K_V1 with the download replaced by
that file (fasterrcnn_mobilenet_v3_large_fpn and fasterrcnn_resnet50_fpn, 4 classes:
FrozenBatchNorm2d, trainable_backbone_layers=3). NAME_detector.pth holds what came out: the
body's tensors ("backbone.body.*"), which of them train ("trainable.backbone.body.*", 0 or 1),
an input batch and the body's outputs on it ("output_0", "output_1", ...).
"""
import sys

import torch
import torchvision
from torchvision.models import MobileNet_V3_Large_Weights, ResNet50_Weights, _api
from torchvision.models.detection import faster_rcnn


def classification(name):
    torch.manual_seed(11)
    if name == "mobilenet_v3_large":
        model = torchvision.models.mobilenet_v3_large(weights=None)
    else:
        model = torchvision.models.resnet50(weights=None)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0.0, 0.1)
                module.running_mean.normal_(0.0, 0.1)
                module.running_var.uniform_(0.5, 1.5)
                module.num_batches_tracked.fill_(7)
            if name == "resnet50" and isinstance(module, torchvision.models.resnet.Bottleneck):
                # Keeps activations from growing by orders of magnitude through 16 blocks.
                module.bn3.weight.uniform_(0.05, 0.15)
    return model.state_dict()


def detector(name, state_dict):
    # The builder's download, replaced by the file: Weights.get_state_dict calls this.
    _api.load_state_dict_from_url = lambda url, progress=True: state_dict
    torch.manual_seed(0)
    if name == "mobilenet_v3_large":
        return faster_rcnn.fasterrcnn_mobilenet_v3_large_fpn(
            weights=None, weights_backbone=MobileNet_V3_Large_Weights.IMAGENET1K_V1,
            num_classes=4)
    return faster_rcnn.fasterrcnn_resnet50_fpn(
        weights=None, weights_backbone=ResNet50_Weights.IMAGENET1K_V1, num_classes=4)


def main():
    out_dir = sys.argv[1]
    torch.set_num_threads(int(sys.argv[2]))
    for name in ("mobilenet_v3_large", "resnet50"):
        state_dict = classification(name)
        torch.save(state_dict, f"{out_dir}/{name}_classification.pth")
        model = detector(name, torch.load(f"{out_dir}/{name}_classification.pth"))
        model.eval()
        out = {}
        for key, value in model.state_dict().items():
            if key.startswith("backbone.body."):
                out[key] = value
        for key, parameter in model.named_parameters():
            if key.startswith("backbone.body."):
                out["trainable." + key] = torch.tensor(int(parameter.requires_grad))
        batch = torch.rand(2, 3, 160, 224, generator=torch.Generator().manual_seed(5))
        out["batch"] = batch
        with torch.no_grad():
            for key, value in model.backbone.body(batch).items():
                out[f"output_{key}"] = value
        torch.save(out, f"{out_dir}/{name}_detector.pth")
        print(f"{name}: {len(state_dict)} classification tensors, "
              f"{sum(k.startswith('backbone.body.') for k in model.state_dict())} in the body")


if __name__ == "__main__":
    main()
