#!/usr/bin/env bash
# The GPU check: on a Linux machine with an NVIDIA GPU and a LibTorch (or a torch wheel, whose
# bundled LibTorch it finds), builds the tensor-only preset, runs its tests with CUDA required
# (a CUDA test that would skip fails instead), and benchmarks ResNet-50 training (224 px, batch
# 64, bf16 autocast, channels-last): Fovea's trainer against the same recipe in PyTorch eager,
# in the same run. The last line printed is one JSON object with the figures.
#
# Usage:
#   packaging/gpu-check.sh                    # on the GPU machine
#   packaging/gpu-check.sh --prepare-deps DIR # on a Debian machine: the headers and sources the
#                                             # build needs where no -dev packages are installed
#
# Environment:
#   FOVEA_GPU_DEPS      what --prepare-deps made (default build/gpu-deps); used for whatever the
#                       machine lacks (nlohmann-json, GoogleTest sources)
#   CMAKE_PREFIX_PATH   a LibTorch to use instead of the torch wheel's
#   FOVEA_GPU_CHECK_CPU=1  run everything on the CPU with a tiny benchmark (to try the script on a
#                       machine without a GPU; the result then says "cpu_dry_run")
#   FOVEA_GPU_CHECK_STEPS  measured benchmark steps (default 50; warm-up 10)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ "${1:-}" == --prepare-deps ]]; then
    dir="$(mkdir -p "${2:?--prepare-deps DIR}" && cd "$2" && pwd)"
    tmp="$(mktemp -d)"
    chmod 755 "$tmp"  # apt's download user writes there
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && apt-get download nlohmann-json3-dev googletest >/dev/null)
    for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$dir"; done
    echo "gpu-check: dependencies unpacked in $dir ($(du -sh "$dir" | cut -f1))"
    exit 0
fi

deps="${FOVEA_GPU_DEPS:-$root/build/gpu-deps}"
dry_run="${FOVEA_GPU_CHECK_CPU:-0}"
log() { echo "gpu-check: $*" >&2; }
die() {
    log "FAILED: $*"
    echo "{\"gpu_check\": \"failed\", \"reason\": \"$*\"}"
    exit 1
}

command -v python3 >/dev/null || die "python3 is missing"
command -v cmake >/dev/null || die "cmake is missing"
python3 -c 'import torch, torchvision' 2>/dev/null || die "python3 cannot import torch and torchvision"
cuda_in_python="$(python3 -c 'import torch; print(int(torch.cuda.is_available()))')"
if [[ $dry_run != 1 && $cuda_in_python != 1 ]]; then
    die "no CUDA device visible to PyTorch (FOVEA_GPU_CHECK_CPU=1 tries the script on the CPU)"
fi

# LibTorch: the one given, else the torch wheel's (its CMake files sit under cmake_prefix_path).
prefix="${CMAKE_PREFIX_PATH:-$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')}"
cmake_args=("-DCMAKE_PREFIX_PATH=$prefix;$deps/usr")
[[ -d "$deps/usr/share/cmake/nlohmann_json" ]] &&
    cmake_args+=("-Dnlohmann_json_DIR=$deps/usr/share/cmake/nlohmann_json")
# GoogleTest from the given sources whenever they are there (a system GoogleTest may have been
# built with another C++ ABI than the wheel's LibTorch).
if [[ -d "$deps/usr/src/googletest" ]]; then
    cmake_args+=("-DFOVEA_GTEST_SOURCE_DIR=$deps/usr/src/googletest")
fi
# The wheel's LibTorch finds CUDA through the toolkit's nvcc.
if command -v nvcc >/dev/null; then
    cmake_args+=("-DCMAKE_CUDA_COMPILER=$(command -v nvcc)")
fi
generator_args=()
command -v ninja >/dev/null || generator_args=(-G "Unix Makefiles")

export FOVEA_BUILD_PREFIX=gpu-check-
build="$root/build/gpu-check-tensor-only"
start=$SECONDS
log "configuring against LibTorch in $prefix"
cmake --preset tensor-only "${generator_args[@]}" "${cmake_args[@]}" >"$root/build/gpu-check-configure.log" 2>&1 ||
    { tail -30 "$root/build/gpu-check-configure.log" >&2; die "cmake configure failed"; }
log "building ($(nproc) jobs)"
cmake --build "$build" --parallel "$(nproc)" >"$root/build/gpu-check-build.log" 2>&1 ||
    { grep -m 20 -E "error|Error" "$root/build/gpu-check-build.log" >&2 || true; die "the build failed"; }
build_seconds=$((SECONDS - start))

# The tests, with CUDA required: a CUDA test that finds no device fails rather than skips.
start=$SECONDS
[[ $dry_run == 1 ]] || export FOVEA_REQUIRE_CUDA=1
ctest_log="$root/build/gpu-check-ctest.log"
# Left out beside the reference suites: those whose independent readers run on Debian's Python
# packages (python3-protobuf with protoc, python3-torch), which a GPU machine need not have.
if ! ctest --test-dir "$build" --output-on-failure --label-exclude "parity|reference|bench" \
        --exclude-regex "^core_(run_log|run_folder|weights)_tests" \
        -j "$(nproc)" >"$ctest_log" 2>&1; then
    tail -60 "$ctest_log" >&2
    die "tests failed"
fi
tests_summary="$(grep -E "tests passed" "$ctest_log" | tail -1)"
# The CUDA tests themselves, listed: they must have run and passed, not skipped.
cuda_log="$root/build/gpu-check-cuda-tests.log"
"$build/tests/core_training_tests" --gtest_filter='CudaTraining.*' >"$cuda_log" 2>&1 || true
"$build/tests/core_tensor_tests" --gtest_filter='*Cuda*:*Gpu*' >>"$cuda_log" 2>&1 || true
"$build/tests/core_distributed_tests" --gtest_filter='CudaCollectives.*' >>"$cuda_log" 2>&1 || true
cuda_passed="$(grep -c '^\[       OK \]' "$cuda_log" || true)"
cuda_skipped="$(grep -c '^\[  SKIPPED \]' "$cuda_log" || true)"
cuda_failed="$(grep -c '^\[  FAILED  \]' "$cuda_log" || true)"
if [[ $dry_run != 1 ]] && ((cuda_skipped > 0 || cuda_failed > 0 || cuda_passed == 0)); then
    cat "$cuda_log" >&2
    die "CUDA tests: $cuda_passed passed, $cuda_skipped skipped, $cuda_failed failed"
fi
test_seconds=$((SECONDS - start))
log "tests: $tests_summary; CUDA tests: $cuda_passed passed"

# The benchmark: the same recipe in PyTorch eager and in Fovea's trainer, one after the other.
bench=(--arch resnet50 --image-size 224 --batch-size 64 --precision bf16
       --memory-format channels_last --warmup 10 --steps "${FOVEA_GPU_CHECK_STEPS:-50}")
if [[ $dry_run == 1 ]]; then
    bench=(--arch resnet18 --image-size 64 --batch-size 8 --precision bf16
           --memory-format channels_last --warmup 2 --steps "${FOVEA_GPU_CHECK_STEPS:-4}")
fi
log "benchmark: PyTorch eager"
python3 "$root/tests/gpu/train_throughput.py" "${bench[@]}" >"$root/build/gpu-check-pytorch.json" ||
    die "the PyTorch benchmark failed"
log "benchmark: Fovea"
"$build/bench/train_throughput" "${bench[@]}" >"$root/build/gpu-check-fovea.json" ||
    die "the Fovea benchmark failed"

python3 - "$root/build/gpu-check-pytorch.json" "$root/build/gpu-check-fovea.json" \
    "$dry_run" "$build_seconds" "$test_seconds" "$tests_summary" "$cuda_passed" <<'EOF'
import json, sys
pytorch = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
fovea = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
print(json.dumps({
    "gpu_check": "cpu_dry_run" if sys.argv[3] == "1" else "passed",
    "device": fovea["device_name"], "libtorch": fovea["libtorch"], "torch": pytorch["torch"],
    "build_seconds": int(sys.argv[4]), "test_seconds": int(sys.argv[5]),
    "tests": sys.argv[6], "cuda_tests_passed": int(sys.argv[7]),
    "benchmark": "%s %d px, batch %d, %s, channels-last: training images/s" % (
        fovea["arch"], fovea["image_size"], fovea["batch_size"], fovea["precision"]),
    "fovea_images_per_second": round(fovea["images_per_second"], 1),
    "pytorch_eager_images_per_second": round(pytorch["images_per_second"], 1),
    "ratio": round(fovea["images_per_second"] / pytorch["images_per_second"], 3),
}))
EOF
