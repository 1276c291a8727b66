#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tests/packaging/install.sh MODE BUILD_ROOT SRC_ROOT VERSION
#
#   MODE destdir   meson install of BUILD_ROOT into a scratch DESTDIR
#   MODE prefix    a fresh build of SRC_ROOT configured with a scratch
#                  --prefix, then meson install into it
#   MODE kmod-files  DESTDIR install: the udev rule and the modules-load.d
#                  entry of the kernel shim must be installed too (issue 7)
#
# The installed files must be exactly the expected set (nothing missing,
# nothing stray): library with its SONAME links, the public headers, the
# pkg-config file (prefix and version right), pasidctl, its man page and
# bash completion. pasidctl --version must equal the installed library's
# pasid_version() and the project version, and a dynamically linked
# pasidctl must load the installed library.
set -euo pipefail
mode=$1 build=$2 src=$3 version=$4

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

opt() {	# the configured value of a directory option of build dir $1
	meson introspect --buildoptions "$1" |
		python3 -c "import json,sys; print(next(o['value'] for o in json.load(sys.stdin) if o['name']=='$2'))"
}

case $mode in
destdir|kmod-files)
	# not --no-rebuild: meson test builds only what tests depend on, and the
	# man page is no test dependency
	meson install -C "$build" --destdir "$tmp/root" --quiet >/dev/null
	bdir=$build
	prefix=$(opt "$bdir" prefix)
	root=$tmp/root$prefix
	;;
prefix)
	prefix=$tmp/prefix
	meson setup "$tmp/build" "$src" --prefix "$prefix" -Dtests=false -Dkernel_tests=false \
		>/dev/null || fail "meson setup with --prefix"
	meson compile -C "$tmp/build" >/dev/null || fail "build"
	bdir=$tmp/build
	# files meant for fixed system paths (udev rules.d, modules-load.d) would
	# land on this host: then stage the install under a DESTDIR instead
	outside=$(meson introspect --installed "$tmp/build" | python3 -c \
		"import json,sys; print(' '.join(p for p in json.load(sys.stdin).values() \
		 if not p.startswith(sys.argv[1] + '/')))" "$prefix")
	if [ -n "$outside" ]; then
		echo "outside the prefix, so staged under a DESTDIR: $outside"
		meson install -C "$tmp/build" --destdir "$tmp/stage" --quiet >/dev/null ||
			fail "meson install"
		root=$tmp/stage$prefix
	else
		meson install -C "$tmp/build" --quiet >/dev/null || fail "meson install"
		root=$prefix
	fi
	;;
*)
	fail "unknown mode $mode"
	;;
esac
libdir=$(opt "$bdir" libdir)
libdir=${libdir#"$prefix"/}

if [ "$mode" = kmod-files ]; then
	# where the shim's files go does not depend on the prefix (udev, systemd)
	rules=$(find "$tmp/root" -path '*/rules.d/*pasid*.rules' | head -n 1)
	load=$(find "$tmp/root" -path '*/modules-load.d/*pasid*.conf' | head -n 1)
	[ -n "$rules" ] || fail "the udev rule kmod/udev/70-pasid.rules is not installed"
	grep -q 'GROUP="pasid"' "$rules" || fail "$rules does not give /dev/pasid to group pasid"
	[ -n "$load" ] || fail "no modules-load.d entry for pasid is installed"
	grep -qx 'pasid' "$load" || fail "$load does not load pasid"
	echo "kmod files: ${rules#"$tmp/root"} ${load#"$tmp/root"}"
	exit 0
fi

cat > "$tmp/expected" <<EOT
bin/pasidctl
include/libpasid/devices.h
include/libpasid/pasid.h
include/libpasid/portal.h
include/libpasid/testing.h
include/libpasid/wq.h
$libdir/libpasid.so
$libdir/libpasid.so.0
$libdir/libpasid.so.$version
$libdir/pkgconfig/libpasid.pc
share/bash-completion/completions/pasidctl
share/man/man1/pasidctl.1
EOT
sort -o "$tmp/expected" "$tmp/expected"
# the shim's system files are checked by MODE kmod-files, wherever they go
(cd "$root" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort |
	grep -Ev '/(rules\.d|modules-load\.d)/') > "$tmp/installed"
# the shim's system files may live outside the prefix (checked by kmod-files)
if [ "$mode" = destdir ]; then
	(cd "$tmp/root" && find . \( -type f -o -type l \) | sed 's|^\./|/|' | sort) |
		grep -v "^$prefix/" | grep -Ev '/(rules\.d|modules-load\.d)/' > "$tmp/outside" || true
	[ ! -s "$tmp/outside" ] || fail "installed outside the prefix: $(cat "$tmp/outside")"
fi
if ! diff -u "$tmp/expected" "$tmp/installed" > "$tmp/diff"; then
	cat "$tmp/diff"
	fail "installed files differ from the expected set (- missing, + unexpected)"
fi

# the library: SONAME and its links
[ "$(readlink "$root/$libdir/libpasid.so")" = libpasid.so.0 ] || fail "libpasid.so link"
[ "$(readlink "$root/$libdir/libpasid.so.0")" = "libpasid.so.$version" ] || fail "libpasid.so.0 link"
readelf -d "$root/$libdir/libpasid.so.$version" | grep -q 'SONAME.*\[libpasid.so.0\]' ||
	fail "SONAME is not libpasid.so.0"

# pkg-config: the prefix it was installed to, the version
pc=$root/$libdir/pkgconfig/libpasid.pc
grep -qx "prefix=$prefix" "$pc" || fail "libpasid.pc: $(grep '^prefix=' "$pc"), installed for $prefix"
grep -qx "Version: $version" "$pc" || fail "libpasid.pc: $(grep '^Version:' "$pc") != $version"

# one version everywhere: project, library, pasidctl
export LD_LIBRARY_PATH=$root/$libdir
libver=$(python3 -c "import ctypes,sys; l=ctypes.CDLL(sys.argv[1]); f=l.pasid_version; \
f.restype=ctypes.c_char_p; print(f().decode())" "$root/$libdir/libpasid.so.0")
[ "$libver" = "$version" ] || fail "pasid_version() says $libver, the project $version"
ctlver=$("$root/bin/pasidctl" --version) || fail "pasidctl --version failed"
[ "$ctlver" = "$libver" ] || fail "pasidctl --version says \"$ctlver\", the library $libver"
if ldd "$root/bin/pasidctl" | grep -q 'libpasid\.so'; then
	ldd "$root/bin/pasidctl" | grep -q "libpasid.so.0 => $root/$libdir/" ||
		fail "pasidctl does not load the installed libpasid"
	linkage="dynamically linked to the installed libpasid"
else
	linkage="statically linked (libpasid.sym does not export the wq calls yet)"
fi

# documentation and completion
grep -qi '^\.TH "\?pasidctl' "$root/share/man/man1/pasidctl.1" || fail "pasidctl.1 is not a man page"
bash -n "$root/share/bash-completion/completions/pasidctl" || fail "completion: bash syntax"
grep -q 'complete .*pasidctl' "$root/share/bash-completion/completions/pasidctl" ||
	fail "completion does not register for pasidctl"

echo "install ($mode, prefix $prefix): $(wc -l < "$tmp/installed") files as expected;" \
     "version $version (library, pasidctl); pasidctl $linkage"
