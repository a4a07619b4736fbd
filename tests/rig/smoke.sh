#!/usr/bin/env bash
# End-to-end check of the rig: build the kernel (cached), the probe and an initramfs,
# boot it under QEMU and check that the nested KVM offers VM type 1 (KVM_X86_SW_PROTECTED_VM).
# Output goes under $RIG_OUT (default: build/rig of the repository).
set -euo pipefail

die() { echo "smoke: $*" >&2; echo "smoke: 0 passed, 1 failed"; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${RIG_OUT:-$here/../../build/rig}
mkdir -p "$out/smoke"
out=$(cd "$out" && pwd)
work=$out/smoke

"$here/install-deps.sh"
"$here/build-kernel.sh" "$out/kernel" || die "kernel build failed"
gcc -static -O2 -Wall -Werror -o "$work/probe" "$here/probe.c" || die "building the probe failed"

cat > "$work/guest.sh" <<'GUEST'
# Runs inside the rig as /rig.sh.
if grep -qw svm /proc/cpuinfo; then echo "guest-cpu: svm"; else echo "guest-cpu: no svm"; fi
ls -l /dev/kvm || exit 1
probe
GUEST
"$here/mkinitramfs.sh" "$work/initramfs.cpio.gz" "$work/guest.sh" "$work/probe" || die "building the initramfs failed"

log=$work/console.log
start=$(date +%s.%N)
rc=0
RIG_LOG=$log "$here/run.sh" "$out/kernel/bzImage" "$work/initramfs.cpio.gz" 300 || rc=$?
echo "smoke: boot+probe took $(echo "$(date +%s.%N) - $start" | bc) s"
[[ $rc -eq 0 ]] || die "the rig run failed with status $rc (console log: $log)"

console=$(tr -d '\r' < "$log")
grep -qx 'guest-cpu: svm' <<<"$console" || die "the guest CPU has no SVM: QEMU -cpu max gave no nested virtualization"
types=$(sed -n 's/^kvm KVM_CAP_VM_TYPES(235)=\(0x[0-9a-f]*\)$/\1/p' <<<"$console")
[[ -n $types ]] || die "the probe printed no KVM_CAP_VM_TYPES value"
(( types & (1 << 1) )) || die "KVM_CAP_VM_TYPES=$types lacks KVM_X86_SW_PROTECTED_VM (bit 1)"
grep -q 'KVM_CREATE_VM(type 1 KVM_X86_SW_PROTECTED_VM) ok' <<<"$console" ||
  die "KVM_CREATE_VM with type 1 failed inside the rig"
echo "smoke: VM type 1 available (KVM_CAP_VM_TYPES=$types)"
echo "smoke: 1 passed, 0 failed"
