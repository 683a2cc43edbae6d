"""Any file name, hostile or odd, is either stored faithfully or refused cleanly.

:func:`names` is a Hypothesis strategy mixing ordinary names with traversal, absolute and
Windows paths, control characters, overlong components and names, the Unicode forms that
normalise to each other, and SQL or shell syntax. :func:`check_names_property` runs the
property on one storage: ``save()`` returns a name that reads back exactly the saved bytes
(and exists, is listed, and deletes), or it refuses the name cleanly; and no name appears
outside the storage's own location, in the namespace around it (:func:`outside_lister`).

A clean refusal is ``SuspiciousFileOperation`` or ``ValueError`` (which includes
:class:`~storages.errors.StorageNameError`, for a name the server can't hold), or an
``OSError`` whose ``errno`` says why (:data:`CLEAR_ERRNOS`, e.g. ``ENAMETOOLONG``): that is what
the local filesystem and Django's own storages raise, so callers already handle it. An ``EIO``
``StorageError`` or a vendor exception is not a refusal: it says the backend did not know what
happened to the name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import os
import string
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from storages import paths
from storages.features import Feature, features_of

__all__ = [
    "CLEAR_ERRNOS",
    "REFUSALS",
    "OutsideLister",
    "check_deleted",
    "check_name",
    "check_names_property",
    "names",
    "outside_lister",
]

#: What ``save()`` may raise to refuse a name.
REFUSALS = (SuspiciousFileOperation, ValueError)
#: ``errno`` values of an ``OSError`` that clearly refuses a name the server cannot hold, or
#: one that collides with a directory (an earlier example's, on backends with directories).
CLEAR_ERRNOS = frozenset(
    {errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ, errno.EISDIR, errno.ENOTDIR}
)

#: Lists the names in the namespace around a storage that are not under its own location.
OutsideLister = Callable[[], set[str]]

_SAFE = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=10)
_TRAVERSAL = ["..", "../", "a/../..", "./..", "...", "..a", "a..", "....//", ".\\..\\", "%2e%2e"]
_ABSOLUTE = ["/", "//", "\\", "\\\\server\\share\\", "C:", "C:\\", "C:/", "c:x", "~/", "file:///"]
_CONTROL = [chr(code) for code in range(32)] + ["\x7f", "\x85", "\u2028", "\u202e", "\ufeff"]
_UNICODE = [
    "\u00e9",  # é composed (NFC)
    "e\u0301",  # é decomposed (NFD)
    "\u212b",  # ANGSTROM SIGN: NFC and NFKC give U+00C5
    "\u00c5",
    "\ufb01le",  # the "fi" ligature: NFKC gives "file"
    "\uff46\uff55\uff4c\uff4c",  # fullwidth "full"
    "\u2460",  # circled digit one: NFKC gives "1"
    "\u00df",  # sharp s: upper-cases to "SS"
    "\u0130",  # dotted capital I
    "\u200b",  # zero-width space
    "\U0001f44d\U0001f3fd",  # emoji with a skin-tone modifier
    "\u65e5\u672c",
    "\ud7ff",
]
_SYNTAX = [
    "'; DROP TABLE x; --",
    "$(rm -rf ~)",
    "`id`",
    "a|b",
    "*?",
    "a;b&&c",
    "${HOME}",
    "%s%n%x",
    "<script>",
    '"quoted"',
    "100%",
    "a?b=c#d",
    "[a]{b}",
    "+ ~ !",
]
_WINDOWS = ["a\\b", "CON", "NUL.txt", "aux", "COM1", "a:b", "x.txt:stream"]
_TRAILING = ["a.", "a ", "a. .", " a", "a...", " ", "a\t"]

_FRAGMENT = st.sampled_from(_TRAVERSAL + _UNICODE + _SYNTAX + _WINDOWS + _TRAILING)
#: Components over 255 bytes: plain, and two bytes per character.
_LONG_COMPONENT = st.builds(
    lambda n, wide: ("\u00e9" if wide else "x") * (n // 2 if wide else n),
    st.integers(256, 300),
    st.booleans(),
)
_SHORT_COMPONENT = st.one_of(
    _SAFE,
    _SAFE,
    _FRAGMENT,
    st.builds(lambda a, f, b: a + f + b, _SAFE, _FRAGMENT, _SAFE),
    st.builds(lambda a, c, b: a + c + b, _SAFE, st.sampled_from(_CONTROL), _SAFE),
)
#: Whole names over 1024 characters made of acceptable components.
_LONG_NAME = st.builds(lambda n: "/".join(["d" * 100] * n) + ".txt", st.integers(11, 13))


def names(*, long_components: bool = True) -> st.SearchStrategy[str]:
    """Return the strategy of file names the property is tried on.

    Without *long_components* no component is longer than 255 bytes (for a stand-in server
    that keeps objects as local files, where a real service would hold them).
    """
    component = (
        st.one_of(_SHORT_COMPONENT, _LONG_COMPONENT) if long_components else _SHORT_COMPONENT
    )
    relative = st.builds(
        lambda parts, ext: "/".join(parts) + ext,
        st.lists(component, min_size=1, max_size=4),
        st.sampled_from(["", ".txt", ".tar.gz", "."]),
    )
    return st.one_of(
        relative,
        relative,
        st.builds(lambda p, n: p + n, st.sampled_from(_ABSOLUTE), relative),
        _LONG_NAME,
    )


def _payload(name: str) -> bytes:
    """Return content unique to *name*, so a read of another file is noticed."""
    return b"saved as " + hashlib.sha256(name.encode("utf-8", "surrogatepass")).digest()


def _read(storage: Storage, name: str) -> bytes:
    with storage.open(name, "rb") as handle:
        data: bytes = handle.read()
    return data


def _show(text: object, limit: int = 160) -> str:
    """Return a repr of *text* short enough for a failure message."""
    shown = repr(text) if not isinstance(text, BaseException) else f"{type(text).__name__}: {text}"
    return shown if len(shown) <= limit else f"{shown[: limit // 2]}...{shown[-limit // 2 :]}"


def _refused(exc: BaseException) -> bool:
    """Return whether *exc* is a clean refusal of a name (see the module docs)."""
    if isinstance(exc, REFUSALS):
        return True
    return isinstance(exc, OSError) and exc.errno in CLEAR_ERRNOS


def _collides(storage: Storage, name: str) -> bool:
    """Return whether *name* is a directory, or under a file, of an earlier example.

    Examples share one storage, and backends with directories keep them: such a save fails for
    the storage's state, not for the name (whatever error class the server's answer maps to).
    """
    if Feature.DIRECTORIES not in features_of(storage):
        return False
    try:
        parts = paths.clean_name(name).rstrip("/").split("/")
        for depth, part in enumerate(parts):
            dirs, files = storage.listdir("/".join(parts[:depth]))
            if depth == len(parts) - 1:
                return part in dirs
            if part in files:
                return True
            if part not in dirs:
                return False
    except (OSError, SuspiciousFileOperation, ValueError):
        return False
    return False


def _nests(name: str, saved: list[str]) -> bool:
    """Return whether *name* is above or below one of the *saved* names, path-wise."""
    try:
        clean = paths.clean_name(name).rstrip("/")
    except (SuspiciousFileOperation, ValueError, TypeError):
        return False  # refused before it reaches the server
    return any(other.startswith(clean + "/") or clean.startswith(other + "/") for other in saved)


def check_name(storage: Storage, name: str) -> str | None:
    """Save *name* and check it reads back; return the name it was stored under (None: refused).

    The file is left in place (see :func:`check_deleted`), so that a name that escaped the
    storage is still there when the namespace around it is listed.
    """
    payload = _payload(name)
    try:
        saved = storage.save(name, ContentFile(payload))
    except Exception as exc:
        if _refused(exc) or (isinstance(exc, OSError) and _collides(storage, name)):
            return None
        raise AssertionError(f"save({_show(name)}) raised {_show(exc, 400)}") from exc
    what = f"{_show(saved)} (saved as {_show(name)})"
    assert isinstance(saved, str), f"save() returned {what}"
    assert storage.exists(saved), f"{what} does not exist"
    assert _read(storage, saved) == payload, f"{what} reads other bytes"
    if Feature.LISTDIR in features_of(storage):
        directory, _, basename = saved.rstrip("/").rpartition("/")
        listed = storage.listdir(directory)[1]
        assert basename in listed, f"{what} is not listed: {_show(listed, 400)}"
    return saved


def check_deleted(storage: Storage, saved: list[str]) -> None:
    """Delete every saved name and check that none of them exists any more."""
    for name in saved:
        storage.delete(name)
    survivors = [name for name in dict.fromkeys(saved) if storage.exists(name)]
    assert survivors == [], f"delete() left {_show(survivors, 400)}"


def check_names_property(
    storage: Storage,
    outside: OutsideLister | None,
    *,
    max_examples: int = 30,
    long_components: bool = True,
    skip_characters: str = "",
) -> None:
    """Run the names property on *storage*, check that nothing landed *outside* it, delete."""
    before = outside() if outside is not None else set()
    saved: list[str] = []

    # Examples share the one storage the test was given (a new bucket or server per example
    # would cost seconds), and their files stay until every example ran: the namespace around
    # the storage is listed once, not per example. The seed is fixed so that a run against real
    # servers is reproducible; no example database is written.
    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(name=names(long_components=long_components))
    def stored_or_refused(name: str) -> None:
        # A file "a" and a file "a/b" can't both exist where objects are kept as files (the
        # stand-in servers, directories): the examples' files stay until the end, so skip such
        # a pair rather than blame the name.
        assume(not _nests(name, saved))
        assume(not any(char in name for char in skip_characters))
        stored = check_name(storage, name)
        if stored is not None:
            saved.append(stored)

    stored_or_refused()
    if outside is not None:
        escaped = sorted(outside() - before)
        assert escaped == [], f"names appeared outside the storage's location: {escaped}"
    check_deleted(storage, saved)


# -- the namespace around a storage ------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class _Parent:
    """Where a storage sits: the setting value one level up, and its own part below that."""

    value: str
    own: str


def _parent_of(value: str) -> _Parent | None:
    """Return the parent of a location, root path or location URL (None: nothing above)."""
    if "://" in value:
        parts = urlsplit(value)
        found = _parent_of(parts.path)
        if found is None:
            return None
        return _Parent(urlunsplit(parts._replace(path=found.value)), found.own)
    stripped = value.replace("\\", "/").rstrip("/")
    if not stripped.strip("/"):
        return None
    head, _, own = stripped.rpartition("/")
    return _Parent(head or ("/" if stripped.startswith("/") else ""), own)


def _not_under(own: str, found: Iterator[str]) -> set[str]:
    return {name for name in found if name != own and not name.startswith(own + "/")}


def _local_lister(storage: FileSystemStorage) -> OutsideLister | None:
    """List the entries beside the storage's root directory (not below them).

    The parent of a test's root is shared with other tests' directories and the test servers'
    data, which change on their own; a name escaping the root lands right in it.
    """
    root = os.path.abspath(storage.location)
    parent = os.path.dirname(root)
    if parent == root:
        return None
    own = os.path.basename(root)

    def entries() -> set[str]:
        try:
            return {entry for entry in os.listdir(parent) if entry != own}
        except FileNotFoundError:
            return set()

    return entries


#: Option fields that say where a storage sits inside its namespace, most specific first.
_PLACEMENT_FIELDS = ("location", "root_path")


def _changed_options(options: Any) -> dict[str, Any]:
    """Return the option values that differ from their defaults (what re-creates *options*)."""
    changed = {}
    for field in dataclasses.fields(options):
        if not field.init:
            continue
        value = getattr(options, field.name)
        if field.default is not dataclasses.MISSING:
            default = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = dataclasses.MISSING
        if value != default:
            changed[field.name] = value
    return changed


def _remote_lister(storage: Any) -> OutsideLister | None:
    options = storage.options
    for field in _PLACEMENT_FIELDS:
        value = getattr(options, field, None)
        if not isinstance(value, str) or not value:
            continue
        parent = _parent_of(value)
        if parent is None:
            return None
        kwargs = {**_changed_options(options), field: parent.value}
        own = parent.own

        def listed(kwargs: dict[str, Any] = kwargs, own: str = own) -> set[str]:
            enclosing = type(storage)(**kwargs)
            try:
                return _not_under(own, (entry.name for entry in enclosing.listing("")))
            finally:
                with contextlib.suppress(Exception):
                    enclosing.close()

        return listed
    return None


def outside_lister(storage: Storage) -> OutsideLister | None:
    """Return a lister of the namespace around *storage*, or None where there is none.

    A local storage's namespace is the parent directory of its root (its entries, not their
    contents); a :class:`BaseStorage`'s is the same storage with its location (``location``,
    ``root_path``, or the path of a location URL) moved one level up, listed recursively. A
    storage at the top of its namespace (an empty location: a whole bucket or table) has
    nothing around it.
    """
    if isinstance(storage, FileSystemStorage):
        return _local_lister(storage)
    if hasattr(storage, "options") and hasattr(storage, "listing"):
        return _remote_lister(storage)
    return None
