#!/usr/bin/env bash
# Boot BZIMAGE + INITRAMFS under QEMU TCG (-cpu max gives the guest SVM, hence nested KVM),
# stream the serial console to stdout and a log (RIG_SMP CPUs, default 1), and exit with the status of the
# initramfs' "RIG-EXIT <status>" line. Log: $RIG_LOG, default INITRAMFS with .log appended.
set -euo pipefail

die() { echo "run: $1" >&2; exit "${2:-1}"; }

[[ $# -eq 3 ]] || die "usage: run.sh BZIMAGE INITRAMFS TIMEOUT_SECONDS"
kernel=$1 initrd=$2 secs=$3
[[ -f $kernel ]] || die "kernel $kernel not found"
[[ -f $initrd ]] || die "initramfs $initrd not found"
[[ $secs =~ ^[1-9][0-9]*$ ]] || die "TIMEOUT_SECONDS must be a positive integer, got '$secs'"
log=${RIG_LOG:-$initrd.log}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/install-deps.sh"

# stdin from /dev/null: QEMU then leaves the terminal alone, and nothing reaches the guest.
# lapic=notscdeadline, as for the Linux guests (check.sh): once, the whole rig stood still
# (QEMU idle, no console line for 13 minutes) while L1 waited on its TSC-deadline timer.
set +e
timeout -k 5 "$secs" qemu-system-x86_64 -accel tcg -cpu max -m 2G -smp "${RIG_SMP:-1}" -nographic -no-reboot \
  -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 panic=-1 quiet lapic=notscdeadline" </dev/null 2>&1 |
  tee "$log"
rcs=("${PIPESTATUS[@]}")
set -e
qemu_rc=${rcs[0]}
[[ ${rcs[1]} -eq 0 ]] || die "could not write the console log $log"

# The serial console ends lines with CR LF.
if [[ $qemu_rc -eq 124 || $qemu_rc -eq 137 ]]; then
  die "timed out after ${secs}s without powering off (console log: $log)" 124
fi
if grep -q 'Kernel panic' "$log"; then
  die "the guest kernel panicked: $(tr -d '\r' < "$log" | grep -m1 'Kernel panic') (console log: $log)" 2
fi
status=$(tr -d '\r' < "$log" | sed -n 's/^RIG-EXIT \([0-9][0-9]*\)$/\1/p' | tail -n1)
[[ -n $status ]] || die "no RIG-EXIT line on the console (qemu exit status $qemu_rc; console log: $log)" 3
[[ $qemu_rc -eq 0 ]] || echo "run: warning: qemu exited with status $qemu_rc after RIG-EXIT $status" >&2
exit "$status"
