#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the seed corpus of fuzz-desc: one valid descriptor per DSA operation
(and a batch, a drain, IAA and block-on-fault variants, an unbound PASID),
laid out as fuzz-desc.c reads its input: 4 header bytes, the 64-byte
descriptor, the batch list pages, the data pages. Addresses are offsets in
the sandbox window (fuzz-desc.c folds them)."""
import os
import struct
import sys

PG = 4096
LIST = 1 * PG            # list pages start here in the window
DATA = 3 * PG            # data pages start here
CR = DATA + 15 * 1024    # completion records, 64-byte aligned
CRAV, RCR, BOF = 1 << 2, 1 << 3, 1 << 6
OPS = dict(noop=0, batch=1, drain=2, memmove=3, fill=4, compare=5, compval=6,
           dualcast=9, crcgen=0x10, copy_crc=0x11)


def desc(op, flags=CRAV | RCR, comp=CR, a=0, b=0, size=0, tail=b""):
    d = struct.pack("<IIQQQIHH", 0, (flags & 0xffffff) | op << 24, comp, a, b, size, 0, 0)
    return (d + tail).ljust(64, b"\0")


def seed(name, hdr, d, members=b"", data=b""):
    out = os.path.join(sys.argv[1], name)
    body = bytes(hdr) + d + members.ljust(2 * PG, b"\0") + data.ljust(4 * PG, b"\x5a")
    with open(out, "wb") as f:
        f.write(body)


def main():
    os.makedirs(sys.argv[1], exist_ok=True)
    dsa = [0x00, 30, 0, 0]
    seed("noop", dsa, desc(OPS["noop"]))
    seed("memmove", dsa, desc(OPS["memmove"], a=DATA, b=DATA + 2048, size=1000))
    seed("memmove-overlap", dsa, desc(OPS["memmove"], a=DATA, b=DATA + 100, size=3000))
    seed("memmove-cross-guard", dsa, desc(OPS["memmove"], a=DATA, b=DATA + 4 * PG - 64,
                                          size=4096))
    seed("fill", dsa, desc(OPS["fill"], a=0x0123456789abcdef, b=DATA, size=4000))
    seed("compare", dsa, desc(OPS["compare"], a=DATA, b=DATA + 4096, size=512))
    seed("compval", dsa, desc(OPS["compval"], a=DATA, b=0x5a5a5a5a5a5a5a5a, size=512))
    seed("dualcast", dsa, desc(OPS["dualcast"], a=DATA, b=DATA + PG, size=256,
                               tail=struct.pack("<Q", DATA + 2 * PG)))
    seed("crcgen", dsa, desc(OPS["crcgen"], a=DATA, size=777,
                             tail=struct.pack("<II", 0xffffffff, 0)))
    seed("crcgen-seed-addr", dsa, desc(OPS["crcgen"], flags=CRAV | RCR | 1 << 16, a=DATA,
                                       size=64, tail=struct.pack("<IIQ", 0, 0, DATA + 8)))
    seed("copy-crc", dsa, desc(OPS["copy_crc"], a=DATA, b=DATA + PG, size=300))
    seed("drain-readback", dsa, desc(OPS["drain"], flags=CRAV | RCR | 3 << 16, a=DATA,
                                     b=DATA + 64))
    members = (desc(OPS["memmove"], comp=CR - 64, a=DATA, b=DATA + 1024, size=512) +
               desc(OPS["fill"], comp=CR - 128, a=7, b=DATA + 8192, size=100) +
               desc(OPS["noop"], flags=CRAV | RCR | 1, comp=CR - 192))
    seed("batch", dsa, desc(OPS["batch"], a=LIST, size=3), members)
    seed("batch-bad-member", dsa, desc(OPS["batch"], a=LIST, size=2),
         desc(OPS["batch"], comp=CR - 64) + desc(0x7f, comp=CR - 128))
    seed("iaa-memmove", [0x01, 30, 0, 0], desc(OPS["memmove"], a=DATA, b=DATA + PG, size=64))
    seed("bof-injected-fault", [0x12, 30, 3 + 1, 0],
         desc(OPS["memmove"], flags=CRAV | RCR | BOF, a=DATA, b=DATA + PG, size=8000))
    seed("injected-fault", [0x10, 30, 4, 0], desc(OPS["memmove"], a=DATA, b=DATA + PG,
                                                   size=8000))
    seed("unbound-pasid", [0x08, 30, 0, 0], desc(OPS["memmove"], a=DATA, b=DATA + PG, size=8))
    seed("bad-flags", dsa, desc(OPS["memmove"], flags=CRAV | RCR | 1 << 23, a=DATA, b=DATA,
                                size=8))
    seed("misaligned-cr", dsa, desc(OPS["noop"], comp=CR + 8))


main()
