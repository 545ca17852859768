"""A region's acquisition settings (echolab.reading.acquisition): real Toshiba items first, then the
retired-element, malformed-value and both-readers cases on crafted items."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
import xarray as xr
from pydicom.dataset import Dataset

import echolab
from echolab.codes import RegionNote
from echolab.conventions import PULSE_REPETITION_FREQUENCY, TM_LINE, TRANSDUCER_FREQUENCY
from echolab.reading.acquisition import Acquisition
from echolab.reading.raw_header import read_raw_header
from echolab.reading.regions import parse_region, parse_regions

from ..conftest import shared_file
from ..make import write_file


def _open_quiet(path: str) -> echolab.EchoFile:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        return echolab.open(path, calibration="header")


def _pw_item(**elements: object) -> Dataset:
    """A PW Doppler item (velocity × time) with the acquisition elements given."""
    item = Dataset()
    item.RegionSpatialFormat, item.RegionDataType, item.RegionFlags = 3, 3, 0
    item.RegionLocationMinX0, item.RegionLocationMinY0 = 10, 200
    item.RegionLocationMaxX1, item.RegionLocationMaxY1 = 600, 460
    item.PhysicalUnitsXDirection, item.PhysicalUnitsYDirection = 4, 7
    item.PhysicalDeltaX, item.PhysicalDeltaY = 0.004, -0.2
    item.ReferencePixelX0, item.ReferencePixelY0 = 590, 130
    for keyword, value in elements.items():
        setattr(item, keyword, value)
    return item


@pytest.mark.parametrize(
    ("name", "steering", "sample_volume", "tm_line"),
    [
        ("godicom__I_000038.dcm", 22.207258, (37, 91), (0, 0, 59, 145)),
        ("godicom__I_000039.dcm", -13.965463, (-16, 66), (0, 0, -38, 152)),
    ],
)
def test_toshiba_pw_items_give_their_settings(
    name: str, steering: float, sample_volume: tuple[int, int], tm_line: tuple[int, int, int, int]
) -> None:
    """Toshiba Xario, PW Doppler item 2: 2 MHz, PRF 1220 Hz, no angle correction; the sample volume
    and TM-line in the retired UL elements, negative displacements as two's complement
    (4294967280 is -16, 4294967258 is -38)."""
    acquisition = _open_quiet(shared_file(name)).regions[2].acquisition
    assert acquisition.transducer_frequency_khz == 2000
    assert acquisition.pulse_repetition_frequency_hz == 1220
    assert acquisition.doppler_correction_angle_degrees == 0.0
    assert acquisition.steering_angle_degrees == pytest.approx(steering, abs=1e-6)
    assert acquisition.sample_volume_pixels == sample_volume
    assert acquisition.tm_line_pixels == tm_line
    assert acquisition.transducer_type is None


@pytest.mark.parametrize("name", ["godicom__I_000038.dcm", "godicom__I_000039.dcm"])
def test_the_tm_line_runs_along_the_steering_angle_through_the_sample_volume(name: str) -> None:
    """The positions are displacements from the 2D region's reference pixel (the apex): the line's
    angle from straight down is (0018,6036) Steering Angle within 0.5°, and the sample volume lies on
    the line within one pixel. Read unsigned, I_000039's line would point 90° away."""
    acquisition = _open_quiet(shared_file(name)).regions[2].acquisition
    assert acquisition.tm_line_pixels is not None and acquisition.sample_volume_pixels is not None
    assert acquisition.steering_angle_degrees is not None
    x0, y0, x1, y1 = acquisition.tm_line_pixels
    assert math.degrees(math.atan2(x1 - x0, y1 - y0)) == pytest.approx(acquisition.steering_angle_degrees, abs=0.5)
    sx, sy = acquisition.sample_volume_pixels
    distance = abs((x1 - x0) * (sy - y0) - (y1 - y0) * (sx - x0)) / math.hypot(x1 - x0, y1 - y0)
    assert distance <= 1.0


def test_colour_flow_and_tissue_items_carry_what_they_carry() -> None:
    regions = _open_quiet(shared_file("godicom__I_000038.dcm")).regions
    assert regions[0].acquisition == Acquisition(transducer_frequency_khz=2222)
    assert regions[1].acquisition == Acquisition(transducer_frequency_khz=1428, pulse_repetition_frequency_hz=1399)


def test_the_signed_elements_win_over_the_retired_ones() -> None:
    item = _pw_item(
        DopplerSampleVolumeXPosition=-5,
        DopplerSampleVolumeYPosition=40,
        DopplerSampleVolumeXPositionRetired=7,
        DopplerSampleVolumeYPositionRetired=8,
        TMLinePositionX0=0,
        TMLinePositionY0=0,
        TMLinePositionX1=-20,
        TMLinePositionY1=100,
    )
    acquisition = parse_region(item, 0, 480, 640, None).acquisition
    assert acquisition.sample_volume_pixels == (-5, 40)
    assert acquisition.tm_line_pixels == (0, 0, -20, 100)


def test_a_partial_position_is_left_out_and_absent_settings_are_none() -> None:
    acquisition = parse_region(_pw_item(DopplerSampleVolumeXPosition=3, TMLinePositionX0=1), 0, 480, 640, None)
    assert acquisition.acquisition == Acquisition()
    assert acquisition.acquisition.is_empty


def test_a_malformed_setting_is_noted_and_the_region_stays_usable() -> None:
    item = _pw_item(TransducerFrequency=2500, SteeringAngle=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns of the value multiplicity too
        item.PulseRepetitionFrequency = [1000, 2000]  # two values where one is expected
    region = parse_region(item, 0, 480, 640, "strip.dcm")
    assert region.usable
    assert region.acquisition.pulse_repetition_frequency_hz is None
    assert region.acquisition.transducer_frequency_khz == 2500 and region.acquisition.steering_angle_degrees == 10.0
    assert [kind for kind, _ in region.notes] == [RegionNote.CALIBRATION]
    assert "(0018,6032) Pulse Repetition Frequency" in region.notes[0][1] and "ignored" in region.notes[0][1]


def test_both_readers_give_the_same_settings(tmp_path: Path) -> None:
    """The reader that reads without pydicom converts the new elements as pydicom does (retired UL
    values above 2**31 included)."""
    item = _pw_item(
        TransducerFrequency=3500,
        TransducerType="SECTOR_PHASED",
        PulseRepetitionFrequency=4400,
        DopplerCorrectionAngle=58.5,
        SteeringAngle=-12.25,
        DopplerSampleVolumeXPositionRetired=2**32 - 21,
        DopplerSampleVolumeYPositionRetired=120,
        TMLinePositionX0Retired=0,
        TMLinePositionY0Retired=0,
        TMLinePositionX1Retired=2**32 - 30,
        TMLinePositionY1Retired=160,
    )
    path = write_file(tmp_path / "pw.dcm", regions=[item])
    raw = read_raw_header(path)
    assert raw is not None
    fast = parse_regions(raw.dataset, 480, 640, path)[0].acquisition
    slow = parse_regions(pydicom.dcmread(path, stop_before_pixels=True), 480, 640, path)[0].acquisition
    assert fast == slow == Acquisition(3500, "SECTOR_PHASED", 4400, 58.5, -12.25, (-21, 120), (0, 0, -30, 160))


def test_the_settings_are_attrs_and_come_back_from_them(tmp_path: Path) -> None:
    item = _pw_item(TransducerFrequency=2000, PulseRepetitionFrequency=5000, TMLinePositionX0=0, TMLinePositionY0=0)
    item.TMLinePositionX1, item.TMLinePositionY1 = -30, 140
    strip = echolab.open(write_file(tmp_path / "pw.dcm", regions=[item])).region(0)
    assert strip.attrs[TRANSDUCER_FREQUENCY] == 2000 and strip.attrs[PULSE_REPETITION_FREQUENCY] == 5000
    np.testing.assert_array_equal(strip.attrs[TM_LINE], [0, 0, -30, 140])
    strip.isel(time=0).to_netcdf(tmp_path / "strip.nc")
    with xr.open_dataarray(tmp_path / "strip.nc") as back:
        assert Acquisition.from_attrs(back.attrs) == Acquisition(
            transducer_frequency_khz=2000, pulse_repetition_frequency_hz=5000, tm_line_pixels=(0, 0, -30, 140)
        )
