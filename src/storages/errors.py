"""One exception tree for every backend, and the helper that translates vendor errors into it.

Every class derives from :class:`OSError` (through the matching built-in), so callers can keep
writing ``except FileNotFoundError`` whatever the backend. Each backend declares one
:class:`ErrorTranslator` (a table from vendor error to class) in its ``errors`` module; the base
storage applies it around every call into the backend, so no vendor exception leaks out of a
public method.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import ssl
import threading
import traceback
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation

__all__ = [
    "LOG_REDACTION",
    "ErrorRule",
    "ErrorTranslator",
    "MissingDependencyError",
    "SecretLogFilter",
    "StorageConnectionError",
    "StorageError",
    "StorageExistsError",
    "StorageNameError",
    "StorageNotFoundError",
    "StoragePermissionError",
    "StorageTimeoutError",
    "by_type",
    "redact",
]

REDACTED = "***"


class StorageError(OSError):
    """Raise for a failure of the storage backend that has no more specific class."""


class StorageNotFoundError(StorageError, FileNotFoundError):
    """Raise when the named file does not exist."""


class StorageExistsError(StorageError, FileExistsError):
    """Raise when the named file exists and may not be replaced."""


class StoragePermissionError(StorageError, PermissionError):
    """Raise when the credentials are refused or lack a permission."""


class StorageNameError(StorageError, ValueError):
    """Raise when the backend cannot hold a file under the name given (too long, a character
    its server refuses): a bad argument (``ValueError``) as much as a storage failure."""


class StorageConnectionError(StorageError, ConnectionError):
    """Raise when the backend cannot be reached or the connection broke."""


class StorageTimeoutError(StorageError, TimeoutError):
    """Raise when the backend did not answer in time."""


class MissingDependencyError(ImproperlyConfigured, ImportError):
    """Raise when a backend's optional SDK is not installed."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"This storage backend needs the {package!r} package; "
            f"install it with: pip install 'django-storages[{extra}]'"
        )


_ERRNO = {
    StorageNotFoundError: errno.ENOENT,
    StorageExistsError: errno.EEXIST,
    StorageNameError: errno.EINVAL,
    StoragePermissionError: errno.EACCES,
    StorageConnectionError: errno.ECONNABORTED,
    StorageTimeoutError: errno.ETIMEDOUT,
}

#: A rule looks at a vendor exception and returns the class to raise, or None to pass.
ErrorRule = Callable[[BaseException], "type[StorageError] | None"]

# Errors that already speak our language: let them through untouched.
_PASS_THROUGH: tuple[type[BaseException], ...] = (
    StorageError,
    SuspiciousOperation,
    ImproperlyConfigured,
    NotImplementedError,
    ValueError,
    TypeError,
)

_BUILTIN_OS_ERRORS: tuple[tuple[type[OSError], type[StorageError]], ...] = (
    (FileNotFoundError, StorageNotFoundError),
    (FileExistsError, StorageExistsError),
    (PermissionError, StoragePermissionError),
    (TimeoutError, StorageTimeoutError),
    (ConnectionError, StorageConnectionError),
    (ssl.SSLError, StorageConnectionError),
)


def by_type(*vendor: type[BaseException], to: type[StorageError]) -> ErrorRule:
    """Return a rule that maps instances of the *vendor* classes to *to*."""

    def rule(exc: BaseException) -> type[StorageError] | None:
        return to if isinstance(exc, vendor) else None

    return rule


def redact(text: str, secrets: Iterable[str]) -> str:
    """Return *text* with every secret replaced by ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, REDACTED)
    return text


class SecretLogFilter(logging.Filter):
    """Redact the secrets of live storages from the records of loggers known to print them.

    Some SDKs log credentials at DEBUG: botocore its signed headers (the access key ID and the
    session token), urllib3 the query string of a request signed with a SAS token, google-auth
    each request's bearer token (in a structured ``extra`` field). This filter, on each such
    logger, rewrites a record that carries a secret of a storage still alive: its message, its
    traceback and its extra fields. It costs nothing while those loggers are quieter than DEBUG
    (filters run after the level check).
    """

    def __init__(self) -> None:
        super().__init__()
        self._sources: weakref.WeakSet[Any] = weakref.WeakSet()
        self._loggers: set[str] = set()
        self._lock = threading.Lock()

    def watch(self, source: Any, loggers: Iterable[str]) -> None:
        """Redact *source*'s secrets from the named loggers, once it has computed them (its
        ``_secret_cache``, filled before any call into its SDK) and its ``_live_secrets()``."""
        with self._lock:
            self._sources.add(source)
            for name in loggers:
                if name not in self._loggers:
                    logging.getLogger(name).addFilter(self)
                    self._loggers.add(name)

    def secrets(self) -> list[str]:
        """Return the secrets of the watched storages (those an operation has computed)."""
        with self._lock:
            sources = list(self._sources)
        found: list[str] = []
        for source in sources:
            cached = vars(source).get("_secret_cache")
            if cached is not None:
                found.extend(cached)
                with contextlib.suppress(Exception):
                    found.extend(s for s in source._live_secrets() if s and len(s) >= 3)
        return found

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self.secrets()
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: the logging module reports it itself
            return True
        if any(secret in message for secret in secrets):
            record.msg, record.args = redact(message, secrets), None
        if record.exc_info and record.exc_info[1] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            if any(secret in text for secret in secrets):
                record.exc_info, record.exc_text = None, redact(text, secrets)
        # Fields given through ``extra`` (google-auth logs each request's headers there).
        for name, value in list(vars(record).items()):
            if name not in _RECORD_FIELDS:
                setattr(record, name, _scrubbed(value, secrets))
        return True


_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _scrubbed(value: Any, secrets: Sequence[str]) -> Any:
    """Return *value* with the secrets redacted from its strings (itself if it has none)."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, bytes):
        text = value.decode("latin-1")
        return redact(text, secrets).encode("latin-1") if any(s in text for s in secrets) else value
    if isinstance(value, Mapping):
        items = {key: _scrubbed(item, secrets) for key, item in value.items()}
        changed = any(items[key] is not item for key, item in value.items())
        return items if changed else value
    if isinstance(value, (list, tuple)):
        scrubbed = [_scrubbed(item, secrets) for item in value]
        if all(new is old for new, old in zip(scrubbed, value, strict=True)):
            return value
        return scrubbed if isinstance(value, list) else tuple(scrubbed)
    return value


#: The one filter every storage registers with (see ``BaseStorage.secret_loggers``).
LOG_REDACTION = SecretLogFilter()


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _leaks(exc: BaseException, secrets: Sequence[str]) -> bool:
    texts = (str(e) + repr(getattr(e, "args", ())) for e in _chain(exc))
    return any(secret in text for text in texts for secret in secrets)


class ErrorTranslator:
    """Translate vendor exceptions into :class:`StorageError` subclasses.

    ``rules`` are tried in order; the first that names a class wins. Exceptions already in our
    tree (and Django's configuration and suspicious-operation errors) pass through. A message that
    would carry a secret is redacted and its cause chain dropped.
    """

    def __init__(self, rules: Sequence[ErrorRule] = (), *, backend: str = "storage") -> None:
        self.rules = tuple(rules)
        self.backend = backend

    def classify(self, exc: BaseException) -> type[StorageError]:
        """Return the class that *exc* translates to."""
        for rule in self.rules:
            target = rule(exc)
            if target is not None:
                return target
        for builtin, target in _BUILTIN_OS_ERRORS:
            if isinstance(exc, builtin):
                return target
        return StorageError

    def translate(
        self,
        exc: BaseException,
        name: str | None = None,
        secrets: Sequence[str] = (),
        context: str | None = None,
    ) -> BaseException:
        """Return the exception to raise in place of *exc*.

        *context* names what was being talked to (e.g. a bucket and endpoint) in the message.
        """
        secrets = [s for s in secrets if s and len(s) >= 3]
        leaks = _leaks(exc, secrets)
        # Our own errors and Django's pass through; an OSError that is also a ValueError (such as
        # ssl.SSLCertVerificationError) is a connection failure and is translated.
        passes = isinstance(exc, _PASS_THROUGH) and (
            isinstance(exc, StorageError) or not isinstance(exc, OSError)
        )
        if passes and not leaks:
            return exc
        target = self.classify(exc)
        detail = redact(str(exc) or type(exc).__name__, secrets)
        message = f"{context or self.backend}: {detail}"
        # An OSError's own errno (ENAMETOOLONG, ENOSPC, ...) says more than the generic EIO.
        own = exc.errno if isinstance(exc, OSError) and isinstance(exc.errno, int) else None
        code = _ERRNO.get(target) or own or errno.EIO
        new = target(code, message, name) if name else target(message)
        # Setting __cause__ (None when a secret would leak) also suppresses the context.
        new.__cause__ = None if leaks else exc
        return new

    @contextmanager
    def __call__(
        self, name: str | None = None, secrets: Sequence[str] = (), context: str | None = None
    ) -> Iterator[None]:
        """Translate any exception raised in the block (see :meth:`translate`)."""
        try:
            yield
        except Exception as exc:
            new = self.translate(exc, name, secrets, context)
            if new is exc:
                raise
            raise new from new.__cause__
