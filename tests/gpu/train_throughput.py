"""PyTorch eager half of packaging/gpu-check.sh's benchmark: the recipe of
train_throughput.cpp written as a tuned Python user would (torchvision network, channels-last,
autocast, AdamW without decay on biases and norms, pinned batches copied without blocking, no
loss read-back per step). Prints one JSON line."""
import argparse
import json
import time

import torch
import torchvision

CLASSES = 10
DISTINCT_BATCHES = 4


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", default="resnet50")
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--precision", default="bf16", choices=["fp32", "bf16", "fp16"])
    parser.add_argument("--memory-format", default="channels_last",
                        choices=["channels_last", "contiguous"])
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    a = parser.parse_args()

    cuda = torch.cuda.is_available() and a.device != "cpu"
    device = torch.device("cuda" if cuda else "cpu")
    if cuda:
        torch.backends.cudnn.benchmark = True
    layout = torch.channels_last if a.memory_format == "channels_last" else torch.contiguous_format
    model = getattr(torchvision.models, a.arch)(num_classes=CLASSES).to(device, memory_format=layout)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 1e-2},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": None}[a.precision]
    scaler = None
    if a.precision == "fp16":  # torch.amp.GradScaler since 2.3; torch.cuda.amp's before
        amp = torch.amp if hasattr(torch.amp, "GradScaler") else torch.cuda.amp
        scaler = amp.GradScaler("cuda") if amp is torch.amp else amp.GradScaler()

    torch.manual_seed(0)
    batches = []
    for _ in range(DISTINCT_BATCHES):
        images = torch.randn(a.batch_size, 3, a.image_size, a.image_size)
        batches.append((images.pin_memory() if cuda else images,
                        torch.randint(CLASSES, (a.batch_size,))))

    def step(i):
        images, targets = batches[i % DISTINCT_BATCHES]
        images = images.to(device, non_blocking=True).contiguous(memory_format=layout)
        targets = targets.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
            logits = model(images)
        loss = torch.nn.functional.cross_entropy(logits.float(), targets)
        optimizer.zero_grad(set_to_none=True)
        if scaler:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        else:
            loss.backward()
            optimizer.step()
        return loss

    model.train()
    for i in range(a.warmup):
        step(i)
    if cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    for i in range(a.steps):
        loss = step(i)
    final = loss.item()  # waits for the device
    seconds = time.perf_counter() - start
    print(json.dumps({
        "implementation": "pytorch_eager", "arch": a.arch, "image_size": a.image_size,
        "batch_size": a.batch_size, "precision": a.precision,
        "channels_last": a.memory_format == "channels_last", "device": str(device),
        "device_name": torch.cuda.get_device_name(0) if cuda else "cpu",
        "torch": torch.__version__, "steps": a.steps, "seconds": seconds,
        "images_per_second": a.steps * a.batch_size / seconds, "final_loss": final}))


if __name__ == "__main__":
    main()
