"""Polar resampling (echolab.geometry.polar): values at each depth and angle, channels, refusals."""

from __future__ import annotations

import numpy as np
import pytest

import echolab
from echolab.geometry import to_polar

from ..scan_areas import LINEAR, PHASED, scan_area_dataset


def test_to_polar_samples_the_image_at_each_depth_and_angle() -> None:
    f = echolab.open(scan_area_dataset(PHASED, frames=2))
    sector = f.sector(0)
    region = f.region(0)
    # a linear function of row and column: bilinear interpolation reproduces it exactly
    ramp = (region["row"] * 1000.0 + region["column"]).broadcast_like(region).transpose(*region.dims)
    ramp.attrs = region.attrs
    polar = to_polar(ramp, sector, depth_step=0.05, angle_step=1.0)
    assert polar.dims == ("time", "depth", "angle")
    assert polar["depth"].attrs["long_name"] == "distance from the apex"
    near, far = sector.radius_range
    assert float(polar["depth"][0]) == pytest.approx(near)
    assert far - 0.05 < float(polar["depth"][-1]) <= far
    np.testing.assert_allclose(np.diff(polar["depth"]), 0.05)
    np.testing.assert_allclose(polar["depth_below_probe_face"][0], 0.0)
    assert float(polar["angle"][0]) == pytest.approx(sector.angle_range[0])
    rows, columns = sector.pixel_at(polar["depth"].values[:, None], polar["angle"].values[None, :])
    expected = rows * 1000.0 + columns
    inside = np.isfinite(polar.values[0])
    assert inside.mean() > 0.95
    np.testing.assert_allclose(polar.values[0][inside], expected[inside], rtol=1e-5)


def test_to_polar_keeps_channels_and_refuses_a_linear_area() -> None:
    f = echolab.open(scan_area_dataset(PHASED, frames=2, colour=True))
    polar = to_polar(f.region(0), f.sector(0), depth_step=0.1, angle_step=2.0)
    assert polar.dims == ("time", "depth", "angle", "channel") and polar.sizes["channel"] == 3
    assert polar.dtype == np.float32
    linear = echolab.open(scan_area_dataset(LINEAR, frames=1))
    with pytest.raises(echolab.GeometryError, match="linear scan area"):
        to_polar(linear.region(0), linear.sector(0))
