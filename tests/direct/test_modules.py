"""Every module of storages.direct names in __all__ what it defines; importing the package
imports no SDK (the backend signers are found by dotted path when a storage needs one)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import storages.direct

MODULES = [f"storages.direct.{m.name}" for m in pkgutil.iter_modules(storages.direct.__path__)]


@pytest.mark.parametrize("name", ["storages.direct", *MODULES, "storages.views"])
def test_all_is_honest(name: str) -> None:
    module = importlib.import_module(name)
    assert sorted(module.__all__) == sorted(set(module.__all__))
    for member in module.__all__:
        assert getattr(module, member) is not None, f"{name}.{member}"


def test_the_package_imports_no_sdk() -> None:
    code = (
        "import django; from django.conf import settings; settings.configure(); django.setup(); "
        "import storages.direct, storages.direct.views, storages.views, sys; "
        "print(sorted(m for m in sys.modules if m.startswith(('boto', 'azure', 'google'))))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert output.returncode == 0, output.stderr
    assert output.stdout.strip() == "[]"
