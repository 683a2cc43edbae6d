"""Count what a process holds open: file descriptors and sockets (Linux /proc)."""

from __future__ import annotations

import gc
import os
import time

__all__ = ["open_fds", "open_sockets", "settle"]


def open_fds() -> int:
    """Return how many file descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


def open_sockets() -> int:
    """Return how many of this process's file descriptors are sockets."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


def settle(seconds: float = 0.5) -> None:
    """Let finished threads' clients close and garbage be collected before counting."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.05)
