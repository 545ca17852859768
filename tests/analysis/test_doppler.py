"""Spectral Doppler envelopes: round trip on generated strips, plausibility on real Toshiba strips."""

from __future__ import annotations

import numpy as np
import pytest

import echolab
from echolab import doppler
from echolab.samples.synthetic import DopplerTruth

from ..conftest import shared_file


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
