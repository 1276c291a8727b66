#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""server-selftest.py: vfio-user-server.py as a client sees it, without QEMU.

Starts the server for an 8-bit function, speaks the protocol to it and
checks the config space (capability chain, PASID width), the write mask
(control bits only), PRI's stopped bit, the error reply to an unknown
command, and that the server exits 0 when the client closes. Exit 0 iff all
hold.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

HDR = struct.Struct("<HHIII")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("not ok -", what)


class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.id = 0

    def call(self, cmd, payload=b""):
        self.id += 1
        self.s.sendall(HDR.pack(self.id, cmd, HDR.size + len(payload), 0, 0) + payload)
        hdr = self.recv(HDR.size)
        mid, rcmd, size, flags, err = HDR.unpack(hdr)
        body = self.recv(size - HDR.size)
        check(mid == self.id and rcmd == cmd and flags & 0xf == 1,
              "reply header for command %d" % cmd)
        return err if flags & 0x20 else 0, body

    def recv(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def cfg_read(self, off, count):
        err, body = self.call(9, struct.pack("<QII", off, 7, count))
        check(err == 0 and len(body) == 16 + count, "config read at %#x" % off)
        return body[16:]

    def cfg_write(self, off, data):
        err, _ = self.call(10, struct.pack("<QII", off, 7, len(data)) + data)
        check(err == 0, "config write at %#x" % off)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "vu.sock")
    srv = subprocess.Popen([sys.executable, os.path.join(here, "vfio-user-server.py"),
                            path, "8"])
    for _ in range(100):
        if os.path.exists(path):
            break
        time.sleep(0.05)
    c = Client(path)
    err, body = c.call(1, struct.pack("<HH", 0, 0) + b'{"capabilities":{}}\0')
    check(err == 0 and body[:4] == b"\0\0\0\0" and b"max_data_xfer_size" in body,
          "version reply")
    err, body = c.call(4, struct.pack("<IIII", 16, 0, 0, 0))
    check(err == 0 and struct.unpack("<IIII", body)[1:] == (3, 9, 5), "device info")
    err, body = c.call(5, struct.pack("<IIIIQQ", 32, 0, 7, 0, 0, 0))
    check(err == 0 and struct.unpack("<IIIIQQ", body)[4] == 4096, "config region size")
    cfg = c.cfg_read(0, 4096)
    check(struct.unpack_from("<H", cfg, 0)[0] == 0x1b36, "vendor id")
    caps, off = {}, 0x100
    while off:
        hdr = struct.unpack_from("<I", cfg, off)[0]
        caps[hdr & 0xffff] = off
        off = hdr >> 20
    check(sorted(caps) == [0x0f, 0x13, 0x1b], "extended capabilities %s" % sorted(caps))
    pasid = caps.get(0x1b, 0x110)
    check(cfg[pasid + 5] & 0x1f == 8, "PASID width %d, want 8" % (cfg[pasid + 5] & 0x1f))
    # control bits are writable, capability bits are not
    c.cfg_write(pasid + 4, b"\xff\xff\xff\xff")
    got = struct.unpack("<HH", c.cfg_read(pasid + 4, 4))
    check(got == (0x0806, 0x0007), "PASID cap/control after writing ones: %#x %#x" % got)
    c.cfg_write(0x00, b"\0\0\0\0")
    check(c.cfg_read(0, 2) == b"\x36\x1b", "vendor id is read-only")
    pri = caps.get(0x13, 0x120)
    check(struct.unpack("<H", c.cfg_read(pri + 6, 2))[0] & 0x100, "PRI stopped while off")
    c.cfg_write(pri + 4, b"\x01\x00")
    check(not struct.unpack("<H", c.cfg_read(pri + 6, 2))[0] & 0x100,
          "PRI not stopped once enabled")
    err, _ = c.call(13)
    check(err == 0 and c.cfg_read(pasid + 6, 2) == b"\0\0", "reset clears PASID control")
    err, _ = c.call(99)
    check(err == 95, "unknown command: error %d, want ENOTSUP" % err)
    err, _ = c.call(9, struct.pack("<QII", 0, 0, 4))
    check(err == 22, "read of BAR 0: error %d, want EINVAL" % err)
    c.s.close()
    try:
        rc = srv.wait(timeout=10)
    except subprocess.TimeoutExpired:
        srv.kill()
        rc = -1
    check(rc == 0, "server exit status %d after the client closed" % rc)
    shutil.rmtree(tmp)
    print("ok - vfio-user server" if not failures else "%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
