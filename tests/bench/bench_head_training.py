#!/usr/bin/python3
"""The plain Python head-only training loop a user would write, as the reference for Fovea's
trainer with its decoded-image and frozen-prefix feature caches: torchvision's ImageFolder +
Resize/CenterCrop/ToTensor/Normalize through a DataLoader, MobileNetV2 (random initialisation,
as Fovea's side) with every `features` parameter frozen and only the classifier trained by SGD.

Like a careful user, the frozen part is put in eval mode after every model.train(), so its
BatchNorm layers use (and keep) their running statistics, as Fovea's frozen blocks do. Without
that, model.train() would make the frozen BatchNorm layers normalise with batch statistics and
overwrite their running statistics: the "frozen" features would drift.

Prints one JSON object with the time, CPU time and images/s of the data + training loop (model
construction and imports left out, as on Fovea's side).

MODE "plain": fp32 in the default layout, as most scripts are written. MODE "best": what a
tuned script does on a CPU: channels-last and bf16 autocast (fp32 loss).

usage: bench_head_training.py FOLDER EPOCHS BATCH WORKERS THREADS RESIZE CROP MODE
"""
import json
import resource
import sys
import time

import torch
import torchvision
from torch.utils.data import DataLoader
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


def multiply_accumulates(model, size):
    """Multiply-adds of one forward pass over convolutions and linear layers, counted the way
    Fovea's countMultiplyAccumulates does: output elements x products per output element."""
    total = 0

    def count(module, _inputs, output):
        nonlocal total
        weight = module.weight
        per_output = weight[0].numel() if isinstance(module, torch.nn.Conv2d) else weight.shape[1]
        total += output.numel() * per_output

    hooks = [m.register_forward_hook(count) for m in model.modules()
             if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    model.train(was_training)
    for hook in hooks:
        hook.remove()
    return total


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
    epochs, batch, workers, threads, resize, crop = (int(v) for v in sys.argv[2:8])
    best = sys.argv[8] == "best"
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # loads the BLAS library

    model = torchvision.models.mobilenet_v2(num_classes=10)
    for parameter in model.features.parameters():
        parameter.requires_grad = False
    if best:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.classifier.parameters(), lr=0.01, momentum=0.9)
    criterion = torch.nn.CrossEntropyLoss()

    start = time.perf_counter()
    cpu_start = cpu_seconds()
    dataset = torchvision.datasets.ImageFolder(folder, transforms.Compose([
        transforms.Resize(resize),
        transforms.CenterCrop(crop),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ]))
    loader = DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=workers)
    images = 0
    for _ in range(epochs):
        model.train()
        model.features.eval()  # frozen: keep BatchNorm's running statistics
        running_loss = 0.0
        correct = 0
        for inputs, targets in loader:
            optimizer.zero_grad()
            outputs = forward(model, inputs, channels_last=best, bf16=best)
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
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
        "multiply_accumulates": multiply_accumulates(model, crop),
        "threads": torch.get_num_threads(),
        "mode": sys.argv[8],
        "blas": loaded_blas(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
    }))


if __name__ == "__main__":
    main()
