#!/usr/bin/env bash
# Known-answer test of cvmm's SEV-SNP page digest, computed independently
# of cvmm's C code: this script builds a small firmware image with OVMF's
# footer table and SEV metadata (printf), assembles the SNP PAGE_INFO
# records of its launch itself (printf) and chains them with sha384sum,
# then compares with `cvmm measure` and `cvmm run --dry-run`.
#   tests/measure/snp_kat.sh CVMM
# PAGE_INFO (112 bytes): previous digest (48), contents (48: SHA-384 of the
# page for NORMAL pages, zeros otherwise), 0x0070 LE, page type, 0,
# 4 zero bytes (VMPL permissions, reserved), the page's GPA (LE u64).
set -euo pipefail

cvmm=${1:?usage: snp_kat.sh CVMM}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
img=$dir/kat.fd

le16() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))"; }
le32() { le16 $(($1 & 65535)); le16 $(($1 >> 16 & 65535)); }
le64() { le32 $(($1 & 0xffffffff)); le32 $(($1 >> 32 & 0xffffffff)); }
hex2bin() { printf "$(sed 's/../\\x&/g' <<<"$1")"; }

# The image: 8 KiB. Page 0 starts with the "ASEV" metadata (3 sections:
# 3 pages of pre-validated zero memory, the secrets page, the CPUID page),
# then text; the last 72 bytes hold the SEV metadata entry (offset 0x2000
# from the end), the table length (40) and the footer GUID, 32 zeros.
sev_guid='\x66\x65\x88\xdc\x4a\x98\x98\x47\xa7\x5e\x55\x85\xa7\xbf\x67\xcc'
footer_guid='\xde\x82\xb5\x96\xb2\x1f\xf7\x45\xba\xea\xa3\x66\xc5\x5a\x08\x2d'
printf 'cvmm known-answer test image %.0s' {1..300} >"$dir/text"
{
	printf ASEV; le32 52; le32 1; le32 3
	le32 0x800000; le32 0x3000; le32 1
	le32 0x803000; le32 0x1000; le32 2
	le32 0x804000; le32 0x1000; le32 3
	head -c $((8192 - 52 - 72)) "$dir/text"
	le32 0x2000; le16 22; printf "$sev_guid"
	le16 40; printf "$footer_guid"
	head -c 32 /dev/zero
} >"$img"
[[ $(stat -c %s "$img") -eq 8192 ]] || { echo "snp_kat: image is not 8 KiB" >&2; exit 1; }

zero48=$(printf '0%.0s' {1..96})
digest=$zero48
# page_info GPA TYPE CONTENTS_HEX
page() {
	digest=$({ hex2bin "$digest"; hex2bin "$3"; printf '\x70\x00'
		   printf "\\x$(printf %02x "$2")"; printf '\x00\x00\x00\x00\x00'
		   le64 "$1"; } | sha384sum | cut -d' ' -f1)
}
for k in 0 1; do   # the firmware's two pages, NORMAL, at 4 GiB - 8 KiB
	contents=$(dd if="$img" bs=4096 skip=$k count=1 status=none | sha384sum | cut -d' ' -f1)
	page $((0xffffe000 + k * 4096)) 1 "$contents"
done
for g in 0x800000 0x801000 0x802000; do page $((g)) 3 "$zero48"; done   # ZERO
page $((0x803000)) 5 "$zero48"                                         # SECRETS
page $((0x804000)) 6 "$zero48"                                         # CPUID

got=$("$cvmm" measure --platform sev-snp --firmware "$img" --memory 64M)
want="snp-page-digest $digest"
if [[ $got != "$want" ]]; then
	printf 'snp_kat: FAIL\n  cvmm measure: %s\n  independent:  %s\n' "$got" "$want" >&2
	exit 1
fi
dry=$("$cvmm" run --platform sev-snp --firmware "$img" --memory 64M --dry-run)
if ! grep -qx "vm: measurement $want" <<<"$dry"; then
	echo "snp_kat: FAIL: --dry-run does not print the same digest" >&2
	exit 1
fi
echo "snp_kat: cvmm's page digest equals the independent one ($digest)"
