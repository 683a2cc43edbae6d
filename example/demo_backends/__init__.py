"""The servers ``make demo`` can run the example site against: one module per ``DEMO_STORAGE``.

Each module defines ``setup(workdir: Path) -> DemoBackend``: it starts the backend's local
server through the project's test-server harness (``tests/harness``), prepares it (bucket,
container, user...) and says how the site's ``STORAGES`` should point at it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DemoBackend"]


@dataclass
class DemoBackend:
    """What the example site needs to use one backend."""

    #: Dotted path of the media storage class.
    backend: str
    #: Its ``OPTIONS`` (JSON-serialisable).
    options: dict[str, Any]
    #: Stops the servers ``setup()`` started.
    stop: Callable[[], None]
    #: The ``staticfiles`` entry of ``STORAGES``, if static files should live there too.
    static: dict[str, Any] | None = None
    #: Extra environment variables for the site (e.g. ``DEMO_SQLITE`` for a database).
    env: dict[str, str] = field(default_factory=dict)
