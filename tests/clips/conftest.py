"""The clips tests' cine, as a fixture and as a file."""

from __future__ import annotations

import copy
import warnings

import pytest
from pydicom.dataset import Dataset

import echolab

from ..cines import Cine, cine, make_cine

__all__ = ["cine"]  # a fixture of this folder

warnings.filterwarnings("ignore", category=echolab.EcholabWarning)


#: The clips' grid: cm per pixel, pixels a side, frames per second.
SPACING, SIZE, FPS = 0.04, 200, 25.0


def _with(cine: Cine, **elements: object) -> Dataset:
    ds = copy.deepcopy(cine.dataset)
    for keyword, value in elements.items():
        if keyword.startswith("region_"):
            setattr(ds.SequenceOfUltrasoundRegions[0], keyword.removeprefix("region_"), value)
        elif value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    return ds


@pytest.fixture(scope="module")
def cine_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cines") / "cine.dcm"
    make_cine().dataset.save_as(path, enforce_file_format=True)
    return str(path)
