"""The audit's crafted files (issue 19): small headers, bounded work.

Every crafted case of :mod:`tests.hostile` ends in a result or an ``EcholabError`` within 5 s and
1 GiB, through every public entry point (the fuzzer's :func:`tests.fuzz.run_case`) and through
``convert_file``; then each limit is tested on its own: the frame and file limits and how to raise
them, the region cap and de-duplication, offset tables that repeat a fragment, chunks by bytes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import echolab
from echolab.limits import DEFAULT_LIMITS, limits, set_limits
from echolab.samples import sample

from . import hostile
from .conftest import REPO

#: Every crafted case must end within these.
SECONDS = 5.0
MEMORY = 1 << 30

_CHILD = """
import json, os, sys, tempfile, time, warnings
import zarr
from tests.fuzz import memory_limit, run_case, time_limit
from echolab.archive.convert import convert_file, scratch_dir

report = {}
for path in sys.argv[1:]:
    problem = run_case(path, seconds=%(seconds)s, memory=%(memory)s)
    store = os.path.join(tempfile.mkdtemp(), "archive.zarr")
    zarr.open_group(store, mode="a")
    os.makedirs(scratch_dir(store))
    started = time.perf_counter()
    try:
        with warnings.catch_warnings(), time_limit(%(seconds)s), memory_limit(%(memory)s):
            warnings.simplefilter("ignore")
            result = convert_file(path, store)
        converted = f"{result.status}: {result.reason}"
    except BaseException as exc:
        converted = f"convert_file broke: {type(exc).__name__}: {exc}"
    files = sum(len(names) for _, _, names in os.walk(store))
    report[os.path.basename(path)] = {
        "entry points": problem, "convert": converted, "seconds": time.perf_counter() - started, "files": files
    }
print(json.dumps(report))
"""


@pytest.mark.slow
def test_every_crafted_case_ends_within_5_s_and_1_gib(tmp_path: Path) -> None:
    paths = [builder(tmp_path / f"{name}.dcm") for name, builder in hostile.CASES.items()]
    code = _CHILD % {"seconds": SECONDS, "memory": MEMORY}
    done = subprocess.run([sys.executable, "-c", code, *paths], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip(), done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    for name, outcome in report.items():
        assert outcome["entry points"] is None, f"{name}: {outcome}"
        assert not outcome["convert"].startswith("convert_file broke"), f"{name}: {outcome}"
        assert outcome["seconds"] < SECONDS and outcome["files"] < 100, f"{name}: {outcome}"
    assert report["1000-copied-regions.dcm"]["convert"] == "converted: "
    assert report["10**7-frames-of-1x1.dcm"]["convert"] == "converted: "
    assert "limit" in report["jpeg-ls-18900x18900.dcm"]["convert"]


# --- the frame and file limits ----------------------------------------------------------------


@pytest.fixture()
def restore_limits() -> object:
    before = limits()
    yield before
    set_limits(**{name: getattr(before, name) for name in ("max_frame_bytes", "max_decoded_bytes", "max_regions")})


def test_a_frame_above_the_limit_is_refused_before_any_decoder(tmp_path: Path, restore_limits: object) -> None:
    """11 KB of JPEG-LS claiming 18900 x 18900 RGB took 8 s and 3.2 GB to decode one frame."""
    path = hostile.jpeg_ls_claiming(tmp_path / "bomb.dcm")
    f = echolab.open(path)
    started = time.perf_counter()
    with pytest.raises(echolab.InvalidHeaderError) as caught:
        f.image()[0].values
    assert time.perf_counter() - started < 1
    assert caught.value.source == path
    assert "(0028,0010) Rows = 18900 x (0028,0011) Columns = 18900" in caught.value.reason
    assert "above echolab's 256 MiB limit for one frame" in caught.value.reason
    assert "echolab.set_limits(max_frame_bytes=...) or $ECHOLAB_MAX_FRAME_BYTES" in caught.value.reason


def test_the_frame_limit_can_be_raised_and_lowered(tmp_path: Path, restore_limits: object) -> None:
    path = sample("synthetic-mmode.dcm")
    frame = echolab.open(path).image()[0]
    previous = set_limits(max_frame_bytes=frame.nbytes - 1)
    assert previous == DEFAULT_LIMITS or previous.max_frame_bytes != frame.nbytes - 1
    with pytest.raises(echolab.InvalidHeaderError, match="limit for one frame"):
        echolab.open(path).image()
    set_limits(max_frame_bytes=frame.nbytes)
    np.testing.assert_array_equal(echolab.open(path).image()[0].values, frame.values)
    with pytest.raises(ValueError, match="positive integer"):
        set_limits(max_frame_bytes=0)


def test_compressed_frames_are_bound_by_their_decoded_total(tmp_path: Path, restore_limits: object) -> None:
    """Highly compressed frames: a file of kilobytes may not decode to more than max_decoded_bytes."""
    path = hostile.jpeg_ls_claiming(tmp_path / "frames.dcm", rows=16, columns=16, frames=40)
    assert len(echolab.open(path).image().values) == 40
    set_limits(max_decoded_bytes=39 * 16 * 16 * 3)
    with pytest.raises(echolab.PixelDataError) as caught:
        echolab.open(path).image()
    assert "40 compressed frames of 16 x 16" in caught.value.reason and "above echolab's" in caught.value.reason
    assert "echolab.set_limits(max_decoded_bytes=...) or $ECHOLAB_MAX_DECODED_BYTES" in caught.value.reason
    problems = echolab.open(path).problems  # scan and convert refuse it from its headers
    assert [p.rule for p in problems] == ["unreadable-pixel-data"]


def test_limits_reach_worker_processes_through_the_environment(restore_limits: object) -> None:
    set_limits(max_regions=3)
    done = subprocess.run(
        [sys.executable, "-c", "import echolab; print(echolab.limits().max_regions)"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "3"


# --- offset tables, regions, chunks -------------------------------------------------------------


def test_an_offset_table_repeating_one_fragment_is_not_followed(tmp_path: Path) -> None:
    """An 18 KB file whose Extended Offset Table lists one fragment 1000 times ran convert past 90 s."""
    path = hostile.repeating_offset_table(tmp_path / "eot.dcm", frames=1000, rows=16, columns=16)
    with pytest.warns(echolab.PixelDataWarning, match="Extended Offset Table lists frames that repeat or overlap"):
        pixels = echolab.open(path).pixels
    assert pixels.number_of_frames == 1 and pixels.spans is not None and len(pixels.spans) == 1


def test_only_the_first_64_region_items_are_read(tmp_path: Path) -> None:
    """100,000 items took 12-16 s to open: pydicom is not even asked to parse the items past 64."""
    path = hostile.many_regions(tmp_path / "many.dcm", 100_000)
    started = time.perf_counter()
    with pytest.warns(echolab.RegionWarning, match=r"holds more than 64 items; echolab reads the first 64"):
        f = echolab.open(path)
    assert time.perf_counter() - started < 2
    assert len(f.regions) == 64
    with pytest.raises(echolab.RegionIndexError):
        f.region(64)


def test_identical_region_items_are_listed_once(tmp_path: Path) -> None:
    """1,000 copied items made convert write 296 MB in 16,014 files from a 370 KB input."""
    path = hostile.many_regions(tmp_path / "copies.dcm", 3)
    with pytest.warns(echolab.RegionWarning, match=r"repeats items \(item 1 repeats item 0, item 2 repeats item 0\)"):
        f = echolab.open(path)
    assert [r.usable for r in f.regions] == [True, False, False]
    with pytest.raises(echolab.RegionError, match="region 2 is unusable: identical to region 0"):
        f.region(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        tree = xr.open_datatree(path, engine="echolab")
    assert sorted(tree.children) == ["image", "region_0"]
    from echolab.checks import check_file

    findings = [(str(f.rule), str(f.severity)) for f in check_file(path, pixels=False)]
    assert ("duplicate-region", "warning") in findings and ("region-unusable", "error") not in findings


def test_zarr_chunks_hold_about_32_mib_whatever_the_frame_size(tmp_path: Path) -> None:
    """10**7 frames of 1 x 1 were split into 31,250 chunks; a cine keeps chunks of ~32 MiB."""
    from echolab.archive.convert import CHUNK_BYTES, frames_per_chunk

    tiny = xr.Dataset({"image": (("time", "row", "column"), np.zeros((10_000_000, 1, 1), np.uint8))})
    assert frames_per_chunk(tiny) == 10_000_000
    cine = xr.Dataset({"image": (("time", "row", "column", "channel"), np.zeros((120, 480, 640, 3), np.uint8))})
    assert frames_per_chunk(cine) == CHUNK_BYTES // (480 * 640 * 3) == 36
    huge = xr.Dataset({"image": (("time", "row", "column"), np.zeros((2, 8000, 8000), np.uint8))})
    assert frames_per_chunk(huge) == 1
