"""Start real servers as subprocesses on free loopback ports, and stop exactly what started.

A :class:`ServerSpec` says how to launch one kind of server, how to tell it is ready and how to
empty it between tests. :func:`start` runs it in its own process group with its output in a log
file, so a server that fails to come up reports why.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["RunningServer", "ServerSpec", "ServerStartError", "free_port", "restart", "start"]


class ServerStartError(RuntimeError):
    """Raise when a test server cannot be started or never became ready."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Return whether something accepts TCP connections on *port*."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


@dataclass(frozen=True)
class ServerSpec:
    """How to run one kind of test server."""

    name: str
    #: Build the command line from the port and the server's private working directory.
    command: Callable[[int, Path], Sequence[str]]
    #: Return True once the server answers (called repeatedly until the timeout).
    ready: Callable[[RunningServer], bool]
    #: Empty the server between tests, if it can be.
    reset: Callable[[RunningServer], None] | None = None
    #: What to install when the server is missing.
    install_hint: str = "run 'make test' to install the test servers"
    env: Mapping[str, str] = field(default_factory=dict)
    startup_timeout: float = 30.0


@dataclass
class RunningServer:
    """A started server: where it listens and how to stop it."""

    spec: ServerSpec
    port: int
    workdir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_tail(self, lines: int = 20) -> str:
        """Return the last lines the server printed."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def reset(self) -> None:
        """Empty the server, where the server allows it."""
        if self.spec.reset is not None:
            self.spec.reset(self)

    def stop(self) -> None:
        """Stop the server's whole process group: SIGTERM, then SIGKILL after 5 s."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def start(spec: ServerSpec, workdir: Path, port: int | None = None) -> RunningServer:
    """Start *spec* on *port* (default: a free one) and wait until it is ready."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port() if port is None else port
    log_path = workdir / f"{spec.name}.log"
    command = list(spec.command(port, workdir))
    env = {**os.environ, **spec.env}
    try:
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    except OSError as exc:
        raise ServerStartError(f"{spec.name}: cannot run {command[0]!r}: {exc}") from exc
    server = RunningServer(spec, port, workdir, process, log_path)
    deadline = time.monotonic() + spec.startup_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(
                f"{spec.name} exited with code {process.returncode} while starting:\n"
                f"{server.log_tail()}"
            )
        with contextlib.suppress(Exception):
            if spec.ready(server):
                return server
        time.sleep(0.05)
    server.stop()
    raise ServerStartError(
        f"{spec.name} was not ready after {spec.startup_timeout:.0f} s:\n{server.log_tail()}"
    )


def restart(server: RunningServer, *, kill: bool = True) -> RunningServer:
    """Stop *server* (SIGKILL, as a crash, unless *kill* is false) and start it again on the same
    port and working directory; return the new server."""
    if kill and server.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=5)
    server.stop()
    deadline = time.monotonic() + 10
    while port_open(server.port) and time.monotonic() < deadline:
        time.sleep(0.05)
    return start(server.spec, server.workdir, server.port)
