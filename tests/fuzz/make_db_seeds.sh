#!/usr/bin/env bash
# Writes the project-database seeds of project_db_fuzzer with Fovea's own code: fovea-cli import
# of a tiny ImageFolder made here (two classes, a split folder, an unreadable file), then
# compacted to 512-byte pages so the seed stays small. Usage: make_db_seeds.sh <fovea-cli>
set -euo pipefail
cli="$(realpath "${1:?usage: make_db_seeds.sh path/to/fovea-cli}")"
corpus="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/corpus/project_db"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/images/train/cat" "$work/images/train/dog" "$work/images/val/cat" "$corpus"
/usr/bin/python3 - "$work/images" <<'PY'
import sys
from PIL import Image
root = sys.argv[1]
for i, name in enumerate(["train/cat/a.png", "train/dog/b.png", "val/cat/c.png"]):
    Image.new("RGB", (4 + i, 3), (40 * i, 90, 200)).save(f"{root}/{name}")
open(f"{root}/train/dog/broken.png", "wb").write(b"\x89PNG\r\n\x1a\n")
PY
"$cli" import "$work/images" --project "$work/project" >/dev/null
db="$work/project/fovea-project.sqlite"
sqlite3 "$db" "PRAGMA journal_mode=DELETE; PRAGMA page_size=512; VACUUM;" >/dev/null
cp "$db" "$corpus/imagefolder.sqlite"
# The same project with a newer schema version: must be refused untouched.
sqlite3 "$db" "PRAGMA user_version=99;"
cp "$db" "$corpus/newer_schema.sqlite"
# An empty project, as create() leaves it.
mkdir "$work/empty"
"$cli" import "$work/images/val" --project "$work/empty" >/dev/null
sqlite3 "$work/empty/fovea-project.sqlite" "DELETE FROM images; DELETE FROM classes; DELETE FROM import_roots; PRAGMA journal_mode=DELETE; PRAGMA page_size=512; VACUUM;" >/dev/null
cp "$work/empty/fovea-project.sqlite" "$corpus/empty.sqlite"
ls -l "$corpus"
