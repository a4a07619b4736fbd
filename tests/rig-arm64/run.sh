#!/usr/bin/env bash
# Boot IMAGE + INITRAMFS in the arm64 rig: qemu-system-aarch64 (TCG) emulating a
# virt machine with EL2 and GICv3, the kernel booted with kvm-arm.mode=protected
# (pKVM). Streams the console to stdout and a log ($RIG_LOG, default INITRAMFS.log)
# and exits with the status of the initramfs' "RIG-EXIT <status>" line; 124 on a
# timeout, 2 on a panic, 3 when the guest never said RIG-EXIT. With RIG_DRIVE=FILE
# the rig also gets FILE as a raw virtio-blk disk (/dev/vda inside): how files come
# back out of the rig. Console lines starting "guest| " are a nested guest's (the
# rig's scripts prefix them so): a panic there is not the rig's own.
#   run.sh IMAGE INITRAMFS TIMEOUT_SECONDS
set -euo pipefail

die() { echo "run-arm64: $1" >&2; exit "${2:-1}"; }

[[ $# -eq 3 ]] || die "usage: run.sh IMAGE INITRAMFS TIMEOUT_SECONDS"
kernel=$1 initrd=$2 secs=$3
[[ -f $kernel ]] || die "kernel $kernel not found"
[[ -f $initrd ]] || die "initramfs $initrd not found"
[[ $secs =~ ^[1-9][0-9]*$ ]] || die "TIMEOUT_SECONDS must be a positive integer, got '$secs'"
log=${RIG_LOG:-$initrd.log}
drive=()
if [[ -n ${RIG_DRIVE:-} ]]; then
  [[ -f $RIG_DRIVE ]] || die "RIG_DRIVE $RIG_DRIVE not found"
  drive=(-drive "file=$RIG_DRIVE,format=raw,if=none,id=rigdisk" -device virtio-blk-device,drive=rigdisk)
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/install-deps.sh"

# pauth-impdef: QEMU's own pointer-authentication algorithm, far cheaper under TCG
# than the architected one. No firmware: QEMU loads the Image and enters it at EL2.
# stdin from /dev/null: QEMU then leaves the terminal alone.
set +e
timeout -k 5 "$secs" qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 \
  -cpu max,pauth-impdef=on -smp "${RIG_SMP:-2}" -m 1G -nographic -no-reboot \
  -kernel "$kernel" -initrd "$initrd" "${drive[@]}" \
  -append "console=ttyAMA0 earlycon kvm-arm.mode=protected panic=-1" </dev/null 2>&1 |
  tee "$log"
rcs=("${PIPESTATUS[@]}")
set -e
qemu_rc=${rcs[0]}
[[ ${rcs[1]} -eq 0 ]] || die "could not write the console log $log"

if [[ $qemu_rc -eq 124 || $qemu_rc -eq 137 ]]; then
  die "timed out after ${secs}s without powering off (console log: $log)" 124
fi
# The serial console ends lines with CR LF.
panic=$(tr -d '\r' < "$log" | grep -v '^guest| ' | grep -m1 'Kernel panic' || true)
[[ -z $panic ]] || die "the rig's kernel panicked: $panic (console log: $log)" 2
status=$(tr -d '\r' < "$log" | sed -n 's/^RIG-EXIT \([0-9][0-9]*\)$/\1/p' | tail -n1)
[[ -n $status ]] || die "no RIG-EXIT line on the console (qemu exit status $qemu_rc; console log: $log)" 3
[[ $qemu_rc -eq 0 ]] || echo "run-arm64: warning: qemu exited with status $qemu_rc after RIG-EXIT $status" >&2
exit "$status"
