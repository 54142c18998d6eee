#!/usr/bin/env bash
# Builds the libFuzzer targets (the "fuzz" preset: clang, ASan + UBSan) and runs each one for a
# bounded time on a copy of its committed seed corpus (tests/fuzz/corpus/<target>; the copy in
# build/fuzz/run may grow, the committed corpus never does). Fails when a fuzzer finds a crash,
# a leak, undefined behaviour, a timeout or an out-of-memory input; the reproducer is then in
# build/fuzz/run/<target>/artifacts/. Replay it with FOVEA_FUZZ_VERBOSE=1
# build/fuzz/fuzz/<target>_fuzzer <file> (prints the reader's error), shrink it with -minimize_crash=1,
# fix the bug with a GoogleTest named after what it guards, and add the input to the corpus as
# regression_<what>.<ext> (e.g. corpus/image/regression_wide_62984x5.jpg).
# Usage: packaging/fuzz.sh [seconds-per-target] [target...]
#        targets: pth safetensors csv_import project_db image (default: all)
# setup.sh installs clang and libclang-rt-dev (libFuzzer and the sanitizer runtimes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(pth safetensors csv_import project_db image)
cd "$root"

started=$SECONDS
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
echo "fuzz.sh: built in $((SECONDS - started)) s"

# Sanitizer findings abort, so libFuzzer saves the input. LibTorch and OpenCV are not
# instrumented; tests/lsan.supp lists the leaks of theirs that are not ours to fix.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# One thread for LibTorch/OpenMP/OpenCV: the fuzzers are single-threaded and share the machine.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 OPENCV_FOR_THREADS_NUM=1

# Scratch files (each input is written to a file; csv_import and project_db create a project per
# input) go to memory when /dev/shm is there: SQLite's fsync per commit would dominate on disk.
scratch_base="$root/build/fuzz/run"
[[ -d /dev/shm && -w /dev/shm ]] && scratch_base=/dev/shm

failed=()
for target in "${targets[@]}"; do
    binary="build/fuzz/fuzz/${target}_fuzzer"
    seeds="tests/fuzz/corpus/$target"
    [[ -x "$binary" && -d "$seeds" ]] || { echo "fuzz.sh: unknown target $target" >&2; exit 2; }
    run="build/fuzz/run/$target"
    rm -rf "$run"
    scratch="$scratch_base/fovea-fuzz-$$-$target"
    mkdir -p "$run/corpus" "$run/artifacts" "$scratch"
    cp "$seeds"/* "$run/corpus/"
    log="$run/fuzz.log"
    # -timeout: one input taking longer is a hang; -rss_limit_mb: an input that makes a reader
    # allocate more is a finding (the readers promise to stay within the file's size).
    if TMPDIR="$scratch" "$binary" "$run/corpus" -max_total_time="$seconds" -timeout=30 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$run/artifacts/" \
        >"$log" 2>&1; then
        executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "fuzz.sh: $target: no crash in ${seconds} s, ${executed:-?} inputs," \
            "corpus $(ls "$run/corpus" | wc -l) files"
    else
        tail -n 60 "$log"
        echo "fuzz.sh: $target FAILED; reproducer: $(ls "$run/artifacts"/* 2>/dev/null | head -1)" >&2
        failed+=("$target")
    fi
    rm -rf "$scratch"
done

echo "fuzz.sh: finished in $((SECONDS - started)) s"
if ((${#failed[@]})); then
    echo "fuzz.sh: crashes in: ${failed[*]}" >&2
    exit 1
fi
