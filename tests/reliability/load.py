"""One load routine for every backend: many threads, mixed operations, one storage instance.

Threads save small random contents (most of them to names every thread shares, so saves,
reads and deletes of one name really overlap), read them back, ask ``exists``/``size``, list the
directory and delete. A :class:`Ledger` records, per name, every content a save *started* to
write there and when saves and deletes ran (on a global logical clock), so each result can be
judged without knowing the order the server applied the operations in:

- a read must return exactly one of the contents written to that name, never a mix;
- ``size`` must be the length of one of them;
- "missing" (``FileNotFoundError``, ``exists() is False``) is only acceptable when no save of
  the name had finished before the call started, or a delete may have run after the last one;
- anything else raised is an unexpected error.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage

__all__ = ["Ledger", "LoadResult", "close_storage", "run_load", "warm_up"]

#: Relative weights of the operations a thread picks from.
WEIGHTS = {"save": 30, "read": 25, "exists": 15, "size": 10, "listdir": 10, "delete": 10}
#: Names every thread uses (the contended ones) and names private to each thread.
SHARED_NAMES = 8
OWN_NAMES = 2
#: Chance that an operation picks a shared name.
SHARED_CHANCE = 0.7
MAX_CONTENT = 4096


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class _Interval:
    start: int
    end: int | None = None


@dataclass
class _NameRecord:
    #: digest -> size of every content a save started to write under this name.
    versions: dict[str, int] = field(default_factory=dict)
    #: Saves that finished storing under this name.
    saves: list[_Interval] = field(default_factory=list)
    deletes: list[_Interval] = field(default_factory=list)


class Ledger:
    """What each name may hold and when it may have been missing (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clock = itertools.count()
        self._names: dict[str, _NameRecord] = {}
        #: Names that saves returned instead of the one asked for (storages that don't
        #: overwrite); operations pick from them too.
        self.renamed: list[str] = []

    def tick(self) -> int:
        with self._lock:
            return next(self._clock)

    def _record(self, name: str) -> _NameRecord:
        return self._names.setdefault(name, _NameRecord())

    def save_started(self, name: str, data: bytes) -> int:
        with self._lock:
            self._record(name).versions[_digest(data)] = len(data)
            return next(self._clock)

    def save_done(self, saved: str, data: bytes, start: int) -> None:
        with self._lock:
            record = self._record(saved)
            record.versions[_digest(data)] = len(data)
            record.saves.append(_Interval(start, next(self._clock)))

    def delete_started(self, name: str) -> _Interval:
        with self._lock:
            interval = _Interval(next(self._clock))
            self._record(name).deletes.append(interval)
            return interval

    def delete_done(self, interval: _Interval) -> None:
        with self._lock:
            interval.end = next(self._clock)

    def may_be_missing(self, name: str, start: int, end: int) -> bool:
        """Whether *name* may have been absent at some point of the call ``[start, end]``."""
        with self._lock:
            record = self._names.get(name)
            if record is None:
                return True
            finished = [
                save.start for save in record.saves if save.end is not None and save.end < start
            ]
            if not finished:
                return True
            # A delete may be ordered after every save that finished before the call if it did
            # not end before the latest of them started; it must have started before the call ended.
            latest = max(finished)
            return any(
                delete.start < end and (delete.end is None or delete.end > latest)
                for delete in record.deletes
            )

    def accepts(self, name: str, data: bytes) -> bool:
        with self._lock:
            record = self._names.get(name)
            return record is not None and _digest(data) in record.versions

    def sizes(self, name: str) -> set[int]:
        with self._lock:
            record = self._names.get(name)
            return set(record.versions.values()) if record is not None else set()

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._names)


@dataclass
class LoadResult:
    """What a load run saw."""

    operations: Counter[str] = field(default_factory=Counter)
    #: "Missing" answers the ledger shows a delete (or no finished save) explains.
    expected_missing: int = 0
    errors: list[str] = field(default_factory=list)
    corrupted: list[str] = field(default_factory=list)
    #: Entries of a listing taken during the run that no save created (temporary files).
    transient_entries: set[str] = field(default_factory=set)
    #: Entries of the final listing that no save created (leftovers).
    leftovers: set[str] = field(default_factory=set)
    seconds: float = 0.0

    def problems(self) -> list[str]:
        """Return every failure found, unexpected errors first."""
        found = [f"error: {e}" for e in self.errors] + [f"corrupt: {c}" for c in self.corrupted]
        return found + [f"left behind: {name}" for name in sorted(self.leftovers)]

    def report(self, limit: int = 5) -> str:
        """Return how many problems of each kind there were, then the first few in full."""
        kinds = Counter(
            re.sub(r"\d+", "N", re.sub(r"'[^']*'", "NAME", problem.split("\n", 1)[0]))[:120]
            for problem in self.problems()
        )
        lines = [f"{count:5d} x {kind}" for kind, count in kinds.most_common()]
        return "\n".join([*lines, "", *self.problems()[:limit]])

    def summary(self) -> str:
        ops = sum(self.operations.values())
        return (
            f"{ops} operations in {self.seconds:.1f} s ({ops / max(self.seconds, 1e-9):.0f}/s); "
            f"{dict(sorted(self.operations.items()))}; {self.expected_missing} expected missing; "
            f"{len(self.errors)} errors; {len(self.corrupted)} corrupted; "
            f"{len(self.transient_entries)} transient listing entries"
        )


def _read(storage: Storage, name: str) -> bytes:
    with storage.open(name, "rb") as handle:
        return bytes(handle.read())


class _Worker:
    """One thread's share of the load: *operations* operations on a mix of names."""

    def __init__(
        self,
        storage: Storage,
        ledger: Ledger,
        result: LoadResult,
        lock: threading.Lock,
        directory: str,
        index: int,
    ) -> None:
        self.storage = storage
        self.ledger = ledger
        self.result = result
        self.lock = lock  # guards the shared result and the ledger's renamed list
        self.directory = directory
        self.rng = random.Random(f"load-{index}")
        self.shared = [f"{directory}/shared-{k}.bin" for k in range(SHARED_NAMES)]
        self.own = [f"{directory}/t{index:02d}-{k}.bin" for k in range(OWN_NAMES)]

    def pick_name(self, *, for_save: bool) -> str:
        if not for_save and self.ledger.renamed and self.rng.random() < 0.3:
            return self.rng.choice(self.ledger.renamed)
        pool = self.shared if self.rng.random() < SHARED_CHANCE else self.own
        return self.rng.choice(pool)

    def run(self, operations: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
        for _ in range(operations):
            kind = self.rng.choices(kinds, weights)[0]
            name = self.pick_name(for_save=kind == "save")
            start = self.ledger.tick()
            try:
                getattr(self, f"do_{kind}")(name, start)
            except FileNotFoundError as exc:
                if kind in ("read", "size") and self.ledger.may_be_missing(
                    name, start, self.ledger.tick()
                ):
                    self._count_missing()
                else:
                    self._error(kind, name, exc)
            except Exception as exc:
                self._error(kind, name, exc)
            with self.lock:
                self.result.operations[kind] += 1

    def _count_missing(self) -> None:
        with self.lock:
            self.result.expected_missing += 1

    def _error(self, kind: str, name: str, exc: BaseException) -> None:
        where = "".join(traceback.format_exception(exc, limit=-3)).strip()
        with self.lock:
            self.result.errors.append(f"{kind}({name!r}): {type(exc).__name__}: {exc}\n{where}")

    def _corrupt(self, message: str) -> None:
        with self.lock:
            self.result.corrupted.append(message)

    # -- the operations ---------------------------------------------------------------------
    def do_save(self, name: str, start: int) -> None:
        data = self.rng.randbytes(self.rng.randint(1, MAX_CONTENT))
        start = self.ledger.save_started(name, data)
        saved = self.storage.save(name, ContentFile(data))
        self.ledger.save_done(saved, data, start)
        if saved != name:
            stem = name.rsplit(".", 1)[0]
            if not (saved.startswith(stem + "_") and saved.endswith(".bin")):
                self._corrupt(f"save({name!r}) returned an unrelated name {saved!r}")
            with self.lock:  # only now that the ledger knows its content
                self.ledger.renamed.append(saved)

    def do_read(self, name: str, start: int) -> None:
        data = _read(self.storage, name)
        if not self.ledger.accepts(name, data):
            sizes = sorted(self.ledger.sizes(name))
            self._corrupt(
                f"read({name!r}) gave {len(data)} bytes matching no saved version (sizes {sizes})"
            )

    def do_exists(self, name: str, start: int) -> None:
        if self.storage.exists(name):
            return
        if not self.ledger.may_be_missing(name, start, self.ledger.tick()):
            self._corrupt(f"exists({name!r}) is False though no delete could explain it")
        else:
            self._count_missing()

    def do_size(self, name: str, start: int) -> None:
        size = self.storage.size(name)
        if size not in self.ledger.sizes(name):
            self._corrupt(f"size({name!r}) is {size}: no saved version has that size")

    def do_listdir(self, name: str, start: int) -> None:
        _dirs, files = self.storage.listdir(self.directory)
        unknown = {entry for entry in files if not _generated(entry)}
        if unknown:
            with self.lock:
                self.result.transient_entries |= unknown

    def do_delete(self, name: str, start: int) -> None:
        interval = self.ledger.delete_started(name)
        try:
            self.storage.delete(name)
        finally:
            self.ledger.delete_done(interval)


_GENERATED = re.compile(r"^(shared-\d+|t\d\d-\d+)(_[A-Za-z0-9]{7})?\.bin$")


def _generated(entry: str) -> bool:
    """Whether a listing entry is a name this routine saves (or a renamed variant of one)."""
    return bool(_GENERATED.match(entry))


def _final_check(storage: Storage, ledger: Ledger, result: LoadResult, directory: str) -> None:
    """With every thread done: each stored file holds one of its versions; no temporary files."""
    _dirs, files = storage.listdir(directory)
    known = {name.rsplit("/", 1)[-1] for name in ledger.names()}
    result.leftovers = {entry for entry in files if entry not in known}
    for entry in files:
        name = f"{directory}/{entry}"
        if entry in known and not ledger.accepts(name, _read(storage, name)):
            result.corrupted.append(f"{name!r} holds none of its versions after the run")


def run_load(storage: Storage, *, threads: int = 16, operations: int = 200) -> LoadResult:
    """Run *threads* threads of *operations* mixed operations each on *storage*; then check
    every file left. The threads start together (a barrier) to overlap as much as possible."""
    directory = f"load-{uuid.uuid4().hex[:8]}"
    # Where directories are real (filesystems, FTP, SFTP), a listing before the first save
    # would find none: make it now (a key store keeps nothing of this).
    storage.delete(storage.save(f"{directory}/prepare.bin", ContentFile(b"")))
    ledger, result, lock = Ledger(), LoadResult(), threading.Lock()
    workers = [_Worker(storage, ledger, result, lock, directory, index) for index in range(threads)]
    barrier = threading.Barrier(threads + 1)
    pool = [
        threading.Thread(target=worker.run, args=(operations, barrier), name=f"load-{index}")
        for index, worker in enumerate(workers)
    ]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.monotonic()
    for thread in pool:
        thread.join()
    result.seconds = time.monotonic() - started
    _final_check(storage, ledger, result, directory)
    return result


def warm_up(storage: Storage) -> None:
    """Run each operation once, so clients, modules and lazily opened files exist before
    resources are counted."""
    name = storage.save(f"warm-up-{uuid.uuid4().hex[:8]}/w.bin", ContentFile(b"warm"))
    assert _read(storage, name) == b"warm"
    storage.exists(name)
    storage.size(name)
    storage.listdir(name.rsplit("/", 1)[0])
    storage.delete(name)


def close_storage(storage: Storage) -> None:
    """Close what the storage holds (Django's own storages have no ``close()``)."""
    close: Callable[[], Any] | None = getattr(storage, "close", None)
    if close is not None:
        close()
