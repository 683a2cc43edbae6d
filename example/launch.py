"""Run the example site against the backend named by ``DEMO_STORAGE`` (default ``s3``).

``make demo`` calls this. For every backend but ``local`` it starts that backend's local server
(see ``demo_backends/``), so no account is needed; the servers stop with the site.
``STORAGE_BACKEND``/``STORAGE_OPTIONS`` in the environment skip all that and point the site at
any storage you configure yourself.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]


def main() -> int:
    # Stop the demo's servers on SIGTERM too, not only on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port = os.environ.get("PORT", "8000")
    name = os.environ.get("DEMO_STORAGE", "s3").strip() or "s3"
    env = dict(os.environ)
    manage = [sys.executable, str(HERE / "manage.py")]
    with tempfile.TemporaryDirectory(prefix="storages-demo-") as workdir:
        demo = None
        if not env.get("STORAGE_BACKEND") and name != "local":
            try:
                module = importlib.import_module(f"demo_backends.{name}")
            except ModuleNotFoundError:
                known = sorted(p.stem for p in (HERE / "demo_backends").glob("[a-z]*.py"))
                print(f"Unknown DEMO_STORAGE={name!r}; choose local or one of {known}")
                return 2
            demo = module.setup(Path(workdir))
            env["STORAGE_BACKEND"] = demo.backend
            env["STORAGE_OPTIONS"] = json.dumps(demo.options)
            if demo.static:
                env["STATIC_STORAGE"] = json.dumps(demo.static)
            env.update(demo.env)
            print(f"DEMO_STORAGE={name}: media on {demo.backend}")
        try:
            steps = [["check"], ["collectstatic", "--noinput", "-v0"]]
            if env.get("DEMO_SQLITE"):
                steps.insert(1, ["migrate", "--verbosity", "0"])
            for step in steps:
                subprocess.run([*manage, *step], env=env, check=True)
            server = subprocess.run(
                [*manage, "runserver", f"127.0.0.1:{port}", *sys.argv[1:]], env=env, check=False
            )
            return server.returncode
        except KeyboardInterrupt:
            return 0
        finally:
            if demo is not None:
                demo.stop()


if __name__ == "__main__":
    raise SystemExit(main())
