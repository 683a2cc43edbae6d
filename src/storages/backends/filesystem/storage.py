"""The filesystem storage the other local backends derive from."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

from storages import paths
from storages.backends.filesystem.options import LocalOptions
from storages.features import FILESYSTEM_FEATURES, Feature
from storages.options import resolve

__all__ = ["AtomicWriteFile", "LocalStorage", "write_atomically"]

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


@deconstructible(path="storages.backends.filesystem.LocalStorage")
class LocalStorage(FileSystemStorage):
    """Django's :class:`FileSystemStorage` with this package's name rules.

    Names go through :func:`storages.paths.clean_name`, so traversal, absolute paths, NUL bytes
    and backslash tricks raise ``SuspiciousFileOperation`` the same way on every backend.
    """

    features: ClassVar[Feature] = FILESYSTEM_FEATURES | Feature.ATOMIC_WRITE

    #: Whether saving under an existing name replaces the file (see OverwriteStorage).
    replaces_files: ClassVar[bool] = False
    #: The declared options, checked (not resolved: Django reads its settings lazily) on creation.
    options_class: ClassVar[type[LocalOptions]] = LocalOptions

    def __init__(
        self,
        location: str | os.PathLike[str] | None = None,
        base_url: str | None = None,
        file_permissions_mode: int | None = None,
        directory_permissions_mode: int | None = None,
        **kwargs: Any,
    ) -> None:
        given = {
            "location": location,
            "base_url": base_url,
            "file_permissions_mode": file_permissions_mode,
            "directory_permissions_mode": directory_permissions_mode,
        }
        resolve(
            self.options_class,
            type(self),
            {name: value for name, value in given.items() if value is not None},
            stop=LocalStorage,
        )
        super().__init__(
            location, base_url, file_permissions_mode, directory_permissions_mode, **kwargs
        )

    def _save(self, name: str, content: File) -> str:
        while True:
            full_path = self.path(name)
            self._ensure_directory(full_path)
            try:
                write_atomically(
                    full_path,
                    content.chunks(),
                    file_mode=self.file_permissions_mode,
                    replace=self.replaces_files,
                )
            except FileExistsError:
                # The name was taken since get_available_name(): pick another, as Django does.
                name = self.get_available_name(name)
                continue
            return str(name).replace("\\", "/")

    def url(self, name: str | None) -> str:
        """Return the URL of *name*, cleaned by the same rules as every other method."""
        return str(super().url(paths.clean_name(name) if name else name))

    def _open(self, name: str, mode: str = "rb") -> File:
        if not set(mode) & set("wax+"):
            opened: File = super()._open(name, mode)  # type: ignore[misc]
            return opened
        if set(mode) & set("ax+"):
            raise ValueError(f"Unsupported mode {mode!r}: use 'r', 'rb', 'w' or 'wb'")
        full_path = self.path(name)
        self._ensure_directory(full_path)
        return AtomicWriteFile(full_path, mode, self.file_permissions_mode)

    def path(self, name: str) -> str:
        """Return the local path of *name*, refusing names that leave the root."""
        return super().path(paths.clean_name(name))

    def _ensure_directory(self, full_path: str) -> None:
        directory = os.path.dirname(full_path)
        if self.directory_permissions_mode is not None:
            old = os.umask(0o777 & ~self.directory_permissions_mode)
            try:
                os.makedirs(directory, self.directory_permissions_mode, exist_ok=True)
            finally:
                os.umask(old)
        else:
            os.makedirs(directory, exist_ok=True)
