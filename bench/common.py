"""What every benchmark shares: the driver that runs it and the worker loop that measures.

Each ``bench/NAME.py`` holds only what differs for its backend (how to fill the server, how to
build the storage, how to count requests, the raw SDK's operations) and is run two ways:

* as the **driver**: ``python bench/NAME.py`` (``make bench-NAME``). It starts the server through
  the test harness (``tests.harness``), has a worker fill it, runs every operation in a fresh
  process per implementation, prints a Markdown table with ratios and writes it, with the
  machine's load, to ``bench/results/NAME.md``;
* as the **worker**: ``python bench/NAME.py --worker IMPL OP ARGS...``, started by the driver for
  one measurement, printed as one line of JSON. IMPL is ``ours`` (this package, from ``.venv``),
  ``anchor`` (django-storages 1.14.6 from ``.venv-bench``, which has neither this package nor the
  test harness: this module imports only the standard library) or ``raw`` (the SDK by hand).
  Storages are only used through the public Storage API.

Memory is the growth of the worker's peak RSS during the operation; times are medians,
wall-clock on this machine, only compared within one run. ``BENCH_QUICK=1`` makes a smoke run:
8 MiB instead of 256 MiB, 20 files instead of 1,000, 3 repetitions, and no results file written.
"""

from __future__ import annotations

import contextlib
import io
import json
import mimetypes
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
CHUNK = MIB
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
INTERPRETERS = {
    "ours": ROOT / ".venv/bin/python",
    "anchor": ROOT / ".venv-bench/bin/python",
    "raw": ROOT / ".venv/bin/python",
}
LABELS = {"ours": "2.0", "anchor": "1.14.6"}


def scaled(size: int) -> int:
    """Return *size* (a large file's), or 8 MiB at the most in a quick run."""
    return min(size, 8 * MIB) if QUICK else size


BIG = scaled(256 * MIB)


class Pattern(io.RawIOBase):
    """A readable stream of *size* deterministic bytes, generated as it is read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pos = 0
        self.block = bytes(range(256)) * 4096

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = {0: 0, 1: self.pos, 2: self.size}[whence] + offset
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buffer: Any) -> int:
        # Fill the whole buffer (s3transfer expects full reads to size its parts).
        n = min(len(buffer), self.size - self.pos)
        done = 0
        while done < n:
            piece = min(n - done, len(self.block))
            buffer[done : done + piece] = self.block[:piece]
            done += piece
        self.pos += n
        return n


def chunks(stream: Any) -> Iterator[bytes]:
    """Yield *stream* in 1 MiB pieces."""
    return iter(lambda: stream.read(CHUNK), b"")


def drain(stream: Any) -> int:
    """Read *stream* to the end in 1 MiB reads, close it, and return the number of bytes."""
    with contextlib.closing(stream):
        return sum(len(piece) for piece in chunks(stream))


def write_files(directory: Path) -> None:
    """Write ``small.txt`` and ``big.bin`` into a server's data directory on this machine."""
    (directory / "small.txt").write_bytes(b"small content")
    with (directory / "big.bin").open("wb") as target:
        for piece in chunks(Pattern(BIG)):
            target.write(piece)


def kind(op: str) -> str:
    """Name the large file's operations ``read_1k``, ``read_big``, ``save_big``; others as is."""
    if op.startswith("read_1k_of_"):
        return "read_1k"
    if op in ("read_small", "save_small"):
        return op
    return {"read": "read_big", "save": "save_big"}.get(op.split("_")[0], op)


@dataclass
class Bench:
    """One backend's benchmark: only what differs from the others."""

    #: The results file's name, ``bench/results/NAME.md``, and the script's, ``bench/NAME.py``.
    name: str
    #: The test harness's server (its catalog name).
    server: str
    #: The raw client's column heading.
    raw: str
    #: Driver: fill or inspect the started server; return the workers' arguments and environment.
    setup: Callable[[Any], tuple[list[str], dict[str, str]]]
    #: Worker: ``(impl, *args)``, the ``ours`` or ``anchor`` storage (Django configured by it).
    storage: Callable[..., Any]
    #: Worker: ``(*args)``, the raw client.
    client: Callable[..., Any]
    #: Worker: the raw client's operations by kind (see :func:`kind`): ``(client, tag)``.
    raw_ops: Mapping[str, Callable[[Any, str], Any]]
    #: Worker: ``(impl, storage or client)``: start counting requests; return the live counts.
    count: Callable[[str, Any], dict[str, int]]
    #: The small file's operations besides ``read_small``, ``exists``, ``size``, ``save_small``.
    extra_ops: Sequence[str] = ("url",)
    #: Worker, run once (as ``raw``) before the measurements: ``(*args)``, fill the server.
    prepare: Callable[..., None] | None = None
    big: int = BIG
    impls: Sequence[str] = ("ours", "anchor", "raw")
    #: Repetitions of the small file's operations and of the large file's.
    repeat: tuple[int, int] = (25, 1)
    #: The heading of the requests column, and the decimals its means are rounded to.
    counted: str = "requests"
    request_digits: int = 6
    #: How times are shown: ``s`` (seconds), ``ms`` (three significant digits) or ``ms.2f``.
    time: str = "s"
    #: A paragraph written above the table.
    note: str = ""
    #: Add a column of what each operation gave back (bytes read, entries listed).
    result_column: bool = False
    #: Save under a new name each repetition (for storages that cannot overwrite).
    fresh_names: bool = False

    @property
    def ops(self) -> list[str]:
        """The table's operations: the small file's, then the large file's (named by its size)."""
        big = f"{self.big // MIB}m"
        small = ["read_small", "exists", "size", *self.extra_ops, "save_small"]
        return [*small, f"read_1k_of_{big}", f"read_{big}", f"save_{big}"]


#: For the backends 1.14.6 no longer has (removed in 2017): this package vs the raw client only.
RAW_ONLY: dict[str, Any] = {
    "raw": "raw",
    "impls": ("ours", "raw"),
    "repeat": (25, 3),
    "request_digits": 1,
    "time": "ms.2f",
}


#: The functions (and table) a benchmark module defines, by the :class:`Bench` field they fill.
HOOKS = {
    "setup": "setup",
    "storage": "storage",
    "client": "client",
    "raw_ops": "RAW",
    "count": "count",
    "prepare": "prepare",
}


def main(module: ModuleType, **options: Any) -> None:
    """Run the benchmark *module* (``bench/NAME.py``: its functions named as :data:`HOOKS`, its
    table of raw operations ``RAW``) as the driver, or as a worker when called with ``--worker``.
    *options* are the other fields of :class:`Bench`."""
    hooks = {hook: getattr(module, name) for hook, name in HOOKS.items() if hasattr(module, name)}
    bench = Bench(name=Path(str(module.__file__)).stem, **hooks, **options)
    if sys.argv[1:2] == ["--worker"]:
        work(bench, sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        drive(bench)


# -- the worker ---------------------------------------------------------------------------------
def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def django_setup(**settings: Any) -> None:
    """Configure Django for a worker: *settings* on top of the few every benchmark needs."""
    import django
    from django.conf import settings as conf

    conf.configure(USE_TZ=True, SECRET_KEY="bench", **settings)
    django.setup()


def count_calls(
    owner: Any, name: str, key: Callable[..., str | None], counts: dict[str, int] | None = None
) -> dict[str, int]:
    """Count the calls of *owner*.*name* from any thread, by *key* of their arguments (``None``:
    not counted), into *counts* (a new dict by default); return the live counts."""
    counts = {} if counts is None else counts
    lock = threading.Lock()
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        label = key(*args, **kwargs)
        if label is not None:
            with lock:
                counts[label] = counts.get(label, 0) + 1
        return original(*args, **kwargs)

    setattr(owner, name, counted)
    return counts


def count_http(key: Callable[[Any], str] = lambda request: str(request.method)) -> dict[str, int]:
    """Count every HTTP request sent through ``requests``, by *key* (default: the method)."""
    import requests.adapters

    adapter = requests.adapters.HTTPAdapter
    return count_calls(adapter, "send", lambda _adapter, request, *args, **kwargs: key(request))


def count_requests(impl: str, target: Any) -> dict[str, int]:
    """A ``count`` hook: every HTTP request sent through ``requests``, by method."""
    return count_http()


def count_botocore(client: Any) -> dict[str, int]:
    """Count the requests of a botocore S3 *client*, by operation."""
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def count(**kwargs: Any) -> None:
        name = kwargs["event_name"].rsplit(".", 1)[-1]
        with lock:
            counts[name] = counts.get(name, 0) + 1

    client.meta.events.register("before-send.s3", count)
    return counts


def storage_op(op: str, storage: Any, tag: str, big: int) -> int | None:
    """Run *op* (a kind) through the public Storage API; return the bytes read or entries."""
    from django.core.files.base import ContentFile, File

    if op == "read_small":
        with storage.open("small.txt", "rb") as handle:
            return len(handle.read())
    if op == "read_1k":
        with storage.open("big.bin", "rb") as handle:
            return len(handle.read(1024))
    if op == "read_big":
        return drain(storage.open("big.bin", "rb"))
    if op == "size":
        return int(storage.size("small.txt"))
    if op in ("listdir", "listdir_20"):
        dirs, files = storage.listdir("" if op == "listdir" else "many")
        return len(dirs) + len(files)
    if op == "exists":
        storage.exists("small.txt")
    elif op == "url":
        storage.url("small.txt")
    elif op == "save_small":
        storage.save(f"w-{tag}.txt", ContentFile(b"small"))
    elif op == "save_big":
        source: Any = Pattern(big)  # a binary stream; the stubs want text
        storage.save(f"up-{tag}.bin", File(source, name="up.bin"))
    else:
        raise SystemExit(f"unknown operation {op}")
    return None


def work(bench: Bench, impl: str, op: str, args: Sequence[str]) -> None:
    """Measure *op* once under *impl* (in this fresh process) and print the result as JSON."""
    if op == "prepare":
        assert bench.prepare is not None
        bench.prepare(*args)
        print("{}")
        return
    # Warm up: the SDK loaded, a connection open, the mimetypes table read.
    mimetypes.guess_type("x.txt")
    if impl == "raw":
        target = bench.client(*args)
        bench.raw_ops["exists"](target, impl)

        def run(what: str, tag: str) -> Any:
            return bench.raw_ops[what](target, tag)

    else:
        target = bench.storage(impl, *args)
        target.exists("warm-up")

        def run(what: str, tag: str) -> Any:
            return storage_op(what, target, tag, bench.big)

    counts = bench.count(impl, target)
    small, large = (3, 1) if QUICK else bench.repeat
    repeat = small if kind(op) == op else large
    baseline = peak_rss()
    timings = []
    result = None
    for i in range(repeat):
        tag = f"{impl}-{i}" if bench.fresh_names else impl
        started = time.perf_counter()
        result = run(kind(op), tag)
        timings.append(time.perf_counter() - started)
    measured = {
        "impl": impl,
        "op": op,
        "seconds": statistics.median(timings),
        "rss_delta": max(0, peak_rss() - baseline),
        "requests": sum(counts.values()) / repeat,
        "result": result if type(result) is int else None,
        "by_operation": counts,
    }
    print(json.dumps(measured))


# -- the driver ---------------------------------------------------------------------------------
def call(script: str, impl: str, argv: Sequence[str], env: Mapping[str, str] | None = None) -> Any:
    """Run ``bench/SCRIPT.py --worker IMPL ARGV...`` under IMPL's interpreter, in a fresh process
    with only *env* added to a bare environment; return the last line it prints, parsed."""
    interpreter = INTERPRETERS[impl]
    if not interpreter.exists():
        raise SystemExit(f"{interpreter.relative_to(ROOT)} is missing: run make bench-{script}")
    output = subprocess.run(
        [
            str(interpreter),
            "-W",
            "ignore::DeprecationWarning",  # e.g. Libcloud's S3 signer calls datetime.utcnow()
            str(ROOT / "bench" / f"{script}.py"),
            "--worker",
            impl,
            *argv,
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tempfile.gettempdir(),
        env={
            "PYTHONPATH": "" if impl == "anchor" else str(ROOT / "src"),
            "PATH": "/usr/bin:/bin",
            "BENCH_QUICK": os.environ.get("BENCH_QUICK", ""),
            **(env or {}),
        },
    )
    if output.returncode:
        raise SystemExit(f"bench/{script}.py: {impl} {argv[0]} failed:\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def serving(name: str) -> Iterator[Any]:
    """Start the test harness's server *name* in a temporary directory; stop it at the end."""
    from tests.harness.catalog import CATALOG
    from tests.harness.servers import start

    with tempfile.TemporaryDirectory() as tmp:
        server = start(CATALOG[name], Path(tmp) / "server")
        try:
            yield server
        finally:
            server.stop()


def describe(result: int | None) -> str:
    """Show what an operation gave back: bytes read (in MiB from 1 MiB) or entries listed."""
    if result is None:
        return "-"
    return f"{result / MIB:g} MiB" if result >= MIB else str(result)


def milliseconds(seconds: float) -> str:
    """Format a duration in milliseconds with three significant digits or more."""
    ms = seconds * 1000
    return f"{ms:.0f}" if ms >= 100 else f"{ms:.3g}"


TIMES: dict[str, tuple[str, Callable[[float], str]]] = {
    "s": ("seconds", lambda seconds: f"{seconds:.3f}"),
    "ms": ("ms", milliseconds),
    "ms.2f": ("ms", lambda seconds: f"{seconds * 1000:.2f}"),
}


def table(bench: Bench, results: Mapping[tuple[str, str], Mapping[str, Any]]) -> str:
    """Return the Markdown table of *results*, with the raw client's speed over ours."""
    names = " / ".join(LABELS.get(impl, bench.raw) for impl in bench.impls)
    unit, show_time = TIMES[bench.time]
    heads = [f"{bench.counted}: {names}", f"peak RSS growth MiB: {names}", f"{unit}: {names}"]
    heads.append(f"2.0 speed vs {bench.raw}")
    if bench.result_column:
        heads.append(f"result: {names}")
    lines = [f"| operation | {' | '.join(heads)} |", "|---" * (len(heads) + 1) + "|"]
    for op in bench.ops:
        row = [results[(impl, op)] for impl in bench.impls]
        ours, raw = row[0], row[-1]
        ratio = raw["seconds"] / ours["seconds"] if ours["seconds"] else float("nan")
        cells = [
            " / ".join(f"{round(r['requests'], bench.request_digits):g}" for r in row),
            " / ".join(f"{r['rss_delta'] / MIB:.1f}" for r in row),
            " / ".join(show_time(r["seconds"]) for r in row),
            f"{ratio:.2f}",
        ]
        if bench.result_column:
            cells.append(" / ".join(describe(r["result"]) for r in row))
        lines.append(f"| {op} | {' | '.join(cells)} |")
    return "\n".join(lines)


def publish(name: str, text: str, load: Sequence[float]) -> None:
    """Print *text* with the machine's load (at the start, *load*, and now) and write it to
    ``bench/results/NAME.md``, unless this is a quick run."""
    now = os.getloadavg()
    text += (
        f"\n\nLoad average (1, 5, 15 min) on {os.cpu_count()} CPUs: "
        f"{' / '.join(f'{x:.2f}' for x in load)} at the start, "
        f"{' / '.join(f'{x:.2f}' for x in now)} at the end."
    )
    print(text)
    if QUICK:
        print(f"BENCH_QUICK is set: a smoke run, bench/results/{name}.md left as it is.")
        return
    (ROOT / "bench/results").mkdir(exist_ok=True)
    (ROOT / f"bench/results/{name}.md").write_text(text + "\n")


def drive(bench: Bench) -> None:
    """Start the server, fill it, measure every operation under every implementation, publish."""
    load = os.getloadavg()
    with serving(bench.server) as server:
        args, env = bench.setup(server)
        if bench.prepare is not None:
            call(bench.name, "raw", ["prepare", *args], env)
        results = {
            (impl, op): call(bench.name, impl, [op, *args], env)
            for op in bench.ops
            for impl in bench.impls
        }
    for result in results.values():
        print(json.dumps(result), file=sys.stderr)
    note = f"{bench.note}\n\n" if bench.note else ""
    publish(bench.name, note + table(bench, results), load)
