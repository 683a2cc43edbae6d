"""MogileFS through the project's stand-in tracker + storage node (tests/servers/).

``url()`` points under ``MOGILEFS_MEDIA_URL`` (``/mogilefs/``), where the site mounts the
backend's ``serve_mogilefs_file`` view, as the backend's documentation says to.
"""

from __future__ import annotations

from pathlib import Path

from demo_backends import LOCAL, DemoBackend
from tests.backends.mogilefs.servers import DOMAIN, prepare, trackers
from tests.harness.catalog import CATALOG
from tests.harness.servers import start


def setup(workdir: Path) -> DemoBackend:
    server = start(CATALOG["mogilefs"], workdir)
    try:
        prepare(server)  # the domain (and the 1.x documentation's classes)
    except BaseException:
        server.stop()
        raise
    return DemoBackend(
        backend="storages.backends.mogilefs.MogileFSStorage",
        options={
            "domain": DOMAIN,
            "trackers": trackers(server),
            "media_url": "/mogilefs/",
            "location": "media",
        },
        stop=server.stop,
        where=(
            f"the project's stand-in MogileFS tracker and storage node at "
            f"{', '.join(trackers(server))}, domain {DOMAIN}, keys under media/ (not MogileFS: "
            f"a local imitation of its protocol, {LOCAL})"
        ),
    )
