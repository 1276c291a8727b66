#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/fuzz/run-fuzzers.sh - build the libFuzzer targets with clang
# (-fsanitize=fuzzer,address,undefined, UBSan fatal) in their own build
# directory and run each for a bounded time from its seed corpus.
#
#   tests/fuzz/run-fuzzers.sh [-t SECONDS] [-d BUILD_DIR] [--merge] [TARGET...]
#
#   -t SECONDS   time per target (default 20: four targets take ~2 minutes)
#   -d DIR       build directory (default build-fuzz)
#   --merge      add inputs with new coverage to tests/fuzz/corpus/TARGET
#   TARGET       rid, topology, desc, cli-args (default: all)
#
# New inputs go to a scratch corpus in the build directory unless --merge.
# A crash, leak, sanitizer report or timeout fails the run; the input is kept
# in BUILD_DIR/fuzz-artifacts/ (add it to the corpus as a regression test
# once fixed). The last line gives the inputs tried per target.
set -euo pipefail
cd "$(dirname "$0")/../.."

secs=20 dir=build-fuzz merge=0 targets=()
while [ $# -gt 0 ]; do
	case $1 in
	-t) secs=$2; shift 2 ;;
	-d) dir=$2; shift 2 ;;
	--merge) merge=1; shift ;;
	-h|--help) sed -n '3,18p' "$0"; exit 0 ;;
	*) targets+=("$1"); shift ;;
	esac
done
[ ${#targets[@]} -gt 0 ] || targets=(rid topology desc cli-args)

opts=(-Db_sanitize=address,undefined -Db_lundef=false -Dkernel_tests=false
      "-Dc_args=-fsanitize=fuzzer-no-link -fno-sanitize-recover=all")
if [ -d "$dir" ]; then
	CC=clang meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
else
	CC=clang meson setup "$dir" "${opts[@]}" >/dev/null
fi
ninja -C "$dir" $(printf 'tests/fuzz/fuzz-%s ' "${targets[@]}") >/dev/null

export LIBPASID_BACKEND=sim LIBPASID_SIM_TOPOLOGY=
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
mkdir -p "$dir/fuzz-artifacts"
summary=() failed=0
for t in "${targets[@]}"; do
	seeds=tests/fuzz/corpus/$t
	work=$dir/fuzz-corpus/$t
	mkdir -p "$work"
	log=$dir/fuzz-$t.log
	echo "fuzz: $t for ${secs}s"
	if "$dir/tests/fuzz/fuzz-$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-close_fd_mask=1 -print_final_stats=1 \
		-artifact_prefix="$dir/fuzz-artifacts/$t-" "$work" "$seeds" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
		summary+=("$t ${runs:-?} inputs ($cov)")
	else
		failed=1
		summary+=("$t FAILED")
		grep -E 'ERROR|SUMMARY|check failed|Test unit written' "$log" | head -n 20 >&2 || true
		echo "fuzz: $t: full log in $log" >&2
	fi
	if [ "$merge" = 1 ]; then
		"$dir/tests/fuzz/fuzz-$t" -merge=1 -close_fd_mask=1 "$seeds" "$work" >/dev/null 2>&1
	fi
done
echo "fuzz: ${summary[*]}"
exit $failed
