#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# chroot-run.sh ROOT CMD [ARGS...]
#
# Runs CMD inside the chroot ROOT with /proc, /sys and /dev mounted, in a
# private mount namespace: the mounts vanish with the process, so parallel
# runs and an interrupted run leave nothing mounted under ROOT (mkchroot.sh
# may then delete ROOT safely).
set -eu
root=${1:?usage: chroot-run.sh ROOT CMD [ARGS...]}
shift
exec unshare --mount --propagation private sh -eu -c '
	root=$1; shift
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --rbind /dev "$root/dev"
	exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
' chroot-run "$root" "$@"
