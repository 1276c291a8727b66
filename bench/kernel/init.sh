#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# /init of the benchmark initramfs (bench/kernel/run.sh): load pasid.ko in
# mock mode, run bench-ioctl, print its JSON as "# BENCH-JSON " lines, and
# end with the verdict line that tests/kernel/run-qemu.sh looks for.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1

nonce=none args=
for w in $(cat /proc/cmdline); do
	case $w in
	ktest.nonce=*) nonce=${w#*=} ;;
	bench.quick=1) args=--quick ;;
	esac
done

verdict=FAIL
# the benchmark holds more values than the default per-user quota (64)
if insmod /pasid.ko mock=1 max_pasids_per_user=65536; then
	# shellcheck disable=SC2086
	bench-ioctl $args --json /tmp/bench.json >/tmp/bench.txt 2>&1
	rc=$?
	sed 's/^/# /' /tmp/bench.txt
	if [ $rc -eq 0 ] && [ -s /tmp/bench.json ]; then
		verdict=PASS
		sed 's/^/# BENCH-JSON /' /tmp/bench.json
	fi
	rmmod pasid
fi
echo "KTEST-VERDICT: $verdict $nonce"
sync
poweroff -f
sleep 10
