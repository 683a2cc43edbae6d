"""A manifest storage's post-processing through a synchronising view.

Django's ``ManifestFilesMixin`` hashes every collected file, rewrites the references inside the
CSS and JavaScript, saves the hashed copies one after the other and writes the manifest, on
every ``collectstatic`` run. Through a synchronising view (:mod:`storages.sync`) a manifest
storage's post-processing instead:

* uploads the hashed copies in the background (:mod:`storages.background`) while the next files
  are hashed, and writes the manifest once every file it names is stored;
* is skipped when nothing it depends on changed: the manifest records a fingerprint of its
  inputs (the content of every collected file, the Django and package versions, the storage's
  classes: their attributes, their methods' code and the source file of each class of the
  project's own, and the settings the hashing reads), and a run with the same fingerprint, whose
  manifest names only stored files, keeps that manifest. Any difference, or any doubt (a file
  whose content can't be read, a value without a stable form), post-processes as Django does;
  ``collectstatic --clear`` always does.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import marshal
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import django
from django.conf import settings

import storages
from storages.background import BackgroundUploads
from storages.paths import clean_name

if TYPE_CHECKING:
    from storages.sync import SyncIndex

__all__ = ["INPUTS_KEY", "ManifestView", "inputs_fingerprint"]

#: The manifest's key holding the fingerprint of its inputs (Django reads only its own keys).
INPUTS_KEY = "storages_inputs"

#: The settings of Django's hashing that change what it writes.
_HASHING_ATTRIBUTES = (
    "patterns",
    "max_post_process_passes",
    "keep_intermediate_files",
    "support_js_module_import_aggregation",
    "manifest_strict",
    "manifest_version",
    "manifest_name",
    "base_url",
)

#: Classes from these packages are pinned by the versions in the fingerprint.
_VERSIONED = ("django.", "storages.")


def _code_of(value: Any) -> bytes | None:
    """Return the marshalled code of a function, method, property or classmethod, if it is one."""
    if isinstance(value, property):
        parts = [_code_of(part) for part in (value.fget, value.fset, value.fdel) if part]
        return b"".join(part for part in parts if part is not None)
    function = getattr(value, "__func__", value)
    code = getattr(function, "__code__", None)
    return marshal.dumps(code) if code is not None else None


def _stable_repr(value: Any) -> str | None:
    """Return a repr that is the same in every process, or None (a memory address in it).

    Regular expressions (Django's patterns hold lazily compiled ones) are shown by their
    pattern and flags.
    """
    if isinstance(value, (tuple, list)):
        parts = [_stable_repr(part) for part in value]
        return None if None in parts else f"({', '.join(parts)})"  # type: ignore[arg-type]
    if isinstance(value, dict):
        return _stable_repr(sorted(value.items(), key=repr))
    if not isinstance(value, str) and hasattr(value, "pattern") and hasattr(value, "flags"):
        return f"re({value.pattern!r}, {int(value.flags)})"
    text = repr(value)
    return None if " at 0x" in text else text


def _module_source(cls: type) -> str:
    """Return the digest of the source file of *cls*'s module ("" when there is none)."""
    try:
        path = inspect.getsourcefile(cls)
        if path is None:
            return ""
        with open(path, "rb") as source:
            return hashlib.sha256(source.read()).hexdigest()
    except (OSError, TypeError):
        return ""


def inputs_fingerprint(storage: Any, paths: dict[str, tuple[Any, str]]) -> str | None:
    """Return the fingerprint of what *storage*'s post-processing of *paths* depends on, or None
    when some input has no stable form (post-processing then always runs)."""
    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        digest.update(repr(parts).encode())
        digest.update(b"\n")

    add(django.VERSION, storages.__version__, settings.STATIC_URL)
    for attribute in _HASHING_ATTRIBUTES:
        value = _stable_repr(getattr(storage, attribute, None))
        if value is None:
            return None
        add(attribute, value)
    for cls in type(storage).__mro__:
        add(cls.__module__, cls.__qualname__)
        if cls.__module__.startswith(_VERSIONED) or cls.__module__ in ("builtins", "abc"):
            continue
        add(_module_source(cls))  # helpers its methods call, in the same module
        for name, value in sorted(vars(cls).items()):
            if name in ("__dict__", "__weakref__", "__doc__", "__module__", "__qualname__"):
                continue
            code = _code_of(value)
            shown = code if code is not None else _stable_repr(value)
            if shown is None:
                return None
            add(name, shown)
    for name in sorted(paths):
        source, path = paths[name]
        content = hashlib.sha256()
        try:
            with source.open(path) as handle:
                for chunk in handle.chunks():
                    content.update(chunk.encode() if isinstance(chunk, str) else chunk)
        except OSError:
            return None
        add(name, content.hexdigest())
    return digest.hexdigest()


class _ManifestWithInputs:
    """The manifest storage as ``save_manifest`` uses it, adding the inputs' fingerprint to the
    manifest it writes."""

    def __init__(self, storage: Any, inputs: str) -> None:
        self._storage = storage
        self._inputs = inputs

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)  # exists, delete, and whatever else Django asks

    def _save(self, name: str, content: Any) -> str:
        from django.core.files.base import ContentFile

        payload = json.loads(content.read())
        payload[INPUTS_KEY] = self._inputs
        return str(self._storage._save(name, ContentFile(json.dumps(payload).encode())))


class ManifestView:
    """The view of a manifest storage (``ManifestFilesMixin``): post-processing's saves upload
    in the background, the manifest is written after every file it names, and a run whose
    inputs did not change keeps the stored manifest."""

    sync_index: SyncIndex
    _inputs: str | None = None

    def post_process(
        self, paths: dict[str, tuple[Any, str]], dry_run: bool = False, **options: Any
    ) -> Iterator[Any]:
        index = self.sync_index
        parent: Any = super()
        if index.background is not None or dry_run:  # within post-processing, or changing nothing
            yield from parent.post_process(paths, dry_run, **options)
            return
        self._inputs = inputs_fingerprint(self, paths)
        try:
            kept = self._kept_result(paths)
            if kept is not None:
                for name in paths:
                    yield name, kept[self._key_of(name)], False
                return
            with BackgroundUploads(index.workers) as uploads:
                index.background = uploads
                try:
                    yield from parent.post_process(paths, dry_run, **options)
                finally:
                    index.background = None
        finally:
            del self._inputs  # the view's own; not an attribute the storage learns

    def _key_of(self, name: str) -> str:
        this: Any = self
        return str(this.hash_key(this.clean_name(name)))

    def _kept_result(self, paths: dict[str, tuple[Any, str]]) -> dict[str, str] | None:
        """Return the stored manifest's names when it was made from the same inputs and every
        file it names is stored; else None."""
        if self._inputs is None or any(
            clean_name(name) in self.sync_index.uploaded for name in paths
        ):
            return None  # no stable inputs, or a collected file just changed
        this: Any = self
        try:
            stored = json.loads(this.read_manifest() or "null")
        except (ValueError, OSError):
            return None
        if not isinstance(stored, dict) or stored.get(INPUTS_KEY) != self._inputs:
            return None
        hashed = stored.get("paths")
        if not isinstance(hashed, dict) or any(self._key_of(name) not in hashed for name in paths):
            return None
        if not all(self.sync_index.exists(clean_name(str(name))) for name in hashed.values()):
            return None
        this.hashed_files = hashed
        this.manifest_hash = stored.get("hash", "")
        return hashed

    def save_manifest(self) -> None:
        this: Any = self
        parent: Any = super()
        if self.sync_index.background is not None:
            self.sync_index.background.wait()
        if self._inputs is None:
            parent.save_manifest()
            return
        manifest_storage = this.manifest_storage
        this.manifest_storage = _ManifestWithInputs(manifest_storage, self._inputs)
        try:
            parent.save_manifest()
        finally:
            this.manifest_storage = manifest_storage
