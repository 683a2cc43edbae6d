"""Files as database rows: DatabaseStorage on a SQLite file, no server needed.

``DEMO_SQLITE`` makes the site use that file as its ``default`` database and install the app
``storages.backends.database``, and ``launch.py`` runs ``migrate``, which creates that app's
``storages_file`` tables (the zero-config layout). The site serves the files with the
backend's own view under ``/dbfiles/`` (``Content-Length``, ``ETag``, ``Last-Modified``,
``Range``), which is where ``url()`` points.
"""

from __future__ import annotations

from pathlib import Path

from demo_backends import DemoBackend


def setup(workdir: Path) -> DemoBackend:
    return DemoBackend(
        backend="storages.backends.database.DatabaseStorage",
        options={"base_url": "/dbfiles/", "location": "media"},
        stop=lambda: None,  # nothing runs: the database is a file in the demo's workdir
        env={"DEMO_SQLITE": str(workdir / "demo.sqlite3")},
        where=(
            f"rows of the table storages_file in the SQLite database {workdir / 'demo.sqlite3'}, "
            "under media/ (no server: a file deleted when the demo stops), served by the "
            "backend's own view at /dbfiles/"
        ),
    )
