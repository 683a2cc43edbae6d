"""The one 256 MiB round trip every backend's large-file test runs, with bounded memory.

``round_trip_256_mib(storage)`` saves 256 MiB of generated content, reads it back whole and then
1 KiB of it, and asserts that none of it raised the process's peak resident memory by more
than :data:`RSS_BOUND`. Tests that take long on an emulator carry ``@big_files`` (run them with
``STORAGES_BIG_FILES=1``).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storages.testing.content import GeneratedFile, digest_of

__all__ = ["BIG", "RSS_BOUND", "big_files", "peak_rss_growth", "round_trip_256_mib"]

BIG = 256 * 1024 * 1024
#: How far a 256 MiB save or read may raise the process's peak resident memory (the issue's bound).
RSS_BOUND = 64 * 1024 * 1024

big_files = pytest.mark.skipif(
    os.environ.get("STORAGES_BIG_FILES") != "1", reason="set STORAGES_BIG_FILES=1 (256 MiB)"
)


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} in /proc/self/status")


@contextlib.contextmanager
def peak_rss_growth() -> Iterator[list[int]]:
    """Measure how far the block raises the peak resident memory above the current level.

    Yields a list that holds the growth in bytes once the block ends. Linux only: the peak
    (``VmHWM``) is reset through ``/proc/self/clear_refs`` first, so what earlier tests did does
    not count.
    """
    Path("/proc/self/clear_refs").write_text("5")
    baseline = _status("VmRSS")
    growth: list[int] = []
    yield growth
    growth.append(_status("VmHWM") - baseline)


def round_trip_256_mib(storage: Any) -> str:
    """Save 256 MiB, read it back, read 1 KiB of it, asserting bounded memory; return a summary."""
    content = GeneratedFile(BIG, "huge.bin")
    expected = content.digest()
    started = time.monotonic()
    with peak_rss_growth() as save_growth:
        name = storage.save("huge.bin", content)
    saved = time.monotonic()
    with peak_rss_growth() as read_growth, storage.open(name) as handle:
        actual = digest_of(handle.chunks(chunk_size=1024 * 1024))
    read = time.monotonic()
    with peak_rss_growth() as head_growth, storage.open(name) as handle:
        head = handle.read(1024)
    assert actual == expected
    assert head == GeneratedFile(1024).read()
    assert storage.size(name) == BIG
    storage.delete(name)
    summary = (
        f"256 MiB: save {saved - started:.1f} s, peak RSS +{save_growth[0] / 2**20:.1f} MiB; "
        f"read {read - saved:.1f} s, +{read_growth[0] / 2**20:.1f} MiB; "
        f"1 KiB read +{head_growth[0] / 2**20:.1f} MiB"
    )
    assert save_growth[0] < RSS_BOUND, summary
    assert read_growth[0] < RSS_BOUND, summary
    assert head_growth[0] < 8 * 1024 * 1024, summary
    return summary
