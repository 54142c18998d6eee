#!/usr/bin/env bash
# Retakes the README's screenshots on a realistic project: the built-in demo's (Fashion-MNIST,
# 500 labeled images and 50 unlabeled, a trained MobileNetV2), one PNG per page.
# Usage: packaging/screenshots.sh [DEMO_DIR]   (default: a fresh temporary demo)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shots="$root/resources/screenshots"
demo="${1:-}"
if [[ -z "$demo" ]]; then
    demo="$(mktemp -d)/demo"
    "$root/build/release/bin/fovea-cli" demo --out "$demo" >/dev/null
fi
# The project's folder name is what the window title shows.
project="$(dirname "$demo")/Fashion-MNIST demo"
rm -rf "$project"
cp -r "$demo/run/project" "$project"
for page in Data Model; do
    lower="$(echo "$page" | tr '[:upper:]' '[:lower:]')"
    "$root/packaging/screenshot.sh" "$shots/$lower-page.png" "$project" "$page"
done
