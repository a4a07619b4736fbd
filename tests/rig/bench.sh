#!/usr/bin/env bash
# make rig-bench: cvmm's benchmarks that need KVM, inside the rig (Linux 7.3 KVM under
# QEMU TCG; RIG.md). They report, they never fail on a timing.
#
#   bench.sh CVMM TESTKERNEL RIGTOOL BENCH [BASELINE_CVMM]
#     CVMM, RIGTOOL and BASELINE_CVMM static; BENCH is build/bench (make bench's program,
#     packed with its libraries). BASELINE_CVMM (optional) is another cvmm
#     build measured in the same run (make rig-bench builds main's when asked, see the
#     Makefile), so a change can be compared before/after on one rig boot.
#
# Sections (RIG_BENCH=LIST picks some, default all):
#   setup     main() to the first KVM_RUN at 256 MiB, one vCPU (cvmm's setup_ms), and one
#             strace -f -tt -T of it: the system calls of setup that took longest
#   big       boot-to-exit of test=hello at 256 GiB (wall time from fork to reaped exit,
#             teardown included), with and without --stats
#   qemu      the same guest under QEMU microvm (-accel kvm) at 256 GiB, when QEMU runs
#             in the rig; otherwise one "skipped: why" line
#   blkbench  test=blkbench (virtio-blk from inside the guest) against rigtool pread
#             of the same file
#   blkdev    make bench's in-process virtio-blk benchmark (the device alone, no guest,
#             no KVM) against plain pread in the same rig: with blkbench, it splits the
#             in-guest ratio into the device's share and the guest path's (KVM, TCG)
#   convert   make bench's conversion benchmark on a real guest_memfd, and again on a
#             memfd in the same kernel (CVMM_BENCH_BACKING=memfd), 8 MiB
#   kprof     bench kprof: warm ZERO requests of 4 KiB and 2 MiB (cvmm's conversion,
#             its bare calls, KVM_SET_MEMORY_ATTRIBUTES, a bound guest_memfd's punch)
#             timed over 16 MiB, then traced over 4 MiB by ftrace's function_graph
#             (the rig kernel has it: kernel.fragment); tracefs is mounted for it.
#             Keep it the last section: the tracer goes on once per boot (a second
#             time oopsed 7.3)
# Every timed case runs RIG_BENCH_RUNS times (default 3) and the median is reported.
# The rig has RIG_SMP CPUs (default 1, as rig-check). With 2, the guest polling its ring
# and cvmm's device thread run apart, but on two busy host cores QEMU's two TCG threads
# made in-guest virtio-blk several times slower (64K QD32 reads 28 MB/s against 83).
# The rig's console is kept in $RIG_OUT/bench/console.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${RIG_OUT:-$here/../../build/rig}
runs=${RIG_BENCH_RUNS:-3}
sections=${RIG_BENCH:-setup big qemu blkbench blkdev convert kprof}
# kprof leaves function_graph on, and switching it on twice oopses 7.3: it runs last.
if [[ " $sections " == *" kprof "* ]]; then
  sections="$(tr ' ' '\n' <<<"$sections" | grep -vx 'kprof' | tr '\n' ' ')kprof"
fi
boot_timeout=${RIG_TIMEOUT:-2400}
case_timeout=300
smp=${RIG_SMP:-1}

die() { echo "rig-bench: $*" >&2; exit 1; }
[[ $# -eq 4 || $# -eq 5 ]] || die "usage: bench.sh CVMM TESTKERNEL RIGTOOL BENCH [BASELINE_CVMM]"
cvmm=$1 testkernel=$2 rigtool=$3 benchprog=$4 base=${5:-}
for f in "$cvmm" "$testkernel" "$rigtool" "$benchprog" ${base:+"$base"}; do
  [[ -f $f ]] || die "$f is missing (run make first)"
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RIG_BENCH_RUNS must be a positive integer"
mkdir -p "$out/bench"
out=$(cd "$out" && pwd)
work=$out/bench

"$here/install-deps.sh" || die "the packages the rig needs could not be installed"
"$here/build-kernel.sh" "$out/kernel" >&2 || die "the rig kernel could not be built"

tk=/bin/$(basename "$testkernel")
bins=(cvmm)
extra=("$cvmm=/bin/cvmm")
if [[ -n $base ]]; then
  bins+=(cvmm-base)
  extra+=("$base=/bin/cvmm-base")
fi
# strace and QEMU are dynamically linked: mkinitramfs copies their libraries.
have_strace=0 have_qemu=0
if command -v strace >/dev/null; then have_strace=1; extra+=("$(command -v strace)"); fi
qemu_why=
if [[ " $sections " == *" qemu "* ]]; then
  if ! command -v qemu-system-x86_64 >/dev/null; then
    qemu_why="qemu-system-x86_64 is not installed on the host"
  elif [[ ! -f /usr/share/qemu/bios-microvm.bin ]]; then
    qemu_why="/usr/share/qemu/bios-microvm.bin (microvm's firmware) is missing"
  else
    have_qemu=1
    extra+=("$(command -v qemu-system-x86_64)" \
      "/usr/share/qemu/bios-microvm.bin=/usr/share/qemu/bios-microvm.bin")
  fi
fi

# One run of a case: "BENCH <case> <bin> <ms> <status>", and its stats and BLKBENCH lines.
one_run() { # name bin args...
  local name=$1 bin=$2
  shift 2
  echo "  timeout $case_timeout rigtool time $bin $* >/tmp/b.out 2>/tmp/b.err"
  echo "  echo \"BENCH $name $bin \$(sed -n 's/^rigtool: time \([0-9.]*\) status \([0-9]*\)$/\1 \2/p' /tmp/b.out)\""
  echo "  grep -h '^stats: \(setup_ms\|setup\.\|run_ms\|total_ms\|exits.total\|exits.mmio\|virtio\.\)' /tmp/b.out /tmp/b.err | sed \"s/^/BSTAT $name $bin /\""
  echo "  grep -hE '^(BLKBENCH|FAIL)' /tmp/b.out | sed \"s/^/BSTAT $name $bin /\""
}

# A case timed $runs times; with several binaries they alternate run by run, after one
# untimed warm-up run each (the first run after boot is several times slower).
timed() { # name "bin..." args...
  local name=$1 b
  local -a bs
  read -ra bs <<<"$2"
  shift 2
  for b in "${bs[@]}"; do
    echo "timeout $case_timeout $b $* >/dev/null 2>&1"
  done
  echo "for i in \$(seq $runs); do"
  for b in "${bs[@]}"; do one_run "$name" "$b" "$@"; done
  echo "done"
}

{
  echo '# Generated by tests/rig/bench.sh; runs inside the rig as /rig.sh.'
  echo 'echo 1 > /proc/sys/vm/overcommit_memory'
  for s in $sections; do
    echo "echo 'RIG-BENCH-SECTION $s'"
    case $s in
    setup)
      timed setup "${bins[*]}" run --kernel $tk --memory 256M --stats --cmdline test=hello
      if [[ $have_strace -eq 1 ]]; then
        # Every system call of setup with its duration (-T) and start time (-tt).
        echo "strace -f -tt -T -o /tmp/st cvmm run --kernel $tk --memory 256M --cmdline test=hello >/dev/null 2>&1"
        echo "awk '/KVM_RUN/ { exit } { print \"STRACE setup \" \$0 }' /tmp/st"
      fi
      ;;
    big)
      # Without and with --stats, and each binary, alternating run by run.
      for b in "${bins[@]}"; do
        echo "timeout $case_timeout $b run --kernel $tk --memory 256G --cmdline test=hello >/dev/null 2>&1"
      done
      echo "for i in \$(seq $runs); do"
      for b in "${bins[@]}"; do
        one_run big-nostats "$b" run --kernel $tk --memory 256G --cmdline test=hello
        one_run big-stats "$b" run --kernel $tk --memory 256G --stats --cmdline test=hello
      done
      echo "done"
      if [[ $have_strace -eq 1 ]]; then
        # The exit path under strace: from the end of the vCPU's last KVM_RUN to the
        # process's exit (stop, stats, teardown).
        echo "for i in \$(seq $runs); do"
        for b in "${bins[@]}"; do
          echo "  strace -f -tt -T -o /tmp/st $b run --kernel $tk --memory 256G --cmdline test=hello >/dev/null 2>&1"
          echo "  awk '{ split(\$2, t, \":\"); ts = t[1] * 3600 + t[2] * 60 + t[3] }"
          echo "    /KVM_RUN/ && /unfinished/ { run[\$1] = 1; next } /KVM_RUN/ { last = ts }"
          echo "    /<[.][.][.] ioctl resumed>/ && run[\$1] { last = ts; run[\$1] = 0 }"
          echo "    /[+][+][+] exited/ { end = ts } END { printf \"BTEAR $b %.1f\\n\", (end - last) * 1000 }' /tmp/st"
        done
        echo "done"
      fi
      ;;
    qemu)
      if [[ $have_qemu -eq 1 ]]; then
        qemu="-M microvm -accel kvm -cpu host -m 256G -smp 1 -nographic"
        qemu+=" -nodefaults -no-reboot -serial stdio -device isa-debug-exit,iobase=0x500,iosize=4"
        qemu+=" -kernel $tk -append test=hello"
        timed qemu-256G qemu-system-x86_64 $qemu "</dev/null"
        echo "head -c 600 /tmp/b.out /tmp/b.err | sed 's/^/QEMU-OUT /'"
      fi
      ;;
    blkbench)
      # A 64 MiB image in the rig's tmpfs; the host baseline reads the same file.
      echo 'rigtool fill /tmp/bench.img 64'
      for bs in 4096 65536; do
        echo "for i in \$(seq $runs); do rigtool pread /tmp/bench.img $bs | sed 's/^/BENCH-PREAD /'; done"
      done
      for c in write:4096:1 write:4096:32 write:65536:1 write:65536:32 \
               read:4096:1 read:4096:32 read:65536:1 read:65536:32; do
        timed "blk-$c" cvmm run --kernel $tk --memory 64M --dma-pool 4M --stats \
          --disk /tmp/bench.img --cmdline test=blkbench:$c
      done
      ;;
    blkdev)
      for c in read:64:32 read:4:32; do
        echo "for i in \$(seq $runs); do echo 'RIG-BLKDEV-BEGIN $c'; CVMM_BENCH_BLK=$c timeout 900 $(basename "$benchprog") blk 2>&1; echo 'RIG-BLKDEV-END'; done"
      done
      ;;
    convert)
      for backing in guest_memfd memfd; do
        echo "echo 'RIG-CONVERT-BEGIN $backing'"
        echo "CVMM_BENCH_CONVERT_MIB=8 CVMM_BENCH_BACKING=$backing timeout 900 $(basename "$benchprog") convert 2>&1"
        echo "echo 'RIG-CONVERT-END $backing'"
      done
      ;;
    kprof)
      echo "mount -t tracefs tracefs /sys/kernel/tracing || echo 'kprof: cannot mount tracefs'"
      echo "echo 'RIG-KPROF-BEGIN'"
      echo "CVMM_BENCH_KPROF_MIB=16 timeout 900 $(basename "$benchprog") kprof 2>&1"
      echo "echo 'RIG-KPROF-END'"
      ;;
    esac
  done
  echo 'echo RIG-BENCH-DONE'
} > "$work/guest.sh"

"$here/mkinitramfs.sh" "$work/initramfs.cpio.gz" "$work/guest.sh" "$testkernel" "$rigtool" "$benchprog" \
  "${extra[@]}" >/dev/null || die "the initramfs could not be built"
log=$work/console.log
echo "rig-bench: booting the rig with $smp CPUs (console log: $log)"
RIG_SMP=$smp RIG_LOG=$log "$here/run.sh" "$out/kernel/bzImage" "$work/initramfs.cpio.gz" "$boot_timeout" \
  > "$work/run.out" || die "the rig run failed (console log: $log)"
console=$(tr -d '\r' < "$log")
grep -q '^RIG-BENCH-DONE' <<<"$console" || die "the rig did not finish (console log: $log)"

"$here/bench-report.sh" "$log" "$runs" "${qemu_why}"
