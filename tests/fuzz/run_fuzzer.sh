#!/usr/bin/env bash
# run_fuzzer.sh FUZZER CORPUS SECONDS ARTIFACT_DIR [libFuzzer options...]
# Fuzz for SECONDS on a scratch copy of CORPUS (the source tree is never
# written); crash, leak and timeout inputs land in ARTIFACT_DIR.
set -u
fuzzer=$1 corpus=$2 secs=$3 artifacts=$4
shift 4
work=$(mktemp -d "${TMPDIR:-/tmp}/sva-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
if [ -d "$corpus" ]; then
	cp -R "$corpus/." "$work/"
fi
mkdir -p "$artifacts"
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$work"
