#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""pasidctl doctor on fake systems.

Each case builds a fake root (proc, sys, boot, dev/pasid, PCI config space)
read through PASIDCTL_SYSROOT, fakes CPUID with PASIDCTL_CPUID, and runs
doctor under umockdev-run, whose testbed holds the DSA/IAA devices libudev
discovers (an empty testbed: no devices). Checked: the status of named
checks, the verdict of each submission path (shared WQ + ENQCMD, dedicated
WQ + MOVDIR64B, write(2)), the verdict line and the exit status (0 when at
least one path can work).
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

DEDICATED_WQ = """
P: /devices/pci0000:6a/0000:6a:01.0/dsa0/wq0.1
E: SUBSYSTEM=dsa
A: mode=dedicated
A: type=user
A: state=enabled
A: size=16
A: threshold=0
A: priority=10
A: max_batch_size=512
A: max_transfer_size=2097152
A: block_on_fault=0

P: /devices/pci0000:6a/0000:6a:01.0/dsa0/wq0.1/dsa!wq0.1
N: dsa/wq0.1
E: SUBSYSTEM=dsa
E: DEVNAME=/dev/dsa/wq0.1
E: MAJOR=509
E: MINOR=1
"""
# op_cap of a DSA 1.0 as idxd shows it with its INTEL-SA-01084 check (BATCH,
# opcode 1, hidden) and without it (BATCH shown)
OPCAP_CHECKED = '00000000,00000000,00000000,00000000,00000000,00000000,00000001,003f027d'
OPCAP_UNCHECKED = '0x1003f027f 0x0 0x0 0x0'


def write(root, path, data, mode='w'):
    full = os.path.join(root, path.lstrip('/'))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, mode) as f:
        f.write(data)


def pci_config(pasid=True, ats=True, pri=True, width=20, size=4096):
    """Config space with ATS (0x100), PRI (0x140) and PASID (0x180) capabilities."""
    c = bytearray(size)
    c[0:4] = bytes([0x86, 0x80, 0x25, 0x0b])

    def hdr(off, cid, nxt):
        c[off:off + 4] = (cid | 1 << 16 | nxt << 20).to_bytes(4, 'little')
    if size > 0x100:
        hdr(0x100, 0x0f, 0x140)
        c[0x106:0x108] = ((1 << 15) if ats else 0).to_bytes(2, 'little')
        hdr(0x140, 0x13, 0x180)
        c[0x144:0x146] = (1 if pri else 0).to_bytes(2, 'little')
        hdr(0x180, 0x1b, 0)
        c[0x184:0x186] = (2 | 4 | (width << 8)).to_bytes(2, 'little')
        c[0x186:0x188] = (1 if pasid else 0).to_bytes(2, 'little')
    return bytes(c)


def make_root(base, name, **kw):
    o = dict(flags=GOOD_FLAGS, release='6.1.0-18-amd64', cmdline='BOOT_IMAGE=/vmlinuz '
             'root=/dev/sda1 intel_iommu=on,sm_on', config=CONFIG, dmar={'dmar0': (GOOD_ECAP,
             CAP_FL5)}, lockdown='[none] integrity confidentiality', secureboot=None,
             shim='prod', capeff='000001ffffffffff', dirs=(), version=None, idxd_sva='Y',
             dsa_sysfs=('0x100', OPCAP_CHECKED), pci={})
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
        write(root, '/sys/module/pasid/refcnt', '0\n')
        if o['shim'] != 'prod':     # only a test build has the mock parameter
            write(root, '/sys/module/pasid/parameters/mock', o['shim'] + '\n')
        write(root, '/dev/pasid', '')
    if o['version'] is not None:
        write(root, '/proc/version', o['version'] + '\n')
    if o['idxd_sva'] is not None:
        write(root, '/sys/module/idxd/parameters/sva', o['idxd_sva'] + '\n')
    if o['dsa_sysfs'] is not None:
        write(root, '/sys/bus/dsa/devices/dsa0/version', o['dsa_sysfs'][0] + '\n')
        write(root, '/sys/bus/dsa/devices/dsa0/op_cap', o['dsa_sysfs'][1] + '\n')
    for fn, (drv, cfg) in o['pci'].items():
        write(root, '/sys/bus/pci/devices/%s/config' % fn, cfg, 'wb')
        if drv:
            os.makedirs(os.path.join(root, 'sys/bus/pci/drivers', drv), exist_ok=True)
            os.symlink('../../../bus/pci/drivers/' + drv,
                       os.path.join(root, 'sys/bus/pci/devices', fn, 'driver'))
    write(root, '/proc/self/status', 'Name:\tpasidctl\nCapEff:\t%s\n' % o['capeff'])
    return root


def doctor(base, name, cpuid='enqcmd,movdir64b,waitpkg', dsa='1', json_out=False,
           dedicated=True, **kw):
    root = make_root(base, name, **kw)
    testbed = os.path.join(base, name + '.umockdev')
    with open(testbed, 'w') as f:
        f.write(DSA_TESTBED.format(pasid=dsa) + (DEDICATED_WQ if dedicated else '')
                if dsa is not None else '')
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


PATH = re.compile(r'^  (shared WQ \+ ENQCMD|dedicated WQ \+ MOVDIR64B|write\(2\) to a WQ) +'
                  r'(can work|may work|cannot work)(: (.*))?')
PATH_KEYS = {'shared WQ + ENQCMD': 'enqcmd', 'dedicated WQ + MOVDIR64B': 'movdir64b',
             'write(2) to a WQ': 'write'}
NONE = {'enqcmd': 'cannot', 'movdir64b': 'cannot', 'write': 'cannot'}
ALL = {'enqcmd': 'can', 'movdir64b': 'can', 'write': 'can'}


def case(base, name, paths, expect, **kw):
    """@paths: {'enqcmd'|'movdir64b'|'write': 'can'|'may'|'cannot'}."""
    rc, out, err = doctor(base, name, **kw)
    st = statuses(out)
    want_rc = 0 if any(v != 'cannot' for v in paths.values()) else 1
    check(rc == want_rc, '%s: exit %d, wanted %d\n%s%s' % (name, rc, want_rc, out, err))
    verdict = [l for l in out.splitlines() if l.startswith('Verdict: ')]
    check(len(verdict) == 1, '%s: one verdict line' % name)
    n = sum(1 for v in paths.values() if v != 'cannot')
    want_verdict = ('Verdict: %d of 3 submission paths can work here' % n if n else
                    'Verdict: no submission path can work here')
    check(want_verdict in (verdict or [''])[0], '%s: verdict %r, wanted %r' % (
        name, verdict, want_verdict))
    got = {}
    for line in out.splitlines():
        m = PATH.match(line)
        if m:
            got[PATH_KEYS[m.group(1)]] = m.group(2).split()[0]
            # a path that cannot work names only checks that failed
            for cid in (m.group(4) or '').split(', ') if m.group(2) == 'cannot work' else []:
                check(st.get(cid, ('?',))[0] == 'fail', '%s: %s blocked by %s, which did '
                      'not fail' % (name, m.group(1), cid))
    check(got == paths, '%s: paths %s, wanted %s\n%s' % (name, got, paths, out))
    for cid, (status, text) in expect.items():
        g = st.get(cid)
        if not check(g is not None, '%s: no line for %s\n%s' % (name, cid, out)):
            continue
        check(g[0] == status, '%s: %s is %s, wanted %s (%s)' % (name, cid, g[0], status, g[1]))
        if text:
            check(text in g[1], '%s: %s says %r, wanted %r' % (name, cid, g[1], text))
        if status in ('warn', 'fail'):
            lines = out.splitlines()
            idx = [i for i, l in enumerate(lines) if LINE.match(l) and
                   LINE.match(l).group(2) == cid][0]
            check(idx + 1 < len(lines) and 'fix: ' in lines[idx + 1],
                  '%s: %s has a fix line' % (name, cid))
    return out


base = tempfile.mkdtemp(prefix='pasidctl-doctor-')

case(base, 'good', ALL, {
    'cpu.enqcmd': ('ok', 'enabled by the kernel'), 'cpu.movdir64b': ('ok', None),
    'cpu.waitpkg': ('ok', None), 'kernel.version': ('ok', 'Linux 6.1.0-18-amd64'),
    'kernel.config': ('ok', None), 'kernel.sva': ('ok', 'allows SVA on x86'),
    'iommu.dmar0': ('ok', 'scalable mode, PASID width 20'),
    'boot.paging': ('ok', '4-level'), 'boot.lockdown': ('ok', 'none'),
    'boot.secureboot': ('info', 'not booted through EFI'),
    'pci.caps': ('info', 'no PCI function with a PASID capability'),
    'idxd.sva': ('ok', 'sva=Y'),
    'shim.module': ('ok', 'production build, real mode'), 'shim.node': ('ok', None),
    'dsa.dsa0': ('ok', 'PASID enabled, 1 shared + 1 dedicated usable WQs; not submission-safe'),
    'dsa.write': ('ok', 'write(2) submission'), 'caps.rawio': ('ok', None)})
case(base, 'good-la57', ALL, {'boot.paging': ('ok', '5-level paging'),
                              'iommu.dmar0': ('ok', None)}, flags=GOOD_FLAGS + ' la57')
case(base, 'no-iommu', NONE, {'iommu.present': ('fail', '/sys/class/iommu is empty')},
     dmar={}, dsa=None)
case(base, 'vm-no-viommu', NONE, {'iommu.present': ('fail', 'in this virtual machine'),
                                  'cpu.vm': ('info', 'KVM passes MOVDIR64B')},
     dmar={}, dsa=None, flags=GOOD_FLAGS + ' hypervisor')
case(base, 'no-dsa', NONE, {'dsa.devices': ('fail', 'no DSA/IAA device'),
                            'iommu.dmar0': ('ok', None)}, dsa=None)
case(base, 'sm-unsupported', NONE, {'iommu.dmar0': ('fail', 'without scalable mode')},
     dmar={'dmar0': (NOSM_ECAP, CAP_FL5)})
case(base, 'sm-off-cmdline', NONE, {'kernel.cmdline': ('fail', 'sm_off'),
                                    'iommu.dmar0': ('fail', 'leaves it off')},
     cmdline='intel_iommu=on,sm_off')
case(base, 'sm-default-off', NONE, {'iommu.dmar0': ('fail', 'SCALABLE_MODE_DEFAULT_ON')},
     cmdline='intel_iommu=on', config=CONFIG.replace(
         'CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON=y',
         '# CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON is not set'))
case(base, 'iommu-off', NONE, {'kernel.cmdline': ('fail', 'off'),
                               'iommu.present': ('fail', None)},
     cmdline='intel_iommu=off', dmar={})
case(base, 'no-pasid', NONE, {'iommu.dmar0': ('fail', 'no PASID support')},
     dmar={'dmar0': (NOPASID_ECAP, CAP_FL5)})
# no ENQCMD and no MOVDIR64B: write(2) still works
case(base, 'no-enqcmd', {'enqcmd': 'cannot', 'movdir64b': 'cannot', 'write': 'can'},
     {'cpu.enqcmd': ('fail', 'not on this CPU'), 'cpu.movdir64b': ('fail', 'not on this CPU'),
      'cpu.waitpkg': ('info', None)}, flags='fpu sse sse2', cpuid='none')
case(base, 'enqcmd-hidden', {'enqcmd': 'cannot', 'movdir64b': 'can', 'write': 'can'},
     {'cpu.enqcmd': ('fail', 'kernel disabled it')},
     flags='fpu sse sse2 movdir64b', cpuid='enqcmd,movdir64b')
# a KVM guest: MOVDIR64B yes, ENQCMD never
case(base, 'kvm-guest', {'enqcmd': 'cannot', 'movdir64b': 'can', 'write': 'can'},
     {'cpu.vm': ('info', 'virtual machine'),
      'cpu.enqcmd': ('fail', 'not in this VM (KVM does not expose ENQCMD')},
     flags='fpu sse sse2 movdir64b hypervisor', cpuid='movdir64b')
case(base, 'la57-no-fl5lp', NONE, {'iommu.dmar0': ('fail', '5-level'),
                                   'boot.paging': ('fail', '5-level')},
     flags=GOOD_FLAGS + ' la57', dmar={'dmar0': (GOOD_ECAP, CAP_NO_FL5)})
case(base, 'dsa-pasid-off', NONE, {'dsa.dsa0': ('fail', 'pasid_enabled 0'),
                                   'dsa.shared': ('fail', 'no usable shared'),
                                   'dsa.dedicated': ('fail', 'no usable dedicated'),
                                   'dsa.write': ('fail', 'no usable work queue')}, dsa='0')
case(base, 'shared-only', {'enqcmd': 'can', 'movdir64b': 'cannot', 'write': 'can'},
     {'dsa.dedicated': ('fail', 'no usable dedicated')}, dedicated=False)
case(base, 'old-kernel', NONE, {'kernel.version': ('fail', '5.15')},
     release='5.15.0-91-generic')
case(base, 'kernel-6.5', ALL, {'kernel.version': ('warn', 'pasid.ko cannot load')},
     release='6.5.0-1-amd64')
case(base, 'no-svm-config', NONE, {'kernel.config': ('fail', 'CONFIG_INTEL_IOMMU_SVM')},
     config=CONFIG.replace('CONFIG_INTEL_IOMMU_SVM=y', '# CONFIG_INTEL_IOMMU_SVM is not set'))
case(base, 'no-config', ALL, {'kernel.config': ('warn', 'not found')}, config=None)
case(base, 'locked-down', ALL, {'boot.lockdown': ('warn', 'integrity'),
                                'boot.secureboot': ('warn', 'Secure Boot is on'),
                                'shim.module': ('warn', 'not loaded'),
                                'shim.node': ('info', 'does not exist')},
     lockdown='none [integrity] confidentiality', secureboot=1, shim=None)
# SVA on x86 in stable kernels: 6.12.95 turns it off; 6.12.117 and 7.x need SMPWC
BPO = 'Linux version 6.12.95+deb12-amd64 (debian-kernel@lists.debian.org) #1 SMP ' \
      'PREEMPT_DYNAMIC Debian 6.12.95-1~bpo12+1 (2026-05-01)'
TRIXIE = 'Linux version 6.12.117+deb13-amd64 (debian-kernel@lists.debian.org) #1 SMP ' \
         'PREEMPT_DYNAMIC Debian 6.12.117-1 (2026-10-01)'
NO_SMPWC_ECAP = '%x' % (0x3ef9ea6f050df & ~(1 << 48))
case(base, 'bpo-6.12.95-sva-off', NONE,
     {'kernel.sva': ('fail', 'disable SVA when CONFIG_X86 is set'),
      'kernel.version': ('ok', '6.12.95')},
     release='6.12.95+deb12-amd64', version=BPO)
case(base, 'bpo-6.12.95-full-fix', ALL,
     {'kernel.sva': ('ok', 'ASYNC_KERNEL_PGTABLE_FREE')},
     release='6.12.95+deb12-amd64', version=BPO,
     config=CONFIG + 'CONFIG_ASYNC_KERNEL_PGTABLE_FREE=y\n')
case(base, 'trixie-no-smpwc', NONE,
     {'kernel.sva': ('ok', 'requires page-walk-coherent'),
      'iommu.dmar0': ('fail', 'SMPWC bit 48 clear')},
     release='6.12.117+deb13-amd64', version=TRIXIE, dmar={'dmar0': (NO_SMPWC_ECAP, CAP_FL5)},
     config=CONFIG + 'CONFIG_ASYNC_KERNEL_PGTABLE_FREE=y\n')
case(base, 'trixie-smpwc', ALL, {'iommu.dmar0': ('ok', 'page walks coherent (SMPWC)')},
     release='6.12.117+deb13-amd64', version=TRIXIE)
case(base, 'debian12-no-smpwc', ALL,
     {'iommu.dmar0': ('ok', 'not coherent (no SMPWC; this kernel does not require it)')},
     dmar={'dmar0': (NO_SMPWC_ECAP, CAP_FL5)})
case(base, 'kvm-7.2-qemu-viommu', NONE,
     {'iommu.dmar0': ('fail', 'Linux 7.2 refuses SVA on such a unit'),
      'cpu.vm': ('info', None)},
     release='7.2.13-amd64', flags='fpu sse sse2 movdir64b hypervisor', cpuid='movdir64b',
     dmar={'dmar0': (NO_SMPWC_ECAP, CAP_FL5)})
# idxd without SVA
case(base, 'idxd-sva-off', NONE, {'idxd.sva': ('fail', 'sva=N')}, idxd_sva='N')
case(base, 'idxd-not-loaded', ALL, {'idxd.module': ('info', 'not loaded')}, idxd_sva=None)
# the PASID/ATS/PRI state of PCI functions
case(base, 'pci-states', ALL, {
    'pci.0000:6a:01.0': ('ok', '0000:6a:01.0 idxd: PASID enabled (width 20, exec, priv), '
                               'ATS enabled, PRI enabled'),
    'pci.0000:6a:02.0': ('fail', 'PASID disabled'),
    'pci.0000:e7:01.0': ('warn', 'ATS disabled'),
    'pci.0000:e7:02.0': ('info', 'PRI disabled'),
    'pci.0000:f0:00.0': ('ok', '(no driver): PASID disabled (width 8')},
    pci={'0000:6a:01.0': ('idxd', pci_config()),
         '0000:6a:02.0': ('idxd', pci_config(pasid=False)),
         '0000:e7:01.0': ('idxd', pci_config(ats=False)),
         '0000:e7:02.0': ('idxd', pci_config(pri=False)),
         '0000:f0:00.0': (None, pci_config(pasid=False, width=8)),
         '0000:00:1f.0': ('lpc_ich', bytes(4096))})
# a server with hundreds of functions: the DSA behind them is still read
MANY = {'0000:%02x:%02x.%d' % (b, dv, f): (None, bytes(64))
        for b in range(3) for dv in range(32) for f in range(8)}
MANY['0000:e7:01.0'] = ('idxd', pci_config())
case(base, 'pci-many-functions', ALL, {'pci.0000:e7:01.0': ('ok', 'PASID enabled')}, pci=MANY)
case(base, 'pci-short-config', ALL, {'pci.caps': ('info', 'only 256 bytes')},
     pci={'0000:6a:01.0': ('idxd', pci_config(size=256))})
# the shim's build and mode
case(base, 'shim-test-real', ALL, {'shim.module': ('warn', 'TEST build in real mode')},
     shim='N')
# submission safety: no CAP_SYS_RAWIO on a kernel with idxd's check: write(2) only
case(base, 'mock-shim-no-rawio', {'enqcmd': 'cannot', 'movdir64b': 'cannot', 'write': 'can'},
     {'shim.module': ('warn', 'TEST build in mock mode'),
      'caps.rawio': ('fail', 'not submission-safe (these are)')},
     shim='Y', capeff='0000000000000000')
# ... on a kernel without it (op_cap still shows BATCH): mmap for all, no write(2)
case(base, 'no-safety-check', {'enqcmd': 'can', 'movdir64b': 'can', 'write': 'cannot'},
     {'caps.rawio': ('ok', 'not needed'), 'dsa.write': ('fail', 'predates'),
      'dsa.dsa0': ('ok', 'no submission-safety check')},
     capeff='0000000000000000', dsa_sysfs=('0x100', OPCAP_UNCHECKED))
# ... unknown (no DSA 1.0 op_cap to read, a 6.1 kernel): each path only may work
case(base, 'safety-unknown', {'enqcmd': 'may', 'movdir64b': 'may', 'write': 'may'},
     {'caps.rawio': ('warn', 'these may be'), 'dsa.write': ('warn', 'cannot be read here')},
     capeff='0000000000000000', dsa_sysfs=None)
case(base, 'safety-7.x', {'enqcmd': 'cannot', 'movdir64b': 'cannot', 'write': 'can'},
     {'caps.rawio': ('fail', None)}, capeff='0000000000000000', dsa_sysfs=None,
     release='7.2.13-amd64')
case(base, 'amd', NONE, {'iommu.other': ('warn', 'not an Intel VT-d'),
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
check(rc == 0 and d.get('enqcmd_possible') is True and d.get('blocking') == [] and
      d.get('possible_paths') == 3, 'doctor --json good: enqcmd_possible, 3 paths')
for key in ('enqcmd', 'movdir64b', 'write'):
    pth = d.get('paths', {}).get(key, {})
    check(pth.get('possible') is True and pth.get('certain') is True and
          pth.get('blocking') == [] and pth.get('doubts') == [], 'doctor --json: path %s' % key)
ids = [c.get('id') for c in d.get('checks', [])]
for cid in ('cpu.enqcmd', 'kernel.version', 'iommu.dmar0', 'boot.paging', 'shim.module',
            'dsa.dsa0', 'caps.rawio'):
    check(cid in ids, 'doctor --json: has %s' % cid)
for c in d.get('checks', []):
    check(set(c) == {'id', 'status', 'blocks_enqcmd', 'paths', 'message', 'fix'} and
          c['status'] in ('ok', 'info', 'warn', 'fail'), 'doctor --json: check shape %s' % c)
rc, out, err = doctor(base, 'json-bad', json_out=True, dmar={}, dsa=None)
d = json.loads(out) if out.startswith('{') else {}
check(rc == 1 and d.get('enqcmd_possible') is False and
      d.get('blocking') == ['iommu.present', 'dsa.devices'] and d.get('possible_paths') == 0 and
      d.get('paths', {}).get('write', {}).get('blocking') == ['iommu.present', 'dsa.devices'],
      'doctor --json bad: blocking %s' % d.get('blocking'))
rc, out, err = doctor(base, 'json-kvm', json_out=True, flags='fpu movdir64b hypervisor',
                      cpuid='movdir64b')
d = json.loads(out) if out.startswith('{') else {}
cpu = [c for c in d.get('checks', []) if c.get('id') == 'cpu.enqcmd']
check(rc == 0 and d.get('enqcmd_possible') is False and d.get('possible_paths') == 2 and
      cpu and cpu[0]['paths'] == ['enqcmd'] and cpu[0]['blocks_enqcmd'] is True and
      d['paths']['movdir64b']['possible'] is True,
      'doctor --json kvm guest: ENQCMD blocked by cpu.enqcmd alone (%s)' % out[-600:])

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
                 '/proc/version', '/sys/module/idxd/parameters/sva',
                 '/sys/bus/dsa/devices/dsa0/version', '/sys/bus/dsa/devices/dsa0/op_cap',
                 '/sys/bus/pci/devices/0000:6a:01.0/config',
                 '/sys/module/pasid/parameters/test_pci_width',
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
