"""The sample generator: layout like the real files, deterministic, safe to share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

import echolab
from echolab import checks, measure
from echolab.codes import Rule, TimingSource
from echolab.samples.synthetic.screens import (
    SCALE_COLOUR,
    write_doppler_sample,
    write_mmode_sample,
    write_timing_sample,
)

from ...conftest import shared_file


def _layout(path: str) -> list[tuple]:
    f = echolab.open(path)
    return [
        (r.spatial_format_code, r.data_type_code, r.box, r.x.reference_pixel, r.y.reference_pixel, r.x.delta)  # type: ignore[union-attr]
        for r in f.regions
    ]


def test_doppler_sample_is_laid_out_like_the_toshiba_file(doppler_sample) -> None:  # type: ignore[no-untyped-def]
    generated = _layout(doppler_sample[0])
    real = _layout(shared_file("godicom__I_000038.dcm"))
    assert generated[0][:5] == real[0][:5]  # the 2D region
    assert generated[1][:5] == real[2][:5] and generated[1][5] == pytest.approx(real[2][5])  # the PW strip
    assert generated[2][:2] == (4, 0xA)  # an ECG waveform region below it
    f = echolab.open(doppler_sample[0])
    assert (f.rows, f.columns, f.photometric_interpretation) == (537, 716, "RGB")


def test_mmode_sample_is_laid_out_like_the_ge_file(mmode_sample) -> None:  # type: ignore[no-untyped-def]
    generated, real = _layout(mmode_sample[0]), _layout(shared_file("dcmjs__undefined-length-test.dcm"))
    assert [g[:5] for g in generated] == [r[:5] for r in real]
    assert [g[5] for g in generated] == pytest.approx([r[5] for r in real])
    strip = echolab.open(mmode_sample[0]).region(1)
    assert strip.attrs["reference_pixel_physical_value_x"] == pytest.approx(0.658963)


def test_the_burned_in_velocity_scale_matches_the_calibration(doppler_sample) -> None:  # type: ignore[no-untyped-def]
    f = echolab.open(doppler_sample[0])
    image = f.image()[0].values
    for velocity in (-80, -40, 40, 80):
        _, row = measure.pixel_at(f.region(1), -1.0, velocity)
        assert tuple(image[round(row), 663 + 3 + 2]) == SCALE_COLOUR, velocity


def test_same_seed_same_file_and_seeds_differ(tmp_path: Path) -> None:
    first = write_doppler_sample(tmp_path / "a.dcm", seed=7)
    write_doppler_sample(tmp_path / "b.dcm", seed=7)
    write_doppler_sample(tmp_path / "c.dcm", seed=8)
    a, b, c = ((tmp_path / n).read_bytes() for n in ("a.dcm", "b.dcm", "c.dcm"))
    assert a == b and a != c
    assert first.heart_rate == 72.0 and len(first.r_peaks) == 3
    assert not list(tmp_path.glob("*.partial"))


def test_generated_files_carry_no_real_identifiers(tmp_path: Path) -> None:
    write_mmode_sample(tmp_path / "m.dcm")
    ds = pydicom.dcmread(tmp_path / "m.dcm")
    assert str(ds.PatientName) == "Synthetic^Sample" and ds.PatientID == "SYNTHETIC"
    for keyword in ("InstitutionName", "PatientBirthDate", "OperatorsName", "AccessionNumber"):
        assert keyword not in ds
    assert ds.SOPClassUID == pydicom.uid.UltrasoundImageStorage and ds.HeartRate == 66


def test_timing_sample_elements_disagree_and_the_vector_is_the_truth(tmp_path: Path) -> None:
    truth = write_timing_sample(tmp_path / "t.dcm")
    ds = pydicom.dcmread(tmp_path / "t.dcm", stop_before_pixels=True)
    assert ds.FrameIncrementPointer == 0x00181065 and len(ds.FrameTimeVector) == ds.NumberOfFrames == 60
    assert (float(ds.FrameTime), int(ds.CineRate), ds.HeartRate) == (33.333, 18, 75)
    f = echolab.open(tmp_path / "t.dcm")
    assert f.timing_source is TimingSource.FRAME_TIME_VECTOR
    np.testing.assert_allclose(f.frame_times, truth.frame_times, atol=1e-9)
    disagreements = [x for x in checks.check_file(tmp_path / "t.dcm") if x.rule is Rule.TIMING_DISAGREEMENT]
    assert len(disagreements) == 3  # vector vs Frame Time, vector vs Cine Rate, Frame Time vs Cine Rate
    assert len(truth.end_systole) == 3 and truth.cavity_area.max() / truth.cavity_area.min() == pytest.approx(
        1 / 0.64, rel=0.02
    )


def test_the_drawn_cavity_beats_at_the_heart_rate_on_the_vector_times(tmp_path: Path) -> None:
    truth = write_timing_sample(tmp_path / "t.dcm")
    loop = echolab.open(tmp_path / "t.dcm").region(truth.region)
    dark = (loop.sel(x=slice(-3, 3), y=slice(2.5, 10.5)) < 20).sum(("x", "y")).values
    smallest = [
        i
        for i in range(1, len(dark) - 1)
        if dark[i] == dark[max(0, i - 5) : i + 6].min() and dark[i] < 0.8 * dark.max()
    ]
    times = loop.time.values[smallest]
    np.testing.assert_allclose(times[[0, -1]], truth.end_systole[[0, -1]], atol=0.045)
