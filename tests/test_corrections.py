"""Vendor quirks: the axes follow the screen by default, the header's letter on request."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest

import echolab
from echolab import doppler, measure
from echolab.codes import Rule
from echolab.corrections import detect
from echolab.samples import sample

from .conftest import shared_file
from .scan_areas import CURVED, scan_area_dataset

TOSHIBA_BASELINE_ROW = 221 + 131  # (0018,601A) Min Y0 + (0018,6022) Reference Pixel Y0 of godicom__I_000038


def _spectral(path: str, calibration: str) -> tuple[echolab.EchoFile, list[warnings.WarningMessage], object]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = echolab.open(path, calibration=calibration)  # type: ignore[arg-type]
        strip = f.region(f.find_regions(spatial_format=echolab.SpatialFormat.SPECTRAL)[0])
    return f, list(caught), strip


@pytest.mark.parametrize("name", ["godicom__I_000038.dcm", "godicom__I_000039.dcm"])
def test_toshiba_doppler_reads_positive_above_the_baseline_as_its_scale_is_drawn(name: str) -> None:
    """The scale beside the spectrum reads +10, +20 cm/s above the baseline; (0018,602E) is +0.1787.
    By default the flow drawn above the baseline (towards the probe: the E wave) is positive, with a
    CalibrationWarning naming the rule; calibration="header" gives the letter (negative)."""
    path = shared_file(name)
    f, caught, strip = _spectral(path, "screen")
    _, header_caught, header_strip = _spectral(path, "header")
    above = TOSHIBA_BASELINE_ROW - 50
    assert measure.velocity_at(strip, above).value == pytest.approx(50 * 0.178696, rel=1e-5)
    assert measure.velocity_at(header_strip, above).value == pytest.approx(-50 * 0.178696, rel=1e-5)
    assert measure.velocity_at(strip, TOSHIBA_BASELINE_ROW).value == 0.0  # the baseline stays
    # the strongest flow drawn above the baseline: positive by default, negative to the letter
    above_rows = strip.y.values > 0
    envelope = doppler.envelope(strip).sel(direction="positive")
    header_envelope = doppler.envelope(header_strip).sel(direction="negative")
    assert above_rows.any() and float(envelope.max()) > 0
    np.testing.assert_allclose(envelope.values, -header_envelope.values)
    assert strip.attrs["doppler_positive_direction"] == "up"
    assert strip.attrs["calibration_corrections"] == "doppler-sign"
    assert strip.attrs["header_physical_delta_y"] == pytest.approx(0.178696, rel=1e-5)
    assert strip.attrs["physical_delta_y"] == pytest.approx(-0.178696, rel=1e-5)
    named = [w for w in caught if issubclass(w.category, echolab.CalibrationWarning)]
    assert named and "doppler-sign" in str(named[0].message) and "(0018,602E)" in str(named[0].message)
    assert not [w for w in header_caught if issubclass(w.category, echolab.CalibrationWarning)]
    assert header_strip.attrs["doppler_positive_direction"] == "down"
    assert f.regions[2].original is not None and f.regions[2].original.y == f.header_regions[2].y


def test_the_doppler_sign_rule_keys_on_the_manufacturer(tmp_path: Path) -> None:
    """A positive Delta Y from another maker (the generated Toshiba-like layout really draws positive
    down) is left as the header says; the same file written as Toshiba's is mirrored about its baseline."""
    from echolab import synthetic

    path = tmp_path / "positive-down.dcm"
    synthetic.write_doppler_sample(path, positive_down=True)
    left_alone = echolab.open(path)
    assert not detect(left_alone.manufacturer, left_alone.header_regions)
    assert left_alone.regions == left_alone.header_regions
    ds = pydicom.dcmread(path)
    ds.Manufacturer = "TOSHIBA_MEC"
    toshiba_path = tmp_path / "as-toshiba.dcm"
    ds.save_as(toshiba_path)
    with pytest.warns(echolab.CalibrationWarning, match="doppler-sign"):
        mirrored = echolab.open(toshiba_path).region(1)
    header = echolab.open(toshiba_path, calibration="header").region(1)
    np.testing.assert_allclose(mirrored.y.values, -header.y.values)
    assert float(mirrored.y.swap_dims(y="row").sel(row=221 + 131)) == 0.0


def test_voluson_depth_starts_at_the_probe_face() -> None:
    """(0018,6022) Reference Pixel Y0 = 742 puts depth 0 at row 816 of a 743-row image (-19.2 .. -1.9 cm);
    the screen's banner says 16.1 cm with the probe face at the top. By default depth 0 is at the
    probe face found in the pixels (within 0.15 cm) and the centre line's far end is 16.1 ± 0.5 cm deep."""
    path = shared_file("orthanc__Issue164.dcm")
    with pytest.warns(echolab.CalibrationWarning, match="depth-origin"):
        f = echolab.open(path)
        region = f.region(0)
    header = echolab.open(path, calibration="header").region(0)
    assert float(header.y.max()) < 0  # the letter: every depth negative
    sector = f.sector(0)
    depth = region.y.swap_dims(y="row")
    assert float(depth.interp(row=sector.probe_face_row)) == pytest.approx(0.0, abs=0.15)
    assert float(depth.interp(row=sector.far_centre[0])) == pytest.approx(16.1, abs=0.5)
    assert region.attrs["calibration_corrections"] == "depth-origin"
    assert region.attrs["header_reference_pixel_y0"] == 742
    # the spacing is the header's: only the origin moved
    np.testing.assert_allclose(np.diff(region.y.values), np.diff(header.y.values))


def test_depth_origin_moves_to_a_known_probe_face() -> None:
    """A generated curved array whose header puts depth 0 far below the region, as the Voluson does:
    the corrected depth is 0 at the true probe face (within a pixel) and spans the true depths."""
    ds = scan_area_dataset(CURVED, frames=1)
    item = ds.SequenceOfUltrasoundRegions[0]
    x0, y0, x1, y1 = CURVED.box
    item.ReferencePixelY0 = y1 - y0 + 80  # depth 0 80 rows below the region, as Y0 = 742 does
    item.ReferencePixelPhysicalValueY = 0.0
    quirks = detect("GE Healthcare", echolab.open(ds, calibration="header").header_regions)
    assert [q.rule for q in quirks] == [Rule.DEPTH_ORIGIN]
    with pytest.warns(echolab.CalibrationWarning, match="depth-origin"):
        region = echolab.open(ds).region(0)
    depth = region.y.swap_dims(y="row")
    dy = CURVED.spacing[0]
    assert float(depth.interp(row=CURVED.probe_face_row)) == pytest.approx(0.0, abs=1.5 * dy)
    far_row = CURVED.probe_face_row + (CURVED.radius_range[1] - CURVED.radius_range[0]) / dy
    assert float(depth.interp(row=min(far_row, y1))) == pytest.approx(
        min(CURVED.radius_range[1] - CURVED.radius_range[0], (y1 - CURVED.probe_face_row) * dy), abs=1.5 * dy
    )


def test_files_without_quirks_are_left_exactly_as_the_header_says() -> None:
    for name in ("OBXXXX1A.dcm", "color3d_jpeg_baseline.dcm", "synthetic-doppler.dcm", "synthetic-mmode.dcm"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", echolab.EcholabWarning)
            f = echolab.open(sample(name))
            assert f.regions == f.header_regions
            assert all(not r.corrections and r.original is None for r in f.regions)


def test_calibration_must_be_screen_or_header() -> None:
    with pytest.raises(ValueError, match="'screen' or 'header'"):
        echolab.open(sample("OBXXXX1A.dcm"), calibration="letter")  # type: ignore[arg-type]
