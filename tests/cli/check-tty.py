#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""pasidctl on a terminal (a pty): colour only on a terminal and without
NO_COLOR, never with --json; submit's progress bar only on a terminal (stderr),
also for a long run of few descriptors and with --json, whose stdout stays
one document."""
import json
import os
import pty
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import check, clean_env, finish  # noqa: E402

P = sys.argv[1]


def on_tty(args, no_color=None, extra=None, stdout_pipe=False):
    """Run with stderr (and stdout unless @stdout_pipe) on a pty; return
    (exit, terminal text) or, with @stdout_pipe, (exit, terminal text, stdout)."""
    env = clean_env(dict({'TERM': 'xterm'}, **(extra or {})))
    del env['NO_COLOR']
    if no_color is not None:
        env['NO_COLOR'] = no_color
    master, slave = pty.openpty()
    p = subprocess.Popen([P] + args, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE if stdout_pipe else slave, stderr=slave,
                         env=env)
    piped = p.stdout.read().decode() if stdout_pipe else None
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
    if stdout_pipe:
        return p.wait(timeout=60), data.decode(errors='replace'), piped
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
# a long run of few descriptors: the bar appears once the run has lasted the
# delay (0 here through the testing aid; 500 ms by default)
SUB50 = ['--sim', 'submit', '--wq', 'wq0.0', '--count', '50', '--size', '1K']
rc, out = on_tty(SUB50, extra={'PASIDCTL_PROGRESS_DELAY_MS': '0'})
check(rc == 0 and '\r[' in out and '100% 50/50' in out,
      'submit --count 50 lasting past the delay: progress bar (%r)' % out[-300:])
rc, out = on_tty(SUB50)
check(rc == 0 and '\r[' not in out, 'submit --count 50 that ends within 500 ms: no bar')
# --json: the bar on the terminal's stderr, stdout one document
rc, term, doc = on_tty(['--sim', '--json', 'submit', '--wq', 'wq0.0', '--count', '300',
                        '--size', '1K'], stdout_pipe=True)
try:
    d = json.loads(doc)
except ValueError:
    d = {}
check(rc == 0 and '100% 300/300' in term and d.get('submit', {}).get('ops') == 300 and
      '\r' not in doc, '--json on a terminal: bar on stderr, stdout one document (%r)' % doc[:200])
# a dumb terminal gets no ANSI erase: the bar is overwritten with blanks
rc, out = on_tty(['--sim', 'submit', '--wq', 'wq0.0', '--count', '300', '--size', '1K'],
                 extra={'TERM': 'dumb'})
check(rc == 0 and '100% 300/300' in out and '\033[K' not in out,
      'TERM=dumb: the bar without ANSI erase')
finish('cli-tty')
