"""Faults between DropboxStorage (the official SDK) and the project's HTTPS stand-in.

Cuts and stalls go through a :class:`FaultProxy` (TLS passes through it untouched); HTTP errors
can't be written inside TLS by a proxy, so the stand-in answers them itself (``/_standin/fail``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from storages.backends.dropbox import DropboxStorage
from tests.backends.dropbox.standin import sdk_pointed_at, unique_root
from tests.harness.faultproxy import FaultProxy
from tests.harness.servers import RunningServer
from tests.harness.specs.dropbox import TOKEN, standin_call
from tests.reliability.faults import (
    interrupted_read,
    interrupted_save,
    stalled_operation,
    transient_errors,
)
from tests.reliability.http_targets import (
    READ_CUTS,
    TIMEOUT,
    assert_finite_timeout,
    cuts_and,
    disarmed_after_each_test,
    through,
)

__all__ = ["disarmed_after_each_test"]  # an autouse fixture


class StandinFaults:
    """The stand-in's own fault hook, armed like :meth:`FaultProxy.fail_requests` (its answers
    always carry ``Retry-After: 0``)."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server

    def fail_requests(
        self, count: int, status: int = 503, headers: dict[str, str] | None = None
    ) -> None:
        standin_call(self.server, f"fail?count={count}&status={status}", "POST")

    @property
    def pending(self) -> bool:
        return bool(standin_call(self.server, "fail")["pending"])


@pytest.fixture(scope="module")
def standin(test_server: Callable[[str], RunningServer]) -> RunningServer:
    return test_server("dropbox")


@pytest.fixture(scope="module")
def proxy(standin: RunningServer) -> Iterator[FaultProxy]:
    """A proxy in front of the stand-in, where the SDK is pointed."""
    with FaultProxy(standin.port) as proxy, sdk_pointed_at(through(standin, proxy)):
        yield proxy


def proxied(**options: Any) -> DropboxStorage:
    """Return a storage with the short timeout, under a root of its own."""
    return DropboxStorage(
        oauth2_access_token=TOKEN, root_path=unique_root(), timeout=TIMEOUT, **options
    )


@pytest.fixture
def storage(proxy: FaultProxy) -> Iterator[DropboxStorage]:
    with proxied() as storage:
        yield storage


@pytest.mark.parametrize(("at", "mode"), cuts_and({"add": "add", "overwrite": "overwrite"}))
def test_cut_upload_raises_and_keeps_the_previous_file(
    proxy: FaultProxy, at: float, mode: str
) -> None:
    # The SDK retries answers (5xx, 429), never a broken connection; nor does the storage
    # resend an upload, which may have been stored before its answer was lost.
    with proxied(write_mode=mode) as storage:
        assert interrupted_save(storage, proxy, at=at) == "raised"


@pytest.mark.parametrize("at", READ_CUTS)
def test_cut_download_raises(storage: DropboxStorage, proxy: FaultProxy, at: float) -> None:
    assert interrupted_read(storage, proxy, at=at) == "raised"


def test_503s_are_retried(storage: DropboxStorage, standin: RunningServer) -> None:
    # Every route goes through the same SDK retry loop, which waits up to 2 s before retrying a
    # 5xx: one upload and one download route are enough (429s go to every operation below).
    transient_errors(storage, StandinFaults(standin), count=1, operations=("save", "read"))


def test_429_bursts_are_retried(storage: DropboxStorage, standin: RunningServer) -> None:
    transient_errors(storage, StandinFaults(standin), status=429)


@pytest.mark.parametrize("after", [1, 100_000], ids=["handshake", "body"])
def test_stalled_read_ends_within_the_configured_timeout(
    storage: DropboxStorage, proxy: FaultProxy, after: int
) -> None:
    assert stalled_operation(storage, proxy, timeout=TIMEOUT, after=after) == "raised"


def test_default_timeout_is_finite() -> None:
    assert_finite_timeout(DropboxStorage(oauth2_access_token=TOKEN).options.timeout)
