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
set -euo pipefail
shopt -s nullglob

die() { echo "linux-source: $*" >&2; exit 1; }
say() { echo "linux-source: $*" >&2; }

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

# "URI<TAB>Signed-By" of the first enabled deb source of this machine's
# release: the private configuration uses the same mirror and keyring.
mirror_deb822() {
	awk -v cn="$1" '
	function flush() {
		if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " cn " ") &&
		    enabled != "no" && uri != "") { print uri "\t" signed; done = 1; exit }
		types = suites = uri = signed = enabled = ""
	}
	/^[ \t]*#/ { next }
	/^[ \t]*$/ { flush(); next }
	{
		key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
		if (key == "types") types = $0
		else if (key == "suites") suites = $0
		else if (key == "uris") { split($0, u, " "); uri = u[1] }
		else if (key == "signed-by") signed = $0
		else if (key == "enabled") enabled = tolower($0)
	}
	END { if (!done) flush() }' "$2"
}

mirror_oneline() {
	awk -v cn="$1" '
	$1 != "deb" { next }
	{
		i = 2; signed = ""
		if ($i ~ /^\[/) {
			for (; i <= NF; i++) {
				if ($i ~ /signed-by=/) {
					s = $i; sub(/.*signed-by=/, "", s); sub(/\]$/, "", s); signed = s
				}
				if ($i ~ /\]$/) { i++; break }
			}
		}
		if ($(i + 1) == cn) { print $i "\t" signed; exit }
	}' "$2"
}

find_mirror() {
	local cn f line
	cn=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release | tr -d '"')
	[[ -n $cn ]] || return 1
	for f in /etc/apt/sources.list.d/*.sources; do
		line=$(mirror_deb822 "$cn" "$f" | head -n1)
		[[ -n $line ]] && { echo "$line"; return 0; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		line=$(mirror_oneline "$cn" "$f" | head -n1)
		[[ -n $line ]] && { echo "$line"; return 0; }
	done
	return 1
}

mirror_line=$(find_mirror) ||
	die "no enabled 'deb' source for this machine's release in /etc/apt"
mirror=${mirror_line%%$'\t'*}
signed_by=${mirror_line#*$'\t'}

apt_dir=$out/apt
mkdir -p "$apt_dir/parts.d" "$apt_dir/lists/partial" \
	"$apt_dir/cache/archives/partial" "$out/deb"
{
	echo "Types: deb"
	echo "URIs: $mirror"
	echo "Suites: $suite"
	echo "Components: main"
	[[ -z $signed_by ]] || echo "Signed-By: $signed_by"
} > "$apt_dir/parts.d/linux-source.sources"
# SourceList must name a one-line-format file: an empty one, the stanza
# lives in SourceParts.
: > "$apt_dir/sources.list"
apt_opts=(
	-o "Dir::Etc::SourceList=$apt_dir/sources.list"
	-o "Dir::Etc::SourceParts=$apt_dir/parts.d"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::Cache=$apt_dir/cache"
	-o "Acquire::Languages=none"
	-o "APT::Sandbox::User=root" # private dirs are root's: no _apt sandbox
)

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
