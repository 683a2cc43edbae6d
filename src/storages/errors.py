"""One exception tree for every backend, and the helper that translates vendor errors into it.

Every class derives from :class:`OSError` (through the matching built-in), so callers can keep
writing ``except FileNotFoundError`` whatever the backend. Each backend declares one
:class:`ErrorTranslator` (a table from vendor error to class) in its ``errors`` module; the base
storage applies it around every call into the backend, so no vendor exception leaks out of a
public method.
"""

from __future__ import annotations

import errno
import ssl
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation

from storages.secrets import redact, usable

__all__ = [
    "ErrorRule",
    "ErrorTranslator",
    "MissingDependencyError",
    "StorageConnectionError",
    "StorageError",
    "StorageExistsError",
    "StorageNameError",
    "StorageNotFoundError",
    "StoragePermissionError",
    "StorageTimeoutError",
    "by_type",
]


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
T = TypeVar("T")
#: Values to redact, or a callable returning them (evaluated only when an error occurs).
Secrets = Sequence[str] | Callable[[], Sequence[str]]
#: What an error names as the other side (a callable is asked only when an error occurs).
Context = str | Callable[[], str | None] | None

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

    def missing_as_none(self, request: Callable[[], T]) -> T | None:
        """Return ``request()``, or None when it failed because nothing is stored there.

        What a ``_stat`` hook answers for a missing key: the table tells a missing object from
        any other failure, which is raised.
        """
        try:
            return request()
        except Exception as exc:
            if issubclass(self.classify(exc), StorageNotFoundError):
                return None
            raise

    def translate(
        self,
        exc: BaseException,
        name: str | None = None,
        secrets: Secrets = (),
        context: Context = None,
    ) -> BaseException:
        """Return the exception to raise in place of *exc*.

        *secrets* (or a callable returning them, asked only when an error is translated) are
        redacted; *context* (or a callable returning it, asked likewise) names what was being
        talked to (e.g. a bucket and endpoint).
        """
        secrets = usable(secrets() if callable(secrets) else secrets)
        context = context() if callable(context) else context
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

    def __call__(
        self, name: str | None = None, secrets: Secrets = (), context: Context = None
    ) -> _Translating:
        """Return a context that translates any exception raised in it (see :meth:`translate`).

        Entered around every backend call: a plain object, not a generator, and nothing is
        computed unless an error is raised.
        """
        return _Translating(self, name, secrets, context)


class _Translating:
    __slots__ = ("context", "name", "secrets", "translator")

    def __init__(
        self, translator: ErrorTranslator, name: str | None, secrets: Secrets, context: Context
    ) -> None:
        self.translator, self.name, self.secrets, self.context = translator, name, secrets, context

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, traceback: Any) -> None:
        if isinstance(exc, Exception):
            new = self.translator.translate(exc, self.name, self.secrets, self.context)
            if new is not exc:
                raise new from new.__cause__
