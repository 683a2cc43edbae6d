"""scripts/audit-dependencies fails on a vulnerable pin and passes a clean one."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit-dependencies"

if importlib.util.find_spec("safety_db") is None:  # a dev tool: the compat venvs lack it
    pytest.skip("safety-db is not installed (pip install -e '.[dev]')", allow_module_level=True)


def _audit(*pins: str) -> subprocess.CompletedProcess[str]:
    args = [pin if pin.startswith("--") else f"--installed={pin}" for pin in pins]
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
    )


def test_vulnerable_pin_fails() -> None:
    result = _audit("Django==1.11.0", "requests==2.32.3")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "VULNERABLE django 1.11.0: CVE-2019-19844" in result.stdout
    assert "requests" not in result.stdout.split("offline advisory")[0]


def test_clean_pins_pass_and_say_what_the_old_database_misses() -> None:
    result = _audit("Django==5.2.8", "requests==2.32.3")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 distributions audited, 0 vulnerable" in result.stdout
    assert "NOT COVERED: advisories published after 2021-" in result.stdout


def test_ignored_advisories_are_accepted() -> None:
    pins = ("Django==3.1.11",)
    assert _audit(*pins).returncode == 1
    ignored = ["pyup.io-40598", "pyup.io-40585", "CVE-2021-33203", "CVE-2021-33571"]
    result = _audit(*pins, *[f"--ignore={ident}" for ident in ignored])
    assert result.returncode == 0, result.stdout
