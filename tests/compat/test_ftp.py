"""django-storages 1.14 code for FTP, unchanged, against pyftpdlib and vsftpd.

Each test is written as a 1.14 project has it: ``FTP_STORAGE_LOCATION`` and the other 1.x
settings, ``FTPStorage(location, base_url)`` as 1.x before 1.10 took it, subclasses with class
attributes, properties and ``__init__`` overrides, 1.x's ``FTPStorageFile``, its
``_start_connection()`` and ``_connection``, and ``except FTPStorageException`` clauses.
"""

from __future__ import annotations

import ftplib
import io
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.test import override_settings

from storages.backends.ftp import FTPStorage, FTPStorageException, FTPStorageFile
from tests.backends.ftp.servers import ftp_location, pyftpdlib, vsftpd  # noqa: F401 - fixtures
from tests.harness.servers import RunningServer
from tests.harness.specs.ftp import USER

FTP_STORAGES = {
    "default": {"BACKEND": "storages.backends.ftp.FTPStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture(params=["pyftpdlib", "vsftpd"])
def server(request: pytest.FixtureRequest) -> RunningServer:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@pytest.fixture
def root() -> str:
    return f"compat-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def ftp_settings(server: RunningServer, root: str) -> Iterator[str]:
    """The settings of a 1.14 project (1.x's location form: user, password, port, path)."""
    location = ftp_location(server, root=root)
    with override_settings(
        FTP_STORAGE_LOCATION=location,
        BASE_URL="https://files.example/media/",
        FTP_ALLOW_OVERWRITE=True,
        STORAGES=FTP_STORAGES,
    ):
        yield location


def on_server(server: RunningServer, root: str) -> Path:
    """Return the directory of *root* on the server (the test servers run on this machine)."""
    return Path((server.workdir / "data_dir").read_text()) / root


def files_under(server: RunningServer, root: str) -> list[str]:
    """Return every file under *root*, relative to it, as the server keeps them."""
    top = on_server(server, root)
    return sorted(str(p.relative_to(top)) for p in top.rglob("*") if p.is_file())


def test_default_storage_from_1x_settings(
    server: RunningServer, ftp_settings: str, root: str
) -> None:
    name = default_storage.save("docs/report.txt", ContentFile(b"quarterly"))
    assert isinstance(storages["default"], FTPStorage)
    assert name == "docs/report.txt"
    assert default_storage.save(name, ContentFile(b"revised")) == name  # FTP_ALLOW_OVERWRITE
    assert default_storage.open(name).read() == b"revised"
    assert default_storage.url(name) == "https://files.example/media/docs/report.txt"  # BASE_URL
    assert default_storage.listdir("docs") == ([], ["report.txt"])
    assert default_storage.size(name) == 7
    assert files_under(server, root) == ["docs/report.txt"]
    default_storage.delete(name)
    assert not default_storage.exists(name)


def test_positional_constructor_of_1x(server: RunningServer, root: str) -> None:
    storage = FTPStorage(ftp_location(server, root=root), "/uploads/")
    storage.save("a.txt", ContentFile(b"a"))
    assert storage.url("a.txt") == "/uploads/a.txt"
    assert files_under(server, root) == ["a.txt"]


def test_subclasses_with_class_attributes_and_init_overrides(
    server: RunningServer, ftp_settings: str, root: str
) -> None:
    class StaticfilesFtpStorage(FTPStorage):
        def __init__(self) -> None:
            super().__init__(base_url=settings.STATIC_URL)

    class ArchiveStorage(FTPStorage):
        location = ftp_location(server, root=f"{root}/archive")
        base_url = "https://archive.example/"
        allow_overwrite = False

    class HostedStorage(FTPStorage):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["location"] = ftp_location(server, root=f"{root}/hosted")
            super().__init__(*args, **kwargs)

    with override_settings(STATIC_URL="/static/"):
        static = StaticfilesFtpStorage()
    static.save("site.css", ContentFile(b"body {}"))
    assert static.url("site.css") == "/static/site.css"

    archive = ArchiveStorage()
    first = archive.save("log.txt", ContentFile(b"1"))
    second = archive.save("log.txt", ContentFile(b"2"))
    assert first == "log.txt" and second != first  # allow_overwrite = False
    assert archive.url(first) == "https://archive.example/log.txt"

    HostedStorage().save("video.txt", ContentFile(b"v"))
    assert files_under(server, root) == sorted(
        ["site.css", f"archive/{first}", f"archive/{second}", "hosted/video.txt"]
    )


def test_options_assigned_after_construction(
    server: RunningServer, ftp_settings: str, root: str
) -> None:
    storage = FTPStorage()
    storage.save("before.txt", ContentFile(b"before"))
    storage.location = ftp_location(server, root=f"{root}/moved")
    storage.base_url = "https://moved.example/"
    storage.allow_overwrite = False
    assert storage.save("after.txt", ContentFile(b"after")) == "after.txt"
    assert storage.save("after.txt", ContentFile(b"again")) != "after.txt"
    assert storage.url("after.txt") == "https://moved.example/after.txt"
    assert not storage.exists("before.txt")
    assert len(files_under(server, root)) == 3


def test_location_as_a_property_per_tenant(server: RunningServer, root: str) -> None:
    current = threading.local()

    class TenantStorage(FTPStorage):
        @property
        def location(self) -> str:
            return ftp_location(server, root=f"{root}/{current.tenant}")

    storage = TenantStorage()
    for tenant in ("alice", "bob"):
        current.tenant = tenant
        storage.save("profile.txt", ContentFile(tenant.encode()))
    current.tenant = "alice"
    assert storage.open("profile.txt").read() == b"alice"
    assert files_under(server, root) == ["alice/profile.txt", "bob/profile.txt"]


def test_file_class_of_1x(server: RunningServer, ftp_settings: str, root: str) -> None:
    storage = FTPStorage()
    writer = FTPStorageFile("notes.txt", storage, "wb")
    writer.write(b"written by FTPStorageFile")
    writer.close()
    reader = storage.open("notes.txt")
    assert isinstance(reader, FTPStorageFile)
    assert reader.size == 25
    assert reader.readlines() == [b"written by FTPStorageFile"]
    assert FTPStorageFile("notes.txt", storage, "rb").read() == b"written by FTPStorageFile"
    assert files_under(server, root) == ["notes.txt"]


def test_old_except_clauses_keep_catching(server: RunningServer, ftp_settings: str) -> None:
    storage = FTPStorage()
    with pytest.raises(FTPStorageException):
        storage.open("missing.txt").read()
    wrong = ftp_location(server).replace(f"{USER}:", f"{USER}:not-", 1)
    with pytest.raises(FTPStorageException):  # 1.x: "Connection or login error"
        FTPStorage(location=wrong).save("x.txt", ContentFile(b"x"))


def test_subclass_sending_its_own_commands(server: RunningServer, ftp_settings: str) -> None:
    """A 1.x subclass that talks to the server through ``_start_connection()`` and
    ``_connection``, which 1.x left in the location's directory."""

    class FTPStoragePlus(FTPStorage):
        def names_in_location(self) -> list[str]:
            self._start_connection()
            assert self._connection is not None
            return sorted(self._connection.nlst())

    storage = FTPStoragePlus()
    assert storage._connection is None  # as in 1.x, before the first _start_connection()
    storage.save("one.txt", ContentFile(b"1"))
    storage.save("two.txt", ContentFile(b"2"))
    assert storage.names_in_location() == ["one.txt", "two.txt"]
    held = storage._connection
    assert storage.names_in_location() == ["one.txt", "two.txt"]
    assert storage._connection is held  # kept while it answers
    storage.disconnect()
    assert storage._connection is None


def test_listdir_of_slash_is_the_location(ftp_settings: str) -> None:
    default_storage.save("a.txt", ContentFile(b"a"))
    assert default_storage.listdir("/") == ([], ["a.txt"])
    assert default_storage.exists("/a.txt")


def test_names_stored_by_1x_on_a_server_without_utf_8(
    vsftpd: RunningServer,  # noqa: F811
    root: str,
) -> None:
    """1.x sent names in Latin-1 unless told otherwise: vsftpd, which does not announce UTF-8,
    keeps reading them under the same names."""
    location = ftp_location(vsftpd, root=root)
    password = (vsftpd.workdir / "password").read_text()
    with ftplib.FTP(encoding="latin-1") as ftp:  # what 1.x's FTPStorage did to store a file
        ftp.connect(vsftpd.host, vsftpd.port)
        ftp.login(USER, password)
        ftp.mkd(root)
        ftp.storbinary(f"STOR {root}/résumé.txt", io.BytesIO(b"stored by 1.x"))
    storage = FTPStorage(location=location)
    assert storage.listdir("") == ([], ["résumé.txt"])
    assert storage.open("résumé.txt").read() == b"stored by 1.x"
    with override_settings(FTP_STORAGE_ENCODING="latin-1"):
        assert FTPStorage(location=location).exists("résumé.txt")
