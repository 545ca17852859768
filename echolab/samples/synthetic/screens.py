"""A generator of realistic ultrasound DICOM files with known answers.

Real scanner files cannot ship with echolab, and they come without ground truth. The files
written here are laid out like the real ones in the test suites — a Toshiba Xario 2D + PW
Doppler screen (716 × 537, Doppler baseline at Reference Pixel Y0 = 131, time 0 at the right
edge, an ECG drawn over the strip and in its own waveform region) and a GE Vivid E95 2D + M-mode
screen (1016 × 708, M-mode time with a non-zero Reference Pixel Physical Value X) — and draw a
synthetic but physiological signal whose values are returned alongside: the true velocity
envelope, wall depths, R-peak times and heart rate. A third writer makes a short 2D cine whose
timing elements disagree, as a real Philips Affiniti's do (Cine Rate 18 /s against a Frame Time
of 54.241 ms), with the frame times it was really drawn at. Tests check echolab against those answers;
notebooks and Binder use the files as sample data.

Everything is drawn from a seeded random generator, so a given ``seed`` gives the same picture.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom.uid as uids
from PIL import Image, ImageDraw
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

from ...codes import DataType, PhysicalUnits, SpatialFormat

__all__ = [
    "DopplerTruth",
    "MModeTruth",
    "TimingTruth",
    "write_doppler_sample",
    "write_mmode_sample",
    "write_timing_sample",
    "ecg_waveform",
]

GREEN = (40, 230, 60)
CYAN = (40, 200, 210)
SCALE_COLOUR = (200, 200, 200)


@dataclass(frozen=True)
class DopplerTruth:
    """What :func:`write_doppler_sample` drew in the PW Doppler region.

    Attributes
    ----------
    time
        Strip time (s) of each region column, left to right.
    positive, negative
        True peak velocity envelope (cm/s) per column above zero and below zero (0 without flow).
    e_peak, a_peak, ejection_peak
        Peak velocities (cm/s) of the E and A waves (positive, towards the probe) and of the
        systolic ejection (negative).
    r_peaks
        Strip times (s) of the ECG R peaks.
    heart_rate
        Beats per minute; also written to (0018,1088) Heart Rate.
    velocity_per_pixel
        The magnitude of (0018,602E) Physical Delta Y of the Doppler region (cm/s per row).
    doppler_region, ecg_region
        Indices of the spectral and the ECG regions in (0018,6011).
    """

    time: np.ndarray
    positive: np.ndarray
    negative: np.ndarray
    e_peak: float
    a_peak: float
    ejection_peak: float
    r_peaks: np.ndarray
    heart_rate: float
    velocity_per_pixel: float
    doppler_region: int = 1
    ecg_region: int = 2


@dataclass(frozen=True)
class MModeTruth:
    """What :func:`write_mmode_sample` drew in the M-mode region (all depths in cm).

    Attributes
    ----------
    time
        Strip time (s) of each region column.
    septum_top, septum_bottom, wall_top, wall_bottom
        Depth of the interventricular septum and of the left-ventricular posterior wall per column.
    r_peaks, heart_rate
        ECG R peak strip times (s) and beats per minute.
    depth_per_pixel
        Physical Delta Y of the M-mode region (cm per row).
    mmode_region
        Index of the M-mode region in (0018,6011).
    """

    time: np.ndarray
    septum_top: np.ndarray
    septum_bottom: np.ndarray
    wall_top: np.ndarray
    wall_bottom: np.ndarray
    r_peaks: np.ndarray
    heart_rate: float
    depth_per_pixel: float
    mmode_region: int = 1


@dataclass(frozen=True)
class TimingTruth:
    """What :func:`write_timing_sample` drew, and the timing elements it wrote.

    Attributes
    ----------
    frame_times
        Seconds from the first frame at which each frame was drawn: the running sum of the
        (0018,1065) Frame Time Vector, the element (0028,0009) Frame Increment Pointer names.
    frame_time_vector
        (0018,1065) Frame Time Vector as written, in ms (0 for the first frame).
    frame_time
        (0018,1063) Frame Time as written, in ms: a nominal value the vector does not follow.
    cine_rate
        (0018,0040) Cine Rate as written, frames per second: a playback speed, not the acquisition's.
    heart_rate
        Beats per minute of the drawn contraction; also written to (0018,1088) Heart Rate.
    end_systole
        Times (s, on ``frame_times``) of the smallest cavity inside the loop.
    cavity_area
        Area (cm²) of the drawn left-ventricular cavity in each frame.
    region
        Index of the 2D region in (0018,6011).
    """

    frame_times: np.ndarray
    frame_time_vector: np.ndarray
    frame_time: float
    cine_rate: float
    heart_rate: float
    end_systole: np.ndarray
    cavity_area: np.ndarray
    region: int = 0


# --- the physiology ---------------------------------------------------------------------------


def _beat_phase(time: np.ndarray, r_peaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seconds since the last R peak and the R-R interval it belongs to, per time."""
    index = np.clip(np.searchsorted(r_peaks, time, side="right") - 1, 0, len(r_peaks) - 2)
    return time - r_peaks[index], r_peaks[index + 1] - r_peaks[index]


def _r_peak_times(start: float, stop: float, heart_rate: float, first: float) -> np.ndarray:
    period = 60.0 / heart_rate
    count = math.ceil((stop - first) / period) + 2
    before = math.ceil((first - start) / period) + 1
    return first + period * np.arange(-before, count)


def ecg_waveform(time: np.ndarray, r_peaks: np.ndarray) -> np.ndarray:
    """A lead-II-like ECG (arbitrary units, R = 1) with P, QRS and T waves around each R peak."""
    since, period = _beat_phase(time, r_peaks)
    until_next = period - since

    def wave(centre: np.ndarray, width: float, height: float) -> np.ndarray:
        return height * np.exp(-0.5 * (centre / width) ** 2)

    signal: np.ndarray = (
        wave(since, 0.011, 1.0)
        + wave(until_next, 0.011, 1.0)
        + wave(since - 0.025, 0.008, -0.22)
        + wave(until_next + 0.025, 0.008, -0.15)
        + wave(since - 0.28, 0.045, 0.28)
        + wave(until_next - 0.16, 0.025, 0.12)
    )
    return signal


def _wave(
    since: np.ndarray, start: np.ndarray | float, duration: np.ndarray | float, peak: float, skew: float = 1.0
) -> np.ndarray:
    """A velocity wave rising from 0 at ``start`` to ``peak`` and back over ``duration`` (s)."""
    u = (since - start) / duration
    inside = (u > 0) & (u < 1)
    shape = np.where(inside, np.sin(np.pi * np.clip(u, 0, 1) ** skew), 0.0)
    return peak * shape


def doppler_envelopes(
    time: np.ndarray, r_peaks: np.ndarray, e_peak: float, a_peak: float, ejection_peak: float
) -> tuple[np.ndarray, np.ndarray]:
    """True positive (mitral inflow: E and A waves) and negative (systolic ejection) envelopes, cm/s."""
    since, period = _beat_phase(time, r_peaks)
    ejection = _wave(since, 0.06 * period, 0.36 * period, ejection_peak, skew=0.8)
    e_wave = _wave(since, 0.48 * period, 0.22 * period, e_peak)
    a_wave = _wave(since, 0.80 * period, 0.15 * period, a_peak)
    return np.maximum(e_wave, a_wave), -ejection


def _contraction(time: np.ndarray, r_peaks: np.ndarray) -> np.ndarray:
    """0 at end-diastole, 1 at end-systole (about 0.3 R-R after the R peak)."""
    since, period = _beat_phase(time, r_peaks)
    s = since / period
    return np.where(s < 0.6, np.sin(np.pi * s / 0.6) ** 2, 0.0)


# --- drawing ----------------------------------------------------------------------------------


def _blank(rows: int, columns: int) -> np.ndarray:
    return np.zeros((rows, columns, 3), dtype=np.uint8)


def _draw_sector(
    image: np.ndarray,
    rng: np.random.Generator,
    box: tuple[int, int, int, int],
    apex: tuple[int, int],
    cm_per_pixel: float,
    depth: float,
    line_angle: float | None,
    heart_scale: float = 1.0,
) -> None:
    """A speckled 2D sector (±37°, ``depth`` cm) with a ring-shaped heart, and an optional scan line.

    ``heart_scale`` shrinks the heart about its centre (1 at end-diastole): the cavity, inside
    0.85 of the ring, is an ellipse of semi-axes 2.55 and 3.4 cm times ``heart_scale``.
    """
    x0, y0, x1, y1 = box
    rows, cols = np.mgrid[y0 : y1 + 1, x0 : x1 + 1]
    dx, dy = (cols - apex[0]) * cm_per_pixel, (rows - apex[1]) * cm_per_pixel
    radius, angle = np.hypot(dx, dy), np.degrees(np.arctan2(dx, dy))
    inside = (radius <= depth) & (np.abs(angle) <= 37)
    heart = np.hypot(dx / (3.0 * heart_scale), (dy - 0.55 * depth) / (4.0 * heart_scale))
    tissue = 0.35 + 0.65 * np.exp(-(((heart - 1.0) / 0.18) ** 2)) + 0.15 * (radius < 1.5)
    cavity = heart < 0.85
    level = np.where(cavity, 0.05, tissue) * rng.gamma(3.0, 1 / 3.0, size=radius.shape) * 150
    level = np.clip(level * inside, 0, 255).astype(np.uint8)
    image[y0 : y1 + 1, x0 : x1 + 1] = level[..., None]
    if line_angle is not None:
        direction = np.radians(line_angle)
        for step in range(0, int(depth / cm_per_pixel), 3):
            c = int(round(apex[0] + step * math.sin(direction)))
            r = int(round(apex[1] + step * math.cos(direction)))
            if x0 <= c <= x1 and y0 <= r <= y1:
                image[r, c] = (230, 230, 230)


def _draw_curve(image: np.ndarray, columns: np.ndarray, rows: np.ndarray, colour: tuple[int, int, int]) -> None:
    """A 2-pixel line through (column, row) points, filled vertically between neighbours."""
    rows = np.round(rows).astype(int)
    for i, column in enumerate(columns):
        previous = rows[i - 1] if i else rows[i]
        low, high = sorted((previous, rows[i]))
        image[low : high + 2, column] = colour


def _draw_text(image: np.ndarray, position: tuple[int, int], text: str, colour: tuple[int, int, int]) -> None:
    picture = Image.fromarray(image)
    ImageDraw.Draw(picture).text(position, text, fill=colour)
    image[...] = np.asarray(picture)


def _draw_scale(image: np.ndarray, column: int, rows: np.ndarray, labels: list[str]) -> None:
    """Tick marks and labels burned in beside a region, as scanners draw them."""
    for row, label in zip(rows, labels, strict=True):
        image[int(round(row)), column : column + 5] = SCALE_COLOUR
        _draw_text(image, (column + 7, int(round(row)) - 5), label, SCALE_COLOUR)


# --- DICOM ------------------------------------------------------------------------------------


def _region(
    box: tuple[int, int, int, int],
    spatial_format: SpatialFormat,
    data_type: DataType,
    units: tuple[PhysicalUnits, PhysicalUnits],
    delta: tuple[float, float],
    reference_pixel: tuple[int, int],
    reference_value: tuple[float, float] = (0.0, 0.0),
    flags: int = 0b10,
) -> Dataset:
    item = Dataset()
    item.RegionSpatialFormat = int(spatial_format)
    item.RegionDataType = int(data_type)
    item.RegionFlags = flags
    (
        item.RegionLocationMinX0,
        item.RegionLocationMinY0,
        item.RegionLocationMaxX1,
        item.RegionLocationMaxY1,
    ) = box
    item.PhysicalUnitsXDirection, item.PhysicalUnitsYDirection = (int(u) for u in units)
    item.PhysicalDeltaX, item.PhysicalDeltaY = delta
    item.ReferencePixelX0, item.ReferencePixelY0 = reference_pixel
    item.ReferencePixelPhysicalValueX, item.ReferencePixelPhysicalValueY = reference_value
    return item


def _dataset(
    image: np.ndarray, regions: list[Dataset], *, name: str, seed: int, heart_rate: float, cine: bool = False
) -> Dataset:
    """A US Image Storage data set, Explicit VR Little Endian, with no real identifiers.

    ``image`` is one RGB frame (rows × columns × 3), or with ``cine`` a grey loop (frames × rows ×
    columns, MONOCHROME2, US Multi-frame Image Storage).
    """
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = uids.UltrasoundMultiFrameImageStorage if cine else uids.UltrasoundImageStorage
    meta.MediaStorageSOPInstanceUID = uids.generate_uid(entropy_srcs=[f"echolab synthetic {name} {seed}"])
    meta.TransferSyntaxUID = uids.ExplicitVRLittleEndian
    meta.ImplementationVersionName = "ECHOLAB_SYNTH"
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = uids.generate_uid(entropy_srcs=[f"echolab synthetic study {seed}"])
    ds.SeriesInstanceUID = uids.generate_uid(entropy_srcs=[f"echolab synthetic series {name} {seed}"])
    ds.Modality = "US"
    ds.Manufacturer = "echolab"
    ds.ManufacturerModelName = "synthetic"
    ds.SoftwareVersions = "echolab.synthetic"
    ds.PatientName = "Synthetic^Sample"
    ds.PatientID = "SYNTHETIC"
    ds.StudyDate = ds.ContentDate = "20260101"
    ds.StudyTime = ds.ContentTime = "120000"
    ds.ImageType = ["DERIVED", "SECONDARY"]
    ds.HeartRate = round(heart_rate)
    if cine:
        ds.NumberOfFrames, ds.Rows, ds.Columns = image.shape
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
    else:
        ds.Rows, ds.Columns = image.shape[:2]
        ds.SamplesPerPixel = 3
        ds.PhotometricInterpretation = "RGB"
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.SequenceOfUltrasoundRegions = Sequence(regions)
    ds.PixelData = np.ascontiguousarray(image).tobytes()
    return ds


def _save(ds: Dataset, path: str | os.PathLike[str]) -> str:
    """Write atomically: a reader never sees a half-written file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    ds.save_as(partial, enforce_file_format=True)
    os.replace(partial, target)
    return str(target)


# --- the two sample screens -------------------------------------------------------------------


def write_doppler_sample(
    path: str | os.PathLike[str],
    *,
    seed: int = 0,
    heart_rate: float = 72.0,
    e_peak: float = 80.0,
    a_peak: float = 50.0,
    ejection_peak: float = 90.0,
    velocity_per_pixel: float = 0.8,
    positive_down: bool = False,
    toshiba_sign_quirk: bool = False,
) -> DopplerTruth:
    """Write a 2D + PW spectral Doppler + ECG screen laid out like a Toshiba Xario file.

    Parameters
    ----------
    path
        Where to write the file (its folder is created).
    seed
        Seed of the speckle; the same seed writes the same picture.
    heart_rate
        Beats per minute of the ECG and the flow pattern.
    e_peak, a_peak, ejection_peak
        Peak velocities (cm/s, magnitudes) of mitral E and A waves (towards the probe, positive)
        and systolic ejection (away, negative).
    velocity_per_pixel
        The magnitude of (0018,602E) Physical Delta Y of the spectral region, cm/s per row.
    positive_down
        Draw positive velocities below the baseline and write the positive Delta Y that says so
        (the standard's reading of a positive Delta Y), instead of the usual layout.
    toshiba_sign_quirk
        Write the header as Toshiba / Canon scanners do: (0008,0070) Manufacturer "TOSHIBA_MEC" and
        a positive Delta Y, while the picture draws positive velocities *above* the baseline (the
        ``doppler-sign`` rule of :mod:`echolab.corrections` reads it as the screen shows it).

    Returns
    -------
    DopplerTruth
        The envelopes, peaks, R-peak times and heart rate that were drawn.
    """
    rng = np.random.default_rng(seed)
    image = _blank(537, 716)
    image[:40] = (55, 55, 70)
    _draw_text(image, (300, 14), "echolab synthetic  PW Doppler", (235, 235, 235))
    _draw_sector(image, rng, (318, 47, 586, 204), (452, 47), 0.10828, 16.5, line_angle=4.0)

    box, baseline_offset, time_pixel = (23, 221, 663, 484), 131, 640
    x0, y0, x1, y1 = box
    seconds_per_pixel = 1 / 240
    columns = np.arange(x0, x1 + 1)
    time = (columns - (x0 + time_pixel)) * seconds_per_pixel
    r_peaks = _r_peak_times(time[0], time[-1], heart_rate, first=-2.25)
    positive, negative = doppler_envelopes(time, r_peaks, e_peak, a_peak, ejection_peak)

    delta_y = velocity_per_pixel if positive_down else -velocity_per_pixel
    rows = np.arange(y0, y1 + 1)
    velocity = (rows - (y0 + baseline_offset)) * delta_y
    strip = _spectrum(rng, velocity, positive, negative)
    baseline_row = y0 + baseline_offset
    strip[baseline_row - y0, :] = np.maximum(strip[baseline_row - y0, :], 110)
    image[y0 : y1 + 1, x0 : x1 + 1] = strip[..., None]

    ecg = ecg_waveform(time, r_peaks)
    _draw_curve(image, columns, (y1 - 8) - 14 * ecg, GREEN)  # over the strip, as Toshiba draws it
    ecg_box = (23, 492, 663, 530)
    _draw_curve(image, columns, (ecg_box[1] + 28) - 20 * ecg, GREEN)

    ticks = np.arange(-100, 101, 20)
    tick_rows = baseline_row + ticks / delta_y
    keep = (tick_rows >= y0 + 4) & (tick_rows <= y1 - 4)
    labels = [f"{t:+d}" if t else "cm/s" for t in ticks[keep]]  # the unit at the baseline, as Toshiba does
    _draw_scale(image, x1 + 3, tick_rows[keep], labels)

    regions = [
        _region(
            (318, 47, 586, 204), SpatialFormat.TWO_D, DataType.TISSUE, (PhysicalUnits.CM,) * 2, (0.10828,) * 2, (134, 0)
        ),
        _region(
            box,
            SpatialFormat.SPECTRAL,
            DataType.PW_SPECTRAL_DOPPLER,
            (PhysicalUnits.SECONDS, PhysicalUnits.CM_PER_SECOND),
            (seconds_per_pixel, delta_y),
            (time_pixel, baseline_offset),
        ),
        _region(
            ecg_box,
            SpatialFormat.WAVEFORM,
            DataType.ECG_TRACE,
            (PhysicalUnits.SECONDS, PhysicalUnits.NONE),
            (seconds_per_pixel, 0.0),
            (time_pixel, 28),
        ),
    ]
    ds = _dataset(image, regions, name="doppler", seed=seed, heart_rate=heart_rate)
    if toshiba_sign_quirk:
        if positive_down:
            raise ValueError("toshiba_sign_quirk writes a picture drawn positive up: positive_down must be False")
        ds.Manufacturer = "TOSHIBA_MEC"
        ds.SequenceOfUltrasoundRegions[1].PhysicalDeltaY = abs(delta_y)
    _save(ds, path)
    inside = (r_peaks >= time[0]) & (r_peaks <= time[-1])
    return DopplerTruth(
        time=time,
        positive=positive,
        negative=negative,
        e_peak=e_peak,
        a_peak=a_peak,
        ejection_peak=-ejection_peak,
        r_peaks=r_peaks[inside],
        heart_rate=heart_rate,
        velocity_per_pixel=velocity_per_pixel,
    )


def _spectrum(rng: np.random.Generator, velocity: np.ndarray, positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """Grey spectral strip (rows × columns): power filled from the baseline to each envelope,
    brightest near the envelope (laminar flow), with speckle, a wall filter and background noise."""
    v = velocity[:, None]
    envelope = np.where(v > 0, positive[None, :], negative[None, :])
    inside = (np.abs(v) <= np.abs(envelope)) & (np.abs(envelope) > 0) & (np.abs(v) >= 4.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(inside, np.abs(v) / np.abs(envelope), 0.0)
    power = 70 + 170 * np.exp(-(((fraction - 0.8) / 0.3) ** 2))
    speckle = rng.gamma(6.0, 1 / 6.0, size=inside.shape)
    background = rng.uniform(0, 14, size=inside.shape)
    strip: np.ndarray = np.clip(np.where(inside, power * speckle, background), 0, 255).astype(np.uint8)
    return strip


def write_mmode_sample(path: str | os.PathLike[str], *, seed: int = 0, heart_rate: float = 66.0) -> MModeTruth:
    """Write a 2D + M-mode screen laid out like a GE Vivid E95 file (parasternal long axis, LV level).

    The M-mode region's time axis has a non-zero (0018,6028) Reference Pixel Physical Value X, as
    GE writes it; the septum and posterior wall thicken and move towards each other in systole,
    and a cyan ECG is drawn along the bottom of the strip.
    """
    rng = np.random.default_rng(seed)
    image = _blank(708, 1016)
    _draw_text(image, (20, 10), "echolab synthetic  M-mode", (235, 235, 235))
    _draw_sector(image, rng, (383, 3, 631, 205), (508, 3), 0.0641096, 12.9, line_angle=-3.0)

    box, reference = (50, 213, 913, 668), (864, 0)
    x0, y0, x1, y1 = box
    seconds_per_pixel, cm_per_pixel, time_origin = 0.00347251, 0.0284954, 0.658963
    columns = np.arange(x0, x1 + 1)
    time = time_origin + (columns - (x0 + reference[0])) * seconds_per_pixel
    r_peaks = _r_peak_times(time[0], time[-1], heart_rate, first=-1.7)
    c = _contraction(time, r_peaks)
    septum_top = 3.2 + 0.4 * c
    septum_bottom = septum_top + 0.9 + 0.35 * c
    wall_top = 9.1 - 1.1 * c
    wall_bottom = wall_top + 0.9 + 0.5 * c

    depth = (np.arange(y0, y1 + 1) - (y0 + reference[1])) * cm_per_pixel
    d = depth[:, None]
    level = np.full((len(depth), len(columns)), 8.0)  # blood: nearly black
    level = np.where(d < 0.25, 220.0, level)
    level = np.where((d >= 0.25) & (d < 1.8), 90.0, level)
    level = np.where((d >= 1.8) & (d < 2.3), 170.0, level)
    level = np.where((d >= septum_top) & (d <= septum_bottom), 175.0, level)
    level = np.where((d >= wall_top) & (d <= wall_bottom), 185.0, level)
    level = np.where((d > wall_bottom) & (d <= wall_bottom + 0.3), 240.0, level)
    level = np.where(d > wall_bottom + 0.3, 60.0, level)
    speckle = rng.gamma(8.0, 1 / 8.0, size=level.shape)
    strip = np.clip(level * speckle, 0, 255).astype(np.uint8)
    image[y0 : y1 + 1, x0 : x1 + 1] = strip[..., None]
    _draw_curve(image, columns, (y1 - 14) - 22 * ecg_waveform(time, r_peaks), CYAN)

    ticks = np.arange(2, 13, 2)
    _draw_scale(image, x1 + 3, y0 + reference[1] + ticks / cm_per_pixel, [f"{t} cm" for t in ticks])

    regions = [
        _region(
            (383, 3, 631, 205),
            SpatialFormat.TWO_D,
            DataType.TISSUE,
            (PhysicalUnits.CM,) * 2,
            (0.0641096,) * 2,
            (125, 0),
            flags=0,
        ),
        _region(
            box,
            SpatialFormat.M_MODE,
            DataType.TISSUE,
            (PhysicalUnits.SECONDS, PhysicalUnits.CM),
            (seconds_per_pixel, cm_per_pixel),
            reference,
            (time_origin, 0.0),
        ),
    ]
    _save(_dataset(image, regions, name="mmode", seed=seed, heart_rate=heart_rate), path)
    inside = (r_peaks >= time[0]) & (r_peaks <= time[-1])
    return MModeTruth(
        time=time,
        septum_top=septum_top,
        septum_bottom=septum_bottom,
        wall_top=wall_top,
        wall_bottom=wall_bottom,
        r_peaks=r_peaks[inside],
        heart_rate=heart_rate,
        depth_per_pixel=cm_per_pixel,
    )


def write_timing_sample(
    path: str | os.PathLike[str],
    *,
    seed: int = 0,
    frames: int = 60,
    frame_interval: float = 40.0,
    frame_time: float = 33.333,
    cine_rate: int = 18,
    heart_rate: float = 75.0,
) -> TimingTruth:
    """Write a grey 2D cine of a beating heart whose three timing elements disagree.

    Real headers carry several timing elements that need not agree: a Philips Affiniti 70G file
    of the ``deid-data`` package writes (0018,1063) Frame Time = 54.241 ms (18.44 frames/s) and
    (0018,0040) Cine Rate = 18, an integer by its VR. This sample makes the disagreement plain:
    (0028,0009) Frame Increment Pointer names (0018,1065) Frame Time Vector, whose increments
    (about ``frame_interval`` ms, with a little jitter) are the times the frames were drawn at;
    (0018,1063) Frame Time says ``frame_time`` ms and (0018,0040) Cine Rate ``cine_rate`` frames/s.
    The heart contracts at ``heart_rate`` beats per minute on the true times, so the cavity seen
    in the pixels beats at (0018,1088) Heart Rate only when the frames are timed by the vector.

    Parameters
    ----------
    path
        Where to write the file (its folder is created).
    seed
        Seed of the speckle and of the jitter; the same seed writes the same file.
    frames
        Number of frames.
    frame_interval
        Mean time between frames, ms (the vector's increments).
    frame_time
        (0018,1063) Frame Time to write, ms.
    cine_rate
        (0018,0040) Cine Rate to write, frames per second.
    heart_rate
        Beats per minute of the contraction; also written to (0018,1088) Heart Rate.

    Returns
    -------
    TimingTruth
        The frames' true times, the elements as written, end-systole times and cavity areas.
    """
    rng = np.random.default_rng(seed)
    increments = np.round(frame_interval + rng.uniform(-1.5, 1.5, size=frames - 1), 3)
    vector = np.concatenate([[0.0], increments])
    times = np.concatenate([[0.0], np.cumsum(increments)]) / 1000.0
    r_peaks = _r_peak_times(times[0], times[-1], heart_rate, first=0.1)
    scale = 1.0 - 0.2 * _contraction(times, r_peaks)

    box, apex, cm_per_pixel, depth = (30, 40, 270, 240), (150, 40), 0.06, 12.0
    loop = np.zeros((frames, 260, 300), dtype=np.uint8)
    for index in range(frames):
        image = _blank(260, 300)
        _draw_text(image, (10, 8), "echolab synthetic  cine", (235, 235, 235))
        _draw_sector(image, rng, box, apex, cm_per_pixel, depth, line_angle=None, heart_scale=float(scale[index]))
        loop[index] = image[..., 0]

    region = _region(
        box, SpatialFormat.TWO_D, DataType.TISSUE, (PhysicalUnits.CM,) * 2, (cm_per_pixel,) * 2, (apex[0] - box[0], 0)
    )
    ds = _dataset(loop, [region], name="timing", seed=seed, heart_rate=heart_rate, cine=True)
    ds.FrameIncrementPointer = 0x00181065
    ds.FrameTimeVector = [f"{v:g}" for v in vector]
    ds.FrameTime = f"{frame_time:g}"
    ds.CineRate = int(cine_rate)
    _save(ds, path)

    period = 60.0 / heart_rate
    systole = r_peaks + 0.3 * period  # the contraction peaks 0.3 R-R after each R peak
    return TimingTruth(
        frame_times=times,
        frame_time_vector=vector,
        frame_time=frame_time,
        cine_rate=float(cine_rate),
        heart_rate=heart_rate,
        end_systole=systole[(systole >= times[0]) & (systole <= times[-1])],
        cavity_area=math.pi * (0.85 * 3.0 * scale) * (0.85 * 4.0 * scale),
    )
