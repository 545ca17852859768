"""A region's calibration reached one way (echolab.calibration): the ``echo`` accessor reads a region
DataArray's attrs once, agrees with the Region it came from, and follows attrs that are replaced."""

from __future__ import annotations

import pickle
import warnings
from dataclasses import replace
from pathlib import Path

import pytest
import xarray as xr

import echolab
from echolab import doppler, measure
from echolab.calibration import RegionCalibration, region_calibration
from echolab.conventions import PHYSICAL_DELTA, axis_key

from .conftest import shared_file


@pytest.fixture(scope="module")
def doppler_file(doppler_sample: tuple[str, object]) -> echolab.EchoFile:
    return echolab.open(doppler_sample[0])


def test_the_attrs_are_read_once_per_array(doppler_file: echolab.EchoFile, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    parse = RegionCalibration.from_attrs

    def counted(attrs, source=None):  # type: ignore[no-untyped-def]
        reads.append(1)
        return parse(attrs, source)

    monkeypatch.setattr(RegionCalibration, "from_attrs", staticmethod(counted))
    strip = doppler_file.region(1)
    for row in range(250, 260):
        measure.velocity_at(strip, row)
    measure.time_between(strip, 100, 340, pixels=True)
    assert strip.echo.calibration is region_calibration(strip)
    assert len(reads) == 1
    part = strip.isel(x=slice(10, 200))  # a new array: read once more, with the same values
    assert region_calibration(part) == region_calibration(strip)
    measure.velocity_at(part, 255)
    assert len(reads) == 2


def test_a_replaced_calibration_attr_is_read_again(doppler_file: echolab.EchoFile) -> None:
    strip = doppler_file.region(1)
    before = measure.velocity_at(strip, 352 - 25).value  # 25 rows above the baseline: 20 cm/s
    assert before == pytest.approx(20.0)
    delta = axis_key(PHYSICAL_DELTA, "y")
    strip.attrs[delta] = 2 * strip.attrs[delta]
    assert measure.velocity_at(strip, 352 - 25).value == pytest.approx(40.0)


def test_the_accessor_gives_the_regions_own_calibration(doppler_file: echolab.EchoFile) -> None:
    for region in doppler_file.regions:
        if not region.usable:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", echolab.EcholabWarning)
            array = doppler_file.region(region.index)
        from_array = array.echo.calibration
        from_region = RegionCalibration.from_region(region)
        # the same axes (the attrs keep the values, not the words of why an axis is uncalibrated)
        for read, own in ((array.echo.x, region.x), (array.echo.y, region.y)):
            assert own is not None and replace(read, uncalibrated_reason=None) == replace(own, uncalibrated_reason=None)
            assert read.calibrated == own.calibrated
        echo = array.echo
        assert (echo.kind, echo.index, echo.acquisition) == (region.kind, region.index, region.acquisition)
        assert from_array.box == from_region.box and from_array.data_type_code == region.data_type_code
        assert from_array.source == doppler_file.source and from_array.sop_instance_uid == doppler_file.sop_instance_uid
        assert array.echo.is_region


def test_an_array_without_a_region_says_so(doppler_file: echolab.EchoFile) -> None:
    image = doppler_file.image()
    assert not image.echo.is_region
    with pytest.raises(echolab.MeasurementError, match="no region calibration"):
        image.echo.calibration  # noqa: B018 - the property raises
    calibration = region_calibration(doppler_file.regions[0])
    assert region_calibration(calibration) is calibration  # a calibration is its own


def test_the_calibration_survives_pickling_and_netcdf(tmp_path: Path) -> None:
    """The Toshiba PW strip (header calibration: positive Delta Y) with its acquisition settings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        strip = echolab.open(shared_file("godicom__I_000038.dcm"), calibration="header").region(2)
    original = strip.echo.calibration
    pickled = pickle.loads(pickle.dumps(strip.isel(time=0)))
    assert pickled.echo.calibration == original
    strip.isel(time=0).to_netcdf(tmp_path / "strip.nc")
    with xr.open_dataarray(tmp_path / "strip.nc") as back:
        restored = back.echo.calibration
        assert (restored.x, restored.y, restored.box) == (original.x, original.y, original.box)
        assert restored.kind is original.kind
        assert restored.acquisition == original.acquisition
        assert doppler.nyquist_velocity(back).value == pytest.approx(doppler.nyquist_velocity(strip).value)
