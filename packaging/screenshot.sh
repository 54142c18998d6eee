#!/usr/bin/env bash
# Takes one screenshot of the workbench: starts the built `fovea` on a private Xvfb display,
# optionally on a project and a page, waits for its window, and saves it as a PNG.
# Usage: packaging/screenshot.sh OUTPUT.png [PROJECT_DIR] [PAGE]
# packaging/screenshots.sh takes the README's set on the demo project.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
output="${1:?usage: screenshot.sh OUTPUT.png [PROJECT_DIR] [PAGE]}"
project="${2:-}"
page="${3:-}"
bin="$root/build/release/bin/fovea"
[[ -x "$bin" ]] || { echo "screenshot.sh: build first (packaging/build.sh)" >&2; exit 1; }

display=":$((90 + RANDOM % 100))"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
work="$(mktemp -d)"
app_pid=""
trap 'kill $app_pid $xvfb_pid 2>/dev/null || true; rm -rf "$work"' EXIT

# A private settings folder: no remembered window state or recent projects leak in.
export DISPLAY="$display" XDG_CONFIG_HOME="$work/config"
sleep 1
args=()
title="Fovea"
if [[ -n "$project" ]]; then
    args+=(--project "$project")
    title="$(basename "$project") - Fovea"
fi
[[ -n "$page" ]] && args+=(--page "$page")
"$bin" "${args[@]}" &
app_pid=$!

for _ in $(seq 1 100); do
    window="$(xwininfo -root -tree 2>/dev/null | awk -v t="\"$title\"" 'index($0, t) {print $1; exit}')"
    [[ -n "$window" ]] && break
    sleep 0.2
done
[[ -n "${window:-}" ]] || { echo "screenshot.sh: the window \"$title\" did not appear" >&2; exit 1; }
sleep "${FOVEA_SCREENSHOT_SETTLE:-3}"  # first paint, thumbnails decoding
mkdir -p "$(dirname "$output")"
import -window "$window" "$output"
echo "screenshot.sh: wrote $output"
