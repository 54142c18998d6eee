#!/usr/bin/env bash
# Quick start, first command: installs what is missing, builds, runs the built-in demo
# (fovea-cli demo: a Fashion-MNIST project, MobileNetV2 fine-tuned with its ImageNet blocks
# frozen, an ONNX model bundle checked by the parity gate) and opens the workbench on the demo
# project. Without a display it stops after the headless demo and says so.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Only the programs: the tests are not needed to see the demo (packaging/test.sh builds them).
"$root/packaging/build.sh" release fovea-cli fovea
bin="$root/build/release/bin"

data_home="${XDG_DATA_HOME:-$HOME/.local/share}/fovea"
demo="$data_home/demo"
# The demo refuses a folder that already holds a run: start from a clean one each time.
rm -rf "$demo"
"$bin/fovea-cli" demo --out "$demo"

if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    echo "demo.sh: no display (neither DISPLAY nor WAYLAND_DISPLAY is set): the workbench window"
    echo "demo.sh: is not opened. The demo's project, run and model are in $demo"
    exit 0
fi

echo "demo.sh: opening the workbench on $demo/project"
exec "$bin/fovea" --project "$demo/project"
