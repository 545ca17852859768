"""The shape of the scan area (echolab.geometry.fitting): apex, angles, radii, cuts — generated areas of
known geometry first, then real scanner files."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import echolab
from echolab.geometry import Sector
from echolab.geometry.fitting import fit

from ..conftest import UNDECODABLE, package_file, shared_file, shared_params
from ..scan_areas import PHASED, ScanArea
from .conftest import AREAS, open_quiet

# --- generated scan areas ----------------------------------------------------------------------


def test_the_phased_case_has_non_square_pixels() -> None:
    # an x/y spacing swap would tilt its edges by several degrees: the angle checks below catch it
    dy, dx = PHASED.spacing
    assert abs(dx / dy - 1) > 0.2


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


@pytest.mark.parametrize("name", sorted(AREAS))
def test_fitting_the_true_mask_gives_the_true_shape(name: str) -> None:
    """Fitting alone, on the exact scan area (no detection): apex within 1.5 pixels, angles within
    0.5°, radii within one pixel's length; with the x and y spacing swapped, the non-square phased
    area's angles come out several degrees off (the fit works in cm, not pixels)."""
    area = AREAS[name]
    x0, y0, x1, y1 = area.box
    rows, columns = np.arange(y0, y1 + 1, dtype=np.float64), np.arange(x0, x1 + 1, dtype=np.float64)
    fitted = fit(area.region_mask(), rows, columns, area.spacing)
    assert fitted.kind == area.kind
    pixel = max(area.spacing)
    assert fitted.radius_range[1] == pytest.approx(area.radius_range[1], abs=pixel)
    if area.kind == "linear":
        assert fitted.lateral_range == pytest.approx(area.columns, abs=1.0)
        assert fitted.probe_face[0] == pytest.approx(area.top_row, abs=1.0)
        return
    assert fitted.apex is not None and area.apex is not None
    assert math.dist(fitted.apex, area.apex) <= 1.5
    assert fitted.angle_range == pytest.approx(area.angle_range, abs=0.5)
    assert fitted.radius_range[0] == pytest.approx(area.radius_range[0], abs=pixel)
    if area is PHASED:
        swapped = fit(area.region_mask(), rows, columns, area.spacing[::-1])
        assert max(abs(a - b) for a, b in zip(swapped.angle_range, area.angle_range, strict=True)) > 3.0


# --- real files ----------------------------------------------------------------------------------


def test_sonosite_phased_cine() -> None:
    """SonoSite Turbo, 120 frames, phased sector; the header's depth 0 is the region's top row (31).

    Measured: apex (17.0, 339.0), angles ±42.7°, radii 1.43-19.71 cm, probe face at row 45. The
    side edges meet 14 rows (0.7 cm) above the header's depth 0 and the visible probe face lies 14
    rows below it, so the header agrees with neither (reported in the notes); tolerance 20 rows.
    Its lateral 0 is the region's left edge, which says nothing about the centre line.
    """
    f = open_quiet(package_file("color3d_jpeg_baseline.dcm"))
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
    f = open_quiet(shared_file("godicom__I_000001.dcm"))
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
    f = open_quiet(package_file("OBXXXX1A.dcm"))
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
    f = open_quiet(shared_file("orthanc__Issue164.dcm"), calibration="header")
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
    f = open_quiet(shared_file(row["filename"]))
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
