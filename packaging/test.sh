#!/usr/bin/env bash
# Quick start, second command: installs what is missing, builds, and runs the whole test suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# The tensor side of core must build without OpenCV or Qt (so it can be compiled against a CUDA
# LibTorch): prove it with a build that has neither on its include path, and run its tests.
"$root/packaging/build.sh" tensor-only
# The parity and reference tests (torchvision, TensorFlow.js) run once, in the full suite below.
# (--test-dir, not --preset: a test preset's own filter would override --label-exclude.)
ctest --test-dir build/tensor-only --output-on-failure --label-exclude "parity|reference|bench" \
    >build/tensor-only-ctest.log 2>&1 || {
    cat build/tensor-only-ctest.log
    echo "test.sh: the tensor-only build failed its tests" >&2
    exit 1
}
echo "test.sh: tensor-only build and its tests passed"

"$root/packaging/build.sh" release
ctest --preset release

# A short fuzzing pass over the readers of user files (weights, CSV, project database, images);
# packaging/fuzz.sh without a time runs each target longer.
"$root/packaging/fuzz.sh" 20
