"""Where a CouchDBStorage connects: the server URL, its credentials, and the HTTP session."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

__all__ = ["Credentials", "new_session", "split_server"]

#: HTTP basic-authentication user name and password.
Credentials = tuple[str, str]


def split_server(
    server: str, username: str | None, password: str | None
) -> tuple[str, Credentials | None]:
    """Return the URL of *server* without credentials, and the credentials to send.

    A separate *username* (and *password*) beats credentials written in the URL
    (``http://user:pass@host:5984``).
    """
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured("The CouchDB server must be an http(s) URL")
    auth: Credentials | None = None
    if username is not None:
        auth = (username, password or "")
    elif parts.username is not None:
        auth = (unquote(parts.username), unquote(parts.password or ""))
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", "")), auth


def new_session(server: str, auth: Credentials | None) -> Any:
    """Return a ``requests`` session to *server* that authenticates with *auth*.

    The environment's proxy, CA bundle and ``.netrc`` settings for *server* are read once
    here: a session that reads them itself does so on every request, a quarter of what a
    small request costs on the client's side.
    """
    import requests

    session = requests.Session()
    # Reads take the body from the raw stream, which would not undo a compression.
    session.headers["Accept-Encoding"] = "identity"
    environment = session.merge_environment_settings(server, {}, None, None, None)
    session.proxies.update(environment["proxies"])
    session.verify = environment["verify"]
    session.auth = auth if auth is not None else requests.utils.get_netrc_auth(server)
    session.trust_env = False
    return session
