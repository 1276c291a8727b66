#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Holding a PASID across pasidctl runs, on the SIMULATED platform.

"alloc --hold" keeps a PASID until a signal or until "free" frees it;
"alloc -- COMMAND" holds it while COMMAND runs, with $PASID and
$PASIDCTL_HOLDER; "free" and "extend" from other pasidctl runs act on what
that holder owns through its socket in $XDG_RUNTIME_DIR/pasidctl. Checked:
the whole flow, that a kernel-backend request never reaches a SIMULATED
holder, errors that name the object once, a malformed request, a stale
socket, a directory other users could write, and (as root) a holder of
another uid that must not be reachable.
"""
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest  # noqa: E402
from clitest import check, clean_env, finish, stutter  # noqa: E402

P = sys.argv[1]


def run(pasidctl, args, env=None):
    rc, out, err = clitest.run(pasidctl, args, env)
    check(stutter(err) is None, '%r: a message says a thing twice: %s' % (args, stutter(err)))
    return rc, out, err


SOCKDIR = os.path.join(clitest.RUNTIME_DIR, 'pasidctl')


def start(args, env=None, preexec=None):
    return subprocess.Popen([P] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=clean_env(env),
                            preexec_fn=preexec)


def wait_line(p, text, limit=10.0):
    seen = ''
    end = time.time() + limit
    while time.time() < end and text not in seen:
        line = p.stdout.readline()
        if not line:
            break
        seen += line
    return seen


def holder(args, env=None, preexec=None):
    p = start(['--sim', 'alloc'] + args + ['--hold'], env, preexec)
    head = wait_line(p, 'Holding it')
    words = head.split()
    pasid = int(words[words.index('PASID') + 1]) if 'PASID' in words else 0
    check(pasid > 0 and 'Holding it until SIGINT' in head, 'alloc --hold: holding (%r)' % head)
    return p, pasid


def sockets():
    try:
        return sorted(os.listdir(SOCKDIR))
    except OSError:
        return []


# 1. the whole flow: hold, extend (ok, ERANGE, unknown device), free; the holder ends
p, v = holder(['--rids', 'dsa0'])
check(sockets() == ['holder-%d.sock' % p.pid], 'holder socket holder-PID.sock (%s)' % sockets())
st = os.stat(os.path.join(SOCKDIR, 'holder-%d.sock' % p.pid))
check(stat.S_IMODE(os.stat(SOCKDIR).st_mode) == 0o700 and stat.S_IMODE(st.st_mode) == 0o600,
      'socket directory 0700, socket 0600')
rc, out, err = run(P, ['--sim', 'extend', str(v), 'dsa2'])
check(rc == 0 and 'PASID %d on 0000:e7:01.0: extended by its holder, pasidctl pid %d '
      '(SIMULATED platform)' % (v, p.pid) in out, 'extend reaches the holder (%d %r %r)' %
      (rc, out, err))
rc, out, err = run(P, ['--sim', 'extend', str(v), '0000:00:04.0'])
check(rc == 1 and err.strip() == 'pasidctl: PASID %d on 0000:00:04.0: cannot extend: PASID %d '
      'does not fit RID 0000:00:04.0 (width 8) (ERANGE)' % (v, v),
      'extend to a narrow RID: the holder\'s ERANGE, said once (%r)' % err)
rc, out, err = run(P, ['--sim', 'extend', str(v), 'dsa9'])
check(rc == 1 and 'not a RID or device of this platform (ENODEV)' in err,
      'extend to an unknown device: ENODEV (%r)' % err)
rc, out, err = run(P, ['extend', str(v), 'dsa2'])
check(rc == 1 and 'no pasidctl of this user holds it on the kernel backend' in err,
      'a kernel-backend extend never reaches a SIMULATED holder (%r)' % err)
rc, out, err = run(P, ['free', str(v)])
check(rc == 1 and '(ENOENT)' in err, 'a kernel-backend free never reaches it either')
rc, out, err = run(P, ['--sim', 'free', str(v + 1)])
check(rc == 1 and err.startswith('pasidctl: PASID %d: no pasidctl of this user holds it' %
                                 (v + 1)), 'free of a value nobody holds: ENOENT (%r)' % err)
# a malformed request: an error reply, the holder keeps its PASID
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(os.path.join(SOCKDIR, 'holder-%d.sock' % p.pid))
s.send(b'1 sim frobnicate 1 2 3 4 5 6 7 8 9 ' + b'x' * 3000)
ans = s.recv(4096)
s.close()
check(ans.startswith(b'22\t'), 'malformed request: EINVAL reply (%r)' % ans[:60])
rc, out, err = run(P, ['--sim', '--json', 'free', str(v)])
d = json.loads(out) if out.startswith('{') else {}
check(rc == 0 and d.get('freed', {}).get('pasid') == v and
      d['freed'].get('holder_pid') == p.pid and d['freed'].get('simulated') is True,
      'free --json: one document naming the holder (%r)' % out)
out, err = p.communicate(timeout=10)
check(p.returncode == 0 and 'PASID %d was freed by \'pasidctl free\'' % v in out,
      'the holder ends once its PASID is freed (%d %r)' % (p.returncode, out))
check(sockets() == [], 'the holder removed its socket')
rc, out, err = run(P, ['--sim', 'free', str(v)])
check(rc == 1 and '(ENOENT)' in err, 'a second free: ENOENT')

# 2. signals release it; --json stays one document
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    p, v = holder(['--global-enqcmd'])
    p.send_signal(sig)
    out, err = p.communicate(timeout=10)
    check(p.returncode == 0 and 'PASID %d released' % v in out and sockets() == [],
          'alloc --hold: %s releases it, exit 0 (%d %r %r)' % (sig.name, p.returncode, out, err))
p = start(['--sim', '--json', 'alloc', '--rids', 'iax1', '--hold'])
time.sleep(0.5)
check(len(sockets()) == 1, '--json --hold: holding')
p.send_signal(signal.SIGTERM)
out, err = p.communicate(timeout=10)
try:
    d = json.loads(out)
except ValueError:
    d = {}
check(p.returncode == 0 and d.get('allocation', {}).get('held_for') == 'signal',
      '--json --hold: one document (%r)' % out[:300])

# 3. alloc -- COMMAND: COMMAND extends and frees through its holder
rc, out, err = run(P, ['--sim', 'alloc', '--rids', 'dsa0', '--', 'sh', '-c',
                       'case "$PASIDCTL_HOLDER" in */pasidctl/holder-*.sock) ;; *) exit 9;; esac; '
                       '"$0" --sim extend "$PASID" iax1 && "$0" --sim -q free "$PASID" && exit 5',
                       P])
check(rc == 5 and 'extended by its holder' in out, 'alloc -- COMMAND: COMMAND extends and '
      'frees its PASID through $PASIDCTL_HOLDER (rc %d %r %r)' % (rc, out, err))
check(sockets() == [], 'alloc -- COMMAND: socket removed')

# 3b. two holders of one value (disjoint groups may share it): free names one
a, va = holder(['--rids', 'dsa0', '--exact', '7'])
b, vb = holder(['--rids', 'dsa2', '--exact', '7'])
rc, out, err = run(P, ['--sim', 'free', '7'])
check(rc == 1 and 'held by 2 pasidctl holders' in err and '(ENOTUNIQ)' in err and
      str(a.pid) in err and str(b.pid) in err, 'two holders of 7: free refuses to guess (%r)' % err)
rc, out, err = run(P, ['--sim', 'extend', '--holder', str(b.pid), '7', 'iax1'])
check(rc == 0 and 'pid %d' % b.pid in out, 'extend --holder PID picks that holder (%r)' % err)
rc, out, err = run(P, ['--sim', 'free', '7'],
                   env={'PASIDCTL_HOLDER': os.path.join(SOCKDIR, 'holder-%d.sock' % a.pid)})
check(rc == 0 and 'pid %d' % a.pid in out, 'free inside COMMAND picks $PASIDCTL_HOLDER (%r)' % err)
out, err = a.communicate(timeout=10)
check(a.returncode == 0 and 'was freed' in out, 'holder a freed, b untouched')
rc, out, err = run(P, ['--sim', 'free', '7'])
check(rc == 0 and 'pid %d' % b.pid in out, 'then free 7 reaches the only holder left')
b.communicate(timeout=10)

# 4. a stale socket of a dead holder is removed, not trusted
os.makedirs(SOCKDIR, mode=0o700, exist_ok=True)
stale = os.path.join(SOCKDIR, 'holder-999999999.sock')
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(stale)
s.close()
rc, out, err = run(P, ['--sim', 'free', '5'])
check(rc == 1 and not os.path.exists(stale), 'a dead holder\'s socket is removed (%r)' % err)

# 5. a directory others may write is refused on both sides
os.chmod(SOCKDIR, 0o755)
p = start(['--sim', 'alloc', '--rids', 'dsa0', '--hold'])
head = wait_line(p, 'Holding it')
rc, out, err = run(P, ['--sim', 'free', '256'])
check(rc == 1 and 'is not a directory of mode 0700' in err and '(EPERM)' in err,
      'free refuses a socket directory of mode 0755 (%r)' % err)
p.send_signal(signal.SIGTERM)
out, err2 = p.communicate(timeout=10)
check('warning: holder socket' in err2 and 'mode 0700' in err2,
      'the holder warns and serves nothing there (%r)' % err2)
os.chmod(SOCKDIR, 0o700)

# 6. as root: a holder of another uid (nobody) is never reached, and keeps its PASID
if os.geteuid() == 0:
    import pwd
    nobody = pwd.getpwnam('nobody')
    import shutil
    import tempfile
    other = tempfile.mkdtemp(prefix='pasidctl-xdg-nobody-')
    os.chown(other, nobody.pw_uid, nobody.pw_gid)

    def become_nobody():
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
    # nobody may not reach the build tree (a clone under /root): run a copy of
    # pasidctl and of the libpasid it links from a directory nobody can read
    bindir = tempfile.mkdtemp(prefix='pasidctl-bin-')
    os.chmod(bindir, 0o755)
    shutil.copy(P, os.path.join(bindir, 'pasidctl'))
    ldd = subprocess.run(['ldd', P], capture_output=True, text=True).stdout
    for line in ldd.splitlines():
        if 'libpasid' in line and '=>' in line:
            shutil.copy(line.split('=>')[1].split()[0], bindir)
    for f in os.listdir(bindir):
        os.chmod(os.path.join(bindir, f), 0o755)
    p = subprocess.Popen([os.path.join(bindir, 'pasidctl'), '--sim', 'alloc', '--rids', 'dsa0',
                          '--hold'], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, preexec_fn=become_nobody,
                         env=clean_env({'XDG_RUNTIME_DIR': other, 'LD_LIBRARY_PATH': bindir}))
    head = wait_line(p, 'Holding it')
    words = head.split()
    v = int(words[words.index('PASID') + 1]) if 'PASID' in words else 0
    check(v > 0, 'a holder of uid nobody runs (%r)' % head)
    # root reaches the directory, but the holder is not root: the peer check refuses
    os.chown(os.path.join(other, 'pasidctl'), 0, 0)
    rc, out, err = run(P, ['--sim', 'free', str(v)], env={'XDG_RUNTIME_DIR': other})
    check(rc == 1 and '(ENOENT)' in err, 'root cannot free a holder of uid nobody (%r)' % err)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=10)
    check(p.returncode == 0 and 'PASID %d released' % v in out,
          'the other uid\'s holder still held its PASID (%r)' % out)
    shutil.rmtree(other, ignore_errors=True)
    shutil.rmtree(bindir, ignore_errors=True)
else:
    print('note: not root: the other-uid case (section 6) needs root and did not run')

finish('cli-hold')
