#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Signals: monitor stops cleanly on SIGINT/SIGTERM (exit 0, its JSON document
complete); alloc -- COMMAND forwards SIGINT/SIGTERM to COMMAND and exits
128+N when COMMAND dies of it."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import check, clean_env, finish  # noqa: E402

P = sys.argv[1]


def start(args):
    return subprocess.Popen([P] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=clean_env())


def wait_for(p, text, limit=10.0):
    """Read stdout until @text shows up (the process is then ready)."""
    seen = ''
    end = time.time() + limit
    while time.time() < end and text not in seen:
        line = p.stdout.readline()
        if not line:
            break
        seen += line
    return seen


for sig in (signal.SIGINT, signal.SIGTERM):
    p = start(['--sim', 'monitor'])
    head = wait_for(p, 'EVENT')
    check('EVENT' in head, 'monitor: header printed')
    p.send_signal(sig)
    out, err = p.communicate(timeout=10)
    check(p.returncode == 0, 'monitor stops on %s with exit 0 (%d)' % (sig.name, p.returncode))

    p = start(['--sim', '--json', 'monitor'])
    time.sleep(0.5)
    p.send_signal(sig)
    out, err = p.communicate(timeout=10)
    try:
        d = json.loads(out)
    except ValueError:
        d = {}
    check(p.returncode == 0 and d.get('stopped_by') == 'signal' and d.get('events') == [],
          'monitor --json on %s: one complete document (%r)' % (sig.name, out[:200]))

    p = start(['--sim', 'alloc', '--global-enqcmd', '--', 'sh', '-c',
               'echo "ready $PASID"; exec sleep 30'])
    head = wait_for(p, 'ready')
    check('ready ' in head, 'alloc: COMMAND started with $PASID')
    t0 = time.time()
    p.send_signal(sig)
    out, err = p.communicate(timeout=10)
    check(p.returncode == 128 + sig, 'alloc forwards %s: exit %d, wanted %d' % (
        sig.name, p.returncode, 128 + sig))
    check(time.time() - t0 < 5, 'alloc: COMMAND ended promptly')

finish('cli-signals')
