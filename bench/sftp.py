"""Benchmark the SFTP backend against django-storages 1.14.6 and raw paramiko, in one run.

Run ``python bench/sftp.py`` from the repository root (``.venv-bench`` needs paramiko for
1.14.6: ``.venv-bench/bin/pip install paramiko``). It starts a private OpenSSH sshd through the
test harness, writes the files to read straight into its data directory, then runs each
operation in a fresh process per implementation (``sftp_worker.py``) and prints a Markdown
table. Everyone logs in with the same key and checks the same known-hosts file. Requests are
SFTP requests (open, read, write, stat, ...) counted inside paramiko; memory is the growth of
the process's peak RSS during the operation; times are wall-clock on this machine, compared
only within one run (``vs paramiko`` is the raw client's time divided by ours: above 1 is
faster than ``putfo``/``getfo``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "example")]

from demo_backends.sftp import password_kept  # noqa: E402

from bench.s3_worker import BIG, CHUNK, Pattern  # noqa: E402
from tests.harness.catalog import CATALOG  # noqa: E402
from tests.harness.servers import start  # noqa: E402
from tests.harness.specs.sshd import USER  # noqa: E402

OPS = [
    "read_small",
    "exists",
    "size",
    "listdir",
    "save_small",
    "read_1k_of_256m",
    "read_256m",
    "save_256m",
]
IMPLS = ("ours", "anchor", "paramiko")
INTERPRETERS = {
    "ours": ROOT / ".venv/bin/python",
    "anchor": ROOT / ".venv-bench/bin/python",
    "paramiko": ROOT / ".venv/bin/python",
}
MIB = 1024 * 1024


def prepare(workdir: Path) -> None:
    """Write the files to read into the server's data directory (it runs on this machine)."""
    data = Path((workdir / "data_dir").read_text())
    (data / "small.txt").write_bytes(b"small content")
    source = Pattern(BIG)
    with (data / "big.bin").open("wb") as target:
        while chunk := source.read(CHUNK):
            target.write(chunk)


def measure(impl: str, op: str, port: int, workdir: Path) -> dict[str, Any]:
    worker = str(ROOT / "bench/sftp_worker.py")
    output = subprocess.run(
        [str(INTERPRETERS[impl]), worker, impl, op, str(port), str(workdir)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
        env={"PYTHONPATH": "" if impl == "anchor" else str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def milliseconds(seconds: float) -> str:
    """Format a duration in milliseconds with three significant digits or more."""
    ms = seconds * 1000
    return f"{ms:.0f}" if ms >= 100 else f"{ms:.3g}"


def table(results: dict[tuple[str, str], dict[str, Any]], raw: str) -> str:
    """Return the Markdown table of *results* (``raw`` names the raw client's column)."""
    lines = [
        f"| operation | requests: 2.0 / 1.14.6 / {raw} "
        f"| peak RSS growth MiB: 2.0 / 1.14.6 / {raw} "
        f"| ms: 2.0 / 1.14.6 / {raw} | 2.0 speed vs {raw} |",
        "|---|---|---|---|---|",
    ]
    for op in OPS:
        ours, anchor, client = (results[(impl, op)] for impl in ("ours", "anchor", raw))
        ratio = client["seconds"] / ours["seconds"] if ours["seconds"] else float("nan")
        times = " / ".join(milliseconds(r["seconds"]) for r in (ours, anchor, client))
        lines.append(
            f"| {op} | {ours['requests']:g} / {anchor['requests']:g} / {client['requests']:g} "
            f"| {ours['rss_delta'] / MIB:.1f} / {anchor['rss_delta'] / MIB:.1f} "
            f"/ {client['rss_delta'] / MIB:.1f} | {times} | {ratio:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        # The harness gives the user a fresh password; a test session running meanwhile needs
        # the old one back. Everyone here logs in with the key.
        with password_kept(USER):
            server = start(CATALOG["sshd"], workdir)
        try:
            prepare(workdir)
            results = {
                (impl, op): measure(impl, op, server.port, workdir) for op in OPS for impl in IMPLS
            }
        finally:
            server.stop()
    text = table(results, "paramiko")
    print(text)
    for result in results.values():
        print(json.dumps(result), file=sys.stderr)
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/sftp.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
