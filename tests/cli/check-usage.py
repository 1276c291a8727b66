#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad arguments of every pasidctl command: exit status 2, a message on stderr
that names the command, nothing on stdout, and nothing changed (no rule file
written, no COMMAND run). Also: every command's --help exits 0."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import check, finish, run, stutter  # noqa: E402

P = sys.argv[1]
tmp = tempfile.mkdtemp(prefix='pasidctl-usage-')
marker = os.path.join(tmp, 'ran')
rules = os.path.join(tmp, 'rules')
os.mkdir(rules)
RUN = ['--', 'touch', marker]

BAD = [
    # global
    ([], None),
    (['frobnicate'], 'unknown command'),
    (['--bogus', 'list'], 'unknown option'),
    (['-Z', 'list'], 'unknown option'),
    (['--topology'], 'needs a value'),
    (['--topology', '/nonexistent', 'list'], 'needs --sim'),
    # doctor
    (['doctor', 'extra'], 'unexpected argument'),
    (['doctor', '--bogus'], 'unknown option'),
    (['doctor', '--sysroot'], 'needs a value'),
    (['doctor', '--sysroot', ''], 'empty path'),
    (['--sim', 'doctor'], 'no --sim mode'),
    # devices, list, rids, demo
    (['--sim', 'devices', 'x'], 'unexpected argument'),
    (['--sim', 'devices', '--count', '1'], 'unknown option'),
    (['--sim', 'list', 'x'], 'unexpected argument'),
    (['--sim', 'rids', '--rids', 'x'], 'unknown option'),
    (['--sim', 'rids', '--width', '8'], '--width goes with --mock-add'),
    (['--sim', 'rids', '--mock-add', 'f0:00.0', '--width', '0'], '--width'),
    (['--sim', 'rids', '--mock-add', 'f0:00.0', '--width', '21'], '--width'),
    (['--sim', 'rids', '--mock-add', 'f0:00.0', '--mock-remove', 'dsa0'], 'not both'),
    (['--sim', 'rids', '--mock-add', 'f0:00.0,'], 'PCI addresses'),
    (['--sim', 'rids', '--mock-remove', 'nodev'], 'PCI addresses'),
    (['demo', 'now'], 'unexpected argument'),
    (['demo', '-x'], 'unknown option'),
    # alloc
    (['--sim', 'alloc'] + RUN, 'exactly one of'),
    (['--sim', 'alloc', '--rids', 'dsa0', '--global-enqcmd'] + RUN, 'exactly one of'),
    (['--sim', 'alloc', '--rids', 'dsa0', '--rids', 'iax1'] + RUN, 'given twice'),
    (['--sim', 'alloc', '--global-enqcmd', '--exact', '0'] + RUN, 'a PASID is'),
    (['--sim', 'alloc', '--global-enqcmd', '--exact', '1048576'] + RUN, 'a PASID is'),
    (['--sim', 'alloc', '--global-enqcmd', '--exact', '12abc'] + RUN, 'a PASID is'),
    (['--sim', 'alloc', '--global-enqcmd', '--exact', '-3'] + RUN, 'a PASID is'),
    (['--sim', 'alloc', '--rids', ''] + RUN, '--rids'),
    (['--sim', 'alloc', '--rids', 'zz:zz.z'] + RUN, '--rids'),
    (['--sim', 'alloc', '--rids', 'dsa0,,iax1'] + RUN, '--rids'),
    (['--sim', 'alloc', '--rids', 'dsa0,'] + RUN, '--rids'),
    (['--sim', 'alloc', '--rids', 'dsa7'] + RUN, '--rids'),
    (['--sim', 'alloc', '--rids', '0000:6a:01.0x'] + RUN, '--rids'),
    (['--sim', 'alloc', '--global-enqcmd', 'touch', marker], 'after \'--\''),
    (['--sim', 'alloc', '--global-enqcmd', '--env', '1X'] + RUN, 'variable name'),
    (['--sim', 'alloc', '--global-enqcmd', '--env', 'A=B'] + RUN, 'variable name'),
    (['--sim', 'alloc', '--global-enqcmd', '--env', 'X'], 'needs a COMMAND'),
    (['--sim', 'alloc', '--global-enqcmd', '--exact'], 'needs a value'),
    (['--sim', 'alloc', '--global-enqcmd', '--hold'] + RUN, 'not both'),
    # free, extend
    (['--sim', 'free'], 'missing PASID'),
    (['--sim', 'free', '0'], 'not a PASID'),
    (['--sim', 'free', 'abc'], 'not a PASID'),
    (['--sim', 'free', '0x100000'], 'not a PASID'),
    (['--sim', 'free', '1', '2'], 'too many'),
    (['--sim', 'free', '--holder', 'x', '1'], 'not a process id'),
    (['--sim', 'free', '--holder', '0', '1'], 'not a process id'),
    (['--sim', 'extend', '--holder', '-1', '1', 'dsa0'], 'not a process id'),
    (['--sim', 'extend', '1'], 'need PASID and RID'),
    (['--sim', 'extend', 'x', 'dsa0'], 'not a PASID'),
    (['--sim', 'extend', '1', '99:99.9'], 'not a RID'),
    (['--sim', 'extend', '1', 'dsa 9'], 'not a RID'),
    (['--sim', 'extend', '1', 'dsa0', 'iax1'], 'too many'),
    # monitor
    (['--sim', 'monitor', '--count', '0'], '--count'),
    (['--sim', 'monitor', '--count', 'x'], '--count'),
    (['--sim', 'monitor', '--timeout', '-1'], '--timeout'),
    (['--sim', 'monitor', '--timeout', 'nan'], '--timeout'),
    (['--sim', 'monitor', '--timeout', '1s'], '--timeout'),
    (['--sim', 'monitor', 'now'], 'unexpected argument'),
    # submit
    (['--sim', 'submit'], '--wq NAME is required'),
    (['--sim', 'submit', '--wq', 'wq0.0', '--op', 'xor'], '--op'),
    (['--sim', 'submit', '--wq', 'wq0.0', '--size', '0'], '--size'),
    (['--sim', 'submit', '--wq', 'wq0.0', '--size', '3X'], '--size'),
    (['--sim', 'submit', '--wq', 'wq0.0', '--size', '4G'], '--size'),
    (['--sim', 'submit', '--wq', 'wq0.0', '--count', '0'], '--count'),
    (['--sim', 'submit', '--wq', 'wq0.0', '--count', '-1'], '--count'),
    (['--sim', 'submit', '--wq', ''], '--wq'),
    (['--sim', 'submit', '--wq', 'wq0.0', 'extra'], 'unexpected argument'),
    (['submit', '--wq', 'wq0.0', '--sim-fault'], '--sim-fault needs --sim'),
    # grant
    (['grant', '--install', '--rules-dir', rules], '--group NAME is required'),
    (['grant', '--group', 'Bad!', '--install', '--rules-dir', rules], 'group name'),
    (['grant', '--group', '', '--install', '--rules-dir', rules], 'group name'),
    (['grant', '--group', 'a' * 33, '--install', '--rules-dir', rules], 'group name'),
    (['grant', '--group', 'ok', '--install', '--rules-dir', ''], 'empty path'),
    (['grant', '--group', 'ok', 'extra', '--install', '--rules-dir', rules], 'unexpected'),
]

for args, msg in BAD:
    # --json appended must not become the missing value of the last option
    for extra in ([], [] if msg == 'needs a value' else ['--json']):
        a = args + extra if args else args
        rc, out, err = run(P, a)
        what = 'pasidctl %s' % ' '.join(a)
        check(rc == 2, '%s: exit %d, wanted 2' % (what, rc))
        check(out == '', '%s: stdout must stay empty, got %r' % (what, out[:120]))
        check(err.strip() != '', '%s: a message on stderr' % what)
        if msg:
            check(msg in err, '%s: message %r not in %r' % (what, msg, err))
        check(not os.path.exists(marker), '%s: COMMAND must not run' % what)
        check(os.listdir(rules) == [], '%s: no rule file written' % what)
        check('Try \'pasidctl' in err or 'Usage:' in err, '%s: points to --help' % what)

COMMANDS = ['doctor', 'devices', 'list', 'rids', 'alloc', 'free', 'extend', 'monitor', 'submit',
            'demo', 'grant']
for c in COMMANDS:
    for h in ('-h', '--help'):
        rc, out, err = run(P, [c, h])
        check(rc == 0 and out.startswith('Usage: pasidctl [GLOBAL OPTIONS] ' + c) and err == '',
              '%s %s: help on stdout, exit 0' % (c, h))

# random argument soup: never a crash, only 0, 1 or 2 (no --install, no
# COMMAND, monitor always bounded)
import random  # noqa: E402
rng = random.Random(int(os.environ.get('PASIDCTL_FUZZ_SEED', '5')))
TOKENS = ['--sim', '--json', '-q', '-v', '--rids', 'dsa0', 'dsa0,iax1', '0000:6a:01.0', ',',
          '--global-enqcmd', '-g', '--exact', '1', '255', '0x100000', '-x', '--env', 'X', '--wq',
          'wq0.0', 'dsa0/wq0.1', '--op', 'crc', 'fill', '--size', '1K', '0', '--count', '2',
          '--timeout', '0', '--topology', '/nonexistent', '--group', 'g', '--width', '8',
          '--mock-add', 'f0:00.0', '--mock-remove', '-', '', 'x' * 300, '%s%n', '\u00e9',
          '--sysroot', tmp, '-h']
CMDS = ['doctor', 'devices', 'list', 'rids', 'alloc', 'free', 'extend', 'submit', 'demo',
        'grant', 'monitor', 'nope']
for i in range(250):
    args = [rng.choice(CMDS)] + [rng.choice(TOKENS) for _ in range(rng.randint(0, 6))]
    if rng.random() < 0.5:
        args.insert(0, rng.choice(TOKENS))
    if 'monitor' in args:
        args += ['--timeout', '0']
    env = {'PASIDCTL_SYSROOT': tmp, 'PASIDCTL_CPUID': 'none'}
    rc, out, err = run(P, args, env, timeout=30)
    check(rc in (0, 1, 2), 'fuzz %r: exit %d (a crash?) %s' % (args, rc, err[-300:]))
    check(stutter(err) is None, 'fuzz %r: a message says a thing twice: %s' % (args, stutter(err)))
    check(not os.path.exists(marker) and os.listdir(rules) == [], 'fuzz %r: side effect' % args)

# grant --install with good arguments writes exactly one file
rc, out, err = run(P, ['grant', '--group', 'pasidctl-test', '--install', '--rules-dir', rules])
check(rc == 0 and os.listdir(rules) == ['70-pasid-pasidctl-test.rules'], 'grant --install writes')

# --version is the library's version string
# --version is pasid_version(), the project's version (meson passes it in)
want = os.environ.get('PASIDCTL_EXPECT_VERSION')
rc, out, err = run(P, ['--version'])
check(rc == 0 and err == '' and out.count('.') == 2 and (not want or out == want + '\n'),
      '--version: %r, wanted %r' % (out, want))

finish('cli-usage')
