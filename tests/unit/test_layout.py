"""The shape of the package that docs/architecture.md promises, kept true by tests."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "storages"
BACKENDS = PACKAGE / "backends"
#: Every backend package, named after its backend.
BACKEND_PACKAGES = sorted(
    path.name for path in BACKENDS.iterdir() if (path / "__init__.py").is_file()
)
#: The longest a module may grow before it is two ideas (the contract suite is exempt).
MAX_LINES = 450


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _exported(path: Path) -> list[str]:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return list(ast.literal_eval(node.value))
    return []


def test_no_module_is_two_ideas() -> None:
    long = {
        str(path.relative_to(PACKAGE)): len(path.read_text().splitlines())
        for path in PACKAGE.rglob("*.py")
        if "testing" not in path.relative_to(PACKAGE).parts
    }
    assert {name: lines for name, lines in long.items() if lines > MAX_LINES} == {}


def test_the_file_layer_does_not_import_the_storage_layer() -> None:
    # RemoteFile talks to the FileBackend protocol; base.py imports files.py, never the reverse.
    assert not any(name.startswith("storages.base") for name in _imports(PACKAGE / "files.py"))
    assert "storages.base" not in _imports(PACKAGE / "sync.py")


def test_the_core_app_ships_no_models() -> None:
    assert not (PACKAGE / "models.py").exists()
    assert not (PACKAGE / "migrations").exists()


@pytest.mark.parametrize("package", BACKEND_PACKAGES)
def test_every_backend_package_has_the_same_shape(package: str) -> None:
    folder = BACKENDS / package
    modules = {path.stem for path in folder.glob("*.py")}
    assert {"storage", "options"} <= modules
    # Where a backend has a connection or its own streams, they have these names and no other.
    assert not modules & {"client", "tracker", "transfer", "files", "retry"}
    if (folder / "errors.py").exists():
        # Read, not imported: importing would import the backend's SDK.
        assert "ERRORS" in _exported(folder / "errors.py")


def test_no_hook_shares_a_name_with_django_mixins() -> None:
    from django.contrib.staticfiles.storage import ManifestFilesMixin

    from storages.base import BaseStorage

    hooks = {
        name for name in vars(BaseStorage) if name.startswith("_") and not name.startswith("__")
    }
    assert hooks.isdisjoint(vars(ManifestFilesMixin).keys() | _django_private())


def _django_private() -> set[str]:
    from django.contrib.staticfiles.storage import HashedFilesMixin

    return {name for name in vars(HashedFilesMixin) if name.startswith("_")}
