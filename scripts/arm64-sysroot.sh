#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The arm64 sysroot for `make ARCH=arm64`: Debian's arm64 builds of the libraries cvmm
# links statically, and busybox-static for the arm64 rig, unpacked with dpkg-deb -x.
#
#   arm64-sysroot.sh [SYSROOT]      default build/arm64/sysroot
#
# The :arm64 packages are fetched with `apt-get download` through a private apt
# configuration (this machine's mirror and release, architecture arm64 only) and
# never installed: libfdt-dev is not Multi-Arch in bookworm, so installing the
# arm64 one would remove the amd64 one the host build needs, and busybox-static:arm64
# would replace the host's busybox (../shared/PKVM.md). The host's dpkg
# architectures and apt lists are left alone. Cached: a stamp records the release and
# the package list; the sysroot is rebuilt when either changes.
set -euo pipefail

rig_name=arm64-sysroot
die() { echo "arm64-sysroot: $*" >&2; exit 1; }

# The arm64 packages to unpack: the libraries of the Makefile's STATIC_LIBS (the -dev
# package for headers and .a, the runtime one for what the -dev package's symlinks
# and .pc files assume) and busybox for the rig. Add a library here, and to
# STATIC_LIBS, and both builds pick it up.
packages=(
  libfdt-dev libfdt1
  libelf-dev libelf1
  zlib1g-dev zlib1g
  libinih-dev libinih1
  libseccomp-dev libseccomp2
  liburing-dev liburing2
  busybox-static
)
# Host tools: the cross compiler and its C library (amd64 packages, Multi-Arch safe).
host_tools=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
  pkg-config dpkg apt)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../tests/rig/lib.sh
. "$here/../tests/rig/lib.sh"
[[ $# -le 1 ]] || die "usage: arm64-sysroot.sh [SYSROOT]"
sysroot=${1:-$here/../build/arm64/sysroot}
mkdir -p "$(dirname "$sysroot")" || die "cannot create $(dirname "$sysroot")"
sysroot=$(cd "$(dirname "$sysroot")" && pwd)/$(basename "$sysroot")
cache=$sysroot.apt   # private apt state and downloaded .debs, beside the sysroot

suite=$(rig_codename) || die "no VERSION_CODENAME in /etc/os-release"
want_stamp="$suite ${packages[*]}"
if [[ -f $sysroot/.stamp && "$(cat "$sysroot/.stamp")" == "$want_stamp" ]]; then
  echo "arm64-sysroot: $sysroot is up to date"
  exit 0
fi

rig_install_packages "${host_tools[@]}"
rig_apt_private "$cache" "$suite" arm64
apt-get "${rig_apt_opts[@]}" -q update >/dev/null ||
  die "apt-get update of the private $suite arm64 configuration failed"

# Download into a fresh folder, so that each package has exactly one .deb there.
deb_dir=$cache/debs
rm -rf "$deb_dir"
mkdir -p "$deb_dir"
(cd "$deb_dir" && apt-get "${rig_apt_opts[@]}" -q download "${packages[@]}") ||
  die "could not download ${packages[*]} for arm64 from $rig_mirror $suite"

# Unpack into a temporary tree and swap it in: an interrupted run leaves no
# half-made sysroot behind a valid stamp.
tmp=$sysroot.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
for p in "${packages[@]}"; do
  deb=$(find "$deb_dir" -maxdepth 1 -name "${p}_*_arm64.deb" -o -maxdepth 1 -name "${p}_*_all.deb" | head -n1)
  [[ -n $deb ]] || die "apt-get download left no .deb for $p in $deb_dir"
  dpkg-deb -x "$deb" "$tmp" || die "dpkg-deb -x $deb failed"
done
[[ -f $tmp/bin/busybox || -f $tmp/usr/bin/busybox ]] || die "busybox-static:arm64 has no busybox binary"
echo "$want_stamp" > "$tmp/.stamp"
rm -rf "$sysroot"
mv "$tmp" "$sysroot"
echo "arm64-sysroot: unpacked ${#packages[@]} arm64 packages into $sysroot ($(du -sh "$sysroot" | cut -f1))"
