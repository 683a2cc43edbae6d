"""Run the example site against the backend named by ``DEMO_STORAGE`` (default ``s3``).

``make demo`` calls this twice: ``launch.py --install-server`` runs the installer of the
chosen backend's server (``INSTALL`` of its ``demo_backends`` module, from
``scripts/test-servers/``), then ``launch.py`` starts that server (see ``demo_backends/``), so
no account is needed, and the site. ``STORAGE_BACKEND``/``STORAGE_OPTIONS`` in the environment
skip all that and point the site at any storage you configure yourself.

Every child (``manage.py`` steps, ``runserver`` with its autoreloader child, the backend's
server) runs in a process group of its own, and the launcher stops each whole group when it
ends, whether by Ctrl-C, SIGTERM or SIGHUP.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

#: Signals that stop the demo: Ctrl-C, ``kill`` and a closed terminal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(Exception):
    """Raise when the launcher is asked to stop by one of :data:`STOP_SIGNALS`."""


def _raise_stopped(signum: int, _frame: FrameType | None) -> None:
    # The first signal stops the demo; a second one must not interrupt the cleanup.
    for other in STOP_SIGNALS:
        signal.signal(other, signal.SIG_IGN)
    raise Stopped(signal.Signals(signum).name)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold the stop signals back while a server starts, so none is left running unseen;
    a signal that came meanwhile stops the demo on leaving.

    A handler that only takes note, not ``pthread_sigmask``: a blocked mask is inherited by
    the servers started meanwhile, which then would not stop on SIGTERM.
    """
    received: list[int] = []
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda signum, _frame: received.append(signum))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            _raise_stopped(received[0], None)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """Stop the process group *process* leads: SIGTERM, then SIGKILL after 5 s.

    runserver's autoreloader runs the site in a child process; signalling only the parent
    left that child serving on the port (issue 16).
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def run_child(args: list[str], env: dict[str, str]) -> int:
    """Run *args* in a process group of its own and return its exit code; stop the whole
    group when it returns or when the launcher is stopped."""
    process = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        return process.wait()
    finally:
        stop_group(process)


def backend_module(name: str) -> ModuleType | None:
    """Return the ``demo_backends`` module of *name*, or ``None`` (after saying so)."""
    try:
        return importlib.import_module(f"demo_backends.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"demo_backends.{name}":
            raise
    known = sorted(p.stem for p in (HERE / "demo_backends").glob("[a-z]*.py"))
    print(f"Unknown DEMO_STORAGE={name!r}; choose local or one of {known}", file=sys.stderr)
    return None


def install_server(name: str) -> int:
    """Run the installer scripts of the server *name*'s demo needs (idempotent)."""
    if name == "local" or os.environ.get("STORAGE_BACKEND"):
        return 0
    module = backend_module(name)
    if module is None:
        return 2
    env = {**os.environ, "PROJECT_ROOT": str(ROOT), "SERVERS_DIR": str(ROOT / ".test-servers")}
    for script in getattr(module, "INSTALL", ()):
        path = ROOT / "scripts" / "test-servers" / script
        print(f"DEMO_STORAGE={name}: installing its server (scripts/test-servers/{script})")
        if subprocess.run(["bash", str(path)], cwd=ROOT, env=env, check=False).returncode:
            print(f"DEMO_STORAGE={name}: scripts/test-servers/{script} failed", file=sys.stderr)
            return 1
    return 0


def main() -> int:
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_stopped)
    name = os.environ.get("DEMO_STORAGE", "s3").strip() or "s3"
    if sys.argv[1:] == ["--install-server"]:
        try:
            return install_server(name)
        except Stopped:
            return 1
    from tests.harness.servers import ServerStartError

    port = os.environ.get("PORT", "8000")
    env = dict(os.environ)
    manage = [sys.executable, str(HERE / "manage.py")]
    demo = None
    with tempfile.TemporaryDirectory(prefix="storages-demo-") as workdir:
        try:
            if not env.get("STORAGE_BACKEND") and name != "local":
                module = backend_module(name)
                if module is None:
                    return 2
                try:
                    with signals_deferred():
                        demo = module.setup(Path(workdir))
                except ServerStartError as exc:
                    print(f"DEMO_STORAGE={name}: its server did not start: {exc}", file=sys.stderr)
                    for script in getattr(module, "INSTALL", ()):
                        print(f"`make demo` installs it: scripts/test-servers/{script}")
                    return 1
                env["STORAGE_BACKEND"] = demo.backend
                env["STORAGE_OPTIONS"] = json.dumps(demo.options)
                env["DEMO_WHERE"] = demo.where
                if demo.static:
                    env["STATIC_STORAGE"] = json.dumps(demo.static)
                env.update(demo.env)
                print(f"DEMO_STORAGE={name}: media on {demo.backend}\nFiles: {demo.where}")
            steps = [["check"], ["collectstatic", "--noinput", "-v0"]]
            if demo is not None:  # the emulator's CORS rules for /direct/ (never a real bucket's)
                origins = [f"http://{host}:{port}" for host in ("127.0.0.1", "localhost")]
                # Media takes the uploads; static files serve the widget's module script, which
                # a browser fetches with CORS from another origin.
                cors = ["storages_cors", "--apply", "-v0", "--storage", "default"]
                cors += ["--storage", "staticfiles"] if demo.static else []
                steps.append([*cors, *(arg for o in origins for arg in ("--origin", o))])
            if env.get("DEMO_SQLITE"):
                steps.insert(1, ["migrate", "--verbosity", "0"])
            for step in steps:
                if code := run_child([*manage, *step], env):
                    return code
            return run_child([*manage, "runserver", f"127.0.0.1:{port}", *sys.argv[1:]], env)
        except Stopped:
            return 0
        finally:
            if demo is not None:
                demo.stop()


if __name__ == "__main__":
    raise SystemExit(main())
