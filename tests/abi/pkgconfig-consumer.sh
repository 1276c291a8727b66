#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install the build into a scratch DESTDIR, then build and run an external
# program with nothing but `pkg-config --cflags --libs libpasid`.
set -eu
build=$1 src=$2 version=$3
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >/dev/null
pcdir=$(dirname "$(find "$tmp/root" -name libpasid.pc | head -n1)")
[ -f "$pcdir/libpasid.pc" ] || { echo "libpasid.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$tmp/root"
flags=$(pkg-config --cflags --libs libpasid)
echo "pkg-config --cflags --libs libpasid: $flags"
"$cc" -std=c11 -Wall -Wextra -Werror -DEXPECTED_VERSION="\"$version\"" "$src" -o "$tmp/consumer" $flags
libdir=$(dirname "$(find "$tmp/root" -name 'libpasid.so.0' | head -n1)")
# the program must load the installed copy, not the build tree's
LD_LIBRARY_PATH="$libdir" ldd "$tmp/consumer" | grep -q "$tmp/root" || { echo "not linked against the installed copy"; exit 1; }
LD_LIBRARY_PATH="$libdir" "$tmp/consumer"
