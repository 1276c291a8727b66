#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/packaging/dkms.sh SRC_ROOT VERSION [KERNEL]
#
# The DKMS package of pasid.ko, exercised like a distribution does it:
# dkms add, build, install and remove kmod/ (with kmod/dkms.conf) for the
# installed Debian 6.1 kernel headers, in a scratch DKMS tree. Nothing of the
# host changes: --dkmstree/--sourcetree/--installtree point into a temporary
# directory, --no-depmod keeps depmod off /lib/modules, and the module
# signing key dkms would otherwise create in /var/lib/dkms is a scratch one.
#
# Checks: dkms.conf names the project version; the module is built, signed
# with the scratch key, installed under updates/dkms with the kernel's
# vermagic, reported "installed" by dkms status, it is not the test build (no
# mock or test parameter, no TEST_CMD or fail-nth symbol), depmod (on a
# scratch copy of the module directory) resolves it, and dkms remove takes it
# away again.
set -euo pipefail
src=$1 version=$2 kver=${3:-}

command -v dkms >/dev/null || { echo "dkms is not installed (Debian package dkms)"; exit 1; }
if [ -z "$kver" ]; then
	# the newest 6.1 kernel whose headers are installed (linux-headers-amd64)
	kver=$(ls -d /lib/modules/6.1.*/build 2>/dev/null | sed 's|/lib/modules/||; s|/build||' |
	       sort -V | tail -n 1)
fi
[ -n "$kver" ] && [ -e "/lib/modules/$kver/build/Makefile" ] ||
	{ echo "no kernel headers for a 6.1 kernel (linux-headers-amd64)"; exit 1; }

conf_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$src/kmod/dkms.conf")
[ "$conf_version" = "$version" ] ||
	{ echo "kmod/dkms.conf PACKAGE_VERSION \"$conf_version\" != project version $version"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/dkms" "$tmp/modules"
# what a source package ships: kmod/ as /usr/src/pasid-VERSION
cp -r "$src/kmod" "$tmp/src/pasid-$version"
find "$tmp/src/pasid-$version" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \
	-o -name modules.order -o -name Module.symvers \) -delete
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub
d=(dkms --dkmstree "$tmp/dkms" --sourcetree "$tmp/src" --installtree "$tmp/modules")

echo "== dkms add/build/install pasid/$version for $kver"
"${d[@]}" add -m pasid -v "$version"
"${d[@]}" build -m pasid -v "$version" -k "$kver" -j "$(nproc)" ||
	{ cat "$tmp/dkms/pasid/$version/build/make.log" 2>/dev/null | tail -n 40; exit 1; }
mkdir -p "$tmp/modules/$kver"
"${d[@]}" install -m pasid -v "$version" -k "$kver" --no-depmod
"${d[@]}" status -m pasid -v "$version" -k "$kver" | tee "$tmp/status"
grep -q "pasid/$version, $kver, x86_64: installed" "$tmp/status" ||
	{ echo "dkms status does not say installed"; exit 1; }

ko=$(find "$tmp/modules/$kver" -name 'pasid.ko*' | head -n 1)
[ -n "$ko" ] || { echo "pasid.ko was not installed under the install tree"; exit 1; }
case $ko in
*/updates/dkms/pasid.ko*) ;;
*) echo "installed at $ko, not under updates/dkms (DEST_MODULE_LOCATION)"; exit 1 ;;
esac
case $ko in
*.xz) xz -dk "$ko"; ko=${ko%.xz} ;;
*.zst) zstd -qd "$ko"; ko=${ko%.zst} ;;
*.gz) gzip -dk "$ko"; ko=${ko%.gz} ;;
esac
vermagic=$(modinfo -F vermagic "$ko")
echo "vermagic: $vermagic"
[ "${vermagic%% *}" = "$kver" ] || { echo "vermagic $vermagic is not for $kver"; exit 1; }
if [ -s "$tmp/mok.pub" ]; then
	signer=$(modinfo -F signer "$ko")
	[ -n "$signer" ] || { echo "dkms made a key but the module is not signed"; exit 1; }
	echo "signed by: $signer (scratch key)"
fi
[ "$(modinfo -F license "$ko")" = "GPL" ] || [ "$(modinfo -F license "$ko")" = "GPL v2" ] ||
	{ echo "license: $(modinfo -F license "$ko")"; exit 1; }

# what DKMS installs is not the test build (Kbuild PASID_TEST=y): no mock
# mode, no test parameters, no PASID_IOC_TEST_CMD handler, no fail-nth
parms=$(modinfo -F parm "$ko" | cut -d: -f1 | tr '\n' ' ')
echo "parameters: $parms"
for p in mock test_rids; do
	case " $parms " in
	*" $p "*) echo "the installed module has the test parameter $p"; exit 1 ;;
	esac
done
case " $parms " in
*" max_pasids_per_user "*) ;;
*) echo "modinfo lists no max_pasids_per_user: cannot read the module's parameters"; exit 1 ;;
esac
syms=$(nm "$ko" | awk '{ print $NF }')
echo "$syms" | grep -q '^pasid_fops_ioctl$' ||
	{ echo "nm shows no pasid_fops_ioctl: cannot inspect the module's symbols"; exit 1; }
for s in pasid_cmd_test pasid_should_fail pasid_source_mock pasid_mock; do
	if echo "$syms" | grep -qx "$s"; then
		echo "the installed module contains the test-build symbol $s"
		exit 1
	fi
done
echo "no test command: no mock/test_rids parameter, no TEST_CMD or fail-nth code"

# depmod against a scratch copy of the kernel's module directory
mkdir -p "$tmp/root/lib/modules/$kver"
cp /lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} "$tmp/root/lib/modules/$kver/" 2>/dev/null || true
cp -r "$tmp/modules/$kver/updates" "$tmp/root/lib/modules/$kver/"
depmod -b "$tmp/root" "$kver"
grep -q "updates/dkms/pasid.ko" "$tmp/root/lib/modules/$kver/modules.dep" ||
	{ echo "depmod does not list pasid.ko"; exit 1; }

echo "== dkms remove"
"${d[@]}" remove -m pasid -v "$version" --all --no-depmod
[ -z "$(find "$tmp/modules" -name 'pasid.ko*')" ] || { echo "dkms remove left the module"; exit 1; }
echo "dkms: pasid/$version built, signed, installed and removed for $kver in a scratch tree"
