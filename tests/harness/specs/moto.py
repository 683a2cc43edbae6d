"""moto's S3 server (installed by pip through the dev extra)."""

from __future__ import annotations

import sys
import urllib.request
from pathlib import Path

from tests.harness.servers import RunningServer, ServerSpec, port_open

__all__ = ["SPECS"]

_BIN = Path(sys.executable).parent


def _http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=1) as response:
        return bool(response.status == 200)


def _post(url: str) -> None:
    request = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=5):
        pass


def _moto_ready(server: RunningServer) -> bool:
    return _http_ok(f"{server.url}/moto-api/")


def _moto_reset(server: RunningServer) -> None:
    _post(f"{server.url}/moto-api/reset")


SPECS: dict[str, ServerSpec] = {
    "moto": ServerSpec(
        name="moto",
        command=lambda port, _: [str(_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        ready=_moto_ready,
        reset=_moto_reset,
        install_hint="pip install 'moto[s3]' flask flask-cors (make test does it)",
    ),
}


#: How many requests moto accepts unauthenticated before it checks every signature (time
#: enough to create an IAM user, its access key and its policy).
AUTH_GRACE_REQUESTS = 3

SPECS["moto-auth"] = ServerSpec(
    name="moto-auth",
    command=lambda port, _: [str(_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
    # An HTTP probe would use up an unauthenticated request: wait for the port only.
    ready=lambda server: port_open(server.port),
    install_hint="pip install 'moto[s3]' flask flask-cors (make test does it)",
    env={"INITIAL_NO_AUTH_ACTION_COUNT": str(AUTH_GRACE_REQUESTS)},
)
