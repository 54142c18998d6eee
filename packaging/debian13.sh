#!/usr/bin/env bash
# Runs a command in a Debian 13 (trixie) root, where Fovea builds against LibTorch 2.6: the proof
# that one source tree builds against LibTorch 1.13 (Debian 12) and 2.x.
#
# Usage: packaging/debian13.sh [--full] [COMMAND...]
#   Without COMMAND: builds the tensor-only preset there and runs its tests, but for the parity
#   and reference ones (test.sh runs those on the host). --full installs every build dependency
#   (GUI included), not only the tensor side's.
#
# The root lives outside the clone (FOVEA_DEBIAN13_ROOT, default /var/cache/fovea/debian13) and
# is reused; it is made with debootstrap when missing (about a minute, then 2-3 minutes of
# packages). The clone is bind-mounted at /src, so build trees land in build/debian13-<preset>;
# the host's ccache folder is bind-mounted too, so CI's ccache serves both releases.
# Needs root (debootstrap, chroot, mount) and Debian's package archive.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${FOVEA_DEBIAN13_ROOT:-/var/cache/fovea/debian13}"
mirror="${FOVEA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

profile=(--tensor-only)
if [[ "${1:-}" == --full ]]; then
    profile=()
    shift
fi
if (($# == 0)); then
    set -- bash -c 'packaging/build.sh tensor-only fovea_self_contained_tests &&
        ctest --test-dir build/debian13-tensor-only -j 2 --output-on-failure \
              --label-exclude "parity|reference|bench"'
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "debian13.sh: needs root (debootstrap, chroot and bind mounts)" >&2
    exit 1
fi

# A root is complete once debootstrap has finished; an interrupted one is made again.
marker="$root/.fovea-debootstrap-complete"
if [[ ! -f "$marker" ]]; then
    command -v debootstrap >/dev/null ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
    rm -rf "$root"
    mkdir -p "$root"
    echo "debian13.sh: creating a Debian 13 root in $root"
    start=$SECONDS
    debootstrap --variant=minbase trixie "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
        tail -20 "$root.debootstrap.log" >&2
        echo "debian13.sh: debootstrap failed (log: $root.debootstrap.log)" >&2
        exit 1
    }
    touch "$marker"
    echo "debian13.sh: root created in $((SECONDS - start)) s"
fi

mounts=()
cleanup() {
    local i
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() {  # bind SOURCE TARGET-IN-ROOT
    mkdir -p "$root$2"
    mount --bind "$1" "$root$2"
    mounts+=("$root$2")
}
mount -t proc proc "$root/proc"
mounts+=("$root/proc")
bind /dev /dev
bind "$src" /src
ccache_dir="$(ccache --get-config cache_dir 2>/dev/null || echo "$HOME/.cache/ccache")"
mkdir -p "$ccache_dir"
bind "$ccache_dir" /ccache
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# Certificate authorities this machine adds to the system's (e.g. a proxy's, for npm's registry).
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi

env=(HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 CCACHE_DIR=/ccache
     FOVEA_BUILD_PREFIX=debian13- NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
[[ -n "${OMP_NUM_THREADS:-}" ]] && env+=("OMP_NUM_THREADS=$OMP_NUM_THREADS")
in_root() {
    chroot "$root" /usr/bin/env -i "${env[@]}" bash -c 'cd /src && "$@"' in-root "$@"
}
in_root bash -c 'command -v update-ca-certificates >/dev/null && update-ca-certificates >/dev/null || true'
in_root packaging/setup.sh "${profile[@]}"
in_root "$@"
