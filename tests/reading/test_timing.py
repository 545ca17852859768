"""Frame timing: the Frame Increment Pointer, precedence, disagreement warnings, no invented rate."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from pydicom.dataset import Dataset
from pydicom.tag import Tag

import echolab
from echolab.codes import TimingSource
from echolab.reading.timing import frame_timing

from ..conftest import SHARED, package_file, shared_params


def _ds(**elements: object) -> Dataset:
    ds = Dataset()
    for key, value in elements.items():
        setattr(ds, key, value)
    return ds


def test_frame_increment_pointer_to_frame_time_vector() -> None:
    ds = _ds(FrameIncrementPointer=Tag("FrameTimeVector"), FrameTimeVector=[0, 40, 40, 20], FrameTime=33.3)
    timing = frame_timing(ds, 4, None)
    np.testing.assert_allclose(timing.times, [0.0, 0.04, 0.08, 0.10])
    assert timing.source == "(0018,1065) Frame Time Vector"


def test_pointer_with_several_tags_including_a_private_one() -> None:
    ds = _ds(FrameIncrementPointer=[Tag(0x0019, 0x1010), Tag("FrameTime")], FrameTime=50.0, FrameTimeVector=[0, 10, 10])
    timing = frame_timing(ds, 3, None)
    np.testing.assert_allclose(timing.times, [0.0, 0.05, 0.10])
    assert timing.source == TimingSource.FRAME_TIME


def test_precise_frame_time_wins_over_rounded_cine_rate() -> None:
    ds = _ds(CineRate=18, FrameTime=54.241)
    timing = frame_timing(ds, 10, None)
    assert timing.source == TimingSource.FRAME_TIME and not timing.notes
    assert timing.frame_rate == pytest.approx(18.436, abs=1e-3)


def test_cine_rate_disagreeing_by_more_than_one_frame_per_second_is_noted() -> None:
    timing = frame_timing(_ds(CineRate=25, FrameTime=33.333), 5, None)
    assert timing.source == TimingSource.FRAME_TIME
    assert "(0018,0040) Cine Rate = 25" in timing.notes[0]


def test_fallbacks_cine_rate_then_recommended_display_rate() -> None:
    assert frame_timing(_ds(CineRate=20), 3, None).times.tolist() == [0.0, 0.05, 0.1]
    timing = frame_timing(_ds(RecommendedDisplayFrameRate=10), 3, None)
    assert timing.source == TimingSource.RECOMMENDED_DISPLAY_FRAME_RATE
    np.testing.assert_allclose(timing.times, [0.0, 0.1, 0.2])


def test_no_timing_means_frame_indices_never_30_fps() -> None:
    timing = frame_timing(_ds(), 4, None)
    assert not timing.has_timing and timing.source == "none"
    assert timing.times.tolist() == [0, 1, 2, 3] and timing.frame_rate is None


@pytest.mark.parametrize(
    ("elements", "note"),
    [
        ({"FrameTimeVector": [0, 10]}, "has 2 values but there are 4 frames"),
        ({"FrameTime": 0}, "is not positive"),
        ({"FrameTime": -5.0}, "is not positive"),
        ({"FrameTimeVector": [0, -1, 5, 5]}, "negative increments"),
    ],
)
def test_unusable_timing_values_are_skipped_with_a_note(elements: dict[str, object], note: str) -> None:
    timing = frame_timing(_ds(**elements), 4, None)
    assert timing.source == "none" and note in timing.notes[0]


def test_frame_time_vector_one_short_is_taken_as_increments() -> None:
    timing = frame_timing(_ds(FrameTimeVector=[10, 10, 10]), 4, None)
    np.testing.assert_allclose(timing.times, [0.0, 0.01, 0.02, 0.03])


def test_untimed_file_time_axis_does_not_claim_seconds() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        da = echolab.open(package_file("OBXXXX1A_2frame.dcm")).region(0)
    assert da.time.attrs["units"] == "frame" and da.time.values.tolist() == [0.0, 1.0]
    assert da.attrs["timing_source"] == "none"


def test_sonosite_cine_uses_frame_time() -> None:
    f = echolab.open(package_file("color3d_jpeg_baseline.dcm"))
    assert f.cine_rate is None and f.number_of_frames == 120
    assert f.timing_source == "(0018,1063) Frame Time"
    np.testing.assert_allclose(np.diff(f.frame_times), 0.033333, rtol=1e-4)


@pytest.mark.parametrize("row", shared_params())
def test_real_files_timing_is_monotonic_and_from_the_named_source(row: dict[str, str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        f = echolab.open(SHARED / row["filename"])
    assert len(f.frame_times) == f.number_of_frames == int(row["frames"])
    assert np.all(np.diff(f.frame_times) > 0)
    pointer = row["frame_increment_pointer"]
    if pointer == "(0018,1065)":
        assert f.timing_source == TimingSource.FRAME_TIME_VECTOR
    elif pointer == "(0018,1063)" and row["frame_time"]:
        assert f.timing_source == TimingSource.FRAME_TIME
        np.testing.assert_allclose(np.diff(f.frame_times), float(row["frame_time"]) / 1000, rtol=1e-6)
    if row["cine_rate"]:
        assert f.cine_rate == float(row["cine_rate"])
    heart_rate = float(row["heart_rate"]) if row["heart_rate"] else 0
    assert f.heart_rate == (heart_rate if heart_rate > 0 else None)


def test_r_wave_time_vector_is_read_with_the_frame_timing(tmp_path: Path) -> None:
    """(0018,6060) in ms from the first frame becomes seconds on the frames' clock, read with the
    header (the beat table above it parses nothing); an unreadable one is a TimingWarning at open."""

    from echolab.analysis.beats import beats

    from ..make import make_dataset, write_file

    path = write_file(tmp_path / "r.dcm", frames=4, FrameTime=40.0, RWaveTimeVector=[800.0, 0.0, 400.0, 400.0])
    f = echolab.open(path)
    np.testing.assert_allclose(f.timing.r_waves, [0.0, 0.4, 0.8])  # sorted, repeats once
    assert list(beats(f)["start"]) == pytest.approx([0.0, 0.4])
    ds = make_dataset(frames=4, FrameTime=40.0)
    ds.add_new(0x00186060, "OB", b"abc")  # 3 bytes: not one 4-byte float
    bad = tmp_path / "bad.dcm"
    ds.save_as(bad, enforce_file_format=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = echolab.open(bad)
    assert g.timing.r_waves is None and beats(g).empty
    assert any(isinstance(w.message, echolab.TimingWarning) and "(0018,6060)" in str(w.message) for w in caught)
