"""FTP connections: login (plain or explicit TLS), feature detection, a per-thread pool, and
the parsing of directory listings (MLSD facts, Unix and Windows ``LIST`` lines)."""

from __future__ import annotations

import contextlib
import ftplib
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "DirEntry",
    "FTPConnection",
    "FTPPool",
    "Location",
    "parse_list_line",
    "parse_location",
    "parse_mdtm",
    "parse_mlsd",
    "parse_mlst",
]


@dataclass(frozen=True)
class Location:
    """The parts of an ``ftp://`` or ``ftps://`` location URL."""

    tls: bool
    host: str
    port: int
    user: str
    password: str
    root: str

    def __repr__(self) -> str:
        return f"Location(tls={self.tls}, host={self.host!r}, port={self.port}, root={self.root!r})"


def parse_location(url: str) -> Location:
    """Parse a location URL; the message of a bad one never repeats the URL (it has a password)."""
    try:
        parts = urlsplit(url)
        port = parts.port or 21
    except ValueError:
        raise ImproperlyConfigured("FTPStorage: the location is not a valid URL") from None
    if parts.scheme not in ("ftp", "ftps"):
        raise ImproperlyConfigured(
            "FTPStorage: the location must start with ftp:// or ftps:// "
            "(ftp://user:password@host:port/path)"
        )
    if not parts.hostname:
        raise ImproperlyConfigured("FTPStorage: the location has no host name")
    root = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
    return Location(
        tls=parts.scheme == "ftps",
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or "anonymous"),
        password=unquote(parts.password or ""),
        root=root.rstrip("/") if root != "/" else root,
    )


@dataclass(frozen=True)
class DirEntry:
    """One entry of a directory listing."""

    name: str
    is_dir: bool


class FTPConnection:
    """One logged-in control connection and what the server offers."""

    def __init__(
        self,
        location: Location,
        *,
        encoding: str,
        timeout: float,
        passive: bool,
        ca_file: str | None,
    ) -> None:
        ftp: ftplib.FTP
        if location.tls:
            context = ssl.create_default_context(cafile=ca_file)
            ftp = ftplib.FTP_TLS(context=context, timeout=timeout, encoding=encoding)  # noqa: S321
        else:
            ftp = ftplib.FTP(timeout=timeout, encoding=encoding)  # noqa: S321 - plain FTP is asked for
        self.ftp = ftp
        try:
            ftp.connect(location.host, location.port)
            ftp.login(location.user, location.password)  # FTP_TLS sends AUTH TLS first
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
            ftp.set_pasv(passive)
            ftp.voidcmd("TYPE I")
            self.home = ftp.pwd()
            self.features = self._features()
        except BaseException:
            self.close()
            raise
        self.last_used = time.monotonic()
        self.busy = False

    def _features(self) -> set[str]:
        try:
            reply = self.ftp.sendcmd("FEAT")
        except ftplib.error_perm:
            return set()
        return {line.strip().split(" ")[0].upper() for line in reply.splitlines()[1:-1]}

    @property
    def has_mlst(self) -> bool:
        """Return whether the server offers MLST/MLSD (RFC 3659 machine listings)."""
        return "MLST" in self.features

    def check(self, idle_check: float) -> bool:
        """Return whether the connection is usable; a NOOP only after *idle_check* seconds."""
        if self.ftp.sock is None:
            return False
        if time.monotonic() - self.last_used < idle_check:
            return True
        try:
            self.ftp.voidcmd("NOOP")
        except (OSError, EOFError, ftplib.Error):
            return False
        return True

    def close(self, *, quick: bool = False) -> None:
        """Say goodbye if the server still listens (unless *quick*); close the sockets."""
        with contextlib.suppress(OSError, EOFError, ftplib.Error, AttributeError):
            if self.ftp.sock is not None and not quick:
                self.ftp.sock.settimeout(2)
                self.ftp.quit()
        self.ftp.close()


class FTPPool:
    """The connections of one thread: an FTP control connection carries one transfer at a
    time, so a file open for reading or writing holds its own connection until closed."""

    def __init__(self, factory: Callable[[], FTPConnection], idle_check: float) -> None:
        self._factory = factory
        self._idle_check = idle_check
        self._idle: list[FTPConnection] = []
        self._closed = False

    def acquire(self, *, new: bool = False) -> FTPConnection:
        """Return a usable connection, reusing an idle one when it still answers (unless
        *new*: after a failure the idle ones may be broken as well)."""
        while self._idle and not new:
            connection = self._idle.pop()
            if connection.check(self._idle_check):
                connection.busy = True
                return connection
            connection.close()
        connection = self._factory()
        connection.busy = True
        return connection

    def release(self, connection: FTPConnection, *, broken: bool = False) -> None:
        """Give *connection* back for reuse, or close it if it broke or the pool closed."""
        connection.busy = False
        connection.last_used = time.monotonic()
        if broken or self._closed or len(self._idle) >= 2:
            connection.close()
        else:
            self._idle.append(connection)

    def close(self, *, quick: bool = False) -> None:
        """Close the idle connections; busy ones close when released."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close(quick=quick)


def parse_mlsd(lines: Iterable[tuple[str, dict[str, str]]]) -> list[DirEntry]:
    """Return the entries of an MLSD answer, without ``.`` and ``..``."""
    entries = []
    for name, facts in lines:
        kind = facts.get("type", "file").lower()
        if kind in ("cdir", "pdir") or name in (".", ".."):
            continue
        entries.append(DirEntry(name, kind == "dir"))
    return entries


def parse_list_line(line: str) -> DirEntry | None:
    """Parse one ``LIST`` line in the Unix (``ls -l``) or Windows (IIS, DOS) format."""
    line = line.rstrip("\r\n")
    if not line or line.lower().startswith("total "):
        return None
    if line[0].isdigit():  # Windows: "01-31-24  09:15PM  <DIR>  name" or "... 1234 name"
        parts = line.split(None, 3)
        if len(parts) < 4:
            return None
        return DirEntry(parts[3], parts[2].upper() == "<DIR>")
    parts = line.split(None, 8)
    if len(parts) < 9:
        return None
    name = parts[8]
    if line[0] == "l" and " -> " in name:
        name = name.split(" -> ", 1)[0]
    if name in (".", ".."):
        return None
    return DirEntry(name, line[0] == "d")


def parse_mlst(reply: str) -> dict[str, str]:
    """Return the facts (names in lower case) of an ``MLST`` reply (RFC 3659, section 7)."""
    for line in reply.splitlines()[1:]:
        if line.startswith(" "):  # " type=file;size=5;modify=20241122021000; /path/name"
            facts = line[1:].split(" ", 1)[0]
            pairs = (fact.partition("=") for fact in facts.split(";") if "=" in fact)
            return {name.lower(): value for name, _, value in pairs}
    return {}


def parse_mdtm(reply: str) -> datetime:
    """Parse a ``213 YYYYMMDDHHMMSS[.sss]`` MDTM reply or an MLST ``modify`` fact (UTC)."""
    value = reply[4:].strip() if reply[:3] == "213" else reply.strip()
    stamp, _, fraction = value.partition(".")
    moment = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    if fraction:
        moment = moment.replace(microsecond=int(fraction.ljust(6, "0")[:6]))
    return moment
