"""gcp-storage-emulator, a Google Cloud Storage emulator (pip, through the dev extra)."""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

from tests.harness.servers import RunningServer, ServerSpec

__all__ = ["SPECS"]

_BIN = Path(sys.executable).parent


def _ready(server: RunningServer) -> bool:
    with urllib.request.urlopen(f"{server.url}/", timeout=1) as response:
        return bool(response.status == 200)


def _wipe(server: RunningServer) -> None:
    with urllib.request.urlopen(f"{server.url}/wipe?keep-buckets=true", timeout=10):
        pass


SPECS: dict[str, ServerSpec] = {
    "gcs": ServerSpec(
        name="gcs",
        # -d must be absolute and come before the sub-command; data stays on disk (the large
        # file tests would otherwise hold hundreds of MiB in the emulator's memory).
        command=lambda port, workdir: [
            str(_BIN / "gcp-storage-emulator"),
            "-d",
            str((workdir / "data").resolve()),
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--quiet",
        ],
        ready=_ready,
        reset=_wipe,
        install_hint="pip install gcp-storage-emulator (in the dev extra)",
    ),
}
