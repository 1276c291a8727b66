#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# fetch-kernel.sh CACHE_DIR SUITE
#
# Fetch the kernel image and headers of the "linux-image-amd64" metapackage
# of a Debian suite (e.g. bookworm-backports) with a PRIVATE apt sources list
# and state directory (the system's apt configuration is never touched),
# unpack them with dpkg -x under CACHE_DIR/SUITE/root and print, on the last
# line of stdout, "KVER=<version>".
#
# The mirror URL is taken from the system's sources (deb822 or one-line).
# Idempotent: a completed fetch (CACHE_DIR/SUITE/.done) is reused.
set -eu

cache=${1:?usage: fetch-kernel.sh CACHE_DIR SUITE}
suite=${2:?usage: fetch-kernel.sh CACHE_DIR SUITE}
dir=$cache/$suite
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

if [ -f "$dir/.done" ]; then
	echo "KVER=$(cat "$dir/.done")"
	exit 0
fi

mirror=$("$(dirname "$0")/debian-mirror.sh")
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/debs"
cat > "$dir/apt/sources.list" <<SRC
deb [signed-by=$keyring] $mirror $suite main
deb [signed-by=$keyring] $mirror bookworm main
SRC
: > "$dir/apt/status"

aptopts="-o Dir::Etc::SourceList=$dir/apt/sources.list
	 -o Dir::Etc::SourceParts=/dev/null
	 -o Dir::State::Lists=$dir/apt/lists
	 -o Dir::State::Status=$dir/apt/status
	 -o Dir::Cache=$dir/apt/cache
	 -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
	 -o APT::Default-Release=$suite
	 -o Debug::NoLocking=1 -o APT::Sandbox::User=root"

# shellcheck disable=SC2086
apt-get -qq $aptopts update >&2

# shellcheck disable=SC2086
dep=$(apt-cache $aptopts show "linux-image-amd64/$suite" 2>/dev/null |
      sed -n 's/^Depends:.*\(linux-image-[0-9][^ ,]*-amd64\).*/\1/p' | head -n 1)
[ -n "$dep" ] || { echo "fetch-kernel: no linux-image-amd64 in $suite" >&2; exit 1; }
kver=${dep#linux-image-}
kbase=${kver%-amd64}
# linux-kbuild-<major.minor> comes from the headers' Depends
# shellcheck disable=SC2086
kbuild=$(apt-cache $aptopts show "linux-headers-$kver" 2>/dev/null |
	 sed -n 's/^Depends:.*\(linux-kbuild-[0-9][^ ,(]*\).*/\1/p' | head -n 1)
[ -n "$kbuild" ] || { echo "fetch-kernel: no kbuild dependency for $kver" >&2; exit 1; }

cd "$dir/debs"
# the image may be the signed variant's unsigned twin: take either
# shellcheck disable=SC2086
apt-get -qq $aptopts download "linux-image-$kver" "linux-headers-$kver" \
	"linux-headers-$kbase-common" "$kbuild" >&2 ||
	{ apt-get -qq $aptopts download "linux-image-$kver-unsigned" \
		"linux-headers-$kver" "linux-headers-$kbase-common" "$kbuild" >&2; }

rm -rf "$dir/root"
mkdir -p "$dir/root"
for deb in ./*.deb; do
	dpkg -x "$deb" "$dir/root"
done
# the headers point at /usr/src: rebase them into the cache
sed -i "s|/usr/src/|$dir/root/usr/src/|g" "$dir/root/usr/src/linux-headers-$kver/Makefile"
ln -sfn "$dir/root/usr/src/linux-headers-$kver" "$dir/build"
[ -f "$dir/root/boot/vmlinuz-$kver" ] ||
	{ echo "fetch-kernel: no vmlinuz-$kver in the packages" >&2; exit 1; }
echo "$kver" > "$dir/.done"
echo "KVER=$kver"
