"""Benchmark the MogileFS backend against a hand-written tracker client.

Run ``python bench/mogilefs.py`` from the repository root after ``make install``: it starts the
project's MogileFS stand-in (tracker + storage node) through the test harness, stores a small
file and a 256 MiB one, then runs each operation in a fresh process per implementation
(``mogilefs_worker``) and prints a Markdown table. django-storages 1.14.6 has no MogileFS
backend (it was removed in 2017), so the comparison is with the raw client only: the tracker
protocol on a socket plus ``requests`` to the storage node. Memory is the growth of the
process's peak RSS during the operation; times are medians of 25 runs (3 for the large file),
wall-clock on this machine, only compared within one run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import requests  # noqa: E402
from s3_worker import BIG, Pattern  # noqa: E402

from tests.backends.mogilefs.servers import DOMAIN, prepare, trackers  # noqa: E402
from tests.harness.catalog import CATALOG  # noqa: E402
from tests.harness.servers import RunningServer, start  # noqa: E402
from tests.harness.specs.mogilefs import tracker_call  # noqa: E402

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
    "MogileFSStorage on the project's stand-in tracker + storage node vs a hand-written tracker "
    "client (socket) + `requests`. django-storages 1.14.6 has no MogileFS backend, so it has no "
    "column. Requests are tracker commands plus storage-node HTTP requests."
)


def store(server: RunningServer, key: str, body: Any, size: int) -> None:
    """Store *key* with the raw protocol: create_open, PUT, create_close."""
    answer = tracker_call(server, f"create_open domain={DOMAIN}&key={key}&fid=0")
    opened = dict(pair.split("=", 1) for pair in answer.removeprefix("OK ").split("&"))
    path = unquote(opened["path"])
    requests.put(path, data=body, timeout=600).raise_for_status()
    closing = f"fid={opened['fid']}&devid={opened['devid']}&key={key}&path={opened['path']}"
    answer = tracker_call(server, f"create_close domain={DOMAIN}&{closing}&size={size}")
    assert answer.startswith("OK"), answer


def measure(impl: str, op: str, tracker: str) -> dict[str, Any]:
    output = subprocess.run(
        [str(PYTHON), str(ROOT / "bench/mogilefs_worker.py"), impl, op, tracker, DOMAIN],
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
        "| operation | requests: 2.0 / raw | peak RSS growth MiB: 2.0 / raw "
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
        server = prepare(start(CATALOG["mogilefs"], Path(workdir)))
        try:
            store(server, "small.txt", b"small content", 13)
            store(server, "big.bin", Pattern(BIG), BIG)
            tracker = trackers(server)[0]
            results = {(impl, op): measure(impl, op, tracker) for op in OPS for impl in IMPLS}
        finally:
            server.stop()
    text = table(results)
    print(text)
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/mogilefs.md").write_text(NOTE + "\n\n" + text + "\n")


if __name__ == "__main__":
    main()
