"""Clips on a physical grid and a true time base (echolab.clips.resample), on a cine whose answers are known:
a dot moving at a known speed, frames at uneven times, R waves at known times."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from scipy import ndimage

import echolab
from echolab import clips
from echolab.codes import BeatSource

from ..cines import APEX, COLUMNS, DX, DY, ROWS, Cine, dot_position, make_cine
from .conftest import FPS, SIZE, SPACING, _with


def dot_centroids(clip: xr.DataArray) -> np.ndarray:
    """(x, y) cm of the dot in every frame of a clip: the brightness-weighted centre (above the
    scan area's median) of a window around the brightest smoothed spot."""
    values = clip.isel(channel=0).values.astype(np.float64)
    x, y = clip["x"].values, clip["y"].values
    found = []
    for frame in values:
        background = np.median(frame[frame > 0])
        k, j = np.unravel_index(np.argmax(ndimage.gaussian_filter(frame, 2.0)), frame.shape)
        window = (slice(max(k - 9, 0), k + 10), slice(max(j - 9, 0), j + 10))
        weight = frame[window] - background
        rows, columns = np.mgrid[window]
        found.append(
            [
                np.interp((weight * columns).sum() / weight.sum(), np.arange(x.size), x),
                np.interp((weight * rows).sum() / weight.sum(), np.arange(y.size), y),
            ]
        )
    return np.array(found)


def test_the_dot_sits_where_speed_times_time_puts_it_in_every_frame(cine: Cine) -> None:
    clip = clips.clip(echolab.open(cine.dataset), 0, spacing=SPACING, size=SIZE, fps=FPS)
    assert clip.dims == ("time", "y", "x", "channel")
    assert clip.sizes["channel"] == 1 and clip.attrs["channels"] == "grey"  # R=G=B: one channel
    # the grid: isotropic, in the region's own cm; frames at 1/fps over the true duration, never past it
    assert np.allclose(np.diff(clip.x), SPACING) and np.allclose(np.diff(clip.y), SPACING)
    assert np.allclose(np.diff(clip.time), 1 / FPS)
    assert clip.time[-1] <= cine.times[-1] < clip.time[-1] + 1 / FPS
    error = np.abs(dot_centroids(clip) - dot_position(clip.time.values))
    assert error.max() <= 1.5 * SPACING, f"dot off by {error.max() / SPACING:.2f} grid pixels"


def test_the_field_of_view_hangs_from_the_probe_face_on_the_centre_line(cine: Cine) -> None:
    f = echolab.open(cine.dataset)
    sector = f.sector(0)
    clip = clips.clip(f, 0, spacing=SPACING, size=SIZE, fps=FPS, sector=sector)
    x0, top, x1, _ = clip.attrs["field_of_view_cm"]
    assert top == pytest.approx((sector.probe_face_row - APEX[0]) * DY)  # the grid's top edge on the probe face
    assert (x0 + x1) / 2 == pytest.approx((sector.centre_column - APEX[1]) * DX)  # centred on the centre line
    # and the geometry found them where the cine has them: the apex (depth 0, lateral 0) of a phased array
    assert abs(top) <= 0.3 and abs((x0 + x1) / 2) <= SPACING
    assert clip.isel(time=0, y=0, x=0).item() == 0  # the corner lies outside the sector: masked
    assert clip.attrs["mask"] == "scan-area" and clip.attrs["geometry_kind"] == "sector"


def test_the_dot_test_fails_with_a_constant_frame_rate_or_square_pixels(cine: Cine) -> None:
    """The same pixels read with a constant frame rate (the mean one), or with the aspect ignored,
    put the dot many grid pixels away: the test above checks the physics, not just the code."""
    mean_ms = 1000 * cine.times[-1] / (len(cine.times) - 1)
    constant = _with(cine, FrameTimeVector=None, FrameIncrementPointer=None, FrameTime=mean_ms)
    square = _with(cine, region_PhysicalDeltaX=DY)
    for wrong in (constant, square):
        clip = clips.clip(echolab.open(wrong), 0, spacing=SPACING, size=SIZE, fps=FPS)
        error = np.abs(dot_centroids(clip) - dot_position(clip.time.values))
        assert error.max() > 5 * SPACING


def test_a_file_without_timing_is_refused_never_given_a_rate(cine: Cine) -> None:
    untimed = _with(cine, FrameTimeVector=None, FrameIncrementPointer=None)
    with pytest.raises(clips.ClipError, match="never assumes a frame rate"):
        clips.clip(echolab.open(untimed), 0, spacing=SPACING, size=SIZE, fps=FPS)


def test_time_base_helpers_never_extrapolate() -> None:
    times = np.array([0.0, 0.02, 0.04, 0.095])
    assert np.allclose(clips.fps_times(times, 20), [0.0, 0.05])
    lower, weight = clips.frame_weights(times, [0.0, 0.03, 0.06, 0.095])
    assert lower.tolist() == [0, 1, 2, 2] and np.allclose(weight, [0, 0.5, 20 / 55, 1])
    with pytest.raises(ValueError, match="never extrapolate"):
        clips.frame_weights(times, [0.1])


def test_a_colour_region_keeps_three_channels() -> None:
    cine = make_cine()
    frames = np.frombuffer(cine.dataset.PixelData, np.uint8).reshape(-1, ROWS, COLUMNS, 3).copy()
    frames[:, 100:140, 180:220, 0] = 250  # a red patch, as colour flow draws one
    cine.dataset.PixelData = frames.tobytes()
    clip = clips.clip(echolab.open(cine.dataset), 0, spacing=0.1, size=64, fps=10)
    assert clip.sizes["channel"] == 3 and list(clip.channel.values) == ["R", "G", "B"]


def test_beats_on_an_ecg_regions_clock_cut_no_clip(cine: Cine) -> None:
    from echolab.analysis.beats import beat_table

    strip_clock = beat_table(np.array([0.1, 0.7, 1.3]), BeatSource.ECG_TRACE.value, "ECG trace region 1")
    with pytest.raises(clips.ClipError, match="not on the frames' clock"):
        clips.beat_clips(echolab.open(cine.dataset), 0, spacing=SPACING, size=SIZE, phases=8, table=strip_clock)


def test_one_clip_per_complete_beat_with_phases_beside_real_times(cine: Cine) -> None:
    phases = 12
    per_beat = clips.beat_clips(echolab.open(cine.dataset), 0, spacing=SPACING, size=SIZE, phases=phases)
    assert len(per_beat) == 2  # the third beat ends after the last frame
    for clip, (start, stop) in zip(per_beat, [(0.12, 0.78), (0.78, 1.39)], strict=True):
        assert clip.sizes["time"] == phases
        assert np.allclose(clip.phase, np.arange(phases) / phases)
        assert np.allclose(clip.time, start + clip.phase * (stop - start))
        assert clip.attrs["beat_start_s"] == pytest.approx(start)
        assert clip.attrs["beat_rr_s"] == pytest.approx(stop - start)
        error = np.abs(dot_centroids(clip) - dot_position(clip.time.values))
        assert error.max() <= 1.5 * SPACING
