"""Where the scan area is in the pixels (echolab.geometry.detection): frames, evidence, refusals."""

from __future__ import annotations

import numpy as np
import pytest

import echolab
from echolab.geometry import Sector, estimate_sector
from echolab.geometry.detection import MIN_AREA_FRACTION, MIN_EVIDENCE_FRACTION, NoScanArea, detect

from ..scan_areas import CURVED, LINEAR, PHASED, ScanArea, doppler_strip_dataset, scan_area_dataset, scan_area_frames
from .conftest import iou


def test_kind_method_and_frames(generated: tuple[ScanArea, echolab.EchoFile, Sector]) -> None:
    area, f, sector = generated
    assert sector.kind == area.kind
    assert sector.method == ("temporal" if f.number_of_frames > 1 else "single frame")
    assert sector.frames == tuple(range(f.number_of_frames))
    assert sector.units == "cm"
    assert sector.spacing == pytest.approx(area.spacing)
    assert sector.region_index == 0 and sector.region_box == area.box


def test_frames_are_spread_over_the_cine_and_capped() -> None:
    f = echolab.open(scan_area_dataset(CURVED, frames=12, seed=5))
    assert f.sector(0, frames=4).frames == (0, 4, 7, 11)
    assert f.sector(0, frames=[3, -1]).frames == (3, 11)
    with pytest.raises(echolab.GeometryError, match="positions along time"):
        f.sector(0, frames=[12])


@pytest.mark.parametrize("frames", [8, 1], ids=["cine", "single-frame"])
def test_detection_alone_finds_the_true_scan_area(frames: int) -> None:
    """The mask before any fitting covers the truth (IoU >= 0.9) despite the burned-in overlays."""
    x0, y0, x1, y1 = PHASED.box
    grey = scan_area_frames(PHASED, frames=frames, seed=3).astype(np.float32)[:, y0 : y1 + 1, x0 : x1 + 1]
    mask, method = detect(grey)
    assert method == ("temporal" if frames > 1 else "single frame")
    assert iou(mask, PHASED.region_mask()) >= 0.9


def test_a_textured_patch_below_the_evidence_threshold_is_no_scan_area() -> None:
    """A speckled square covering half of MIN_EVIDENCE_FRACTION of the region is refused, one covering
    more than MIN_AREA_FRACTION (and so the evidence fraction too) is found."""
    rng = np.random.default_rng(0)
    size = 200
    for fraction, found in ((MIN_EVIDENCE_FRACTION / 2, False), (2 * MIN_AREA_FRACTION, True)):
        side = int(round(size * np.sqrt(fraction)))
        grey = np.zeros((4, size, size), dtype=np.float32)
        grey[:, 20 : 20 + side, 30 : 30 + side] = rng.gamma(2.0, 30.0, size=(4, side, side)) + 10
        if found:
            mask, _ = detect(grey)
            assert mask[20 : 20 + side, 30 : 30 + side].mean() > 0.95 and not mask[:, :25].any()
        else:
            with pytest.raises(NoScanArea, match="differ from the background"):
                detect(grey)


@pytest.mark.parametrize("level", [0, 90], ids=["black", "uniform-grey"])
def test_a_frame_without_a_scan_area_raises(level: int) -> None:
    ds = scan_area_dataset(LINEAR, frames=2)
    rows, columns = LINEAR.image_shape
    ds.PixelData = np.full((2, rows, columns), level, dtype=np.uint8).tobytes()
    with pytest.raises(echolab.GeometryError, match=r"region 0: no scan area found: the frames are uniform"):
        echolab.open(ds).sector(0)


def test_overlays_alone_are_not_a_scan_area() -> None:
    ds = scan_area_dataset(PHASED, frames=1)
    pixels = np.frombuffer(ds.PixelData, dtype=np.uint8).reshape(PHASED.image_shape).copy()
    pixels[PHASED.inside(*np.mgrid[0 : PHASED.image_shape[0], 0 : PHASED.image_shape[1]].astype(float))] = 0
    ds.PixelData = pixels.tobytes()
    with pytest.raises(echolab.GeometryError, match="no scan area found"):
        echolab.open(ds).sector(0)


def test_a_spectral_doppler_strip_raises_naming_the_region() -> None:
    f = echolab.open(doppler_strip_dataset())
    with pytest.raises(echolab.GeometryError, match=r"region 0 is spectral Doppler .*not a 2D scan area"):
        f.sector(0)
    with pytest.raises(echolab.GeometryError, match="spectral Doppler region, not a 2D scan area"):
        estimate_sector(f.region(0))
