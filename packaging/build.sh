#!/usr/bin/env bash
# Installs what is missing (setup.sh), then configures and builds one CMake preset: everything,
# or only the targets named after it (e.g. the two programs, without the tests).
# Usage: packaging/build.sh [preset [target...]]   (default: release, every target)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset="${1:-release}"
targets=("${@:2}")

# The tensor-only preset needs only LibTorch's side of the dependencies.
if [[ $preset == tensor-only ]]; then
    "$root/packaging/setup.sh" --tensor-only
else
    "$root/packaging/setup.sh"
fi
cd "$root"
cmake --preset "$preset" >/dev/null
if ((${#targets[@]})); then
    cmake --build --preset "$preset" --target "${targets[@]}"
else
    cmake --build --preset "$preset"
fi

# The offline default weights: converted once from the nsfwjs package setup.sh installed.
cli="$root/build/${FOVEA_BUILD_PREFIX:-}$preset/bin/fovea-cli"
if [[ -x "$cli" ]]; then
    "$cli" prepare-offline-weights
fi
