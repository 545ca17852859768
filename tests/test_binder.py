"""Binder's pinned environment must be exactly the package's own dependencies and notebook extra."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

REPO = Path(__file__).resolve().parents[1]


def _project() -> dict:
    with (REPO / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]


def _resolve(requirements: list[str], extras: dict[str, list[str]]) -> list[Requirement]:
    """Requirements with ``echolab[extra]`` self-references expanded."""
    resolved: list[Requirement] = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.name == "echolab":
            for extra in sorted(requirement.extras):
                resolved += _resolve(extras[extra], extras)
        else:
            resolved.append(requirement)
    return resolved


def _binder_pins() -> dict[str, Requirement]:
    pins = {}
    for line in (REPO / "binder" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            pins[requirement.name.lower()] = requirement
    return pins


def test_binder_pins_exactly_the_dependencies_and_the_notebooks_extra() -> None:
    project = _project()
    wanted = _resolve(project["dependencies"], {}) + _resolve(
        project["optional-dependencies"]["notebooks"], project["optional-dependencies"]
    )
    pins = _binder_pins()
    assert sorted(pins) == sorted({r.name.lower() for r in wanted})
    for requirement in wanted:
        pin = pins[requirement.name.lower()]
        (specifier,) = list(pin.specifier)
        assert specifier.operator == "==", f"{pin} is not pinned"
        assert requirement.specifier.contains(specifier.version), f"{pin} violates pyproject's {requirement}"
        assert pin.extras == requirement.extras, f"{pin} drops the extras of {requirement}"


def test_binder_installs_echolab_itself_and_the_badge_opens_the_first_notebook() -> None:
    post_build = (REPO / "binder" / "postBuild").read_text()
    assert re.search(r"pip install --no-deps \.$", post_build, flags=re.MULTILINE)
    readme = (REPO / "README.md").read_text()
    badge = re.search(r"\(https://mybinder\.org/v2/gh/[^)]*labpath=([^)&]+)\)", readme)
    assert badge is not None, "README has no Binder badge"
    notebook = badge.group(1).replace("%2F", "/")
    assert (REPO / notebook).is_file()
