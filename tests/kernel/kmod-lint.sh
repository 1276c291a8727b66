#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kmod-lint.sh KMOD_DIR: source rules of pasid.ko that a compiler does not check.
#  - messages get their "pasid: " prefix from pr_fmt (dev_fmt for pci_*/dev_*):
#    no format string starts with a hand-written "pasid: ", and every .c file
#    that prints defines pr_fmt before its first #include;
#  - a prototype of a kernel function in a .c file (a function the kernel
#    exports but declares only in a private header) carries a comment saying
#    why and for which kernel versions (a version number within the 8 lines
#    above it).
set -eu
dir=${1:?usage: kmod-lint.sh KMOD_DIR}
bad=0

if grep -nE '(pr_[a-z]+|pci_[a-z]+|dev_[a-z]+)\([^"]*"pasid: ' "$dir"/*.c "$dir"/core/*.c; then
	echo "FAIL: a hand-written \"pasid: \" prefix (lines above): use pr_fmt/dev_fmt"
	bad=1
fi
for f in "$dir"/*.c; do
	grep -qE '\b(pr_(err|warn|info|notice|debug)|pci_(err|warn|info)|dev_(err|warn|info))\(' "$f" ||
		continue
	first_inc=$(grep -n '^#include' "$f" | head -n 1 | cut -d: -f1)
	fmt=$(grep -n '^#define pr_fmt' "$f" | head -n 1 | cut -d: -f1)
	if [ -z "$fmt" ] || [ "$fmt" -gt "$first_inc" ]; then
		echo "FAIL: $f prints but does not define pr_fmt before its first #include"
		bad=1
	fi
done
# file-scope prototypes: a line that starts with a type, ends with ");" and is
# not static, not a macro, not inside a function (no leading whitespace)
for f in "$dir"/*.c; do
	grep -nE '^[a-z_][a-z0-9_ *]*[ *][a-z_][a-z0-9_]*\([^;{]*\);$' "$f" |
	grep -vE '^[0-9]+:(static|return|module_|MODULE_|EXPORT_|DEFINE_|late_|subsys_)' |
	while IFS=: read -r line _; do
		start=$((line > 8 ? line - 8 : 1))
		if ! sed -n "${start},$((line - 1))p" "$f" | grep -qE '/?\*.*\b[0-9]\.[0-9]+\b'; then
			echo "FAIL: $f:$line: a prototype without a comment naming the kernel versions:"
			sed -n "${line}p" "$f"
			echo x >> "$dir/.lint-bad.$$"
		fi
	done
done
if [ -e "$dir/.lint-bad.$$" ]; then
	rm -f "$dir/.lint-bad.$$"
	bad=1
fi
[ $bad -eq 0 ] && echo "kmod-lint: pr_fmt and prototype comments as required"
exit $bad
