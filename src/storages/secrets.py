"""Which values are secret, how they are redacted, and the log filter that keeps them out of logs.

Every other module asks this one: option declarations mark secret options (``secret=True``),
a storage collects their values (and those its SDK obtains while it works, such as an OAuth
token) in one :class:`StorageSecrets`, the error translator redacts them from messages with
:func:`redact`, and :data:`LOG_REDACTION` rewrites the records of SDK loggers known to print
credentials. A value shorter than :data:`MIN_LENGTH` characters is never treated as a secret:
redacting ``"a"`` would garble every message without protecting anything.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import traceback
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "LOG_REDACTION",
    "MIN_LENGTH",
    "REDACTED",
    "SecretLogFilter",
    "StorageSecrets",
    "redact",
    "split_given",
    "usable",
]

#: What a secret is replaced with.
REDACTED = "***"
#: Shorter values are not redacted.
MIN_LENGTH = 3


def usable(values: Iterable[str | None]) -> tuple[str, ...]:
    """Return the values of *values* that count as secrets (strings of ``MIN_LENGTH`` or more)."""
    return tuple(v for v in values if isinstance(v, str) and len(v) >= MIN_LENGTH)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Return *text* with every secret replaced by ``***``."""
    for secret in usable(secrets):
        text = text.replace(secret, REDACTED)
    return text


def split_given(
    keywords: Mapping[str, frozenset[str]], given: Iterable[str]
) -> tuple[list[str], list[str]]:
    """Split secret options by where they came from.

    *keywords* maps each secret option to the constructor keywords that set it (its aliases);
    *given* are the keywords a storage was created with. Return ``(explicit, configured)``: the
    keywords that gave a secret in code (``OPTIONS``), and the secret options left to settings,
    the environment or the class (read again wherever a storage is rebuilt).
    """
    given = set(given)
    explicit = sorted(set().union(*keywords.values()) & given)
    configured = [name for name, names in keywords.items() if not names & given]
    return explicit, configured


class StorageSecrets:
    """The secrets of one storage: those its options hold, and those that appear while it works.

    The option values are computed once, on first use (before any call into the SDK); *live*
    returns values such as an access token the SDK obtained and renews. The log filter only
    reads what is computed already, so a log record can never trigger the computation.
    """

    def __init__(
        self, static: Callable[[], Iterable[str]], live: Callable[[], Iterable[str]]
    ) -> None:
        self._static_source = static
        self._live_source = live
        self._static: tuple[str, ...] | None = None

    def values(self) -> tuple[str, ...]:
        """Return the option secrets, computing them on the first call."""
        if self._static is None:
            self._static = usable(self._static_source())
        return self._static

    def all(self) -> list[str]:
        """Return every secret: the option values and those that appeared while working."""
        found = list(self.values())
        with contextlib.suppress(Exception):
            found.extend(usable(self._live_source()))
        return found

    def known(self) -> list[str]:
        """Return the secrets known now, without computing anything new (for the log filter)."""
        if self._static is None:
            return []
        found = list(self._static)
        with contextlib.suppress(Exception):
            found.extend(usable(self._live_source()))
        return found


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
        self._sources: weakref.WeakSet[StorageSecrets] = weakref.WeakSet()
        self._loggers: set[str] = set()
        self._lock = threading.Lock()

    def watch(self, source: StorageSecrets, loggers: Iterable[str]) -> None:
        """Redact *source*'s secrets from the named loggers."""
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
        return [secret for source in sources for secret in source.known()]

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
