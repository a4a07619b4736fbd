#!/usr/bin/env bash
# Known-answer test for TDX's MRTD, computed without cvmm's C code: build a
# small TDVF image with printf and dd, assemble the TDX module's records
# for every page cvmm must add (TDH.MEM.PAGE.ADD: "MEM.PAGE.ADD" padded to
# 16 bytes, the GPA as a little-endian u64, zeros to 128 bytes; for a
# measured page, 16 x TDH.MR.EXTEND: "MR.EXTEND", the chunk's GPA, zeros
# to 128, then the chunk's 256 bytes), hash them with coreutils
# `sha384sum`, and compare with the MRTD cvmm prints for the same image.
#   tests/measure/tdx_mrtd_kat.sh CVMM
set -euo pipefail

cvmm=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
img=$dir/tdvf.fd stream=$dir/records
size=16384                         # 4 pages
base=$(( (1 << 32) - size ))       # the image sits at the top of 4 GiB

le() { # le VALUE BYTES: VALUE as little-endian bytes
	local v=$1 n=$2 i out=''
	for ((i = 0; i < n; i++)); do
		out+=$(printf '\\x%02x' $(( (v >> (8 * i)) & 0xff )))
	done
	printf '%b' "$out"
}
put() { # put OFFSET: stdin into the image at OFFSET
	dd of="$img" bs=1 seek="$1" conv=notrunc status=none
}
guid() { # the GUID's bytes as they sit in the image
	local h=${1//-/} i out=''
	for i in 6 4 2 0 10 8 14 12 16 18 20 22 24 26 28 30; do
		out+="\\x${h:$i:2}"
	done
	printf '%b' "$out"
}

# The image: a known pattern, the TDVF descriptor at 0x1000 with four
# sections, OVMF's GUIDed table in the last 0x48 bytes.
head -c $size < <(yes 'cvmm TDX known answer') > "$img"
section() { # data_offset raw_size gpa size type attributes
	{ le "$1" 4; le "$2" 4; le "$3" 8; le "$4" 8; le "$5" 4; le "$6" 4; }
}
{
	printf 'TDVF'; le $((16 + 32 * 4)) 4; le 1 4; le 4 4
	section 0 $size $base $size 0 1           # BFV, MR.EXTEND
	section 0 0 $((0x800000)) $((0x2000)) 3 0 # TempMem
	section 0 0 $((0x802000)) $((0x1000)) 2 0 # TD_HOB
	section 0 0 $((0x1000000)) $((0x100000)) 4 2 # PermMem, PAGE.AUG
} | put $((0x1000))
{
	le $((size - 0x1000)) 4; le 22 2; guid e47a6535-984a-4798-865e-4685a7bf8ec2
	le 40 2; guid 96b582de-1fb2-45f7-baea-a366c55a082d
} | put $((size - 0x48))

# The records, in the order KVM adds pages: section by section, page by
# page, each page's extends right after its PAGE.ADD (Linux 7.3).
record() { # record NAME GPA
	printf '%s' "$1"; head -c $((16 - ${#1})) /dev/zero
	le "$2" 8; head -c 104 /dev/zero
}
add() { # add GPA PAGES MEASURE_FROM_IMAGE_OFFSET(-1: not measured)
	local gpa=$1 pages=$2 from=$3 p c
	for ((p = 0; p < pages; p++)); do
		record MEM.PAGE.ADD $((gpa + 4096 * p))
		((from < 0)) && continue
		for ((c = 0; c < 16; c++)); do
			record MR.EXTEND $((gpa + 4096 * p + 256 * c))
			dd if="$img" bs=256 skip=$((from / 256 + 16 * p + c)) \
				count=1 status=none
		done
	done
}
{
	add $base 4 0                # BFV: measured
	add $((0x800000)) 2 -1       # TempMem
	add $((0x802000)) 1 -1       # TD_HOB (contents not measured)
} > "$stream"                    # PermMem: PAGE.AUG, never added
want=$(sha384sum "$stream" | cut -d" " -f1)
[[ ${#want} -eq 96 ]] || { echo "kat: FAIL sha384sum gave no digest"; exit 1; }

# cvmm measure prints it; --dry-run prints the same.
got=$("$cvmm" measure --platform tdx --firmware "$img" --memory 64M)
dry=$("$cvmm" run --platform tdx --firmware "$img" --memory 64M --dry-run |
	sed -n 's/^vm: measurement \(mrtd [0-9a-f]*\)$/\1/p')
if [[ $got != "mrtd $want" || $dry != "mrtd $want" ]]; then
	echo "kat: FAIL tdx MRTD: cvmm measure printed '$got', --dry-run" \
		"'$dry', expected mrtd $want"
	exit 1
fi
echo "kat: tdx MRTD $want (4 measured pages, 3 added, 1 section left to the guest) ok"
