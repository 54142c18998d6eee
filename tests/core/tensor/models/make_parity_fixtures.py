"""Writes torchvision reference weights, inputs and outputs for Fovea's parity tests.

Usage: /usr/bin/python3 make_parity_fixtures.py OUT_DIR THREADS ARCH[:SIZE] ...

For each architecture: a torchvision model with its own initialisation and randomised
BatchNorm statistics (so eval mode really exercises them), saved with
torch.save(model.state_dict()) -- an OrderedDict with _metadata, exactly as torchvision's
weight files are -- plus ARCH.io.pth holding the input and eval-mode logits. For ARCH:train
it also runs one train-mode forward after torch.manual_seed(123) and saves those logits and the
state dict afterwards (updated running statistics).
"""
import sys

import torch
import torchvision


def randomise_batch_norm(model, generator):
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                module.running_mean.uniform_(-0.5, 0.5, generator=generator)
                module.running_var.uniform_(0.5, 1.5, generator=generator)
                module.weight.uniform_(0.5, 1.5, generator=generator)
                module.bias.uniform_(-0.2, 0.2, generator=generator)


def build(name):
    if name == "inception_v3":
        return torchvision.models.inception_v3(init_weights=True, aux_logits=True)
    return getattr(torchvision.models, name)()


def main():
    out_dir, threads = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(threads)
    for spec in sys.argv[3:]:
        parts = spec.split(":")
        name, size = parts[0], int(parts[1])
        train = "train" in parts[2:]
        torch.manual_seed(0)
        generator = torch.Generator().manual_seed(1)
        model = build(name)
        randomise_batch_norm(model, generator)
        model.eval()
        torch.save(model.state_dict(), f"{out_dir}/{name}.pth")
        x = torch.randn(2, 3, size, size, generator=generator)
        with torch.no_grad():
            outputs = {"input": x, "logits": model(x)}
        if train:
            model.train()
            torch.manual_seed(123)
            logits = model(x)
            if isinstance(logits, tuple):
                logits = logits[0]
            outputs["train_logits"] = logits.detach()
            torch.save(model.state_dict(), f"{out_dir}/{name}.after_train.pth")
        torch.save(outputs, f"{out_dir}/{name}.io.pth")


if __name__ == "__main__":
    main()
