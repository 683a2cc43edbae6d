"""What is specific to SFTPStorage: host keys, logins, connections, atomic saves, modes."""

from __future__ import annotations

import dataclasses
import getpass
import importlib
import io
import os
import pickle
import pwd
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.test import override_settings

from storages.backends.sftp import HostKeyError, InsecureHostKeyWarning, SFTPStorage
from storages.errors import StorageConnectionError
from tests.backends.sftp.servers import sftp_settings, sshd
from tests.bigfiles import big_files, round_trip_256_mib
from tests.harness.faultproxy import DOWN, UP, FaultProxy
from tests.harness.servers import RunningServer
from tests.harness.specs.sshd import USER, known_hosts_for
from tests.reliability.secrets_targets import (
    Attempts,
    assert_hidden,
    captured_logs,
    exercise,
    make_secret,
    storage_texts,
)
from tests.serverconnections import (
    drop_server_connections,
    save_through_a_lost_rename,
    upload_cut_keeps_the_previous_file,
)

__all__ = ["sshd"]  # the fixture this module uses


def make_storage(server: RunningServer, **overrides: Any) -> SFTPStorage:
    """Return a storage on *server* under a fresh root, logging in with the Ed25519 key."""
    params = overrides.pop("params", {"key_filename": str(server.workdir / "client_ed25519")})
    config = sftp_settings(server, **params)
    options = {
        "host": config["SFTP_STORAGE_HOST"],
        "root_path": config["SFTP_STORAGE_ROOT"],
        "params": config["SFTP_STORAGE_PARAMS"],
        "known_host_file": config["SFTP_KNOWN_HOST_FILE"],
        **overrides,
    }
    return SFTPStorage(**options)


@pytest.fixture
def storage(sshd: RunningServer) -> Iterator[SFTPStorage]:
    with make_storage(sshd) as storage:
        yield storage


def local_path(storage: SFTPStorage, name: str) -> Path:
    """Return where the server keeps *name* (the test server runs on this machine)."""
    return Path(storage.options.root_path) / name


# -- host keys --------------------------------------------------------------------------------
def test_unknown_host_is_refused_with_how_to_trust_it(sshd: RunningServer, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    storage = make_storage(sshd, known_host_file=str(empty))
    with pytest.raises(HostKeyError) as caught:
        storage.exists("anything")
    message = str(caught.value)
    assert "not in the known-hosts file" in message
    assert f"ssh-keyscan -p {sshd.port} 127.0.0.1 >> {empty}" in message
    assert "SHA256:" in message
    assert isinstance(caught.value, ConnectionError)


def test_missing_known_hosts_file_refuses_too(sshd: RunningServer, tmp_path: Path) -> None:
    storage = make_storage(sshd, known_host_file=str(tmp_path / "absent"))
    with pytest.raises(HostKeyError, match="not in the known-hosts file"):
        storage.save("x.txt", ContentFile(b"x"))


def test_wrong_host_key_is_refused(sshd: RunningServer) -> None:
    storage = make_storage(sshd, known_host_file=str(sshd.workdir / "wrong_known_hosts"))
    with pytest.raises(HostKeyError, match="differs from the one in") as caught:
        storage.listdir("")
    assert isinstance(caught.value, StorageConnectionError)


def test_wrong_host_key_is_refused_even_when_accepting_unknown_keys(sshd: RunningServer) -> None:
    storage = make_storage(
        sshd,
        known_host_file=str(sshd.workdir / "wrong_known_hosts"),
        accept_unknown_host_keys=True,
    )
    with pytest.raises(HostKeyError, match="differs"):
        storage.exists("x")


def test_accepting_unknown_keys_is_warned_and_remembered(
    sshd: RunningServer, tmp_path: Path
) -> None:
    storage = make_storage(
        sshd, known_host_file=str(tmp_path / "absent"), accept_unknown_host_keys=True
    )
    with pytest.warns(InsecureHostKeyWarning, match="accept_unknown_host_keys"):
        storage.save("a.txt", ContentFile(b"a"))
    storage.close()
    # The reconnection trusts the key accepted before, without a new warning.
    assert storage.exists("a.txt")
    storage.close()
    assert not (tmp_path / "absent").exists(), "the known-hosts file must not be written"


# -- logins and secrets ------------------------------------------------------------------------
def test_rsa_key_login(sshd: RunningServer) -> None:
    with make_storage(sshd, params={"key_filename": str(sshd.workdir / "client_rsa")}) as storage:
        storage.save("rsa.txt", ContentFile(b"rsa"))
        assert storage.size("rsa.txt") == 3


def test_wrong_password_is_a_permission_error_without_the_password(sshd: RunningServer) -> None:
    secret = "not-the-password-" + uuid.uuid4().hex
    storage = make_storage(sshd, params={"password": secret})
    with pytest.raises(PermissionError) as caught:
        storage.exists("x")
    text = f"{caught.value} {caught.value!r} {caught.value.__cause__!r}"
    assert secret not in text
    assert secret not in repr(storage)
    assert "params='***'" in repr(storage)
    _, _, kwargs = storage.deconstruct()
    assert "params" not in kwargs


def test_interactive_login_asks_for_the_password_once(
    sshd: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return (sshd.workdir / "password").read_text()

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    # A key the server does not accept: the login falls back to the typed password.
    params = {"key_filename": str(sshd.workdir / "other")}
    with make_storage(sshd, params=params, interactive=True) as storage:
        storage.save("typed.txt", ContentFile(b"typed"))
        storage.close()
        assert storage.exists("typed.txt")  # reconnects with the typed password
        assert asked == [f"Password for {USER}@127.0.0.1: "]
        assert (sshd.workdir / "password").read_text() not in repr(pickle.dumps(storage))


def test_typed_password_is_redacted_from_errors_and_logs(
    sshd: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A password typed in (interactive) is a secret like those of the settings."""
    password = (sshd.workdir / "password").read_text()
    typed = iter([make_secret("typo"), password])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(typed))
    params = {"key_filename": str(sshd.workdir / "other"), "timeout": 5}
    attempts = Attempts()
    with captured_logs() as logs:
        mistyped = make_storage(sshd, params=params, interactive=True)
        attempts.fails(lambda: mistyped.exists("x.txt"), PermissionError)
        storage = make_storage(sshd, params=params, interactive=True)
        exercise(storage, attempts)
        texts = storage_texts(storage, pickled=True)
    assert logs.count, "nothing was logged: the test proves nothing"
    assert_hidden([password, "S3CR3T-typo"], logs.texts, "a log record")
    # It is one of the storage's secrets: an error message that carried it would be redacted.
    error = storage.errors.translate(OSError(f"refused {password}"), "x", storage._secret_set.all)
    assert str(error) == "[Errno 5] SFTP: refused ***: 'x'"
    storage.close()
    assert_hidden([password], attempts.texts(), "an error")
    assert_hidden([password], texts.values(), "the storage")


def test_failed_key_login_without_interactive_is_refused(sshd: RunningServer) -> None:
    storage = make_storage(sshd, params={"key_filename": str(sshd.workdir / "other")})
    with pytest.raises(PermissionError):
        storage.exists("x")


def test_host_is_required() -> None:
    with pytest.raises(ImproperlyConfigured, match="SFTP_STORAGE_HOST"):
        SFTPStorage().exists("x")


def test_unknown_option_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="did you mean 'root_path'"):
        SFTPStorage(root_pth="/srv")


# -- connections -------------------------------------------------------------------------------
def test_connection_is_reused_within_a_thread(storage: SFTPStorage) -> None:
    storage.save("one.txt", ContentFile(b"1"))
    first = storage.client
    storage.exists("one.txt")
    storage.listdir("")
    with storage.open("one.txt") as handle:
        handle.read()
    assert storage.client is first


def test_each_thread_has_its_own_connection(storage: SFTPStorage) -> None:
    main = storage.client
    seen: list[object] = []
    worker = threading.Thread(target=lambda: seen.append(storage.client))
    worker.start()
    worker.join()
    assert seen and seen[0] is not main


def test_close_closes_every_connection(storage: SFTPStorage) -> None:
    storage.save("c.txt", ContentFile(b"c"))
    connections = [storage.client]
    release = threading.Event()

    def use_and_wait() -> None:
        connections.append(storage.client)
        release.wait(10)

    worker = threading.Thread(target=use_and_wait)
    worker.start()
    while len(connections) < 2:
        time.sleep(0.01)
    assert all(c.alive for c in connections)
    storage.close()  # closes the main thread's and the still-running worker's connection
    release.set()
    worker.join()
    assert not any(c.alive for c in connections)
    assert storage.exists("c.txt")  # a later call opens a new connection
    assert storage.client not in connections


def test_reconnects_after_the_server_dropped_the_connection(
    sshd: RunningServer, storage: SFTPStorage
) -> None:
    storage.save("before.txt", ContentFile(b"before"))
    old = storage.client
    drop_server_connections(sshd)
    assert storage.size("before.txt") == 6
    assert storage.client is not old
    assert not old.alive


def test_connection_killed_mid_upload_keeps_the_previous_file(
    sshd: RunningServer, storage: SFTPStorage
) -> None:
    upload_cut_keeps_the_previous_file(sshd, storage)  # the next operation reconnects


def test_save_is_atomic_while_writing(storage: SFTPStorage) -> None:
    storage.save("doc.txt", ContentFile(b"old"))
    handle = storage.open("doc.txt", "wb")
    handle.write(b"new" * 100_000)
    handle.flush()
    assert local_path(storage, "doc.txt").read_bytes() == b"old"
    handle.close()
    assert local_path(storage, "doc.txt").read_bytes() == b"new" * 100_000
    assert storage.listdir("") == ([], ["doc.txt"])


def test_many_writes_in_one_open(storage: SFTPStorage) -> None:
    with storage.open("parts.txt", "wb") as handle:
        for part in (b"a", b"b", b"c"):
            handle.write(part)
    assert local_path(storage, "parts.txt").read_bytes() == b"abc"


# -- files on the server -----------------------------------------------------------------------
def test_modes_and_owner_of_new_files_and_directories(sshd: RunningServer) -> None:
    user = pwd.getpwnam(USER)
    uid, gid = user.pw_uid, user.pw_gid
    with make_storage(sshd, file_mode=0o640, dir_mode=0o750, uid=uid, gid=gid) as storage:
        storage.save("sub/dir/file.txt", ContentFile(b"x"))
        for name, mode in [("sub", 0o750), ("sub/dir", 0o750), ("sub/dir/file.txt", 0o640)]:
            info = local_path(storage, name).stat()
            assert info.st_mode & 0o777 == mode, name
            assert (info.st_uid, info.st_gid) == (uid, gid)


def test_relative_root_is_under_the_login_directory(sshd: RunningServer) -> None:
    relative = uuid.uuid4().hex
    with make_storage(sshd, root_path=relative) as storage:
        storage.save("rel.txt", ContentFile(b"rel"))
        data = Path((sshd.workdir / "data_dir").read_text())
        assert (data / relative / "rel.txt").read_bytes() == b"rel"


def test_url_defaults_to_media_url(sshd: RunningServer) -> None:
    with override_settings(MEDIA_URL="/media/"):
        storage = make_storage(sshd)
        assert storage.url("a b/c.txt") == "/media/a%20b/c.txt"
    assert make_storage(sshd, base_url="https://cdn.example/x").url("f") == (
        "https://cdn.example/x/f"
    )


def test_accessed_time(storage: SFTPStorage) -> None:
    storage.save("t.txt", ContentFile(b"t"))
    os.utime(local_path(storage, "t.txt"), (1_000_000_000, 1_100_000_000))
    assert storage.get_accessed_time("t.txt").timestamp() == 1_000_000_000
    assert storage.get_modified_time("t.txt").timestamp() == 1_100_000_000


def test_stat_answers_from_one_request(storage: SFTPStorage) -> None:
    storage.save("d/s.txt", ContentFile(b"stat"))
    os.utime(local_path(storage, "d/s.txt"), (1_000_000_000, 1_100_000_000))
    requests: list[int] = []
    sftp = storage.client.sftp
    original = sftp._request

    def counted(kind: int, *args: Any) -> Any:
        requests.append(kind)
        return original(kind, *args)

    sftp._request = counted
    entry = storage.stat("d/s.txt")
    assert len(requests) == 1
    assert (entry.size, entry.is_dir) == (4, False)
    assert entry.modified is not None and entry.modified.timestamp() == 1_100_000_000
    assert entry.accessed is not None and entry.accessed.timestamp() == 1_000_000_000
    assert storage.stat("d").is_dir
    assert not storage.exists("d/missing.txt")
    assert not storage.exists("x" * 300)  # too long for the server: never sent


def test_1x_attributes(storage: SFTPStorage) -> None:
    """What django-storages 1.x code reaches for: the paramiko clients, the remote path."""
    storage.save("dir/one.txt", ContentFile(b"1"))
    assert isinstance(storage.sftp, paramiko.SFTPClient)
    assert storage.sftp is storage.client.sftp  # this thread's connection
    assert storage._remote_path("dir/one.txt") == str(local_path(storage, "dir/one.txt"))
    assert storage.sftp.listdir(storage._remote_path("dir")) == ["one.txt"]
    assert isinstance(storage.ssh, paramiko.SSHClient)
    assert storage.ssh.get_transport() is storage.sftp.get_channel().get_transport()
    storage.close()
    storage._connect()  # 1.x's "connect now"
    assert storage.client.alive
    # 1.x joined "/etc/passwd" to the root with posixpath.join: the server's own file.
    assert storage._remote_path("/etc/passwd") == str(local_path(storage, "etc/passwd"))
    with pytest.raises(SuspiciousFileOperation):
        storage._remote_path("../escape.txt")


def test_leading_slash_is_read_under_the_root(storage: SFTPStorage) -> None:
    storage.save("dir/a.txt", ContentFile(b"a"))
    assert storage.listdir("/") == (["dir"], [])
    assert storage.open("/dir/a.txt").read() == b"a"
    assert storage.exists("//dir/a.txt")
    storage.delete("/dir/a.txt")
    assert not local_path(storage, "dir/a.txt").exists()


def test_pickled_storage_reconnects(storage: SFTPStorage) -> None:
    storage.save("p.txt", ContentFile(b"p"))
    copy = pickle.loads(pickle.dumps(storage))
    assert copy.open("p.txt").read() == b"p"
    copy.close()


def test_reads_stream_in_bounded_windows(storage: SFTPStorage) -> None:
    data = os.urandom(5 * 1024 * 1024 + 7)
    storage.save("big.bin", io.BytesIO(data))
    with storage.open("big.bin") as handle:
        assert handle.read(10) == data[:10]
        handle.seek(4 * 1024 * 1024)
        assert handle.read() == data[4 * 1024 * 1024 :]


def test_a_read_cut_mid_stream_resumes_on_a_new_connection(
    sshd: RunningServer, storage: SFTPStorage
) -> None:
    data = os.urandom(3 * 1024 * 1024)
    storage.save("cut.bin", io.BytesIO(data))
    with storage.open("cut.bin") as handle:
        first = handle.read(100_000)
        old = storage.client
        drop_server_connections(sshd)
        assert first + handle.read() == data
    assert storage.client is not old


def test_a_read_cut_mid_stream_fails_when_the_file_changed(
    sshd: RunningServer, storage: SFTPStorage
) -> None:
    storage.save("changed.bin", io.BytesIO(os.urandom(3 * 1024 * 1024)))
    with storage.open("changed.bin") as handle:
        handle.read(100_000)
        local_path(storage, "changed.bin").write_bytes(b"new content")
        drop_server_connections(sshd)
        with pytest.raises(ConnectionError, match="changed while it was read"):
            handle.read()


# -- large files -------------------------------------------------------------------------------
@big_files
def test_256_mib_round_trip_with_bounded_memory(storage: SFTPStorage) -> None:
    print(round_trip_256_mib(storage))


# -- the package -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "module",
    [
        "storages.backends.sftpstorage",
        "storages.backends.sftp",
        "storages.backends.sftp.storage",
        "storages.backends.sftp.options",
        "storages.backends.sftp.errors",
        "storages.backends.sftp.connection",
        "storages.backends.sftp.streams",
    ],
)
def test_all_is_honest(module: str) -> None:
    imported = importlib.import_module(module)
    assert all(getattr(imported, name) is not None for name in imported.__all__)


def test_missing_paramiko_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['paramiko'] = None\n"
        "import django; from django.conf import settings; settings.configure(); django.setup()\n"
        "from storages.errors import MissingDependencyError\n"
        "try:\n    import storages.backends.sftpstorage\n"
        "except MissingDependencyError as exc:\n    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "pip install 'django-storages[sftp]'" in result.stdout


# -- the save whose rename answer is lost ---------------------------------------------------------
@pytest.mark.parametrize(
    ("cut", "saved"), [(DOWN, True), (UP, False)], ids=["answer-lost", "command-lost"]
)
def test_connection_lost_during_the_rename(
    sshd: RunningServer, monkeypatch: pytest.MonkeyPatch, cut: str, saved: bool
) -> None:
    """The connection breaks as the rename is sent. If the server renamed (its answer lost),
    the save succeeded, as a new connection finds; if the request never reached it, the old
    file stays and the error is raised. Either way no temporary file is left."""
    with FaultProxy(sshd.port) as proxy:
        config = sftp_settings(
            dataclasses.replace(sshd, port=proxy.port),
            key_filename=str(sshd.workdir / "client_ed25519"),
            timeout=5,
        )
        options = {
            "host": proxy.host,
            "root_path": config["SFTP_STORAGE_ROOT"],
            "params": config["SFTP_STORAGE_PARAMS"],
            "known_host_file": str(known_hosts_for(sshd, proxy.port)),
            "file_overwrite": True,
        }
        with SFTPStorage(**options) as storage:
            storage.save("doc.txt", ContentFile(b"old"))
            rename = paramiko.SFTPClient.posix_rename

            def cut_then_rename(sftp: paramiko.SFTPClient, *args: Any) -> Any:
                if not proxy.fired:
                    proxy.reset_after(1, direction=cut)
                return rename(sftp, *args)

            monkeypatch.setattr(paramiko.SFTPClient, "posix_rename", cut_then_rename)
            save_through_a_lost_rename(storage, saved)
            assert proxy.fired == 1
