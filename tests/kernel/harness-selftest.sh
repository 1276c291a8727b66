#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# harness-selftest.sh SCENARIO WORKDIR
#
# Shows that run-qemu.sh decides correctly, on Debian's 6.1 kernel:
#   control  the guest prints a PASS verdict with the nonce -> harness passes
#   fail     the guest prints a FAIL verdict                -> harness fails
#   forged   "PASS" without this boot's nonce               -> harness fails
#   noinit   initramfs without /init: kernel panic          -> harness fails
#   timeout  the guest hangs                                -> harness fails
#   splat    a WARNING in dmesg (the guest's own check)     -> harness fails
# Exit 0 iff the harness did what it should, for the right reason.
set -u

here=$(cd "$(dirname "$0")" && pwd)
scenario=${1:?usage: harness-selftest.sh control|fail|forged|noinit|timeout|splat WORKDIR}
work=${2:?}
mkdir -p "$work"

kver=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
       sed -n 's/.*linux-image-\([0-9][^ ,]*-amd64\).*/\1/p')
[ -n "$kver" ] || { echo "FAIL: linux-image-amd64 is not installed" >&2; exit 1; }
vmlinuz=/boot/vmlinuz-$kver

tmo=120
args=
want_rc=1
case $scenario in
control) args=ktest.force=pass; want_rc=0; want="^PASS:" ;;
fail) args=ktest.force=fail; want="the guest reported FAIL" ;;
forged) args=ktest.force=nononce; want="no verdict with this boot's nonce" ;;
noinit) want="kernel panic" ;;
timeout) args=ktest.force=hang; tmo=25; want="timeout after" ;;
splat) args=ktest.force=splat; want="KTEST-FAIL dmesg has a kernel splat" ;;
*) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac

if [ "$scenario" = noinit ]; then
	"$here/mkinitramfs.sh" "$work/initramfs.cpio.gz" --no-init || exit 1
else
	"$here/mkinitramfs.sh" "$work/initramfs.cpio.gz" --init "$here/init.sh" || exit 1
fi

# shellcheck disable=SC2086
out=$("$here/run-qemu.sh" "$vmlinuz" "$work/initramfs.cpio.gz" "$work/serial.log" "$tmo" $args)
rc=$?
echo "$out" | tail -n 5
if [ $rc -ne $want_rc ]; then
	echo "SELFTEST FAIL: scenario $scenario: harness exit $rc, want $want_rc"
	exit 1
fi
if ! echo "$out" | grep -q -- "$want"; then
	echo "$out"
	echo "SELFTEST FAIL: scenario $scenario: harness gave the wrong reason (want '$want')"
	exit 1
fi
echo "SELFTEST OK: scenario $scenario: harness exit $rc for the right reason"
exit 0
