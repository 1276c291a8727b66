#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""pasidctl on a terminal (a pty): colour only on a terminal and without
NO_COLOR, never with --json; submit's progress bar only on a terminal."""
import os
import pty
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import check, clean_env, finish  # noqa: E402

P = sys.argv[1]


def on_tty(args, no_color=None):
    env = clean_env({'TERM': 'xterm'})
    del env['NO_COLOR']
    if no_color is not None:
        env['NO_COLOR'] = no_color
    master, slave = pty.openpty()
    p = subprocess.Popen([P] + args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                         env=env)
    os.close(slave)
    data = b''
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    return p.wait(timeout=60), data.decode(errors='replace')


rc, out = on_tty(['--sim', 'rids'])
check(rc == 0 and '\033[1m' in out and '\033[0m' in out, 'rids on a tty: bold header')
rc, out = on_tty(['--sim', 'rids'], no_color='1')
check(rc == 0 and '\033[' not in out, 'rids with NO_COLOR=1: no escapes')
rc, out = on_tty(['--sim', 'rids'], no_color='')
check(rc == 0 and '\033[1m' in out, 'rids with NO_COLOR empty: colour (NO_COLOR must be non-empty)')
rc, out = on_tty(['--sim', '--json', 'rids'])
check(rc == 0 and '\033[' not in out, '--json on a tty: no escapes')
rc, out = on_tty(['--sim', 'demo'])
check(rc == 0 and '\033[32mok  ' in out and 'SIMULATED' in out, 'demo on a tty: green ok')
rc, out = on_tty(['--sim', 'submit', '--wq', 'wq0.0', '--count', '300', '--size', '1K'])
check(rc == 0 and '\r[' in out and '100% 300/300' in out, 'submit on a tty: progress bar')
rc, out = on_tty(['--sim', '-q', 'submit', '--wq', 'wq0.0', '--count', '300', '--size', '1K'])
check(rc == 0 and '\r[' not in out, 'submit -q: no progress bar')
p = subprocess.run([P, '--sim', 'submit', '--wq', 'wq0.0', '--count', '300', '--size', '1K'],
                   capture_output=True, text=True, env=clean_env())
check(p.returncode == 0 and '\r' not in p.stderr and '\r' not in p.stdout,
      'submit without a terminal: no progress bar')
finish('cli-tty')
