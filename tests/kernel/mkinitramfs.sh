#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# mkinitramfs.sh OUT.cpio.gz [--init FILE | --no-init] [--ko FILE] [--ko-prod FILE]
#                [--bin FILE]... [--extra FILE]... [--file FILE]...
#
# Packs a test initramfs: busybox-static (with its applet links), /init,
# the module as /pasid.ko (a production build, --ko-prod, as /pasid-prod.ko), test binaries in /bin, extra tests (e.g. meson-built
# test executables or scripts; /init runs the ones listed in /extra/run.list)
# and their support files (--file: copied beside them, not run) in /extra,
# and the ldd closure (libraries and
# dynamic loader) of every dynamic binary at its host path and in /lib/ktest.
set -eu

out=${1:?usage: mkinitramfs.sh OUT.cpio.gz [options]}
shift
init= noinit=0 ko= koprod=
bins= extras= files=
while [ $# -gt 0 ]; do
	case $1 in
	--init) init=$2; shift 2 ;;
	--no-init) noinit=1; shift ;;
	--ko) ko=$2; shift 2 ;;
	--ko-prod) koprod=$2; shift 2 ;;
	--bin) bins="$bins $2"; shift 2 ;;
	--extra) extras="$extras $2"; shift 2 ;;
	--file) files="$files $2"; shift 2 ;;
	*) echo "mkinitramfs: unknown option $1" >&2; exit 2 ;;
	esac
done

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "mkinitramfs: busybox(-static) is missing" >&2; exit 1; }
if ldd "$busybox" >/dev/null 2>&1; then
	echo "mkinitramfs: $busybox is not static (install busybox-static)" >&2
	exit 1
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/pasid-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
	"$root/extra"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
# the kernel opens /dev/console before /init runs
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

if [ "$noinit" -eq 0 ]; then
	[ -n "$init" ] || { echo "mkinitramfs: --init or --no-init" >&2; exit 2; }
	cp "$init" "$root/init"
	chmod 755 "$root/init"
fi
[ -z "$ko" ] || cp "$ko" "$root/pasid.ko"
[ -z "$koprod" ] || cp "$koprod" "$root/pasid-prod.ko"

# copy_closure FILE: the dynamic loader and libraries FILE needs
copy_closure() {
	deps=$(ldd "$1" 2>/dev/null) || return 0	# static: nothing to add
	if echo "$deps" | grep -q 'not found'; then
		echo "mkinitramfs: $1: missing libraries:" >&2
		echo "$deps" | grep 'not found' >&2
		exit 1
	fi
	# libraries also go flat into /lib/ktest (the guest's LD_LIBRARY_PATH):
	# a build tree's relative rpath ($ORIGIN/../..) does not hold in /extra
	echo "$deps" | sed -n -e 's/.*=> \(\/[^ ]*\) .*/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' |
	while read -r lib; do
		copy_lib "$lib"
	done
	lazy_libs "$(echo "$deps" | sed -n 's/.*libpasid\.so[^ ]* => \(\/[^ ]*\) .*/\1/p')"
}

copy_lib() {
	mkdir -p "$root$(dirname "$1")" "$root/lib/ktest"
	cp -L "$1" "$root$1"
	cp -L "$1" "$root/lib/ktest/$(basename "$1")"
}

# lazy_libs LIBPASID: libpasid.so dlopen()s libnl-genl-3 and json-c on first
# use (lib/lazylib.h), which ldd cannot see: the SONAMEs written in the
# library go in too, with their own closures.
lazy_libs() {
	[ -n "$1" ] || return 0
	for so in $(grep -aoE 'lib(nl-genl-3|json-c)\.so\.[0-9]+' "$1" | sort -u); do
		path=$(ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }')
		[ -n "$path" ] || { echo "mkinitramfs: $so (dlopen()ed by $1) is not installed" >&2; exit 1; }
		copy_lib "$path"
		copy_closure "$path"
	done
}

for b in $bins; do
	cp -L "$b" "$root/bin/"
	copy_closure "$b"
done
: > "$root/extra/run.list"
for x in $extras; do
	cp -L "$x" "$root/extra/"
	chmod 755 "$root/extra/$(basename "$x")"
	basename "$x" >> "$root/extra/run.list"
	copy_closure "$x"
done
for f in $files; do
	cp -L "$f" "$root/extra/"
	copy_closure "$f"
done
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
