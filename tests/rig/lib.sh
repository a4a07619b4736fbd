# shellcheck shell=bash
# Shared by the rig scripts (tests/rig, tests/rig-arm64 and the arm64 sysroot):
# a private apt configuration on this machine's own mirror, fetching Debian's
# linux-source-X.Y, and configuring a kernel from tinyconfig plus a fragment.
# Source it; the sourcing script defines die() (one line on stderr, exit 1).

# Print "URI<TAB>Signed-By" of the first enabled deb source of this machine's own release.
rig_find_mirror() {
  local codename
  codename=$(rig_codename) || return 1
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

# This machine's Debian release codename (bookworm).
rig_codename() {
  local cn
  cn=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release | tr -d '"')
  [[ -n $cn ]] && echo "$cn"
}

# rig_apt_private DIR SUITE [ARCH]: a private apt configuration in DIR with one source,
# this machine's mirror at SUITE (main). It sets the array rig_apt_opts for apt-get and
# apt-cache. With ARCH, apt sees only that architecture and an empty dpkg status, so
# nothing about the host's packages (or its dpkg architecture list) is read or changed.
rig_apt_private() {
  local dir=$1 suite=$2 arch=${3:-} mirror_line mirror signed_by
  mirror_line=$(rig_find_mirror) || die "no enabled 'deb' source for this machine's release found in /etc/apt"
  mirror=${mirror_line%%$'\t'*}
  rig_mirror=$mirror
  signed_by=${mirror_line#*$'\t'}
  echo "${rig_name:-rig}: using mirror $mirror, suite $suite${arch:+, architecture $arch}"
  mkdir -p "$dir/parts.d" "$dir/lists/partial" "$dir/cache/archives/partial"
  dir=$(cd "$dir" && pwd)   # apt takes relative Dir:: paths as relative to /etc/apt
  {
    echo "Types: deb"
    echo "URIs: $mirror"
    echo "Suites: $suite"
    echo "Components: main"
    if [[ -n $signed_by ]]; then echo "Signed-By: $signed_by"; fi
  } > "$dir/parts.d/rig.sources"
  # SourceList must be a one-line-format file; an empty one plus SourceParts=parts.d holds our stanza.
  : > "$dir/sources.list"
  rig_apt_opts=(
    -o "Dir::Etc::SourceList=$dir/sources.list"
    -o "Dir::Etc::SourceParts=$dir/parts.d"
    -o "Dir::State::Lists=$dir/lists"
    -o "Dir::Cache=$dir/cache"
    -o "Acquire::Languages=none"
    -o "APT::Sandbox::User=root"   # the private dirs are root's; skip the _apt download sandbox
  )
  if [[ -n $arch ]]; then
    : > "$dir/status"
    rig_apt_opts+=(
      -o "APT::Architecture=$arch"
      -o "APT::Architectures::=$arch"
      -o "Dir::State::status=$dir/status"
    )
  fi
}

# rig_fetch_kernel_source OUT SERIES: unpack linux-source-SERIES from the next Debian
# release's backports into OUT/src (once: a marker records the finished unpacking)
# and set rig_src to the source directory.
rig_fetch_kernel_source() {
  local out=$1 series=$2
  local suite=trixie-backports   # the next Debian release's backports carry 7.x
  local src_root=$out/src
  local marker=$src_root/.unpacked   # holds the source directory's name once unpacking completed
  if [[ ! -f $marker ]]; then
    rig_apt_private "$out/apt" "$suite"
    apt-get "${rig_apt_opts[@]}" -q update || die "apt-get update of the private $suite configuration failed"
    # Exact package name, e.g. linux-source-7.3 (a binary package of that series).
    local pkg
    pkg=$(apt-cache "${rig_apt_opts[@]}" pkgnames "linux-source-$series" | grep -x "linux-source-$series" | head -n1 || true)
    [[ -n $pkg ]] || die "package linux-source-$series not found in $rig_mirror $suite; cannot fetch the kernel source"
    echo "${rig_name:-rig}: fetching $pkg $(apt-cache "${rig_apt_opts[@]}" policy "$pkg" | awk '/Candidate:/ {print $2}')"
    mkdir -p "$out/deb"
    rm -f "$out"/deb/*.deb
    (cd "$out/deb" && apt-get "${rig_apt_opts[@]}" -q download "$pkg") || die "could not download $pkg from $rig_mirror $suite"
    local debs=("$out"/deb/"$pkg"_*.deb)
    [[ ${#debs[@]} -gt 0 && -f ${debs[0]} ]] || die "apt-get download left no $pkg .deb in $out/deb"

    # The .deb holds /usr/src/linux-source-X.Y.tar.{xz,zst,...}; unpack it.
    rm -rf "$out/deb/x" "$src_root"
    dpkg-deb -x "${debs[0]}" "$out/deb/x" || die "dpkg-deb -x ${debs[0]} failed"
    local tarballs=("$out"/deb/x/usr/src/linux-source-*.tar.*)
    [[ ${#tarballs[@]} -gt 0 && -f ${tarballs[0]} ]] || die "no linux-source tarball inside ${debs[0]}"
    mkdir -p "$src_root"
    tar -xf "${tarballs[0]}" -C "$src_root" || die "unpacking ${tarballs[0]} failed"
    rm -rf "$out/deb"   # the .deb and extracted tarball are not needed once unpacked
    local srcdirs=("$src_root"/linux-source-*/)
    [[ ${#srcdirs[@]} -gt 0 && -d ${srcdirs[0]} ]] || die "no linux-source-* directory in the tarball"
    basename "${srcdirs[0]}" > "$marker"
  fi
  rig_src=$src_root/$(cat "$marker")
  [[ -f $rig_src/Makefile ]] || die "kernel source tree $rig_src is incomplete; remove $src_root and retry"
}

# rig_kernel_make LOG ARGS...: make in the current (kernel) directory, output to LOG; on
# failure the log's tail and one line. The caller's make variables (O=, ARCH=, -j from
# `make rig-check`) must not leak into the kernel's make.
rig_kernel_make() {
  local log=$1
  shift
  env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES make "$@" >> "$log" 2>&1 ||
    { tail -n 30 "$log" >&2; die "'make $*' failed (full log: $log)"; }
}

# rig_configure_kernel SRC FRAGMENT LOG [MAKE ARGS...]: tinyconfig + FRAGMENT +
# olddefconfig in SRC, then check that every line of FRAGMENT took effect.
rig_configure_kernel() {
  local src=$1 frag=$2 log=$3
  shift 3
  : > "$log"
  (
    cd "$src"
    rig_kernel_make "$log" "$@" tinyconfig
    # The make arguments (ARCH=... CROSS_COMPILE=...) double as environment here.
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES "$@" \
      scripts/kconfig/merge_config.sh -m .config "$frag" >> "$log" 2>&1 ||
      { tail -n 30 "$log" >&2; die "merging $frag failed (full log: $log)"; }
    rig_kernel_make "$log" "$@" olddefconfig
  ) || exit 1
  local missing=() line
  while IFS= read -r line; do
    if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
      grep -qx -- "$line" "$src/.config" || missing+=("${BASH_REMATCH[1]}")
    elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
      ! grep -q "^${BASH_REMATCH[1]}=" "$src/.config" || missing+=("${BASH_REMATCH[1]}(should be unset)")
    fi
  done < "$frag"
  [[ ${#missing[@]} -eq 0 ]] || die "options of the fragment not set in .config: ${missing[*]}"
}

# rig_stamp SERIES FRAGMENT: the cache key of a kernel built from that fragment.
rig_stamp() { echo "$1 $(sha256sum < "$2" | awk '{print $1}')"; }

# rig_install_packages PKG...: apt-get install the Debian packages not yet installed
# (on the host: these are tools, never :arm64 libraries).
rig_install_packages() {
  local missing=() p
  for p in "$@"; do
    # dpkg-query prints "install ok installed" only for a fully installed package.
    if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]]; then
      missing+=("$p")
    fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "${rig_name:-rig}: installing ${missing[*]}" >&2
  [[ $(id -u) -eq 0 ]] || die "missing packages (${missing[*]}) and not root; install them first"
  # A fresh machine may have no package lists yet; refresh them once and retry on failure.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
    apt-get update >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
      die "apt-get install ${missing[*]} failed"
  fi
}
