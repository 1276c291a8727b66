#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Golden-output tests of every pasidctl command on the SIMULATED platform.

Each case runs pasidctl and compares "stdout, stderr, exit status" with
tests/cli/golden/NAME.out, exactly, after one normalisation: measured times
and rates (submit's "2.3 ms", "2871.8 MB/s") become <TIME> / <RATE>.

Regenerate after an intended change of output, then review the diff:
    tests/cli/run-golden.py --regen BUILDDIR/tools/pasidctl/pasidctl
(or: PASIDCTL_REGEN=1 meson test -C BUILDDIR cli-golden)
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, 'golden')

CASES = [
    ('help', ['--help']),
    ('version-missing-cmd', []),
    ('list', ['--sim', 'list']),
    ('rids', ['--sim', 'rids']),
    ('rids-mock-add', ['--sim', 'rids', '--mock-add', '0000:f0:00.0,f0:00.1', '--width', '12']),
    ('rids-mock-remove', ['--sim', 'rids', '--mock-remove', 'dsa0']),
    ('rids-mock-exists', ['--sim', 'rids', '--mock-add', 'iax1']),
    ('devices', ['--sim', 'devices']),
    ('alloc-group', ['--sim', 'alloc', '--rids', 'dsa0,0000:6a:02.0']),
    ('alloc-global', ['--sim', 'alloc', '--global-enqcmd']),
    ('alloc-exact-command', ['--sim', 'alloc', '--rids', 'dsa2', '--exact', '300', '--',
                             'sh', '-c', 'echo "child sees PASID=$PASID"; exit 3']),
    ('alloc-exact-too-wide', ['--sim', 'alloc', '--rids', '0000:00:04.0', '--exact', '256']),
    ('alloc-quiet', ['--sim', '-q', 'alloc', '--rids', 'iax3']),
    ('free-not-held', ['--sim', 'free', '5']),
    ('extend-not-held', ['--sim', 'extend', '5', 'dsa2']),
    ('monitor-timeout', ['--sim', 'monitor', '--timeout', '0.05']),
    ('submit-memmove', ['--sim', 'submit', '--wq', 'dsa0/wq0.0', '--op', 'memmove',
                        '--size', '64K', '--count', '20']),
    ('submit-crc', ['--sim', 'submit', '--wq', 'wq0.0', '--op', 'crc', '--size', '4K']),
    ('submit-fill', ['--sim', 'submit', '--wq', 'dsa2/wq2.0', '--op', 'fill', '--size', '1M']),
    ('submit-compare', ['--sim', 'submit', '--wq', 'dsa2/wq2.0', '--op', 'compare',
                        '--count', '3']),
    ('submit-iaa-compare', ['--sim', 'submit', '--wq', 'iax1/wq1.0', '--op', 'compare']),
    ('submit-json-quiet', ['--sim', '-q', 'submit', '--wq', 'iax1/wq1.0']),
    ('submit-noop', ['--sim', 'submit', '--wq', 'dsa0/wq0.0', '--op', 'noop', '--count', '5']),
    ('submit-faults-crc', ['--sim', 'submit', '--wq', 'wq0.0', '--op', 'crc', '--size', '16K',
                           '--count', '3', '--sim-fault']),
    ('submit-faults-memmove', ['--sim', 'submit', '--wq', 'dsa2/wq2.0', '--size', '64K',
                               '--sim-fault']),
    ('submit-no-such-wq', ['--sim', 'submit', '--wq', 'dsa9/wq9.0']),
    ('submit-too-big', ['--sim', 'submit', '--wq', 'dsa0/wq0.0', '--size', '4M']),
    ('demo', ['demo']),
    ('grant', ['grant', '--group', 'pasidctl-test-nogroup']),
    ('kernel-list-no-shim', ['list']),
    ('kernel-alloc-no-shim', ['alloc', '--global-enqcmd']),
    ('list-help', ['list', '--help']),
    ('alloc-help', ['alloc', '-h']),
    # --topology FILE (paths relative to tests/cli, the cases' working directory)
    ('topology-devices', ['--sim', '--topology', 'topology-small.json', 'devices']),
    ('topology-global-too-wide', ['--sim', '--topology', 'topology-small.json', 'alloc',
                                  '--global-enqcmd', '--exact', '40']),
    ('topology-bad', ['--sim', '--topology', 'topology-bad.json', 'rids']),
    ('topology-missing', ['--sim', '--topology', 'no-such-file.json', 'list']),
    ('topology-demo-needs-devices', ['--topology', 'topology-small.json', '--sim', 'demo']),
]

TIME = re.compile(r'\b\d+(\.\d+)? (ns|us|ms|s)\b')
RATE = re.compile(r'\b\d+(\.\d+)? MB/s')


def render(args, rc, out, err):
    text = '$ pasidctl %s\n--- stdout\n%s--- stderr\n%s--- exit %d\n' % (
        ' '.join(args), out, err, rc)
    text = RATE.sub('<RATE>', text)
    return TIME.sub('<TIME>', text)


def main():
    argv = sys.argv[1:]
    regen = os.environ.get('PASIDCTL_REGEN') == '1'
    if argv and argv[0] == '--regen':
        regen = True
        argv = argv[1:]
    if len(argv) != 1:
        sys.exit('usage: run-golden.py [--regen] PASIDCTL')
    pasidctl = argv[0]
    for name, args in CASES:
        env = None
        if args[:1] != ['--sim'] and name.startswith('kernel-'):
            env = {'LIBPASID_BACKEND': 'sim'}  # must NOT make the kernel path use the sim
        rc, out, err = clitest.run(os.path.abspath(pasidctl), args, env, cwd=HERE)
        bad = clitest.stutter(err)
        clitest.check(bad is None, '%s: the message says a thing twice: %s' % (name, bad))
        got = render(args, rc, out, err)
        path = os.path.join(GOLDEN, name + '.out')
        if regen:
            with open(path, 'w') as f:
                f.write(got)
            continue
        try:
            with open(path) as f:
                want = f.read()
        except OSError as e:
            clitest.check(False, '%s: golden file missing: %s' % (name, e))
            continue
        if not clitest.check(got == want, '%s: output differs from golden/%s.out' % (name, name)):
            import difflib
            sys.stdout.writelines(difflib.unified_diff(
                want.splitlines(True), got.splitlines(True), 'golden', 'got'))
    if regen:
        print('regenerated %d golden files in %s' % (len(CASES), GOLDEN))
        return
    clitest.finish('cli-golden')


if __name__ == '__main__':
    main()
