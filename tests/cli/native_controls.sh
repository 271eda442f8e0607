#!/bin/bash
# sva native, the controls around the happy path: a real crash is still a
# crash, a program's own fault handler still gets its faults, a WQ that
# is not enabled is not there, partial completions from --faults seed
# are finished by the program, accel-config sees the configured device,
# the same seed with ASLR off gives the same trace byte for byte, and
# the command refuses bad usage.
#
# $1: the sva binary, $2: the source directory.
set -u
sva=$1
bindir=$(cd "$(dirname "$sva")" && pwd)
lib=$bindir/../preload/libsva-native.so
dsa_test=/usr/libexec/accel-config/test/dsa_test

fail() { echo "FAIL: $*"; exit 1; }

if [ ! -f "$lib" ]; then
	echo "skip: $lib is not built here (sanitizer build)"
	exit 0
fi
[ -x "$dsa_test" ] || fail "$dsa_test is missing: install accel-config-test (make deps)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. A program that really dereferences NULL dies of SIGSEGV (139).
"$sva" native --quiet -- python3 -c 'import ctypes; ctypes.string_at(0)' 2>/dev/null
rc=$?
[ "$rc" = 139 ] || fail "a NULL dereference under sva native exited $rc, not 139 (SIGSEGV)"

# 2. The program's own SIGSEGV handler (Python's faulthandler) gets its fault.
out=$("$sva" native --quiet -- python3 -X faulthandler -c 'import ctypes; ctypes.string_at(0)' 2>&1)
echo "$out" | grep -q "Fatal Python error: Segmentation fault" ||
	fail "the program's own SIGSEGV handler did not run: $out"

# 3. A WQ the configuration leaves disabled has no node: dsa_test finds none.
cat >"$work/one.json" <<'EOF'
[{"dev":"dsa0","groups":[{"dev":"group0.0","grouped_workqueues":[
  {"dev":"wq0.0","mode":"shared","size":16,"group_id":0,"priority":10,"block_on_fault":1,
   "type":"user","name":"app","threshold":15},
  {"dev":"wq0.1","mode":"dedicated","size":8,"group_id":0,"priority":10,"block_on_fault":0,
   "type":"user","name":"app2","threshold":0,"state":"disabled"}],
  "grouped_engines":[{"dev":"engine0.0","group_id":0}]}]}]
EOF
out=$("$sva" native --quiet --config "$work/one.json" -- "$dsa_test" -w 0 -l 4096 -o 3 2>&1) &&
	fail "dsa_test on a disabled dedicated WQ succeeded: $out"
echo "$out" | grep -q "No usable wq found" || fail "no 'No usable wq found' from dsa_test: $out"
"$sva" native --quiet --config "$work/one.json" -- "$dsa_test" -w 1 -l 4096 -o 3 >/dev/null 2>&1 ||
	fail "dsa_test on the enabled shared WQ failed"

# 4. Injected faults: without block on fault dsa_test gets partial completions
#    (0x03) and resubmits the rest; the result is verified by dsa_test itself.
"$sva" native --faults seed --seed 3 --json "$work/f.json" -- "$dsa_test" -w 1 -l 1048576 -o 3 -f 0 \
	>"$work/f.log" 2>&1 || { tail -20 "$work/f.log"; fail "dsa_test with --faults seed failed"; }
python3 - "$work/f.json" <<'EOF' || fail "--faults seed: the report does not show partial completions"
import json, sys
r = json.load(open(sys.argv[1]))
d = r["total"]["devices"][0]
assert d["partial"] > 0 and d["statuses"].get("0x03", 0) == d["partial"], d
assert r["total"]["memory"]["faults"]["injected"] == d["partial"], r["total"]["memory"]
EOF

# 5. accel-config sees what --config gave.
out=$("$sva" native --quiet --config "$work/one.json" -- accel-config list 2>&1) ||
	fail "accel-config list failed: $out"
echo "$out" | grep -q '"dev":"wq0.0"' || fail "accel-config list does not show wq0.0: $out"
echo "$out" | grep -q '"name":"app"' || fail "accel-config list does not show the WQ's name: $out"

# 6. Inline mode is reproducible: same seed, ASLR off -> same trace and report.
for i in 1 2; do
	setarch -R "$sva" native --quiet --seed 9 --trace "$work/t$i.json" --json "$work/r$i.json" \
		-- "$dsa_test" -w 1 -l 65536 -o 3 -f 1 >/dev/null 2>&1 || fail "run $i for the trace failed"
done
cmp -s "$work/t1.json" "$work/t2.json" || fail "two runs with the same seed gave different traces"
python3 - "$work/t1.json" "$work/r1.json" "$work/r2.json" <<'EOF' || fail "trace or report of the same seed differ"
import json, sys
t = json.load(open(sys.argv[1]))
assert len(t["traceEvents"]) > 10, len(t["traceEvents"])
a, b = (json.load(open(p)) for p in sys.argv[2:4])
for r in (a, b):
    for p in r["processes"]:
        p.pop("pid")
assert a == b
EOF

# 7. Threads: four threads of one program submit at once; each has its own
#    shadow thread and so its own #GP fixup of IA32_PASID, as on hardware.
threads=$bindir/../tests/threads_prog
for mode in inline async; do
	out=$("$sva" native --quiet --mode "$mode" --trace "$work/th.json" -- "$threads" 2>&1) ||
		fail "threads_prog under --mode $mode: $out"
	[ "$out" = ok ] || fail "threads_prog under --mode $mode said: $out"
	n=$(grep -o '#GP fixup: IA32_PASID loaded' "$work/th.json" | wc -l)
	[ "$n" = 4 ] || fail "--mode $mode: $n #GP fixups for 4 submitting threads"
done

# 8. Bad usage: one line and exit 2.
"$sva" native >/dev/null 2>&1; [ $? = 2 ] || fail "sva native without a program did not exit 2"
"$sva" native --mode fast -- true >/dev/null 2>&1; [ $? = 2 ] || fail "--mode fast did not exit 2"
"$sva" native --faults all -- true >/dev/null 2>&1; [ $? = 2 ] || fail "--faults all did not exit 2"
"$sva" native --seed -1 -- true >/dev/null 2>&1; [ $? = 2 ] || fail "--seed -1 did not exit 2"
"$sva" native --config /nonexistent -- true >/dev/null 2>&1; [ $? = 2 ] || fail "a missing --config did not exit 2"
printf '[{"dev":"dsa0",' >"$work/bad.json"
"$sva" native --config "$work/bad.json" -- true >/dev/null 2>&1; [ $? = 2 ] || fail "a broken --config did not exit 2"
"$sva" native --help | grep -q "usage: sva native" || fail "sva native --help"
"$sva" native --quiet -- /nonexistent/program 2>/dev/null; [ $? = 127 ] || fail "a missing program did not give 127"
"$sva" native --quiet -- sh -c 'exit 7'; [ $? = 7 ] || fail "the program's exit status was not passed on"
exit 0
