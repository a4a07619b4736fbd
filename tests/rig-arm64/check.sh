#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# make rig-check-arm64: run cvmm's test-kernel suite inside the arm64 rig (Linux 7.3
# pKVM, kvm-arm.mode=protected, under qemu-system-aarch64 TCG; ../shared/PKVM.md),
# where protected VMs are real: the hypervisor takes their private pages from the host.
#
#   check.sh CVMM TESTKERNEL     both arm64; CVMM static (make ARCH=arm64 builds it)
#
# Builds the sysroot and the rig kernel (cached under $RIG_OUT_ARM64/kernel, default
# build/rig-arm64), packs an initramfs with busybox, CVMM and TESTKERNEL, boots it once
# and runs every test of the table below, each bounded by a timeout. The console comes
# back into $RIG_OUT_ARM64/check/console.log; this script checks each test's block
# there and prints one line per test, then "rig-check-arm64: N passed, M failed";
# status 0 only if every test passed. A rig that cannot be built or booted, hangs,
# panics, or whose kernel did not bring KVM up in protected mode fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"
out=${RIG_OUT_ARM64:-$here/../../build/rig-arm64}
sysroot=${ARM64_SYSROOT:-$here/../../build/arm64/sysroot}
boot_timeout=${RIG_TIMEOUT_ARM64:-1200}   # seconds for the whole boot (a hang ends here)
test_timeout=240                          # seconds for one cvmm run inside the rig

# One test per line: platform, test=NAME[:ARG], kind, cvmm options.
#   -         must exit 0 with "RESULT ... failed=0", no FAIL line, cvmm's --stats
#             naming the platform, footprint peak <= RAM
#   status:N  the same, but cvmm must exit with status N and no RESULT line is due
#   linux     not the test kernel: the rig's own Image boots as the guest, root on
#             a virtio-blk ext2 disk (mkrootdisk.sh) behind the DMA pool; it must
#             say /init started, write its marker to the console and to /marker on
#             the disk (read back after the run with debugfs), power off (status
#             0) with no guard refusal, and its kernel must have set up the pool
#   report    run and its RESULT/REPORT/FAIL lines shown; counted neither as a pass
#             nor as a failure (for behaviour we observe but do not own: PKVM.md's
#             scrubbing anomaly)
# Add a line to add a test; RIG_ONLY=REGEX keeps only the matching lines.
tests=(
  "pkvm linux            linux  --memory 256M"
  "soft linux            linux  --memory 256M"
  "pkvm hello            -      --memory 64M"
  "pkvm exit:7           status:7 --memory 64M"
  "pkvm memtest          -      --memory 32M"
  "pkvm smp:2            -      --memory 64M --cpus 2"
  "pkvm virtio-blk       -      --memory 64M --disk /tmp/disk.img"
  "pkvm virtio-rng       -      --memory 64M --rng"
  "pkvm virtio-console   -      --memory 64M --console virtio"
  "pkvm dma-escape       -      --memory 64M --disk /tmp/escape.img"
  "pkvm pool-exhaust     -      --memory 64M --rng --dma-pool 1M"
  "pkvm isolation        -      --memory 64M --testdev"
  "pkvm unshare-under-io -      --memory 64M --disk /tmp/disk.img"
  "pkvm blkbench         -      --memory 64M --disk /tmp/blkbench.img"
  "pkvm scrub            report --memory 64M --testdev"
  "soft hello            -      --memory 64M"
  "soft exit:7           status:7 --memory 64M"
  "soft memtest          -      --memory 32M"
  "soft smp:2            -      --memory 64M --cpus 2"
  "soft virtio-blk       -      --memory 64M --disk /tmp/disk.img"
  "soft virtio-rng       -      --memory 64M --rng"
  "soft virtio-console   -      --memory 64M --console virtio"
  "soft dma-escape       -      --memory 64M --disk /tmp/escape.img"
  "soft pool-exhaust     -      --memory 64M --rng --dma-pool 1M"
)

if [[ -n ${RIG_ONLY:-} ]]; then
  kept=()
  for t in "${tests[@]}"; do [[ $t =~ $RIG_ONLY ]] && kept+=("$t"); done
  tests=("${kept[@]}")
fi
counted=1   # the caps check
for t in "${tests[@]}"; do read -r _ _ kind _ <<<"$t"; [[ $kind == report ]] || counted=$((counted + 1)); done

# Before any test ran, every counted test is a failure; the reason goes first.
setup_failed() {
  echo "rig-check-arm64: FAIL $*"
  echo "rig-check-arm64: 0 passed, $counted failed"
  exit 1
}

[[ $# -eq 2 ]] || setup_failed "usage: check.sh CVMM TESTKERNEL"
cvmm=$1 testkernel=$2
[[ -f $cvmm ]] || setup_failed "nothing to run: there is no arm64 cvmm ($cvmm; arch/arm64/ must exist for make ARCH=arm64 to build it)"
[[ -f $testkernel ]] || setup_failed "nothing to run: there is no arm64 test kernel ($testkernel; firmware/testkernel/arm64/build.mk must build it)"
mkdir -p "$out/check"
out=$(cd "$out" && pwd)
work=$out/check
t_start=$(date +%s)

"$here/install-deps.sh" || setup_failed "the packages the rig needs could not be installed (see above)"
"$here/../../scripts/arm64-sysroot.sh" "$sysroot" || setup_failed "the arm64 sysroot could not be made (see above)"
if ! "$here/build-kernel.sh" "$out/kernel" 2>"$work/build-kernel.err"; then
  cat "$work/build-kernel.err" >&2
  reason=$(grep '^build-kernel-arm64:' "$work/build-kernel.err" | tail -n1 || true)
  setup_failed "the arm64 rig kernel could not be built: ${reason:-see the output above}"
fi
cat "$work/build-kernel.err" >&2
t_kernel=$(date +%s)

# Linux guests: one fresh ext2 root disk each, all packed into one raw drive that
# the rig's QEMU attaches (/dev/vda inside), so that the disks come back out: the
# rig copies each into /tmp, runs the guest on it and copies it back.
disk_mib=16
nonce=$(date +%s)-$$
linux_n=0
drive=$work/linux-disks.img
rm -f "$drive"
declare -A disk_index=()
for t in "${tests[@]}"; do
  read -r plat name kind _ <<<"$t"
  [[ $kind == linux ]] || continue
  "$here/../rig/mkrootdisk.sh" "$sysroot/bin/busybox" "$work/root-$plat.img" "$disk_mib" ||
    setup_failed "the root disk of the Linux guest could not be made"
  cat "$work/root-$plat.img" >> "$drive"
  disk_index[$plat]=$linux_n
  linux_n=$((linux_n + 1))
done

# The guest's command line: its console is cvmm's 16550 (earlycon finds it by
# stdout-path); init gets marker=... in its environment; panic=-1 makes a panic a
# PSCI reset, so cvmm ends.
linux_cmdline() {
  echo "console=ttyS0 earlycon root=/dev/vda rootfstype=ext2 rw init=/init panic=-1 marker=$1-$nonce"
}

# The shell lines that run one test inside the rig, its status in $rc.
run_lines() {
  local plat=$1 name=$2 kind=$3 args=$4 i
  if [[ $kind == linux ]]; then
    i=${disk_index[$plat]}
    echo "dd if=/dev/vda of=/tmp/root-$plat.img bs=1M skip=$((i * disk_mib)) count=$disk_mib 2>/dev/null"
    echo "read t0 _ < /proc/uptime"
    # The guest's console is prefixed "guest| ": a panic there is not the rig's.
    echo "timeout $test_timeout cvmm run --kernel /bin/Image --platform $plat --stats $args" \
      "--disk /tmp/root-$plat.img --cmdline '$(linux_cmdline "$plat")' >/tmp/guest.out 2>/tmp/cvmm.err"
    echo 'rc=$?; read t1 _ < /proc/uptime'
    echo "sed 's/^/guest| /' /tmp/guest.out; cat /tmp/cvmm.err"
    echo "dd if=/tmp/root-$plat.img of=/dev/vda bs=1M seek=$((i * disk_mib)) conv=notrunc,fsync 2>/dev/null"
  else
    echo "read t0 _ < /proc/uptime"
    echo "timeout $test_timeout cvmm run --kernel /bin/$(basename "$testkernel") --platform $plat --stats $args --cmdline test=$name 2>&1"
    echo 'rc=$?; read t1 _ < /proc/uptime'
  fi
}

# The script /init runs inside the rig: one block per test, then a summary.
{
  echo '# Generated by tests/rig-arm64/check.sh; runs inside the arm64 rig as /rig.sh.'
  echo 'echo "RIG-CAPS-BEGIN"; cvmm caps; echo "RIG-CAPS-END"'
  echo 'dd if=/dev/zero of=/tmp/disk.img bs=1M count=8 2>/dev/null'
  echo 'dd if=/dev/zero of=/tmp/escape.img bs=1M count=2 2>/dev/null'
  echo 'dd if=/dev/zero of=/tmp/blkbench.img bs=1M count=8 2>/dev/null'
  for t in "${tests[@]}"; do
    read -r plat name kind args <<<"$t"
    echo "echo 'RIG-TEST-BEGIN $plat $name'"
    run_lines "$plat" "$name" "$kind" "$args"
    echo "echo \"RIG-TEST-END $plat $name status=\$rc seconds=\$(awk \"BEGIN{print \$t1-\$t0}\")\""
  done
  echo 'sync; echo "RIG-TESTS-DONE"'
} > "$work/guest.sh"

extra=()
[[ $linux_n -eq 0 ]] || extra+=("$out/kernel/Image")
"$here/mkinitramfs.sh" "$sysroot" "$work/initramfs.cpio.gz" "$work/guest.sh" "$cvmm" "$testkernel" \
  "${extra[@]}" >/dev/null || setup_failed "the initramfs could not be built"

log=$work/console.log
drive_arg=
[[ $linux_n -eq 0 ]] || drive_arg=$drive
echo "rig-check-arm64: booting the arm64 rig (console log: $log)"
rc=0
RIG_LOG=$log RIG_DRIVE=${drive_arg:-} "$here/run.sh" "$out/kernel/Image" "$work/initramfs.cpio.gz" "$boot_timeout" \
  > "$work/run.out" || rc=$?
t_end=$(date +%s)
console=$(tr -d '\r' < "$log")
rig_error=
rig_panic=$(grep -v '^guest| ' <<<"$console" | grep -m1 'Kernel panic' || true)
if [[ -n $rig_panic ]]; then
  rig_error="the rig's kernel panicked: $rig_panic"
elif ! pkvm_mode_line <<<"$console" >/dev/null; then
  rig_error="the rig's kernel did not bring KVM up in protected mode (no 'Protected hVHE/nVHE mode initialized' line)"
elif ! grep -q '^RIG-TESTS-DONE' <<<"$console"; then
  rig_error="the rig did not finish the tests (run.sh status $rc)"
elif ! grep -q '^RIG-EXIT [0-9]*$' <<<"$console"; then
  rig_error="the rig did not power off cleanly (run.sh status $rc)"
fi

# The lines of one test's block, END line included.
block_of() {
  awk -v b="RIG-TEST-BEGIN $1 $2" -v e="RIG-TEST-END $1 $2 " '
    $0 == b { on = 1; next } on && index($0, e) == 1 { print; exit } on { print }' <<<"$console"
}

# The value of "stats: NAME VALUE" in a block, or empty.
stat_of() { sed -n "s/^stats: $2 \([^ ]*\).*/\1/p" <<<"$1" | tail -n1; }

# What the Linux guest wrote into /marker of its disk ($plat's part of the drive
# that came back out of the rig), or nothing.
marker_on_disk() {
  local i=${disk_index[$1]} img=$work/root-$1.out.img
  dd if="$drive" of="$img" bs=1M skip=$((i * disk_mib)) count=$disk_mib 2>/dev/null || return 0
  debugfs -R "cat /marker" "$img" 2>/dev/null || true
}

# The number in the guest line "linux-guest: WHAT at Ns", or empty.
guest_time() { sed -n "s#^guest| linux-guest: $2 at \([0-9.]*\)s\$#\1#p" <<<"$1" | tail -n1; }

# Why the Linux guest on $plat failed, one reason per line.
linux_failures() {
  local plat=$1 block=$2 got
  local want=$plat-$nonce
  [[ -n $(guest_time "$block" /init) ]] || echo "the guest never said /init started"
  grep -qx "guest| linux-guest: marker $want written to /marker" <<<"$block" ||
    echo "no marker $want on the guest's console"
  [[ -n $(guest_time "$block" power-off) ]] || echo "the guest never said it powers off"
  grep -q '^guest| .*created restricted DMA pool' <<<"$block" ||
    echo "the guest kernel set up no restricted DMA pool"
  grep -m1 '^guest| .*Kernel panic' <<<"$block" || true
  [[ $(stat_of "$block" guard.refused) == 0 ]] ||
    echo "device accesses outside the DMA pool (guard.refused $(stat_of "$block" guard.refused))"
  got=$(marker_on_disk "$plat")
  [[ $got == "$want" ]] || echo "/marker on the disk reads '${got:0:40}', not '$want'"
}

# Why a finished test failed, one reason per line; nothing if it passed.
failures() {
  local plat=$1 kind=$2 block=$3 status=$4 want=0 peak ram
  [[ $kind == status:* ]] && want=${kind#status:}
  case $status in
    "$want") ;;
    124|143|137) echo "timed out after ${test_timeout}s" ;;
    *) echo "cvmm exited with status $status, not $want" ;;
  esac
  grep -m1 '^cvmm: error' <<<"$block" || true
  case $kind in
    linux) linux_failures "$plat" "$block" ;;
    -) grep -q '^RESULT test=[^ ]* passed=[0-9]* failed=0$' <<<"$block" ||
         echo "no RESULT line with failed=0" ;;
  esac
  grep -m1 '^FAIL ' <<<"$block" || true
  grep -m1 '^SKIP' <<<"$block" | sed 's/^/skipped: /' || true
  grep -qx "stats: platform $plat" <<<"$block" || echo "stats missing or not on $plat"
  peak=$(stat_of "$block" memory.footprint_peak_bytes) ram=$(stat_of "$block" memory.ram_bytes)
  if [[ -z $peak || -z $ram ]]; then
    echo "no footprint in the stats"
  elif (( peak > ram )); then
    echo "footprint peak $peak > RAM $ram bytes"
  fi
}

# Check one test; prints its line, returns 0 passed, 1 failed, 2 reported.
check_test() {
  local plat=$1 name=$2 kind=$3 block end status secs why
  block=$(block_of "$plat" "$name")
  end=$(grep "^RIG-TEST-END $plat $name " <<<"$block" || true)
  if [[ -z $end && $kind == report ]]; then
    echo "rig-check-arm64: REPORT $plat $name: never finished${rig_error:+ ($rig_error)}"
    return 2
  elif [[ -z $end ]]; then
    echo "rig-check-arm64: FAIL $plat $name: never finished${rig_error:+ ($rig_error)}"
    return 1
  fi
  status=$(sed -n 's/.* status=\([0-9]*\).*/\1/p' <<<"$end")
  secs=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$end")
  if [[ $kind == report ]]; then
    why=$(grep -E '^(RESULT|REPORT|FAIL|SKIP|cvmm: error)' <<<"$block" | paste -sd ';' -)
    echo "rig-check-arm64: REPORT $plat $name (status $status, ${secs}s): ${why:-no result lines}"
    return 2
  fi
  why=$(failures "$plat" "$kind" "$block" "$status" | paste -sd ';' - | sed 's/;/; /g')
  if [[ -n $why ]]; then
    echo "rig-check-arm64: FAIL $plat $name: $why"
    return 1
  fi
  local guest=
  [[ $kind != linux ]] ||
    guest="guest time to /init $(guest_time "$block" /init) s, to power-off $(guest_time "$block" power-off) s; "
  echo "rig-check-arm64: PASS $plat $name (${secs}s; ${guest}footprint peak" \
    "$(( $(stat_of "$block" memory.footprint_peak_bytes) / 1024 )) KiB)"
}

# cvmm caps on this pKVM host must say that protected VMs can be created and that
# their RAM is a memfd because guest_memfd is refused for protected memory.
check_caps() {
  local caps why=()
  caps=$(sed -n '/^RIG-CAPS-BEGIN$/,/^RIG-CAPS-END$/p' <<<"$console")
  grep -Eq '^cvmm platform pkvm +yes +KVM_VM_TYPE_ARM_PROTECTED' <<<"$caps" ||
    why+=("does not say protected VMs can be created")
  grep -Eq '^  pkvm RAM in guest_memfd +no +a memfd per memslot, because the kernel refuses guest_memfd for protected memory' <<<"$caps" ||
    why+=("does not say pkvm RAM is a memfd because guest_memfd is refused")
  grep -Eq '^  soft RAM in guest_memfd +yes' <<<"$caps" || why+=("does not say soft RAM is guest_memfd")
  if [[ ${#why[@]} -gt 0 ]]; then
    echo "rig-check-arm64: FAIL caps: cvmm caps $(IFS=';'; echo "${why[*]}" | sed 's/;/; /g')"
    return 1
  fi
  echo "rig-check-arm64: PASS caps (protected VMs: yes; pkvm RAM: a memfd, guest_memfd refused)"
}

passed=0 failed=0
if check_caps; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
for t in "${tests[@]}"; do
  read -r plat name kind _ <<<"$t"
  r=0
  check_test "$plat" "$name" "$kind" || r=$?
  case $r in 0) passed=$((passed + 1)) ;; 1) failed=$((failed + 1)) ;; esac
done
if [[ -n $rig_error ]]; then
  # Counted as one more failure, so the closing line cannot read as a pass.
  echo "rig-check-arm64: FAIL $rig_error (console log: $log)"
  failed=$((failed + 1))
else
  echo "rig-check-arm64: $(pkvm_mode_line <<<"$console")"
fi
echo "rig-check-arm64: kernel $((t_kernel - t_start)) s, boot and tests $((t_end - t_kernel)) s (console log: $log)"
echo "rig-check-arm64: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
