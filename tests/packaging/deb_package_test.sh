#!/usr/bin/env bash
# The .deb as a user gets it: builds it with CPack from this build tree, installs it with dpkg,
# runs the installed fovea-cli (info, the offline-weights script, the demo) and the installed
# workbench window, validates the installed .desktop entry and AppStream metainfo, then purges
# the package and checks that none of its files remain.
#
# Usage: deb_package_test.sh CPACK BUILD_DIR VERSION APP_ID [NSFWJS_NPM_PREFIX]
# Exit codes: 0 passed, 1 failed, 77 skipped (no root, a tool missing, or a fovea package or
# file already on the machine that this test did not put there: it never overwrites one).
# Whatever happens, the machine is left as it was: the package is purged and the scratch folder
# removed on every exit (trap).
set -euo pipefail

cpack="$1"
build_dir="$2"
version="$3"
app_id="$4"
nsfwjs_prefix="${5:-}"

skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }
step() { echo "--- $* ($((SECONDS))s)"; }

# --- Preconditions ---------------------------------------------------------------------------
as_root=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        as_root=(sudo -n)
    else
        skip "installing a .deb needs root or password-less sudo (run the test as root)"
    fi
fi
for tool in dpkg dpkg-deb dpkg-shlibdeps desktop-file-validate appstreamcli python3; do
    command -v "$tool" >/dev/null 2>&1 ||
        skip "$tool is missing (setup.sh installs dpkg-dev, desktop-file-utils and appstream)"
done
# dpkg's state of the fovea package: empty or not-installed when dpkg holds none of it.
fovea_state() { dpkg-query -W -f='${db:Status-Status}' fovea 2>/dev/null || true; }
case "$(fovea_state)" in
    "" | not-installed) ;;
    *) skip "a fovea package is on this machine ($(fovea_state)); this test will not replace it" ;;
esac

work="$(mktemp -d "${TMPDIR:-/tmp}/fovea-deb-test.XXXXXX")"
installed=0
pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if ((installed)); then
        echo "cleanup: purging the fovea package this test installed"
        "${as_root[@]}" dpkg --purge fovea >/dev/null || status=1
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# --- Build the package -----------------------------------------------------------------------
step "cpack in $build_dir"
(cd "$build_dir" && "$cpack" -G DEB --config "$build_dir/CPackConfig.cmake" -B "$work/cpack") \
    >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack could not build the .deb"; }
debs=("$work"/cpack/fovea_*.deb)
[[ ${#debs[@]} -eq 1 && -f "${debs[0]}" ]] || fail "cpack wrote no single fovea_*.deb: ${debs[*]}"
deb="${debs[0]}"
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"
dpkg-deb -I "$deb"

field() { dpkg-deb -f "$deb" "$1"; }
[[ "$(field Package)" == fovea ]] || fail "Package is $(field Package)"
[[ "$(field Version)" == "$version" ]] || fail "Version is $(field Version), not $version"
depends="$(field Depends)"
# dpkg-shlibdeps computed the libraries; the runtime packages were added by hand.
for wanted in libc6 libstdc++6 libtorch libqt6widgets6 libopencv libopenblas0-openmp libqt6svg6; do
    [[ "$depends" == *"$wanted"* ]] || fail "Depends lacks $wanted: $depends"
done

# Exactly the programs and their files: no tests, static libraries or headers.
expected_files="./usr/bin/fovea
./usr/bin/fovea-cli
./usr/share/applications/$app_id.desktop
./usr/share/fovea/fovea-prepare-offline-weights
./usr/share/icons/hicolor/scalable/apps/$app_id.svg
./usr/share/metainfo/$app_id.metainfo.xml"
files="$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $NF}' | sort)"
[[ "$files" == "$expected_files" ]] ||
    fail "the package holds other files than expected:"$'\n'"$files"

# AppStream's own check of the tree as packaged: metainfo, .desktop and icon agree.
dpkg-deb -x "$deb" "$work/tree"
appstreamcli validate-tree --no-net "$work/tree" || fail "appstreamcli validate-tree"

# Never overwrite a file this package does not own (e.g. a `make install` into /usr).
while read -r path; do
    if [[ -e "${path#.}" ]]; then
        skip "${path#.} already exists on this machine; not overwriting it"
    fi
done <<<"$files"

# --- Install ---------------------------------------------------------------------------------
step "dpkg -i"
installed=1
if ! "${as_root[@]}" dpkg -i "$deb" >"$work/dpkg.log" 2>&1; then
    cat "$work/dpkg.log"
    fail "dpkg -i failed (missing dependencies? packaging/setup.sh installs them)"
fi
dpkg-query -W -f='${Status}\n' fovea | grep -qx "install ok installed" || fail "not installed"

# Installed programs run with a private HOME and data folder, never the caller's.
export HOME="$work/home" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config"
export XDG_CACHE_HOME="$work/cache" XDG_RUNTIME_DIR="$work/runtime"
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset OMP_NUM_THREADS

step "fovea-cli info --json"
/usr/bin/fovea-cli info --json >"$work/info.json"
python3 - "$work/info.json" "$version" <<'EOF'
import json, re, sys
info = json.load(open(sys.argv[1]))
assert info["fovea_version"] == sys.argv[2], info["fovea_version"]
assert re.fullmatch(r"\d+\.\d+\.\d+", info["libtorch_version"]), info["libtorch_version"]
assert isinstance(info["cuda"]["available"], bool)
assert info["default_device"] in ("cpu", "cuda")
assert info["opencv_version"]
assert info["qt_required"] is False
# The package depends on OpenBLAS: the slow reference BLAS must not be the one loaded.
assert info["blas"]["slow"] is False, info["blas"]
assert info["threads"]["intra_op"] >= 1
print("info:", info["fovea_version"], "LibTorch", info["libtorch_version"], "BLAS",
      info["blas"]["name"], "device", info["default_device"])
EOF

# --- Offline weights (the installed script) and the demo ---------------------------------------
partial=""
demo="$work/demo"
nsfwjs_model="$nsfwjs_prefix/node_modules/nsfwjs/dist/models/mobilenet_v2/model.min.js"
if [[ -n "$nsfwjs_prefix" && -f "$nsfwjs_model" ]]; then
    step "fovea-prepare-offline-weights"
    # The npm prefix the script would fill, already filled (no network here): the script then
    # only converts, into the private data folder.
    mkdir -p "$XDG_DATA_HOME/fovea"
    ln -s "$nsfwjs_prefix" "$XDG_DATA_HOME/fovea/npm"
    /usr/share/fovea/fovea-prepare-offline-weights --json >"$work/prepare.json"
    python3 - "$work/prepare.json" "$XDG_DATA_HOME/fovea/weights" <<'EOF'
import json, os, sys
result = json.load(open(sys.argv[1]))
assert result["converted"] is True, result
assert os.path.samefile(result["folder"], sys.argv[2]), result
names = sorted(os.path.basename(f) for f in result["files"])
assert "mobilenet_v2_keras-nsfwjs.safetensors" in names, names
EOF
    if [[ -d /usr/share/datasets/fashion-mnist ]]; then
        step "fovea-cli demo"
        /usr/bin/fovea-cli demo --out "$demo" --epochs 1 --images-per-class 10 --json \
            >"$work/demo.json"
        python3 - "$work/demo.json" "$demo" <<'EOF'
import json, os, sys
result = json.load(open(sys.argv[1]))
assert result["weights"] == "default", result
onnx = [f for f in os.listdir(os.path.join(sys.argv[2], "model")) if f.endswith(".onnx")]
assert onnx, os.listdir(os.path.join(sys.argv[2], "model"))
print("demo:", {k: v for k, v in result.items() if not isinstance(v, (dict, list))})
EOF
    else
        partial+=" demo (no /usr/share/datasets/fashion-mnist: apt install dataset-fashion-mnist);"
    fi
else
    partial+=" offline weights and demo (no nsfwjs under '$nsfwjs_prefix': packaging/setup.sh);"
fi

# --- The workbench window --------------------------------------------------------------------
gui_args=()
if [[ -d "$demo/run/project" ]]; then gui_args=(--project "$demo/run/project"); fi

# Offscreen: the installed program starts, builds its window and keeps running.
step "fovea, offscreen"
QT_QPA_PLATFORM=offscreen /usr/bin/fovea "${gui_args[@]}" >"$work/gui-offscreen.log" 2>&1 &
pids+=($!)
sleep 5
if ! kill -0 "${pids[-1]}" 2>/dev/null; then
    cat "$work/gui-offscreen.log"
    fail "fovea exited offscreen"
fi
kill "${pids[-1]}"
wait "${pids[-1]}" 2>/dev/null || true
pids=()

# On a real (virtual) X server the window itself can be seen: its title, and the WM_CLASS the
# desktop matches to the installed .desktop entry.
if command -v Xvfb >/dev/null && command -v xwininfo >/dev/null && command -v xprop >/dev/null; then
    step "fovea on Xvfb"
    # -displayfd: Xvfb picks a free display and writes its number once it accepts clients.
    Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" >"$work/xvfb.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do
        if [[ -s "$work/display" ]]; then break; fi
        sleep 0.1
    done
    [[ -s "$work/display" ]] || { cat "$work/xvfb.log"; fail "Xvfb did not start"; }
    display=":$(cat "$work/display")"
    DISPLAY="$display" QT_QPA_PLATFORM=xcb /usr/bin/fovea "${gui_args[@]}" >"$work/gui-x.log" 2>&1 &
    pids+=($!)
    # The main window: titled "Fovea" (or "<project> - Fovea"), with a WM_CLASS (Qt's unmapped
    # helper windows have none), mapped.
    window=""
    for _ in $(seq 150); do
        window="$(xwininfo -display "$display" -root -tree 2>/dev/null |
                  awk '/"([^"]* - )?Fovea": \("/ {print $1; exit}')"
        if [[ -n "$window" ]] &&
           xwininfo -display "$display" -id "$window" | grep -q "Map State: IsViewable"; then
            break
        fi
        window=""
        if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
        sleep 0.2
    done
    [[ -n "$window" ]] || { cat "$work/gui-x.log"; fail "no Fovea window was shown on Xvfb"; }
    # X11 desktops match a window to its .desktop entry by WM_CLASS: StartupWMClass must agree.
    wm_class="$(xprop -display "$display" -id "$window" WM_CLASS)"
    echo "window $window: $wm_class"
    startup_class="$(sed -n 's/^StartupWMClass=//p' "/usr/share/applications/$app_id.desktop")"
    [[ "$wm_class" == *"\"$startup_class\"" ]] ||
        fail "WM_CLASS ($wm_class) does not end in StartupWMClass=$startup_class"
else
    partial+=" Xvfb window check (Xvfb, xwininfo or xprop missing);"
fi
for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
pids=()

# --- The installed desktop files -------------------------------------------------------------
step "desktop-file-validate, appstreamcli validate"
desktop_file="/usr/share/applications/$app_id.desktop"
desktop-file-validate "$desktop_file" || fail "desktop-file-validate $desktop_file"
appstreamcli validate --no-net "/usr/share/metainfo/$app_id.metainfo.xml" ||
    fail "appstreamcli validate"
grep -qx "Icon=$app_id" "$desktop_file" || fail "the .desktop entry names another icon"
exec_program="$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop_file")"
[[ "$(command -v "$exec_program")" == /usr/bin/fovea ]] || fail "Exec=$exec_program is not fovea"
icon="/usr/share/icons/hicolor/scalable/apps/$app_id.svg"
python3 -c 'import sys, xml.etree.ElementTree as t
assert t.parse(sys.argv[1]).getroot().tag.endswith("svg")' "$icon" || fail "$icon is no SVG"

# --- Remove ----------------------------------------------------------------------------------
step "dpkg --purge"
if ! "${as_root[@]}" dpkg --purge fovea >"$work/purge.log" 2>&1; then
    cat "$work/purge.log"
    fail "dpkg --purge fovea failed"
fi
installed=0
case "$(fovea_state)" in
    "" | not-installed) ;;
    *) fail "fovea is still known to dpkg after dpkg --purge ($(fovea_state))" ;;
esac
while read -r path; do
    [[ ! -e "${path#.}" ]] || fail "${path#.} remains after dpkg --purge"
done <<<"$files"
[[ ! -e /usr/share/fovea ]] || fail "/usr/share/fovea remains after dpkg --purge"

step "done"
if [[ -n "$partial" ]]; then
    skip "everything else passed, but these checks could not run:$partial"
fi
echo "PASSED"
