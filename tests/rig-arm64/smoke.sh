#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# End-to-end check of the arm64 rig without cvmm: build the sysroot and the kernel
# (both cached), a static arm64 probe (probe.c) against the sysroot's libraries, and
# an initramfs; boot it and check that pKVM came up in protected mode and that the
# probe created a protected VM (KVM_VM_TYPE_ARM_PROTECTED). Prints the time of each
# step. Output under $RIG_OUT_ARM64 (default build/rig-arm64); sysroot in
# $ARM64_SYSROOT (default build/arm64/sysroot).
set -euo pipefail

die() { echo "smoke-arm64: FAIL $*" >&2; echo "smoke-arm64: 0 passed, 1 failed"; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"
out=${RIG_OUT_ARM64:-$here/../../build/rig-arm64}
sysroot=${ARM64_SYSROOT:-$here/../../build/arm64/sysroot}
mkdir -p "$out/smoke"
out=$(cd "$out" && pwd)
work=$out/smoke

t0=$(date +%s)
"$here/install-deps.sh" || die "the packages the rig needs could not be installed"
"$here/../../scripts/arm64-sysroot.sh" "$sysroot" || die "the arm64 sysroot could not be made"
t1=$(date +%s)
"$here/build-kernel.sh" "$out/kernel" || die "the arm64 rig kernel could not be built"
t2=$(date +%s)
lib=$sysroot/usr/lib/aarch64-linux-gnu
aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -isystem "$sysroot/usr/include" \
  -o "$work/probe" "$here/probe.c" -L"$lib" -lfdt -lelf -lz -linih ||
  die "building the probe against $sysroot failed"

cat > "$work/guest.sh" <<'GUEST'
# Runs inside the arm64 rig as /rig.sh.
ls -l /dev/kvm || exit 1
probe
GUEST
"$here/mkinitramfs.sh" "$sysroot" "$work/initramfs.cpio.gz" "$work/guest.sh" "$work/probe" ||
  die "building the initramfs failed"

log=$work/console.log
t3=$(date +%s)
rc=0
RIG_LOG=$log "$here/run.sh" "$out/kernel/Image" "$work/initramfs.cpio.gz" 600 || rc=$?
t4=$(date +%s)
echo "smoke-arm64: sysroot $((t1 - t0)) s, kernel $((t2 - t1)) s, boot and probe $((t4 - t3)) s"

console=$(tr -d '\r' < "$log")
mode=$(pkvm_mode_line <<<"$console") ||
  die "the kernel did not initialize KVM in protected mode (no '$pkvm_mode_regex' line; console log: $log)"
echo "smoke-arm64: $mode"
grep -q 'probe: libraries: .*: 0 failed' <<<"$console" ||
  die "the probe's libraries did not all work: $(grep -m1 'probe: lib' <<<"$console" || echo 'no probe output')"
grep -q 'KVM_CREATE_VM(KVM_VM_TYPE_ARM_PROTECTED 0x80000000) ok' <<<"$console" ||
  die "no protected VM: $(grep -m1 'KVM_CREATE_VM(KVM_VM_TYPE_ARM_PROTECTED' <<<"$console" || echo 'the probe did not run') (console log: $log)"
[[ $rc -eq 0 ]] || die "the rig run failed with status $rc (console log: $log)"
echo "smoke-arm64: protected VM created"
echo "smoke-arm64: 1 passed, 0 failed"
