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
ctest --test-dir build/tensor-only -j 2 --output-on-failure --label-exclude "parity|reference|bench" \
    >build/tensor-only-ctest.log 2>&1 || {
    cat build/tensor-only-ctest.log
    echo "test.sh: the tensor-only build failed its tests" >&2
    exit 1
}
echo "test.sh: tensor-only build and its tests passed"

# The same tensor side against LibTorch 2.6, in a Debian 13 root outside the clone (made once
# with debootstrap, then reused): one source tree for LibTorch 1.13 and 2.x.
"$root/packaging/debian13.sh" >build/debian13-tensor-only.log 2>&1 || {
    tail -80 build/debian13-tensor-only.log
    echo "test.sh: the Debian 13 (LibTorch 2.6) tensor-only build or its tests failed" >&2
    exit 1
}
grep -E "tests passed" build/debian13-tensor-only.log | tail -1
echo "test.sh: Debian 13 (LibTorch 2.6) tensor-only build and its tests passed"

"$root/packaging/build.sh" release
ctest --preset release

# A short fuzzing pass over the readers of user files (weights, CSV, project database, images);
# packaging/fuzz.sh without a time runs each target longer.
"$root/packaging/fuzz.sh" 20
