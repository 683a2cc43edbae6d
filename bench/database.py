"""Benchmark the Database backend against hand-written SQL through Django's cursor.

Run ``python bench/database.py`` from the repository root after ``make install``: it starts
PostgreSQL through the test harness, migrates the ``storages`` tables, stores a small file and a
256 MiB one, then runs each operation in a fresh process per implementation
(``database_worker``) and prints a Markdown table. django-storages 1.14.6 has no Database
backend (it was removed in 2017), so the comparison is with the raw client only: the same tables
and 1 MiB chunks, queried with plain SQL. Requests are SQL statements; memory is the growth of
the process's peak RSS during the operation; times are medians of 25 runs (3 for the large
file), wall-clock on this machine, only compared within one run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "src")]

from tests.harness.catalog import CATALOG  # noqa: E402
from tests.harness.servers import start  # noqa: E402

OPS = [
    "read_small",
    "exists",
    "size",
    "url",
    "save_small",
    "read_1k_of_256m",
    "read_256m",
    "save_256m",
]
IMPLS = ["ours", "raw"]
MIB = 1024 * 1024
PYTHON = ROOT / ".venv/bin/python"
NOTE = (
    "DatabaseStorage (zero-config tables) on PostgreSQL vs the same SQL written by hand through "
    "Django's cursor. django-storages 1.14.6 has no Database backend, so it has no column."
)


def prepare(port: int) -> None:
    """Create the tables and the files the operations read, in a process of their own."""
    script = (
        "import sys; from database_worker import setup; setup(sys.argv[1])\n"
        "from django.core.management import call_command\n"
        "from django.core.files.base import ContentFile, File\n"
        "from s3_worker import BIG, Pattern\n"
        "from storages.backends.database import DatabaseStorage\n"
        "call_command('migrate', 'storages', verbosity=0)\n"
        "storage = DatabaseStorage()\n"
        "storage.save('small.txt', ContentFile(b'small content'))\n"
        "storage.save('big.bin', File(Pattern(BIG), name='big.bin'))\n"
    )
    run([str(PYTHON), "-c", script, str(port)])


def run(command: list[str]) -> str:
    output = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT / "bench",
        env={"PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'bench'}", "PATH": "/usr/bin:/bin"},
    )
    if output.returncode:
        raise SystemExit(f"{command[1:]} failed:\n{output.stderr}")
    return output.stdout


def measure(impl: str, op: str, port: int) -> dict[str, Any]:
    stdout = run([str(PYTHON), str(ROOT / "bench/database_worker.py"), impl, op, str(port)])
    return dict(json.loads(stdout.strip().splitlines()[-1]))


def table(results: dict[tuple[str, str], dict[str, Any]]) -> str:
    lines = [
        "| operation | SQL statements: 2.0 / raw | peak RSS growth MiB: 2.0 / raw "
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
        server = start(CATALOG["postgres"], Path(workdir))
        try:
            prepare(server.port)
            results = {(impl, op): measure(impl, op, server.port) for op in OPS for impl in IMPLS}
        finally:
            server.stop()
    text = table(results)
    print(text)
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/database.md").write_text(NOTE + "\n\n" + text + "\n")


if __name__ == "__main__":
    main()
