"""The scan-area model (echolab.geometry.sector): masks, bounds, polar coordinates and their inverse."""

from __future__ import annotations

import numpy as np
import xarray as xr

import echolab
from echolab.geometry import Sector

from ..scan_areas import CURVED, ScanArea, scan_area_dataset
from .conftest import iou


def test_mask_overlap_at_least_0_95(generated: tuple[ScanArea, echolab.EchoFile, Sector]) -> None:
    area, f, sector = generated
    region = f.region(0)
    mask = sector.mask
    assert mask.dtype == bool and mask.dims == ("y", "x")
    np.testing.assert_array_equal(mask["row"], region["row"])
    np.testing.assert_array_equal(mask["column"], region["column"])
    np.testing.assert_array_equal(mask["y"], region["y"])
    assert iou(mask.values, area.region_mask()) >= 0.95
    assert sector.confidence >= 0.8


def test_whole_frame_mask_and_bounds_match_the_region_mask(
    generated: tuple[ScanArea, echolab.EchoFile, Sector],
) -> None:
    area, f, sector = generated
    frame = sector.image_mask((f.rows, f.columns))
    x0, y0, x1, y1 = area.box
    np.testing.assert_array_equal(frame[y0 : y1 + 1, x0 : x1 + 1], sector.mask.values)
    assert not frame[:y0].any() and not frame[:, :x0].any()
    bx0, by0, bx1, by1 = sector.bounds
    truth_rows, truth_columns = np.nonzero(area.region_mask())
    assert abs(by0 - (y0 + truth_rows.min())) <= 3 and abs(by1 - (y0 + truth_rows.max())) <= 3
    assert abs(bx0 - (x0 + truth_columns.min())) <= 3 and abs(bx1 - (x0 + truth_columns.max())) <= 3


def test_polar_and_pixel_at_are_inverse(generated: tuple[ScanArea, echolab.EchoFile, Sector]) -> None:
    _, _, sector = generated
    rows, columns = np.array([50.0, 120.5, 200.0]), np.array([240.0, 260.0, 300.25])
    radius, angle = sector.polar(rows, columns)
    back_rows, back_columns = sector.pixel_at(radius, angle)
    np.testing.assert_allclose(back_rows, rows, atol=1e-9)
    np.testing.assert_allclose(back_columns, columns, atol=1e-9)


def test_mask_like_follows_a_sliced_region() -> None:
    f = echolab.open(scan_area_dataset(CURVED, frames=1))
    sector = f.sector(0)
    part = f.region(0).isel(y=slice(100, 200), x=slice(50, 300))
    mask = sector.mask_like(part)
    assert isinstance(mask, xr.DataArray)
    np.testing.assert_array_equal(mask.values, sector.mask.isel(y=slice(100, 200), x=slice(50, 300)).values)


def test_geometry_error_is_an_echolab_error() -> None:
    assert issubclass(echolab.GeometryError, echolab.EcholabError)
    assert echolab.Sector is Sector
