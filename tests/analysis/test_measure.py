"""Calibrated measurements: units, physical vs pixel inputs, refusals with clear errors."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

import echolab
from echolab import measure
from echolab.analysis.measure import Measurement

from ..conftest import package_file, shared_file


@pytest.fixture(scope="module")
def doppler_file(doppler_sample: tuple[str, object]) -> echolab.EchoFile:
    return echolab.open(doppler_sample[0])


def test_measurement_carries_its_units() -> None:
    m = Measurement(1.04351, "cm", "distance")
    assert float(m) == 1.04351 and str(m) == "1.044 cm" and f"{m:.2f}" == "1.04 cm"
    assert repr(m) == "<Measurement distance: 1.044 cm>"


def test_distance_in_a_2d_region_physical_and_pixel_inputs_agree(doppler_file: echolab.EchoFile) -> None:
    sector = doppler_file.region(0)
    physical = measure.distance(sector, (0.0, 2.0), (3.0, 6.0))
    assert physical.units == "cm" and float(physical) == pytest.approx(5.0)
    start = measure.pixel_at(sector, 0.0, 2.0)
    end = measure.pixel_at(sector, 3.0, 6.0)
    assert measure.distance(sector, start, end, pixels=True).value == pytest.approx(5.0)
    # whole pixels: (0018,602C) 0.10828 cm per column
    assert measure.distance(sector, (400, 100), (410, 100), pixels=True).value == pytest.approx(1.0828)


def test_the_calibration_survives_slicing_and_pickling(doppler_file: echolab.EchoFile) -> None:
    sector = doppler_file.region(0)
    part = pickle.loads(pickle.dumps(sector.isel(x=slice(100, 200), y=slice(20, 90))))
    assert measure.distance(part, (0.0, 3.0), (0.0, 5.5)).value == pytest.approx(2.5)


def test_value_at_reads_the_formula(doppler_file: echolab.EchoFile) -> None:
    # Doppler region: baseline at row 221 + 131, time 0 at column 23 + 640
    time, velocity = measure.value_at(doppler_file.region(1), 663, 352 - 25)
    assert (time.value, time.units) == (0.0, "s")
    assert velocity.value == pytest.approx(25 * 0.8) and velocity.units == "cm/s"
    assert velocity.long_name == "Doppler velocity"
    assert measure.velocity_at(doppler_file.region(1), 352 + 10).value == pytest.approx(-8.0)


def test_time_between_two_columns(doppler_file: echolab.EchoFile) -> None:
    strip = doppler_file.region(1)
    assert measure.time_between(strip, 100, 340, pixels=True).value == pytest.approx(1.0)
    assert measure.time_between(strip, -2.0, -0.5).value == pytest.approx(1.5)
    assert measure.time_between(strip, -0.5, -2.0).value == pytest.approx(-1.5)


def test_distance_with_mixed_units_is_refused(doppler_file: echolab.EchoFile) -> None:
    with pytest.raises(echolab.MeasurementError, match=r"x is time \[s\] and y is Doppler velocity \[cm/s\]"):
        measure.distance(doppler_file.region(1), (-1.0, 0.0), (-0.5, 20.0))


def test_points_outside_the_region_are_refused(doppler_file: echolab.EchoFile) -> None:
    with pytest.raises(echolab.MeasurementError, match=r"column .* lies outside the region \(columns 318\.\.586"):
        measure.distance(doppler_file.region(0), (0.0, 2.0), (20.0, 2.0))
    with pytest.raises(echolab.MeasurementError, match="outside"):
        measure.value_at(doppler_file.region(1), 700, 300)  # the burned-in scale, not the strip


def test_wrong_axis_kinds_are_refused(doppler_file: echolab.EchoFile) -> None:
    with pytest.raises(echolab.MeasurementError, match=r"not a velocity"):
        measure.velocity_at(doppler_file.region(0), 100)
    with pytest.raises(echolab.MeasurementError, match=r"not time \[s\]"):
        measure.time_between(doppler_file.region(0), 0.0, 1.0)
    with pytest.raises(echolab.MeasurementError, match=r"not depth"):
        measure.depth_at(doppler_file.region(1), 300)
    with pytest.raises(echolab.MeasurementError, match="no region calibration"):
        measure.distance(doppler_file.image(), (0, 0), (1, 1))
    with pytest.raises(echolab.MeasurementError, match="not list"):
        measure.distance([1, 2], (0, 0), (1, 1))  # type: ignore[arg-type]


def test_uncalibrated_axis_is_refused(doppler_file: echolab.EchoFile) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.UncalibratedAxisWarning)
        ecg = doppler_file.region(2)
    with pytest.raises(echolab.MeasurementError, match="y axis is uncalibrated"):
        measure.distance(ecg, (-1.0, 1), (-0.5, 3))
    time, row_offset = measure.value_at(ecg, 663, 500)
    assert time.units == "s" and (row_offset.value, row_offset.units) == (8.0, "pixel")


def test_region_objects_work_like_dataarrays(doppler_file: echolab.EchoFile) -> None:
    region = doppler_file.regions[0]
    assert measure.distance(region, (0.0, 2.0), (3.0, 6.0)).value == pytest.approx(5.0)


def test_philips_sector_reproduces_the_scanners_own_caliper() -> None:
    """OBXXXX1A shows the scanner's caliper, "Dist 1.06 cm", between two white crosses."""
    f = echolab.open(package_file("OBXXXX1A.dcm"))
    grey = f.image()[0].values.mean(axis=-1)

    def cross_centre(rows: slice, columns: slice) -> tuple[int, int]:
        white = grey[rows, columns] > 200
        return columns.start + int(np.argmax(white.sum(axis=0))), rows.start + int(np.argmax(white.sum(axis=1)))

    first, second = cross_centre(slice(283, 299), slice(452, 468)), cross_centre(slice(295, 311), slice(492, 508))
    assert (first, second) == ((459, 290), (498, 301))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.RegionClippedWarning)
        sector = f.region(0)
    assert measure.distance(sector, first, second, pixels=True).value == pytest.approx(1.06, abs=0.005)


def test_real_toshiba_doppler_velocity_follows_its_positive_delta_y_with_header_calibration() -> None:
    strip = echolab.open(shared_file("godicom__I_000038.dcm"), calibration="header").region(2)
    assert measure.velocity_at(strip, 352).value == 0.0
    assert measure.velocity_at(strip, 300).value == pytest.approx(-52 * 0.178696, rel=1e-5)
    np.testing.assert_allclose(measure.time_between(strip, 23, 663, pixels=True).value, 640 / 240, rtol=1e-5)
