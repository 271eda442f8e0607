#!/bin/bash
# sva native against a hostile DSA program: seeded random descriptors
# (any opcode, flags and size; addresses at holes, read-only and
# PROT_NONE pages, NULL, kernel and non-canonical addresses, the portal;
# random batch lists) on both WQs, in both modes and with injected
# faults.  The program must never be killed by the emulator, every valid
# completion record must get a status, a buffer no descriptor names must
# stay untouched, and the report must add up.
#
# $1: the sva binary, $2: the source directory.
set -u
sva=$1
bindir=$(cd "$(dirname "$sva")" && pwd)
lib=$bindir/../preload/libsva-native.so
prog=$bindir/../tests/hostile_prog

fail() { echo "FAIL: $*"; exit 1; }

if [ ! -f "$lib" ]; then
	echo "skip: $lib is not built here (sanitizer build)"
	exit 0
fi
[ -x "$prog" ] || fail "$prog is not built"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for seed in 1 2 3 4 5 6 7 8; do
	for opts in "--mode inline" "--mode async" "--mode inline --faults seed" "--mode async --faults touch"; do
		# shellcheck disable=SC2086
		if ! "$sva" native --quiet $opts --seed "$seed" --json "$work/r.json" -- \
			"$prog" "$seed" 400 >"$work/log" 2>&1; then
			cat "$work/log"
			fail "hostile_prog $seed under sva native $opts"
		fi
		python3 - "$work/r.json" "$opts" "$seed" <<'PY' || fail "seed $seed, $opts: the report does not add up"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["exit_status"] == 0, r
d = r["total"]["devices"][0]
for w in d["wqs"]:
    assert w["accepted"] == w["completed"] + w["aborted"] + w["lost"], w
    assert w["in_flight"] == 0, w
assert d["submitted"] == d["accepted"] + d["retried"] + d["dropped"], d
assert sum(d["statuses"].values()) == d["completed"], (d["statuses"], d["completed"])
PY
	done
done
echo "hostile_prog: 8 seeds x 4 settings passed"

# ENQCMD whose source has bits 31:0 set is #GP on hardware: SIGSEGV (139).
"$sva" native --quiet -- "$prog" gp 2>/dev/null
rc=$?
[ "$rc" = 139 ] || fail "ENQCMD with a PASID in its source: exit $rc, not 139 (SIGSEGV)"
exit 0
