#!/usr/bin/env bash
# Install the Debian packages cvmm needs to build and test, if missing.
# Safe to run repeatedly: it calls apt-get only when something is absent.
set -euo pipefail

packages=(
	gcc make pkg-config      # toolchain
	libelf-dev zlib1g-dev    # kernel loading (libelf, gzip)
	libfdt-dev               # device trees for the guest
	libinih-dev              # config files
	libseccomp-dev           # the syscall filter of a running VM
	liburing-dev             # virtio-blk I/O (io_uring; has liburing.a)
	libssl-dev               # SHA-384 (libcrypto) for launch measurements
	check                    # unit and integration tests
	gzip strace              # used by the integration tests
	acpica-tools             # iasl -d checks the x86 ACPI tables (unit tests)
	clang libclang-rt-14-dev # make fuzz (clang, the libFuzzer runtime)
	rsync xz-utils           # make headers (the kernel's headers_install)
	qemu-user-static         # make ARCH=arm64 runs the seccomp filter generator
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
# A stale package index is the usual reason an install fails: refresh once.
if ! "${sudo[@]}" apt-get install -y -q "${missing[@]}"; then
	"${sudo[@]}" apt-get update -q
	"${sudo[@]}" apt-get install -y -q "${missing[@]}"
fi
