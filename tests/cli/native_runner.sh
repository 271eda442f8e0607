#!/bin/bash
# sva native runs accel-config's own, unmodified DSA test suite
# (dsa_user_test_runner.sh from Debian's accel-config-test: it loads a
# configuration with accel-config, enables the device and two WQs, then
# runs dsa_test for every operation, both WQ modes, block on fault on and
# off, single and batched, 1 byte to 2 MiB) on the model, as a non-root
# user, in both modes - and the report must show the work the device did.
#
# $1: the sva binary, $2: the source directory.
set -u
sva=$1
runner=/usr/libexec/accel-config/test/dsa_user_test_runner.sh
bindir=$(cd "$(dirname "$sva")" && pwd)
lib=$bindir/../preload/libsva-native.so

fail() { echo "FAIL: $*"; exit 1; }

if [ ! -f "$lib" ]; then
	# Only the sanitizer build lacks the library (preload/CMakeLists.txt).
	echo "skip: $lib is not built here (sanitizer build)"
	exit 0
fi
[ -x "$runner" ] || fail "$runner is missing: install accel-config-test (make deps)"
command -v accel-config >/dev/null || fail "accel-config is missing (make deps)"

# A copy of sva and the library that any user can run, wherever the build is.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tools" "$work/preload" "$work/out"
cp "$sva" "$work/tools/sva"
cp "$lib" "$work/preload/"
chmod -R a+rX "$work"
chmod 1777 "$work/out"

as_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

as_user test "$(id -u nobody)" = "$(as_user id -u)" || [ "$(id -u)" != 0 ] ||
	fail "could not drop to user nobody"

for mode in inline async; do
	log=$work/out/$mode.log
	json=$work/out/$mode.json
	start=$(date +%s)
	if ! as_user env HOME=/tmp TMPDIR="$work/out" "$work/tools/sva" native --mode "$mode" \
		--json "$json" -- "$runner" >"$log" 2>&1; then
		tail -n 60 "$log"
		fail "dsa_user_test_runner.sh under sva native --mode $mode did not pass"
	fi
	echo "mode $mode: passed in $(( $(date +%s) - start )) s"
	# The runner's own verdicts: every dsa_test run verified its result.
	grep -q "Testing with 'block on fault' flag OFF" "$log" || fail "$mode: the runner did not get to BOF off"
	# What the programs printed, without sva's own report at the end.
	sed '/^sva native: .* exited with status/,$d' "$log" >"$log.prog"
	if grep -E "failed|timeout" "$log.prog" | grep -v "^+" | grep -q .; then
		grep -E "failed|timeout" "$log.prog" | grep -v "^+" | head -5
		fail "$mode: dsa_test reported a failure"
	fi
	python3 - "$json" "$mode" <<'EOF' || fail "$mode: the report does not show the work"
import json, sys
r = json.load(open(sys.argv[1]))
mode = sys.argv[2]
assert r["exit_status"] == 0, r.get("exit_status")
assert r["mode"] == mode
procs = r["processes"]
# every dsa_test process (and only those) used the device
assert len(procs) > 100, len(procs)
assert all(p["program"] == "dsa_test" for p in procs), {p["program"] for p in procs}
dev = r["total"]["devices"][0]
ops = dev["operations"]
for op in ("noop", "drain", "memmove", "fill", "compare", "compare pattern", "dualcast",
           "crc", "copy+crc", "cache flush", "batch", "dif check", "dif insert", "dif strip",
           "dif update"):
    assert op in ops and ops[op]["executed"] > 0, (op, sorted(ops))
wqs = {w["id"]: w for w in dev["wqs"]}
assert wqs[0]["accepted"] > 0 and wqs[1]["accepted"] > 0, wqs
for w in wqs.values():
    assert w["accepted"] == w["completed"] + w["aborted"] + w["lost"], w
assert dev["software_errors"] == 0, dev["software_errors"]
print("%s: %d processes, %d descriptors completed, %d bytes" %
      (mode, len(procs), dev["completed"], dev["bytes"]))
EOF
done
exit 0
