#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vfio-user-server.py SOCKET PASID_WIDTH

Serves one emulated PCIe endpoint to QEMU's vfio-user-pci device over the
Unix socket SOCKET (vfio-user protocol, QEMU docs/interop/vfio-user.rst).
The function has a config space only (no BAR, no interrupt, no DMA) with the
extended capabilities a guest IOMMU driver needs to enable PASID on it:
ATS (PCIe r6.0 sec. 10.5.1), PASID (sec. 7.8.8) with a Max PASID Width of
PASID_WIDTH bits (1..20), and PRI (sec. 10.5.2). The guest can write only
the control bits (per-byte write mask), so what it reads back is what a
device would hold.

Serves one connection, exits 0 when the client closes it. Protocol errors
are printed to stderr and end the server with status 1.
"""
import array
import os
import socket
import struct
import sys

# vfio-user commands (header "command" field)
VERSION, DMA_MAP, DMA_UNMAP, GET_INFO, GET_REGION_INFO = 1, 2, 3, 4, 5
GET_IRQ_INFO, SET_IRQS, REGION_READ, REGION_WRITE, DEVICE_RESET = 7, 8, 9, 10, 13
# header flags
F_REPLY, F_NO_REPLY, F_ERROR = 0x1, 0x10, 0x20
HDR = struct.Struct("<HHIII")          # id, command, size, flags, error

CONFIG_REGION = 7                      # VFIO_PCI_CONFIG_REGION_INDEX
NUM_REGIONS, NUM_IRQS = 9, 5           # VFIO_PCI_NUM_REGIONS, _NUM_IRQS
DEV_FLAGS = 0x1 | 0x2                  # VFIO_DEVICE_FLAGS_RESET | _PCI
EINVAL, ENOTSUP = 22, 95

ATS, PASID, PRI = 0x100, 0x110, 0x120  # extended capability offsets


def config_space(width):
    """The reset image of the config space and its write mask."""
    cfg = bytearray(4096)
    mask = bytearray(4096)

    def put(off, fmt, val):
        struct.pack_into("<" + fmt, cfg, off, val)

    def writable(off, fmt, bits):
        struct.pack_into("<" + fmt, mask, off, bits)

    put(0x00, "H", 0x1b36)             # Red Hat, Inc. (QEMU's PCI vendor id)
    put(0x02, "H", 0x11f0)             # not claimed by any Linux driver
    put(0x06, "H", 0x0010)             # status: capability list
    put(0x08, "I", 0xff000001)         # class ff (unassigned), revision 1
    put(0x2c, "H", 0x1b36)             # subsystem vendor
    put(0x34, "B", 0x40)               # first capability
    writable(0x04, "H", 0x0547)        # command: io, mem, master, parity, serr
    writable(0x0c, "H", 0xffff)        # cache line size, latency timer
    writable(0x3c, "B", 0xff)          # interrupt line

    # PCI Express capability, version 2, endpoint, no next capability
    put(0x40, "H", 0x0010)
    put(0x42, "H", 0x0002)
    put(0x44, "I", 0x00008000)         # DevCap: role-based error reporting
    put(0x4c, "I", 0x00000011)         # LinkCap: 2.5 GT/s, x1
    put(0x52, "H", 0x0011)             # LinkSta: 2.5 GT/s, x1
    # DevCap2: Extended Fmt Field and End-End TLP Prefix supported: Linux
    # enables PASID only where the TLP prefix path is complete
    put(0x64, "I", (1 << 20) | (1 << 21))
    writable(0x48, "H", 0xffff)        # DevCtl
    writable(0x50, "H", 0x0fff)        # LinkCtl
    writable(0x68, "H", 0xffff)        # DevCtl2
    writable(0x70, "H", 0xffff)        # LinkCtl2

    def ext_cap(off, cap_id, nxt):
        put(off, "I", cap_id | 1 << 16 | nxt << 20)

    ext_cap(ATS, 0x000f, PASID)
    put(ATS + 4, "H", 0x0020)          # page-aligned requests, queue depth 32
    writable(ATS + 6, "H", 0x801f)     # enable, smallest translation unit
    ext_cap(PASID, 0x001b, PRI)
    put(PASID + 4, "H", (width << 8) | 0x6)   # max width, exec, privileged
    writable(PASID + 6, "H", 0x0007)   # enable, exec, privileged
    ext_cap(PRI, 0x0013, 0)
    put(PRI + 6, "H", 0x0100)          # status: stopped (PRI disabled)
    put(PRI + 8, "I", 32)              # outstanding page request capacity
    writable(PRI + 4, "H", 0x0001)     # enable (reset is self-clearing)
    writable(PRI + 12, "I", 0xffffffff)  # outstanding request allocation
    return cfg, mask


class Device:
    def __init__(self, width):
        self.width = width
        self.reset()

    def reset(self):
        self.cfg, self.mask = config_space(self.width)

    def read(self, off, count):
        if off + count > len(self.cfg):
            return None
        return bytes(self.cfg[off:off + count])

    def write(self, off, data):
        if off + len(data) > len(self.cfg):
            return False
        for i, b in enumerate(data):
            m = self.mask[off + i]
            self.cfg[off + i] = (self.cfg[off + i] & ~m & 0xff) | (b & m)
        # PRI "stopped" means PRI is disabled with nothing outstanding
        enabled = self.cfg[PRI + 4] & 1
        st = struct.unpack_from("<H", self.cfg, PRI + 6)[0]
        st = (st & ~0x0100) | (0 if enabled else 0x0100)
        struct.pack_into("<H", self.cfg, PRI + 6, st)
        return True


def recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def recv_msg(conn):
    """One message: (header tuple, payload) or None at EOF. Passed fds are closed."""
    fds = array.array("i")
    hdr, anc, _, _ = conn.recvmsg(HDR.size, socket.CMSG_SPACE(64 * fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
    for fd in fds:
        os.close(fd)           # DMA memory: this device does no DMA
    if not hdr:
        return None
    if len(hdr) < HDR.size:
        rest = recv_exact(conn, HDR.size - len(hdr))
        if rest is None:
            return None
        hdr += rest
    h = HDR.unpack(hdr)
    if h[2] < HDR.size:
        raise ValueError("bad message size %d" % h[2])
    payload = recv_exact(conn, h[2] - HDR.size) if h[2] > HDR.size else b""
    if payload is None:
        return None
    return h, payload


def handle(dev, cmd, p):
    """Return (errno, reply payload)."""
    if cmd == VERSION:
        caps = b'{"capabilities":{"max_msg_fds":8,"max_data_xfer_size":1048576}}'
        return 0, struct.pack("<HH", 0, 0) + caps + b"\0"
    if cmd == DMA_MAP:
        return 0, b""
    if cmd == DMA_UNMAP:
        return 0, p[:24]       # argsz, flags, address, size: as asked
    if cmd == GET_INFO:
        return 0, struct.pack("<IIII", 16, DEV_FLAGS, NUM_REGIONS, NUM_IRQS)
    if cmd == GET_REGION_INFO:
        index = struct.unpack_from("<I", p, 8)[0]
        if index >= NUM_REGIONS:
            return EINVAL, b""
        flags, size = (0x3, 4096) if index == CONFIG_REGION else (0, 0)
        return 0, struct.pack("<IIIIQQ", 32, flags, index, 0, size, 0)
    if cmd == GET_IRQ_INFO:
        index = struct.unpack_from("<I", p, 8)[0]
        if index >= NUM_IRQS:
            return EINVAL, b""
        return 0, struct.pack("<IIII", 16, 0, index, 0)
    if cmd == SET_IRQS:
        return 0, b""
    if cmd in (REGION_READ, REGION_WRITE):
        off, region, count = struct.unpack_from("<QII", p, 0)
        if region != CONFIG_REGION:
            return EINVAL, b""
        if cmd == REGION_READ:
            data = dev.read(off, count)
            if data is None:
                return EINVAL, b""
            return 0, p[:16] + data
        if not dev.write(off, p[16:16 + count]):
            return EINVAL, b""
        return 0, p[:16]
    if cmd == DEVICE_RESET:
        dev.reset()
        return 0, b""
    return ENOTSUP, b""


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, width = sys.argv[1], int(sys.argv[2])
    if not 1 <= width <= 20:
        print("PASID width must be 1..20", file=sys.stderr)
        return 2
    dev = Device(width)
    # bind by a relative name: a socket path is limited to 107 bytes
    os.chdir(os.path.dirname(os.path.abspath(path)))
    name = os.path.basename(path)
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(name + ".tmp")
    srv.listen(1)
    os.rename(name + ".tmp", name)     # the socket appears ready to accept
    conn, _ = srv.accept()
    srv.close()
    while True:
        msg = recv_msg(conn)
        if msg is None:
            return 0
        (mid, cmd, _, flags, _), payload = msg
        if flags & 0xf != 0:
            print("vfio-user-server: unexpected reply from the client", file=sys.stderr)
            return 1
        try:
            err, reply = handle(dev, cmd, payload)
        except struct.error:
            err, reply = EINVAL, b""
        if flags & F_NO_REPLY:
            continue
        rflags = F_REPLY | (F_ERROR if err else 0)
        conn.sendall(HDR.pack(mid, cmd, HDR.size + len(reply), rflags, err) + reply)


if __name__ == "__main__":
    sys.exit(main())
