"""Spectral Doppler envelopes: round trip on generated strips, plausibility on real Toshiba strips; the
Nyquist velocity from known answers and a real strip's scale."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from pydicom.dataset import Dataset

import echolab
from echolab import doppler
from echolab.samples.synthetic import DopplerTruth

from ..conftest import shared_file
from ..make import write_file


@pytest.fixture(params=["doppler_sample", "doppler_sample_positive_down"])
def generated(request: pytest.FixtureRequest) -> tuple[echolab.EchoFile, DopplerTruth]:
    path, truth = request.getfixturevalue(request.param)
    return echolab.open(path), truth


def test_envelope_recovers_the_drawn_velocities(generated: tuple[echolab.EchoFile, DopplerTruth]) -> None:
    f, truth = generated
    env = doppler.envelope(f.region(truth.doppler_region))
    assert env.dims == ("direction", "x") and env.attrs["units"] == "cm/s"
    np.testing.assert_allclose(env.x.values, truth.time, atol=1e-9)
    pixel = truth.velocity_per_pixel
    for direction, expected in (("positive", truth.positive), ("negative", truth.negative)):
        error = np.abs(env.sel(direction=direction).values - expected)
        assert np.median(error) <= pixel, direction
        assert np.percentile(error, 95) <= 3 * pixel, direction
    assert np.all(env.sel(direction="positive") >= 0) and np.all(env.sel(direction="negative") <= 0)


def test_peak_and_mean_velocity_over_a_window(generated: tuple[echolab.EchoFile, DopplerTruth]) -> None:
    f, truth = generated
    env = doppler.envelope(f.region(truth.doppler_region))
    tolerance = 3 * truth.velocity_per_pixel
    e_wave = doppler.peak_velocity(env, "positive")  # E is the tallest positive wave
    assert e_wave.value == pytest.approx(truth.e_peak, abs=tolerance) and e_wave.units == "cm/s"
    ejection = doppler.peak_velocity(env, "negative")
    assert ejection.value == pytest.approx(truth.ejection_peak, abs=tolerance)
    # the A wave alone: the window between the E peak and the next R peak
    next_r = truth.r_peaks[truth.r_peaks > e_wave.where["x"]][0]
    a_wave = doppler.peak_velocity(env, "positive", start=e_wave.where["x"] + 0.15, stop=next_r)
    assert a_wave.value == pytest.approx(truth.a_peak, abs=tolerance)
    # mean over one whole beat, against the truth averaged the same way
    first, second = truth.r_peaks[:2]
    inside = (truth.time >= first) & (truth.time <= second)
    mean = doppler.mean_velocity(env, "positive", start=first, stop=second)
    assert mean.value == pytest.approx(truth.positive[inside].mean(), abs=truth.velocity_per_pixel)
    vti = doppler.velocity_time_integral(env, "negative", start=first, stop=second)
    expected = np.abs(truth.negative[inside]).sum() / 240
    assert vti.units == "cm" and vti.value == pytest.approx(expected, rel=0.05)


def test_window_outside_the_strip_is_refused(doppler_sample: tuple[str, DopplerTruth]) -> None:
    env = doppler.envelope(echolab.open(doppler_sample[0]).region(1))
    with pytest.raises(echolab.MeasurementError, match="holds no column"):
        doppler.peak_velocity(env, start=1.0, stop=2.0)
    with pytest.raises(echolab.MeasurementError, match="'positive' or 'negative'"):
        doppler.peak_velocity(env, "up")  # type: ignore[arg-type]


def test_envelope_needs_a_spectral_region(doppler_sample: tuple[str, DopplerTruth]) -> None:
    f = echolab.open(doppler_sample[0])
    with pytest.raises(echolab.MeasurementError, match="needs a spectral Doppler region"):
        doppler.envelope(f.region(0))


def test_real_toshiba_strip_envelope_is_plausible() -> None:
    """godicom I_000038: PW Doppler with the ECG and a label line drawn inside the strip."""
    strip = echolab.open(shared_file("godicom__I_000038.dcm")).region(2)
    env = doppler.envelope(strip)
    positive, negative = env.sel(direction="positive"), env.sel(direction="negative")
    # flow on both sides of the baseline, within the scale burned into the image (±20 cm/s marks)
    assert (positive > 2).mean() > 0.2 and (negative < -2).mean() > 0.2
    assert 8 < doppler.peak_velocity(env, "positive").value < 16
    assert -16 < doppler.peak_velocity(env, "negative").value < -8
    # neither the green ECG (about +19 cm/s) nor the white label line at the top (about -22 cm/s) counts
    assert float(np.abs(env).max()) < 16


# --- the Nyquist velocity ------------------------------------------------------------------------


def test_nyquist_velocity_known_answers() -> None:
    """v = c · PRF / (4 · f0 · cos θ): 1540 m/s × 1220 Hz / (4 × 2 MHz) = 0.23485 m/s; at 60° the
    cosine halves and the limit doubles; a quarter of the PRF halves it again."""
    straight = doppler.nyquist_velocity(pulse_repetition_frequency_hz=1220, transducer_frequency_khz=2000)
    assert (straight.units, straight.long_name) == ("cm/s", "Nyquist velocity")
    assert straight.value == pytest.approx(23.485, abs=1e-9)
    assert doppler.nyquist_velocity(
        pulse_repetition_frequency_hz=1220, transducer_frequency_khz=2000, angle_degrees=60
    ).value == pytest.approx(46.97, abs=1e-9)
    assert doppler.nyquist_velocity(
        pulse_repetition_frequency_hz=5000, transducer_frequency_khz=2500, speed_of_sound=1500
    ).value == pytest.approx(75.0, abs=1e-9)
    assert straight.where == {
        "pulse_repetition_frequency_hz": 1220.0,
        "transducer_frequency_khz": 2000.0,
        "angle_degrees": 0.0,
        "speed_of_sound_m_per_s": 1540.0,
    }


def test_the_toshiba_scale_spans_plus_and_minus_the_nyquist_velocity() -> None:
    """godicom I_000038, PW item: PRF 1220 Hz, 2000 kHz, correction angle 0. The scanner drew its
    velocity scale from -Nyquist to +Nyquist: the strip's rows above and below the baseline reach
    23.41 and 23.59 cm/s, and the Nyquist velocity from the item, 23.485 cm/s, lies within one row
    (0.179 cm/s) of both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        strip = echolab.open(shared_file("godicom__I_000038.dcm")).region(2)
    nyquist = doppler.nyquist_velocity(strip)
    row = abs(float(strip.echo.y.delta))
    assert nyquist.value == pytest.approx(float(strip.y.max()), abs=row)
    assert nyquist.value == pytest.approx(-float(strip.y.min()), abs=row)
    assert nyquist.where["pulse_repetition_frequency_hz"] == 1220 and nyquist.where["transducer_frequency_khz"] == 2000


def test_nyquist_velocity_refusals(doppler_sample: tuple[str, DopplerTruth]) -> None:
    strip = echolab.open(doppler_sample[0]).region(1)  # the generated strip's item has no PRF
    with pytest.raises(echolab.MeasurementError, match=r"region 1 gives no \(0018,6032\) Pulse Repetition Frequency"):
        doppler.nyquist_velocity(strip)
    given = doppler.nyquist_velocity(strip, pulse_repetition_frequency_hz=4000, transducer_frequency_khz=2500)
    assert given.value == pytest.approx(61.6)
    with pytest.raises(echolab.MeasurementError, match="no velocity along the flow"):
        doppler.nyquist_velocity(pulse_repetition_frequency_hz=4000, transducer_frequency_khz=2500, angle_degrees=90)
    with pytest.raises(echolab.MeasurementError, match="not a positive frequency"):
        doppler.nyquist_velocity(pulse_repetition_frequency_hz=0, transducer_frequency_khz=2500)


def test_cw_doppler_has_no_nyquist_limit(tmp_path: Path) -> None:
    item = Dataset()
    item.RegionSpatialFormat, item.RegionDataType, item.RegionFlags = 3, 4, 0  # CW spectral Doppler
    item.RegionLocationMinX0, item.RegionLocationMinY0 = 0, 0
    item.RegionLocationMaxX1, item.RegionLocationMaxY1 = 99, 99
    item.PhysicalUnitsXDirection, item.PhysicalUnitsYDirection = 4, 7
    item.PhysicalDeltaX, item.PhysicalDeltaY = 0.01, -2.0
    item.ReferencePixelX0, item.ReferencePixelY0 = 99, 50
    item.TransducerFrequency, item.PulseRepetitionFrequency = 2000, 4000
    strip = echolab.open(write_file(tmp_path / "cw.dcm", rows=100, columns=100, regions=[item])).region(0)
    with pytest.raises(echolab.MeasurementError, match="continuous-wave Doppler .* no Nyquist limit"):
        doppler.nyquist_velocity(strip)
