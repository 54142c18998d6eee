#!/usr/bin/python3
"""The Python reference for Fovea's trainer: torchvision's network with the same initial
weights, trained on the same batches with torch.optim, printing the loss of every step.

usage: reference_training.py DIR
DIR/config.json: {"arch", "num_classes", "optimizer": "sgd"|"adamw", "lr", "momentum",
                  "nesterov", "weight_decay", "betas", "eps", "schedule": "constant"|"cosine",
                  "seed"}
DIR/init.safetensors: the initial state dict; DIR/batches.safetensors: "images" [S, B, 3, H, W]
and "targets" [S, B]. Writes DIR/losses.json: [loss of step 0, ...].
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

DTYPES = {"F32": np.float32, "I64": np.int64}


def read_safetensors(path):
    raw = open(path, "rb").read()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    header.pop("__metadata__", None)
    data = raw[8 + size:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors


def main():
    folder = sys.argv[1]
    config = json.load(open(f"{folder}/config.json"))
    torch.set_num_threads(int(config.get("threads", 1)))
    model = torchvision.models.__dict__[config["arch"]](num_classes=config["num_classes"])
    model.load_state_dict(read_safetensors(f"{folder}/init.safetensors"), strict=True)
    batches = read_safetensors(f"{folder}/batches.safetensors")
    images, targets = batches["images"], batches["targets"]
    steps = images.shape[0]

    # No weight decay on biases and normalisation weights, as Fovea does.
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim <= 1]
    groups = [{"params": decay, "weight_decay": config["weight_decay"]},
              {"params": no_decay, "weight_decay": 0.0}]
    if config["optimizer"] == "sgd":
        optimizer = torch.optim.SGD(groups, lr=config["lr"], momentum=config["momentum"],
                                    nesterov=config["nesterov"])
    else:
        optimizer = torch.optim.AdamW(groups, lr=config["lr"], betas=tuple(config["betas"]),
                                      eps=config["eps"])
    scheduler = None
    if config["schedule"] == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)

    torch.manual_seed(config["seed"])
    model.train()
    losses = []
    for step in range(steps):
        logits = model(images[step])
        loss = F.cross_entropy(logits, targets[step])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler:
            scheduler.step()
        losses.append(loss.item())
    json.dump(losses, open(f"{folder}/losses.json", "w"))


if __name__ == "__main__":
    main()
