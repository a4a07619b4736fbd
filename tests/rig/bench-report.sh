#!/usr/bin/env bash
# The tables of make rig-bench from the rig's console log (tests/rig/bench.sh).
#   bench-report.sh CONSOLE_LOG RUNS [WHY_QEMU_WAS_SKIPPED]
# Medians of the runs; ratios against the baseline measured in the same run.
set -eu
log=$1 runs=$2 qemu_why=${3:-}
console=$(tr -d '\r' < "$log")

# median of the numbers on stdin (one per line), or "-"
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# BENCH lines: BENCH case bin ms status
wall() { awk -v c="$1" -v b="$2" '$1 == "BENCH" && $2 == c && $3 == b && $5 != "" { print $4 }' <<<"$console" | median; }
statuses() { awk -v c="$1" -v b="$2" '$1 == "BENCH" && $2 == c && $3 == b { printf "%s ", ($5 == "" ? "?" : $5) }' <<<"$console"; }
# BSTAT case bin stats: NAME VALUE
stat() { awk -v c="$1" -v b="$2" -v n="$3" '$1 == "BSTAT" && $2 == c && $3 == b && $4 == "stats:" && $5 == n { print $6 }' <<<"$console" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx\n", a / b }'; }
bins=$(awk '$1 == "BENCH" { print $3 }' <<<"$console" | sort -u | grep -v '^qemu' | sort -r || true)

if grep -q '^RIG-BENCH-SECTION setup' <<<"$console"; then
  echo "== setup: main() to the first KVM_RUN, 256 MiB, 1 vCPU (median of $runs; setup_ms from --stats)"
  echo "| cvmm | setup_ms | boot-to-exit ms | statuses |"
  echo "| --- | --- | --- | --- |"
  for b in $bins; do
    echo "| $b | $(stat setup "$b" setup_ms) | $(wall setup "$b") | $(statuses setup "$b")|"
  done
  if grep -q '^BSTAT setup cvmm stats: setup\.' <<<"$console"; then
    echo "where setup's time goes (cvmm's --stats setup.* lines, median of $runs):"
    for ph in resolve kvm memory launch vcpus devices threads seccomp first_run; do
      printf '  %-10s %s ms\n' "$ph" "$(stat setup cvmm "setup.${ph}_ms")"
    done
  fi
  if grep -q '^STRACE setup ' <<<"$console"; then
    echo "slowest system calls of setup (strace -f -tt -T; strace itself slows each call):"
    sed -n 's/^STRACE setup //p' <<<"$console" | sed -n 's/.*<\([0-9.]*\)>$/\1 &/p' | sort -rn | head -n 10 |
      cut -d' ' -f2- | sed 's/^/  /'
    first=$(sed -n 's/^STRACE setup [0-9]* *\([0-9:.]*\) .*/\1/p' <<<"$console" | head -n1)
    last=$(sed -n 's/^STRACE setup [0-9]* *\([0-9:.]*\) .*/\1/p' <<<"$console" | tail -n1)
    n=$(grep -c '^STRACE setup ' <<<"$console" || true)
    echo "  $n system calls before the first KVM_RUN, from $first to $last (under strace)"
  fi
fi

if grep -q '^RIG-BENCH-SECTION big' <<<"$console"; then
  echo "== 256 GiB, test=hello: boot-to-exit wall time, teardown included (median of $runs)"
  echo "| cvmm | no --stats ms | --stats ms | --stats / no | run_ms | statuses |"
  echo "| --- | --- | --- | --- | --- | --- |"
  for b in $bins; do
    n=$(wall big-nostats "$b") s=$(wall big-stats "$b")
    echo "| $b | $n | $s | $(ratio "$s" "$n") | $(stat big-stats "$b" run_ms) | $(statuses big-nostats "$b")$(statuses big-stats "$b")|"
  done
  if grep -q '^BTEAR ' <<<"$console"; then
    echo "exit path under strace -f -tt -T (end of the last KVM_RUN to process exit: stop, stats,"
    echo "teardown), median of $runs:"
    for b in $bins; do
      echo "  $b: $(awk -v b="$b" '$1 == "BTEAR" && $2 == b { print $3 }' <<<"$console" | median) ms"
    done
  fi
  if grep -q '^STRACE big ' <<<"$console"; then
    echo "slowest system calls after the last KVM_RUN of one run:"
    sed -n 's/^STRACE big //p' <<<"$console" | sed 's/^/  /'
  fi
fi

if grep -q '^RIG-BENCH-SECTION qemu' <<<"$console" || [[ -n $qemu_why ]]; then
  echo "== 256 GiB, test=hello: cvmm against QEMU microvm (-accel kvm), boot-to-exit (median of $runs)"
  if [[ -n $qemu_why ]]; then
    echo "skipped: $qemu_why"
  else
    q=$(wall qemu-256G qemu-system-x86_64) c=$(wall big-nostats cvmm)
    qs=$(statuses qemu-256G qemu-system-x86_64)
    # isa-debug-exit turns the guest's exit status 0 into QEMU status 1.
    if [[ $q == - || " $qs" != *" 1 "* ]]; then
      echo "skipped: QEMU did not run the test kernel in the rig (statuses: ${qs:-none}); its output:"
      sed -n 's/^QEMU-OUT //p' <<<"$console" | head -n 8 | sed 's/^/  /'
    else
      echo "| vmm | ms | cvmm / QEMU |"
      echo "| --- | --- | --- |"
      echo "| QEMU microvm | $q | |"
      echo "| cvmm | $c | $(ratio "$c" "$q") |"
    fi
  fi
fi

if grep -q '^RIG-BENCH-SECTION blkbench' <<<"$console"; then
  echo "== test=blkbench: virtio-blk from inside the guest, 64 MiB image in the rig's tmpfs (median of $runs)"
  echo "   exits/req: cvmm's exits.mmio (userspace exits: register accesses) per request;"
  echo "   kicks/req, irqs/req: cvmm's virtio stats (notifies through the ioeventfd, interrupts sent)"
  echo "| case | requests | MB/s | mean latency us | exits/req | kicks/req | irqs/req | host pread MB/s | ratio | errors |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  for c in write:4096:1 write:4096:32 write:65536:1 write:65536:32 \
           read:4096:1 read:4096:32 read:65536:1 read:65536:32; do
    name=blk-$c bs=$(cut -d: -f2 <<<"$c")
    # BLKBENCH op=.. bs=.. qd=.. requests=N us=T kB/s=R lat_ns=L notifies=K irqs=I errors=E
    field() { awk -v n="$name" -v f="$1" '$1 == "BSTAT" && $2 == n && $4 == "BLKBENCH" {
      for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }' <<<"$console" | median; }
    # per-request ratios of the stats lines, one per run, then the median
    per_req() { awk -v n="$name" -v w="$1" '$1 == "BSTAT" && $2 == n {
      if ($5 == "exits.mmio") e = $6
      if ($5 ~ /^virtio\./) { for (i = 6; i < NF; i++) { if ($i == "requests") r = $(i + 1); if ($i == "kicks") k = $(i + 1); if ($i == "interrupts") q = $(i + 1) }
        if (r > 0) printf "%.3f\n", (w == "exits" ? e : w == "kicks" ? k : q) / r } }' <<<"$console" | median; }
    kbs=$(field kB/s) lat=$(field lat_ns)
    mbs=$(awk -v k="$kbs" 'BEGIN { if (k == "-") print "-"; else printf "%.1f\n", k * 1024 / 1e6 }')
    host=$(awk -v b="$bs" '$1 == "BENCH-PREAD" && $2 == "rigtool:" && $4 == b { print $5 }' <<<"$console" | median)
    r=-
    [[ $c == read:* ]] && r=$(ratio "$mbs" "$host")
    fails=$(awk -v n="$name" '$1 == "BSTAT" && $2 == n && $4 == "FAIL"' <<<"$console" | wc -l)
    echo "| $c | $(field requests) | $mbs | $(awk -v l="$lat" 'BEGIN { if (l == "-") print "-"; else printf "%.1f\n", l / 1000 }') |" \
      "$(per_req exits) | $(per_req kicks) | $(per_req irqs) | ${host} | $r | $(field errors) (FAIL lines: $fails) |"
  done
fi

if grep -q '^RIG-BENCH-SECTION blkdev' <<<"$console"; then
  echo "== make bench's in-process virtio-blk benchmark in the rig (the device alone, no guest); one block per run"
  awk '/^RIG-BLKDEV-BEGIN/ { on = 1; print; next } /^RIG-BLKDEV-END/ { on = 0; next }
       on && /^(op |read |rread )/' <<<"$console"
fi

if grep -q '^RIG-BENCH-SECTION convert' <<<"$console"; then
  for backing in guest_memfd memfd; do
    echo "== make bench's conversion benchmark in the rig's kernel, CVMM_BENCH_BACKING=$backing"
    awk -v b="RIG-CONVERT-BEGIN $backing" -v e="RIG-CONVERT-END $backing" '
      $0 == b { on = 1; next } $0 == e { exit } on { print }' <<<"$console"
  done
fi

if grep -q '^RIG-BENCH-SECTION kprof' <<<"$console"; then
  echo "== bench kprof in the rig's kernel: where warm ZERO requests spend their time"
  awk '$0 == "RIG-KPROF-BEGIN" { on = 1; next } $0 == "RIG-KPROF-END" { exit } on { print }' <<<"$console"
fi
