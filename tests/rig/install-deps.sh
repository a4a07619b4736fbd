#!/usr/bin/env bash
# Install the Debian packages the rig scripts need; does nothing when all are present.
set -euo pipefail

pkgs=(
  flex bison bc make gcc libc6-dev libssl-dev libelf-dev   # kernel build
  xz-utils zstd dpkg                                       # unpacking the source .deb/tarball
  cpio gzip                                                # initramfs
  qemu-system-x86 busybox-static                           # running the rig
  e2fsprogs                                                # the Linux guest's root disk (mke2fs -d, debugfs)
)

missing=()
for p in "${pkgs[@]}"; do
  # dpkg-query prints "install ok installed" only for a fully installed package.
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages (${missing[*]}) and not root; install them first" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; refresh them once and retry on failure.
if ! apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
  apt-get update >&2 || { echo "install-deps: apt-get update failed" >&2; exit 1; }
  apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
    { echo "install-deps: apt-get install ${missing[*]} failed" >&2; exit 1; }
fi
