"""Benchmark the Azure backend against django-storages 1.14.6 and raw azure-storage-blob.

Run ``python bench/azure.py`` from the repository root (after ``make bench`` has made
``.venv-bench``, and ``.venv-bench/bin/pip install azure-storage-blob``): it starts Azurite
through the test harness, fills a container, then runs each operation in a fresh process per
implementation (``bench/azure_worker.py``) and prints a Markdown table, also written to
``bench/results/azure.md``. Requests are counted at the ``requests`` adapter; memory is the
growth of the process's peak RSS during the operation; times are wall-clock on this machine and
are only compared within one run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# This file would shadow the azure package if its directory stayed on the path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.s3 import OPS  # noqa: E402
from tests.harness.catalog import CATALOG  # noqa: E402
from tests.harness.servers import start  # noqa: E402
from tests.harness.specs.azurite import connection_string  # noqa: E402

CONTAINER = "bench-container"
INTERPRETERS = {
    "ours": ROOT / ".venv/bin/python",
    "anchor": ROOT / ".venv-bench/bin/python",
    "sdk": ROOT / ".venv/bin/python",
}
MIB = 1024 * 1024


def prepare(conn: str) -> None:
    from azure.storage.blob import BlobServiceClient

    from bench.s3_worker import BIG, Pattern

    with BlobServiceClient.from_connection_string(conn) as service:
        container = service.create_container(CONTAINER)
        container.upload_blob("small.txt", b"small content")
        container.upload_blob("big.bin", Pattern(BIG), max_concurrency=2)


def measure(impl: str, op: str, conn: str) -> dict[str, Any]:
    output = subprocess.run(
        [str(INTERPRETERS[impl]), str(ROOT / "bench/azure_worker.py"), impl, op, conn, CONTAINER],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
        env={"PYTHONPATH": "" if impl == "anchor" else str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def table(results: dict[tuple[str, str], dict[str, Any]], raw: str) -> str:
    """Return the Markdown table of *results*; *raw* names the raw client's column."""
    lines = [
        f"| operation | requests: 2.0 / 1.14.6 / {raw} "
        f"| peak RSS growth MiB: 2.0 / 1.14.6 / {raw} "
        f"| seconds: 2.0 / 1.14.6 / {raw} | 2.0 speed vs {raw} |",
        "|---|---|---|---|---|",
    ]
    for op in OPS:
        ours, anchor, sdk = (results[(impl, op)] for impl in ("ours", "anchor", "sdk"))
        ratio = sdk["seconds"] / ours["seconds"] if ours["seconds"] else float("nan")
        lines.append(
            f"| {op} | {ours['requests']:g} / {anchor['requests']:g} / {sdk['requests']:g} "
            f"| {ours['rss_delta'] / MIB:.1f} / {anchor['rss_delta'] / MIB:.1f} "
            f"/ {sdk['rss_delta'] / MIB:.1f} "
            f"| {ours['seconds']:.3f} / {anchor['seconds']:.3f} / {sdk['seconds']:.3f} "
            f"| {ratio:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        server = start(CATALOG["azurite"], Path(workdir))
        try:
            conn = connection_string(server)
            prepare(conn)
            results = {(impl, op): measure(impl, op, conn) for op in OPS for impl in INTERPRETERS}
        finally:
            server.stop()
    text = table(results, "SDK")
    print(text)
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/azure.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
