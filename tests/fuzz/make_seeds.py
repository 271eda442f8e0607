#!/usr/bin/env python3
# Regenerates the binary seeds of corpus/dsa_ops and corpus/device (the
# JSON seeds are copies of examples/).  Layouts: see fuzz_dsa_ops.c and
# fuzz_device.c.  Run from anywhere: python3 tests/fuzz/make_seeds.py
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

NOOP, BATCH, DRAIN, MEMMOVE, MEMFILL, COMPARE, COMPVAL, CR_DELTA, AP_DELTA, DUALCAST = range(10)
CRCGEN, COPY_CRC, DIF_CHECK, DIF_INS, DIF_STRP, DIF_UPDT = range(0x10, 0x16)
CFLUSH = 0x20
FENCE, BOF, CRAV, RCR, RCI = 1, 2, 4, 8, 0x10
CR_FLAGS = CRAV | RCR


def desc(op, flags=CR_FLAGS, cr=0, a1=0, a2=0, size=0, spec=b''):
    d = struct.pack('<IIQQQIHH', 0, (op << 24) | flags, cr, a1, a2, size, 0, 0)
    return d + spec.ljust(24, b'\0')


def pattern(n, mul=131, add=7):
    return bytes((i * mul + add) & 0xff for i in range(n))


def image(parts, size):
    b = bytearray(size)
    for off, data in parts:
        b[off:off + len(data)] = data
    return bytes(b)


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# ---- dsa_ops: window at 0x1000, 16 pages ----------------------------------
W = 0x1000


def ops_seed(name, descs, flags=0, max_run=0, kinds=(0,) * 16, img=b''):
    k = 0
    for p, v in enumerate(kinds):
        k |= (v & 3) << (2 * p)
    hdr = bytes([(len(descs) - 1) | flags, max_run]) + struct.pack('<I', k)
    write('dsa_ops', name, hdr + b''.join(descs) + img)


data = pattern(512)
ops_seed('memmove', [desc(MEMMOVE, a1=W, a2=W + 0x3000, size=4096)], img=data)
ops_seed('memmove_overlap', [desc(MEMMOVE, a1=W + 0x100, a2=W + 0x180, size=6000)],
         flags=0x10 | 0x08, img=data)
ops_seed('memmove_fault', [desc(MEMMOVE, a1=W, a2=W + 0x2800, size=8192)],
         kinds=(0, 0, 0, 1) + (0,) * 12, img=data)
ops_seed('fill', [desc(MEMFILL, a1=0x0123456789abcdef, a2=W + 0x2001, size=8000)])
ops_seed('compare', [desc(COMPARE, a1=W, a2=W + 0x1000, size=4096)], img=data)
ops_seed('compval', [desc(COMPVAL, a1=W, a2=0x0706050403020100, size=64)],
         img=bytes(range(8)) * 8)
ops_seed('crc', [desc(CRCGEN, a1=W, size=4096, spec=struct.pack('<IIQ', 0xffffffff, 0, 0))],
         img=data, max_run=100)
ops_seed('copy_crc', [desc(COPY_CRC, a1=W, a2=W + 0x4000, size=5000,
                           spec=struct.pack('<IIQ', 0, 0, 0))], img=data)
ops_seed('dualcast', [desc(DUALCAST, a1=W, a2=W + 0x2000, size=2048,
                           spec=struct.pack('<Q', W + 0x5000))], img=data)
ops_seed('cr_delta', [desc(CR_DELTA, a1=W, a2=W + 0x1000, size=256,
                           spec=struct.pack('<QII', W + 0x8000, 800, 0))],
         img=image([(0, pattern(256)), (0x1000, pattern(256, 131, 9))], 0x1100))
ops_seed('ap_delta', [desc(AP_DELTA, a1=W + 0x100, a2=W + 0x1000, size=1024,
                           spec=struct.pack('<I', 20))],
         img=image([(0x100, struct.pack('<HQ', 3, 0x1111111111111111) +
                     struct.pack('<HQ', 9, 0x2222222222222222))], 0x100 + 20))
ops_seed('dif_ins', [desc(DIF_INS, a1=W, a2=W + 0x4000, size=1024,
                          spec=bytes([0, 0, 0]) + bytes(13) + struct.pack('<IHH', 1, 0xffff, 7))],
         img=data)
ops_seed('dif_check', [desc(DIF_CHECK, a1=W, size=520,
                            spec=bytes([0, 0, 0]) + bytes(5) + struct.pack('<IHH', 1, 0, 0))],
         img=data)
ops_seed('several', [desc(MEMMOVE, a1=W, a2=W + 0x3000, size=300),
                     desc(MEMFILL, a1=0x5a5a5a5a5a5a5a5a, a2=W + 0x6000, size=4096),
                     desc(COMPARE, a1=W, a2=W + 0x3000, size=300),
                     desc(CFLUSH, a2=W + 0x6000, size=4096),
                     desc(NOOP)],
         img=data)

# ---- device: buffer at 0x10000000, descriptors as given -------------------
B = 0x10000000


def dev_seed(name, descs, mode=0x10, polls=8, img=b''):
    hdr = bytes([(len(descs) - 1) | mode, polls])
    write('device', name, hdr + b''.join(descs) + img)


page = image([(0x1000, pattern(256))], 0x1100)
dev_seed('memmove', [desc(MEMMOVE, cr=B, a1=B + 0x1000, a2=B + 0x3000, size=4096)], img=page)
# The oracle's cases: overlapping copies both ways (memmove semantics).
dev_seed('memmove_overlap_up', [desc(MEMMOVE, cr=B, a1=B + 0x1000, a2=B + 0x1080, size=4096)], img=page)
dev_seed('memmove_overlap_down', [desc(MEMMOVE, cr=B, a1=B + 0x1080, a2=B + 0x1000, size=4096)], img=page)
dev_seed('memmove_bof_untouched',
         [desc(MEMMOVE, flags=CR_FLAGS | BOF, cr=B, a1=B + 0x1000, a2=B + 0x5000, size=8192)],
         mode=0, img=page)
dev_seed('memmove_partial',
         [desc(MEMMOVE, cr=B, a1=B + 0x1000, a2=B + 0x5000, size=8192)], mode=0, img=page)
dev_seed('fill', [desc(MEMFILL, cr=B + 0x40, a1=0x1122334455667788, a2=B + 0x2000, size=8192)])
dev_seed('dedicated_movdir64b',
         [desc(MEMMOVE, cr=B, a1=B + 0x1000, a2=B + 0x3000, size=4096)], mode=0x10 | 0x08, img=page)
dev_seed('exit_in_flight',
         [desc(MEMMOVE, flags=CR_FLAGS | BOF, cr=B, a1=B + 0x1000, a2=B + 0x4000, size=0x8000)],
         mode=0x20, img=page)
dev_seed('readonly_dst',
         [desc(MEMMOVE, flags=CR_FLAGS | BOF, cr=B, a1=B + 0x1000, a2=B + 0x9000, size=4096)],
         mode=0x10 | 0x40, img=page)
batch_list = (desc(MEMMOVE, cr=B + 0x40, a1=B + 0x1000, a2=B + 0x3000, size=4096) +
              desc(MEMFILL, cr=B + 0x80, a1=0xfeedfacecafebeef, a2=B + 0x4000, size=4096) +
              desc(COMPARE, cr=B + 0xc0, a1=B + 0x1000, a2=B + 0x3000, size=4096))
dev_seed('batch', [desc(BATCH, cr=B, a1=B + 0x800, size=3)],
         img=image([(0x800, batch_list), (0x1000, pattern(256))], 0x1100))
dev_seed('several', [desc(MEMMOVE, cr=B + 0x000, a1=B + 0x1000, a2=B + 0x3000, size=4096),
                     desc(COMPARE, cr=B + 0x040, a1=B + 0x1000, a2=B + 0x3000, size=4096),
                     desc(CRCGEN, cr=B + 0x080, a1=B + 0x1000, size=4096),
                     desc(DRAIN, cr=B + 0x0c0),
                     desc(NOOP, cr=B + 0x100)], img=page)
dev_seed('cr_elsewhere', [desc(MEMMOVE, cr=0x7fff00000000, a1=B + 0x1000, a2=B + 0x3000, size=64)],
         img=page)

# ---- JSON loaders: the examples ------------------------------------------
for f in sorted(os.listdir(os.path.join(ROOT, 'examples', 'configs'))):
    if f.endswith('.json'):
        os.makedirs(os.path.join(HERE, 'corpus', 'accel_config'), exist_ok=True)
        shutil.copy(os.path.join(ROOT, 'examples', 'configs', f),
                    os.path.join(HERE, 'corpus', 'accel_config', f))
for f in sorted(os.listdir(os.path.join(ROOT, 'examples', 'scenarios'))):
    if f.endswith('.json'):
        os.makedirs(os.path.join(HERE, 'corpus', 'scenario'), exist_ok=True)
        shutil.copy(os.path.join(ROOT, 'examples', 'scenarios', f),
                    os.path.join(HERE, 'corpus', 'scenario', f))
