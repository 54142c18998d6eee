#!/usr/bin/env bash
# Takes the README screenshot: starts the built workbench on a private Xvfb display, waits for
# its window, and saves it as a PNG.
# Usage: packaging/screenshot.sh [output.png] [page]   (default: resources/screenshots/workbench.png)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
output="${1:-$root/resources/screenshots/workbench.png}"
page="${2:-}"
bin="$root/build/release/bin/fovea"
[[ -x "$bin" ]] || { echo "screenshot.sh: build first (packaging/build.sh)" >&2; exit 1; }

display=":$((90 + RANDOM % 100))"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
work="$(mktemp -d)"
trap 'kill "$app_pid" "$xvfb_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
app_pid=""

export DISPLAY="$display" XDG_CONFIG_HOME="$work/config"
mkdir -p "$work/projects/Leaf inspection"
sleep 1
args=(--project "$work/projects/Leaf inspection")
[[ -n "$page" ]] && args+=(--page "$page")
"$bin" "${args[@]}" &
app_pid=$!

for _ in $(seq 1 100); do
    window="$(xwininfo -root -tree 2>/dev/null | awk '/"Leaf inspection - Fovea"/ {print $1; exit}')"
    [[ -n "$window" ]] && break
    sleep 0.2
done
[[ -n "${window:-}" ]] || { echo "screenshot.sh: the window did not appear" >&2; exit 1; }
sleep 1.5  # let the first paint finish
mkdir -p "$(dirname "$output")"
import -window "$window" "$output"
echo "screenshot.sh: wrote $output"
