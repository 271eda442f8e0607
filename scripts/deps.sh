#!/usr/bin/env bash
# Install the Debian packages sva needs, only when some are missing.
# Run as root on Debian 12 (CI and fresh machines are); prints nothing
# and changes nothing when everything is already there.
set -euo pipefail

pkgs=(
	build-essential cmake clang pkg-config
	libjson-c-dev libisal-dev libcmocka-dev linux-libc-dev
	libclang-rt-14-dev
	python3		# tests/cli/*.sh read JSON with it
	accel-config accel-config-test	# native mode's tests run the real tools (docs/native.md)
)

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null || { echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
