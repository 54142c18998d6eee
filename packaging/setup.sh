#!/usr/bin/env bash
# Installs everything a fresh Debian 12 (bookworm) or Debian 13 (trixie) needs to build, test and
# run Fovea. Idempotent: when every package is present it only checks and returns (a second).
# Usage: packaging/setup.sh [--tensor-only]
#   --tensor-only: only what the tensor-only preset needs to build and run its tests (LibTorch,
#   no OpenCV or Qt); packaging/debian13.sh uses it for the LibTorch 2.x build.
set -euo pipefail

profile=full
case "${1:-}" in
    "") ;;
    --tensor-only) profile=tensor-only ;;
    *) echo "usage: packaging/setup.sh [--tensor-only]" >&2; exit 2 ;;
esac

# The package names below are Debian 12's and 13's (the same for everything Fovea uses: 12 has
# LibTorch 1.13, 13 has LibTorch 2.6). Other releases may work but are not tried.
release="unknown"
if [[ -r /etc/os-release ]]; then
    # shellcheck disable=SC1091
    release="$(. /etc/os-release && echo "${ID:-}-${VERSION_ID:-${VERSION_CODENAME:-}}")"
fi
case "$release" in
    debian-12 | debian-13) ;;
    *) echo "setup: $release is not Debian 12 or 13; trying Debian 13's package names" >&2 ;;
esac

# Build tools and the libraries the tensor side links (LibTorch, ONNX, libcurl), and GoogleTest.
# libgloo-dev: the Gloo headers that c10d's ProcessGroupGloo.hpp includes (distributed training).
# python3-torch and python3-protobuf: tests read what Fovea writes with them (TensorBoard events,
# .pth files) as independent checks; python3-torchvision saves the .pth files Fovea reads.
tensor_packages=(
    cmake ninja-build g++ ccache pkg-config
    libtorch-dev libgloo-dev nlohmann-json3-dev libcurl4-openssl-dev libssl-dev
    libonnx-dev libprotobuf-dev protobuf-compiler libgtest-dev
    libopenblas0-openmp python3-torch python3-torchvision python3-protobuf python3-numpy
)
# The rest of the build: OpenCV (and libjpeg, which decodes progressive JPEGs at 1/8 scale
# without OpenCV), SQLite, CLI11, pugixml (Pascal VOC box files), Qt 6 and QCustomPlot;
# clang-format; clang and its runtimes (libFuzzer, sanitizers: libclang-rt-dev is the default
# clang's) for packaging/fuzz.sh.
build_packages=(
    clang-format libopencv-dev libjpeg-dev libsqlite3-dev libcli11-dev libpugixml-dev
    qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6
    clang libclang-rt-dev
)
# Debian's default reference BLAS makes LibTorch 20-35x slower (DESIGN.md); the OpenMP flavour
# of OpenBLAS (above) matches LibTorch's own OpenMP threading.
# libqt6svg6 holds the plugins that let Qt load the SVG application icon.
runtime_packages=(libqt6svg6)
# Tests: a real X server for screenshots and GUI tests, and Python torchvision as the reference
# our networks and training are checked against.
# Real data: Fashion-MNIST (tests, demo), skimage's photos (decode tests) and the MATE
# wallpapers (large JPEGs for the data-pipeline benchmark).
test_packages=(xvfb xauth x11-utils imagemagick python3-torchvision python3-pil python3-skimage
               dataset-fashion-mnist mate-backgrounds)
# The .deb: dpkg-dev (dpkg-shlibdeps computes its Depends; CPack needs `file` for it), and the
# validators the packaging test runs on its .desktop entry and AppStream metainfo.
test_packages+=(dpkg-dev file desktop-file-utils appstream)
# test.sh's LibTorch 2.6 build runs in a Debian 13 root made with debootstrap.
test_packages+=(debootstrap)
# Node.js and npm fetch the offline default weights (the nsfwjs npm package) and run TensorFlow.js
# as the reference for their conversion. Any Node.js >= 18 with npm will do; Debian packages
# them as nodejs and npm.
command -v npm >/dev/null 2>&1 || test_packages+=(nodejs npm)

wanted=("${tensor_packages[@]}")
if [[ $profile == full ]]; then
    wanted+=("${build_packages[@]}" "${runtime_packages[@]}" "${test_packages[@]}")
fi

missing=()
for pkg in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

install_offline_weights() {
    [[ $profile == full ]] || return 0
    # Offline default weights: nsfwjs' Keras MobileNetV2 (MIT), and TensorFlow.js for the test
    # that checks our conversion against nsfwjs itself. Nothing third-party enters the repository.
    local prefix="${XDG_DATA_HOME:-$HOME/.local/share}/fovea/npm"
    if [[ -f "$prefix/node_modules/nsfwjs/dist/models/mobilenet_v2/model.min.js" &&
          -d "$prefix/node_modules/@tensorflow/tfjs" ]]; then
        return
    fi
    echo "setup: installing nsfwjs@4.4.0 and @tensorflow/tfjs@4 into $prefix"
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
        nsfwjs@4.4.0 @tensorflow/tfjs@4 buffer@6
}

if ((${#missing[@]} == 0)); then
    echo "setup: all ${#wanted[@]} packages present ($release, $profile)"
    install_offline_weights
    exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
fi

echo "setup: installing on $release ($profile): ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
install_offline_weights
