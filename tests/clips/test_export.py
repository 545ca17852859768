"""Clips written to Zarr or MP4 (echolab.clips.export) and `echolab clips`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import echolab
from echolab import clips

from ..cines import make_cine
from .conftest import FPS, _with


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
