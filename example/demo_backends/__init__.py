"""The servers ``make demo`` can run the example site against: one module per ``DEMO_STORAGE``.

Each module defines ``setup(workdir: Path) -> DemoBackend``: it starts the backend's local
server through the project's test-server harness (``tests/harness``), prepares it (bucket,
container, user...) and says how the site's ``STORAGES`` should point at it and, in ``where``,
where the files go. A module whose server is installed by a script of
``scripts/test-servers/`` names it in ``INSTALL`` (``make demo`` runs it first).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.harness.servers import ServerStartError, port_open

__all__ = ["DemoBackend", "s3_port"]

#: Said of every server the demo starts: nothing of it outlives the demo.
LOCAL = "started for this demo; its content is gone when the demo stops"


def s3_port() -> int | None:
    """Return the port ``S3_PORT`` asks for the demo's S3 server (``None``: any free port)."""
    raw = os.environ.get("S3_PORT", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ServerStartError(f"S3_PORT={raw!r} is not a TCP port number")
    if port_open(int(raw)):
        raise ServerStartError(f"S3_PORT={raw}: something listens there already; pick another")
    return int(raw)


@dataclass
class DemoBackend:
    """What the example site needs to use one backend."""

    #: Dotted path of the media storage class.
    backend: str
    #: Its ``OPTIONS`` (JSON-serialisable).
    options: dict[str, Any]
    #: Stops the servers ``setup()`` started.
    stop: Callable[[], None]
    #: Where the files are, for a person: the server, its address, the bucket/container/folder,
    #: and that it is a local emulator or stand-in (shown on the demo page).
    where: str
    #: The ``staticfiles`` entry of ``STORAGES``, if static files should live there too.
    static: dict[str, Any] | None = None
    #: Extra environment variables for the site (e.g. ``DEMO_SQLITE`` for a database).
    env: dict[str, str] = field(default_factory=dict)
