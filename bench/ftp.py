"""Benchmark the FTP backend against django-storages 1.14.6 and raw ftplib, in one run.

Run ``python bench/ftp.py`` from the repository root. It starts pyftpdlib (plain FTP, its own
user: no system account is touched) through the test harness, writes the files to read straight
into its directory, then runs each operation in a fresh process per implementation
(``ftp_worker.py``) and prints a Markdown table. Requests are FTP commands on the control
connection (``USER``, ``PASV``, ``RETR``, ...) counted inside ftplib; memory is the growth of
the process's peak RSS during the operation; times are wall-clock on this machine, compared
only within one run (``vs ftplib`` is the raw client's time divided by ours: above 1 is faster
than ``storbinary``/``retrbinary``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.s3_worker import BIG, CHUNK, Pattern  # noqa: E402
from bench.sftp import OPS, table  # noqa: E402
from tests.harness.catalog import CATALOG  # noqa: E402
from tests.harness.servers import start  # noqa: E402

IMPLS = ("ours", "anchor", "ftplib")
INTERPRETERS = {
    "ours": ROOT / ".venv/bin/python",
    "anchor": ROOT / ".venv-bench/bin/python",
    "ftplib": ROOT / ".venv/bin/python",
}


def prepare(workdir: Path) -> None:
    """Write the files to read into the server's directory (it runs on this machine)."""
    data = Path((workdir / "data_dir").read_text())
    (data / "small.txt").write_bytes(b"small content")
    source = Pattern(BIG)
    with (data / "big.bin").open("wb") as target:
        while chunk := source.read(CHUNK):
            target.write(chunk)


def measure(impl: str, op: str, port: int, password: str) -> dict[str, Any]:
    worker = str(ROOT / "bench/ftp_worker.py")
    output = subprocess.run(
        [str(INTERPRETERS[impl]), worker, impl, op, str(port), password],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
        env={"PYTHONPATH": "" if impl == "anchor" else str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        server = start(CATALOG["pyftpdlib"], workdir)
        try:
            prepare(workdir)
            password = (workdir / "password").read_text()
            results = {
                (impl, op): measure(impl, op, server.port, password) for op in OPS for impl in IMPLS
            }
        finally:
            server.stop()
    text = table(results, "ftplib")
    print(text)
    for result in results.values():
        print(json.dumps(result), file=sys.stderr)
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/ftp.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
