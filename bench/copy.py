"""Benchmark ``storages_copy`` S3 -> GCS and S3 -> Azure: this package vs a 1.14.6 loop vs rclone.

``make bench-copy`` starts moto, the GCS emulator and Azurite through the test harness and fills
an S3 bucket with the collectstatic bench's files (1,000 of CSS, images, JavaScript and fonts,
7.5 MB; ``bench/collectstatic.py``) plus 4 files of 8 MiB (media). Then, for each destination
and each implementation, into a fresh bucket or container, it copies everything twice: the first
copy, then again with nothing changed (what a resumed or repeated migration costs):

* ``2.0``: ``manage.py storages_copy source destination`` with its defaults, in a fresh process
  (this file with ``--worker``);
* ``1.14.6``: django-storages 1.14.6 has no such command, so what a user would write: a loop of
  ``destination.save(name, source.open(name))`` over ``listdir`` (one file at a time, and no
  skipping: the second run copies everything again);
* ``rclone``: ``rclone copy --checksum --transfers 8`` between remotes on the same servers (Debian's
  package, installed by ``make bench``).

Both destinations overwrite (``file_overwrite``), as in the other benches. Requests are counted
at botocore (S3) and at ``requests`` (GCS, Azure). Prints a Markdown table and writes it, with
the machine's load, to ``bench/results/copy.md``; ``BENCH_QUICK=1`` makes a smoke run (20 small
files and 4 of 1 MiB) that writes nothing, and ``BENCH_FILES=N`` sets the number of small files
(see ``bench/common.py``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

# The repository, not bench/, whose copy.py (this file) would shadow the standard library's copy.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
from bench import common  # noqa: E402
from bench import gcs as gcs_bench  # noqa: E402
from bench.collectstatic import make_static  # noqa: E402

#: The large files: how many, and their size (MiB-sized media among the small static files).
MEDIA = (4, common.MIB if common.QUICK else 8 * common.MIB)
SOURCE_BUCKET = "copy-source"
PHASES = ("first", "unchanged")
IMPLS = ("rclone", "ours", "anchor")
S3_OPTIONS = {"region_name": "us-east-1", "access_key": "bench", "secret_key": "bench-secret"}


# -- the worker: one implementation's copies, in a fresh process ---------------------------------
def destination_storage(impl: str, dest: str, address: str, bucket: str) -> dict[str, Any]:
    """Return the ``STORAGES`` entry of the destination *dest* (``gcs`` or ``azure``)."""
    if dest == "gcs":
        options = {
            "bucket_name": bucket,
            "project_id": gcs_bench.PROJECT,
            "credentials": gcs_bench.credentials(address),
            "file_overwrite": True,
        }
        return {"BACKEND": "storages.backends.gcloud.GoogleCloudStorage", "OPTIONS": options}
    overwrite = "file_overwrite" if impl == "ours" else "overwrite_files"
    options = {"connection_string": address, "azure_container": bucket, overwrite: True}
    return {"BACKEND": "storages.backends.azure_storage.AzureStorage", "OPTIONS": options}


def walk(storage: Any, directory: str = "") -> Iterator[str]:
    """Yield every file name under *directory*, as a 1.14.6 user would: ``listdir`` recursively."""
    dirs, files = storage.listdir(directory)
    yield from (f"{directory}/{name}" if directory else name for name in files)
    for sub in dirs:
        yield from walk(storage, f"{directory}/{sub}" if directory else sub)


def naive_copy(source: Any, destination: Any) -> None:
    """Copy every file one at a time, the loop 1.14.6 leaves its users to write."""
    for name in list(walk(source)):
        with source.open(name, "rb") as handle:
            destination.save(name, handle)


def work(impl: str, dest: str, endpoint: str, address: str, bucket: str) -> None:
    """Copy the source bucket into *bucket* of *dest* once per phase; print what each cost."""
    source = {"bucket_name": SOURCE_BUCKET, "endpoint_url": endpoint, **S3_OPTIONS}
    common.django_setup(
        INSTALLED_APPS=["storages"],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "source": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": source},
            "destination": destination_storage(impl, dest, address, bucket),
        },
    )
    from django.core.files.storage import storages
    from django.core.management import call_command

    results = []
    for phase in PHASES:
        # Fresh storages and clients, as a new process would have.
        storages._storages = {}  # type: ignore[attr-defined]
        src: Any = storages["source"]
        dst = storages["destination"]
        client = src.client if impl == "ours" else src.connection.meta.client
        counts = [common.count_botocore(client), common.count_http()]
        started = time.perf_counter()
        if impl == "ours":
            call_command("storages_copy", "source", "destination", stdout=io.StringIO())
        else:
            naive_copy(src, dst)
        seconds = time.perf_counter() - started
        by_operation = {**counts[0], **counts[1]}  # S3's by operation, the others' by method
        results.append({"phase": phase, "seconds": seconds, "requests": sum(by_operation.values())})
        results[-1]["by_operation"] = by_operation
    print(json.dumps(results))


# -- the driver ----------------------------------------------------------------------------------
def fill(directory: Path) -> int:
    """Write the small files and the media under *directory*; return how many."""
    make_static(directory)
    count, size = MEDIA
    (directory / "media").mkdir()
    for index in range(count):
        with (directory / f"media/video{index}.bin").open("wb") as target:
            for piece in common.chunks(common.Pattern(size)):
                target.write(piece)
    return sum(1 for path in directory.rglob("*") if path.is_file())


def account_sas_url(azure: Any) -> str:
    """Return an account SAS URL of Azurite's development account: rclone 1.60 reaches an
    account and key only at ``https://ACCOUNT.ENDPOINT`` (or at the emulator's fixed port)."""
    from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas

    from tests.harness.specs.azurite import ACCOUNT_KEY, ACCOUNT_NAME

    sas = generate_account_sas(
        ACCOUNT_NAME,
        ACCOUNT_KEY,
        ResourceTypes(service=True, container=True, object=True),
        AccountSasPermissions(read=True, write=True, delete=True, list=True, create=True),
        expiry=datetime.now(timezone.utc) + timedelta(days=1),
    )
    return f"{azure.url}/{ACCOUNT_NAME}?{sas}"


def remotes(moto: Any, gcs: Any, azure: Any) -> dict[str, str]:
    """Return rclone's environment: the remotes ``moto``, ``gcs``, ``azure`` on the servers."""
    settings = {
        "MOTO": {"TYPE": "s3", "PROVIDER": "Other", "ENDPOINT": moto.url},
        "GCS": {"TYPE": "google cloud storage", "ANONYMOUS": "true"},
        "AZURE": {"TYPE": "azureblob", "SAS_URL": account_sas_url(azure)},
    }
    settings["MOTO"].update(ACCESS_KEY_ID="bench", SECRET_ACCESS_KEY="bench-secret")
    settings["MOTO"]["FORCE_PATH_STYLE"] = "true"
    settings["GCS"]["ENDPOINT"] = f"{gcs.url}/storage/v1/"
    # Only the remotes' own settings: the SDKs' variables (a CA bundle) would apply too.
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env["RCLONE_CONFIG"] = os.devnull
    for remote, values in settings.items():
        env.update({f"RCLONE_CONFIG_{remote}_{key}": value for key, value in values.items()})
    return env


def rclone(env: dict[str, str], dest: str, bucket: str) -> list[dict[str, Any]]:
    """Copy the source bucket into *bucket* on the remote *dest* with rclone, once per phase."""
    command = ["rclone", "copy", "--checksum", "--transfers", "8"]
    results = []
    for phase in PHASES:
        started = time.perf_counter()
        subprocess.run([*command, f"moto:{SOURCE_BUCKET}", f"{dest}:{bucket}"], env=env, check=True)
        results.append({"phase": phase, "seconds": time.perf_counter() - started, "requests": 0})
    return results


def check(env: dict[str, str], remote: str, expected: tuple[int, int]) -> None:
    """Fail unless *remote* holds the expected number of files and bytes (every copy did it all)."""
    output = subprocess.run(
        ["rclone", "size", "--json", remote], env=env, check=True, text=True, capture_output=True
    )
    found = json.loads(output.stdout)
    if (found["count"], found["bytes"]) != expected:
        raise SystemExit(f"{remote} holds {found} after the copy, not {expected}")


def create(dest: str, server: Any, address: str, bucket: str) -> None:
    """Create the empty *bucket* (or container) on the destination's *server*."""
    if dest == "gcs":
        from tests.backends.gcs.conftest import ensure_bucket

        ensure_bucket(server, bucket)
        return
    from azure.storage.blob import BlobServiceClient

    BlobServiceClient.from_connection_string(address).create_container(bucket)


def empty(dest: str, server: Any, address: str, bucket: str) -> None:
    """Remove what an implementation copied, so that the next starts on an empty server: the GCS
    emulator rewrites the list of every object it holds on each upload (later copies would pay
    for the earlier ones)."""
    if dest == "gcs":
        server.reset()  # every object, the buckets kept
        return
    from azure.storage.blob import BlobServiceClient

    BlobServiceClient.from_connection_string(address).delete_container(bucket)


def measure(dest: str, impl: str, server: Any, setup: tuple[str, dict[str, str]], moto: Any) -> Any:
    """Copy into a fresh bucket of *dest* with *impl*; return the phases' results."""
    address, env = setup
    bucket = f"copy-{impl}"
    create(dest, server, address, bucket)
    if impl == "rclone":
        return rclone(env, dest, bucket)
    emulator = {key: env[key] for key in ("STORAGE_EMULATOR_HOST",) if key in env}
    return common.call("copy", impl, [dest, moto.url, address, bucket], emulator)


@contextlib.contextmanager
def servers() -> Iterator[tuple[Any, Any, Any]]:
    """Start moto, the GCS emulator and Azurite; stop them at the end."""
    with (
        common.serving("moto") as moto,
        common.serving("gcs") as gcs,
        common.serving("azurite") as azure,
    ):
        yield moto, gcs, azure


def drive() -> None:
    load = os.getloadavg()
    rows: list[tuple[str, str, list[dict[str, Any]]]] = []
    with tempfile.TemporaryDirectory() as workdir, servers() as (moto, gcs, azure):
        env = remotes(moto, gcs, azure)
        files = fill(Path(workdir))
        total = sum(path.stat().st_size for path in Path(workdir).rglob("*") if path.is_file())
        subprocess.run(["rclone", "mkdir", f"moto:{SOURCE_BUCKET}"], env=env, check=True)
        subprocess.run(["rclone", "copy", workdir, f"moto:{SOURCE_BUCKET}"], env=env, check=True)
        from bench import azure as azure_bench

        gcs_setup = gcs_bench.setup(gcs)
        destinations = {
            "gcs": (gcs, (gcs_setup[0][0], {**env, **gcs_setup[1]})),
            "azure": (azure, (azure_bench.setup(azure)[0][0], env)),
        }
        for dest, (server, setup) in destinations.items():
            for impl in IMPLS:
                phases = measure(dest, impl, server, setup, moto)
                check(env, f"{dest}:copy-{impl}", (files, total))
                empty(dest, server, address=setup[0], bucket=f"copy-{impl}")
                rows.append((dest, impl, phases))
                costs = [(p["seconds"], p.get("by_operation")) for p in phases]
                print(dest, impl, costs, file=sys.stderr, flush=True)
    common.publish("copy", report(files, total, rows), load)


def report(files: int, total: int, rows: list[tuple[str, str, list[dict[str, Any]]]]) -> str:
    """Return the Markdown table: seconds (requests) per phase, and the ratios to rclone."""
    names = {"gcs": "S3 -> GCS", "azure": "S3 -> Azure"}
    lines = [
        f"{files} files, {total / 1e6:.1f} MB, from moto's S3 into the GCS emulator and Azurite;"
        " seconds (requests).",
        "",
        "| copy | implementation | first copy | nothing changed |",
        "|---|---|---|---|",
    ]
    for dest, impl, phases in rows:
        cells = " | ".join(
            f"{p['seconds']:.1f} s" + (f" ({p['requests']:,})" if impl != "rclone" else "")
            for p in phases
        )
        lines.append(f"| {names[dest]} | {common.LABELS.get(impl, impl)} | {cells} |")
    for dest in names:
        found = {impl: phases for d, impl, phases in rows if d == dest}
        for impl, label in (("ours", "2.0 speed vs rclone"), ("anchor", "1.14.6 speed vs rclone")):
            ratios = " | ".join(
                f"{r['seconds'] / o['seconds']:.2f}x"
                for r, o in zip(found["rclone"], found[impl], strict=True)
            )
            lines.append(f"| {names[dest]} | {label} | {ratios} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        work(*sys.argv[2:])
    else:
        drive()
