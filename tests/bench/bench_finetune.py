#!/usr/bin/python3
"""The Python full fine-tuning loop a user would write, as the reference for Fovea's trainer:
torchvision's ImageFolder + Resize(256)/RandomResizedCrop(224, scale 0.35-1)/
RandomHorizontalFlip/ToTensor/Normalize through a shuffled DataLoader, a torchvision network
(random initialisation, as Fovea's side) with every parameter trained by SGD with momentum.

MODE "plain": fp32 in the default layout, as most scripts are written. MODE "best": what a
tuned script does on a CPU: channels-last, and bf16 autocast (fp32 loss) where this torch can
train the network in bf16 (tried on the warm-up batch; the reason is printed when not).

One warm-up batch (forward, backward, step with a throw-away optimizer) runs before the clock
starts, as Fovea's side does, so one-off set-up costs (oneDNN primitives, allocator) are left
out of both. Prints one JSON object with the time, CPU time and images/s of the timed epochs.

usage: bench_finetune.py FOLDER EPOCHS BATCH WORKERS THREADS ARCH MODE
"""
import json
import resource
import sys
import time

import torch
import torchvision
from torch.utils.data import DataLoader, Subset
from torchvision import transforms

from bench_support import forward


def loaded_blas():
    """The BLAS shared object this process runs with (Debian picks it at run time)."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "blas" in path.lower():
                return path
    return "unknown"


def train_step(model, optimizer, criterion, inputs, targets, tuning):
    optimizer.zero_grad()
    outputs = forward(model, inputs, tuning["channels_last"], tuning["bf16"])
    loss = criterion(outputs, targets)
    loss.backward()
    optimizer.step()
    return outputs, loss


def cpu_seconds():
    """User + system CPU time of this process and its reaped children (the DataLoader workers,
    joined at the end of every epoch), less sensitive to other processes' load than wall time."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main():
    folder = sys.argv[1]
    epochs, batch, workers, threads = (int(v) for v in sys.argv[2:6])
    arch, mode = sys.argv[6:8]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # loads the BLAS library

    model = getattr(torchvision.models, arch)(num_classes=10)
    tuning = {"channels_last": mode == "best", "bf16": mode == "best", "note": ""}
    if tuning["channels_last"]:
        model = model.to(memory_format=torch.channels_last)
    criterion = torch.nn.CrossEntropyLoss()
    dataset = torchvision.datasets.ImageFolder(folder, transforms.Compose([
        transforms.Resize(256),
        transforms.RandomResizedCrop(224, scale=(0.35, 1.0)),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ]))

    model.train()
    warm_inputs, warm_targets = next(iter(DataLoader(Subset(dataset, range(batch)),
                                                     batch_size=batch)))
    warm_optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    try:
        train_step(model, warm_optimizer, criterion, warm_inputs, warm_targets, tuning)
    except RuntimeError as error:
        if not tuning["bf16"]:
            raise
        tuning["bf16"] = False
        tuning["note"] = "bf16 autocast cannot train it here: " + str(error).splitlines()[0]
        train_step(model, warm_optimizer, criterion, warm_inputs, warm_targets, tuning)
    del warm_optimizer

    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    start = time.perf_counter()
    cpu_start = cpu_seconds()
    loader = DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=workers)
    images = 0
    for _ in range(epochs):
        model.train()
        running_loss = 0.0
        correct = 0
        for inputs, targets in loader:
            outputs, loss = train_step(model, optimizer, criterion, inputs, targets, tuning)
            running_loss += loss.item() * inputs.shape[0]
            correct += (outputs.argmax(1) == targets).sum().item()
            images += inputs.shape[0]
        last_loss = running_loss / len(dataset)
        last_accuracy = correct / len(dataset)
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu_start
    print(json.dumps({
        "images": images,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "images_per_second": images / seconds,
        "dataset_images": len(dataset),
        "parameters": sum(p.numel() for p in model.parameters()),
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "last_epoch_loss": last_loss,
        "last_epoch_accuracy": last_accuracy,
        "threads": torch.get_num_threads(),
        "channels_last": tuning["channels_last"],
        "bf16": tuning["bf16"],
        "note": tuning["note"],
        "blas": loaded_blas(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
    }))


if __name__ == "__main__":
    main()
