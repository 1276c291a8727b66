#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-encodings.sh OBJDUMP BINARY - the compiled portal.h wrappers in BINARY
# (test-wq-portal: do_enqcmd, do_movdir64b, do_umwait) contain the exact
# instruction bytes, each submission preceded by SFENCE.
set -eu
objdump=$1
bin=$2
fail=0

check() {	# function, hex bytes as objdump prints them, mnemonic
	body=$("$objdump" -d "$bin" |
		awk -v f="<$1>:" '$2 == f { on = 1; next } on && /^$/ { exit } on { print }')
	if printf '%s\n' "$body" | grep -q "	$2 *	"; then
		echo "ok: $1 has $2 ($3)"
	else
		echo "FAIL: $1 lacks $2 ($3)"
		fail=1
	fi
}

check do_enqcmd "f2 0f 38 f8 02" "enqcmd (%rdx),%rax"
check do_enqcmd "0f ae f8" "sfence"
check do_movdir64b "66 0f 38 f8 02" "movdir64b (%rdx),%rax"
check do_movdir64b "0f ae f8" "sfence"
check do_umwait "f3 0f ae f0" "umonitor %rax"
check do_umwait "f2 0f ae f1" "umwait %ecx"
exit $fail
