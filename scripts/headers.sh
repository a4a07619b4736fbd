#!/usr/bin/env bash
# make headers: the Linux uAPI headers of Debian's linux-source-7.3 package
# (trixie-backports), installed with the kernel's own `make headers_install`
# into DEST (build/headers-7.3: DEST/include/linux/kvm.h, ...). Only the parts
# of the source that headers_install reads are unpacked. Cached: DEST/.stamp
# names the package version, and a present stamp skips all work; the
# download and the unpacked source are removed once the headers are in place.
#   scripts/headers.sh DEST
# Needs make, gcc, rsync, xz-utils, dpkg (scripts/deps.sh installs them).
set -euo pipefail

die() { echo "headers: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: headers.sh DEST"
series=${LINUX_SERIES:-7.3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$(dirname "$1")" || die "cannot create $(dirname "$1")"
dest=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if [[ -f $dest/.stamp ]]; then
	echo "headers: $dest is up to date ($(cat "$dest/.stamp"))"
	exit 0
fi
for tool in make gcc rsync xz dpkg-deb apt-get; do
	command -v "$tool" >/dev/null || die "$tool is missing (run scripts/deps.sh)"
done

# What `make headers_install` reads: the top Makefile and scripts/ (kbuild,
# unifdef, headers_install.sh), the uAPI trees, x86's Makefile and syscall
# tables (asm/unistd_*.h), and usr/include's Makefile.
work=$(dirname "$dest")/linux-source-$series
src=$(LINUX_SERIES=$series "$here/linux-source.sh" "$work" Makefile scripts \
	include/uapi arch/x86/include/uapi arch/x86/Makefile \
	arch/x86/entry/syscalls usr/include)
version=$(sed -n 3p "$work/src/.unpacked")

log=$work/headers_install.log
rm -rf "$dest.tmp"
echo "headers: make headers_install ARCH=x86 INSTALL_HDR_PATH=$dest"
make -C "$src" -j"$(nproc)" ARCH=x86 INSTALL_HDR_PATH="$dest.tmp" \
	headers_install > "$log" 2>&1 ||
	{ tail -n 20 "$log" >&2; die "make headers_install failed (log: $log)"; }
[[ -f $dest.tmp/include/linux/kvm.h && -f $dest.tmp/include/asm/kvm.h ]] ||
	die "headers_install left no linux/kvm.h or asm/kvm.h in $dest.tmp"
echo "linux-source-$series $version" > "$dest.tmp/.stamp"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
rm -rf "$work"
echo "headers: Linux $series ($version) uAPI headers in $dest"
