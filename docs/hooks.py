"""MkDocs hook: render a backend's options declaration as a settings table.

A page line of the form ``<!-- options: dotted.path.to.OptionsClass -->`` is replaced by a
Markdown table built from :func:`storages.options.describe`. A marker naming a class that cannot
be imported (or that is not an options class) stops the build.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

# The docs directory holds the examples (``_examples.example_options``). MkDocs restores
# sys.path after loading a hook, so it is added when a marker is rendered.
_DOCS_DIR = str(Path(__file__).resolve().parent)

MARKER = re.compile(r"^[ \t]*<!--\s*options:\s*(?P<path>[\w.]+)\s*-->[ \t]*$", re.MULTILINE)

HEADER = (
    "| Option | Django setting(s) | Environment variable(s) | Type | Default | Description |\n"
    "|---|---|---|---|---|---|"
)


def _import_class(dotted: str) -> Any:
    module_name, _, class_name = dotted.rpartition(".")
    if not module_name:
        raise PluginError(f"options marker {dotted!r} is not a dotted path to a class")
    if _DOCS_DIR not in sys.path:
        sys.path.append(_DOCS_DIR)
    # Never write bytecode into the docs directory.
    dont_write_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or whatever the module raised while importing
        raise PluginError(
            f"options marker {dotted!r}: cannot import {module_name!r}: {exc}"
        ) from exc
    finally:
        sys.dont_write_bytecode = dont_write_bytecode
    try:
        return getattr(module, class_name)
    except AttributeError:
        raise PluginError(
            f"options marker {dotted!r}: {module_name} has no {class_name!r}"
        ) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    """Return prose fit for one table cell: a single line with pipes escaped."""
    return _one_line(text).replace("|", "\\|")


def _code(text: str) -> str:
    """Return *text* as a code span (pipes inside a code span need no escaping)."""
    text = _one_line(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _code_list(names: tuple[str, ...]) -> str:
    return ", ".join(_code(name) for name in names) if names else "—"


def options_table(dotted: str) -> str:
    """Return the Markdown table of the options class at *dotted*."""
    from storages.options import BaseOptions, describe

    options_cls = _import_class(dotted)
    if not (
        isinstance(options_cls, type)
        and issubclass(options_cls, BaseOptions)
        and dataclasses.is_dataclass(options_cls)
    ):
        raise PluginError(f"options marker {dotted!r} does not name a BaseOptions dataclass")
    rows = [HEADER]
    for info in describe(options_cls):
        name = _code(info.name) + (" (secret)" if info.secret else "")
        rows.append(
            "| "
            + " | ".join(
                [
                    name,
                    _code_list(info.settings),
                    _code_list(info.env),
                    _code(info.type),
                    _code(info.default),
                    _cell(info.doc) or "—",
                ]
            )
            + " |"
        )
    return "\n".join(rows)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any, **kwargs: Any) -> str:
    """Replace every options marker of the page with its table."""
    return MARKER.sub(lambda match: options_table(match.group("path")), markdown)
