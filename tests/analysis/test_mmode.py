"""M-mode: depth profiles, bright layers and wall thickness, on a generated strip and real ones."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import echolab
from echolab import mmode
from echolab.samples.synthetic import MModeTruth

from ..conftest import shared_file


@pytest.fixture(scope="module")
def generated(mmode_sample: tuple[str, MModeTruth]) -> tuple[xr.DataArray, MModeTruth]:
    path, truth = mmode_sample
    return echolab.open(path).region(truth.mmode_region), truth


@pytest.mark.parametrize("column", [40, 200, 330, 520, 700, 850])
def test_septum_and_posterior_wall_are_found_where_they_were_drawn(generated, column: int) -> None:  # type: ignore[no-untyped-def]
    strip, truth = generated
    profile = mmode.depth_profile(strip, truth.time[column])
    assert profile.attrs["time"] == pytest.approx(truth.time[column])
    layers = mmode.bright_layers(profile)
    tolerance = 2 * truth.depth_per_pixel
    septum = min(layers, key=lambda layer: abs(layer[0] - truth.septum_top[column]))
    assert septum[0] == pytest.approx(truth.septum_top[column], abs=tolerance)
    assert septum[1] == pytest.approx(truth.septum_bottom[column], abs=tolerance)
    wall = min(layers, key=lambda layer: abs(layer[0] - truth.wall_top[column]))
    assert wall[0] == pytest.approx(truth.wall_top[column], abs=tolerance)


def test_wall_thickness_between_two_depths(generated) -> None:  # type: ignore[no-untyped-def]
    strip, truth = generated
    column = int(np.argmax(truth.septum_bottom - truth.septum_top))  # end-systole: thickest septum
    thickness = mmode.depth_distance(strip, truth.time[column], truth.septum_top[column], truth.septum_bottom[column])
    assert thickness.units == "cm" and thickness.value == pytest.approx(1.25, abs=0.03)
    assert thickness.where["x"] == pytest.approx(truth.time[column])
    # the same with image pixels: rows from the region's own y coordinate
    rows = strip.row.values
    top = rows[np.argmin(np.abs(strip.y.values - truth.septum_top[column]))]
    bottom = rows[np.argmin(np.abs(strip.y.values - truth.septum_bottom[column]))]
    in_pixels = mmode.depth_distance(strip, strip.column.values[column], top, bottom, pixels=True)
    assert in_pixels.value == pytest.approx(thickness.value, abs=truth.depth_per_pixel)


def test_out_of_strip_requests_are_refused(generated) -> None:  # type: ignore[no-untyped-def]
    strip, _ = generated
    with pytest.raises(echolab.MeasurementError, match="outside the strip"):
        mmode.depth_profile(strip, 5.0)
    with pytest.raises(echolab.MeasurementError, match="outside the strip"):
        mmode.depth_distance(strip, 0.0, 2.0, 40.0)


def test_mmode_analysis_needs_time_by_depth(doppler_sample) -> None:  # type: ignore[no-untyped-def]
    strip = echolab.open(doppler_sample[0]).region(1)
    with pytest.raises(echolab.MeasurementError, match=r"needs time \[s\] by depth \[cm\]"):
        mmode.depth_profile(strip, -1.0)


@pytest.mark.parametrize("name", ["godicom__I_000034.dcm", "dcmjs__undefined-length-test.dcm"])
def test_real_mmode_profiles_show_walls_inside_the_depth_span(name: str) -> None:
    strip = echolab.open(shared_file(name)).region(1)
    profile = mmode.depth_profile(strip, -1.0)
    assert profile.y.attrs["units"] == "cm" and profile.sizes["y"] == strip.sizes["y"]
    layers = mmode.bright_layers(profile)
    assert 3 <= len(layers) <= 12
    depth_max = float(strip.y.max())
    assert all(-0.05 <= top < bottom <= depth_max + 0.05 for top, bottom in layers)
    # at least one wall-like layer (0.3 to 2.5 cm thick) deeper than 2 cm
    assert any(top > 2 and 0.3 <= bottom - top <= 2.5 for top, bottom in layers)
