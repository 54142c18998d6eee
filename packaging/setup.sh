#!/usr/bin/env bash
# Installs everything a fresh Debian 12 needs to build, test and run Fovea.
# Idempotent: when every package is present it only checks and returns (about a second).
set -euo pipefail

# Build tools and the libraries the targets link; clang and its runtimes (libFuzzer, sanitizers)
# build the fuzz targets (packaging/fuzz.sh).
build_packages=(
    cmake ninja-build g++ ccache pkg-config clang-format
    libtorch-dev libopencv-dev libsqlite3-dev nlohmann-json3-dev libcurl4-openssl-dev
    libonnx-dev libprotobuf-dev protobuf-compiler libcli11-dev libgtest-dev libssl-dev
    qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6
    clang libclang-rt-14-dev
)
# Debian's default reference BLAS makes LibTorch 20-35x slower (DESIGN.md); the OpenMP flavour
# of OpenBLAS matches LibTorch's own OpenMP threading.
# libqt6svg6 holds the plugins that let Qt load the SVG application icon.
runtime_packages=(libopenblas0-openmp libqt6svg6)
# Tests: a real X server for screenshots and GUI tests, and Python torchvision as the reference
# our networks and training are checked against.
# python3-protobuf reads the TensorBoard event files Fovea writes, as an independent check.
# Real data: Fashion-MNIST (tests, demo), skimage's photos (decode tests) and the MATE
# wallpapers (large JPEGs for the data-pipeline benchmark).
test_packages=(xvfb xauth x11-utils imagemagick python3-torch python3-torchvision python3-numpy
               python3-pil python3-skimage python3-protobuf dataset-fashion-mnist mate-backgrounds)
# The .deb: dpkg-dev (dpkg-shlibdeps computes its Depends), and the validators the packaging
# test runs on its .desktop entry and AppStream metainfo.
test_packages+=(dpkg-dev desktop-file-utils appstream)
# Node.js and npm fetch the offline default weights (the nsfwjs npm package) and run TensorFlow.js
# as the reference for their conversion. Any Node.js >= 18 with npm will do; Debian 12 packages
# them as nodejs and npm.
command -v npm >/dev/null 2>&1 || test_packages+=(nodejs npm)

wanted=("${build_packages[@]}" "${runtime_packages[@]}" "${test_packages[@]}")

missing=()
for pkg in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

install_offline_weights() {
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
    echo "setup: all ${#wanted[@]} packages present"
    install_offline_weights
    exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
fi

echo "setup: installing ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
install_offline_weights
