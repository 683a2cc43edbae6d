"""Options of the FTP storage, with the settings of the django-storages documentation."""

from __future__ import annotations

import codecs
import dataclasses
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from storages.backends.ftp.connection import parse_location
from storages.options import BaseOptions, option

__all__ = ["FTPOptions"]


def _location(value: Any) -> Any:
    """Check a location URL, so a bad one is refused naming the setting it came from."""
    if isinstance(value, str) and value:
        try:
            parse_location(value)
        except ImproperlyConfigured as exc:  # its message never repeats the URL
            raise ValueError(str(exc).removeprefix("FTPStorage: ")) from None
    return value


def _encoding(value: Any) -> Any:
    """Check that an encoding exists, so a misspelt one is refused naming its setting."""
    if isinstance(value, str) and value:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
    return value or None


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class FTPOptions(BaseOptions):
    """Where the FTP server is, how to talk to it and where the files are served from."""

    location: str | None = option(
        None,
        setting="FTP_STORAGE_LOCATION",
        env="FTP_STORAGE_LOCATION",
        secret=True,
        required=True,
        convert=_location,
    )
    """The server and directory, as a URL: ``ftp://user:password@host:port/path`` (plain),
    ``ftps://...`` (explicit TLS, data connections protected too) or ``aftp://...`` (plain, in
    active mode). The path is relative to the login directory (RFC 1738); write ``%2F`` first
    for an absolute path; an empty one is the server's root ``/``, as in django-storages 1.x.
    Percent-encode ``%``, ``@``, ``:``, ``/``, ``?`` and ``#`` in the user name and password
    (1.x's unencoded form, with the port given, is still read). Secret: it holds the
    password."""
    base_url: str | None = option(None, setting=("FTP_STORAGE_BASE_URL", "BASE_URL"))
    """Prefix of the URLs ``url()`` returns; default ``MEDIA_URL``. ``BASE_URL`` is the global
    setting django-storages 1.x read."""
    file_overwrite: bool = option(False, setting="FTP_ALLOW_OVERWRITE", aliases="allow_overwrite")
    """Replace a file saved under an existing name (default: pick a free name, as Django does)."""
    encoding: str | None = option(None, setting="FTP_STORAGE_ENCODING", convert=_encoding)
    """Encoding of file names on the control connection. By default UTF-8 when the server
    announces it (``UTF8`` in its ``FEAT`` reply, RFC 2640), else ``latin-1``, the default of
    django-storages 1.x. Set it for a server that uses another one without saying so."""
    passive: bool = option(True, setting="FTP_STORAGE_PASSIVE")
    """Use passive mode (the client opens data connections); ``False`` for active mode."""
    timeout: float = option(30.0, setting="FTP_STORAGE_TIMEOUT")
    """Seconds to wait for a connection or an answer, on the control connection and on each
    data connection (a transfer that stalls this long fails)."""
    tls_ca_file: str | None = option(None, setting="FTP_STORAGE_TLS_CA_FILE")
    """CA bundle that signs the server's certificate, for ``ftps://`` (default: the system's
    CAs). The certificate must match the host name of the location."""
    idle_check: float = option(15.0, setting="FTP_STORAGE_IDLE_CHECK")
    """Seconds a connection may sit unused before a ``NOOP`` checks it before reuse."""
