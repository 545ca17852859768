"""Regions: box semantics, the coordinate formula, units and enumerations, on real files first."""

from __future__ import annotations

import re
import warnings
from typing import Literal

import numpy as np
import pytest
from pydicom.dataset import Dataset

import echolab
from echolab.codes import DataType, PhysicalUnits, RegionKind, RegionNote, SpatialFormat
from echolab.reading.regions import axes_from_attrs, parse_region

from ..conftest import SHARED, UNDECODABLE, all_file_params, package_file, resolve, shared_file, shared_params
from ..make import write_file

_REGION = re.compile(
    r"\[(?P<i>\d+)\] sf=(?P<sf>\d+)\S* dt=(?P<dt>\d+)\S*.*?units=\((?P<ux>[^,]*),(?P<uy>[^)]*)\) "
    r"delta=\((?P<dx>[^,]*),(?P<dy>[^)]*)\) refpix=\((?P<rx>[^,]*),(?P<ry>[^)]*)\) "
    r"refphys=\((?P<px>[^,]*),(?P<py>[^)]*)\) bounds=\((?P<b>[^)]*)\)"
)
_UNITS = {"cm": "cm", "s": "s", "cm/s": "cm/s", "Hz": "Hz", "none": None, "": None}


def _open_quiet(path: str, calibration: Literal["screen", "header"] = "screen") -> echolab.EchoFile:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        return echolab.open(path, calibration=calibration)


def test_philips_cx50_sector_centre_is_x0_at_column_460() -> None:
    f = _open_quiet(package_file("OBXXXX1A.dcm"))
    with pytest.warns(echolab.RegionClippedWarning, match=r"\(0018,601C\) Region Location Max X1 = 800"):
        da = f.region(0)
    assert da.x.swap_dims(x="column").sel(column=460).item() == 0.0
    assert da.y.swap_dims(y="row").sel(row=96).item() == 0.0  # Min Y0 60 + Reference Pixel Y0 36
    assert da.x.attrs == {"units": "cm", "long_name": "lateral distance"}
    assert da.y.attrs == {"units": "cm", "long_name": "depth"}
    assert da.sizes["x"] == 680  # 120..799 after clipping Max X1 = 800
    np.testing.assert_allclose(np.diff(da.x), 0.0262288, rtol=1e-5)


def test_philips_ecg_region_starts_at_the_image_left_edge() -> None:
    f = _open_quiet(package_file("OBXXXX1A.dcm"))
    with pytest.warns(echolab.UncalibratedAxisWarning):
        ecg = f.region(1)
    assert ecg.attrs["data_type"] == "ECG trace"
    assert ecg.x.attrs["units"] == "s" and ecg.x.attrs["long_name"] == "time"
    # Reference Pixel X0 = -176 with Min X0 = 176: time 0 at image column 0
    assert float(ecg.x[0]) == pytest.approx(176 * 0.00964274, rel=1e-5)
    assert ecg.y.attrs["units"] == "pixel"
    assert list(ecg.y.values[:3]) == [0, 1, 2]


def test_aloka_has_two_side_by_side_regions_of_392_by_304() -> None:
    f = _open_quiet(package_file("gdcm-US-ALOKA-16.dcm"))
    assert [r.box for r in f.regions[:2]] == [(32, 24, 335, 415), (336, 24, 639, 415)]
    for index in (0, 1):
        da = f.region(index)
        assert da.sizes["y"] == 392 and da.sizes["x"] == 304
        assert da.attrs["spatial_format"] == "2D"
    assert f.regions[2].data_type is DataType.GRAY_BAR


@pytest.mark.parametrize("row", shared_params())
def test_regions_match_the_manifest(row: dict[str, str]) -> None:
    f = _open_quiet(str(SHARED / row["filename"]), calibration="header")  # the manifest lists the header's values
    expected = [m.groupdict() for m in _REGION.finditer(row["regions"])]
    assert len(f.regions) == int(row["n_regions"] or 0) == len(expected)
    for region, want in zip(f.regions, expected, strict=True):
        assert region.index == int(want["i"])
        assert region.spatial_format_code == int(want["sf"])
        assert region.data_type_code == int(want["dt"])
        assert region.box == tuple(int(v) for v in want["b"].split(","))
        for axis, unit_key, delta_key, ref_key, phys_key in (
            (region.x, "ux", "dx", "rx", "px"),
            (region.y, "uy", "dy", "ry", "py"),
        ):
            assert axis is not None
            if want[delta_key]:
                assert axis.delta == pytest.approx(float(want[delta_key]), rel=1e-5)
            assert axis.reference_pixel == (int(want[ref_key]) if want[ref_key] else 0)
            assert axis.reference_value == pytest.approx(float(want[phys_key]) if want[phys_key] else 0.0, rel=1e-5)
            calibrated_unit = _UNITS.get(want[unit_key], want[unit_key])
            if calibrated_unit and axis.delta:
                assert axis.unit == calibrated_unit
            else:
                assert axis.unit == "pixel"


def _item(**overrides: object) -> Dataset:
    item = Dataset()
    item.RegionSpatialFormat = 1
    item.RegionDataType = 1
    item.RegionFlags = 0
    item.RegionLocationMinX0, item.RegionLocationMinY0 = 10, 20
    item.RegionLocationMaxX1, item.RegionLocationMaxY1 = 109, 219
    item.PhysicalUnitsXDirection = item.PhysicalUnitsYDirection = 3
    item.PhysicalDeltaX = item.PhysicalDeltaY = 0.05
    item.ReferencePixelX0, item.ReferencePixelY0 = 50, 0
    for key, value in overrides.items():
        if value is None:
            delattr(item, key)
        else:
            setattr(item, key, value)
    return item


def test_formula_with_reference_pixel_and_value() -> None:
    region = parse_region(_item(ReferencePixelPhysicalValueY=1.5), 0, 480, 640, None)
    assert region.usable and region.shape == (200, 100)
    assert region.x is not None and region.y is not None
    np.testing.assert_allclose(region.x.values(np.array([10, 60, 109])), [-2.5, 0.0, 2.45])
    np.testing.assert_allclose(region.y.values(np.array([20, 21])), [1.5, 1.55])
    np.testing.assert_allclose(region.x.pixels(region.x.values(np.arange(10, 110))), np.arange(10, 110))


def test_negative_delta_keeps_its_sign() -> None:
    item = _item(
        RegionSpatialFormat=3,
        RegionDataType=3,
        PhysicalUnitsYDirection=7,
        PhysicalDeltaY=-2.0,
        ReferencePixelY0=100,
        PhysicalUnitsXDirection=4,
        PhysicalDeltaX=0.01,
    )
    region = parse_region(item, 0, 480, 640, None)
    assert region.y is not None and region.y.unit == "cm/s" and region.y.long_name == "Doppler velocity"
    np.testing.assert_allclose(region.y.values(np.array([20, 120, 219])), [200.0, 0.0, -198.0])
    assert region.spatial_format is SpatialFormat.SPECTRAL and region.data_type is DataType.PW_SPECTRAL_DOPPLER


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"PhysicalUnitsXDirection": 0}, r"\(0018,6024\) Physical Units X Direction = 0 \(none\)"),
        ({"PhysicalUnitsXDirection": 0x2A}, r"0x2a is not a known unit code"),
        ({"PhysicalDeltaX": 0.0}, r"\(0018,602C\) Physical Delta X = 0.0"),
        ({"PhysicalDeltaX": None}, r"\(0018,602C\) Physical Delta X is missing"),
    ],
)
def test_uncalibrated_axis_falls_back_to_pixels(overrides: dict[str, object], reason: str) -> None:
    region = parse_region(_item(**overrides), 0, 480, 640, None)
    assert region.usable and region.x is not None
    assert region.x.unit == "pixel" and not region.x.calibrated
    np.testing.assert_array_equal(region.x.values(np.arange(10, 15)), [0, 1, 2, 3, 4])
    assert re.search(reason, region.notes[0][1])


def test_every_unit_code_has_a_unit_string() -> None:
    assert [u.unit for u in PhysicalUnits] == [
        "",
        "%",
        "dB",
        "cm",
        "s",
        "Hz",
        "dB/s",
        "cm/s",
        "cm2",
        "cm2/s",
        "cm3",
        "cm3/s",
        "deg",
    ]


def test_inverted_box_is_unusable_but_named() -> None:
    region = parse_region(_item(RegionLocationMaxX1=5), 0, 480, 640, "clip.dcm")
    assert not region.usable
    with pytest.raises(echolab.RegionError, match=r"clip.dcm: region 0 .*\(0018,601C\) Region Location Max X1 = 5"):
        region.check_usable("clip.dcm")


def test_box_outside_the_image_is_unusable_and_overhang_is_clipped() -> None:
    outside = parse_region(_item(RegionLocationMinX0=700, RegionLocationMaxX1=800), 0, 480, 640, None)
    assert not outside.usable and "wholly outside" in outside.problems[0]
    overhang = parse_region(_item(RegionLocationMaxY1=500), 0, 480, 640, None)
    assert overhang.usable and overhang.clipped_box == (10, 20, 109, 479)
    assert overhang.notes[0][0] is RegionNote.CLIPPED


def test_missing_and_malformed_elements_make_only_that_region_unusable() -> None:
    missing = parse_region(_item(RegionLocationMaxY1=None), 0, 480, 640, None)
    assert not missing.usable and "(0018,601E) Region Location Max Y1 is missing" in missing.problems[0]
    bad = _item()
    bad.PhysicalDeltaX = [0.1, 0.2]
    region = parse_region(bad, 0, 480, 640, None)
    assert not region.usable and "has 2 values" in region.problems[0]


def test_other_regions_still_work_when_one_is_unusable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ..make import write_file

    path = write_file(tmp_path / "two.dcm", regions=[_item(), _item(RegionLocationMaxX1=1)])
    f = echolab.open(path)
    assert f.region(0).sizes == {"time": 1, "y": 200, "x": 100}
    with pytest.raises(echolab.RegionError):
        f.region(1)


def test_region_flags_are_decoded() -> None:
    region = parse_region(_item(RegionFlags=0b10111), 0, 480, 640, None)
    assert region.flags.priority.name == "LOW"
    assert region.flags.scaling_protection
    assert region.flags.doppler_scale_type.name == "FREQUENCY"
    assert region.flags.scrolling.label == "sweeping"


@pytest.mark.parametrize(
    ("spatial_format", "data_type", "kind"),
    [
        (1, 1, RegionKind.TWO_D),
        (1, 2, RegionKind.COLOR_FLOW),
        (2, 1, RegionKind.M_MODE),
        (3, 3, RegionKind.SPECTRAL_DOPPLER),
        (3, 4, RegionKind.SPECTRAL_DOPPLER),
        (4, 10, RegionKind.TRACE),
        (4, 7, RegionKind.TRACE),
        (0, 13, RegionKind.GREY_BAR),
        (0, 14, RegionKind.COLOUR_BAR),
        (5, 1, RegionKind.GRAPHICS),
        (0, 0, RegionKind.OTHER),
    ],
)
def test_region_kind_combines_format_and_type(spatial_format: int, data_type: int, kind: RegionKind) -> None:
    region = parse_region(_item(RegionSpatialFormat=spatial_format, RegionDataType=data_type), 0, 480, 640, None)
    assert region.kind is kind


def test_frequency_scale_doppler_is_a_frequency_shift() -> None:
    item = _item(
        RegionSpatialFormat=3, RegionDataType=4, RegionFlags=0b100, PhysicalUnitsYDirection=5, PhysicalDeltaY=-50.0
    )
    region = parse_region(item, 0, 480, 640, None)
    assert region.y is not None and region.y.unit == "Hz" and region.y.long_name == "Doppler frequency shift"
    assert not region.notes


def test_doppler_scale_flag_contradicting_the_units_is_noted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    item = _item(RegionSpatialFormat=3, RegionDataType=3, RegionFlags=0b100, PhysicalUnitsYDirection=7)
    region = parse_region(item, 0, 480, 640, None)
    assert region.y is not None and region.y.unit == "cm/s"
    assert [kind for kind, _ in region.notes] == [RegionNote.CALIBRATION]
    assert "bit 2 says frequency" in region.notes[0][1]
    path = write_file(tmp_path / "flag.dcm", regions=[item])
    with pytest.warns(echolab.CalibrationWarning, match="follows the units"):
        echolab.open(path).region(0)


#: What each kind's axes must be when calibrated: (x units, y units) allowed.
_KIND_AXES = {
    RegionKind.TWO_D: ({"cm"}, {"cm"}),
    RegionKind.COLOR_FLOW: ({"cm"}, {"cm"}),
    RegionKind.M_MODE: ({"s"}, {"cm"}),
    RegionKind.SPECTRAL_DOPPLER: ({"s"}, {"cm/s", "Hz"}),
    RegionKind.TRACE: ({"s"}, {"pixel", "cm", "cm3", "cm2", "cm3/s", "cm2/s", "%", "dB"}),
}


@pytest.mark.parametrize("spec", all_file_params())
def test_every_region_of_every_real_file_has_the_axes_of_its_kind(spec: tuple[str, str]) -> None:
    f = _open_quiet(resolve(spec))
    for region in f.regions:
        if not region.usable:
            continue
        assert region.x is not None and region.y is not None
        expected = _KIND_AXES.get(region.kind)
        if expected is not None:  # bars, graphics, "none": pixel axes or whatever the file says
            assert region.x.unit in expected[0] | {"pixel"}, (region.index, region.x.unit)
            assert region.y.unit in expected[1] | {"pixel"}, (region.index, region.y.unit)
        if spec[1] in UNDECODABLE:
            continue  # region() raises MissingDecoderError by design; the calibration is checked above
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", echolab.EcholabWarning)
            da = f.region(region.index)
        assert da.attrs["region_kind"] == region.kind.value
        assert da.attrs["long_name"].endswith("pixel value")
        assert (da.x.attrs["units"], da.y.attrs["units"]) == (region.x.unit, region.y.unit)
        if region.kind is RegionKind.SPECTRAL_DOPPLER:
            assert da.y.attrs["long_name"] in ("Doppler velocity", "Doppler frequency shift")
            assert da.attrs["doppler_positive_direction"] in ("up", "down")
        if region.kind.is_strip and region.x.unit == "s":
            assert np.all(np.diff(da.x.values) > 0), "strip time runs left to right"


def test_toshiba_doppler_baseline_row_and_sign_to_the_letter_of_the_header() -> None:
    f = _open_quiet(shared_file("godicom__I_000038.dcm"), calibration="header")
    assert f.find_regions(spatial_format=SpatialFormat.SPECTRAL) == [2]
    da = f.region(2)
    baseline = da.y.swap_dims(y="row").sel(row=221 + 131).item()
    assert baseline == 0.0
    # this vendor writes a positive Delta Y: by the standard's formula velocity grows downwards;
    # calibration="header" keeps that letter (the default follows the screen: test_corrections)
    assert da.attrs["doppler_positive_direction"] == "down"
    assert float(da.y[0]) == pytest.approx(-131 * 0.178696, rel=1e-5)
    assert float(da.y[-1]) == pytest.approx((484 - 352) * 0.178696, rel=1e-5)
    assert "positive below the baseline" in f.region_table()[2]["y axis"]
    # time 0 at Reference Pixel X0 = 640, i.e. column 663 (the right edge)
    assert float(da.x[-1]) == 0.0 and float(da.x[0]) == pytest.approx(-640 / 240, rel=1e-4)


@pytest.mark.parametrize(
    ("name", "span"), [("godicom__I_000034.dcm", 14.0), ("dcmjs__undefined-length-test.dcm", 12.97)]
)
def test_mmode_regions_span_time_and_depth(name: str, span: float) -> None:
    da = _open_quiet(shared_file(name)).region(1)
    assert da.attrs["region_kind"] == "M-mode"
    assert float(da.y[0]) == 0.0 and float(da.y[-1]) == pytest.approx(span, abs=0.01)
    assert (da.x.attrs["units"], da.y.attrs["units"]) == ("s", "cm")


def test_ge_mmode_time_uses_the_nonzero_reference_value() -> None:
    da = _open_quiet(shared_file("dcmjs__undefined-length-test.dcm")).region(1)
    # Reference Pixel X0 = 864 (column 914) holds 0.658963 s
    assert float(da.x[-1]) == pytest.approx(0.658963 - 0.00347251, rel=1e-6)
    assert float(da.x[0]) == pytest.approx(0.658963 - 864 * 0.00347251, rel=1e-6)


@pytest.mark.parametrize("vr", ["OB", "UT", "LO"])
def test_regions_stored_with_another_vr_are_an_invalid_header_error(tmp_path, vr: str) -> None:  # type: ignore[no-untyped-def]
    """(0018,6011) written with VR OB, UT or LO instead of SQ raised TypeError."""
    from ..hostile import regions_with_vr

    path = regions_with_vr(tmp_path / f"{vr}.dcm", vr)
    with pytest.raises(echolab.InvalidHeaderError) as caught:
        echolab.open(path)
    assert caught.value.source == path
    assert caught.value.reason.startswith(
        f"(0018,6011) Sequence of Ultrasound Regions is stored with VR {vr} "
    ) and caught.value.reason.endswith("it must be a sequence (VR SQ) of items")


@pytest.mark.parametrize(
    ("builder", "reason"),
    [
        ("huge_delta", "gives values beyond the floating-point range over the region"),
        ("absurd_reference_pixel", "(0018,6020) Reference Pixel X0 = 4294967295 lies farther from the region"),
    ],
)
def test_an_axis_with_infinite_or_absurd_values_is_uncalibrated(tmp_path, builder: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    """Deltas of 1e308 gave ±inf coordinates, a Reference Pixel of 4294967295 gave -42,949,672 cm,
    both without a warning; such an axis falls back to pixels, with the reason."""
    from .. import hostile

    path = getattr(hostile, builder)(tmp_path / "odd.dcm")
    f = echolab.open(path)
    with pytest.warns(echolab.UncalibratedAxisWarning, match=re.escape(reason)):
        da = f.region(0)
    assert da.x.attrs["units"] == "pixel" and np.all(np.isfinite(da.x.values)) and da.x.values[0] == 0
    assert da.y.attrs["units"] == "cm"
    x_axis, _ = axes_from_attrs(da.attrs)
    assert not x_axis.calibrated  # the attrs say the same after a round trip
