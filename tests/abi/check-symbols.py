#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The shared library exports exactly the symbols of the version script, each
in a stanza of the map, and nothing else."""
import re
import subprocess
import sys

lib, mapfile = sys.argv[1], sys.argv[2]
text = re.sub(r'/\*.*?\*/', '', open(mapfile).read(), flags=re.S)
want = {}
for m in re.finditer(r'(LIBPASID_[0-9_.A-Z]+)\s*\{(.*?)\}', text, flags=re.S):
    body = m.group(2)
    glob = body.split('local:')[0].replace('global:', '')
    for name in re.findall(r'([A-Za-z_][A-Za-z0-9_]*)\s*;', glob):
        want[name] = m.group(1)

out = subprocess.run(['nm', '-D', '--defined-only', lib], check=True,
                     capture_output=True, text=True).stdout
have = {}
for line in out.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in 'TDBRVW':
        name, _, ver = parts[2].partition('@')
        if name.startswith('LIBPASID_'):
            continue
        have[name] = ver.lstrip('@')

missing = sorted(set(want) - set(have))
extra = sorted(set(have) - set(want))
wrong = sorted(n for n in want if n in have and have[n] != want[n])
for n in missing:
    print(f'missing from {lib}: {n} (listed in the map)')
for n in extra:
    print(f'exported but not in the map: {n}')
for n in wrong:
    print(f'{n}: version {have[n]}, map says {want[n]}')
print(f'{len(have)} exported, {len(want)} in the map')
sys.exit(1 if missing or extra or wrong or not want else 0)
