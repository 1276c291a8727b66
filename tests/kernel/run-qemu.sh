#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run-qemu.sh KERNEL INITRD LOG TIMEOUT_S [KERNEL_ARGS...]
#
# Boots KERNEL with INITRD under QEMU TCG (q35, emulated VT-d in scalable
# mode: docs/testing-in-qemu.md) with a hard timeout, writes the serial log
# to LOG and decides from the log ONLY: exit 0 iff the log has
# "KTEST-VERDICT: PASS <nonce>" for this boot's random nonce, no FAIL
# verdict and no kernel panic. QEMU's own exit status is not trusted (it is 0
# on poweroff and on panic alike). A timeout, a missing QEMU or kernel, or a
# missing verdict is a failure, never a skip.
#
# Test bed 2 (bed2/suite.sh) sets KTEST_QEMU_ROOT: QEMU then runs inside
# that chroot (bed2/chroot-run.sh), KERNEL and INITRD must lie under it, and
# KTEST_QEMU_ARGS (words, paths as the chroot sees them) replace the default
# CPU, memory and IOMMU options.
set -u

kernel=${1:?usage: run-qemu.sh KERNEL INITRD LOG TIMEOUT_S [ARGS...]}
initrd=${2:?}
log=${3:?}
tmo=${4:?}
shift 4

for f in "$kernel" "$initrd"; do
	[ -r "$f" ] || { echo "FAIL: cannot read $f" >&2; exit 1; }
done
machine="-cpu max -m 1G -device intel-iommu,intremap=on,x-scalable-mode=on,x-pasid-mode=on,caching-mode=on"
if [ -n "${KTEST_QEMU_ROOT:-}" ]; then
	root=$KTEST_QEMU_ROOT
	if [ ! -x "$root/usr/bin/qemu-system-x86_64" ]; then
		echo "FAIL: no qemu-system-x86_64 in the chroot $root" >&2
		exit 1
	fi
	qemu="$(dirname "$0")/bed2/chroot-run.sh $root qemu-system-x86_64"
	kernel=${kernel#"$root"}
	initrd=${initrd#"$root"}
	machine=${KTEST_QEMU_ARGS:?KTEST_QEMU_ROOT needs KTEST_QEMU_ARGS}
else
	qemu=$(command -v qemu-system-x86_64 || true)
	if [ -z "$qemu" ]; then
		echo "FAIL: qemu-system-x86_64 is not installed (package qemu-system-x86)" >&2
		exit 1
	fi
fi

# no_timer_check: under TCG on a busy host the IO-APIC timer check can time
# out and panic ("timer doesn't work through Interrupt-remapped IO-APIC"),
# seen in about 1 boot in 5 while other work ran; the check proves nothing here.
nonce=$(od -An -N8 -tx8 /dev/urandom | tr -d ' \n')
start=$(date +%s.%N)
# --foreground: QEMU stays in this process group, so a runner that kills the
# test's group (meson on a timeout) kills QEMU too
# shellcheck disable=SC2086
timeout --foreground -k 10 "$tmo" $qemu \
	-accel tcg,thread=multi -machine q35,kernel-irqchip=split $machine \
	-smp 2 -nographic -no-reboot -monitor none -serial stdio \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 intel_iommu=on,sm_on panic=-1 no_timer_check quiet loglevel=4 ktest.nonce=$nonce $*" \
	</dev/null >"$log.raw" 2>&1
rc=$?
end=$(date +%s.%N)
tr -d '\r' <"$log.raw" >"$log"
rm -f "$log.raw"
secs=$(awk "BEGIN { printf \"%.1f\", $end - $start }")

# what the guest said, for the test log
grep -E '^(KTEST|not ok|# )' "$log" || true

verdict=1
why=
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	why="timeout after ${tmo}s"
elif grep -q 'Kernel panic' "$log"; then
	why="kernel panic: $(grep -m1 'Kernel panic' "$log")"
elif grep -q '^KTEST-VERDICT: FAIL' "$log"; then
	why="the guest reported FAIL"
elif grep -qx "KTEST-VERDICT: PASS $nonce" "$log"; then
	verdict=0
else
	why="no verdict with this boot's nonce in the log (qemu rc $rc)"
fi

if [ $verdict -eq 0 ]; then
	echo "PASS: $(basename "$kernel") boot to verdict in ${secs}s (log: $log)"
else
	echo "FAIL: $why; boot took ${secs}s (log: $log)"
	tail -n 40 "$log"
fi
exit $verdict
