"""Converting folders to Zarr with Dask: good files converted, bad ones reported, atomic, resumable, private."""

from __future__ import annotations

import gc
import os
import shutil
import socket
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import pytest
import xarray as xr
from pydicom.encaps import encapsulate

import echolab
from echolab.archive.convert import (
    CHUNK_BYTES,
    convert,
    convert_file,
    group_exists,
    local_cluster,
    open_archive,
    scratch_dir,
)
from echolab.reading.header import read_header
from echolab.samples import sample

from ..conftest import BUSY_PORT, REPO, SHARED, package_file

pytestmark = pytest.mark.slow  # every test here starts Dask processes


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """The local cluster convert starts (TLS: passed as an object, which carries its security)."""
    pytest.importorskip("dask.distributed")
    with local_cluster(2) as local:
        yield local


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two good files (one carrying patient and institution names), a truncated one, a corrupt JPEG."""
    root = tmp_path_factory.mktemp("sources")
    shutil.copy(package_file("color3d_jpeg_baseline.dcm"), root / "cine.dcm")
    named = pydicom.dcmread(sample("synthetic-doppler.dcm"))
    named.PatientName, named.PatientBirthDate = "Echo^Demo", "18581118"
    named.InstitutionName = "BOGALUSA HEART STUDY"
    named.save_as(root / "doppler_Echo_Demo.dcm")
    (root / "cut.dcm").write_bytes((root / "cine.dcm").read_bytes()[:900])
    corrupt = pydicom.dcmread(sample("synthetic-mmode.dcm"))
    corrupt.file_meta.TransferSyntaxUID = pydicom.uid.JPEGBaseline8Bit
    corrupt.PixelData = encapsulate([b"\xff\xd8\xff\xe0 not a JPEG stream"])
    corrupt.save_as(root / "z_corrupt.dcm")
    return root


def test_convert_under_a_local_cluster(cluster: Any, mixed: Path, tmp_path: Path) -> None:
    store = tmp_path / "archive.zarr"
    seen = []
    results = convert([str(mixed)], store, scheduler=cluster, progress=False, on_result=seen.append)
    status = {Path(r.path).name: r for r in results}
    assert len(seen) == 4 and list(status) == ["cine.dcm", "cut.dcm", "doppler_Echo_Demo.dcm", "z_corrupt.dcm"]
    assert status["cine.dcm"].status == status["doppler_Echo_Demo.dcm"].status == "converted"
    assert status["cut.dcm"].status == "failed" and "(0028,0010) Rows is missing" in status["cut.dcm"].reason
    assert status["z_corrupt.dcm"].status == "failed" and status["z_corrupt.dcm"].reason

    archive = open_archive(store)
    cine_uid = echolab.open(mixed / "cine.dcm").sop_instance_uid
    assert sorted(archive[cine_uid].children) == ["image", "region_0"]
    region = archive[cine_uid]["region_0"].to_dataset()["region_0"]
    assert region.x.attrs["units"] == "cm" and region.time.attrs["units"] == "s"
    image = archive[cine_uid]["image"]["image"]  # text outside the region: blanked, so stored decoded
    assert image.attrs["storage"] == "decoded"
    assert image.encoding["chunks"][0] == 1  # a frame reads alone...
    assert image.encoding["shards"][0] == min(120, CHUNK_BYTES // image[0].nbytes)  # ...from shards of ~32 MiB
    original = echolab.open(mixed / "cine.dcm").region(0)
    np.testing.assert_array_equal(region[10:12].values, original[10:12].values)
    xr.testing.assert_equal(region.x, original.x)
    assert not Path(scratch_dir(store)).exists()


def test_no_identifier_reaches_the_archive(cluster: Any, mixed: Path, tmp_path: Path) -> None:
    store = tmp_path / "private.zarr"
    convert([str(mixed)], store, scheduler=cluster, progress=False)
    metadata = "".join(p.read_text(errors="replace") for p in store.rglob("zarr.json"))
    assert "sop_instance_uid" in metadata
    for secret in ("Echo^Demo", "Echo_Demo", "BOGALUSA", "18581118", "doppler_Echo"):
        assert secret not in metadata
    kept = tmp_path / "kept.zarr"
    convert([str(mixed / "doppler_Echo_Demo.dcm")], kept, scheduler=cluster, progress=False, keep_identifiers=True)
    assert "Echo^Demo" in "".join(p.read_text() for p in kept.rglob("zarr.json"))


def test_rerun_skips_converted_files(cluster: Any, mixed: Path, tmp_path: Path) -> None:
    store = tmp_path / "resume.zarr"
    first = convert([str(mixed / "cine.dcm")], store, scheduler=cluster, progress=False)
    assert [r.status for r in first] == ["converted"]
    stamp = (store / first[0].group / "zarr.json").stat().st_mtime_ns  # type: ignore[operator]
    again = convert([str(mixed)], store, scheduler=cluster, progress=False)
    assert [r.status for r in again] == ["skipped", "failed", "converted", "failed"]
    assert (store / first[0].group / "zarr.json").stat().st_mtime_ns == stamp  # type: ignore[operator]


@pytest.mark.parametrize("interruption", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_leaves_no_half_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interruption: BaseException
) -> None:
    store = tmp_path / "atomic.zarr"
    store.mkdir()
    Path(scratch_dir(store)).mkdir()
    real = xr.DataTree.to_zarr

    def write_then_fail(self, target, *args, **kwargs):  # type: ignore[no-untyped-def]
        real(self, target, *args, **kwargs)
        assert any(Path(target).rglob("zarr.json"))  # something was written...
        raise interruption

    monkeypatch.setattr(xr.DataTree, "to_zarr", write_then_fail)
    path = sample("synthetic-mmode.dcm")
    if isinstance(interruption, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            convert_file(path, str(store))
    else:
        result = convert_file(path, str(store))
        assert result.status == "failed" and "disk full" in result.reason
    uid = echolab.open(path).sop_instance_uid
    assert uid is not None and not group_exists(store, uid) and not (store / uid).exists()  # ...but not here
    assert list(Path(scratch_dir(store)).iterdir()) == []


def test_duplicate_uids_keep_the_first_file_in_path_order(cluster: Any, tmp_path: Path) -> None:
    folder = tmp_path / "dups"
    folder.mkdir()
    shutil.copy(package_file("OBXXXX1A.dcm"), folder / "a.dcm")
    shutil.copy(package_file("examples_palette.dcm"), folder / "b.dcm")  # a crop of a.dcm, same SOP Instance UID
    results = convert([str(folder)], tmp_path / "dups.zarr", scheduler=cluster, progress=False)
    assert [r.status for r in results] == ["converted", "skipped"]
    assert results[1].reason == "duplicate SOP Instance UID of a.dcm"
    assert results[1].duplicate_of == str(folder / "a.dcm") and results[0].duplicate_of is None
    again = convert([str(folder)], tmp_path / "dups.zarr", scheduler=cluster, progress=False)
    assert [(r.status, r.reason, r.duplicate_of) for r in again] == [
        ("skipped", "already in the archive", None),
        ("skipped", "duplicate SOP Instance UID of a.dcm", str(folder / "a.dcm")),
    ]


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def test_a_local_cluster_needs_no_fixed_port_and_prints_nothing(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Port 8787 is held for the whole session (conftest.busy_port_8787), as a Jupyter server or
    another Dask dashboard would hold it: the cluster convert starts must neither need it nor
    say anything about it on stderr."""
    assert not _port_is_free("127.0.0.1", BUSY_PORT)
    capfd.readouterr()
    with warnings.catch_warnings(record=True) as caught:  # pytest would otherwise keep them off stderr
        warnings.simplefilter("always")
        results = convert([sample("synthetic-mmode.dcm")], tmp_path / "quiet.zarr", workers=1, progress=False)
    assert [r.status for r in results] == ["converted"]
    assert [str(w.message) for w in caught] == []
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_a_cine_cut_short_converts_its_whole_frames_and_says_so(cluster: Any, tmp_path: Path) -> None:
    """`head -c 400000 godicom__I_000031.dcm` (64 frames promised, the cut inside frame 10) and a
    package cine cut in half: the archive holds the whole frames and its attrs say how many."""
    folder = tmp_path / "cut"
    folder.mkdir()
    cine = Path(package_file("color3d_jpeg_baseline.dcm")).read_bytes()  # 120 frames
    (folder / "package-half.dcm").write_bytes(cine[: len(cine) // 2])
    expected = {"package-half.dcm": (120, package_file("color3d_jpeg_baseline.dcm"))}
    if (SHARED / "godicom__I_000031.dcm").is_file():
        godicom = str(SHARED / "godicom__I_000031.dcm")
        (folder / "godicom-400000.dcm").write_bytes(Path(godicom).read_bytes()[:400_000])
        expected["godicom-400000.dcm"] = (64, godicom)
    store = tmp_path / "cut.zarr"
    results = {Path(r.path).name: r for r in convert([str(folder)], store, scheduler=cluster, progress=False)}
    archive = open_archive(store)
    held = {}
    for name, (promised, complete) in expected.items():
        result = results[name]
        assert result.status == "converted" and [p.rule for p in result.problems] == ["truncated-pixel-data"]
        group = archive[result.group]  # type: ignore[index]
        image = group["image"].to_dataset()["image"]
        whole = sum(1 for o, n in echolab.open(complete).pixels.spans or () if o + n <= (folder / name).stat().st_size)
        assert image.sizes["time"] == whole < promised
        assert group.attrs["number_of_frames"] == whole
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", echolab.EcholabWarning)
            engine = xr.open_dataset(folder / name, engine="echolab")  # the same attrs without an archive
        assert engine.attrs["number_of_frames"] == engine.sizes["time"] == whole
        assert group.attrs["header_number_of_frames"] == promised
        assert group.attrs["problems"] == str(result.problems[0])
        original = echolab.open(complete).image(blank_outside_regions=True)  # archives blank burned-in banners
        np.testing.assert_array_equal(image[whole - 1].values, original[whole - 1].values)  # the last one is whole
        held[name] = whole
    assert held.get("godicom-400000.dcm", 9) == 9


#: Small user scripts: the call at the top level, or under the guard. argv: source folder, output.
SCRIPTS = {
    "convert": """\
import sys
from echolab.archive.convert import convert

{indent}print([r.status for r in convert([sys.argv[1]], sys.argv[2] + "/archive.zarr", workers=1, progress=False)])
""",
    "scan": """\
import multiprocessing, sys
from echolab.archive.inventory import scan

multiprocessing.set_start_method("spawn", force=True)  # as on macOS, Windows, Linux from Python 3.14
{indent}print(sorted({{row.frames for row in scan([sys.argv[1]], workers=2)}}))
""",
}


@pytest.mark.parametrize("guarded", [False, True], ids=["unguarded", "guarded"])
@pytest.mark.parametrize("call", sorted(SCRIPTS))
def test_a_plain_script_works_or_stops_at_once(tmp_path: Path, call: str, guarded: bool) -> None:
    """Worker processes started with "spawn" run the main script again: a top-level call without
    `if __name__ == "__main__":` stops at once with one EcholabError naming the line and the fix,
    and leaves nothing behind; under the guard the same script works."""
    source = tmp_path / "in"
    source.mkdir()
    for copy in range(8 if call == "scan" else 1):  # scan starts processes from 8 files on
        shutil.copy(sample("synthetic-mmode.dcm"), source / f"{copy}.dcm")
    out = tmp_path / "out"
    out.mkdir()
    code = SCRIPTS[call].format(indent="")
    if guarded:
        head, last = code.rstrip("\n").rsplit("\n", 1)
        code = f'{head}\nif __name__ == "__main__":\n    {last}\n'
    script = tmp_path / f"{call}_folder.py"
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script), str(source), str(out)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if guarded:
        assert done.returncode == 0 and done.stderr == "", done.stderr
        assert done.stdout.strip() == ("['converted']" if call == "convert" else "[1]")
        return
    lines = done.stderr.splitlines()
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("Traceback") == 1 and len(lines) < 20, done.stderr
    line = code.splitlines().index(next(s for s in code.splitlines() if s.startswith("print("))) + 1
    function = "echolab.archive.convert.convert()" if call == "convert" else "echolab.archive.inventory.scan()"
    assert lines[-1] == (
        f"echolab.errors.UnguardedScriptError: {script}: line {line} calls {function} "
        'at the top level of the script, outside `if __name__ == "__main__":`; the worker processes it starts '
        "('spawn' start method) run the script again and would call it again. "
        'Put the call under `if __name__ == "__main__":`'
    )
    assert list(out.iterdir()) == []  # no zarr.json, no scratch folder


def test_a_copy_without_an_image_does_not_claim_its_group(cluster: Any, tmp_path: Path) -> None:
    """A header-only copy first in path order fails from its headers; the whole copy with the same
    SOP Instance UID is converted instead of being skipped as its duplicate."""
    folder = tmp_path / "copies"
    folder.mkdir()
    cine = Path(package_file("color3d_jpeg_baseline.dcm")).read_bytes()
    (folder / "b-whole.dcm").write_bytes(cine)
    pixel_element = read_header(folder / "b-whole.dcm").pixel_element
    assert pixel_element is not None
    (folder / "a-header-only.dcm").write_bytes(cine[: pixel_element.value_offset - 12])
    results = convert([str(folder)], tmp_path / "copies.zarr", scheduler=cluster, progress=False)
    assert [(Path(r.path).name, r.status, r.duplicate_of) for r in results] == [
        ("a-header-only.dcm", "failed", None),
        ("b-whole.dcm", "converted", None),
    ]
    assert results[0].reason.startswith("no-pixel-data: no (7FE0,0010) Pixel Data element")


# --- group names (issue 19) -------------------------------------------------------------------------


def _store(tmp_path: Path) -> str:
    import zarr

    store = tmp_path / "archive.zarr"
    zarr.open_group(str(store), mode="a")
    Path(scratch_dir(store)).mkdir()
    return str(store)


@pytest.mark.parametrize(
    "uid", ["1.2.840.113619.2.55.3.SN4711.20240101", "1.2..3", "1.2.3.A", "../1.2", "1." + "2" * 70, "1.2\x1b[2J"]
)
def test_a_sop_instance_uid_outside_the_uid_grammar_names_no_group(tmp_path: Path, uid: str) -> None:
    import pydicom

    ds = pydicom.dcmread(sample("synthetic-mmode.dcm"))
    ds.SOPInstanceUID = uid
    ds.save_as(tmp_path / "odd-uid.dcm")
    store = _store(tmp_path)
    result = convert_file(str(tmp_path / "odd-uid.dcm"), store)
    assert result.status == "failed" and result.group is None
    assert (
        "(0008,0018) SOP Instance UID = " in result.reason and "is not a UID and cannot name a group" in result.reason
    )
    assert sorted(p.name for p in Path(store).iterdir()) == ["zarr.json"]


def test_pseudonymised_groups_carry_no_uid(tmp_path: Path) -> None:
    """SOP Instance UIDs embed a device serial number and a date: with a key, groups and the
    UID attrs are a keyed hash of the UID instead."""
    from echolab.archive.convert import pseudonym, read_key

    key = read_key(tmp_path / "key.txt")
    assert (tmp_path / "key.txt").stat().st_mode & 0o777 == 0o600 and read_key(tmp_path / "key.txt") == key
    path = sample("synthetic-doppler.dcm")
    uid = echolab.open(path).sop_instance_uid
    assert uid is not None
    store = _store(tmp_path)
    result = convert_file(path, store, pseudonym_key=key)
    assert result.status == "converted" and result.group == pseudonym(uid, key) != pseudonym(uid, b"another key!!!!!")
    metadata = "".join(p.read_text() for p in Path(store).rglob("zarr.json"))
    assert uid not in metadata and result.group in metadata
    assert convert_file(path, store, pseudonym_key=key).reason == "already in the archive"
    with pytest.raises(echolab.EcholabError, match="holds no pseudonymisation key"):
        (tmp_path / "bad.txt").write_text("secret")
        read_key(tmp_path / "bad.txt")


# --- one writer per archive (issue 19) ---------------------------------------------------------------


def test_a_second_writer_is_refused_before_touching_anything(tmp_path: Path) -> None:
    """Two converts into one archive corrupted it: the second deleted the first's scratch folder.
    While one holds the archive, another stops at once naming it, and leaves everything as it is."""
    from echolab.archive.convert import LOCK_NAME, archive_lock

    store = tmp_path / "busy.zarr"
    store.mkdir()
    scratch = Path(scratch_dir(store))
    scratch.mkdir()
    (scratch / "in-progress.zarr").mkdir()
    with archive_lock(store):
        assert (store / LOCK_NAME).is_file()
        with pytest.raises(echolab.ArchiveBusyError) as caught:
            convert([sample("synthetic-mmode.dcm")], store, workers=1, progress=False)
    assert caught.value.source == str(store)
    assert f"another conversion is writing this archive (process {os.getpid()} on " in caught.value.reason
    assert (scratch / "in-progress.zarr").is_dir() and sorted(p.name for p in store.iterdir()) == []
    with archive_lock(store):  # released when the holder ended: the next writer takes it
        pass


def test_a_group_is_renamed_in_only_when_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """convert_file renamed groups in without checking them: a scratch folder emptied under a
    writer gave a half-written group reported as converted."""
    store = _store(tmp_path)
    real = xr.DataTree.to_zarr

    def lose_metadata(self, target, *args, **kwargs):  # type: ignore[no-untyped-def]
        real(self, target, *args, **kwargs)
        (Path(target) / "image" / "zarr.json").unlink()

    monkeypatch.setattr(xr.DataTree, "to_zarr", lose_metadata)
    path = sample("synthetic-mmode.dcm")
    result = convert_file(path, store)
    assert result.status == "failed" and "not written completely (no metadata for image" in result.reason
    assert sorted(p.name for p in Path(store).iterdir()) == ["zarr.json"]
    assert list(Path(scratch_dir(store)).iterdir()) == []


def test_a_rerun_repairs_a_group_without_its_root_metadata(tmp_path: Path) -> None:
    """Half-written groups made every rerun fail with 'OSError: Directory not empty'."""
    store = _store(tmp_path)
    path = sample("synthetic-mmode.dcm")
    group = convert_file(path, store).group
    assert group is not None
    (Path(store) / group / "zarr.json").unlink()  # as a crash of an older version left it
    assert not group_exists(store, group)
    again = convert_file(path, store)
    assert again.status == "converted" and group_exists(store, group)
    tree = open_archive(store)
    assert sorted(tree[group].children) == ["image", "region_0", "region_1"]
    assert list(Path(scratch_dir(store)).iterdir()) == []


def _complete_groups(store: Path) -> list[str]:
    """Groups of the archive with every group's metadata; fails on a half-written one."""
    groups = sorted(p for p in store.iterdir() if p.is_dir())
    for group in groups:
        assert group_exists(store, group.name), f"half-written group {group.name}"
        for child in group.iterdir():
            if child.is_dir():
                assert (child / "zarr.json").is_file(), f"half-written {child}"
    return [group.name for group in groups]


def test_staggered_pairs_of_converts_leave_only_whole_groups(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """3 of 4 pairs of converts started 4-12 s apart left half-written groups reported as
    converted. Each pair now gives one writer and one refusal (or a rerun), and whole groups.
    ``--convert-pairs 10`` runs ten pairs."""
    pairs = int(request.config.getoption("--convert-pairs"))
    folder = tmp_path / "sources"
    folder.mkdir()
    for name in ("color3d_jpeg_baseline.dcm", "OBXXXX1A.dcm", "US1_J2KR.dcm", "gdcm-US-ALOKA-16.dcm"):
        shutil.copy(package_file(name), folder / name)
    shutil.copy(sample("synthetic-doppler.dcm"), folder / "doppler.dcm")
    command = [sys.executable, "-m", "echolab.cli", "convert", str(folder)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    outcomes = []
    for pair in range(pairs):
        store = tmp_path / f"pair-{pair}.zarr"
        first = subprocess.Popen([*command, str(store), "--workers", "1"], env=env, stderr=subprocess.PIPE, text=True)
        import time

        time.sleep(0.5 + 1.5 * (pair % 4))  # the second starts while the first scans, converts or finishes
        second = subprocess.run([*command, str(store), "--workers", "1"], env=env, capture_output=True, text=True)
        _, first_err = first.communicate(timeout=600)
        assert first.returncode == 0, first_err[-2000:]
        if second.returncode == 1:
            assert "echolab: error: " in second.stderr and "another conversion is writing this archive" in second.stderr
            assert second.stderr.count("\n") == 1, second.stderr  # one line, no traceback
        else:
            assert second.returncode == 0, second.stderr[-2000:]
        outcomes.append(second.returncode)
        assert len(_complete_groups(store)) == 5
        rerun = subprocess.run([*command, str(store), "--workers", "1"], env=env, capture_output=True, text=True)
        assert rerun.returncode == 0 and "0 converted, 5 already in" in rerun.stdout, rerun.stderr[-2000:]
        assert sorted(p.name for p in store.parent.iterdir() if p.name.startswith(store.name)) == [store.name]
        assert not (store / ".echolab-convert.lock").exists()
    print(f"\n{pairs} pairs: {outcomes.count(1)} second converts refused while the first wrote, the rest ran after")
    assert 1 in outcomes  # at least one pair overlapped


# --- a private local cluster (issue 19) -----------------------------------------------------------------


def test_the_local_cluster_refuses_clients_without_its_certificates(cluster: Any, tmp_path: Path) -> None:
    """A client connected to the convert's scheduler without credentials and ran code in it:
    the local cluster speaks TLS only, with certificates made for it alone."""
    import copy

    import dask
    from dask.distributed import Client

    address = cluster.scheduler_address
    assert address.startswith("tls://127.0.0.1:")
    saved = copy.deepcopy(dask.config.config)  # a client that fails to start leaves its settings behind
    # A refused client sits in reference cycles (its traceback). Were it collected while the
    # next Client starts, its __del__ would wait for that client's event loop, which waits for
    # the start: a deadlock. So the collector runs only here, between clients.
    try:
        for attempt in (address, address.replace("tls://", "tcp://")):
            gc.collect()
            gc.disable()
            try:
                with pytest.raises((OSError, TimeoutError, TypeError, ValueError)):
                    with Client(attempt, timeout=3) as intruder:  # no security: no TLS, or no certificate
                        intruder.submit(os.getpid).result(timeout=3)
            finally:
                gc.enable()
    finally:
        dask.config.config.clear()
        dask.config.config.update(saved)
    gc.collect()
    with Client(cluster) as owner:  # the cluster object carries its security
        assert owner.submit(sum, [1, 2]).result(timeout=30) == 3
    results = convert([sample("synthetic-mmode.dcm")], tmp_path / "tls.zarr", scheduler=cluster, progress=False)
    assert [r.status for r in results] == ["converted"]
