#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Build the arm64 rig kernel: OUTDIR/Image from Debian's linux-source-7.3
# (trixie-backports, fetched as tests/rig does), configured as arm64 tinyconfig +
# tests/rig-arm64/kernel.fragment and cross-compiled. Cached by a stamp in OUTDIR.
set -euo pipefail

rig_name=build-kernel-arm64
die() { echo "build-kernel-arm64: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: build-kernel.sh OUTDIR"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../rig/lib.sh
. "$here/../rig/lib.sh"
frag=$here/kernel.fragment
[[ -f $frag ]] || die "missing $frag"
mkdir -p "$1" || die "cannot create $1"
out=$(cd "$1" && pwd)

series=7.3
kmake=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)

# The stamp records the series, the fragment's sha256 and the architecture.
want_stamp="$(rig_stamp "$series" "$frag") arm64"
if [[ -f $out/Image && -f $out/Image.stamp ]] && [[ "$(cat "$out/Image.stamp")" == "$want_stamp" ]]; then
  echo "build-kernel-arm64: $out/Image is up to date"
  exit 0
fi

"$here/install-deps.sh"
rig_fetch_kernel_source "$out" "$series"
src=$rig_src

log=$out/kernel-build.log
rig_configure_kernel "$src" "$frag" "$log" "${kmake[@]}"

echo "build-kernel-arm64: make -j$(nproc) Image in $src (log: $log)"
start=$(date +%s)
cd "$src"
rig_kernel_make "$log" "${kmake[@]}" -j"$(nproc)" Image
cp arch/arm64/boot/Image "$out/Image.tmp"
mv "$out/Image.tmp" "$out/Image"
echo "$want_stamp" > "$out/Image.stamp"
echo "build-kernel-arm64: built $out/Image ($(stat -c %s "$out/Image") bytes) in $(( $(date +%s) - start )) s"
