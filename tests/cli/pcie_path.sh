#!/usr/bin/env bash
# machine.pcie_path through `sva run`: a switch without DMWr routing refuses
# shared WQs at configuration time (exit 2, the port named); a dedicated WQ
# behind the same switch works with MOVDIR64B.
set -u
sva=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/shared.json" <<'J'
{"name":"x","machine":{"pcie_path":[{"type":"root_port","dmwr":true},{"type":"switch","dmwr":false}]},
 "processes":[{"name":"a","main":[{"do":"mmap","as":"b","size":4096}]}]}
J
out=$("$sva" run "$tmp/shared.json" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "shared WQ behind a switch without DMWr: exit $rc, want 2: $out"
case $out in
*"wq0.0: mode shared needs Deferrable Memory Writes"*"sw0.up does not carry them"*) ;;
*) fail "message: $out" ;;
esac
case $out in *"(the default configuration)"*) ;; *) fail "should name the default configuration: $out" ;; esac

# The same path with only the dedicated WQ of the default configuration.
python3 - "$src/examples/configs/default.json" "$tmp/ded.json" <<'P'
import json, sys
cfg = json.load(open(sys.argv[1]))
dev = cfg[0]
dev["groups"] = [g for g in dev["groups"]
                 if all(w["mode"] == "dedicated" for w in g.get("grouped_workqueues", []))]
json.dump(cfg, open(sys.argv[2], "w"))
P
cat >"$tmp/ded_run.json" <<'J'
{"name":"y","accel_config":"ded.json",
 "machine":{"pcie_path":[{"type":"root_port","dmwr":true},{"type":"switch","dmwr":false}]},
 "processes":[{"name":"a","main":[
   {"do":"mmap","as":"s","size":8192},{"do":"mmap","as":"d","size":8192},
   {"do":"touch","buf":"s","write":true},{"do":"touch","buf":"d","write":true},
   {"do":"open","wq":"wq0.1","as":"q"},
   {"do":"submit","wq":"q","op":"memmove","src":"s","dst":"d","size":4096,"count":4,"verify":true}]}]}
J
out=$("$sva" run "$tmp/ded_run.json" --quiet 2>&1); rc=$?
[ $rc -eq 0 ] || fail "dedicated WQ behind a switch without DMWr: exit $rc: $out"
echo "pcie_path: ok"
