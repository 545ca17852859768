"""The attrs schema (echolab.conventions): every attr key is one of its constants, none a loose string."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from echolab import conventions

PACKAGE = Path(__file__).resolve().parents[1] / "echolab"


def loose_attr_keys(source: str) -> list[tuple[int, str]]:
    """(line, key) of every string literal used as an attr key in ``source``: ``x.attrs["key"]``,
    ``x.attrs.get("key")``, ``attrs={"key": ...}`` and ``attrs = {"key": ...}``."""
    found: list[tuple[int, str]] = []

    def literal_keys(node: ast.AST | None) -> None:
        if isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found.append((key.lineno, key.value))

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "attrs":
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                found.append((node.lineno, node.slice.value))
        elif isinstance(node, ast.Call):
            function = node.func
            if (
                isinstance(function, ast.Attribute)
                and function.attr in ("get", "pop", "setdefault")
                and isinstance(function.value, ast.Attribute)
                and function.value.attr == "attrs"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append((node.lineno, node.args[0].value))
            for keyword in node.keywords:
                if keyword.arg == "attrs":
                    literal_keys(keyword.value)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "attrs" for t in targets):
                literal_keys(node.value)
    return sorted(found)


def test_the_checker_finds_loose_keys() -> None:
    source = 'a.attrs["units"]\nb.attrs.get("region_index", 1)\nc(attrs={"long_name": 1})\nattrs = {"time": 0}\n'
    assert loose_attr_keys(source) == [(1, "units"), (2, "region_index"), (3, "long_name"), (4, "time")]
    assert loose_attr_keys("from echolab.conventions import UNITS\na.attrs[UNITS]\nattrs = {UNITS: 'cm'}\n") == []


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.rglob("*.py") if p.name != "conventions.py"),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_no_module_spells_an_attr_key(path: Path) -> None:
    loose = loose_attr_keys(path.read_text(encoding="utf-8"))
    assert not loose, f"{path.relative_to(PACKAGE)}: attr keys as strings (use echolab.conventions): {loose}"


def test_every_region_calibration_key_is_a_key_of_the_schema() -> None:
    keys = {value for name, value in vars(conventions).items() if name.isupper() and isinstance(value, str)}
    axis_keys = {
        conventions.axis_key(template, axis)
        for template in (
            conventions.PHYSICAL_UNITS_DIRECTION,
            conventions.PHYSICAL_DELTA,
            conventions.REFERENCE_PIXEL,
            conventions.REFERENCE_PIXEL_PHYSICAL_VALUE,
        )
        for axis in ("x", "y")
    }
    assert set(conventions.REGION_CALIBRATION_KEYS) <= keys | axis_keys
    assert set(conventions.ACQUISITION_KEYS) <= set(conventions.REGION_CALIBRATION_KEYS)
    assert len(set(conventions.REGION_CALIBRATION_KEYS)) == len(conventions.REGION_CALIBRATION_KEYS)
