"""Every public module's __all__ names what it defines, and importing stays cheap."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

MODULES = [
    "storages",
    "storages.base",
    "storages.clients",
    "storages.entries",
    "storages.errors",
    "storages.http",
    "storages.retry",
    "storages.secrets",
    "storages.features",
    "storages.files",
    "storages.options",
    "storages.paths",
    "storages.checks",
    "storages.testing",
    "storages.testing.contract",
    "storages.backends.filesystem",
    "storages.backends.overwrite",
    "storages.backends.symlinkorcopy",
    "storages.backends.image",
    "storages.backends.s3",
    "storages.backends.s3boto",
    "storages.backends.s3boto3",
    "storages.backends.sftpstorage",
    "storages.backends.ftp",
    "storages.backends.dropbox",
    "storages.backends.apache_libcloud",
    "storages.backends.database",
    "storages.backends.couchdb",
    "storages.backends.mogile",
    "storages.sync",
    "storages.views",
    "storages.utils",
    "storages.compress",
    "storages.digests",
    "storages.management.commands.collectstatic",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_honest(name: str) -> None:
    module = importlib.import_module(name)
    assert sorted(module.__all__) == sorted(set(module.__all__))
    for member in module.__all__:
        assert getattr(module, member) is not None, f"{name}.{member}"


def test_importing_the_package_imports_no_backend_or_sdk() -> None:
    code = (
        "import storages, sys; "
        "print(sorted(m for m in sys.modules if m.startswith(('storages.', 'boto', 'PIL'))))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "[]"
    import storages

    assert storages.__version__ == "2.0.0.dev0"
