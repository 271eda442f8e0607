#!/usr/bin/env bash
# Native mode's file layer, end to end: the unmodified accel-config 3.5.3
# (Debian's accel-config package) runs with LD_PRELOAD=libsva-native.so
# against a private tree, as a non-root user, and configures, enables and
# disables the modelled DSA through it (docs/native.md, "The file layer").
# The tree comes from the test helper native_mktree, as `sva native`
# would create it.
#
# $1 = the sva binary, $2 = the source directory.
set -euo pipefail

sva=$1
build=$(cd "$(dirname "$sva")/.." && pwd)
so=$build/preload/libsva-native.so
mktree=$build/tests/native_mktree
conf=/usr/libexec/accel-config/test/configs/2g2q_user_1.conf

if [[ ! -f $so ]]; then
	# The sanitizer build has no preloadable library (preload/CMakeLists.txt).
	echo "native_accel_config: no $so (sanitizer build): skipped"
	exit 0
fi
for need in accel-config python3 "$mktree" "$conf"; do
	command -v "$need" >/dev/null || [[ -e $need ]] ||
		{ echo "FAIL: $need is missing (make deps installs accel-config)"; exit 1; }
done

work=$(mktemp -d /tmp/sva-native-XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
# The library and the helper where the test user can read them.
cp "$so" "$mktree" "$work/"
root=$work/root

# Run as nobody when we are root: native mode needs no privilege.
as=()
if [[ $(id -u) -eq 0 ]]; then
	chown nobody:nogroup "$work"
	as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
fi

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Under the layer, with the stand-ins first on PATH, as `sva native` runs a program.
native() {
	"${as[@]}" env SVA_NATIVE_ROOT="$root" LD_PRELOAD="$work/libsva-native.so" \
		PATH="$root/bin:$PATH" "$@"
}

# JSON of `accel-config list` -> "wq0.0:enabled:16:app ..." for the WQs it shows.
wqs_of() {
	python3 -c '
import json, sys
devs = json.load(sys.stdin)
out = []
for d in devs:
    for g in d.get("groups", []):
        for w in g.get("grouped_workqueues", []):
            out.append("%s:%s:%s:%s" % (w["dev"], w["state"], w["size"], w["name"]))
print(" ".join(sorted(out)))'
}

"${as[@]}" "$work/native_mktree" "$root" || { echo "FAIL: native_mktree"; exit 1; }

# 0. The control: without the layer this machine has no DSA for accel-config.
if "${as[@]}" accel-config list >/dev/null 2>&1 && [[ -e /sys/bus/dsa/devices/dsa0 ]]; then
	echo "native_accel_config: this host has a real dsa0; the control is meaningless here"
fi

# 1. list shows the default configuration: dsa0 with wq0.0 and wq0.1 enabled.
out=$(native accel-config list) || fail "accel-config list failed"
got=$(wqs_of <<<"$out")
[[ $got == "wq0.0:enabled:16:app wq0.1:enabled:8:app_dedicated" ]] ||
	fail "list shows '$got'"
grep -q '"dev":"dsa0"' <<<"$out" || fail "list does not show dsa0"

# 2. What dsa_user_test_runner.sh reads before it starts.
native bash -c '[ -f /sys/bus/dsa/devices/dsa0/pasid_enabled ] &&
	[ "$(cat /sys/bus/dsa/devices/dsa0/pasid_enabled)" = 1 ] &&
	[ "$(cat /sys/bus/dsa/devices/dsa0/configurable)" = 1 ]' ||
	fail "pasid_enabled/configurable as dsa_user_test_runner.sh reads them"

# 3. load-config needs a disabled device; then enable the device and both WQs.
native accel-config disable-device dsa0 2>/dev/null || fail "disable-device dsa0"
native bash -c '[ ! -e /dev/dsa/wq0.0 ]' || fail "/dev/dsa/wq0.0 outlived disable-device"
native accel-config load-config -c "$conf" || fail "load-config $conf"
native accel-config enable-device dsa0 2>/dev/null || fail "enable-device dsa0"
native accel-config enable-wq dsa0/wq0.0 dsa0/wq0.1 2>/dev/null || fail "enable-wq"
got=$(native accel-config list | wqs_of)
[[ $got == "wq0.0:enabled:16:app1 wq0.1:enabled:16:app2" ]] || fail "after enable, list shows '$got'"
native bash -c '[ -e /dev/dsa/wq0.0 ] && [ -e /dev/dsa/wq0.1 ]' || fail "no /dev/dsa nodes"
# ... and the runtime sees the same: the enabled configuration of the tree.
json=$("$work/native_mktree" --enabled "$root")
grep -q '"name":"app1"' <<<"$json" && grep -q '"name":"app2"' <<<"$json" ||
	fail "enabled configuration: $json"

# 4. A refused store: accel-config prints the errno Linux's store gives.
err=$(native accel-config config-wq dsa0/wq0.1 --priority=5 2>&1) && fail "config-wq on an enabled WQ succeeded"
grep -q "priority attribute write failed: Operation not permitted" <<<"$err" ||
	fail "config-wq on an enabled WQ said: $err"
native accel-config disable-wq dsa0/wq0.0 dsa0/wq0.1 2>/dev/null || fail "disable-wq"
native accel-config disable-device dsa0 2>/dev/null || fail "disable-device dsa0 (2)"
# 16 entries are taken by wq0.1: 120 more exceed the device's 128.
err=$(native accel-config config-wq dsa0/wq0.0 --wq-size=120 2>&1) && fail "an oversized WQ was accepted"
grep -q "size attribute write failed: Invalid argument" <<<"$err" || fail "oversized WQ said: $err"
[[ $(native cat /sys/bus/dsa/devices/wq0.0/size) == 16 ]] || fail "a refused store changed the size"
native accel-config config-wq dsa0/wq0.0 --wq-size=112 2>/dev/null || fail "config-wq --wq-size=112"
[[ $(native cat /sys/bus/dsa/devices/wq0.0/size) == 112 ]] || fail "size 112 not stored"

# 5. Enabling a WQ the driver refuses: accel-config reports cmd_status's reason.
native accel-config enable-device dsa0 2>/dev/null || fail "enable-device dsa0 (2)"
native accel-config config-wq dsa0/wq0.0 --group-id=-1 2>/dev/null || fail "config-wq --group-id=-1"
err=$(native accel-config enable-wq dsa0/wq0.0 2>&1) && fail "a WQ without a group was enabled"
grep -qi "group not set" <<<"$err" || fail "enable-wq without a group said: $err"

# 6. Plain shell writes reach the model too, with the kernel's errno.
native bash -c 'echo 3 > /sys/bus/dsa/devices/wq0.2/priority' || fail "echo > priority"
[[ $(native cat /sys/bus/dsa/devices/wq0.2/priority) == 3 ]] || fail "echo > priority not stored"
native bash -c 'echo 16 > /sys/bus/dsa/devices/wq0.2/priority' 2>/dev/null && fail "priority 16 accepted"
native bash -c 'echo x > /sys/bus/dsa/devices/dsa0/state' 2>/dev/null && fail "a read-only attribute took a write"

# 6b. Paths come back as /sys names; stdio and other languages' writes are stores too.
[[ $(native readlink -f /sys/bus/dsa/devices/wq0.0) == /sys/devices/sva_native/dsa0/wq0.0 ]] ||
	fail "readlink -f gives $(native readlink -f /sys/bus/dsa/devices/wq0.0)"
[[ $(native bash -c 'cd /sys/bus/dsa/devices/dsa0/wq0.2 && cat priority && /bin/pwd') == $'3\n/sys/devices/sva_native/dsa0/wq0.2' ]] ||
	fail "relative paths below a working directory in the tree"
native /bin/echo 4 > /dev/null
native bash -c '/bin/echo 4 > /sys/bus/dsa/devices/wq0.2/priority' || fail "/bin/echo > priority"
native bash -c '/bin/echo 99 > /sys/bus/dsa/devices/wq0.2/priority' 2>/dev/null && fail "/bin/echo 99 accepted"
err=$(native python3 -c 'open("/sys/bus/dsa/devices/wq0.2/priority", "w", buffering=1).write("77\n")' 2>&1) &&
	fail "python wrote priority 77"
grep -q "Invalid argument" <<<"$err" || fail "python's refused write said: $err"
[[ $(native cat /sys/bus/dsa/devices/wq0.2/priority) == 4 ]] || fail "priority is not 4 after the refusals"
# The shell opens, an exec'd program writes: the store goes with the descriptor.
echo 6 > "$work/six"
native bash -c "cat $work/six > /sys/bus/dsa/devices/wq0.2/priority" || fail "cat > priority"
native bash -c 'env printf 60 > /sys/bus/dsa/devices/wq0.2/priority' 2>/dev/null && fail "printf 60 accepted"
[[ $(native cat /sys/bus/dsa/devices/wq0.2/priority) == 6 ]] || fail "cat > priority did not store 6"
[[ $(native ls /dev/dsa) == "" ]] || fail "/dev/dsa not empty with every WQ disabled"

# 7. The stand-ins: rmmod idxd takes the devices away, modprobe brings them back reset.
native bash -c 'lsmod | grep -q "^idxd "' || fail "lsmod does not list idxd"
native rmmod idxd || fail "rmmod idxd"
native bash -c '[ ! -e /sys/module/idxd ] && [ ! -e /sys/bus/dsa/devices/dsa0 ]' ||
	fail "the devices outlived rmmod idxd"
err=$(native accel-config list 2>&1) && fail "accel-config list worked without the module"
grep -q "idxd kernel module not loaded" <<<"$err" || fail "no module: accel-config said $err"
native modprobe idxd || fail "modprobe idxd"
[[ $(native cat /sys/bus/dsa/devices/dsa0/state) == disabled ]] || fail "dsa0 not disabled after modprobe"
[[ $(native cat /sys/bus/dsa/devices/wq0.0/size) == 0 ]] || fail "wq0.0 not reset by modprobe"
native rmmod no_such_module 2>/dev/null && fail "rmmod of an unknown module succeeded"
native modprobe no_such_module 2>/dev/null && fail "modprobe of an unknown module succeeded"

# 8. The whole start of dsa_user_test_runner.sh: its _cleanup, load-config, enable.
native bash -c '. /usr/libexec/accel-config/test/common
	_cleanup && "$ACCFG" load-config -c "$CONFIG1" && "$ACCFG" enable-device dsa0 &&
	"$ACCFG" enable-wq dsa0/wq0.0 && "$ACCFG" enable-wq dsa0/wq0.1' 2>/dev/null ||
	fail "the runner's start-up sequence"
got=$(native accel-config list | wqs_of)
[[ $got == "wq0.0:enabled:16:app1 wq0.1:enabled:16:app2" ]] || fail "after the runner's start-up: '$got'"

# 9. Everything the test user wrote is the test user's: no root was needed.
if [[ ${#as[@]} -gt 0 ]]; then
	[[ $(stat -c %U "$root/state.json") == nobody ]] || fail "state.json not written by the test user"
fi

if ((fails)); then
	echo "native_accel_config: $fails failure(s)"
	exit 1
fi
echo "native_accel_config: ok"
