"""Background uploads: bounded, ordered per name, failures raised to the caller."""

from __future__ import annotations

import threading
import time

import pytest

from storages.background import BackgroundUploads


def test_two_saves_of_one_name_land_in_order() -> None:
    landed: list[str] = []
    first_started = threading.Event()

    def slow_first() -> None:
        first_started.set()
        time.sleep(0.2)
        landed.append("first")

    with BackgroundUploads(4) as uploads:
        uploads.submit("a.css", slow_first)
        first_started.wait(5)
        uploads.submit("a.css", lambda: landed.append("second"))
    assert landed == ["first", "second"]


def test_a_failure_is_raised_by_wait_and_by_the_next_submit() -> None:
    def fail() -> None:
        raise OSError("refused")

    uploads = BackgroundUploads(2)
    uploads.submit("a.png", fail)
    with pytest.raises(OSError, match="refused"):
        uploads.wait()
    with pytest.raises(OSError, match="refused"):
        uploads.submit("b.png", lambda: None)
    with pytest.raises(OSError, match="refused"), uploads:
        pass


def test_at_most_two_uploads_per_thread_are_queued() -> None:
    release = threading.Event()
    queued = 0

    def held() -> None:
        release.wait(10)

    uploads = BackgroundUploads(1)
    submitter = threading.Thread(
        target=lambda: [uploads.submit(f"{index}.png", held) for index in range(3)]
    )
    submitter.start()
    time.sleep(0.3)
    queued = len(uploads._pending)  # the third waits for a slot
    release.set()
    submitter.join(10)
    with uploads:
        pass
    assert queued == 2


def test_leaving_on_an_error_starts_nothing_more() -> None:
    started: list[int] = []
    gate = threading.Event()

    def upload(index: int) -> None:
        started.append(index)
        gate.wait(10)

    opener = threading.Timer(0.3, gate.set)
    opener.start()
    with pytest.raises(KeyError), BackgroundUploads(1) as uploads:
        uploads.submit("0.png", lambda: upload(0))
        uploads.submit("1.png", lambda: upload(1))  # queued behind 0 on the one thread
        raise KeyError("caller failed")
    opener.join()
    assert 1 not in started
