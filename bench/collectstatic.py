"""Benchmark collectstatic to S3: this package vs django-storages 1.14.6 vs rclone, one run.

``make bench-collectstatic`` starts moto through the test harness, generates 1,000 static files
(CSS referencing images, JavaScript, images, fonts), then for each storage (``S3StaticStorage``,
``S3ManifestStaticStorage``) and each implementation runs collectstatic three times in one fresh
process (this file with ``--worker``): first upload, nothing changed, every mtime touched (a
fresh CI checkout). ``ours`` runs this package's collectstatic command, ``anchor`` 1.14.6 with
Django's own. Prints a Markdown table and writes it to ``bench/results/collectstatic.md``;
``BENCH_QUICK=1`` makes it 20 files and writes nothing (see ``bench/common.py``).

The rclone column copies the same directory with ``rclone copy --checksum --transfers 8`` (what
a deployment without Django would run; no hashed names), each phase after the same change.
``BENCH_FILES=10000`` measures the scale run (``collectstatic-10000.md``): 1.14.6 would take
about an hour there, so that run has no 1.14.6 rows; the default 1,000 files have all three.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the repository, not bench/
from bench import common  # noqa: E402

FILES = 20 if common.QUICK else int(os.environ.get("BENCH_FILES", "1000"))
#: 1.14.6 runs up to this many files (at 1,000 its manifest storage takes 6 minutes).
ANCHOR_FILES = 1000
BACKENDS = ("S3StaticStorage", "S3ManifestStaticStorage")  # in storages.backends.s3, in both
PHASES = ("first", "unchanged", "touched")


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


def work(impl: str, backend: str, endpoint: str, bucket: str, static_dir: str) -> None:
    """Run collectstatic once per phase, each with a fresh storage; print what each cost."""
    options = {"bucket_name": bucket, "endpoint_url": endpoint, "region_name": "us-east-1"}
    options.update(access_key="bench", secret_key="bench-secret")
    common.django_setup(
        INSTALLED_APPS=["storages", "django.contrib.staticfiles"],
        STATIC_URL="/static/",
        STATICFILES_DIRS=[static_dir],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "staticfiles": {"BACKEND": backend, "OPTIONS": options},
        },
    )
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.files.storage import storages
    from django.core.management import call_command
    from django.utils.functional import empty

    def s3_client() -> Any:
        # A fresh storage, as a new process would have.
        storages._storages = {}
        staticfiles_storage._wrapped = empty
        storage = storages["staticfiles"]
        return storage.client if impl == "ours" else storage.connection.meta.client

    s3_client().create_bucket(Bucket=bucket)
    results: list[dict[str, Any]] = []
    for phase in PHASES:
        if phase == "touched":
            later = time.time() + 3600
            for path in Path(static_dir).rglob("*"):
                os.utime(path, (later, later))
        counts = common.count_botocore(s3_client())
        started = time.perf_counter()
        call_command("collectstatic", "--noinput", "-v0", stdout=io.StringIO())
        seconds = time.perf_counter() - started
        results.append({"phase": phase, "seconds": seconds, "requests": sum(counts.values())})
        results[-1]["by_operation"] = counts
    print(json.dumps(results))


def rclone(endpoint: str, bucket: str, static_dir: Path) -> list[dict[str, Any]]:
    """Copy *static_dir* with rclone once per phase; return seconds per phase."""
    import boto3

    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench-secret",
    ).create_bucket(Bucket=bucket)
    # Only the remote's own settings: the AWS SDK variables (a CA bundle) would apply too.
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("AWS_")},
        "RCLONE_CONFIG": os.devnull,
        "RCLONE_CONFIG_MOTO_TYPE": "s3",
        "RCLONE_CONFIG_MOTO_PROVIDER": "Other",
        "RCLONE_CONFIG_MOTO_ENDPOINT": endpoint,
        "RCLONE_CONFIG_MOTO_ACCESS_KEY_ID": "bench",
        "RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY": "bench-secret",
        "RCLONE_CONFIG_MOTO_FORCE_PATH_STYLE": "true",
    }
    command = ["rclone", "copy", "--checksum", "--transfers", "8", str(static_dir)]
    results = []
    for phase in PHASES:
        if phase == "touched":
            later = time.time() + 3600
            for path in static_dir.rglob("*"):
                os.utime(path, (later, later))
        started = time.perf_counter()
        subprocess.run([*command, f"moto:{bucket}/static"], env=env, check=True)
        results.append({"phase": phase, "seconds": time.perf_counter() - started, "requests": 0})
    return results


def drive() -> None:
    load = os.getloadavg()
    rows = []
    impls = ("anchor", "ours") if FILES <= ANCHOR_FILES else ("ours",)
    with tempfile.TemporaryDirectory() as workdir, common.serving("moto") as server:
        static_dir = Path(workdir) / "static-rclone"
        size = make_static(static_dir)
        phases = rclone(server.url, "bench-rclone", static_dir)
        rows.append(("(no Django)", "rclone", size, phases))
        print("rclone", [p["seconds"] for p in phases], flush=True)
        for label in BACKENDS:
            for impl in impls:
                static_dir = Path(workdir) / f"static-{label}-{impl}"
                size = make_static(static_dir)
                backend = f"storages.backends.s3.{label}"
                argv = [backend, server.url, f"bench-{label.lower()}-{impl}", str(static_dir)]
                phases = common.call("collectstatic", impl, argv)
                rows.append((label, impl, size, phases))
                print(label, impl, [(p["seconds"], p["requests"]) for p in phases], flush=True)
    lines = [
        f"{FILES} files, {rows[0][2] / 1e6:.1f} MB, into moto's S3 server; seconds (requests).",
        "",
        "| storage | implementation | first run | nothing changed | mtimes touched |",
        "|---|---|---|---|---|",
    ]
    for label, impl, _, phases in rows:
        cells = " | ".join(
            f"{p['seconds']:.1f} s" + (f" ({p['requests']:,})" if impl != "rclone" else "")
            for p in phases
        )
        lines.append(f"| {label} | {common.LABELS.get(impl, impl)} | {cells} |")
    baseline = rows[0][3]
    for label in BACKENDS:
        ours = next(p for lab, i, _, p in rows if (lab, i) == (label, "ours"))
        ratios = (
            f"{r['seconds'] / o['seconds']:.2f}x" for r, o in zip(baseline, ours, strict=True)
        )
        lines.append(f"| {label} | speed vs rclone | {' | '.join(ratios)} |")
    for label in BACKENDS if "anchor" in impls else ():
        anchor, ours = (
            next(p for lab, i, _, p in rows if (lab, i) == (label, impl))
            for impl in ("anchor", "ours")
        )
        ratios = (f"{a['seconds'] / o['seconds']:.1f}x" for a, o in zip(anchor, ours, strict=True))
        lines.append(f"| {label} | speed-up | {' | '.join(ratios)} |")
    name = "collectstatic" if FILES == ANCHOR_FILES else f"collectstatic-{FILES}"
    common.publish(name, "\n".join(lines), load)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        work(*sys.argv[2:])
    else:
        drive()
