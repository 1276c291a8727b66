#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# debian-mirror.sh: print the Debian mirror URL the system's apt sources use
# (deb822 or one-line format), or deb.debian.org if none is found.
cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources 2>/dev/null |
	sed -n -e 's|^URIs:[[:space:]]*\(http[^[:space:]]*/debian\)/*$|\1|p' \
	       -e 's|^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\(http[^[:space:]]*/debian\)/*[[:space:]].*|\2|p' |
	head -n 1 | grep . || echo http://deb.debian.org/debian
