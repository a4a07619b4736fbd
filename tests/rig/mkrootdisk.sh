#!/usr/bin/env bash
# Make the root disk of a Linux guest that cvmm boots inside a rig (x86 and arm64): an
# ext2 image (mke2fs -d, no mount) holding a static busybox and an /init that says when
# it started, writes the kernel command line's marker=VALUE into /marker on the disk and
# to the console, syncs and powers off (busybox poweroff -f: reboot(2), which Linux turns
# into an ACPI power-off on x86 and PSCI SYSTEM_OFF on arm64). The caller reads /marker
# back with debugfs after the run. Console lines:
#   linux-guest: /init at <uptime>s
#   linux-guest: marker <VALUE> written to /marker
#   linux-guest: power-off at <uptime>s
#
#   mkrootdisk.sh BUSYBOX OUT.img SIZE_MIB
set -euo pipefail

die() { echo "mkrootdisk: $*" >&2; exit 1; }

[[ $# -eq 3 ]] || die "usage: mkrootdisk.sh BUSYBOX OUT.img SIZE_MIB"
busybox=$1 out=$2 size=$3
[[ -f $busybox ]] || die "busybox $busybox not found"
[[ $size =~ ^[1-9][0-9]*$ ]] || die "SIZE_MIB must be a positive integer, got '$size'"
command -v mke2fs >/dev/null || die "mke2fs not found (Debian package e2fsprogs)"
# The disk has no libraries: busybox must be static (Debian's busybox-static).
command -v readelf >/dev/null || die "readelf (binutils) is missing"
if readelf -l "$busybox" 2>/dev/null | grep -q INTERP; then
  die "$busybox is dynamically linked; use busybox-static"
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
# Only busybox's own applet names are used: the host cannot run an arm64 busybox to
# make the links. The kernel passes marker=... to init in its environment.
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
b=/bin/busybox
$b mount -t proc proc /proc
read up _ < /proc/uptime
echo "linux-guest: /init at ${up}s"
echo "${marker:-no-marker}" > /marker
$b sync
echo "linux-guest: marker ${marker:-no-marker} written to /marker"
read up _ < /proc/uptime
echo "linux-guest: power-off at ${up}s"
$b poweroff -f
INIT
chmod 755 "$root/init"

rm -f "$out"
truncate -s "${size}M" "$out"
mke2fs -q -t ext2 -b 1024 -E root_owner=0:0 -d "$root" "$out" ||
  die "mke2fs could not make $out from $root"
