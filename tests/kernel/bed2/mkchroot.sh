#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# mkchroot.sh CACHE_DIR
#
# Test bed 2's tool chroot: a debootstrapped Debian sid (minbase) holding
# QEMU (sid's qemu-system-x86: its vfio-user-pci device is what presents the
# emulated PASID-capable functions; it needs sid's glibc, hence the chroot),
# busybox-static, kmod, cpio, make, gcc, and for each kernel of the bed the
# headers (installed by apt with that kernel's own compiler as a dependency)
# and the image:
#   sid           the kernel linux-image-amd64 in sid depends on (7.x)
#   experimental  the same in experimental (the next release candidate)
#   trixie        the same in trixie (Debian 13, 6.12)
# Versions are read from each suite's metapackage, never written here.
# Images go to ROOT/kernels/SUITE/vmlinuz-VERSION, the version to
# ROOT/kernels/SUITE/kver.
#
# The chroot is built in CACHE_DIR/sid-chroot.new, renamed to
# CACHE_DIR/sid-chroot and marked complete with .done: an interrupted build
# is thrown away and redone. Concurrent callers wait on a lock. Prints
# "ROOT=<dir>" on the last line. Any failure exits non-zero.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: mkchroot.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
root=$cache/sid-chroot
new=$cache/sid-chroot.new

exec 9>"$cache/sid-chroot.lock"
flock 9

chroot_complete() {
	[ -f "$root/.done" ] || return 1
	for s in sid experimental trixie; do
		[ -s "$root/kernels/$s/kver" ] || return 1
		k=$(cat "$root/kernels/$s/kver")
		[ -r "$root/kernels/$s/vmlinuz-$k" ] || return 1
		[ -f "$root/usr/src/linux-headers-$k/Makefile" ] || return 1
	done
	[ -x "$root/usr/bin/qemu-system-x86_64" ]
}

if chroot_complete; then
	echo "ROOT=$root"
	exit 0
fi

# never delete a tree something is mounted in (chroot-run.sh mounts in a
# private namespace, so this only guards against foreign mounts)
for d in "$root" "$new"; do
	if grep -q " $d/" /proc/self/mounts; then
		echo "mkchroot: something is mounted under $d; not deleting it" >&2
		exit 1
	fi
done
rm -rf "$new" "$root"
t0=$(date +%s)
mirror=$("$here/../debian-mirror.sh")

# debootstrap from bookworm's package, unpacked (not installed)
tools=$cache/debootstrap
rm -rf "$tools"
mkdir -p "$tools/deb"
# the system's package lists, else (none or stale) a private bookworm list
if ! (cd "$tools/deb" && apt-get -qq -o APT::Sandbox::User=root download debootstrap) \
	2>/dev/null; then
	mkdir -p "$tools/lists/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main" \
		> "$tools/sources.list"
	aptopts="-o Dir::Etc::SourceList=$tools/sources.list -o Dir::Etc::SourceParts=/dev/null
		 -o Dir::State::Lists=$tools/lists -o Dir::Cache::pkgcache=
		 -o Dir::Cache::srcpkgcache= -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	apt-get -qq $aptopts update && (cd "$tools/deb" && apt-get -qq $aptopts download debootstrap) ||
		{ echo "mkchroot: cannot download bookworm's debootstrap" >&2; exit 1; }
fi
dpkg -x "$tools"/deb/debootstrap_*.deb "$tools/root"
echo "# debootstrap sid from $mirror" >&2
if ! DEBOOTSTRAP_DIR=$tools/root/usr/share/debootstrap \
	"$tools/root/usr/sbin/debootstrap" --variant=minbase \
	--keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
	sid "$new" "$mirror" >"$cache/debootstrap.log" 2>&1; then
	tail -n 30 "$cache/debootstrap.log" >&2
	echo "mkchroot: debootstrap failed (log: $cache/debootstrap.log)" >&2
	exit 1
fi
t1=$(date +%s)
echo "# debootstrap took $((t1 - t0))s" >&2

cat > "$new/etc/apt/sources.list" <<SRC
deb $mirror sid main
deb $mirror experimental main
deb $mirror trixie main
SRC
# the mirror's sid Release can be past its Valid-Until date
cat > "$new/etc/apt/apt.conf.d/90ktest" <<'CONF'
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
Acquire::Languages "none";
Dpkg::Options { "--force-unsafe-io"; };
CONF
printf '#!/bin/sh\nexit 101\n' > "$new/usr/sbin/policy-rc.d"
chmod 755 "$new/usr/sbin/policy-rc.d"

cat > "$new/root/provision.sh" <<'PROV'
set -eu
apt-get -qq update
# kver SUITE: the kernel version the suite's linux-image-amd64 depends on
kver() {
	apt-cache show "linux-image-amd64/$1" 2>/dev/null |
		sed -n 's/^Depends:.*linux-image-\([0-9][^ ,]*-amd64\)\(-unsigned\)\?\([ ,].*\)\?$/\1/p' |
		head -n 1
}
for s in sid experimental trixie; do
	k=$(kver $s)
	[ -n "$k" ] || { echo "provision: no linux-image-amd64 in $s" >&2; exit 1; }
	mkdir -p /kernels/$s
	echo "$k" > /kernels/$s/kver.new
	echo "# $s: $k" >&2
done
ksid=$(cat /kernels/sid/kver.new)
kexp=$(cat /kernels/experimental/kver.new)
ktri=$(cat /kernels/trixie/kver.new)
# a suite's headers depend on that kernel's compiler (and, in trixie, its
# image): one apt run resolves them all, taking each from the suite named;
# no initramfs is ever needed here
dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs
ln -sf /bin/true /usr/sbin/update-initramfs
echo "# $(date +%T) apt-get install" >&2
apt-get -y -qq install qemu-system-x86 busybox-static kmod cpio make gcc \
	"linux-headers-$ksid" "linux-headers-$kexp/experimental" \
	"linux-headers-$ktri/trixie" >/dev/null
echo "# $(date +%T) kernel images" >&2
for s in sid experimental trixie; do
	k=$(cat /kernels/$s/kver.new)
	cd /kernels/$s
	if [ -r "/boot/vmlinuz-$k" ]; then
		cp "/boot/vmlinuz-$k" .
	else
		# 7.x: the image is usr/lib/modules/VERSION/vmlinuz in
		# linux-binary-VERSION; earlier boot/vmlinuz-VERSION in linux-image-*
		apt-get -qq download "linux-binary-$k/$s" 2>/dev/null ||
			apt-get -qq download "linux-image-$k/$s"
		deb=$(ls ./linux-*.deb)
		dpkg-deb --fsys-tarfile "$deb" | tar -x --wildcards --transform='s|.*/||' \
			'*/vmlinuz*'
		rm -f "$deb"
		[ ! -r vmlinuz ] || mv vmlinuz "vmlinuz-$k"
	fi
	[ -r "vmlinuz-$k" ] || { echo "provision: no vmlinuz-$k in $s" >&2; exit 1; }
	mv kver.new kver
done
apt-get clean
echo "# $(date +%T) provisioned" >&2
PROV
if ! "$here/chroot-run.sh" "$new" sh /root/provision.sh >"$cache/provision.log" 2>&1; then
	tail -n 30 "$cache/provision.log" >&2
	echo "mkchroot: provisioning the chroot failed (log: $cache/provision.log)" >&2
	exit 1
fi
grep '^#' "$cache/provision.log" >&2 || true
rm -rf "$tools"
mv "$new" "$root"
date -u +%FT%TZ > "$root/.done"
chroot_complete || { echo "mkchroot: the finished chroot is incomplete" >&2; exit 1; }
echo "# chroot built in $(($(date +%s) - t0))s (debootstrap $((t1 - t0))s)" >&2
echo "ROOT=$root"
