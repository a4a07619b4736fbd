#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Install the host packages the arm64 rig needs; does nothing when all are present.
# The arm64 libraries and busybox come from scripts/arm64-sysroot.sh, never from here.
set -euo pipefail

rig_name=install-deps
die() { echo "install-deps: $*" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../rig/lib.sh
. "$here/../rig/lib.sh"

pkgs=(
  flex bison bc make gcc libc6-dev libssl-dev libelf-dev   # kernel build
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu         # ... for arm64
  xz-utils zstd dpkg apt                                   # fetching and unpacking
  cpio gzip                                                # initramfs
  e2fsprogs                                                # Linux guest root disk (mke2fs -d, debugfs)
  qemu-system-arm                                          # qemu-system-aarch64
  qemu-user-static                                         # cvmm's build runs its seccomp generator
)
rig_install_packages "${pkgs[@]}"
