#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/stress/tsan.sh - build the thread stress test with clang
# -fsanitize=thread in its own build directory and run it. ThreadSanitizer
# must report nothing: any report fails the run (exit 66).
#
#   tests/stress/tsan.sh [BUILD_DIR]      default: build-tsan
#
# STRESS_OPS (default here 10000 per thread: TSan is ~10x slower) and the
# other STRESS_* variables of test-stress.c pass through.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-build-tsan}

if [ -d "$dir" ]; then
	CC=clang meson setup --reconfigure "$dir" -Db_sanitize=thread -Db_lundef=false \
		-Dkernel_tests=false >/dev/null
else
	CC=clang meson setup "$dir" -Db_sanitize=thread -Db_lundef=false \
		-Dkernel_tests=false >/dev/null
fi
ninja -C "$dir" tests/stress/test-stress >/dev/null

export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 history_size=4 ${TSAN_OPTIONS:-}"
export LIBPASID_BACKEND=sim LIBPASID_SIM_TOPOLOGY=
export STRESS_OPS=${STRESS_OPS:-10000}
# the allocator API alone, then with work queues and the software engine
for wq in 0 1; do
	for seed in 1 2 3; do
		echo "tsan: test-stress STRESS_WQ=$wq STRESS_SEED=$seed"
		STRESS_WQ=$wq STRESS_SEED=$seed "$dir/tests/stress/test-stress" | tail -n 1
	done
done
echo "tsan: OK: no data race, no lock-order inversion reported"
