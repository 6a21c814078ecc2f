"""The device drivers and the control core must stay free of Home Assistant imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "custom_components" / "gridmate"


@pytest.mark.parametrize("subpackage", ["devices", "control"])
def test_no_homeassistant_imports(subpackage: str) -> None:
    """`devices/` and `control/` could be published as libraries unchanged."""
    offenders: list[str] = []
    files = sorted((PACKAGE / subpackage).rglob("*.py"))
    assert files, f"{subpackage}/ has no modules"
    for path in files:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders.extend(
                f"{path.relative_to(PACKAGE)}:{node.lineno} imports {name}"
                for name in names
                if name == "homeassistant" or name.startswith("homeassistant.")
            )
    assert offenders == []
