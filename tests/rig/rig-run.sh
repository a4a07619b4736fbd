#!/usr/bin/env bash
# make rig-run: boot the rig (Linux 7.3 with KVM_SW_PROTECTED_VM under QEMU TCG) with a
# static cvmm and your own files, run one shell command inside it, and stop.
#
#   rig-run.sh CVMM FILES_DIR COMMAND
#
# FILES_DIR (may be empty: none) is copied to /files inside the rig and the command runs
# there with /bin/sh, cvmm on its PATH; the rig's own kernel is at /rig/vmlinux and
# /rig/bzImage (it is also a Linux guest for cvmm, kernel.fragment). The console streams
# to stdout and $RIG_OUT/run/console.log; the exit status is the command's (or 1 when
# the rig did not come up or finish, 124 on RIG_TIMEOUT, default 1800 s).
set -euo pipefail

die() { echo "rig-run: $*" >&2; exit 1; }

[[ $# -eq 3 ]] || die "usage: rig-run.sh CVMM FILES_DIR COMMAND"
cvmm=$1 files=$2 cmd=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${RIG_OUT:-$here/../../build/rig}
timeout=${RIG_TIMEOUT:-1800}
[[ -n $cmd ]] || die "no command: give RIG_CMD='...'"
[[ -f $cvmm ]] || die "$cvmm is missing (run make first)"
ldd "$cvmm" >/dev/null 2>&1 && die "$cvmm is dynamically linked; the rig needs a static build"
[[ -z $files || -d $files ]] || die "RIG_FILES: '$files' is not a directory"
mkdir -p "$out/run"
out=$(cd "$out" && pwd)
work=$out/run

"$here/install-deps.sh" || die "the packages the rig needs could not be installed"
"$here/build-kernel.sh" "$out/kernel" >&2 || die "the rig kernel could not be built"

printf 'cd /files\n%s\n' "$cmd" > "$work/guest.sh"
extra=("$out/kernel/vmlinux=/rig/vmlinux" "$out/kernel/bzImage=/rig/bzImage")
if [[ -n $files ]]; then extra+=("$files=/files"); else mkdir -p "$work/empty"; extra+=("$work/empty=/files"); fi
"$here/mkinitramfs.sh" "$work/initramfs.cpio.gz" "$work/guest.sh" "$cvmm" "${extra[@]}" >/dev/null ||
  die "the initramfs could not be built"
RIG_LOG=$work/console.log exec "$here/run.sh" "$out/kernel/bzImage" "$work/initramfs.cpio.gz" "$timeout"
