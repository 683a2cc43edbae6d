"""Benchmark the Google Cloud Storage backend against django-storages 1.14.6 and the raw client.

Run ``python bench/gcs.py`` from the repository root (after ``make bench`` has made
``.venv-bench``, and ``.venv-bench/bin/pip install google-cloud-storage``): it starts
gcp-storage-emulator through the test harness, fills a bucket, then runs each operation in a
fresh process per implementation (``bench/gcs_worker.py``) and prints a Markdown table, also
written to ``bench/results/gcs.md``. Requests are counted at the ``requests`` adapter; memory is
the growth of the process's peak RSS during the operation; times are wall-clock on this machine
and are only compared within one run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.azure import table  # noqa: E402
from bench.s3 import OPS  # noqa: E402
from tests.backends.gcs.conftest import ensure_bucket, service_account_info  # noqa: E402
from tests.harness.catalog import CATALOG  # noqa: E402
from tests.harness.servers import RunningServer, start  # noqa: E402

BUCKET = "bench-bucket"
INTERPRETERS = {
    "ours": ROOT / ".venv/bin/python",
    "anchor": ROOT / ".venv-bench/bin/python",
    "sdk": ROOT / ".venv/bin/python",
}


def prepare(server: RunningServer) -> None:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage as gcs

    from bench.s3_worker import BIG, Pattern

    ensure_bucket(server, BUCKET)
    client = gcs.Client(
        project="bench-project",
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": server.url},
    )
    bucket = client.bucket(BUCKET)
    bucket.blob("small.txt").upload_from_string(b"small content")
    # 32 MiB chunks: the emulator rewrites the whole partial object on every chunk.
    bucket.blob("big.bin", chunk_size=32 * 1024 * 1024).upload_from_file(Pattern(BIG), size=BIG)
    client.close()


def measure(impl: str, op: str, server: RunningServer, key_file: Path) -> dict[str, Any]:
    output = subprocess.run(
        [
            str(INTERPRETERS[impl]),
            str(ROOT / "bench/gcs_worker.py"),
            impl,
            op,
            str(key_file),
            BUCKET,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
        env={
            "PYTHONPATH": "" if impl == "anchor" else str(ROOT / "src"),
            "PATH": "/usr/bin:/bin",
            "STORAGE_EMULATOR_HOST": server.url,
        },
    )
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        key_file = Path(workdir) / "throwaway-key.json"
        key_file.write_text(json.dumps(service_account_info()))
        os.chmod(key_file, 0o600)
        server = start(CATALOG["gcs"], Path(workdir) / "server")
        try:
            prepare(server)
            results = {
                (impl, op): measure(impl, op, server, key_file)
                for op in OPS
                for impl in INTERPRETERS
            }
        finally:
            server.stop()
    text = table(results, "client")
    print(text)
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/gcs.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
