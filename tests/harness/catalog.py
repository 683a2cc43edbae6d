"""The test servers this project knows how to start (docs/testing.md lists them).

Each module of :mod:`tests.harness.specs` defines ``SPECS``; a backend adds its server by adding
a module there, and its installation by adding a script to ``scripts/test-servers/``.
"""

from __future__ import annotations

import importlib
import pkgutil

from tests.harness import specs
from tests.harness.servers import ServerSpec

__all__ = ["CATALOG"]


def _collect() -> dict[str, ServerSpec]:
    found: dict[str, ServerSpec] = {}
    for module_info in sorted(pkgutil.iter_modules(specs.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{specs.__name__}.{module_info.name}")
        for name, spec in getattr(module, "SPECS", {}).items():
            if name in found:
                raise RuntimeError(f"test server {name!r} is defined twice")
            found[name] = spec
    return found


CATALOG: dict[str, ServerSpec] = _collect()
