"""The project's MogileFS stand-in (tests/servers/mogilefs_standin.py): a tracker on the given
port and an HTTP storage node on a port of its own, in one process."""

from __future__ import annotations

import socket

from tests.harness.servers import RunningServer, ServerSpec
from tests.harness.specs import standin_command

__all__ = ["SPECS", "tracker_call"]


def tracker_call(server: RunningServer, line: str) -> str:
    """Send one raw request line to the tracker and return its answer line."""
    with socket.create_connection((server.host, server.port), timeout=2) as sock:
        sock.sendall(line.encode() + b"\r\n")
        answer = b""
        while not answer.endswith(b"\r\n"):
            block = sock.recv(4096)
            if not block:
                break
            answer += block
    return answer.decode().strip()


def _ready(server: RunningServer) -> bool:
    return tracker_call(server, "noop") == "OK"


def _spec(name: str, *extra: str) -> ServerSpec:
    return ServerSpec(
        name=name,
        command=standin_command("mogilefs_standin.py", *extra),
        ready=_ready,
        install_hint="nothing to install: the stand-in is part of the test suite",
    )


SPECS: dict[str, ServerSpec] = {
    "mogilefs": _spec("mogilefs"),
    # get_paths answers a dead path first: clients must fall back to the next one.
    "mogilefs-dead-path": _spec("mogilefs-dead-path", "--copies", "2"),
}
