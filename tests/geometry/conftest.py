"""Fixtures of the geometry tests: generated scan areas of known geometry, each opened and estimated once."""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pytest

import echolab
from echolab.geometry import Sector

from ..scan_areas import CURVED, LINEAR, PHASED, ScanArea, scan_area_dataset

AREAS = {"phased": PHASED, "curved": CURVED, "linear": LINEAR}


def open_quiet(path: str, calibration: Literal["screen", "header"] = "screen") -> echolab.EchoFile:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        return echolab.open(path, calibration=calibration)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a & b) / np.count_nonzero(a | b))


@pytest.fixture(
    scope="package",
    params=[(name, frames) for name in AREAS for frames in (8, 1)],
    ids=lambda p: f"{p[0]}-{'cine' if p[1] > 1 else 'single-frame'}",
)
def generated(request: pytest.FixtureRequest) -> tuple[ScanArea, echolab.EchoFile, Sector]:
    name, frames = request.param
    area = AREAS[name]
    # the phased cine is RGB (channels averaged), the others grey
    f = echolab.open(scan_area_dataset(area, frames=frames, seed=frames, colour=name == "phased" and frames > 1))
    return area, f, f.sector(0)
