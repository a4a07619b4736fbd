#!/usr/bin/env bash
# Build a gzip cpio initramfs: busybox-static, an /init that runs SCRIPT (as /rig.sh) and
# prints "RIG-EXIT <status>" before powering off. Each FILE goes to /bin, with the shared
# libraries of dynamically linked ELF files copied to the paths ldd reports. FILE=/PATH
# puts FILE (a file or a whole directory) at /PATH instead, as it is.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[[ $# -ge 2 ]] || die "usage: mkinitramfs.sh OUT.cpio.gz SCRIPT [FILE | FILE=/PATH ...]"
out=$1 script=$2
shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=initramfs.sh
. "$here/initramfs.sh"
[[ -f $script ]] || die "script $script not found"
bin_files=() placed=()
for f in "$@"; do
  if [[ $f == *=/* ]]; then
    [[ -e ${f%%=/*} ]] || die "${f%%=/*} not found"
    placed+=("$f")
  else
    [[ -f $f ]] || die "file $f not found"
    bin_files+=("$f")
  fi
done
[[ $(id -u) -eq 0 ]] || die "must run as root (it creates /dev/console with mknod)"
"$here/install-deps.sh"

busybox=/bin/busybox
[[ -x $busybox ]] || die "$busybox missing (package busybox-static)"
# Debian's busybox (dynamic) and busybox-static share the path; only the static one works here.
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is dynamically linked; install busybox-static"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
initramfs_skeleton "$root" "$busybox"
# One symlink per applet, at the path busybox itself names (bin/sh, sbin/poweroff, ...).
while IFS= read -r applet; do
  [[ $applet == bin/busybox ]] && continue
  ln -sf /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)

cp "$script" "$root/rig.sh"
for p in "${placed[@]}"; do
  dest=$root/${p#*=/}
  mkdir -p "$(dirname "$dest")"
  cp -RL "${p%%=/*}" "$dest"
done
for f in "${bin_files[@]}"; do
  initramfs_bin "$root" "$f"
  # ldd fails for static executables and non-ELF files: nothing more to copy then.
  libs=$(ldd "$f" 2>/dev/null) || continue
  ! grep -q 'not found' <<<"$libs" || die "$f needs libraries ldd cannot find: $(grep 'not found' <<<"$libs" | tr -s ' \t\n' ' ')"
  # Lines look like "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
  # "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no path.
  while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done < <(grep -o '/[^ ]*' <<<"$libs" | sort -u)
done
initramfs_init "$root"
initramfs_pack "$root" "$out" || die "creating the cpio archive failed"
echo "mkinitramfs: wrote $out ($(stat -c %s "$out") bytes)"
