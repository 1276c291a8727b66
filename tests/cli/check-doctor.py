#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""pasidctl doctor on fake systems.

Each case builds a fake root (proc, sys, boot, dev/pasid) read through
PASIDCTL_SYSROOT, fakes CPUID with PASIDCTL_CPUID, and runs doctor under
umockdev-run, whose testbed holds the DSA/IAA devices libudev discovers (an
empty testbed: no devices). Checked: the status of named checks, the verdict
line and the exit status (0 only when ENQCMD submission can work).
Usage: check-doctor.py PASIDCTL UMOCKDEV-RUN
"""
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import check, finish, run  # noqa: E402

P, UMOCKDEV_RUN = sys.argv[1], sys.argv[2]
if not shutil.which(UMOCKDEV_RUN):
    sys.exit('check-doctor: umockdev-run not found (install umockdev)')

GOOD_FLAGS = 'fpu vme de pse tsc msr pae sse sse2 avx2 waitpkg movdiri movdir64b enqcmd'
GOOD_ECAP = '3ef9ea6f050df'          # SMTS, PASID, PRS, FLTS, SMPWC, PSS 19
NOPASID_ECAP = '3ee9e86f050df'       # a real server: scalable mode, PASID bit clear
NOSM_ECAP = '%x' % (0x3ef9ea6f050df & ~(1 << 43))
CAP_FL5 = '19ed008c40780466'         # FL1GP and FL5LP
CAP_NO_FL5 = '9ed008c40780466'       # FL1GP only
CONFIG = '\n'.join(['CONFIG_INTEL_IOMMU=y', 'CONFIG_INTEL_IOMMU_SVM=y', 'CONFIG_IOMMU_SVA=y',
                    'CONFIG_PCI_PASID=y', 'CONFIG_INTEL_IDXD=m', 'CONFIG_INTEL_IDXD_SVM=y',
                    'CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON=y', ''])

DSA_TESTBED = """P: /devices/pci0000:6a/0000:6a:01.0
E: SUBSYSTEM=pci
A: vendor=0x8086
A: device=0x0b25

P: /devices/pci0000:6a/0000:6a:01.0/dsa0
E: SUBSYSTEM=dsa
A: pasid_enabled={pasid}
A: numa_node=0
A: op_cap=00000000,00000000,00000000,00000000,00000000,00000000,00000001,003f027d

P: /devices/pci0000:6a/0000:6a:01.0/dsa0/wq0.0
E: SUBSYSTEM=dsa
A: mode=shared
A: type=user
A: state=enabled
A: size=128
A: threshold=128
A: priority=10
A: max_batch_size=512
A: max_transfer_size=2097152
A: block_on_fault=0

P: /devices/pci0000:6a/0000:6a:01.0/dsa0/wq0.0/dsa!wq0.0
N: dsa/wq0.0
E: SUBSYSTEM=dsa
E: DEVNAME=/dev/dsa/wq0.0
E: MAJOR=509
E: MINOR=0
"""


def write(root, path, data, mode='w'):
    full = os.path.join(root, path.lstrip('/'))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, mode) as f:
        f.write(data)


def make_root(base, name, **kw):
    o = dict(flags=GOOD_FLAGS, release='6.1.0-18-amd64', cmdline='BOOT_IMAGE=/vmlinuz '
             'root=/dev/sda1 intel_iommu=on,sm_on', config=CONFIG, dmar={'dmar0': (GOOD_ECAP,
             CAP_FL5)}, lockdown='[none] integrity confidentiality', secureboot=None,
             shim='N', capeff='000001ffffffffff', dirs=())
    o.update(kw)
    root = os.path.join(base, name)
    os.makedirs(root)
    write(root, '/proc/cpuinfo', 'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: %s\n'
          '\nprocessor\t: 1\nflags\t\t: %s\n' % (o['flags'], o['flags']))
    write(root, '/proc/sys/kernel/osrelease', o['release'] + '\n')
    write(root, '/proc/cmdline', o['cmdline'] + '\n')
    if o['config'] is not None:
        write(root, '/boot/config-' + o['release'], o['config'])
    os.makedirs(os.path.join(root, 'sys/class/iommu'))
    for d in o['dirs']:
        os.makedirs(os.path.join(root, d.lstrip('/')))
    for unit, (ecap, cap) in o['dmar'].items():
        write(root, '/sys/class/iommu/%s/intel-iommu/ecap' % unit, ecap + '\n')
        write(root, '/sys/class/iommu/%s/intel-iommu/cap' % unit, cap + '\n')
    if o['lockdown'] is not None:
        write(root, '/sys/kernel/security/lockdown', o['lockdown'] + '\n')
    if o['secureboot'] is not None:
        write(root, '/sys/firmware/efi/efivars/'
              'SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c',
              b'\x06\x00\x00\x00' + bytes([o['secureboot']]), 'wb')
    if o['shim'] is not None:
        write(root, '/sys/module/pasid/parameters/mock', o['shim'] + '\n')
        write(root, '/dev/pasid', '')
    write(root, '/proc/self/status', 'Name:\tpasidctl\nCapEff:\t%s\n' % o['capeff'])
    return root


def doctor(base, name, cpuid='enqcmd,movdir64b,waitpkg', dsa='1', json_out=False, **kw):
    root = make_root(base, name, **kw)
    testbed = os.path.join(base, name + '.umockdev')
    with open(testbed, 'w') as f:
        f.write(DSA_TESTBED.format(pasid=dsa) if dsa is not None else '')
    wrapper = [UMOCKDEV_RUN] + (['-d', testbed] if dsa is not None else []) + ['--']
    args = ['doctor'] + (['--json'] if json_out else [])
    return run(P, args, env={'PASIDCTL_SYSROOT': root, 'PASIDCTL_CPUID': cpuid},
               wrapper=wrapper)


LINE = re.compile(r'^  (ok|info|warn|fail) +(\S+) +(.*)$')


def statuses(out):
    res = {}
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            res[m.group(2)] = (m.group(1), m.group(3))
    return res


def case(base, name, want_rc, expect, **kw):
    rc, out, err = doctor(base, name, **kw)
    st = statuses(out)
    check(rc == want_rc, '%s: exit %d, wanted %d\n%s%s' % (name, rc, want_rc, out, err))
    verdict = [l for l in out.splitlines() if l.startswith('Verdict: ')]
    check(len(verdict) == 1, '%s: one verdict line' % name)
    good = 'ENQCMD submission can work here' in (verdict or [''])[0]
    check(good == (want_rc == 0), '%s: verdict %r' % (name, verdict))
    for cid, (status, text) in expect.items():
        got = st.get(cid)
        if not check(got is not None, '%s: no line for %s\n%s' % (name, cid, out)):
            continue
        check(got[0] == status, '%s: %s is %s, wanted %s (%s)' % (name, cid, got[0], status,
                                                                   got[1]))
        if text:
            check(text in got[1], '%s: %s says %r, wanted %r' % (name, cid, got[1], text))
        if status in ('warn', 'fail'):
            lines = out.splitlines()
            idx = [i for i, l in enumerate(lines) if LINE.match(l) and
                   LINE.match(l).group(2) == cid][0]
            check(idx + 1 < len(lines) and 'fix: ' in lines[idx + 1],
                  '%s: %s has a fix line' % (name, cid))
    for cid in [c for c, (s, _) in expect.items() if s == 'fail']:
        check(cid in (verdict or [''])[0] or want_rc == 0 or not cid_blocks(cid),
              '%s: verdict names %s' % (name, cid))
    return out


def cid_blocks(cid):
    return cid not in ('dsa.dsa0', 'shim.node')


base = tempfile.mkdtemp(prefix='pasidctl-doctor-')

case(base, 'good', 0, {
    'cpu.enqcmd': ('ok', 'enabled by the kernel'), 'cpu.movdir64b': ('ok', None),
    'cpu.waitpkg': ('ok', None), 'kernel.version': ('ok', 'Linux 6.1.0-18-amd64'),
    'kernel.config': ('ok', None), 'iommu.dmar0': ('ok', 'scalable mode, PASID width 20'),
    'boot.paging': ('ok', '4-level'), 'boot.lockdown': ('ok', 'none'),
    'boot.secureboot': ('info', 'not booted through EFI'),
    'shim.module': ('ok', 'real'), 'shim.node': ('ok', None),
    'dsa.dsa0': ('ok', 'PASID enabled, 1 shared + 0 dedicated usable WQs'),
    'caps.rawio': ('ok', None)})
case(base, 'good-la57', 0, {'boot.paging': ('ok', '5-level paging'),
                            'iommu.dmar0': ('ok', None)}, flags=GOOD_FLAGS + ' la57')
case(base, 'no-iommu', 1, {'iommu.present': ('fail', '/sys/class/iommu is empty')}, dmar={},
     dsa=None)
case(base, 'vm-no-viommu', 1, {'iommu.present': ('fail', 'in this virtual machine')},
     dmar={}, dsa=None, flags=GOOD_FLAGS + ' hypervisor')
case(base, 'no-dsa', 1, {'dsa.devices': ('fail', 'no DSA/IAA device'),
                         'iommu.dmar0': ('ok', None)}, dsa=None)
case(base, 'sm-unsupported', 1, {'iommu.dmar0': ('fail', 'without scalable mode')},
     dmar={'dmar0': (NOSM_ECAP, CAP_FL5)})
case(base, 'sm-off-cmdline', 1, {'kernel.cmdline': ('fail', 'sm_off'),
                                 'iommu.dmar0': ('fail', 'leaves it off')},
     cmdline='intel_iommu=on,sm_off')
case(base, 'sm-default-off', 1, {'iommu.dmar0': ('fail', 'SCALABLE_MODE_DEFAULT_ON')},
     cmdline='intel_iommu=on', config=CONFIG.replace(
         'CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON=y',
         '# CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON is not set'))
case(base, 'iommu-off', 1, {'kernel.cmdline': ('fail', 'off'),
                            'iommu.present': ('fail', None)},
     cmdline='intel_iommu=off', dmar={})
case(base, 'no-pasid', 1, {'iommu.dmar0': ('fail', 'no PASID support')},
     dmar={'dmar0': (NOPASID_ECAP, CAP_FL5)})
case(base, 'no-enqcmd', 1, {'cpu.enqcmd': ('fail', 'not on this CPU'),
                            'cpu.movdir64b': ('warn', None), 'cpu.waitpkg': ('info', None)},
     flags='fpu sse sse2', cpuid='none')
case(base, 'enqcmd-hidden', 1, {'cpu.enqcmd': ('fail', 'kernel disabled it')},
     flags='fpu sse sse2 movdir64b', cpuid='enqcmd,movdir64b')
case(base, 'la57-no-fl5lp', 1, {'iommu.dmar0': ('fail', '5-level'),
                                'boot.paging': ('fail', '5-level')},
     flags=GOOD_FLAGS + ' la57', dmar={'dmar0': (GOOD_ECAP, CAP_NO_FL5)})
case(base, 'dsa-pasid-off', 1, {'dsa.dsa0': ('fail', 'pasid_enabled 0'),
                                'dsa.shared': ('fail', 'no usable shared')}, dsa='0')
case(base, 'old-kernel', 1, {'kernel.version': ('fail', '5.15')}, release='5.15.0-91-generic')
case(base, 'kernel-6.5', 0, {'kernel.version': ('warn', 'pasid.ko cannot load')},
     release='6.5.0-1-amd64')
case(base, 'no-svm-config', 1, {'kernel.config': ('fail', 'CONFIG_INTEL_IOMMU_SVM')},
     config=CONFIG.replace('CONFIG_INTEL_IOMMU_SVM=y', '# CONFIG_INTEL_IOMMU_SVM is not set'))
case(base, 'no-config', 0, {'kernel.config': ('warn', 'not found')}, config=None)
case(base, 'locked-down', 0, {'boot.lockdown': ('warn', 'integrity'),
                              'boot.secureboot': ('warn', 'Secure Boot is on'),
                              'shim.module': ('warn', 'not loaded'),
                              'shim.node': ('info', 'does not exist')},
     lockdown='none [integrity] confidentiality', secureboot=1, shim=None)
case(base, 'mock-shim-no-rawio', 0, {'shim.module': ('ok', 'mock'),
                                     'caps.rawio': ('warn', 'write(2)')},
     shim='Y', capeff='0000000000000000')
case(base, 'amd', 1, {'iommu.other': ('warn', 'not an Intel VT-d'),
                      'iommu.present': ('fail', 'no Intel VT-d'),
                      'cpu.enqcmd': ('fail', 'not on this CPU')},
     dmar={}, dsa=None, flags='fpu sse sse2', cpuid='none', dirs=['/sys/class/iommu/ivhd0'])

# --json: one document with every check
rc, out, err = doctor(base, 'json-good', json_out=True)
try:
    d = json.loads(out)
except ValueError:
    d = {}
    check(False, 'doctor --json: not JSON: %r' % out[:200])
check(rc == 0 and d.get('enqcmd_possible') is True and d.get('blocking') == [],
      'doctor --json good: enqcmd_possible')
ids = [c.get('id') for c in d.get('checks', [])]
for cid in ('cpu.enqcmd', 'kernel.version', 'iommu.dmar0', 'boot.paging', 'shim.module',
            'dsa.dsa0', 'caps.rawio'):
    check(cid in ids, 'doctor --json: has %s' % cid)
for c in d.get('checks', []):
    check(set(c) == {'id', 'status', 'blocks_enqcmd', 'message', 'fix'} and
          c['status'] in ('ok', 'info', 'warn', 'fail'), 'doctor --json: check shape %s' % c)
rc, out, err = doctor(base, 'json-bad', json_out=True, dmar={}, dsa=None)
d = json.loads(out) if out.startswith('{') else {}
check(rc == 1 and d.get('enqcmd_possible') is False and
      d.get('blocking') == ['iommu.present', 'dsa.devices'], 'doctor --json bad: blocking %s'
      % d.get('blocking'))

# -q: only warnings, failures and the verdict
rc, out, err = run(P, ['-q', 'doctor'], env={'PASIDCTL_SYSROOT': os.path.join(base, 'good'),
                                             'PASIDCTL_CPUID': 'enqcmd'},
                   wrapper=[UMOCKDEV_RUN, '--'])
check(rc == 1 and not re.search(r'^  ok ', out, re.M) and 'dsa.devices' in out,
      'doctor -q: no ok lines')

# garbage in every file doctor reads: never a crash, only exit 0 or 1
import random  # noqa: E402
rng = random.Random(7)
for i in range(40):
    root = os.path.join(base, 'garbage%d' % i)
    for path in ('/proc/cpuinfo', '/proc/sys/kernel/osrelease', '/proc/cmdline',
                 '/proc/self/status', '/proc/config.gz', '/sys/kernel/security/lockdown',
                 '/sys/class/iommu/dmar0/intel-iommu/ecap',
                 '/sys/class/iommu/dmar0/intel-iommu/cap', '/sys/module/pasid/parameters/mock',
                 '/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c',
                 '/boot/config-' + ('x' * rng.randint(0, 3))):
        if rng.random() < 0.8:
            junk = bytes(rng.choice(b'0123456789abcdefx[] \n\t:=\xff\x00flags enqcmd la57 '
                                    b'CONFIG_INTEL_IOMMU=y 6.1.')
                         for _ in range(rng.choice((0, 1, 5, 64, 5000))))
            write(root, path, junk, 'wb')
    rc, out, err = run(P, ['doctor'], env={'PASIDCTL_SYSROOT': root, 'PASIDCTL_CPUID': 'none'},
                       wrapper=[UMOCKDEV_RUN, '--'])
    check(rc in (0, 1) and 'Verdict: ' in out, 'garbage%d: exit %d (a crash?) %s' % (
        i, rc, err[-300:]))

shutil.rmtree(base, ignore_errors=True)
finish('cli-doctor')
