#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""qmp-unplug.py SERIAL_LOG QMP_SOCKET

Waits until the guest asks for a hot-unplug on its console (a line
"KTEST-QMP-UNPLUG <device id>" in SERIAL_LOG), then asks QEMU over QMP
(QEMU docs/interop/qmp-spec.rst) to delete that device (device_del: a PCIe
hot-unplug through its root port, which the guest's pciehp completes) and
waits for QEMU's DEVICE_DELETED event. Exit 0 iff the device was deleted;
1 if the guest never asked, QEMU went away or the unplug did not complete
within 60 s of the request.
"""
import json
import os
import socket
import sys
import time


def wait_request(log, deadline):
    while time.time() < deadline:
        try:
            with open(log, errors="replace") as f:
                for line in f:
                    if line.startswith("KTEST-QMP-UNPLUG "):
                        return line.split()[1].strip()
        except FileNotFoundError:
            pass
        time.sleep(0.5)
    return None


class Qmp:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.f = self.s.makefile("r")

    def read(self):
        line = self.f.readline()
        if not line:
            raise EOFError("QEMU closed the QMP socket")
        return json.loads(line)

    def call(self, cmd, args=None):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.s.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self.read()
            if "return" in r or "error" in r:
                return r
            self.events.append(r)


def main():
    log, path = sys.argv[1], sys.argv[2]
    os.chdir(os.path.dirname(os.path.abspath(path)))   # short socket name
    dev = wait_request(log, time.time() + 600)
    if not dev:
        print("qmp-unplug: the guest never asked for an unplug", file=sys.stderr)
        return 1
    q = Qmp(os.path.basename(path))
    q.events = []
    q.read()                                            # greeting
    q.call("qmp_capabilities")
    r = q.call("device_del", {"id": dev})
    if "error" in r:
        print("qmp-unplug: device_del %s: %s" % (dev, r["error"]), file=sys.stderr)
        return 1
    print("qmp-unplug: device_del %s sent" % dev, file=sys.stderr)
    q.s.settimeout(60)
    while True:
        ev = q.events.pop(0) if q.events else q.read()
        if ev.get("event") == "DEVICE_DELETED" and ev.get("data", {}).get("device") == dev:
            print("qmp-unplug: %s deleted" % dev, file=sys.stderr)
            return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, EOFError, ValueError) as e:
        print("qmp-unplug: %s" % e, file=sys.stderr)
        sys.exit(1)
