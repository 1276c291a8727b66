#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# libpasid.so must not depend on libnl or json-c: they are dlopen()ed by the
# parts that need them (kernel listings and events, topology files).
set -eu
needed=$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "NEEDED: $(echo $needed)"
if echo "$needed" | grep -Eq '^(libnl|libjson-c)'; then
	echo "FAIL: $1 links $(echo "$needed" | grep -E '^(libnl|libjson-c)' | tr '\n' ' ')"
	exit 1
fi
