#!/usr/bin/env bash
# The layering rules of the source tree, checked on every `make check`:
#   1. includes point down: lib < mem < devices < arch < platform < vmm;
#      a file may include its own directory and the ones left of it, and
#      nothing includes a file under arch/<arch>/ except arch/ itself;
#   2. the core (vmm/, mem/, devices/) names no x86 identifier: those live
#      in arch/x86/ behind arch/arch.h (and in x86-only platform files).
# Comments are stripped first, so prose may mention x86. Prints one line
# per violation and "layers: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/../.."

order=(lib mem devices arch platform vmm)
rank() { local i; for i in "${!order[@]}"; do [[ ${order[$i]} == "$1" ]] && echo "$i" && return; done; echo 99; }

x86_words='x86|X86|cpuid|CPUID|ia32|KVM_EXIT_IO\b|KVM_CREATE_PIT|KVM_CREATE_IRQCHIP|KVM_SET_CPUID|KVM_SET_S?REGS|kvm_s?regs|IOAPIC|ioapic|\bpio\b'

passed=0 failed=0
fail() { echo "layers: FAIL $*"; failed=$((failed + 1)); }

for f in $(find lib mem devices arch platform vmm -name '*.[ch]' | sort); do
  top=${f%%/*} mine=$(rank "$top") ok=1
  while IFS= read -r inc; do
    target=$(realpath -m --relative-to=. "$(dirname "$f")/$inc")
    ttop=${target%%/*}
    [[ $(rank "$ttop") == 99 ]] && continue       # tests/, firmware/: not ours to judge
    if (( $(rank "$ttop") > mine )); then
      fail "$f includes $target (upward: $top may not use $ttop)"; ok=0
    fi
    if [[ $target == arch/*/* && $top != arch ]]; then
      fail "$f includes $target (only arch/arch.h is the seam)"; ok=0
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
  if [[ $top == vmm || $top == mem || $top == devices ]]; then
    hits=$(gcc -fpreprocessed -dD -E -P -x c "$f" 2>/dev/null | grep -nE "$x86_words" || true)
    if [[ -n $hits ]]; then
      fail "$f names x86 identifiers: $(head -n1 <<<"$hits")"; ok=0
    fi
  fi
  (( ok )) && passed=$((passed + 1))
done
echo "layers: $passed passed, $failed failed"
(( failed == 0 ))
