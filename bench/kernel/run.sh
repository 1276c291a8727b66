#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run.sh BENCH_IOCTL WORKDIR [--quick] [--json OUT]
#
# The kernel-path benchmark: builds pasid.ko against Debian's 6.1 headers
# (the kernel the harness boots, as tests/kernel/kernel-suite.sh does),
# packs an initramfs with the harness's mkinitramfs.sh (our /init:
# bench/kernel/init.sh, BENCH_IOCTL in /bin) and boots it with the harness's
# run-qemu.sh. The guest prints results as "# " lines and its JSON as
# "# BENCH-JSON " lines; OUT receives that JSON. Nothing in tests/kernel is
# changed: its scripts take --init and --bin.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
harness=$src/tests/kernel
bin=${1:?usage: run.sh BENCH_IOCTL WORKDIR [--quick] [--json OUT]}
work=${2:?}
shift 2
quick= json=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=bench.quick=1; shift ;;
	--json) json=$2; shift 2 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
mkdir -p "$work"
work=$(cd "$work" && pwd)

kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
       sed -n 's/.*linux-image-\([0-9][^ ,]*-amd64\).*/\1/p')
[ -n "$kver" ] || { echo "bench: linux-image-amd64 is not installed" >&2; exit 1; }
vmlinuz=/boot/vmlinuz-$kver
kdir=/lib/modules/$kver/build
[ -d "$kdir" ] || kdir=/usr/src/linux-headers-$kver
[ -f "$kdir/Makefile" ] || { echo "bench: no headers for $kver" >&2; exit 1; }

t0=$(date +%s)
mkdir -p "$work/kmod"
# cp -p keeps times, so an unchanged tree is not rebuilt
cp -p "$src"/kmod/*.c "$src"/kmod/*.h "$src"/kmod/Kbuild "$work/kmod/"
cp -pr "$src/kmod/core" "$src/kmod/uapi" "$work/kmod/"
# the test build: mock mode and PASID_IOC_TEST_CMD (the benchmarks use mock RIDs)
if ! make -C "$kdir" M="$work/kmod" PASID_TEST=y modules >"$work/build.log" 2>&1; then
	cat "$work/build.log"
	echo "bench: pasid.ko does not build against $kver" >&2
	exit 1
fi
echo "# pasid.ko for $kver ready in $(($(date +%s) - t0))s"

"$harness/mkinitramfs.sh" "$work/initramfs.cpio.gz" --init "$here/init.sh" \
	--ko "$work/kmod/pasid.ko" --bin "$bin"
rc=0
"$harness/run-qemu.sh" "$vmlinuz" "$work/initramfs.cpio.gz" "$work/serial.log" \
	"${BENCH_QEMU_TIMEOUT:-180}" $quick | grep -v '^# BENCH-JSON ' || rc=$?
grep -q '^KTEST-VERDICT: PASS' "$work/serial.log" || rc=1
if [ -n "$json" ]; then
	sed -n 's/^# BENCH-JSON //p' "$work/serial.log" >"$json"
	[ -s "$json" ] || rc=1
fi
exit $rc
