"""Options of the MogileFS backend."""

from __future__ import annotations

import dataclasses
from typing import Any

from storages.options import BaseOptions, option

__all__ = ["MogileFSOptions"]


def _trackers(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        raise TypeError('expected a list of "host:port" strings')
    trackers = [str(item).strip() for item in value if str(item).strip()]
    for tracker in trackers:
        host, sep, port = tracker.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f'tracker {tracker!r} is not "host:port"')
    return trackers


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class MogileFSOptions(BaseOptions):
    domain: str = option("", setting="MOGILEFS_DOMAIN", env="MOGILEFS_DOMAIN", required=True)
    """The MogileFS domain files are read from and written to, e.g. `"production"`."""
    trackers: list[str] = option(
        factory=list,
        setting="MOGILEFS_TRACKERS",
        env="MOGILEFS_TRACKERS",
        convert=_trackers,
        required=True,
    )
    """Trackers as `"host:port"` (a list, or a comma-separated string); the next one is tried
    when one cannot be reached."""
    media_url: str | None = option(None, setting="MOGILEFS_MEDIA_URL", aliases=("base_url",))
    """Prefix of the URLs `url()` returns, where `serve_mogilefs_file` is mounted, e.g.
    `"/mogilefs/"`; `MEDIA_URL` when unset."""
    serve_with_perlbal: bool = option(False, setting="SERVE_WITH_PERLBAL")
    """Let `serve_mogilefs_file` answer with an `X-REPROXY-URL` header for Perlbal instead of
    streaming the file through Django."""
    mogile_class: str | None = option(None)
    """The MogileFS class of new files (how many copies are kept); usually a class attribute
    of a subclass: `class AvatarStorage(MogileFSStorage): mogile_class = "avatar"`."""
    location: str = option("")
    """Key prefix under which files are stored."""
    file_overwrite: bool = option(False)
    """Replace a file saved under an existing key instead of Django's renaming."""
    timeout: float = option(10.0, setting="MOGILEFS_TIMEOUT")
    """Seconds before a tracker or storage-node request gives up."""
    max_memory_size: int = option(2 * 1024 * 1024)
    """Bytes a write keeps in memory before spooling to a temporary file."""
