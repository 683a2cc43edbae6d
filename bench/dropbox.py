"""Benchmark the Dropbox backend against django-storages 1.14.6 and the raw ``dropbox`` SDK.

Run ``python bench/dropbox.py`` from the repository root after ``make install`` (with
``dropbox`` installed in ``.venv-bench`` too): it starts the project's stand-in Dropbox server
through the test harness, fills a folder, then runs each operation in a fresh process per
implementation (bench/dropbox_worker.py) and prints a Markdown table. Every process reaches
the stand-in as the tests' SDK does: ``DROPBOX_API_HOST``/``DROPBOX_API_CONTENT_HOST`` name it
and ``REQUESTS_CA_BUNDLE`` trusts its certificate authority. Requests are counted at
``requests.Session.send``; memory is the growth of the process's peak RSS during the operation;
times are wall-clock on this machine and are only compared within one run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# This file is bench/dropbox.py: its folder must not shadow the SDK named dropbox.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from tests.harness.catalog import CATALOG  # noqa: E402
from tests.harness.servers import RunningServer, start  # noqa: E402
from tests.harness.specs.dropbox import ca_path  # noqa: E402

FOLDER = "/bench"
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
    "sdk": ROOT / ".venv/bin/python",
}
MIB = 1024 * 1024


def sdk_environment(server: RunningServer) -> dict[str, str]:
    host = f"127.0.0.1:{server.port}"
    return {
        "DROPBOX_API_HOST": host,
        "DROPBOX_API_CONTENT_HOST": host,
        "DROPBOX_API_NOTIFY_HOST": host,
        "REQUESTS_CA_BUNDLE": str(ca_path(server)),
    }


def measure(impl: str, op: str, env: dict[str, str]) -> dict[str, Any]:
    output = subprocess.run(
        [str(INTERPRETERS[impl]), str(ROOT / "bench/dropbox_worker.py"), impl, op, FOLDER],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
        env={
            "PYTHONPATH": "" if impl == "anchor" else str(ROOT / "src"),
            "PATH": "/usr/bin:/bin",
            **env,
        },
    )
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def describe(result: int | None) -> str:
    """Show what an operation gave back: bytes read (in MiB from 1 MiB) or entries listed."""
    if result is None:
        return "-"
    return f"{result / MIB:g} MiB" if result >= MIB else str(result)


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        server = start(CATALOG["dropbox"], Path(workdir))
        try:
            env = sdk_environment(server)
            measure("sdk", "prepare", env)  # fill the folder
            results = {(impl, op): measure(impl, op, env) for op in OPS for impl in INTERPRETERS}
        finally:
            server.stop()
    lines = [
        "| operation | requests: 2.0 / 1.14.6 / SDK | peak RSS growth MiB: 2.0 / 1.14.6 / "
        "SDK | seconds: 2.0 / 1.14.6 / SDK | 2.0 speed vs SDK "
        "| result: 2.0 / 1.14.6 / SDK |",
        "|---|---|---|---|---|---|",
    ]
    for op in OPS:
        ours, anchor, raw = (results[(impl, op)] for impl in ("ours", "anchor", "sdk"))
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
    (ROOT / "bench/results/dropbox.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
