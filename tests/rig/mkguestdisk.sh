#!/usr/bin/env bash
# Build the root disk of the Linux guest that cvmm boots inside the rig: an ext2 image
# made from a folder with busybox-static and an /init, by `mke2fs -d` (no mount needed).
#
#   mkguestdisk.sh OUT.img
#
# The guest's /init mounts /proc, writes "LINUX-GUEST-MARKER <mark>" to /marker on the
# disk (mark: the mark= parameter of the kernel command line, which Linux hands to init
# as an environment variable), syncs, prints "LINUX-GUEST-INIT uptime=<s> mark=<mark>"
# on the console and powers off (`poweroff -f`: the kernel's ACPI power-off).
set -euo pipefail

die() { echo "mkguestdisk: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: mkguestdisk.sh OUT.img"
out=$1
busybox=/bin/busybox
[[ -x $busybox ]] || die "$busybox missing (package busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is dynamically linked; install busybox-static"
command -v mke2fs >/dev/null || die "mke2fs missing (package e2fsprogs)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp}
cp "$busybox" "$root/bin/busybox"
while IFS= read -r applet; do
  [[ $applet == bin/busybox ]] && continue
  ln -sf /bin/busybox "$root/$applet"
done < <("$busybox" --list-full)

cat > "$root/init" <<'INIT'
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
read up _ < /proc/uptime
echo "LINUX-GUEST-MARKER ${mark:-none}" > /marker
sync
echo "LINUX-GUEST-INIT uptime=$up mark=${mark:-none}"
poweroff -f
INIT
chmod 755 "$root/init"

rm -f "$out"
mke2fs -q -t ext2 -L cvmm-guest -d "$root" "$out" 16M >/dev/null || die "mke2fs -d failed"
echo "mkguestdisk: wrote $out ($(stat -c %s "$out") bytes)"
