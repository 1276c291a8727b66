#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""pasidctl --json: every command prints exactly one JSON document on stdout;
the fields are checked one by one (SIMULATED platform, built-in topology)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import check, finish, run  # noqa: E402

P = sys.argv[1]
SIM_RIDS = ['0000:00:04.0', '0000:6a:01.0', '0000:6a:02.0', '0000:e7:01.0', '0000:e7:02.0']


def doc(args, rc=0, env=None):
    code, out, err = run(P, args, env)
    check(code == rc, '%s: exit %d, wanted %d (stderr: %s)' % (args, code, rc, err.strip()))
    try:
        d = json.loads(out)
    except ValueError as e:
        check(False, '%s: stdout is not one JSON document: %s: %r' % (args, e, out[:200]))
        return {}
    check(isinstance(d, dict), '%s: the document is an object' % args)
    return d


def sim_header(d, what):
    check(d.get('backend') == 'sim (simulated)', what + ': backend')
    check(d.get('simulated') is True, what + ': simulated')
    check(d.get('topology') == 'built-in', what + ': topology')


d = doc(['--sim', '--json', 'rids'])
sim_header(d, 'rids')
rids = d.get('rids', [])
check([r.get('rid') for r in rids] == SIM_RIDS, 'rids: the five simulated RIDs, sorted')
for r in rids:
    check(r.get('mock') is True, 'rids: %s mock' % r.get('rid'))
    check(r.get('group_pasids') == 0 and r.get('attached') == 0, 'rids: counters zero')
    w = 8 if r.get('rid') == '0000:00:04.0' else 20
    check(r.get('width') == w and r.get('max_pasid') == (1 << w) - 1, 'rids: width %d' % w)
check([r.get('device') for r in rids] == ['', 'dsa0', 'iax1', 'dsa2', 'iax3'], 'rids: devices')

d = doc(['--sim', 'list', '--json'])   # --json after the command works too
sim_header(d, 'list')
check(d.get('allocations') == [], 'list: empty on a fresh simulated platform')

d = doc(['--sim', '--json', 'devices'])
sim_header(d, 'devices')
pci = d.get('pci', [])
check(len(pci) == 5, 'devices: 5 PCI functions')
dsa0 = [p for p in pci if p.get('rid') == '0000:6a:01.0']
check(len(dsa0) == 1 and dsa0[0].get('vendor') == 0x8086 and dsa0[0].get('device') == 0x0b25
      and dsa0[0].get('pasid_width') == 20 and dsa0[0].get('pasid_enabled') is True
      and dsa0[0].get('simulated') is True, 'devices: dsa0 function')
devs = d.get('devices', [])
check([(x.get('dev'), x.get('type'), x.get('rid')) for x in devs] ==
      [('dsa0', 'dsa', '0000:6a:01.0'), ('iax1', 'iax', '0000:6a:02.0'),
       ('dsa2', 'dsa', '0000:e7:01.0'), ('iax3', 'iax', '0000:e7:02.0')],
      'devices: 4 accelerators, accel-config style (dev, type, rid)')
for x in devs:
    check(x.get('pasid_enabled') is True and x.get('simulated') is True and
          x.get('numa_node') == 0, 'devices: %s flags' % x.get('dev'))
    n = x.get('dev', '')[3:]
    wqs = x.get('wqs', [])
    check([w.get('dev') for w in wqs] == ['wq%s.0' % n, 'wq%s.1' % n], 'devices: %s WQs' % n)
    for w in wqs:
        shared = w.get('dev', '').endswith('.0')
        what = 'devices: %s' % w.get('name')
        check(w.get('name') == '%s/%s' % (x.get('dev'), w.get('dev')), what + ' name')
        check(w.get('mode') == ('shared' if shared else 'dedicated'), what + ' mode')
        check(w.get('size') == (32 if shared else 16), what + ' size')
        check(w.get('usable') is True and w.get('reason') == '', what + ' usable')
        check(w.get('type') == 'user' and w.get('state') == 'enabled', what + ' type, state')
        batch = 0 if x.get('type') == 'iax' else 32  # IAA has no batches
        check(w.get('max_transfer_size') == 2 << 20 and w.get('max_batch_size') == batch,
              what + ' limits')
        check(w.get('devnode') == '(simulated)', what + ' devnode')

d = doc(['--sim', '--json', 'alloc', '--rids', 'dsa0,iax1'])
a = d.get('allocation', {})
# the value follows the library's policy: check the contract, not the number
check(0 < a.get('pasid', 0) < 1 << 20 and a.get('intent') == 'group', 'alloc: a PASID, group')
check(a.get('rids') == ['0000:6a:01.0', '0000:6a:02.0'] and a.get('exact') is False,
      'alloc: rids, exact')

d = doc(['--sim', '--json', 'alloc', '--global-enqcmd', '--exact', '200'])
a = d.get('allocation', {})
check(a.get('pasid') == 200 and a.get('intent') == 'global-enqcmd' and a.get('rids') == []
      and a.get('exact') is True, 'alloc -g --exact 200')

d = doc(['--sim', '--json', 'alloc', '--global-enqcmd', '--exact', '300'], rc=1)
e = d.get('error', {})
check(e.get('errno_name') == 'ERANGE' and e.get('errno') == -34, 'alloc -g 300: ERANGE')
check('global ENQCMD PASID' in e.get('object', '') and 'width 8' in e.get('message', ''),
      'alloc -g 300: object and reason (%s)' % e)

d = doc(['--sim', '--json', 'free', '7'], rc=1)
check(d.get('error', {}).get('errno_name') == 'ENOENT' and
      d['error'].get('object') == 'PASID 7', 'free: error object')

d = doc(['--json', 'list'], rc=1, env={'LIBPASID_BACKEND': 'sim'})
e = d.get('error', {})
check(e.get('errno_name') == 'ENODEV' and e.get('object') == '/dev/pasid' and
      'not loaded' in e.get('message', ''), 'kernel list: ENODEV, never the sim')

d = doc(['--sim', '--json', 'submit', '--wq', 'dsa0/wq0.1', '--op', 'memmove', '--size', '8K',
         '--count', '50'])
s = d.get('submit', {})
check(s.get('wq') == 'dsa0/wq0.1' and s.get('mode') == 'dedicated', 'submit: wq, mode')
check(s.get('method', '').startswith(('sim-movdir64b', 'sim-store')) and s.get('simulated') is True,
      'submit: simulated method')
check(s.get('ops') == 50 and s.get('size') == 8192 and s.get('bytes') == 50 * 8192,
      'submit: ops, size, bytes')
check(s.get('verified') is True and s.get('retries') == 0 and s.get('page_faults') == 0,
      'submit: verified, no retries')
lat = s.get('latency_ns', {})
check(0 < lat.get('min', 0) <= lat.get('p50', 0) <= lat.get('p90', 0) <= lat.get('p99', 0)
      <= lat.get('max', 0), 'submit: latency percentiles ordered')
check(0 < s.get('pasid', 0) < 256, 'submit: the global ENQCMD PASID (fits 8 bits)')

d = doc(['--sim', '--json', 'submit', '--wq', 'wq0.0', '--op', 'crc', '--size', '4K'])
check(d.get('submit', {}).get('crc32c') == 0xed96b643, 'submit crc: crc32c value')

d = doc(['--sim', '--json', 'submit', '--wq', 'wq0.0', '--op', 'crc', '--size', '16K',
         '--count', '4', '--sim-fault'])
s = d.get('submit', {})
check(s.get('page_faults') == 4 and s.get('verified') is True, 'submit --sim-fault: 4 faults')
d2 = doc(['--sim', '--json', 'submit', '--wq', 'wq0.0', '--op', 'crc', '--size', '16K'])
check(s.get('crc32c') == d2.get('submit', {}).get('crc32c'),
      'submit --sim-fault: the continued CRC equals the unfaulted one')

d = doc(['--sim', '--json', 'monitor', '--timeout', '0.05'])
check(d.get('events') == [] and d.get('count') == 0 and d.get('stopped_by') == 'timeout',
      'monitor: no events, stopped by the timeout')

d = doc(['--json', 'demo'])
sim_header(d, 'demo')
steps = d.get('steps', [])
check(len(steps) == 7 and all(s.get('ok') is True for s in steps), 'demo: 7 steps, all ok')
gp, gl = d.get('group_pasid', 0), d.get('global_pasid', 0)
check(d.get('ok') is True and 0 < gp < 1 << 20 and 0 < gl < 256 and gp != gl,
      'demo: group and global values (the global one fits the 8-bit RID)')
check('PASID %d' % gp in steps[0].get('result', '') and
      'PASID %d' % gl in steps[1].get('result', ''), 'demo: values in the steps')
al = d.get('allocations', [])
check(sorted((a.get('pasid'), a.get('intent'), a.get('owner_pid'), a.get('mine')) for a in al) ==
      sorted([(gl, 'global-enqcmd', 1000, True), (gp, 'group', 1000, True),
              (gp, 'group', 1001, False)]), 'demo: the allocation table %s' % al)
check([a.get('rids') for a in al if a.get('owner_pid') == 1001] == [['0000:e7:01.0']],
      'demo: the other process holds the same value on dsa2 only')
check('EBUSY' in steps[3].get('result', '') and '1001' in steps[3].get('detail', ''),
      'demo: extension refused with the owner named')

d = doc(['--json', 'grant', '--group', 'video'])
g = d.get('grant', {})
check(g.get('group') == 'video' and g.get('installed') is False and
      g.get('path') == '/etc/udev/rules.d/70-pasid-video.rules', 'grant: fields')
check('KERNEL=="pasid", SUBSYSTEM=="misc", GROUP="video", MODE="0660"' in g.get('rule', ''),
      'grant: /dev/pasid rule')
check('/dev/dsa/wq*' in g.get('rule', '') and '/dev/iax/wq*' in g.get('rule', ''),
      'grant: WQ node rules')

finish('cli-json')
