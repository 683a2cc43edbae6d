"""Benchmark the CouchDB backend against plain ``requests`` on CouchDB's HTTP API.

Run ``python bench/couchdb.py`` from the repository root after ``make install``: it starts
pouchdb-server (CouchDB's HTTP API) through the test harness, stores a small file and a 32 MiB
one (pouchdb-server 4.2.0 buffers attachments in memory and crashes on 256 MiB), then runs each
operation in a fresh process per implementation (``couchdb_worker``) and prints a Markdown
table. django-storages 1.14.6 has no CouchDB backend (it was removed in 2017), so the comparison
is with the raw client only: ``requests`` on the same document-with-attachment layout. Memory is
the growth of the process's peak RSS during the operation; times are medians of 25 runs (3 for
the large file), wall-clock on this machine, only compared within one run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import requests  # noqa: E402
from couchdb_worker import BIG  # noqa: E402
from s3_worker import Pattern  # noqa: E402

from tests.backends.couchdb.servers import DATABASE  # noqa: E402
from tests.harness.catalog import CATALOG  # noqa: E402
from tests.harness.servers import start  # noqa: E402

OPS = [
    "read_small",
    "exists",
    "size",
    "url",
    "save_small",
    "read_1k_of_32m",
    "read_32m",
    "save_32m",
]
IMPLS = ["ours", "raw"]
MIB = 1024 * 1024
PYTHON = ROOT / ".venv/bin/python"
NOTE = (
    "CouchDBStorage on pouchdb-server 4.2.0 vs plain `requests` on the same documents. "
    "django-storages 1.14.6 has no CouchDB backend, so it has no column. The large file is "
    "32 MiB: pouchdb-server keeps attachments in memory and fails from 128 MiB (256 MiB crashes "
    "it with a JavaScript heap out-of-memory error)."
)


def prepare(url: str) -> None:
    """Create the database and the files the operations read."""
    database = f"{url}/{DATABASE}"
    requests.put(database, timeout=30).raise_for_status()
    for name, body in (("small.txt", b"small content"), ("big.bin", Pattern(BIG))):
        requests.put(
            f"{database}/{name}/content",
            data=body,
            headers={"Content-Type": "application/octet-stream"},
            timeout=600,
        ).raise_for_status()


def measure(impl: str, op: str, url: str) -> dict[str, Any]:
    output = subprocess.run(
        [str(PYTHON), str(ROOT / "bench/couchdb_worker.py"), impl, op, url, DATABASE],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT / "bench",
        env={"PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'bench'}", "PATH": "/usr/bin:/bin"},
    )
    if output.returncode:
        raise SystemExit(f"{impl} {op} failed:\n{output.stderr}")
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def table(results: dict[tuple[str, str], dict[str, Any]]) -> str:
    lines = [
        "| operation | HTTP requests: 2.0 / raw | peak RSS growth MiB: 2.0 / raw "
        "| ms: 2.0 / raw | 2.0 speed vs raw |",
        "|---|---|---|---|---|",
    ]
    for op in OPS:
        ours, raw = results[("ours", op)], results[("raw", op)]
        ratio = raw["seconds"] / ours["seconds"] if ours["seconds"] else float("nan")
        lines.append(
            f"| {op} | {round(ours['requests'], 1):g} / {round(raw['requests'], 1):g} "
            f"| {ours['rss_delta'] / MIB:.1f} / {raw['rss_delta'] / MIB:.1f} "
            f"| {ours['seconds'] * 1000:.2f} / {raw['seconds'] * 1000:.2f} | {ratio:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        server = start(CATALOG["pouchdb"], Path(workdir))
        try:
            prepare(server.url)
            results = {(impl, op): measure(impl, op, server.url) for op in OPS for impl in IMPLS}
        finally:
            server.stop()
    text = table(results)
    print(text)
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/couchdb.md").write_text(NOTE + "\n\n" + text + "\n")


if __name__ == "__main__":
    main()
