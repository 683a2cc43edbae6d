"""Benchmark collectstatic to S3: this package vs django-storages 1.14.6, 1,000 files, one run.

Run ``make bench-collectstatic``: starts moto through the test harness, generates 1,000 static
files (about 10.7 MB: CSS referencing images, JavaScript, images), then for each storage
(``S3StaticStorage``, ``S3ManifestStaticStorage``) and each implementation runs collectstatic
three times in a fresh process: first upload, nothing changed, every mtime touched (a fresh CI
checkout). Prints a Markdown table and writes it to ``bench/results/collectstatic.md``.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.harness.catalog import CATALOG  # noqa: E402
from tests.harness.servers import start  # noqa: E402

FILES = 1000
INTERPRETERS = {"ours": ROOT / ".venv/bin/python", "anchor": ROOT / ".venv-bench/bin/python"}
BACKENDS = {
    "S3StaticStorage": {
        "ours": "storages.backends.s3.S3StaticStorage",
        "anchor": "storages.backends.s3.S3StaticStorage",
    },
    "S3ManifestStaticStorage": {
        "ours": "storages.backends.s3.S3ManifestStaticStorage",
        "anchor": "storages.backends.s3.S3ManifestStaticStorage",
    },
}


def make_static(root: Path) -> int:
    """Write FILES static files under *root*; return their total size."""
    rng = random.Random(1000)
    total = 0
    for index in range(FILES):
        kind = index % 4
        if kind == 0:
            path = root / f"css/module{index}.css"
            body = "".join(
                f".c{index}-{n} {{ background: url('../img/pic{index + 1}.png'); }}\n"
                for n in range(60)
            ).encode()
        elif kind == 1:
            path = root / f"img/pic{index}.png"
            body = b"\x89PNG\r\n" + rng.randbytes(14_000)
        elif kind == 2:
            path = root / f"js/app{index}.js"
            body = "".join(f"console.log({n} * {index});\n" for n in range(400)).encode()
        else:
            path = root / f"fonts/font{index}.woff2"
            body = rng.randbytes(9_000)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        total += len(body)
    return total


def run(impl: str, backend: str, endpoint: str, bucket: str, static_dir: Path) -> Any:
    output = subprocess.run(
        [
            str(INTERPRETERS[impl]),
            str(ROOT / "bench/collectstatic_worker.py"),
            impl,
            backend,
            endpoint,
            bucket,
            str(static_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
        env={"PATH": "/usr/bin:/bin"},
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    import boto3

    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        server = start(CATALOG["moto"], Path(workdir) / "moto")
        client = boto3.client(
            "s3",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench-secret",
        )
        try:
            for label, paths in BACKENDS.items():
                for impl in ("anchor", "ours"):
                    static_dir = Path(workdir) / f"static-{label}-{impl}"
                    size = make_static(static_dir)
                    bucket = f"bench-{label.lower()}-{impl}"
                    client.create_bucket(Bucket=bucket)
                    phases = run(impl, paths[impl], server.url, bucket, static_dir)
                    rows.append((label, impl, size, phases))
                    print(label, impl, [(p["seconds"], p["requests"]) for p in phases], flush=True)
        finally:
            server.stop()
    lines = [
        f"{FILES} files, {rows[0][2] / 1e6:.1f} MB, into moto's S3 server; seconds (requests).",
        "",
        "| storage | implementation | first run | nothing changed | mtimes touched |",
        "|---|---|---|---|---|",
    ]
    for label, impl, _, phases in rows:
        name = "2.0" if impl == "ours" else "1.14.6"
        cells = " | ".join(f"{p['seconds']:.1f} s ({p['requests']:,})" for p in phases)
        lines.append(f"| {label} | {name} | {cells} |")
    for label in BACKENDS:
        anchor = next(p for lab, impl, _, p in rows if lab == label and impl == "anchor")
        ours = next(p for lab, impl, _, p in rows if lab == label and impl == "ours")
        ratios = " | ".join(
            f"{a['seconds'] / o['seconds']:.1f}x" for a, o in zip(anchor, ours, strict=True)
        )
        lines.append(f"| {label} | speed-up | {ratios} |")
    table = "\n".join(lines)
    print(table)
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / "bench/results/collectstatic.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
