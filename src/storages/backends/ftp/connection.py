"""FTP connections: login (plain or explicit TLS), feature detection and the encoding of names,
a per-thread pool, and the parsing of directory listings (MLSD facts, Unix and Windows ``LIST``
lines)."""

from __future__ import annotations

import codecs
import contextlib
import ftplib
import posixpath
import re
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import SplitResult, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "FALLBACK_ENCODING",
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

#: The encoding of names on a server that does not announce UTF-8 (django-storages 1.x's).
FALLBACK_ENCODING = "latin-1"


@dataclass(frozen=True)
class Location:
    """The parts of an ``ftp://``, ``ftps://`` or ``aftp://`` location URL."""

    tls: bool
    host: str
    port: int
    user: str
    password: str
    root: str
    #: ``aftp://``: active mode, as django-storages 1.x read that scheme.
    active: bool = False

    def __repr__(self) -> str:
        return f"Location(tls={self.tls}, host={self.host!r}, port={self.port}, root={self.root!r})"

    @property
    def server(self) -> tuple[object, ...]:
        """Return what a logged-in connection depends on (everything but the directory)."""
        return (self.tls, self.active, self.host, self.port, self.user, self.password)


#: The location form django-storages 1.x parsed: user, password and port required, nothing
#: percent-encoded, so a password may hold ``/``, ``#``, ``?`` or ``@`` as it is (and, here,
#: ``:``, which 1.x split at).
_LOCATION_1X = re.compile(
    r"^(?P<scheme>[a-z]+)://(?P<user>[^:]+):(?P<password>.+)@(?P<host>.+):(?P<port>\d+)/(?P<path>.*)$",
    re.DOTALL,
)


def _split(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        return None
    return parts


def parse_location(url: str) -> Location:
    """Parse a location URL; the message of a bad one never repeats the URL (it has a password).

    The path is relative to the login directory (RFC 1738; ``%2F`` first for an absolute one);
    an empty path is the server's root directory ``/``, as django-storages 1.x had it. A URL in
    1.x's unencoded form (``ftp://user:pa/ss@host:21/path``) is read as 1.x read it.
    """
    parts = _split(url)
    old = _LOCATION_1X.match(url) if parts is None or "@" not in parts.netloc else None
    if old is not None:
        scheme, host, port = old["scheme"], old["host"], int(old["port"])
        user, password, path = old["user"], old["password"], old["path"]
    elif parts is not None:
        scheme, host, port = parts.scheme, parts.hostname or "", parts.port or 21
        user, password = unquote(parts.username or "anonymous"), unquote(parts.password or "")
        path = unquote(parts.path.removeprefix("/"))
    else:
        raise ImproperlyConfigured("FTPStorage: the location is not a valid URL")
    if scheme.lower() not in ("ftp", "ftps", "aftp"):
        raise ImproperlyConfigured(
            "FTPStorage: the location must start with ftp://, ftps:// or aftp:// "
            "(ftp://user:password@host:port/path)"
        )
    if not host:
        raise ImproperlyConfigured("FTPStorage: the location has no host name")
    return Location(
        tls=scheme.lower() == "ftps",
        host=host,
        port=port,
        user=user,
        password=password,
        root=path.rstrip("/") or "/",
        active=scheme.lower() == "aftp",
    )


@dataclass(frozen=True)
class DirEntry:
    """One entry of a directory listing."""

    name: str
    is_dir: bool


class FTPConnection:
    """One logged-in control connection, what the server offers and the encoding of names.

    Unless *encoding* is given, names are UTF-8 when the server announces ``UTF8`` in its
    ``FEAT`` reply (RFC 2640) and Latin-1 otherwise, as django-storages 1.x sent them.
    """

    def __init__(
        self,
        location: Location,
        *,
        encoding: str | None,
        timeout: float,
        passive: bool,
        ca_file: str | None,
    ) -> None:
        self.location = location
        first = FALLBACK_ENCODING  # until FEAT answers (its reply is ASCII)
        ftp: ftplib.FTP
        if location.tls:
            context = ssl.create_default_context(cafile=ca_file)
            ftp = ftplib.FTP_TLS(context=context, timeout=timeout, encoding=first)  # noqa: S321
        else:
            ftp = ftplib.FTP(timeout=timeout, encoding=first)  # noqa: S321 - plain FTP is asked for
        self.ftp = ftp
        try:
            ftp.connect(location.host, location.port)
            # FEAT before the login (RFC 2389 allows it), so the user name and password are
            # sent in the encoding the names will use.
            self.features = self._features()
            self.encoding = self._use_encoding(encoding)
            ftp.login(location.user, location.password)  # FTP_TLS sends AUTH TLS first
            if isinstance(ftp, ftplib.FTP_TLS):
                ftp.prot_p()
            if not self.features:  # a server that answers FEAT only once logged in
                self.features = self._features()
                self.encoding = self._use_encoding(encoding)
            if "UTF8" in self.features and codecs.lookup(self.encoding).name == "utf-8":
                with contextlib.suppress(ftplib.Error):  # RFC 2640; most servers need not be told
                    ftp.sendcmd("OPTS UTF8 ON")
            ftp.set_pasv(passive and not location.active)
            # Binary for the connection's life: transfers and listings never switch (ftplib's
            # retrbinary, storbinary and retrlines would send TYPE each time).
            ftp.voidcmd("TYPE I")
            self.home = ftp.pwd()
        except BaseException:
            self.close()
            raise
        self.last_used = time.monotonic()
        self.busy = False

    def _features(self) -> dict[str, str]:
        """Return the features of the ``FEAT`` reply: name (upper case) to its parameters."""
        try:
            reply = self.ftp.sendcmd("FEAT")
        except (ftplib.error_perm, ftplib.error_temp):
            return {}
        features = {}
        for line in reply.splitlines()[1:-1]:
            name, _, params = line.strip().partition(" ")
            features[name.upper()] = params.strip()
        return features

    def _use_encoding(self, configured: str | None) -> str:
        """Switch to the encoding of names (*configured*, else as ``FEAT`` says); return it."""
        encoding = configured or ("utf-8" if "UTF8" in self.features else FALLBACK_ENCODING)
        ftp = self.ftp
        if encoding != ftp.encoding and ftp.sock is not None and ftp.file is not None:
            # ftplib reads replies through a text file made by connect(): make it again.
            ftp.file.close()
            ftp.encoding = encoding
            ftp.file = ftp.sock.makefile("r", encoding=encoding)
        return encoding

    def can_name(self, path: str) -> bool:
        """Return whether *path* can be written in the encoding of this server's names."""
        try:
            path.encode(self.encoding)
        except UnicodeEncodeError:
            return False
        return True

    def is_dir(self, path: str) -> bool:
        """Return whether *path* is a directory (one the server lets this user enter)."""
        try:
            self.ftp.cwd(path)
        except ftplib.error_perm:
            return False
        self.ftp.cwd(self.home)
        return True

    def makedirs(self, directory: str) -> None:
        """Make *directory*: one MKD when only it is missing, its parents first otherwise (a
        refused MKD is left for the STOR to report)."""
        try:
            self.ftp.mkd(directory)
        except ftplib.error_perm:
            parent = posixpath.dirname(directory.rstrip("/"))
            if parent in ("", "/", directory):
                return
            self.makedirs(parent)
            with contextlib.suppress(ftplib.error_perm):  # it exists, or the STOR will say
                self.ftp.mkd(directory)

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
        #: The connection django-storages 1.x code holds (``FTPStorage._start_connection()``).
        self.held: FTPConnection | None = None

    def acquire(
        self, server: tuple[object, ...] | None = None, *, new: bool = False
    ) -> FTPConnection:
        """Return a usable connection, reusing an idle one when it still answers and is logged
        in to *server* (see :attr:`Location.server`; a location defined as a property may name
        another), unless *new*: after a failure the idle ones may be broken as well."""
        while self._idle and not new:
            connection = self._idle.pop()
            usable = server in (None, connection.location.server)
            if usable and connection.check(self._idle_check):
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

    def hold(self, prepare: Callable[[FTPConnection], object]) -> FTPConnection:
        """Return the held connection while it answers ``PWD`` (1.x's check), else a new one
        made ready by *prepare*; it is never shared with the pool's operations."""
        if self.held is not None:
            try:
                self.held.ftp.pwd()
            except (OSError, EOFError, ftplib.Error):
                self.drop_held(quick=True)
        if self.held is None:
            connection = self._factory()
            try:
                prepare(connection)
            except BaseException:
                connection.close()
                raise
            self.held = connection
        return self.held

    def drop_held(self, *, quick: bool = False) -> None:
        """Close the held connection, if any."""
        held, self.held = self.held, None
        if held is not None:
            held.close(quick=quick)

    def close(self, *, quick: bool = False) -> None:
        """Close the idle and held connections; busy ones close when released."""
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close(quick=quick)
        self.drop_held(quick=quick)


def parse_mlsd(lines: Iterable[str]) -> list[DirEntry]:
    """Return the entries of the lines of an MLSD answer (``type=dir;modify=...; name``),
    without ``.`` and ``..``."""
    entries = []
    for line in lines:
        facts, _, name = line.partition(" ")
        kind = _facts(facts).get("type", "file").lower()
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
            return _facts(line[1:].split(" ", 1)[0])
    return {}


def _facts(text: str) -> dict[str, str]:
    """Return the facts of ``type=file;size=5;`` (names in lower case)."""
    pairs = (fact.partition("=") for fact in text.split(";") if "=" in fact)
    return {name.lower(): value for name, _, value in pairs}


def parse_mdtm(reply: str) -> datetime:
    """Parse a ``213 YYYYMMDDHHMMSS[.sss]`` MDTM reply or an MLST ``modify`` fact (UTC)."""
    value = reply[4:].strip() if reply[:3] == "213" else reply.strip()
    stamp, _, fraction = value.partition(".")
    if len(stamp) != 14 or not stamp.isdigit() or not (fraction.isdigit() or not fraction):
        raise ValueError(f"Not an FTP time: {value!r}")
    fields = (int(stamp[0:4]), int(stamp[4:6]), int(stamp[6:8]), int(stamp[8:10]))
    minute, second = int(stamp[10:12]), int(stamp[12:14])
    microsecond = int(fraction.ljust(6, "0")[:6]) if fraction else 0
    # By hand: strptime costs 40 us a call (a tenth of a whole MLST round trip here).
    return datetime(*fields, minute, second, microsecond, tzinfo=timezone.utc)
