#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bed2/suite.sh SUITE WORKDIR PASID_KTEST
#
# Test bed 2: real mode on real PASID-capable PCI functions. SUITE is the
# Debian suite whose kernel boots: sid, experimental or trixie (their images,
# headers and compilers are in the tool chroot that mkchroot.sh builds and
# caches under KTEST_CACHE), or bookworm (Debian 12's installed kernel, the
# version its linux-image-amd64 depends on, built with the host's gcc 12).
# This builds pasid.ko with that kernel's headers and compiler (warnings are
# errors), starts two vfio-user servers (vfio-user-server.py) for two PCIe
# endpoints behind their own root ports, one with an 8-bit and one with a
# 20-bit PASID capability, and boots the kernel under the chroot's QEMU with
# an emulated VT-d in scalable mode (run-qemu.sh decides from the serial
# log). The guest's /init (init.sh, ktest.bed=2) runs the real-mode tests on
# them, then the mock-mode suite. Anything missing FAILS; nothing skips.
#
# Environment: KTEST_CACHE (default WORKDIR/../cache), KTEST_TIMEOUT (boot
# timeout, default 300), KTEST_SLUB_DEBUG (default FZPU).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
kdir=$(cd "$here/.." && pwd)
src=$(cd "$here/../../.." && pwd)
suite=${1:?usage: bed2/suite.sh sid|experimental|trixie|bookworm WORKDIR PASID_KTEST}
work=${2:?}
ktest=${3:?}
case $suite in
sid | experimental | trixie | bookworm) ;;
*) echo "bed2/suite.sh: unknown suite $suite" >&2; exit 2 ;;
esac
mkdir -p "$work"
work=$(cd "$work" && pwd)
cache=${KTEST_CACHE:-$work/../cache}
t0=$(date +%s)

if ! out=$("$here/mkchroot.sh" "$cache"); then
	echo "FAIL: cannot build the test bed 2 chroot"
	exit 1
fi
root=$(echo "$out" | sed -n 's/^ROOT=//p' | tail -n 1)
t1=$(date +%s)
# everything QEMU and the chroot's compiler see lies inside the chroot
name=$(basename "$work")
cwork=/ktest/$name
hwork=$root$cwork
rm -rf "$hwork"
mkdir -p "$hwork/kmod"
cp "$src"/kmod/*.c "$src"/kmod/*.h "$src"/kmod/Kbuild "$hwork/kmod/"
cp -r "$src/kmod/core" "$src/kmod/uapi" "$hwork/kmod/"
rm -f "$hwork/kmod/core/"*.o "$hwork/kmod/core/".*.cmd
# the test-only helper module: a second user of the kernel's PASID allocator
mkdir -p "$hwork/coexist"
cp "$kdir/coexist/pasid_coexist.c" "$kdir/coexist/Kbuild" "$hwork/coexist/"
if [ "$suite" = bookworm ]; then
	kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
	       sed -n 's/.*linux-image-\([0-9][^ ,]*-amd64\).*/\1/p')
	[ -n "$kver" ] || { echo "FAIL: linux-image-amd64 is not installed"; exit 1; }
	[ -r "/boot/vmlinuz-$kver" ] || { echo "FAIL: no /boot/vmlinuz-$kver"; exit 1; }
	cp "/boot/vmlinuz-$kver" "$hwork/"
	vmlinuz=$hwork/vmlinuz-$kver
	headers=/lib/modules/$kver/build
	[ -d "$headers" ] || headers=/usr/src/linux-headers-$kver
	kind=ioasid
	build() {
		make -C "$headers" M="$hwork/kmod" PASID_WERROR=y PASID_TEST=y modules &&
			make -C "$headers" M="$hwork/coexist" modules
	}
else
	kver=$(cat "$root/kernels/$suite/kver")
	vmlinuz=$root/kernels/$suite/vmlinuz-$kver
	headers=$root/usr/src/linux-headers-$kver
	kind=global-ida
	build() {
		"$here/chroot-run.sh" "$root" make -C "/usr/src/linux-headers-$kver" \
			M="$cwork/kmod" PASID_WERROR=y PASID_TEST=y modules &&
			"$here/chroot-run.sh" "$root" make -C "/usr/src/linux-headers-$kver" \
				M="$cwork/coexist" modules
	}
fi
echo "# $suite kernel $kver; chroot ready in $((t1 - t0))s"
if ! build >"$work/build.log" 2>&1; then
	cat "$work/build.log"
	echo "FAIL: pasid.ko or pasid_coexist.ko does not build against $kver"
	exit 1
fi
if grep -i 'warning' "$work/build.log"; then
	echo "FAIL: pasid.ko or pasid_coexist.ko builds with warnings against $kver"
	exit 1
fi
t2=$(date +%s)
echo "# pasid.ko built for $kver with $(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' \
	"$headers/.config") in $((t2 - t1))s"

"$kdir/mkinitramfs.sh" "$hwork/initramfs.cpio.gz" --init "$kdir/init.sh" \
	--ko "$hwork/kmod/pasid.ko" --bin "$ktest" --file "$hwork/coexist/pasid_coexist.ko"

# one vfio-user server per function, each behind its own root port: bus 1
# (RID 0x100) 8 bits, bus 2 (RID 0x200) 20 bits. The narrow one comes first
# so that a module asking the kernel through the first function it finds
# gets values capped at 255 (the groups test catches that).
widths="8 20"
pids=
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	rm -f "$hwork"/vu*.sock "$hwork/qmp.sock"
}
trap cleanup EXIT
# a timeout's SIGTERM must not leave a server waiting for a client
trap 'exit 1' INT TERM HUP
i=1
rids=
for w in $widths; do
	rids="$rids${rids:+,}0x${i}00:$w"
	python3 "$here/vfio-user-server.py" "$hwork/vu$i.sock" "$w" 2>"$work/vu$i.log" &
	pids="$pids $!"
	i=$((i + 1))
done
# the QMP helper does the real hot-unplug the guest asks for on its console
python3 "$here/qmp-unplug.py" "$work/serial.log.raw" "$hwork/qmp.sock" 2>"$work/qmp.log" &
pids="$pids $!"
n=0
while [ ! -S "$hwork/vu1.sock" ] || [ ! -S "$hwork/vu2.sock" ]; do
	n=$((n + 1))
	if [ $n -gt 100 ]; then
		cat "$work"/vu*.log
		echo "FAIL: the vfio-user servers did not start"
		exit 1
	fi
	sleep 0.1
done

fn() {
	echo "-device pcie-root-port,id=rp$1,chassis=$1" \
	     "-device {\"driver\":\"vfio-user-pci\",\"id\":\"fn$1\",\"bus\":\"rp$1\",\"socket\":{\"path\":\"$cwork/vu$1.sock\",\"type\":\"unix\"}}"
}
# la57=off: with 5-level paging the VT-d driver disables SVA on 6.12;
# svm=on needs fsts, device-iotlb and pasid-bits (QEMU's intel_iommu.c)
KTEST_QEMU_ROOT=$root
KTEST_QEMU_ARGS="-qmp unix:$cwork/qmp.sock,server=on,wait=off -cpu max,la57=off -m 1G -device intel-iommu,intremap=on,caching-mode=on,scalable-mode=on,fsts=on,pasid-bits=20,svm=on,device-iotlb=on $(fn 1) $(fn 2)"
export KTEST_QEMU_ROOT KTEST_QEMU_ARGS
rc=0
"$kdir/run-qemu.sh" "$vmlinuz" "$hwork/initramfs.cpio.gz" "$work/serial.log" \
	"${KTEST_TIMEOUT:-300}" "ktest.kind=$kind" ktest.bed=2 "ktest.rids=$rids" \
	"slub_debug=${KTEST_SLUB_DEBUG:-FZPU}" || rc=$?
# QEMU is gone: a server that was connected has seen the end of its
# connection and exits 0, the QMP helper has done its unplug; one that
# stopped on an error, or is still waiting (killed here after 5 s), makes
# the run fail
for p in $pids; do
	n=0
	while kill -0 "$p" 2>/dev/null && [ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	kill "$p" 2>/dev/null || true
	if ! wait "$p"; then
		echo "FAIL: a vfio-user server or the QMP helper failed:"
		cat "$work"/vu*.log "$work/qmp.log"
		rc=1
	fi
done
pids=
echo "# bed 2 on $kver: $(($(date +%s) - t0))s in all"
exit $rc
