#!/usr/bin/env bash
# Fail when HEADER (lib/kvm_abi.h) defines a macro, a struct or a struct
# member that LIST (kvm_abi_list.h) does not name, so that nothing added to
# the header escapes make abi-check. A member counts as named when a line
# of LIST has both the struct's tag and the member's name as words.
#   tests/abi/coverage.sh HEADER LIST
set -euo pipefail

[[ $# -eq 2 && -f $1 && -f $2 ]] || {
	echo "usage: coverage.sh HEADER LIST" >&2
	exit 1
}
header=$1 list=$2
missing=()

# Macros, except the include guard (CVMM_..._H).
while read -r name; do
	[[ $name =~ ^CVMM_.*_H$ ]] && continue
	grep -qw -- "$name" "$list" || missing+=("macro $name")
done < <(sed -nE 's/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*).*/\1/p' \
	"$header")

# "tag" for each struct definition, then "tag member" for each member
# (the last identifier before ';' or '[' on a line of the body).
while read -r tag member; do
	if [[ -z $member ]]; then
		grep -qw -- "$tag" "$list" || missing+=("struct $tag")
	elif ! grep -w -- "$tag" "$list" | grep -qw -- "$member"; then
		missing+=("member $tag.$member")
	fi
done < <(awk '
	/^struct [A-Za-z0-9_]+ \{/ { tag = $2; print tag; next }
	tag != "" && /^\};/ { tag = ""; next }
	tag != "" && /;/ {
		line = $0; sub(/[\[;].*/, "", line)
		n = split(line, w, /[^A-Za-z0-9_]+/)
		while (n > 0 && w[n] == "") n--
		if (n > 0) print tag, w[n]
	}' "$header")

if [[ ${#missing[@]} -gt 0 ]]; then
	for m in "${missing[@]}"; do
		echo "abi-check: $header defines $m, which $list does not check" >&2
	done
	exit 1
fi
