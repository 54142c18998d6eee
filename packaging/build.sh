#!/usr/bin/env bash
# Installs what is missing (setup.sh), then configures and builds one CMake preset.
# Usage: packaging/build.sh [preset]   (default: release)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset="${1:-release}"

"$root/packaging/setup.sh"
cd "$root"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"

# The offline default weights: converted once from the nsfwjs package setup.sh installed.
cli="$root/build/$preset/bin/fovea-cli"
if [[ -x "$cli" ]]; then
    "$cli" prepare-offline-weights
fi
