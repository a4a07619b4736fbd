#!/usr/bin/env bash
# Build the arm64 rig's gzip cpio initramfs: busybox-static from the arm64 sysroot, an
# /init that runs SCRIPT (as /rig.sh) and prints "RIG-EXIT <status>" before powering
# off. Each FILE goes to /bin and must be a static arm64 executable (or not ELF at all):
# nothing here can run arm64 code, so shared libraries could not be found anyway.
# With -d DIR, DIR's contents go to /files (the user's files of make rig-run-arm64),
# its ELF executables checked the same way.
#   mkinitramfs.sh [-d DIR] SYSROOT OUT.cpio.gz SCRIPT [FILE...]
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

die() { echo "mkinitramfs-arm64: $*" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../rig/initramfs.sh
. "$here/../rig/initramfs.sh"

files_dir=
if [[ ${1:-} == -d ]]; then
  [[ $# -ge 2 && -d $2 ]] || die "-d needs a directory, got '${2:-}'"
  files_dir=$2
  shift 2
fi
[[ $# -ge 3 ]] || die "usage: mkinitramfs.sh [-d DIR] SYSROOT OUT.cpio.gz SCRIPT [FILE...]"
sysroot=$1 out=$2 script=$3
shift 3
[[ -f $script ]] || die "script $script not found"
busybox=$sysroot/bin/busybox
[[ -f $busybox ]] || die "$busybox missing (run scripts/arm64-sysroot.sh)"
[[ $(id -u) -eq 0 ]] || die "must run as root (it creates /dev/console with mknod)"

# "static" for a static arm64 executable, "not-elf", or what is wrong with it.
elf_kind() {
  local hdr
  [[ $(head -c 4 "$1" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] || { echo not-elf; return; }
  hdr=$(aarch64-linux-gnu-readelf -h -l "$1" 2>/dev/null) || { echo "unreadable ELF"; return; }
  grep -q 'Machine: *AArch64' <<<"$hdr" || { echo "not an arm64 executable"; return; }
  grep -q 'INTERP' <<<"$hdr" && { echo "dynamically linked"; return; }
  echo static
}

for f in "$busybox" "$@"; do
  [[ -f $f ]] || die "file $f not found"
  kind=$(elf_kind "$f")
  [[ $kind == static || $kind == not-elf ]] || die "$f: $kind; the arm64 rig needs static arm64 executables"
done
if [[ -n $files_dir ]]; then
  while IFS= read -r -d '' f; do
    kind=$(elf_kind "$f")
    [[ $kind == static || $kind == not-elf ]] || die "$f: $kind; the arm64 rig needs static arm64 executables"
  done < <(find "$files_dir" -type f -print0)
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
initramfs_skeleton "$root" "$busybox"
# The applet links are made at boot (busybox --install): the host cannot run arm64 busybox.
ln -s busybox "$root/bin/sh"

cp "$script" "$root/rig.sh"
if [[ -n $files_dir ]]; then
  mkdir -p "$root/files"
  cp -a "$files_dir/." "$root/files/"
fi
for f in "$@"; do
  initramfs_bin "$root" "$f"
done
initramfs_init "$root" "/bin/busybox --install -s"
initramfs_pack "$root" "$out" || die "creating the cpio archive failed"
echo "mkinitramfs-arm64: wrote $out ($(stat -c %s "$out") bytes)"
