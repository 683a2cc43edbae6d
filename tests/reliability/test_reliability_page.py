"""Every row of docs/reliability.md names tests that exist and run in ``make test``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reliability.md"
NODE = re.compile(r"`(tests/[\w/]+\.py(?:::[\w\[\]\-.]+)*)`")


def _rows() -> list[tuple[str, list[str]]]:
    rows = []
    for line in PAGE.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        separator = set(cells[0]) <= {"-", ":", " "}
        if line.startswith("|") and len(cells) >= 4 and not separator and cells[-1] != "Tests":
            rows.append((line, NODE.findall(cells[-1])))
    return rows


def test_every_row_is_backed_by_collected_tests() -> None:
    rows = _rows()
    assert len(rows) >= 20, "the reliability table lost its rows"
    unbacked = [line for line, nodes in rows if not nodes]
    assert not unbacked, f"rows without a test: {unbacked}"
    nodes = sorted({node for _, found in rows for node in found})
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *nodes],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    collected = result.stdout
    for node in nodes:
        assert node in collected or any(line.startswith(node) for line in collected.splitlines()), (
            f"{node} collects no test"
        )
