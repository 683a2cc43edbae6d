"""Benchmark the Libcloud backend against django-storages 1.14.6 and Libcloud used by hand.

Run ``python bench/libcloud.py`` from the repository root after ``make install`` (with
``apache-libcloud`` installed in ``.venv-bench`` too): it starts moto's S3 server through the
test harness, fills a bucket, then runs each operation in a fresh process per implementation
(bench/libcloud_worker.py), all through Libcloud's S3 driver, and prints a Markdown table.
Requests are counted at ``requests.Session.send``; memory is the growth of the process's peak
RSS during the operation; times are wall-clock on this machine and are only compared within
one run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# This file is bench/libcloud.py: its folder must not shadow the libcloud package.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from tests.harness.catalog import CATALOG  # noqa: E402
from tests.harness.servers import start  # noqa: E402

BUCKET = "bench-bucket"
OPS = [
    "read_small",
    "exists",
    "size",
    "url",
    "listdir_20",
    "save_small",
    "read_1k_of_256m",
    "read_256m",
    "save_256m",
]
INTERPRETERS = {
    "ours": ROOT / ".venv/bin/python",
    "anchor": ROOT / ".venv-bench/bin/python",
    "libcloud": ROOT / ".venv/bin/python",
}
MIB = 1024 * 1024


def measure(impl: str, op: str, port: int) -> dict[str, Any]:
    output = subprocess.run(
        [
            str(INTERPRETERS[impl]),
            "-W",
            "ignore::DeprecationWarning",  # Libcloud's S3 signer calls datetime.utcnow()
            str(ROOT / "bench/libcloud_worker.py"),
            impl,
            op,
            str(port),
            BUCKET,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
        env={"PYTHONPATH": "" if impl == "anchor" else str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def describe(result: int | None) -> str:
    """Show what an operation gave back: bytes read (in MiB from 1 MiB) or entries listed."""
    if result is None:
        return "-"
    return f"{result / MIB:g} MiB" if result >= MIB else str(result)


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        server = start(CATALOG["moto"], Path(workdir))
        try:
            measure("libcloud", "prepare", server.port)  # create and fill the bucket
            results = {
                (impl, op): measure(impl, op, server.port) for op in OPS for impl in INTERPRETERS
            }
        finally:
            server.stop()
    lines = [
        "| operation | requests: 2.0 / 1.14.6 / Libcloud | peak RSS growth MiB: 2.0 / 1.14.6 / "
        "Libcloud | seconds: 2.0 / 1.14.6 / Libcloud | 2.0 speed vs Libcloud "
        "| result: 2.0 / 1.14.6 / Libcloud |",
        "|---|---|---|---|---|---|",
    ]
    for op in OPS:
        ours, anchor, raw = (results[(impl, op)] for impl in ("ours", "anchor", "libcloud"))
        ratio = raw["seconds"] / ours["seconds"] if ours["seconds"] else float("nan")
        lines.append(
            f"| {op} | {ours['requests']:g} / {anchor['requests']:g} / {raw['requests']:g} "
            f"| {ours['rss_delta'] / MIB:.1f} / {anchor['rss_delta'] / MIB:.1f} "
            f"/ {raw['rss_delta'] / MIB:.1f} "
            f"| {ours['seconds']:.3f} / {anchor['seconds']:.3f} / {raw['seconds']:.3f} "
            f"| {ratio:.2f} | {' / '.join(describe(r['result']) for r in (ours, anchor, raw))} |"
        )
    table = "\n".join(lines)
    print(table)
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/libcloud.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
