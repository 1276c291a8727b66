# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers shared by the pasidctl tests: run the binary in a clean environment."""
import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile

FAILURES = []
# pasidctl holders put their sockets here: a private directory per test run
RUNTIME_DIR = tempfile.mkdtemp(prefix='pasidctl-xdg-')
atexit.register(shutil.rmtree, RUNTIME_DIR, True)


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('LIBPASID_', 'PASIDCTL_'))}
    env.update({'NO_COLOR': '1', 'LC_ALL': 'C', 'TERM': 'dumb', 'XDG_RUNTIME_DIR': RUNTIME_DIR})
    if extra:
        env.update(extra)
    return env


def run(pasidctl, args, env=None, wrapper=None, timeout=60, cwd=None):
    cmd = (wrapper or []) + [pasidctl] + list(args)
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors='replace',
                       env=clean_env(env), timeout=timeout, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def stutter(err):
    """An error line that says a thing twice: "cannot free: free: ...",
    "dsa9/wq9.0: cannot open: pasid_wq_open: dsa9/wq9.0: ..."."""
    for line in err.splitlines():
        if not line.startswith('pasidctl: '):
            continue
        segs = line.split(': ')
        for i, seg in enumerate(segs[1:], 1):
            if seg.startswith('cannot ') and i + 1 < len(segs) and \
                    segs[i + 1].split(' ')[0] == seg.split(' ')[-1]:
                return line
            if re.match(r'^pasid_[a-z_0-9]+$', seg):
                return line
            if seg in segs[1:i]:
                return line
    return None


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print('FAIL: ' + what)
    return cond


def finish(name):
    if FAILURES:
        print('%s: %d failure(s)' % (name, len(FAILURES)))
        sys.exit(1)
    print('%s: all passed' % name)
    sys.exit(0)
