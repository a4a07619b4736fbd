#!/usr/bin/env bash
# make rig-check: run cvmm's test-kernel suite and the integration tests inside the rig
# (Linux 7.3 with KVM_SW_PROTECTED_VM under QEMU TCG, RIG.md), where private memory,
# KVM_EXIT_HYPERCALL and KVM_EXIT_MEMORY_FAULT are real.
#
#   check.sh CVMM TESTKERNEL INTEGRATION_TESTS
#     CVMM and INTEGRATION_TESTS must be static (make builds them in build/static/)
#
# Builds the rig kernel (cached under $RIG_OUT/kernel, default build/rig), packs an
# initramfs with busybox, CVMM, TESTKERNEL, INTEGRATION_TESTS, README.md and configs/,
# boots it once and runs every test of the table below in it, each bounded by a
# timeout, then the whole integration suite (tests/integration/) with the default
# platform. The console comes back into $RIG_OUT/check/console.log; this script then
# checks each test's block there: cvmm's status, the guest's RESULT line, and the stats
# (real hypercall and memory-fault exits where the table asks, footprint peak <= RAM,
# the footprint method); for the integration suite its status and check's summary line
# (no failures, no errors, and no test left out for lack of KVM). It prints one line per
# test (the integration suite is one) and ends with "rig-check: N passed, M failed";
# status 0 only if every test passed. A rig that cannot be built or booted, hangs or
# panics fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${RIG_OUT:-$here/../../build/rig}
boot_timeout=${RIG_TIMEOUT:-1800}  # seconds for the whole boot (a hang ends here)
test_timeout=180                   # seconds for one cvmm run inside the rig
# The integration suite under TCG: its timeouts (check's per test, the harness's per cvmm
# run) are multiplied by this, and the whole suite is bounded by integ_timeout.
integ_multiplier=4
integ_timeout=1200

# One test per line: platform, test=NAME[:ARG], what its stats must show, cvmm options.
#   hypercall     exits.hypercall > 0 (conversions went by KVM_HC_MAP_GPA_RANGE)
#   memory_fault  exits.memory_fault > 0, each resolved by cvmm
#   -             nothing more than the checks every test gets
# Every test must exit 0 with "RESULT ... failed=0", no FAIL line, footprint peak <=
# RAM, the footprint measured with cachestat; on sw-protected no SKIP line.
tests=(
  "sw-protected hello          -            --memory 64M"
  "sw-protected initial:shared -            --memory 64M --testdev"
  "sw-protected convert        hypercall    --memory 64M --testdev --log-level info"
  "sw-protected convert-bad    hypercall    --memory 4G"
  "sw-protected guard          hypercall    --memory 64M --testdev"
  "sw-protected churn          hypercall    --memory 64M"
  "sw-protected scatter:34000  hypercall    --memory 512M --testdev"
  "sw-protected memfault       memory_fault --memory 64M --testdev --log-level info"
  "sw-protected memtest        -            --memory 32M"
  "sw-protected smp:2          -            --memory 64M --cpus 2"
  "sw-protected irq            -            --memory 64M --rng"
  "sw-protected virtio-blk     -            --memory 64M --disk /tmp/disk.img"
  "sw-protected virtio-rng     -            --memory 64M --rng"
  "sw-protected virtio-console -            --memory 64M --console virtio"
  "sw-protected dma-escape     hypercall    --memory 64M --disk /tmp/escape.img"
  "sw-protected blkbench       -            --memory 64M --disk /tmp/blkbench.img"
  "sw-protected pool-exhaust   -            --memory 64M --rng --dma-pool 1M"
  "soft         initial:private -           --memory 64M --testdev"
  "soft         convert        -            --memory 64M --testdev"
  "soft         convert-bad    -            --memory 4G"
  "soft         guard          -            --memory 64M --testdev"
  "soft         churn          -            --memory 64M"
  "soft         scatter:34000  -            --memory 512M --testdev"
  "soft         memfault       -            --memory 64M --testdev"
)

# Linux guests: platform, a name, the rig kernel file cvmm boots (vmlinux by its PVH
# note, bzImage by the 64-bit boot protocol), then extra command-line words. The rig kernel
# doubles as the guest (kernel.fragment); its root is an ext2 disk from mkrootdisk.sh on
# virtio-blk. Linux converts no pages, so its RAM starts shared and its devices may touch
# any shared page (--initial-state shared --dma-anywhere). Each must exit 0 (the guest's
# ACPI power-off), print the guest's marker line and leave its marker in the
# disk image (read back with debugfs inside the rig after cvmm exited).
# The pvh-cmdline test names the disk with virtio_mmio.device= instead of ACPI (cvmm
# then leaves it out of the DSDT).
linux_tests=(
  "sw-protected pvh         vmlinux"
  "soft         pvh         vmlinux"
  "sw-protected bzimage     bzImage"
  "soft         bzimage     bzImage"
)
# RIG_LINUX=1 adds pvh-cmdline, which fails today: x86 Linux reads the :16 as a Linux
# IRQ number, and on cvmm's hardware-reduced platform none exists for GSI 16 until
# something registers it (see the README, "Booting Linux"). ACPI is the way on x86.
if [[ ${RIG_LINUX:-0} == 1 ]]; then
  linux_tests+=("sw-protected pvh-cmdline vmlinux virtio_mmio.device=4K@0xd0000000:16")
fi
# lapic=notscdeadline: in the rig (KVM nested on QEMU TCG) the guest's TSC-deadline timer
# fires far too late (a Debian 6.1 guest stalled for about 2 minutes of guest time, RCU
# stall reports; without it no stall and the same guest powered off in 30 s).
linux_cmdline="console=ttyS0 root=/dev/vda rw init=/init printk.time=1 panic=-1 lapic=notscdeadline"
linux_timeout=300                  # seconds for one Linux guest inside the rig

# RIG_ONLY=REGEX keeps only the matching lines of the table, and the integration suite
# only if REGEX matches "integration" (for debugging).
integration=1
if [[ -n ${RIG_ONLY:-} ]]; then
  kept=()
  for t in "${tests[@]}"; do [[ $t =~ $RIG_ONLY ]] && kept+=("$t"); done
  tests=("${kept[@]}")
  kept=()
  for t in "${linux_tests[@]}"; do [[ "linux $t" =~ $RIG_ONLY ]] && kept+=("$t"); done
  linux_tests=("${kept[@]}")
  [[ integration =~ $RIG_ONLY ]] || integration=0
fi

# Before any test ran, everything counts as failed; the reason goes first.
setup_failed() {
  echo "rig-check: FAIL $*"
  echo "rig-check: 0 passed, $((${#tests[@]} + ${#linux_tests[@]} + integration)) failed"
  exit 1
}

[[ $# -eq 3 ]] || setup_failed "usage: check.sh CVMM TESTKERNEL INTEGRATION_TESTS"
cvmm=$1 testkernel=$2 integ=$3
repo=$(cd "$here/../.." && pwd)
for f in "$cvmm" "$testkernel" "$integ"; do
  [[ -f $f ]] || setup_failed "$f is missing (run make first)"
done
for f in "$cvmm" "$integ"; do
  ldd "$f" >/dev/null 2>&1 && setup_failed "$f is dynamically linked; the rig needs a static build"
done
mkdir -p "$out/check"
out=$(cd "$out" && pwd)
work=$out/check
t_start=$(date +%s)

"$here/install-deps.sh" || setup_failed "the packages the rig needs could not be installed (see above)"
if ! "$here/build-kernel.sh" "$out/kernel" 2>"$work/build-kernel.err"; then
  cat "$work/build-kernel.err" >&2
  reason=$(grep '^build-kernel:' "$work/build-kernel.err" | tail -n1 || true)
  setup_failed "the rig kernel could not be built: ${reason:-see the output above}"
fi
cat "$work/build-kernel.err" >&2
"$here/mkrootdisk.sh" /bin/busybox "$work/guest-root.img" 16 ||
  setup_failed "the Linux guest's root disk could not be built"
t_kernel=$(date +%s)

# The script /init runs inside the rig: one block per test, then a summary status.
{
  echo '# Generated by tests/rig/check.sh; runs inside the rig as /rig.sh.'
  echo 'echo "RIG-CAPS-BEGIN"; cvmm caps; echo "RIG-CAPS-END"'
  echo 'failed=0'
  echo 'dd if=/dev/zero of=/tmp/disk.img bs=1M count=8 2>/dev/null'
  echo 'dd if=/dev/zero of=/tmp/escape.img bs=1M count=2 2>/dev/null'
  echo 'dd if=/dev/zero of=/tmp/blkbench.img bs=1M count=8 2>/dev/null'
  for t in "${tests[@]}"; do
    read -r plat name _ args <<<"$t"
    echo "echo 'RIG-TEST-BEGIN $plat $name'"
    echo "read t0 _ < /proc/uptime"
    # stdout and stderr apart, then one after the other: the guest's console leaves cvmm
    # through a writer thread, so on one stream cvmm's own log lines could land in the
    # middle of a guest line (seen: "RESULT ... passed=30 fa<log line>iled=0").
    echo "timeout $test_timeout cvmm run --kernel /bin/$(basename "$testkernel") --platform $plat --stats $args --cmdline test=$name >/tmp/rig.out 2>/tmp/rig.err"
    echo 'rc=$?; read t1 _ < /proc/uptime; cat /tmp/rig.out /tmp/rig.err'
    echo "echo \"RIG-TEST-END $plat $name status=\$rc seconds=\$(awk \"BEGIN{print \$t1-\$t0}\")\""
    echo '[ $rc -eq 0 ] || failed=$((failed + 1))'
  done
  for t in "${linux_tests[@]}"; do
    read -r plat proto file extra <<<"$t"
    echo "echo 'RIG-LINUX-BEGIN $plat $proto'"
    echo "cp /guest/root.img /tmp/linux-root.img"
    echo "read t0 _ < /proc/uptime"
    echo "timeout $linux_timeout cvmm run --kernel /guest/$file --platform $plat --memory 256M" \
      "--disk /tmp/linux-root.img --initial-state shared --dma-anywhere --stats" \
      "--cmdline '$linux_cmdline${extra:+ $extra} marker=$plat-$proto' >/tmp/rig.out 2>/tmp/rig.err"
    echo 'rc=$?; read t1 _ < /proc/uptime; cat /tmp/rig.out /tmp/rig.err'
    echo 'echo "RIG-LINUX-DISK $(debugfs -R "cat /marker" /tmp/linux-root.img 2>/dev/null)"'
    echo "echo \"RIG-LINUX-END $plat $proto status=\$rc seconds=\$(awk \"BEGIN{print \$t1-\$t0}\")\""
    echo '[ $rc -eq 0 ] || failed=$((failed + 1))'
  done
  if [[ $integration -eq 1 ]]; then
    # The integration suite reads README.md and configs/ from its working directory,
    # and the examples name build/testkernel.elf. CVMM_IT_REQUIRE_KVM=1: a test that
    # needs KVM must run here, never be left out.
    echo "mkdir -p /src/build && ln -s /bin/$(basename "$testkernel") /src/build/testkernel.elf"
    echo "echo 'RIG-INTEGRATION-BEGIN'"
    echo 'read t0 _ < /proc/uptime'
    echo "(cd /src && CVMM=/bin/$(basename "$cvmm") TESTKERNEL=/bin/$(basename "$testkernel")" \
      "CVMM_IT_REQUIRE_KVM=1 CK_FORK=yes CK_VERBOSITY=verbose" \
      "CK_TIMEOUT_MULTIPLIER=$integ_multiplier timeout $integ_timeout $(basename "$integ")) 2>&1"
    echo 'rc=$?; read t1 _ < /proc/uptime'
    echo 'echo "RIG-INTEGRATION-END status=$rc seconds=$(awk "BEGIN{print $t1-$t0}")"'
    echo '[ $rc -eq 0 ] || failed=$((failed + 1))'
  fi
  echo 'echo "RIG-TESTS-DONE failed=$failed"'
  echo '[ $failed -eq 0 ]'
} > "$work/guest.sh"

"$here/mkinitramfs.sh" "$work/initramfs.cpio.gz" "$work/guest.sh" "$cvmm" "$testkernel" \
  "$integ" "$repo/README.md=/src/README.md" "$repo/configs=/src/configs" \
  "$(command -v debugfs)" "$out/kernel/vmlinux=/guest/vmlinux" \
  "$out/kernel/bzImage=/guest/bzImage" "$work/guest-root.img=/guest/root.img" >/dev/null ||
  setup_failed "the initramfs could not be built"

log=$work/console.log
echo "rig-check: booting the rig (console log: $log)"
rc=0
RIG_LOG=$log "$here/run.sh" "$out/kernel/bzImage" "$work/initramfs.cpio.gz" "$boot_timeout" \
  > "$work/run.out" || rc=$?
t_end=$(date +%s)
console=$(tr -d '\r' < "$log")
# The rig itself must have run every test and powered off cleanly; run.sh
# also said why on stderr when it did not (timeout, panic, no RIG-EXIT).
rig_error=
if grep -q 'Kernel panic' <<<"$console"; then
  rig_error="the rig's kernel panicked: $(grep -m1 'Kernel panic' <<<"$console")"
elif ! grep -q '^RIG-TESTS-DONE' <<<"$console"; then
  rig_error="the rig did not finish the tests (run.sh status $rc)"
elif ! grep -q '^RIG-EXIT [0-9]*$' <<<"$console"; then
  rig_error="the rig did not power off cleanly (run.sh status $rc)"
fi

grep -q '^cvmm platform sw-protected  *yes' <<<"$console" ||
  echo "rig-check: warning: cvmm caps in the rig does not offer sw-protected" >&2

# The value of "stats: NAME VALUE" in a block, or empty.
stat_of() { sed -n "s/^stats: $2 \([^ ]*\).*/\1/p" <<<"$1" | tail -n1; }

# Check one test's block; prints its line and returns 0 if it passed.
check_test() {
  local plat=$1 name=$2 want=$3 block end status why=() hc mf mfr peak ram method secs
  block=$(awk -v b="RIG-TEST-BEGIN $plat $name" -v e="RIG-TEST-END $plat $name " '
    $0 == b { on = 1; next } on && index($0, e) == 1 { print; exit } on { print }' <<<"$console")
  end=$(grep "^RIG-TEST-END $plat $name " <<<"$block" || true)
  if [[ -z $end ]]; then
    echo "rig-check: FAIL $plat $name: never finished${rig_error:+ ($rig_error)}"
    return 1
  fi
  status=$(sed -n 's/.* status=\([0-9]*\).*/\1/p' <<<"$end")
  secs=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$end")
  hc=$(stat_of "$block" exits.hypercall) mf=$(stat_of "$block" exits.memory_fault)
  mfr=$(sed -n 's/^stats: memory_fault.handled [0-9]* reasserted \([0-9]*\)$/\1/p' <<<"$block")
  peak=$(stat_of "$block" memory.footprint_peak_bytes) ram=$(stat_of "$block" memory.ram_bytes)
  method=$(stat_of "$block" memory.footprint_method)
  case $status in
    0) ;;
    124|143|137) why+=("timed out after ${test_timeout}s") ;;
    *) why+=("cvmm exited with status $status") ;;
  esac
  grep -q '^RESULT test=[^ ]* passed=[0-9]* failed=0$' <<<"$block" || why+=("no RESULT line with failed=0")
  if grep -q '^FAIL ' <<<"$block"; then why+=("$(grep -m1 '^FAIL ' <<<"$block")"); fi
  grep -qx "stats: platform $plat" <<<"$block" || why+=("stats missing or not on $plat")
  if [[ -n $peak && -n $ram ]]; then
    (( peak <= ram )) || why+=("footprint peak $peak > RAM $ram bytes")
  else
    why+=("no footprint in the stats")
  fi
  [[ $method == cachestat ]] || why+=("footprint method '$method', not cachestat")
  if [[ $plat == sw-protected ]]; then
    if grep -q '^SKIP' <<<"$block"; then why+=("skipped: $(grep -m1 '^SKIP' <<<"$block")"); fi
  fi
  case $want in
    hypercall) (( ${hc:-0} > 0 )) || why+=("no KVM_EXIT_HYPERCALL (exits.hypercall ${hc:-?})") ;;
    memory_fault)
      (( ${mf:-0} > 0 )) || why+=("no KVM_EXIT_MEMORY_FAULT (exits.memory_fault ${mf:-?})")
      (( ${mfr:-0} == ${mf:-0} )) || why+=("$mf memory faults but $mfr resolved") ;;
  esac
  if [[ ${#why[@]} -gt 0 ]]; then
    local joined
    printf -v joined '%s; ' "${why[@]}"
    echo "rig-check: FAIL $plat $name: ${joined%; }"
    return 1
  fi
  echo "rig-check: PASS $plat $name (${secs}s; exits.hypercall $hc, exits.memory_fault $mf;" \
    "footprint peak $((peak / 1024)) KiB <= RAM $((ram / 1024)) KiB)"
  sum_hc=$((sum_hc + hc)) sum_mf=$((sum_mf + mf))
}

# Check the integration suite's block: its status, check's summary line with no failures
# and no errors, and no test left out for lack of KVM (tests left out for lack of a
# tool, strace, are named in the line). Prints its line and returns 0 if it passed.
check_integration() {
  local block end status secs summary checks=0 fails=0 errs=0 bad left why=()
  block=$(awk '$0 == "RIG-INTEGRATION-BEGIN" { on = 1; next }
    on && index($0, "RIG-INTEGRATION-END ") == 1 { print; exit } on { print }' <<<"$console")
  end=$(grep '^RIG-INTEGRATION-END ' <<<"$block" || true)
  if [[ -z $end ]]; then
    echo "rig-check: FAIL integration suite: never finished${rig_error:+ ($rig_error)}"
    return 1
  fi
  status=$(sed -n 's/.* status=\([0-9]*\).*/\1/p' <<<"$end")
  secs=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$end")
  summary=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+$' <<<"$block" | tail -n1 || true)
  case $status in
    0) ;;
    124|143|137) why+=("timed out after ${integ_timeout}s") ;;
    *) why+=("integration-tests exited with status $status") ;;
  esac
  if [[ -z $summary ]]; then
    why+=("no check summary line")
  else
    read -r checks fails errs < <(sed 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\)/\1 \2 \3/' <<<"$summary")
    (( checks > 0 )) || why+=("no checks ran")
    if (( fails + errs > 0 )); then
      # check's lines: FILE:LINE:F|E:TCASE:TEST:ITERATION: MESSAGE
      bad=$(grep -E '^[^:]+:[0-9]+:[EF]:' <<<"$block" | cut -d: -f5 | sort -u | tr '\n' ' ')
      why+=("$fails failures, $errs errors in: ${bad% }")
    fi
  fi
  if grep -q '^integration: .* /dev/kvm, which this host lacks' <<<"$block"; then
    why+=("tests left out for lack of /dev/kvm")
  fi
  left=$(sed -n 's/^integration: \(.*\), which this host lacks; left out: \(.*\)/\1: \2/p' <<<"$block" |
    paste -sd ';' - || true)
  if [[ ${#why[@]} -gt 0 ]]; then
    local joined
    printf -v joined '%s; ' "${why[@]}"
    echo "rig-check: FAIL integration suite: ${joined%; } (${summary:-no summary})"
    return 1
  fi
  echo "rig-check: PASS integration suite (${secs}s; $summary${left:+; left out: $left})"
}

# Check one Linux guest's block: status 0, its init's console line, no panic, the marker
# in the disk image; prints its line with the guest's times (printk timestamps) to
# "Run /init" and to the ACPI power-off, and returns 0 if it passed.
check_linux() {
  local plat=$1 proto=$2 block end status secs mark t_init t_off why=()
  block=$(awk -v b="RIG-LINUX-BEGIN $plat $proto" -v e="RIG-LINUX-END $plat $proto " '
    $0 == b { on = 1; next } on && index($0, e) == 1 { print; exit } on { print }' <<<"$console")
  end=$(grep "^RIG-LINUX-END $plat $proto " <<<"$block" || true)
  if [[ -z $end ]]; then
    echo "rig-check: FAIL linux $plat $proto: never finished${rig_error:+ ($rig_error)}"
    return 1
  fi
  status=$(sed -n 's/.* status=\([0-9]*\).*/\1/p' <<<"$end")
  secs=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$end")
  mark=$plat-$proto
  case $status in
    0) ;;
    124|143|137) why+=("timed out after ${linux_timeout}s") ;;
    *) why+=("cvmm exited with status $status") ;;
  esac
  grep -qx "linux-guest: marker $mark written to /marker" <<<"$block" || why+=("no marker line from the guest's /init")
  if grep -q 'Kernel panic' <<<"$block"; then why+=("$(grep -m1 'Kernel panic' <<<"$block")"); fi
  grep -qx "RIG-LINUX-DISK $mark" <<<"$block" || why+=("no '$mark' in /marker of the disk image")
  grep -q 'reboot: Power down' <<<"$block" || why+=("the guest did not power off")
  grep -qx "stats: platform $plat" <<<"$block" || why+=("stats missing or not on $plat")
  t_init=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p' <<<"$block" | head -n1)
  t_off=$(sed -n 's/^\[ *\([0-9.]*\)\] reboot: Power down.*/\1/p' <<<"$block" | head -n1)
  if [[ ${#why[@]} -gt 0 ]]; then
    local joined
    printf -v joined '%s; ' "${why[@]}"
    echo "rig-check: FAIL linux $plat $proto: ${joined%; }"
    return 1
  fi
  echo "rig-check: PASS linux $plat $proto (${secs}s; guest time to /init ${t_init:-?} s," \
    "to power-off ${t_off:-?} s; marker read back from the disk)"
}

passed=0 failed=0 sum_hc=0 sum_mf=0
for t in "${tests[@]}"; do
  read -r plat name want _ <<<"$t"
  if check_test "$plat" "$name" "$want"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
for t in "${linux_tests[@]}"; do
  read -r plat proto _ <<<"$t"
  if check_linux "$plat" "$proto"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
if [[ $integration -eq 1 ]]; then
  if check_integration; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
fi
if [[ -n $rig_error ]]; then
  # Counted as one more failure, so the closing line cannot read as a pass.
  echo "rig-check: FAIL $rig_error (console log: $log)"
  failed=$((failed + 1))
fi
echo "rig-check: passed tests in all: exits.hypercall $sum_hc, exits.memory_fault $sum_mf"
echo "rig-check: kernel $((t_kernel - t_start)) s, boot and tests $((t_end - t_kernel)) s (console log: $log)"
echo "rig-check: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
