#!/usr/bin/env bash
# Quick start, second command: installs what is missing, builds, and runs the whole test suite.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p build
started=$SECONDS
phase() { echo "test.sh: $1 ($((SECONDS - started)) s since start)"; }

"$root/packaging/setup.sh"

# The Debian 13 root (debootstrap, then LibTorch 2.6 and the tensor side's packages) is mostly
# downloading and unpacking: it is made while this machine compiles the release build.
"$root/packaging/debian13.sh" true >build/debian13-root.log 2>&1 &
root_maker=$!

"$root/packaging/build.sh" release
phase "release build finished"

wait "$root_maker" || {
    tail -40 build/debian13-root.log
    echo "test.sh: making the Debian 13 root failed (log: build/debian13-root.log)" >&2
    exit 1
}
phase "Debian 13 root ready"

# The whole suite; nothing else runs beside it (the GUI tests measure how long the window stalls).
ctest --preset release
phase "release suite passed"

# The tensor side against LibTorch 2.6, in the Debian 13 root: one source tree for LibTorch 1.13
# and 2.x. The root has neither OpenCV nor Qt installed, which also proves the tensor side needs
# neither. (Its parity and reference tests ran in the suite above.)
"$root/packaging/debian13.sh" >build/debian13-tensor-only.log 2>&1 || {
    tail -80 build/debian13-tensor-only.log
    echo "test.sh: the Debian 13 (LibTorch 2.6) tensor-only build or its tests failed" >&2
    exit 1
}
grep -E "tests passed" build/debian13-tensor-only.log | tail -1
phase "Debian 13 (LibTorch 2.6) tensor-only build and its tests passed"

# A short fuzzing pass over the readers of user files (weights, CSV, project database, images);
# packaging/fuzz.sh without a time runs each target longer.
"$root/packaging/fuzz.sh" 20
phase "finished"
