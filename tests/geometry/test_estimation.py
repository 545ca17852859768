"""estimate_sector (echolab.geometry.estimation): the calibration it reads, and its cross-check
against the header."""

from __future__ import annotations

import math

import pytest
import xarray as xr

import echolab
from echolab.conventions import PHYSICAL_DELTA, axis_key
from echolab.geometry import Sector, estimate_sector

from ..scan_areas import LINEAR, PHASED, ScanArea, scan_area_dataset


def test_header_origin_is_cross_checked(generated: tuple[ScanArea, echolab.EchoFile, Sector]) -> None:
    area, _, sector = generated
    expected_row = area.apex[0] if area.depth_origin == "apex" and area.apex else area.probe_face_row
    assert sector.header_origin is not None
    assert sector.header_origin[0] == pytest.approx(expected_row, abs=1e-6)
    assert sector.header_agrees is True and sector.notes == ()


def test_a_disagreeing_header_is_reported_not_followed() -> None:
    ds = scan_area_dataset(PHASED, frames=1)
    ds.SequenceOfUltrasoundRegions[0].ReferencePixelPhysicalValueY += 2.0  # depth 0 moved 2 cm up
    sector = echolab.open(ds).sector(0)
    assert sector.apex is not None and math.dist(sector.apex, PHASED.apex or (0, 0)) <= 3.0
    assert sector.header_agrees is False
    assert any("depth 0" in note for note in sector.notes)


def test_the_spacing_is_the_calibrations_not_the_coordinates() -> None:
    """The geometry reads |Physical Delta Y / X| from ``region.echo``: a region whose calibration says
    twice the lateral spacing gives twice the lateral spacing and wider angles, whatever its x
    coordinate values; the same pixels without a region calibration are measured in pixels."""
    f = echolab.open(scan_area_dataset(PHASED, frames=1))
    region = f.region(0)
    dy, dx = PHASED.spacing
    wide = region.assign_attrs({axis_key(PHYSICAL_DELTA, "x"): 2 * dx})
    sector = estimate_sector(wide)
    assert sector.spacing == pytest.approx((dy, 2 * dx))
    assert sector.angle_range[1] - sector.angle_range[0] > PHASED.angle_range[1] - PHASED.angle_range[0] + 10
    plain = xr.DataArray(region.values, dims=region.dims, coords={"row": region["row"], "column": region["column"]})
    in_pixels = estimate_sector(plain)
    assert (in_pixels.spacing, in_pixels.units, in_pixels.region_index) == ((1.0, 1.0), "pixel", None)
    assert in_pixels.header_origin is None and in_pixels.header_agrees is None


def test_an_uncalibrated_axis_makes_the_geometry_pixels() -> None:
    ds = scan_area_dataset(LINEAR, frames=1)
    ds.SequenceOfUltrasoundRegions[0].PhysicalUnitsXDirection = 0
    with pytest.warns(echolab.UncalibratedAxisWarning):
        region = echolab.open(ds).region(0)
    sector = estimate_sector(region)
    assert (sector.spacing, sector.units) == ((1.0, 1.0), "pixel")
    assert sector.header_origin is None
