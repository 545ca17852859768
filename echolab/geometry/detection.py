"""Where the scan area is in a region's pixels: a boolean mask, before any shape is fitted.

1. A few frames spread over the cine are decoded (:data:`DEFAULT_FRAMES` by default, never all).
2. Evidence that a pixel belongs to the scan area: it is brighter than the background (the region's
   darkest level) in most frames, or its value changes from frame to frame (speckle moves, burned-in
   overlays do not). On a single frame only the first applies: speckle is seldom exactly black, the
   screen around the scan area is.
3. Overlays are thin (text, ECG lines, depth-scale dots) or detached: a morphological opening
   removes them, then the largest connected component is kept and its holes (dark cavities) filled.

Every threshold is a module constant below, with its unit: grey levels of the region's pixel
values, fractions of frames or of the region's pixels, or pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..errors import GeometryError
from .sector import BoolArray

__all__ = [
    "DEFAULT_FRAMES",
    "MIN_REGION_PIXELS",
    "NoScanArea",
    "detect",
    "disk",
    "frame_positions",
    "grey_frames",
]

#: Frames decoded by default, spread evenly over the cine.
DEFAULT_FRAMES = 16
#: A region smaller than this many pixels along y or x holds no scan area worth fitting.
MIN_REGION_PIXELS = 16
#: The background level: this percentile (%) of the mean frame (the screen around the scan area is
#: its darkest part).
BACKGROUND_PERCENTILE = 1.0
#: The bright level: this percentile (%) of the mean frame; the picture is uniform when it is not
#: above the background.
BRIGHT_PERCENTILE = 99.5
#: A pixel differs from the background by more than this fraction of the bright − background range …
LEVEL_STEP_FRACTION = 0.004
#: … and by at least this many grey levels (quantisation: 8-bit pictures step by 1).
MIN_LEVEL_STEP = 0.5
#: A pixel is brighter than the background in "most" frames: at least this fraction of them,
#: averaged over a :data:`SMOOTHING_WINDOW` square.
MAJORITY = 0.5
#: Side (pixels) of the square over which evidence is averaged before the :data:`MAJORITY` vote.
SMOOTHING_WINDOW = 3
#: Frame-to-frame change is evidence when more than this fraction of the region's pixels change
#: (else the cine is still, and the method is "single frame" even with several frames).
MIN_MOVING_FRACTION = 0.01
#: A pixel changes when its standard deviation over the frames exceeds twice the level step, and
#: at least this many grey levels.
MIN_SPREAD = 1.0
#: Too little evidence: fewer than this fraction of the region's pixels differ from the background.
MIN_EVIDENCE_FRACTION = 0.02
#: Radius (pixels) of the disk that opens the evidence: this fraction of the region's smaller side …
OPENING_RADIUS_FRACTION = 0.01
#: … within these bounds (pixels): thin text and lines vanish, the scan area stays.
OPENING_RADIUS_BOUNDS = (2, 6)
#: The largest opened component must cover at least this fraction of the region.
MIN_AREA_FRACTION = 0.04


class NoScanArea(Exception):
    """Internal to :mod:`echolab.geometry`: why the pixels hold no scan area (wrapped into a
    :class:`~echolab.errors.GeometryError` naming the file and the region)."""


def frame_positions(count: int, frames: int | Sequence[int], source: str | None) -> tuple[int, ...]:
    """The frame positions to decode, of ``count``: ``frames`` spread evenly (an int), or the
    given positions (negative ones from the end), sorted and each once.

    Raises
    ------
    TypeError
        When ``frames`` is neither an int nor a sequence of ints.
    GeometryError
        When a position lies outside ``0 .. count - 1``.
    """
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer, Sequence, np.ndarray)):
        raise TypeError(f"frames must be a number of frames or a sequence of positions, not {type(frames).__name__}")
    if isinstance(frames, (int, np.integer)):
        n = max(1, min(int(frames), count))
        return tuple(int(i) for i in np.unique(np.linspace(0, count - 1, n).round().astype(int)))
    positions = tuple(int(i) for i in frames)
    if not positions or any(not -count <= i < count for i in positions):
        raise GeometryError(f"frames {positions} are not positions along time (0..{count - 1})", source)
    return tuple(sorted({i % count for i in positions}))


def grey_frames(region: xr.DataArray, positions: tuple[int, ...]) -> np.ndarray:
    """Frames ``positions`` of ``region`` as grey float32 (n, rows, columns): channels averaged.
    Only those frames are decoded."""
    if "time" in region.dims:
        data = region.isel(time=list(positions)).transpose("time", "y", "x", ...).values
    else:
        data = region.transpose("y", "x", ...).values[None]
    grey = np.asarray(data, dtype=np.float32)
    if grey.ndim == 4:
        grey = grey.mean(axis=-1)
    return grey


def detect(grey: np.ndarray) -> tuple[BoolArray, str]:
    """The scan area in grey frames (n, rows, columns), before any shape is fitted, and the method
    used: ``"temporal"`` (brightness and frame-to-frame change) or ``"single frame"``.

    Raises
    ------
    NoScanArea
        When the frames are uniform, too little differs from the background, or nothing but thin
        lines and small marks does.
    """
    from scipy import ndimage  # imported on use: it keeps `import echolab` light

    n, height, width = grey.shape
    mean = grey.mean(axis=0)
    background = float(np.percentile(mean, BACKGROUND_PERCENTILE))
    top = float(np.percentile(mean, BRIGHT_PERCENTILE))
    if not top > background:
        raise NoScanArea(f"the {'frames are' if n > 1 else 'frame is'} uniform (every pixel about {background:.3g})")
    step = max(MIN_LEVEL_STEP, LEVEL_STEP_FRACTION * (top - background))
    above = (grey > background + step).mean(axis=0)
    evidence = ndimage.uniform_filter(above.astype(np.float32), SMOOTHING_WINDOW) >= MAJORITY
    method = "single frame"
    if n > 1:
        spread = grey.std(axis=0)
        if np.count_nonzero(spread > step) > MIN_MOVING_FRACTION * spread.size:
            method = "temporal"
            changing = (spread > max(MIN_SPREAD, 2 * step)).astype(np.float32)
            evidence |= ndimage.uniform_filter(changing, SMOOTHING_WINDOW) >= MAJORITY
    if np.count_nonzero(evidence) < MIN_EVIDENCE_FRACTION * evidence.size:
        raise NoScanArea(
            f"only {100 * np.count_nonzero(evidence) / evidence.size:.1f} % of the pixels differ from the background"
        )
    radius = int(np.clip(round(OPENING_RADIUS_FRACTION * min(height, width)), *OPENING_RADIUS_BOUNDS))
    opened = ndimage.binary_opening(evidence, structure=disk(radius))
    labels, count = ndimage.label(opened)
    if count == 0:
        raise NoScanArea("nothing but thin lines and text differs from the background")
    sizes = np.bincount(labels.ravel())[1:]
    biggest = labels == (int(np.argmax(sizes)) + 1)
    if np.count_nonzero(biggest) < MIN_AREA_FRACTION * biggest.size:
        raise NoScanArea(
            f"the largest textured area covers only {100 * np.count_nonzero(biggest) / biggest.size:.1f} % "
            "of the region"
        )
    # what the opening shaved off next to the scan area (the tip of a phased sector) comes back
    recovered = biggest | (evidence & ndimage.binary_dilation(biggest, structure=disk(radius + 1)))
    filled: BoolArray = ndimage.binary_fill_holes(recovered)
    return filled, method


def disk(radius: int) -> BoolArray:
    """A boolean disk of ``radius`` pixels (a (2r + 1) square), the structuring element."""
    y, x = np.ogrid[-radius : radius + 1, -radius : radius + 1]
    inside: BoolArray = (x * x + y * y) <= radius * radius
    return inside
