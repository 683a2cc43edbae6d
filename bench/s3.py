"""Benchmark the S3 backend against django-storages 1.14.6 and raw boto3, in one run.

Run ``make bench`` (or ``python bench/s3.py`` from the repository root after ``make install``):
it starts moto's S3 server through the test harness, fills a bucket, then runs each operation
in a fresh process per implementation and prints a Markdown table with ratios. Requests are
counted with botocore's event hooks; memory is the growth of the process's peak RSS during the
operation; times are wall-clock on this machine and are only compared within one run.
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

from tests.harness.catalog import CATALOG  # noqa: E402
from tests.harness.servers import start  # noqa: E402

BUCKET = "bench-bucket"
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
INTERPRETERS = {
    "ours": ROOT / ".venv/bin/python",
    "anchor": ROOT / ".venv-bench/bin/python",
    "boto3": ROOT / ".venv/bin/python",
}
MIB = 1024 * 1024


def prepare(endpoint: str) -> None:
    import boto3

    from bench.s3_worker import BIG, Pattern

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench-secret",
    )
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key="small.txt", Body=b"small content")
    client.upload_fileobj(Pattern(BIG), BUCKET, "big.bin")


def measure(impl: str, op: str, endpoint: str) -> dict[str, Any]:
    output = subprocess.run(
        [str(INTERPRETERS[impl]), str(ROOT / "bench/s3_worker.py"), impl, op, endpoint, BUCKET],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
        env={"PYTHONPATH": "" if impl == "anchor" else str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        server = start(CATALOG["moto"], Path(workdir))
        try:
            prepare(server.url)
            results = {
                (impl, op): measure(impl, op, server.url) for op in OPS for impl in INTERPRETERS
            }
        finally:
            server.stop()
    lines = [
        "| operation | requests: 2.0 / 1.14.6 / boto3 | peak RSS growth MiB: 2.0 / 1.14.6 / boto3 "
        "| seconds: 2.0 / 1.14.6 / boto3 | 2.0 speed vs boto3 |",
        "|---|---|---|---|---|",
    ]
    for op in OPS:
        ours, anchor, raw = (results[(impl, op)] for impl in ("ours", "anchor", "boto3"))
        ratio = raw["seconds"] / ours["seconds"] if ours["seconds"] else float("nan")
        lines.append(
            f"| {op} | {ours['requests']:g} / {anchor['requests']:g} / {raw['requests']:g} "
            f"| {ours['rss_delta'] / MIB:.1f} / {anchor['rss_delta'] / MIB:.1f} "
            f"/ {raw['rss_delta'] / MIB:.1f} "
            f"| {ours['seconds']:.3f} / {anchor['seconds']:.3f} / {raw['seconds']:.3f} "
            f"| {ratio:.2f} |"
        )
    table = "\n".join(lines)
    print(table)
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/s3.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
