"""What the Python references of the benchmarks share: the dataset a user writes over a list of
image files, and the forward pass of a plain or tuned script."""
import contextlib

import torch
from PIL import Image
from torch.utils.data import Dataset


class Files(Dataset):
    """Images from a list of files with torchvision's default PIL loader; the target is the
    file's position in the list."""

    def __init__(self, files, transform):
        self.files = files
        self.transform = transform

    def __len__(self):
        return len(self.files)

    def __getitem__(self, index):
        with open(self.files[index], "rb") as f:
            image = Image.open(f).convert("RGB")  # torchvision.datasets.folder.pil_loader
        return self.transform(image), index


def forward(model, inputs, channels_last, bf16):
    """The model's float32 outputs, in the channels-last layout and under bf16 autocast when
    asked (as a tuned CPU script runs it; the model must already be channels-last)."""
    if channels_last:
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    autocast = (torch.autocast("cpu", dtype=torch.bfloat16) if bf16
                else contextlib.nullcontext())
    with autocast:
        outputs = model(inputs)
    return outputs.float()
