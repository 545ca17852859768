"""Binder's pinned environment: the package's own dependencies and notebook extra, less what
repo2docker's base image provides; pins that resolve together; a build that fails without samples."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli")

REPO = Path(__file__).resolve().parents[1]

#: What repo2docker's base environment installs itself (its environment.yml: jupyterlab 4.*, the
#: Jupyter server, notebook): pinning it in binder/requirements.txt would fight the base image.
PROVIDED_BY_BASE_IMAGE = {"jupyterlab"}


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
    every = _resolve(project["dependencies"], {}) + _resolve(
        project["optional-dependencies"]["notebooks"], project["optional-dependencies"]
    )
    wanted = [r for r in every if r.name.lower() not in PROVIDED_BY_BASE_IMAGE]
    assert len(wanted) == len(every) - len(PROVIDED_BY_BASE_IMAGE), "the base image's packages are in the extra"
    pins = _binder_pins()
    assert not PROVIDED_BY_BASE_IMAGE & set(pins), "a pin that fights the base image"
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


def _post_build_python() -> str:
    """The Python that binder/postBuild runs after installing echolab (its here-document)."""
    post_build = (REPO / "binder" / "postBuild").read_text()
    match = re.search(r"^python - <<'PYTHON'\n(.*?)^PYTHON$", post_build, flags=re.MULTILINE | re.DOTALL)
    assert match is not None, "binder/postBuild no longer checks the samples"
    return match.group(1)


def test_binder_build_fails_unless_every_sample_is_ready(tmp_path: Path) -> None:
    check = _post_build_python()
    env = {**os.environ, "ECHOLAB_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    ready = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, cwd=tmp_path)
    from echolab.samples import SAMPLES

    assert ready.returncode == 0, ready.stderr
    assert f"{len(SAMPLES)} of {len(SAMPLES)} sample files ready" in ready.stdout
    lost = (
        "import echolab.samples.data\necholab.samples.SAMPLES['not-installed.dcm'] = 'a real file nobody installed'\n"
    )
    missing = subprocess.run(
        [sys.executable, "-c", lost + check], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert missing.returncode != 0
    assert "sample files missing: not-installed.dcm" in missing.stderr


def _registry_reachable() -> bool:
    """Whether pip's configured index answers a single ordinary look-up."""
    lookup = [sys.executable, "-m", "pip", "index", "versions", "numpy"]
    try:
        return subprocess.run(lookup, capture_output=True, timeout=60).returncode == 0
    except subprocess.TimeoutExpired:
        return False


@pytest.mark.slow
def test_binder_requirements_resolve_together(tmp_path: Path) -> None:
    """pip resolves binder/requirements.txt as a fresh environment would (nothing installed counts)
    and installs exactly the pinned versions; skipped when the package registry is unreachable."""
    runtime = (REPO / "binder" / "runtime.txt").read_text().strip()
    if runtime != f"python-{sys.version_info.major}.{sys.version_info.minor}":
        pytest.skip(f"resolving for Binder's {runtime} needs that Python; this is {sys.version.split()[0]}")
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--prefer-binary"]
    command += ["--quiet", "--report", str(report), "-r", str(REPO / "binder" / "requirements.txt")]
    resolved = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if resolved.returncode != 0 and not _registry_reachable():
        pytest.skip("the package registry is unreachable")
    assert resolved.returncode == 0, resolved.stderr
    installed = {
        item["metadata"]["name"].lower().replace("_", "-"): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    for name, pin in _binder_pins().items():
        (specifier,) = list(pin.specifier)
        assert installed.get(name.replace("_", "-")) == specifier.version, f"{pin} resolved to {installed.get(name)}"
    assert not PROVIDED_BY_BASE_IMAGE & set(installed), "the requirements pull in the base image's JupyterLab"
