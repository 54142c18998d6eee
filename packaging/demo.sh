#!/usr/bin/env bash
# Quick start, first command: installs what is missing, builds, and opens the workbench.
# Without a display it runs the headless workbench (fovea-cli) instead and says so.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/packaging/build.sh" release
bin="$root/build/release/bin"

data_home="${XDG_DATA_HOME:-$HOME/.local/share}/fovea"
project="$data_home/projects/empty"
mkdir -p "$project"

if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    echo "demo.sh: no display (neither DISPLAY nor WAYLAND_DISPLAY is set):"
    echo "demo.sh: running the headless workbench, fovea-cli, instead of the window."
    "$bin/fovea-cli" info
    echo "demo.sh: the built-in training demo (fovea-cli demo) is not part of this version yet."
    exit 0
fi

echo "demo.sh: opening the workbench on $project"
exec "$bin/fovea" --project "$project"
