# shellcheck shell=bash
# Shared by smoke.sh and check.sh: what the arm64 rig's console must show.

# The kernel's line once KVM is up in protected mode (arch/arm64/kvm/arm.c in 7.3:
# "Protected hVHE mode ..." or "Protected nVHE mode ...", as the CPU allows).
pkvm_mode_regex='kvm \[[0-9]+\]: Protected [hn]VHE(\+NV2)? mode initialized successfully'

# Print that line from the console on stdin; status 1 if it is not there.
pkvm_mode_line() { grep -Eo -m1 "$pkvm_mode_regex"; }
