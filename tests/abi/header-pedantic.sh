#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The public headers compile alone, as C99 and C11, with -pedantic -Werror.
set -eu
cc=${CC:-cc}
inc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for h in pasid.h portal.h wq.h devices.h testing.h; do
	printf '#include <libpasid/%s>\nint main(void) { return 0; }\n' "$h" >"$tmp/t.c"
	for std in c99 c11; do
		"$cc" -std=$std -pedantic -Werror -Wall -Wextra -I"$inc" -c "$tmp/t.c" -o "$tmp/t.o"
		echo "ok: libpasid/$h with -std=$std -pedantic -Werror"
	done
done
