#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kernel-cli.sh - pasidctl against pasid.ko in mock mode (the kernel suite
# runs this in the guest).
#
# Usage: kernel-cli.sh [PASIDCTL [WORKDIR]]
# PASIDCTL defaults to a pasidctl beside this script, else the one in PATH.
# Needs: root, pasid.ko loaded with mock=1, a POSIX sh with grep (busybox is
# enough), and nothing else holding PASIDs on the mock RIDs 0000:f0:*.
# Prints TAP-like "ok - ..." / "not ok - ..." lines; exit 0 when all pass.
#
# Covered: the kernel backend is used (never the sim), mock RIDs through
# "rids --mock-add", "list" (genl dump) seen from inside "alloc -- COMMAND"
# with the PASID in $PASID, COMMAND's exit status, release when pasidctl
# exits, EBUSY/ERANGE/ENOENT errors that name the object, and
# "monitor --count N" receiving the alloc/free events of other processes, and
# a holder ("alloc --hold") that free and extend of other processes reach, and
# doctor on the guest's real /proc and /sys.
set -u
here=$(dirname "$0")
if [ $# -ge 1 ]; then
	P=$1
elif [ -x "$here/pasidctl" ]; then
	P=$here/pasidctl
else
	P=pasidctl
fi
W=${2:-/tmp/kernel-cli.$$}
mkdir -p "$W" || exit 1
R1=0000:f0:00.0
R2=0000:f0:00.1
R3=0000:f0:01.0
fails=0
n=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; fails=$((fails + 1)); }
t() {
	desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		nok "$desc"
		return 1
	fi
}
show() { sed 's/^/# /' "$@"; }

# 1. the kernel backend, in mock mode; LIBPASID_BACKEND=sim must not matter
LIBPASID_BACKEND=sim "$P" -v list >"$W/l0" 2>"$W/l0.err"
t "list runs on the kernel backend (rc $?)" grep -q "backend: kernel (mock)" "$W/l0.err" ||
	show "$W/l0.err"

# 2. mock RIDs
"$P" rids --mock-add "$R1,$R2" --width 20 >"$W/rids" 2>&1
t "rids --mock-add (rc $?)" grep -q "^$R1 .* 20 .*yes" "$W/rids" || show "$W/rids"
"$P" rids --mock-add "$R3" --width 8 >"$W/rids8" 2>&1
t "rids --mock-add --width 8" grep -q "^$R3 .*  8 " "$W/rids8" || show "$W/rids8"

# 3. a monitor in the background, started after the RIDs exist
"$P" monitor --count 4 --timeout 60 >"$W/mon" 2>&1 &
mon=$!
i=0
while ! grep -q "^EVENT" "$W/mon" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 1
	i=$((i + 1))
done
t "monitor subscribed" grep -q "^EVENT" "$W/mon"

# 4. alloc -- COMMAND: the child sees the PASID in $PASID and in "list"
"$P" alloc --rids "$R1,$R2" -- sh -c "\"$P\" list >\"$W/list\" 2>&1; echo \"\$PASID\" >\"$W/pasid\""
rc=$?
pasid=$(cat "$W/pasid" 2>/dev/null)
t "alloc --rids -- COMMAND exits 0 (rc $rc)" [ "$rc" -eq 0 ]
t "COMMAND got PASID=$pasid" [ "${pasid:-0}" -gt 0 ]
t "list inside COMMAND shows PASID $pasid on $R1,$R2" \
	grep -Eq "^ *$pasid +group .*$R1,$R2" "$W/list" || show "$W/list"

# 5. --exact and --json list
"$P" alloc --rids "$R1" --exact 77 -- sh -c "\"$P\" --json list >\"$W/list.json\""
t "alloc --exact 77 (rc $?)" grep -q '"pasid": 77' "$W/list.json" || show "$W/list.json"
t "list --json: intent group" grep -q '"intent": "group"' "$W/list.json"

# 6. COMMAND's exit status comes back; the global ENQCMD intent
"$P" -q alloc --global-enqcmd -- sh -c 'exit 7' >"$W/g" 2>&1
rc=$?
t "alloc --global-enqcmd -- COMMAND returns COMMAND's status 7 (rc $rc)" [ "$rc" -eq 7 ] ||
	show "$W/g"

# 7. released when pasidctl exits
"$P" list >"$W/after" 2>&1
t "PASID $pasid released after alloc exited" sh -c "! grep -Eq '^ *$pasid +group' '$W/after'" ||
	show "$W/after"

# 8. errors name the object and the reason; exit 1
"$P" alloc --rids "$R1" --exact 77 -- "$P" alloc --rids "$R1" --exact 77 >"$W/busy" 2>&1
rc=$?
t "a second exact 77 on $R1 fails (rc $rc)" [ "$rc" -eq 1 ]
t "... with EBUSY naming the RID" grep -q "$R1.*(EBUSY)" "$W/busy" || show "$W/busy"
"$P" alloc --rids "$R3" --exact 300 >"$W/range" 2>&1
rc=$?
t "exact 300 on an 8-bit RID fails with ERANGE (rc $rc)" grep -q "(ERANGE)" "$W/range" ||
	show "$W/range"
"$P" free 77 >"$W/free" 2>&1
rc=$?
t "free of a PASID this process does not hold: rc 1, PASID 77 named" \
	sh -c "[ $rc -eq 1 ] && grep -q '^pasidctl: PASID 77: ' '$W/free'" || show "$W/free"
"$P" alloc --rids 0000:f0:1f.7 >"$W/nodev" 2>&1
t "alloc on an unknown RID: ENODEV" grep -q "(ENODEV)" "$W/nodev" || show "$W/nodev"

# 9. the monitor saw the other processes' events and stopped after 4
wait $mon
rc=$?
t "monitor --count 4 exits 0 (rc $rc)" [ "$rc" -eq 0 ]
nev=$(grep -Ec '^(alloc|free|extend|attach|detach) ' "$W/mon")
t "monitor printed 4 events ($nev)" [ "$nev" -eq 4 ] || show "$W/mon"
t "monitor saw the alloc of PASID $pasid" grep -Eq "^alloc +$pasid +group" "$W/mon"
t "monitor saw its free" grep -Eq "^free +$pasid " "$W/mon"

# 10. a holder on the kernel backend: alloc --hold keeps the PASID across
# processes; free and extend from other processes reach it through its socket
# in /run/pasidctl (root, no XDG_RUNTIME_DIR; this initramfs has no /run)
mkdir -p /run
unset XDG_RUNTIME_DIR
"$P" -q alloc --rids "$R1" --exact 300 --hold >"$W/hold" 2>"$W/hold.err" &
hp=$!
i=0
while ! grep -q '^[0-9]' "$W/hold" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.2
	i=$((i + 1))
done
hv=$(head -n 1 "$W/hold")
t "alloc --exact 300 --hold prints PASID ${hv:-none}" [ "${hv:-0}" -eq 300 ] ||
	show "$W/hold.err"
t "holder socket /run/pasidctl/holder-$hp.sock" [ -S "/run/pasidctl/holder-$hp.sock" ]
"$P" list >"$W/hl" 2>&1
t "list shows PASID $hv held on $R1 after alloc returned" \
	grep -Eq "^ *$hv +group .*$R1" "$W/hl" || show "$W/hl"
"$P" extend "$hv" "$R2" >"$W/ext" 2>&1
rc=$?
t "extend $hv $R2 through the holder (rc $rc)" grep -q "extended by its holder, pasidctl pid $hp" \
	"$W/ext" || show "$W/ext"
"$P" list >"$W/hl2" 2>&1
t "list shows the group $R1,$R2" grep -Eq "^ *$hv +group .*$R1,$R2" "$W/hl2" || show "$W/hl2"
"$P" extend "$hv" "$R3" >"$W/ext8" 2>&1
rc=$?
t "extend 300 to the 8-bit RID: ERANGE, said once (rc $rc)" \
	grep -q "^pasidctl: PASID 300 on $R3: cannot extend: .*(ERANGE)$" "$W/ext8" || show "$W/ext8"
# EBUSY: a second holder has 10 on $R2; COMMAND's holder (the one in
# $PASIDCTL_HOLDER, although two hold 10) cannot take $R2 into its group
"$P" -q alloc --rids "$R2" --exact 10 --hold >"$W/hold10" 2>&1 &
hp10=$!
i=0
while ! grep -q '^10$' "$W/hold10" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.2
	i=$((i + 1))
done
"$P" alloc --rids "$R3" --exact 10 -- "$P" extend 10 "$R2" >"$W/busy" 2>&1
rc=$?
t "extend into a value another holder uses on $R2: EBUSY (rc $rc)" \
	grep -q "^pasidctl: PASID 10 on $R2: cannot extend: .*(EBUSY)$" "$W/busy" || show "$W/busy"
"$P" free 10 >"$W/free10" 2>&1
t "free 10 from another process (rc $?)" grep -q "freed by its holder, pasidctl pid $hp10" \
	"$W/free10" || show "$W/free10"
wait $hp10
rc=$?
t "the holder of 10 exits 0 once freed (rc $rc)" [ "$rc" -eq 0 ]
kill -TERM $hp
wait $hp
rc=$?
t "SIGTERM releases PASID $hv, holder exits 0 (rc $rc)" [ "$rc" -eq 0 ] || show "$W/hold.err"
"$P" list >"$W/hl3" 2>&1
t "PASID $hv gone after its holder ended" sh -c "! grep -Eq '^ *$hv +group' '$W/hl3'" ||
	show "$W/hl3"
t "holder sockets removed" sh -c "! ls /run/pasidctl/holder-* 2>/dev/null"
"$P" free "$hv" >"$W/free2" 2>&1
t "free with no holder: ENOENT naming PASID $hv" \
	grep -q "^pasidctl: PASID $hv: no pasidctl of this user holds it on the kernel backend" \
	"$W/free2" || show "$W/free2"

# 11. doctor on the guest's own /proc and /sys: a VM, QEMU's VT-d unit, the
# test build of pasid.ko in mock mode, and what this kernel does about SVA on
# x86 (the 6.12.95..6.12.116 stable kernels turn it off)
"$P" doctor >"$W/doc" 2>&1
rc=$?
t "doctor exits 0 or 1 (rc $rc)" [ "$rc" -le 1 ] || show "$W/doc"
t "doctor: a virtual machine" grep -q "^  info  cpu.vm " "$W/doc" || show "$W/doc"
t "doctor: QEMU's VT-d unit decoded" grep -Eq "^  (ok|warn|fail) +iommu\.dmar[0-9]+ +dmar" \
	"$W/doc" || show "$W/doc"
t "doctor: the test build of pasid.ko in mock mode" \
	grep -q "shim.module .*TEST build in mock mode" "$W/doc" || show "$W/doc"
t "doctor: one line per submission path" \
	sh -c "[ \$(grep -Ec '^  (shared WQ|dedicated WQ|write\(2\))' '$W/doc') -eq 3 ]" ||
	show "$W/doc"
sub=$(sed -n 's/.* Debian 6\.12\.\([0-9][0-9]*\).*/\1/p' /proc/version)
if [ -n "$sub" ] && [ "$sub" -ge 95 ] && [ "$sub" -lt 117 ] &&
	! grep -q 'CONFIG_ASYNC_KERNEL_PGTABLE_FREE=y' "/boot/config-$(uname -r)" 2>/dev/null; then
	t "doctor: Linux 6.12.$sub turns SVA off on x86" \
		grep -q "^  fail  kernel.sva .*disable SVA when CONFIG_X86" "$W/doc" || show "$W/doc"
else
	t "doctor: $(uname -r) allows SVA on x86" grep -q "^  ok    kernel.sva " "$W/doc" ||
		show "$W/doc"
fi

# 12. no message above said its operation twice ("cannot free: free: ...")
t "no error message repeats its operation" sh -c "! grep -ls 'cannot \\([a-z]*\\): \\1: ' \"$W\"/*"

# 13. clean up
"$P" rids --mock-remove "$R1,$R2,$R3" >"$W/rm" 2>&1
t "rids --mock-remove (rc $?)" sh -c "! grep -q '^0000:f0:' '$W/rm'" || show "$W/rm"

echo "1..$n"
[ $fails -eq 0 ] && echo "# kernel-cli: all $n passed" || echo "# kernel-cli: $fails of $n failed"
[ $fails -eq 0 ]
