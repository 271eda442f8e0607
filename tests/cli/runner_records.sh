#!/usr/bin/env bash
# The runner's process records move (realloc) when any process forks; a
# thread waiting inside a submit step must not keep a pointer into them.
# (Found by torture's "forks" shape, seed 1820: a use-after-free under
# valgrind and ASan, a SIGSEGV at power-off in release builds.)
set -u
sva=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
forks=""
for i in $(seq 1 300); do forks="$forks{\"do\":\"fork\",\"run\":\"kid\"},{\"do\":\"sleep\",\"ns\":200},"; done
# "p" waits inside its submit steps while "f" forks (forks in "p" itself
# would make its record pages copy-on-write, a different story).
cat >"$tmp/s.json" <<J
{"name":"records move","processes":[
  {"name":"p","main":[
   {"do":"mmap","as":"a","size":65536},{"do":"mmap","as":"b","size":65536},
   {"do":"touch","buf":"a","write":true},{"do":"touch","buf":"b","write":true},
   {"do":"open","wq":"wq0.0","as":"q"},
   {"do":"thread","run":"w","count":2},
   {"do":"join"}],
   "threads":{"w":[{"do":"submit","wq":"q","op":"memmove","src":"a","dst":"b","size":4096,"count":400,"verify":true}]}},
  {"name":"f","main":[$forks {"do":"sleep","ns":1}],
   "threads":{"kid":[{"do":"sleep","ns":100}]}}]}
J
out=$(${WRAP:-} "$sva" run "$tmp/s.json" --json 2>&1 >"$tmp/out.json"); rc=$?
[ $rc -eq 0 ] || { echo "FAIL: exit $rc: $out"; exit 1; }
python3 - "$tmp/out.json" <<'P' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
p = [x for x in d["processes"] if x["name"] == "p"][0]
# Both workers' 400 descriptors each are counted on the parent's record.
if p["descriptors"] != 800:
    sys.exit("FAIL: parent's record counts %r descriptors, want 800" % p["descriptors"])
P
echo "runner_records: ok"
