#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kernel-suite.sh KERNEL WORKDIR PASID_KTEST [--extra BIN]... [--file FILE]...
#
# KERNEL is "6.1" (Debian 12's own kernel: the version that the installed
# linux-image-amd64 metapackage depends on, never uname -r), "6.12" (the
# bookworm-backports kernel, fetched by fetch-kernel.sh into a cache) or
# "6.1-noalloc" (6.1 with the module built as for 6.4/6.5, which export no
# PASID allocator: real mode must refuse to load, mock mode must work).
# Builds pasid.ko against that kernel's headers (warnings are errors), packs
# an initramfs with init.sh, PASID_KTEST, any --extra tests (run in the guest
# from /extra with LIBPASID_BACKEND=kernel) and --file support files (copied
# beside them, e.g. a binary a test script calls) and boots it with run-qemu.sh.
# Anything missing (QEMU, kernel image, headers) FAILS; nothing is skipped.
#
# Environment: KTEST_CACHE (kernel cache, default WORKDIR/../cache),
# KTEST_TIMEOUT (boot timeout, default 300), KTEST_SEED, KTEST_FUZZ (fuzzer
# seed and iterations), KTEST_SLUB_DEBUG (default FZPU: heap checks).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
kernel=${1:?usage: kernel-suite.sh 6.1|6.12|6.1-noalloc WORKDIR PASID_KTEST [--extra BIN]...}
work=${2:?}
ktest=${3:?}
shift 3
extras=
while [ $# -gt 0 ]; do
	case $1 in
	--extra) extras="$extras --extra $2"; shift 2 ;;
	--file) extras="$extras --file $2"; shift 2 ;;
	*) echo "kernel-suite: unknown option $1" >&2; exit 2 ;;
	esac
done

mkdir -p "$work"
work=$(cd "$work" && pwd)
cache=${KTEST_CACHE:-$work/../cache}
t0=$(date +%s)

makevars=
case $kernel in
6.1-noalloc)
	# the 6.4/6.5 behaviour (no exported allocator), built for 6.1
	makevars=PASID_SIMULATE_NO_ALLOCATOR=y
	;;
esac
case $kernel in
6.1 | 6.1-noalloc)
	kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
	       sed -n 's/.*linux-image-\([0-9][^ ,]*-amd64\).*/\1/p')
	[ -n "$kver" ] || { echo "FAIL: linux-image-amd64 is not installed" >&2; exit 1; }
	vmlinuz=/boot/vmlinuz-$kver
	kdir=/lib/modules/$kver/build
	[ -d "$kdir" ] || kdir=/usr/src/linux-headers-$kver
	kind=ioasid
	[ -z "$makevars" ] || kind=none
	;;
6.12)
	out=$("$here/fetch-kernel.sh" "$cache" bookworm-backports) ||
		{ echo "FAIL: cannot fetch the bookworm-backports kernel" >&2; exit 1; }
	kver=$(echo "$out" | sed -n 's/^KVER=//p' | tail -n 1)
	vmlinuz=$cache/bookworm-backports/root/boot/vmlinuz-$kver
	kdir=$cache/bookworm-backports/build
	kind=global-ida
	;;
*)
	echo "kernel-suite: unknown kernel $kernel" >&2
	exit 2
	;;
esac
[ -r "$vmlinuz" ] || { echo "FAIL: no kernel image $vmlinuz" >&2; exit 1; }
[ -f "$kdir/Makefile" ] || { echo "FAIL: no headers for $kver at $kdir" >&2; exit 1; }
echo "# kernel $kver, headers $kdir"

# build_kmod DIR [MAKEVARS...]: a private copy (the kernels build in parallel),
# warnings are errors
build_kmod() {
	d=$1
	shift
	rm -rf "$d"
	mkdir -p "$d"
	cp "$src"/kmod/*.c "$src"/kmod/*.h "$src"/kmod/Kbuild "$d/"
	cp -r "$src/kmod/core" "$src/kmod/uapi" "$d/"
	rm -f "$d/core/"*.o "$d/core/".*.cmd
	if ! make -C "$kdir" M="$d" PASID_WERROR=y "$@" modules >"$d.log" 2>&1; then
		cat "$d.log"
		echo "FAIL: pasid.ko ($*) does not build against $kver"
		exit 1
	fi
	if grep -i 'warning:' "$d.log"; then
		echo "FAIL: pasid.ko ($*) builds with warnings against $kver"
		exit 1
	fi
}
# the test build (mock mode, TEST_CMD, fail-nth) runs the suite; the module
# as DKMS builds it (no PASID_TEST) is checked to have none of that
# shellcheck disable=SC2086
build_kmod "$work/kmod" PASID_TEST=y $makevars
prod=
if [ "$kind" != none ]; then
	build_kmod "$work/kmod-prod"
	prod="--ko-prod $work/kmod-prod/pasid.ko"
fi
echo "# pasid.ko (test build and production build) built for $kver in $(($(date +%s) - t0))s"

# shellcheck disable=SC2086
"$here/mkinitramfs.sh" "$work/initramfs.cpio.gz" --init "$here/init.sh" \
	--ko "$work/kmod/pasid.ko" $prod --bin "$ktest" $extras

exec "$here/run-qemu.sh" "$vmlinuz" "$work/initramfs.cpio.gz" "$work/serial.log" \
	"${KTEST_TIMEOUT:-300}" "ktest.kind=$kind" "ktest.seed=${KTEST_SEED:-0x5eed}" \
	"ktest.fuzz=${KTEST_FUZZ:-200000}" "slub_debug=${KTEST_SLUB_DEBUG:-FZPU}"
