"""The writer of the local backends: a file that takes its target's name only when complete."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

from django.core.files.base import File

__all__ = ["AtomicWriteFile", "current_umask", "write_atomically"]

_umask_lock = threading.Lock()


def current_umask() -> int:
    """Return the process umask without racing other threads where the OS tells it."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        status = ""
    match = re.search(r"^Umask:\s*([0-7]+)$", status, re.MULTILINE)
    if match:
        return int(match.group(1), 8)
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def write_atomically(
    target: str,
    chunks: Iterable[bytes | str],
    *,
    file_mode: int | None,
    replace: bool,
    encoding: str = "utf-8",
) -> None:
    """Write *chunks* to *target* through an :class:`AtomicWriteFile`.

    Readers see the old content or the new, never a part; if writing fails nothing changes.
    """
    with AtomicWriteFile(target, "wb", file_mode, replace=replace) as handle:
        for chunk in chunks:
            handle.write(chunk.encode(encoding) if isinstance(chunk, str) else chunk)


def _move_without_replacing(source: str, target: str) -> None:
    """Give *source*'s content the name *target*, failing if *target* exists."""
    try:
        os.link(source, target)  # atomic, and refuses an existing target
    except FileExistsError:
        raise
    except OSError:
        # No hard links here (some network filesystems): claim the name, then fill it.
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.replace(source, target)


class AtomicWriteFile(File):
    """A local file opened for writing that takes its target's name only when closed cleanly.

    It writes to a temporary file beside the target; ``close()`` moves it to the target (over an
    existing file with *replace*, else refusing with ``FileExistsError``), and leaving a
    ``with`` block through an exception (or :meth:`abort`) throws it away.
    """

    def __init__(
        self, target: str, mode: str, file_mode: int | None, *, replace: bool = True
    ) -> None:
        directory, basename = os.path.split(target)
        fd, self._temp_path = tempfile.mkstemp(
            prefix=f".{basename[:100]}.", suffix=".part", dir=directory
        )
        self._target = target
        self._file_mode = file_mode
        self._replace = replace
        self._handle = os.fdopen(fd, mode)
        super().__init__(self._handle, target)
        self.mode = mode

    def close(self) -> None:
        """Flush, then put the written content in place of the target."""
        if self._handle.closed:
            return
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            mode = self._file_mode if self._file_mode is not None else 0o666 & ~current_umask()
            os.chmod(self._temp_path, mode)
            if self._replace:
                os.replace(self._temp_path, self._target)
            else:
                _move_without_replacing(self._temp_path, self._target)
        finally:
            with contextlib.suppress(OSError):
                self._handle.close()
            Path(self._temp_path).unlink(missing_ok=True)

    def abort(self) -> None:
        """Throw away what was written; the target keeps its previous content."""
        self._handle.close()
        Path(self._temp_path).unlink(missing_ok=True)

    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()
