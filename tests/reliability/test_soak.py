"""Soak: 10,000 small operations on one S3Storage against moto; memory must stay flat.

Each cycle saves 1 KiB under a new name, reads it back and deletes it (3 operations). A full
10,000 cycles takes about 5 minutes on moto on this 2-core machine (about 30 ms a cycle, half
of it moto's), so the soak runs 10,000 *operations* (3,334 cycles), after a 500-cycle warm-up
that lets the client fill its caches and pools.

Memory is measured twice after a full garbage collection: the resident set (``/proc/self/statm``,
which also sees memory that C code allocates) and the number of blocks Python's allocator has
handed out (``sys.getallocatedblocks()``, exact for Python objects and nearly free to read,
unlike tracing every allocation with tracemalloc, which slows the run by 60 %).
"""

from __future__ import annotations

import gc
import os
import sys
import time
from typing import Any

from django.core.files.base import ContentFile

from storages.backends.s3 import S3Storage
from tests.reliability.resources import open_fds, open_sockets, settle

WARM_UP_CYCLES = 500
CYCLES = 3334  # x 3 operations = 10,002
SIZE = 1024
#: The names cycle through as many as the warm-up uses. Each new name costs about 50 bytes for
#: good on CPython 3.12: Django's name validation builds a PurePath, pathlib interns the parts,
#: and 3.12 never frees interned strings. That is outside this package, and would hide a leak.
NAMES = WARM_UP_CYCLES
#: Resident-set growth allowed over the measured cycles. The allocator keeps freed memory in
#: its arenas, so the resident set moves by a few hundred KiB with no leak at all; 4 MiB is
#: about 400 bytes per operation: a leak of one small object per operation (a response, a
#: buffer, a frame of a traceback) breaks it.
RSS_BOUND = 4 * 1024 * 1024
#: Growth allowed in Python's allocated blocks: bounded caches that settle late (the standard
#: library's URL-splitting cache holds 128). A leak of one object per cycle is 3,334 blocks.
BLOCKS_BOUND = 1000


def resident_bytes() -> int:
    """Return this process's resident set size."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _memory() -> tuple[int, int]:
    gc.collect()
    return resident_bytes(), sys.getallocatedblocks()


def _cycle(storage: S3Storage, index: int) -> None:
    content = index.to_bytes(4, "big") * (SIZE // 4)
    name = storage.save(f"soak/{index % NAMES}.bin", ContentFile(content))
    with storage.open(name, "rb") as handle:
        assert handle.read() == content, f"cycle {index} read back other bytes"
    storage.delete(name)


def test_soak_memory_stays_flat(s3_options: dict[str, Any]) -> None:
    storage = S3Storage(**s3_options)
    for index in range(WARM_UP_CYCLES):
        _cycle(storage, index)
    settle()
    fds, sockets = open_fds(), open_sockets()
    rss, blocks = _memory()

    started = time.monotonic()
    for index in range(WARM_UP_CYCLES, WARM_UP_CYCLES + CYCLES):
        _cycle(storage, index)
    elapsed = time.monotonic() - started

    rss_after, blocks_after = _memory()
    print(
        f"\nsoak: {CYCLES * 3} operations in {elapsed:.1f} s ({elapsed / CYCLES * 1000:.1f} ms a "
        f"cycle); RSS {rss / 2**20:.1f} -> {rss_after / 2**20:.1f} MiB, "
        f"blocks {blocks} -> {blocks_after}"
    )
    assert not storage.listdir("soak")[1], "deleted files are still listed"
    assert rss_after - rss < RSS_BOUND, f"RSS grew by {(rss_after - rss) / 2**20:.1f} MiB"
    assert blocks_after - blocks < BLOCKS_BOUND, f"{blocks_after - blocks} more blocks allocated"
    storage.close()
    settle()
    assert open_sockets() <= sockets and open_fds() <= fds, "the client kept descriptors open"
