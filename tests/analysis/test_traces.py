"""ECG traces: the drawn curve as a signal, R peaks and heart rate, generated and real."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import echolab
from echolab import traces
from echolab.samples.synthetic import DopplerTruth, MModeTruth

from ..conftest import shared_file


def _region(path: str, index: int):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        return echolab.open(path).region(index)


@pytest.mark.parametrize("where", ["ecg_region", "doppler_region"])
def test_r_peaks_and_heart_rate_of_the_generated_ecg(doppler_sample: tuple[str, DopplerTruth], where: str) -> None:
    path, truth = doppler_sample
    region = _region(path, getattr(truth, where))
    signal = traces.trace_signal(region, position="top")
    assert signal.dims == ("x",) and signal.attrs["units"] == "pixel"
    np.testing.assert_allclose(traces.r_peaks(signal), truth.r_peaks, atol=2 / 240)
    rate = traces.heart_rate(region)
    assert rate.units == "1/min" and rate.value == pytest.approx(truth.heart_rate, rel=0.02)


def test_ecg_drawn_over_an_mmode_strip(mmode_sample: tuple[str, MModeTruth]) -> None:
    path, truth = mmode_sample
    rate = traces.heart_rate(_region(path, truth.mmode_region))
    assert rate.value == pytest.approx(truth.heart_rate, rel=0.02)
    assert rate.where["beats"] == len(truth.r_peaks)


def test_ecg_signal_is_the_curve_height_above_the_reference_row(doppler_sample: tuple[str, DopplerTruth]) -> None:
    path, truth = doppler_sample
    signal = traces.trace_signal(_region(path, truth.ecg_region))
    assert signal.attrs["long_name"] == "ECG trace height above the reference row"
    # the generator draws the isoelectric line at the reference row, 2 pixels thick
    assert np.nanmedian(signal.values) == pytest.approx(-0.5, abs=1.0)
    assert np.isfinite(signal.values).all()


def test_heart_rate_needs_a_time_axis(doppler_sample: tuple[str, DopplerTruth]) -> None:
    with pytest.raises(echolab.MeasurementError, match="needs a time axis"):
        traces.heart_rate(_region(doppler_sample[0], 0))


#: Real files whose drawn ECG shows at least two beats, with (0018,1088) Heart Rate when present.
REAL_ECGS = [
    ("godicom__I_000001.dcm", 1),
    ("godicom__I_000002.dcm", 1),
    ("godicom__I_000004.dcm", 1),
    ("godicom__I_000006.dcm", 1),
    ("godicom__I_000038.dcm", 2),
    ("godicom__I_000039.dcm", 2),
    ("dcmjs__undefined-length-test.dcm", 1),
]


@pytest.mark.parametrize(("name", "index"), REAL_ECGS)
def test_real_ecg_heart_rate_agrees_with_the_header(name: str, index: int) -> None:
    path = shared_file(name)
    rate = traces.heart_rate(_region(path, index))
    header = echolab.open(path).heart_rate
    expected = header if header is not None else 66.0  # the GE screen prints "66 HR"
    assert rate.value == pytest.approx(expected, rel=0.12)


@pytest.mark.parametrize("name", ["cs3d__no-pixel-spacing.dcm", "pylibjpeg-data__JPEGLosslessP14SV1_3s_2f_u_08_08.dcm"])
def test_flat_real_ecg_has_no_heart_rate(name: str) -> None:
    """A flat line (no electrodes) with tick marks and labels must not give a heart rate."""
    with pytest.raises(echolab.MeasurementError, match=r"R peak\(s\)"):
        traces.heart_rate(_region(shared_file(name), 1))


def test_empty_trace_region_is_reported() -> None:
    from ..conftest import package_file

    with pytest.raises(echolab.MeasurementError, match="the trace is empty"):
        traces.heart_rate(_region(package_file("OBXXXX1A.dcm"), 1))
