# shellcheck shell=bash
# The parts of a rig's busybox initramfs that the x86 rig (tests/rig/mkinitramfs.sh) and
# the arm64 rig (tests/rig-arm64/mkinitramfs.sh) share: the skeleton, /init and the
# archive. Sourced; the caller has set -euo pipefail.

# initramfs_skeleton ROOT BUSYBOX: the directories, busybox at /bin/busybox and the two
# device nodes (the kernel opens /dev/console for init's stdio before anything is
# mounted).
initramfs_skeleton() {
  local root=$1 busybox=$2
  chmod 755 "$root"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,root}
  chmod 1777 "$root/tmp"
  cp "$busybox" "$root/bin/busybox"
  mknod -m 600 "$root/dev/console" c 5 1
  mknod -m 666 "$root/dev/null" c 1 3
}

# initramfs_bin ROOT FILE: FILE at /bin/NAME, executable. The path may be a busybox
# applet link: replace it, never write through it.
initramfs_bin() {
  local dest
  dest=$1/bin/$(basename "$2")
  rm -f "$dest"
  cp -L "$2" "$dest"
  chmod +x "$dest"
}

# initramfs_init ROOT [FIRST]: an /init that runs /rig.sh, prints "RIG-EXIT <status>"
# and powers off; FIRST, a command, runs before anything else.
initramfs_init() {
  local root=$1 first=${2:-}
  {
    echo '#!/bin/sh'
    if [[ -n $first ]]; then echo "$first"; fi
    cat <<'INIT'
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1
cd /tmp
sh /rig.sh
status=$?
echo "RIG-EXIT $status"
# Let the UART drain the line before the machine goes away.
sleep 0.2
poweroff -f
INIT
  } > "$root/init"
  chmod +x "$root/init"
}

# initramfs_pack ROOT OUT: ROOT as a gzip newc cpio archive (sorted, owned by root),
# written to OUT.tmp and renamed. Returns non-zero if the archive could not be made.
initramfs_pack() {
  local root=$1 out=$2
  mkdir -p "$(dirname "$out")"
  (cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) |
    gzip -9 > "$out.tmp" || return 1
  mv "$out.tmp" "$out"
}
