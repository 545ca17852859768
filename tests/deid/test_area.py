"""The pixel area a de-identified file keeps (echolab.deid.area): region boxes, scan areas, a given box."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import echolab
from echolab.deid import (
    AUDIT_FILE,
    DeidStatus,
    deidentify,
)
from echolab.deid.area import KeepArea, kept_area
from echolab.errors import DeidentificationError, EcholabError
from echolab.samples import sample

from ..conftest import package_file
from .conftest import SALT, Run, _frames, _need

#: pydicom warns of over-long values in the inputs (a 122-character Reason for Study) when they are read
pytestmark = pytest.mark.filterwarnings("ignore:The value length")


@pytest.mark.parametrize("name", ["RGB_CINE", "Issue164", "GREYSCALE_IMAGE", "ultrasound-multiframe"])
def test_only_the_regions_survive_on_every_frame(run: Run, name: str) -> None:
    source, result = _need(run, name)
    assert result.output is not None
    before, after = _frames(source), _frames(result.output)
    assert before.shape == after.shape
    regions = echolab.open(source).regions
    inside = np.zeros(before.shape[1:3], dtype=bool)
    for region in regions:
        x0, y0, x1, y1 = region.clipped_box
        inside[y0 : y1 + 1, x0 : x1 + 1] = True
    # bit-identical to the input's decode inside the regions (lossless inputs), or equal to the
    # decoded input (the lossy JPEG of Issue164): never a second lossy generation
    assert np.array_equal(after[:, inside], before[:, inside])
    assert not after[:, ~inside].any()
    assert before[:, ~inside].reshape(len(before), -1).any(axis=1).all()  # there was a banner on every frame


def test_the_voluson_banner_is_gone(run: Run) -> None:
    source, result = _need(run, "Issue164")
    assert result.output is not None
    banner = (slice(0, 74), slice(0, 975))  # name, ID, institution, date above the region (y0 = 74)
    before, after = _frames(source), _frames(result.output)
    assert (before[(slice(None), *banner)] > 0).mean() > 0.05
    assert not after[(slice(None), *banner)].any()


def test_a_file_without_regions_is_refused_unless_a_box_is_given(tmp_path: Path) -> None:
    source = Path(package_file("US1_UNCR.dcm"))  # a 640 x 480 RGB frame without (0018,6011)
    (refused,) = deidentify([source], tmp_path / "out", salt=SALT, workers=1)
    assert refused.status is DeidStatus.FAILED and refused.output is None
    assert "(0018,6011) Sequence of Ultrasound Regions is absent" in refused.reason and "box=" in refused.reason
    with pytest.raises(DeidentificationError) as caught:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kept_area(echolab.open(source), KeepArea.REGIONS, None)
    assert isinstance(caught.value, EcholabError) and str(source) in str(caught.value)
    (line,) = [json.loads(x) for x in (tmp_path / "out" / AUDIT_FILE).read_text().splitlines()]
    assert line["status"] == "failed" and "(0018,6011)" in line["reason"] and source.name not in line["reason"]

    (done,) = deidentify([source], tmp_path / "out", salt=SALT, workers=1, box=(100, 50, 539, 429))
    assert done.status is DeidStatus.DONE and done.output is not None
    frame = _frames(done.output)[0]
    assert not frame[:50].any() and not frame[430:].any() and not frame[:, :100].any() and not frame[:, 540:].any()
    np.testing.assert_array_equal(frame[50:430, 100:540], _frames(source)[0][50:430, 100:540])
    (outside,) = deidentify([source], tmp_path / "bad-box", salt=SALT, workers=1, box=(0, 0, 640, 480))
    assert outside.status is DeidStatus.FAILED and "0..639" in outside.reason


def test_scan_area_keeps_the_sector_and_the_doppler_and_trace_boxes(tmp_path: Path) -> None:
    source = sample("synthetic-doppler.dcm")  # 2D sector, PW Doppler and ECG regions
    (result,) = deidentify([source], tmp_path, salt=SALT, keep="scan-area", workers=1)
    assert result.status is DeidStatus.DONE and result.output is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        echo = echolab.open(source)
        area = kept_area(echo, KeepArea.SCAN_AREA, None)
    kinds = {r.kind for r in echo.regions}
    assert echolab.RegionKind.SPECTRAL_DOPPLER in kinds and echolab.RegionKind.TRACE in kinds
    before, after = _frames(source), _frames(result.output)
    assert np.array_equal(after[:, area.mask], before[:, area.mask]) and not after[:, ~area.mask].any()
    two_d = next(r for r in echo.regions if r.kind is echolab.RegionKind.TWO_D)
    x0, y0, x1, y1 = two_d.clipped_box
    in_box = np.zeros_like(area.mask)
    in_box[y0 : y1 + 1, x0 : x1 + 1] = True
    assert (in_box & ~area.mask).any()  # the corners of the 2D box beside the sector went
    for region in echo.regions:
        if region.kind in (echolab.RegionKind.SPECTRAL_DOPPLER, echolab.RegionKind.TRACE):
            x0, y0, x1, y1 = region.clipped_box
            assert area.mask[y0 : y1 + 1, x0 : x1 + 1].all()
    assert result.audit["area"]["mode"] == "scan-area" and result.audit["area"]["scan_areas"][0]["kind"] == "sector"


def test_the_voluson_sector_only(run: Run, tmp_path: Path) -> None:
    source, _ = _need(run, "Issue164")
    (result,) = deidentify([source], tmp_path, salt=SALT, keep="scan-area", workers=2)
    assert result.status is DeidStatus.DONE and result.output is not None
    after = _frames(result.output)
    assert not after[:, 100:130, 280:330].any()  # the "Voluson S8" label inside the region box, beside the sector
    assert after[:, 300:600, 300:600].any()
