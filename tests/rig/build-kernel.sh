#!/usr/bin/env bash
# Build the rig kernel: OUTDIR/bzImage from Debian's linux-source-7.3 (trixie-backports)
# configured as tinyconfig + tests/rig/kernel.fragment. Cached by a stamp in OUTDIR.
set -euo pipefail
shopt -s nullglob

die() { echo "build-kernel: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: build-kernel.sh OUTDIR"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
frag=$here/kernel.fragment
[[ -f $frag ]] || die "missing $frag"
mkdir -p "$1" || die "cannot create $1"
out=$(cd "$1" && pwd)

series=7.3               # kernel series to fetch
suite_suffix=-backports  # appended to the next Debian release's codename
next_release=trixie

# --- (d) cache check: the stamp records the series and the fragment's sha256, so the
# kernel is rebuilt when (and only when) the fragment changes ---
want_stamp="$series $(sha256sum < "$frag" | awk '{print $1}')"
if [[ -f $out/bzImage && -f $out/bzImage.stamp ]] && [[ "$(cat "$out/bzImage.stamp")" == "$want_stamp" ]]; then
  echo "build-kernel: $out/bzImage is up to date"
  exit 0
fi

"$here/install-deps.sh"

# --- (a) private apt configuration with the machine's own mirror + trixie-backports ---

# Print "URI<TAB>Signed-By" of the first enabled deb source of this machine's own release.
find_mirror() {
  local codename
  codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release | tr -d '"')
  [[ -n $codename ]] || return 1
  # deb822 files: stanzas separated by blank lines; "Enabled: no" stanzas are skipped.
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk -v cn="$codename" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " cn " ") && enabled != "no" && uri != "") {
          print uri "\t" signed; found = 1; exit
        }
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
      END { if (!found) flush() }' "$f" | head -n1 | grep . && return 0
  done
  # One-line format: "deb [options] URI SUITE COMPONENT..."
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    awk -v cn="$codename" '
      $1 != "deb" { next }
      {
        i = 2; signed = ""
        if ($i ~ /^\[/) {   # bracketed options, possibly several words
          for (; i <= NF; i++) {
            if ($i ~ /signed-by=/) { s = $i; sub(/.*signed-by=/, "", s); sub(/\]$/, "", s); signed = s }
            if ($i ~ /\]$/) { i++; break }
          }
        }
        if ($(i + 1) == cn) { print $i "\t" signed; exit }
      }' "$f" | head -n1 | grep . && return 0
  done
  return 1
}

mirror_line=$(find_mirror) || die "no enabled 'deb' source for this machine's release found in /etc/apt"
mirror=${mirror_line%%$'\t'*}
signed_by=${mirror_line#*$'\t'}
suite=$next_release$suite_suffix
echo "build-kernel: using mirror $mirror, suite $suite"

apt_dir=$out/apt
mkdir -p "$apt_dir/parts.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$out/deb"
{
  echo "Types: deb"
  echo "URIs: $mirror"
  echo "Suites: $suite"
  echo "Components: main"
  if [[ -n $signed_by ]]; then echo "Signed-By: $signed_by"; fi
} > "$apt_dir/rig.sources"
# SourceList must be a one-line-format file; an empty one plus SourceParts=parts.d holds our stanza.
: > "$apt_dir/sources.list"
cp "$apt_dir/rig.sources" "$apt_dir/parts.d/rig.sources"
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list"
  -o "Dir::Etc::SourceParts=$apt_dir/parts.d"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Acquire::Languages=none"
  -o "APT::Sandbox::User=root"   # the private dirs are root's; skip the _apt download sandbox
)

src_root=$out/src
marker=$src_root/.unpacked   # holds the source directory's name once unpacking completed
if [[ ! -f $marker ]]; then
  apt-get "${apt_opts[@]}" -q update || die "apt-get update of the private $suite configuration failed"
  # Exact package name, e.g. linux-source-7.3 (a binary package of that series).
  pkg=$(apt-cache "${apt_opts[@]}" pkgnames "linux-source-$series" | grep -x "linux-source-$series" | head -n1 || true)
  [[ -n $pkg ]] || die "package linux-source-$series not found in $mirror $suite; cannot fetch the kernel source"
  echo "build-kernel: fetching $pkg $(apt-cache "${apt_opts[@]}" policy "$pkg" | awk '/Candidate:/ {print $2}')"
  rm -f "$out"/deb/*.deb
  (cd "$out/deb" && apt-get "${apt_opts[@]}" -q download "$pkg") || die "could not download $pkg from $mirror $suite"
  debs=("$out"/deb/"$pkg"_*.deb)
  [[ ${#debs[@]} -gt 0 ]] || die "apt-get download left no $pkg .deb in $out/deb"

  # --- (b) the .deb holds /usr/src/linux-source-X.Y.tar.{xz,zst,...}; unpack it ---
  rm -rf "$out/deb/x" "$src_root"
  dpkg-deb -x "${debs[0]}" "$out/deb/x" || die "dpkg-deb -x ${debs[0]} failed"
  tarballs=("$out"/deb/x/usr/src/linux-source-*.tar.*)
  [[ ${#tarballs[@]} -gt 0 ]] || die "no linux-source tarball inside ${debs[0]}"
  tarball=${tarballs[0]}
  mkdir -p "$src_root"
  tar -xf "$tarball" -C "$src_root" || die "unpacking $tarball failed"
  rm -rf "$out/deb"   # the .deb and extracted tarball are not needed once unpacked
  srcdirs=("$src_root"/linux-source-*/)
  [[ ${#srcdirs[@]} -gt 0 ]] || die "no linux-source-* directory in $tarball"
  basename "${srcdirs[0]}" > "$marker"
fi
src=$src_root/$(cat "$marker")
[[ -f $src/Makefile ]] || die "kernel source tree $src is incomplete; remove $src_root and retry"

# --- (c) configure: tinyconfig + fragment, then check every fragment line took effect ---
log=$out/kernel-build.log
: > "$log"
run() { "$@" >> "$log" 2>&1 || { tail -n 30 "$log" >&2; die "'$*' failed (full log: $log)"; }; }
cd "$src"
run make tinyconfig
run scripts/kconfig/merge_config.sh -m .config "$frag"
run make olddefconfig

missing=()
while IFS= read -r line; do
  if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
    grep -qx -- "$line" .config || missing+=("${BASH_REMATCH[1]}")
  elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
    ! grep -q "^${BASH_REMATCH[1]}=" .config || missing+=("${BASH_REMATCH[1]}(should be unset)")
  fi
done < "$frag"
[[ ${#missing[@]} -eq 0 ]] || die "options of the fragment not set in .config: ${missing[*]}"

echo "build-kernel: make -j$(nproc) bzImage in $src (log: $log)"
run make -j"$(nproc)" bzImage
cp arch/x86/boot/bzImage "$out/bzImage.tmp"
mv "$out/bzImage.tmp" "$out/bzImage"
echo "$want_stamp" > "$out/bzImage.stamp"
echo "build-kernel: built $out/bzImage ($(stat -c %s "$out/bzImage") bytes)"
