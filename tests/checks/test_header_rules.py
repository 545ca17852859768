"""The rules the header decides (echolab.checks.header_rules), on real files with known quirks and crafted ones."""

from __future__ import annotations

import warnings
from pathlib import Path

import pydicom
import pytest

import echolab
from echolab import checks
from echolab.codes import Rule, Severity
from echolab.samples import sample

from ..conftest import shared_file
from .conftest import KNOWN, _rules, _write


@pytest.mark.parametrize(("name", "rule"), sorted(KNOWN.items()))
def test_each_shared_file_is_named_by_its_quirk(name: str, rule: Rule) -> None:
    findings = checks.check_file(shared_file(name))
    assert rule in _rules(findings)
    found = next(f for f in findings if f.rule is rule)
    assert found.file == shared_file(name) and found.message
    if rule in (Rule.DOPPLER_SIGN, Rule.DEPTH_ORIGIN):
        assert "(0018,60" in found.message and "corrected" in found.message
        assert found.severity is Severity.WARNING


def test_the_sample_files_have_only_the_findings_they_should() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        assert _rules(checks.check_file(sample("examples_ybr_color.dcm"))) >= {Rule.REGION_OVERHANG}
        cx50 = _rules(checks.check_file(sample("OBXXXX1A.dcm")))
    # the ECG trace's amplitude is never calibrated: that is not an uncalibrated-axis finding
    assert Rule.UNCALIBRATED_AXIS not in cx50 and Rule.TIMING_DISAGREEMENT not in cx50
    assert not [f for f in checks.check_file(sample("synthetic-doppler.dcm")) if f.severity is Severity.ERROR]


def test_timing_elements_that_disagree_and_a_cine_without_timing(tmp_path: Path) -> None:
    """As the Philips Affiniti writes it: Cine Rate 18 /s with a Frame Time of 54.241 ms (18.4 /s)
    agrees; 30 /s does not. A cine with no timing element at all is timing-missing."""
    ds = pydicom.dcmread(sample("color3d_jpeg_baseline.dcm"))
    ds.FrameTime = 54.241
    ds.CineRate = 18
    assert Rule.TIMING_DISAGREEMENT not in _rules(checks.check_file(_write(ds, tmp_path / "agree.dcm")))
    ds.CineRate = 30
    findings = checks.check_file(_write(ds, tmp_path / "disagree.dcm"))
    disagreement = next(f for f in findings if f.rule is Rule.TIMING_DISAGREEMENT)
    assert "(0018,0040) Cine Rate = 30" in disagreement.message and "(0018,1063) Frame Time" in disagreement.message
    for keyword in ("FrameTime", "CineRate", "FrameIncrementPointer", "RecommendedDisplayFrameRate"):
        if keyword in ds:
            del ds[keyword]
    assert Rule.TIMING_MISSING in _rules(checks.check_file(_write(ds, tmp_path / "untimed.dcm")))
