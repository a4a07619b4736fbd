#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Build the rig kernel: OUTDIR/bzImage (and OUTDIR/vmlinux, stripped, for the
# PVH entry of the Linux guest test) from Debian's linux-source-7.3 (trixie-backports)
# configured as tinyconfig + tests/rig/kernel.fragment. Cached by a stamp in OUTDIR.
set -euo pipefail
shopt -s nullglob

rig_name=build-kernel
die() { echo "build-kernel: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: build-kernel.sh OUTDIR"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
frag=$here/kernel.fragment
[[ -f $frag ]] || die "missing $frag"
mkdir -p "$1" || die "cannot create $1"
out=$(cd "$1" && pwd)

# One build at a time per OUTDIR: runs that share a cached kernel (RIG_OUT) would
# otherwise configure and build in the same source tree at once. A run that waited
# sees the other's stamp below and reuses its kernel.
exec 9>"$out/.lock"
if ! flock -n 9; then
  echo "build-kernel: another run is using $out; waiting for it" >&2
  flock 9 || die "cannot lock $out/.lock"
fi

series=7.3               # kernel series to fetch

# The stamp records the series and the fragment's sha256, so the kernel is
# rebuilt when (and only when) the fragment changes.
want_stamp=$(rig_stamp "$series" "$frag")
if [[ -f $out/bzImage && -f $out/vmlinux && -f $out/bzImage.stamp ]] && [[ "$(cat "$out/bzImage.stamp")" == "$want_stamp" ]]; then
  echo "build-kernel: $out/bzImage is up to date"
  exit 0
fi

"$here/install-deps.sh"
rig_fetch_kernel_source "$out" "$series"
src=$rig_src

log=$out/kernel-build.log
rig_configure_kernel "$src" "$frag" "$log"

echo "build-kernel: make -j$(nproc) bzImage in $src (log: $log)"
cd "$src"
rig_kernel_make "$log" -j"$(nproc)" bzImage
cp arch/x86/boot/bzImage "$out/bzImage.tmp"
mv "$out/bzImage.tmp" "$out/bzImage"
# The ELF kernel keeps its program headers and the PVH note when stripped.
strip -o "$out/vmlinux.tmp" vmlinux || die "strip vmlinux failed"
mv "$out/vmlinux.tmp" "$out/vmlinux"
echo "$want_stamp" > "$out/bzImage.stamp"
echo "build-kernel: built $out/bzImage ($(stat -c %s "$out/bzImage") bytes)"
