"""Clips for learning: the physics of the grid and the time base, beats, export, dataset, command.

The generator below is the tests' own: an in-memory DICOM cine of a bright dot moving at a known
velocity (cm/s) through speckle in a sector, with an irregular (0018,1065) Frame Time Vector,
non-square pixels (Physical Delta X ≠ Delta Y) and an (0018,6060) R Wave Time Vector. The dot's
position in every exported frame is compared with speed × time; the same cine with the frame
times or the aspect read wrongly must fail that comparison (the test is sensitive to both).
"""

from __future__ import annotations

import copy
import json
import pickle
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom.uid as uids
import pytest
import xarray as xr
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from scipy import ndimage

import echolab
from echolab import clips
from echolab.codes import BeatSource
from echolab.conventions import BEAT_TIME_BASE

warnings.filterwarnings("ignore", category=echolab.EcholabWarning)

# --- the test's own cine ------------------------------------------------------------------------

DX, DY = 0.03, 0.05  # cm per pixel: non-square on purpose
ROWS, COLUMNS = 300, 400
BOX = (20, 10, 379, 289)  # x0, y0, x1, y1
APEX = (14, 200)  # image (row, column): depth 0 and lateral 0
START = np.array([-1.5, 3.0])  # dot at t = 0: (x, y) cm
VELOCITY = np.array([2.0, 3.0])  # cm/s
DOT_SIGMA = 0.08  # cm
#: irregular frame increments (ms): 20 frames 20 ms apart, then 20 frames 55 ms apart
INCREMENTS = [0.0] + [20.0] * 20 + [55.0] * 19
R_WAVES_MS = [120.0, 780.0, 1390.0, 1500.0]  # the last beat ends after the last frame (1.445 s)


@dataclass(frozen=True)
class Cine:
    dataset: Dataset
    times: np.ndarray  # s, the true frame times


def dot_position(t: np.ndarray | float) -> np.ndarray:
    """(x, y) cm of the dot at time(s) ``t`` s."""
    return START + np.multiply.outer(np.asarray(t, dtype=np.float64), VELOCITY)


def make_cine(*, rgb: bool = True, r_waves: list[float] | None = R_WAVES_MS, seed: int = 1) -> Cine:
    """A 2D sector cine with a moving dot (see the module docstring); RGB with R=G=B by default."""
    rng = np.random.default_rng(seed)
    times = np.cumsum(INCREMENTS) / 1000.0
    x0, y0, x1, y1 = BOX
    rows, columns = np.mgrid[0:ROWS, 0:COLUMNS]
    x_cm = (columns - APEX[1]) * DX
    y_cm = (rows - APEX[0]) * DY
    radius, angle = np.hypot(x_cm, y_cm), np.degrees(np.arctan2(x_cm, y_cm))
    inside = (radius <= 12.5) & (np.abs(angle) <= 40) & (rows >= y0) & (rows <= y1) & (columns >= x0) & (columns <= x1)
    frames = np.zeros((len(times), ROWS, COLUMNS), dtype=np.uint8)
    for i, t in enumerate(times):
        speckle = rng.gamma(4.0, 10.0, size=(ROWS, COLUMNS))  # changes from frame to frame, mean 40
        x, y = dot_position(t)
        dot = 200.0 * np.exp(-((x_cm - x) ** 2 + (y_cm - y) ** 2) / (2 * DOT_SIGMA**2))
        frames[i] = np.clip((speckle + dot) * inside, 0, 255).astype(np.uint8)

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = uids.UltrasoundMultiFrameImageStorage
    meta.MediaStorageSOPInstanceUID = uids.generate_uid(entropy_srcs=[f"echolab clips test {seed} {rgb}"])
    meta.TransferSyntaxUID = uids.ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "US"
    ds.Manufacturer = "echolab tests"
    ds.PatientName = "Secret^Patient"
    ds.PatientID = "ID-12345"
    ds.InstitutionName = "Hospital of Secrets"
    ds.NumberOfFrames = len(times)
    ds.FrameIncrementPointer = 0x00181065
    ds.FrameTimeVector = [f"{v:g}" for v in INCREMENTS]
    if r_waves is not None:
        ds.RWaveTimeVector = r_waves
    ds.Rows, ds.Columns = ROWS, COLUMNS
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    if rgb:
        ds.SamplesPerPixel = 3
        ds.PhotometricInterpretation = "RGB"
        ds.PlanarConfiguration = 0
        ds.PixelData = np.repeat(frames[..., None], 3, axis=-1).tobytes()
    else:
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.PixelData = frames.tobytes()
    item = Dataset()
    item.RegionSpatialFormat = 1
    item.RegionDataType = 1
    item.RegionFlags = 0
    item.RegionLocationMinX0, item.RegionLocationMinY0, item.RegionLocationMaxX1, item.RegionLocationMaxY1 = BOX
    item.PhysicalUnitsXDirection = item.PhysicalUnitsYDirection = 3
    item.PhysicalDeltaX, item.PhysicalDeltaY = DX, DY
    item.ReferencePixelX0, item.ReferencePixelY0 = APEX[1] - x0, APEX[0] - y0
    item.ReferencePixelPhysicalValueX = item.ReferencePixelPhysicalValueY = 0.0
    ds.SequenceOfUltrasoundRegions = Sequence([item])
    return Cine(ds, times)


@pytest.fixture(scope="module")
def cine() -> Cine:
    return make_cine()


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


SPACING, SIZE, FPS = 0.04, 200, 25.0

# --- the physics --------------------------------------------------------------------------------


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


def _with(cine: Cine, **elements: object) -> Dataset:
    ds = copy.deepcopy(cine.dataset)
    for keyword, value in elements.items():
        if keyword.startswith("region_"):
            setattr(ds.SequenceOfUltrasoundRegions[0], keyword.removeprefix("region_"), value)
        elif value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    return ds


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


# --- beats --------------------------------------------------------------------------------------


def test_beats_from_the_r_wave_time_vector_start_where_it_says(cine: Cine) -> None:
    f = echolab.open(cine.dataset)
    beats = f.beats()
    assert list(beats.columns) == ["start", "stop", "rr", "heart_rate", "source"]
    assert np.allclose(beats["start"], np.array(R_WAVES_MS[:-1]) / 1000)
    assert np.allclose(beats["stop"], np.array(R_WAVES_MS[1:]) / 1000)
    assert np.allclose(beats["heart_rate"], 60 / np.diff(R_WAVES_MS) * 1000)
    assert set(beats["source"]) == {BeatSource.R_WAVE_TIME_VECTOR.value}
    assert beats.attrs[BEAT_TIME_BASE] == "frames"


def test_no_r_waves_and_no_ecg_give_an_empty_table(cine: Cine) -> None:
    beats = echolab.open(make_cine(r_waves=None).dataset).beats()
    assert len(beats) == 0 and list(beats.columns) == ["start", "stop", "rr", "heart_rate", "source"]


def test_beats_from_a_drawn_ecg_are_on_its_own_clock() -> None:
    from echolab.data import sample

    beats = echolab.open(sample("synthetic-doppler.dcm")).beats()
    truth = echolab.data.sample_truth("synthetic-doppler.dcm").r_peaks
    assert np.allclose(beats["start"], truth[:-1], atol=0.02)
    assert beats.attrs[BEAT_TIME_BASE] == "ECG trace region 2"


def test_beats_on_an_ecg_regions_clock_cut_no_clip(cine: Cine) -> None:
    from echolab.beats import beat_table

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


# --- export, dataset, command line ---------------------------------------------------------------


@pytest.fixture(scope="module")
def cine_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cines") / "cine.dcm"
    make_cine().dataset.save_as(path, enforce_file_format=True)
    return str(path)


def _no_identifier_in(attrs: dict, uid: str) -> None:
    text = json.dumps({key: str(value) for key, value in attrs.items()})
    for secret in (uid, "Secret", "ID-12345", "Hospital", "cine.dcm"):
        assert secret not in text


def test_export_writes_one_named_group_per_clip_resumably_without_identifiers(cine_file: str, tmp_path: Path) -> None:
    out = tmp_path / "clips.zarr"
    uid = str(echolab.open(cine_file).sop_instance_uid)
    first = clips.export([cine_file], out, spacing=0.1, size=64, fps=FPS, workers=0, salt="pepper", progress=False)
    name = clips.clip_name(uid, 0, salt="pepper")
    assert [r.status for r in first] == ["exported"] and first[0].clips == (name,)
    assert name != clips.clip_name(uid, 0, salt="salt") and uid not in name
    again = clips.export([cine_file], out, spacing=0.1, size=64, fps=FPS, workers=0, salt="pepper", progress=False)
    assert again[0].status == "skipped" and again[0].existing == (name,)  # resumed: nothing redone
    assert not (tmp_path / "clips.zarr.partial").exists()
    stored = xr.open_dataset(out, group=name, engine="zarr", consolidated=False)
    assert stored["clip"].dims == ("time", "y", "x", "channel") and stored["clip"].dtype == np.uint8
    assert stored["clip"].encoding["chunks"][0] == 16  # chunked along time
    assert stored.time.attrs["units"] == "s" and stored.x.attrs["units"] == "cm"
    for key in ("spacing_cm", "fps", "timing_source", "geometry_kind", "geometry_apex", "history"):
        assert key in stored.attrs
    assert "(0018,1065) Frame Time Vector" in stored.attrs["timing_source"]
    assert "echolab.clips.export" in stored.attrs["history"] and len(stored.attrs["history"].splitlines()) == 2
    _no_identifier_in(stored.attrs, uid)
    with pytest.raises(clips.ClipError, match="one grid per output"):
        clips.export([cine_file], out, spacing=0.2, size=64, fps=FPS, workers=0, progress=False)


def test_export_per_beat_and_the_dataset(cine_file: str, tmp_path: Path) -> None:
    out = tmp_path / "beats.zarr"
    results = clips.export([cine_file], out, spacing=0.1, size=64, phases=10, workers=0, salt="pepper", progress=False)
    assert len(results[0].clips) == 2 and results[0].clips[0].endswith("_r0_b0")
    key = results[0].clips[0].split("_r")[0]
    dataset = clips.ClipDataset(out, labels={key: 1.0})
    assert len(dataset) == 2
    item = dataset[1]
    assert item["clip"].shape == (1, 10, 64, 64) and item["clip"].dtype == np.uint8
    assert np.allclose(item["phase"], np.arange(10) / 10) and item["time"][0] == pytest.approx(0.78)
    assert item["label"] == 1.0 and item["spacing"] == 0.1
    assert dataset.attrs(1)["beat_start_s"] == pytest.approx(0.78)
    dataset[0]  # opens the store
    copy_ = pickle.loads(pickle.dumps(dataset))  # picklable after use (for worker processes)
    assert np.array_equal(copy_[0]["clip"], dataset[0]["clip"])


def test_mp4_clips_are_lossless_with_a_sidecar(cine_file: str, tmp_path: Path) -> None:
    pytest.importorskip("av")
    zarr_out, mp4_out = tmp_path / "clips.zarr", tmp_path / "clips-mp4"
    for out, fmt in ((zarr_out, "zarr"), (mp4_out, "mp4")):
        clips.export([cine_file], out, spacing=0.1, size=64, fps=FPS, format=fmt, workers=0, progress=False)
    (name,) = clips.ClipDataset(zarr_out).names
    sidecar = json.loads((mp4_out / f"{name}.json").read_text())
    assert sidecar["attrs"]["spacing_cm"] == 0.1 and sidecar["shape"][-1] == 1
    assert np.allclose(np.diff(sidecar["coords"]["time"]["values"]), 1 / FPS)
    assert np.array_equal(clips.ClipDataset(mp4_out)[0]["clip"], clips.ClipDataset(zarr_out)[0]["clip"])


def test_a_pytorch_dataloader_batches_the_clips(cine_file: str, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    out = tmp_path / "beats.zarr"
    clips.export([cine_file], out, spacing=0.1, size=32, phases=8, workers=0, progress=False)
    loader = torch.utils.data.DataLoader(clips.ClipDataset(out), batch_size=2, num_workers=1)
    (batch,) = list(loader)
    assert tuple(batch["clip"].shape) == (2, 1, 8, 32, 32) and batch["clip"].dtype == torch.uint8
    assert batch["time"].shape == (2, 8) and len(batch["name"]) == 2


def test_the_command_exports_reports_and_fails_on_an_untimed_file(cine_file: str, tmp_path: Path, capsys) -> None:
    from echolab.cli import main

    untimed = tmp_path / "untimed.dcm"
    _with(make_cine(seed=2), FrameTimeVector=None, FrameIncrementPointer=None).save_as(
        untimed, enforce_file_format=True
    )
    out = tmp_path / "out"
    status = main(["clips", cine_file, str(untimed), str(out), "--spacing", "0.1", "--size", "48", "--fps", "20",
                   "--workers", "1", "--salt", "pepper"])  # fmt: skip
    captured = capsys.readouterr()
    assert status == 1
    assert "failed: " in captured.err and "never assumes a frame rate" in captured.err
    summary = f"1 clip written from 2 file(s), 0 already in {out}, 0 file(s) without clips, 1 failed"
    assert captured.out.strip().endswith(summary)


def test_the_command_refuses_bad_usage(cine_file: str, tmp_path: Path, capsys) -> None:
    from echolab.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(
            ["clips", cine_file, str(tmp_path / "o"), "--spacing", "0.1", "--size", "48"]
        )  # neither --fps nor --phases
    assert exit_.value.code == 2
    assert main(["clips", cine_file, str(tmp_path / "o"), "--spacing", "0.1", "--size", "48", "--fps", "20",
                 "--kinds", "m-mode"]) == 2  # fmt: skip
    assert "valid kinds are 2d, colour-flow" in capsys.readouterr().err
