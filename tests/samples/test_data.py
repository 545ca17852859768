"""Sample files: generated ones keyed by what generates them, real ones from pydicom-data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import echolab
from echolab.samples import data
from echolab.samples.synthetic import screens


def test_generated_samples_are_written_once_under_their_generator_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECHOLAB_DATA_DIR", str(tmp_path))
    path = Path(data.sample("synthetic-doppler.dcm"))
    assert path == tmp_path / "samples" / data.generated_sample_key("synthetic-doppler.dcm") / "synthetic-doppler.dcm"
    stamp = path.stat().st_mtime_ns
    assert data.sample("synthetic-doppler.dcm") == str(path) and path.stat().st_mtime_ns == stamp
    assert echolab.open(data.sample("synthetic-mmode.dcm")).regions[1].spatial_format_name == "M-mode"


def test_a_changed_generator_never_reuses_a_stale_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The failure this guards against: a notebook's committed output came from a file an older
    generator left in the cache, and CI on the same machine reused it."""
    monkeypatch.setenv("ECHOLAB_DATA_DIR", str(tmp_path))
    before = data.generated_sample_key("synthetic-doppler.dcm")
    stale = Path(data.sample("synthetic-doppler.dcm"))
    stale.write_bytes(b"drawn by an older generator")

    changed = data._Generated("write_doppler_sample", {"e_peak": 95.0})  # new parameters: new key
    monkeypatch.setitem(data._GENERATED, "synthetic-doppler.dcm", changed)
    assert data.generated_sample_key("synthetic-doppler.dcm") != before
    fresh = Path(data.sample("synthetic-doppler.dcm"))
    assert fresh != stale and fresh.read_bytes().startswith(b"\0" * 128 + b"DICM")
    assert data.sample_truth("synthetic-doppler.dcm").e_peak == 95.0

    monkeypatch.setattr(data, "_version", lambda distribution: "9.9.9")  # a new numpy / Pillow / pydicom
    assert data.generated_sample_key("synthetic-doppler.dcm") not in (before, fresh.parent.name)


def test_the_key_follows_the_generator_source(monkeypatch: pytest.MonkeyPatch) -> None:
    before = data.generated_sample_key("synthetic-mmode.dcm")
    real_getsource = data.inspect.getsource
    monkeypatch.setattr(
        data.inspect, "getsource", lambda module: real_getsource(module) + ("\n# edited" if module is screens else "")
    )
    assert data.generated_sample_key("synthetic-mmode.dcm") != before


def test_sample_truth_is_what_the_sample_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECHOLAB_DATA_DIR", str(tmp_path))
    truth = data.sample_truth("synthetic-doppler.dcm")
    assert isinstance(truth, screens.DopplerTruth)
    assert (truth.e_peak, truth.a_peak, truth.ejection_peak, truth.heart_rate) == (80.0, 50.0, -90.0, 72.0)
    strip = echolab.open(data.sample("synthetic-doppler.dcm")).region(truth.doppler_region)
    np.testing.assert_allclose(strip.x.values, truth.time, atol=1e-9)
    assert not list(tmp_path.glob("**/*truth*")), "the truth is computed in a scratch folder, not cached"


def test_unknown_samples_and_real_files_without_truth_name_the_valid_ones() -> None:
    with pytest.raises(echolab.EcholabError, match="synthetic-doppler.dcm"):
        data.sample("nope.dcm")
    with pytest.raises(echolab.EcholabError, match="no known answers"):
        data.sample_truth("OBXXXX1A.dcm")
