#!/usr/bin/env python3
"""Writes proc/kpageflags and proc/kpagecount for HostScannerTest: 4096 pfns laid out by hand
(see the table in HostScannerTest). Run from this directory; the outputs are checked in."""
import struct

LRU, SLAB, BUDDY, MMAP, ANON, HEAD, TAIL, HUGE, THP, UPTODATE, PGTABLE = 5, 7, 10, 11, 12, 15, 16, 17, 22, 3, 26
RESERVED, PRIVATE = 32, 35
B = lambda *bits: sum(1 << b for b in bits)

flags = [0] * 4096
count = [0] * 4096
def put(lo, hi, f, c=0):
    for p in range(lo, hi):
        flags[p] = f; count[p] = c

put(0, 1, B(RESERVED))
# 1..15: blank, outside System RAM in iomem -> holes
put(16, 32, B(RESERVED))
put(32, 64, B(BUDDY))
put(64, 65, B(SLAB, HEAD)); put(65, 66, B(SLAB, TAIL))
put(66, 67, B(PGTABLE))
put(67, 72, B(BUDDY))
put(72, 73, B(ANON, THP, HEAD, LRU, MMAP), 1); put(73, 80, B(ANON, THP, TAIL, LRU, MMAP), 1)
put(80, 96, B(LRU, UPTODATE))
put(96, 2048, B(BUDDY))
put(2048, 2051, B(PRIVATE))
# 2051..2055: blank
put(2056, 2560, B(BUDDY))
put(2560, 2561, B(HUGE, HEAD)); put(2561, 3072, B(HUGE, TAIL))
# 3072..4095: blank (memory not yet handed to the buddy)

with open('proc/kpageflags', 'wb') as f:
    f.write(b''.join(struct.pack('<Q', v) for v in flags))
with open('proc/kpagecount', 'wb') as f:
    f.write(b''.join(struct.pack('<Q', v) for v in count))
