"""The public face of the package: lazy names, and the old names of modules that moved."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import echolab


@pytest.mark.parametrize("old", sorted(echolab.MOVED))
def test_a_moved_module_is_the_same_object_under_its_old_name(old: str) -> None:
    new = importlib.import_module(f"echolab.{echolab.MOVED[old]}")
    assert importlib.import_module(f"echolab.{old}") is new
    assert getattr(echolab, old) is new
    assert new.__name__ == f"echolab.{echolab.MOVED[old]}"
    assert new.__spec__ is not None and new.__spec__.name == new.__name__  # its own spec, not the alias's


def test_old_from_imports_users_write_keep_working() -> None:
    code = (
        "from echolab import measure, doppler, mmode, traces, clips, deid, plot\n"
        "from echolab.data import sample\n"
        "from echolab.convert import convert\n"
        "import echolab.inventory\n"
        "print(measure.__name__, sample.__module__, convert.__module__, echolab.inventory.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [
        "echolab.analysis.measure",
        "echolab.samples.data",
        "echolab.archive.convert",
        "echolab.archive.inventory",
    ]


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        echolab.no_such_module  # noqa: B018
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("echolab.no_such_module")
