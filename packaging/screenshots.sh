#!/usr/bin/env bash
# Retakes the README's screenshots on a realistic project: the built-in demo's (Fashion-MNIST,
# 500 labeled images and 50 unlabeled), page by page, with a real training run on the Train
# page (mid-run and finished), under a private Xvfb display.
# With --detection, the detection demo's project (fovea-cli demo --task detection) instead, for
# the detection-*.png of the README's "Object detection" section (taken from its trained run).
# Usage: packaging/screenshots.sh [--detection] [DEMO_DIR]   (default: a fresh demo)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/build/release/bin"
tour="$(find "$root/build/release" -name screenshot_tour -type f -perm -u+x | head -n 1)"
[[ -x "$bin/fovea-cli" && -n "$tour" ]] || { echo "screenshots.sh: build first" >&2; exit 1; }
work="$(mktemp -d)"
xvfb_pid=""
trap 'kill $xvfb_pid 2>/dev/null || true; rm -rf "$work"' EXIT

task=()
name="Fashion-MNIST demo"
if [[ "${1:-}" == "--detection" ]]; then
    task=(--task detection)
    name="Detection demo"
    shift
fi
demo="${1:-}"
if [[ -z "$demo" ]]; then
    demo="$work/demo"
    "$bin/fovea-cli" demo "${task[@]}" --out "$demo" >/dev/null
fi
# The project's folder name is what the window title shows.
project="$work/$name"
cp -r "$demo/project" "$project"

display=":$((90 + RANDOM % 100))"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
sleep 1
DISPLAY="$display" XDG_CONFIG_HOME="$work/config" QT_QPA_PLATFORM=xcb \
    "$tour" "$project" "$root/resources/screenshots"
