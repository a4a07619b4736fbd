#!/usr/bin/env bash
# Fetch Debian's linux-source-SERIES package (trixie-backports) through a
# private apt configuration, without touching the machine's own apt sources,
# and unpack the kernel tarball it carries.
#
#   scripts/linux-source.sh OUTDIR [MEMBER...]
#
# MEMBERs are paths inside the kernel tree (e.g. include/uapi): only they are
# unpacked; with none the whole tree is. Prints the source directory on
# stdout (progress goes to stderr). Cached: OUTDIR/src/.unpacked records the
# tree's name, the member list and the package version, and a matching
# record skips all work.
# LINUX_SERIES overrides the series (default 7.3).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
shopt -s nullglob

die() { echo "linux-source: $*" >&2; exit 1; }
say() { echo "linux-source: $*" >&2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../tests/rig/lib.sh
. "$here/../tests/rig/lib.sh"

[[ $# -ge 1 ]] || die "usage: linux-source.sh OUTDIR [MEMBER...]"
mkdir -p "$1" || die "cannot create $1"
out=$(cd "$1" && pwd)
shift
members=("$@")
series=${LINUX_SERIES:-7.3}
suite=trixie-backports
pkg=linux-source-$series

src_root=$out/src
marker=$src_root/.unpacked
want="$series ${members[*]:-all}"
if [[ -f $marker && "$(sed -n 2p "$marker")" == "$want" ]]; then
	echo "$src_root/$(sed -n 1p "$marker")"
	exit 0
fi

# The private apt configuration on this machine's own mirror and keyring, as
# the rigs make it (tests/rig/lib.sh); its progress line goes to stderr.
rig_name=linux-source
rig_apt_private "$out/apt" "$suite" >&2
mirror=$rig_mirror
apt_dir=$out/apt
apt_opts=("${rig_apt_opts[@]}")
mkdir -p "$out/deb"

say "apt-get update of $mirror $suite (private configuration in $apt_dir)"
apt-get "${apt_opts[@]}" -q update >&2 ||
	die "apt-get update of the private $suite configuration failed"
version=$(apt-cache "${apt_opts[@]}" policy "$pkg" |
	awk '/Candidate:/ { print $2 }')
[[ -n $version && $version != "(none)" ]] ||
	die "package $pkg not found in $mirror $suite"

debs=("$out"/deb/"$pkg"_*.deb)
if [[ ${#debs[@]} -eq 0 ]]; then
	say "downloading $pkg $version"
	(cd "$out/deb" && apt-get "${apt_opts[@]}" -q download "$pkg" >&2) ||
		die "could not download $pkg from $mirror $suite"
	debs=("$out"/deb/"$pkg"_*.deb)
	[[ ${#debs[@]} -gt 0 ]] || die "apt-get download left no $pkg .deb"
fi

# The .deb holds /usr/src/linux-source-X.Y.tar.{xz,...}: stream it out of
# the package and unpack only the members asked for.
rm -rf "$src_root"
mkdir -p "$src_root"
tarball=$(dpkg-deb -c "${debs[0]}" | awk '{ print $NF }' |
	grep -E '^\./usr/src/linux-source-[^/]*\.tar\.[a-z0-9]+$' | head -n1) ||
	die "no linux-source tarball inside ${debs[0]}"
top=$(basename "$tarball"); top=${top%.tar.*}
case ${tarball##*.} in
xz) unzip="xz -d -T0" ;; zst) unzip="zstd -d" ;; gz) unzip="gzip -d" ;;
bz2) unzip="bzip2 -d" ;;
*) die "unknown compression of $tarball" ;;
esac
patterns=()
for m in "${members[@]}"; do patterns+=("$top/$m"); done
say "unpacking ${members[*]:-everything} from $(basename "$tarball")"
dpkg-deb --fsys-tarfile "${debs[0]}" |
	tar -xOf - "$tarball" |
	tar -xf - -C "$src_root" --use-compress-program="$unzip" \
		"${patterns[@]}" ||
	die "unpacking $tarball failed"
[[ -d $src_root/$top ]] || die "no $top directory in $tarball"
printf '%s\n%s\n%s\n' "$top" "$want" "$version" > "$marker"
echo "$src_root/$top"
