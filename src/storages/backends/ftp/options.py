"""Options of the FTP storage, with the settings of the django-storages documentation."""

from __future__ import annotations

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
    """The server and directory, as a URL: ``ftp://user:password@host:port/path`` (plain) or
    ``ftps://...`` (explicit TLS, data connections protected too). The path is relative to the
    login directory (RFC 1738); write ``%2F`` first for an absolute path. Percent-encode
    ``@``, ``:`` and ``/`` in the user name and password. Secret: it holds the password."""
    base_url: str | None = option(None, setting=("FTP_STORAGE_BASE_URL", "BASE_URL"))
    """Prefix of the URLs ``url()`` returns; default ``MEDIA_URL``. ``BASE_URL`` is the global
    setting django-storages 1.x read."""
    file_overwrite: bool = option(False, setting="FTP_ALLOW_OVERWRITE", aliases="allow_overwrite")
    """Replace a file saved under an existing name (default: pick a free name, as Django does)."""
    encoding: str = option("utf-8", setting="FTP_STORAGE_ENCODING")
    """Encoding of file names on the control connection (1.x defaulted to ``latin-1``, which
    cannot name most non-Latin files)."""
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
