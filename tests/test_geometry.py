"""Scan-area geometry: generated scan areas of known geometry first, then real scanner files."""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np
import pytest
import xarray as xr

import echolab
from echolab.geometry import Sector, estimate_sector, to_polar

from .conftest import UNDECODABLE, package_file, shared_file, shared_params
from .scan_areas import CURVED, LINEAR, PHASED, ScanArea, doppler_strip_dataset, scan_area_dataset

AREAS = {"phased": PHASED, "curved": CURVED, "linear": LINEAR}


def _open_quiet(path: str, calibration: Literal["screen", "header"] = "screen") -> echolab.EchoFile:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        return echolab.open(path, calibration=calibration)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a & b) / np.count_nonzero(a | b))


@pytest.fixture(
    scope="module",
    params=[(name, frames) for name in AREAS for frames in (8, 1)],
    ids=lambda p: f"{p[0]}-{'cine' if p[1] > 1 else 'single-frame'}",
)
def generated(request: pytest.FixtureRequest) -> tuple[ScanArea, echolab.EchoFile, Sector]:
    name, frames = request.param
    area = AREAS[name]
    # the phased cine is RGB (channels averaged), the others grey
    f = echolab.open(scan_area_dataset(area, frames=frames, seed=frames, colour=name == "phased" and frames > 1))
    return area, f, f.sector(0)


# --- generated scan areas ----------------------------------------------------------------------


def test_the_phased_case_has_non_square_pixels() -> None:
    # an x/y spacing swap would tilt its edges by several degrees: the angle checks below catch it
    dy, dx = PHASED.spacing
    assert abs(dx / dy - 1) > 0.2


def test_kind_method_and_frames(generated: tuple[ScanArea, echolab.EchoFile, Sector]) -> None:
    area, f, sector = generated
    assert sector.kind == area.kind
    assert sector.method == ("temporal" if f.number_of_frames > 1 else "single frame")
    assert sector.frames == tuple(range(f.number_of_frames))
    assert sector.units == "cm"
    assert sector.spacing == pytest.approx(area.spacing)
    assert sector.region_index == 0 and sector.region_box == area.box


def test_apex_within_3_pixels_and_angles_within_2_degrees(generated: tuple[ScanArea, echolab.EchoFile, Sector]) -> None:
    area, _, sector = generated
    if area.kind == "linear":
        assert sector.apex is None and sector.angle_range == (0.0, 0.0)
        assert sector.lateral_range is not None
        assert sector.lateral_range == pytest.approx(area.columns, abs=3.0)
        return
    assert sector.apex is not None and area.apex is not None
    assert math.dist(sector.apex, area.apex) <= 3.0, (sector.apex, area.apex)
    assert sector.angle_range == pytest.approx(area.angle_range, abs=2.0)
    assert sector.lateral_range is None


def test_far_radius_within_0_3_cm_and_probe_face_within_3_pixels(
    generated: tuple[ScanArea, echolab.EchoFile, Sector],
) -> None:
    area, _, sector = generated
    assert sector.radius_range[1] == pytest.approx(area.radius_range[1], abs=0.3)
    assert sector.radius_range[0] == pytest.approx(area.radius_range[0], abs=0.3)
    assert sector.probe_face_row == pytest.approx(area.probe_face_row, abs=3.0)
    assert sector.centre_column == pytest.approx(area.centre_column, abs=3.0)


def test_mask_overlap_at_least_0_95(generated: tuple[ScanArea, echolab.EchoFile, Sector]) -> None:
    area, f, sector = generated
    region = f.region(0)
    mask = sector.mask
    assert mask.dtype == bool and mask.dims == ("y", "x")
    np.testing.assert_array_equal(mask["row"], region["row"])
    np.testing.assert_array_equal(mask["column"], region["column"])
    np.testing.assert_array_equal(mask["y"], region["y"])
    assert _iou(mask.values, area.region_mask()) >= 0.95
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


def test_header_origin_is_cross_checked(generated: tuple[ScanArea, echolab.EchoFile, Sector]) -> None:
    area, _, sector = generated
    expected_row = area.apex[0] if area.depth_origin == "apex" and area.apex else area.probe_face_row
    assert sector.header_origin is not None
    assert sector.header_origin[0] == pytest.approx(expected_row, abs=1e-6)
    assert sector.header_agrees is True and sector.notes == ()


def test_polar_and_pixel_at_are_inverse(generated: tuple[ScanArea, echolab.EchoFile, Sector]) -> None:
    _, _, sector = generated
    rows, columns = np.array([50.0, 120.5, 200.0]), np.array([240.0, 260.0, 300.25])
    radius, angle = sector.polar(rows, columns)
    back_rows, back_columns = sector.pixel_at(radius, angle)
    np.testing.assert_allclose(back_rows, rows, atol=1e-9)
    np.testing.assert_allclose(back_columns, columns, atol=1e-9)


def test_a_disagreeing_header_is_reported_not_followed() -> None:
    ds = scan_area_dataset(PHASED, frames=1)
    ds.SequenceOfUltrasoundRegions[0].ReferencePixelPhysicalValueY += 2.0  # depth 0 moved 2 cm up
    sector = echolab.open(ds).sector(0)
    assert sector.apex is not None and math.dist(sector.apex, PHASED.apex or (0, 0)) <= 3.0
    assert sector.header_agrees is False
    assert any("depth 0" in note for note in sector.notes)


def test_frames_are_spread_over_the_cine_and_capped() -> None:
    f = echolab.open(scan_area_dataset(CURVED, frames=12, seed=5))
    assert f.sector(0, frames=4).frames == (0, 4, 7, 11)
    assert f.sector(0, frames=[3, -1]).frames == (3, 11)
    with pytest.raises(echolab.GeometryError, match="positions along time"):
        f.sector(0, frames=[12])


# --- no scan area -------------------------------------------------------------------------------


@pytest.mark.parametrize("level", [0, 90], ids=["black", "uniform-grey"])
def test_a_frame_without_a_scan_area_raises(level: int) -> None:
    ds = scan_area_dataset(LINEAR, frames=2)
    rows, columns = LINEAR.image_shape
    ds.PixelData = np.full((2, rows, columns), level, dtype=np.uint8).tobytes()
    with pytest.raises(echolab.GeometryError, match=r"region 0: no scan area found: the frames are uniform"):
        echolab.open(ds).sector(0)


def test_overlays_alone_are_not_a_scan_area() -> None:
    ds = scan_area_dataset(PHASED, frames=1)
    pixels = np.frombuffer(ds.PixelData, dtype=np.uint8).reshape(PHASED.image_shape).copy()
    pixels[PHASED.inside(*np.mgrid[0 : PHASED.image_shape[0], 0 : PHASED.image_shape[1]].astype(float))] = 0
    ds.PixelData = pixels.tobytes()
    with pytest.raises(echolab.GeometryError, match="no scan area found"):
        echolab.open(ds).sector(0)


def test_a_spectral_doppler_strip_raises_naming_the_region() -> None:
    f = echolab.open(doppler_strip_dataset())
    with pytest.raises(echolab.GeometryError, match=r"region 0 is spectral Doppler .*not a 2D scan area"):
        f.sector(0)
    with pytest.raises(echolab.GeometryError, match="spectral Doppler region, not a 2D scan area"):
        estimate_sector(f.region(0))


def test_geometry_error_is_an_echolab_error() -> None:
    assert issubclass(echolab.GeometryError, echolab.EcholabError)
    assert echolab.Sector is Sector


# --- polar resampling ---------------------------------------------------------------------------


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


def test_mask_like_follows_a_sliced_region() -> None:
    f = echolab.open(scan_area_dataset(CURVED, frames=1))
    sector = f.sector(0)
    part = f.region(0).isel(y=slice(100, 200), x=slice(50, 300))
    mask = sector.mask_like(part)
    assert isinstance(mask, xr.DataArray)
    np.testing.assert_array_equal(mask.values, sector.mask.isel(y=slice(100, 200), x=slice(50, 300)).values)


# --- real files ----------------------------------------------------------------------------------


def test_sonosite_phased_cine() -> None:
    """SonoSite Turbo, 120 frames, phased sector; the header's depth 0 is the region's top row (31).

    Measured: apex (17.0, 339.0), angles ±42.7°, radii 1.43-19.71 cm, probe face at row 45. The
    side edges meet 14 rows (0.7 cm) above the header's depth 0 and the visible probe face lies 14
    rows below it, so the header agrees with neither (reported in the notes); tolerance 20 rows.
    Its lateral 0 is the region's left edge, which says nothing about the centre line.
    """
    f = _open_quiet(package_file("color3d_jpeg_baseline.dcm"))
    sector = f.sector(0)
    assert sector.kind == "sector" and sector.apex is not None and sector.header_origin is not None
    assert len(sector.frames) == 16
    assert abs(sector.apex[0] - sector.header_origin[0]) <= 20
    assert sector.apex[1] == pytest.approx((84 + 595) / 2, abs=3)  # the region is centred on the sector
    left, right = sector.angle_range
    assert abs(left + right) <= 2 and 38 <= right <= 48
    assert sector.confidence >= 0.7
    assert sector.header_agrees is False and "depth 0 at image row 31.0" in sector.notes[0]


def test_hp_phased_cine_with_non_square_pixels() -> None:
    """Hewlett-Packard, 34 frames, 0.0286 × 0.0229 cm pixels; depth 0 at row 0, lateral 0 at column 240.

    Measured: apex (1.9, 238.6), angles -44.4° / 45.2°, the left side cut vertically at column 106.
    Tolerance: apex within 5 pixels of the header's origin, angles symmetric within 2°.
    """
    f = _open_quiet(shared_file("godicom__I_000001.dcm"))
    sector = f.sector(0)
    assert sector.spacing[0] != pytest.approx(sector.spacing[1])
    assert sector.apex is not None and sector.header_origin is not None
    assert math.dist(sector.apex, sector.header_origin) <= 5
    left, right = sector.angle_range
    assert abs(left + right) <= 2 and 40 <= right <= 50
    assert sector.lateral_range is not None and sector.lateral_range[0] == pytest.approx(106, abs=4)
    assert sector.header_agrees is True
    assert sector.confidence >= 0.5


def test_philips_cx50_curved_single_frame() -> None:
    """Philips CX50 curved array, one frame; depth 0 at the probe face (row 96, column 460).

    Measured: apex (-74.9, 460.0) above the image, angles ±34.5°, probe face at row 96.3.
    """
    f = _open_quiet(package_file("OBXXXX1A.dcm"))
    with pytest.warns(echolab.RegionClippedWarning):
        sector = f.sector(0)
    assert sector.method == "single frame" and sector.apex is not None
    assert sector.apex[0] < 0
    assert sector.probe_face == pytest.approx((96, 460), abs=3)
    assert sum(sector.angle_range) == pytest.approx(0, abs=2)
    assert sector.header_agrees is True and sector.confidence >= 0.9


def test_ge_voluson_depth_origin_outside_the_scan_area() -> None:
    """GE Voluson S, curved array in air: (0018,6022) puts depth 0 at row 816 of a 743-row image.

    Measured: apex (-100.1, 479.0), angles -31.6° / 31.9°, probe face at row 94 (the region starts
    at row 74: the near arc's ends touch it), far radius 21.31 cm from the apex, i.e. 16.27 cm from
    the probe face against the banner's 16.1 cm. Tolerances: probe face within 25 rows of the
    region top, depth below the probe face within 0.5 cm of 16.1 cm.
    """
    f = _open_quiet(shared_file("orthanc__Issue164.dcm"), calibration="header")
    sector = f.sector(0)
    assert sector.kind == "sector" and sector.apex is not None and sector.apex[0] < 0
    assert 74 <= sector.probe_face_row <= 74 + 25
    near, far = sector.radius_range
    assert far - near == pytest.approx(16.1, abs=0.5)
    assert sector.header_origin is not None and sector.header_origin[0] == pytest.approx(816, abs=0.5)
    assert sector.header_agrees is False
    assert any("depth 0 at image row 816.0" in note for note in sector.notes)
    assert sum(sector.angle_range) == pytest.approx(0, abs=2)


@pytest.mark.parametrize("row", shared_params())
def test_every_real_2d_region_gives_a_sector_or_a_geometry_error(row: dict[str, str]) -> None:
    """No crash on any shared file: a Sector whose mask covers the region, or a GeometryError saying why."""
    f = _open_quiet(shared_file(row["filename"]))
    for region in f.regions:
        if region.kind not in (echolab.RegionKind.TWO_D, echolab.RegionKind.COLOR_FLOW) or not region.usable:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", echolab.EcholabWarning)
            try:
                sector = f.sector(region.index, frames=4)
            except echolab.GeometryError as exc:
                assert f"region {region.index}" in str(exc) and row["filename"] in str(exc)
                continue
            except echolab.PixelDataError:
                assert row["filename"] in UNDECODABLE
                continue
        assert sector.mask.shape == region.shape
        assert 0.0 <= sector.confidence <= 1.0
        assert sector.radius_range[0] < sector.radius_range[1]
        assert len(sector.frames) <= 4
