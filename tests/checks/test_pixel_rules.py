"""The rules that decode a few frames (echolab.checks.pixel_rules)."""

from __future__ import annotations

from pathlib import Path

import pydicom

from echolab import checks
from echolab.codes import Rule
from echolab.samples import sample

from .conftest import _rules, _write


def test_heart_rate_in_the_header_against_the_drawn_ecg(tmp_path: Path) -> None:
    """The generated screen draws its ECG at 72 /min: the header's 72 agrees, 100 does not (the ECG
    region is decoded and its R-R intervals measured); headers-only checks do not look."""
    assert Rule.HEART_RATE_DISAGREEMENT not in _rules(checks.check_file(sample("synthetic-doppler.dcm")))
    ds = pydicom.dcmread(sample("synthetic-doppler.dcm"))
    ds.HeartRate = 100
    path = _write(ds, tmp_path / "hr.dcm")
    finding = next(f for f in checks.check_file(path) if f.rule is Rule.HEART_RATE_DISAGREEMENT)
    assert "(0018,1088) Heart Rate = 100" in finding.message and "72" in finding.message
    assert Rule.HEART_RATE_DISAGREEMENT not in _rules(checks.check_file(path, pixels=False))
