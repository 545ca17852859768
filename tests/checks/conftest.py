"""Shared by the tests of this folder (split from test_checks.py)."""

from __future__ import annotations

from pathlib import Path

import pydicom

from echolab import checks
from echolab.codes import Rule

#: The quirk or problem each shared file is known for, by rule id.
KNOWN = {
    "godicom__I_000038.dcm": Rule.DOPPLER_SIGN,
    "godicom__I_000039.dcm": Rule.DOPPLER_SIGN,
    "orthanc__Issue164.dcm": Rule.DEPTH_ORIGIN,
    "dcm4che__will-jxl.dcm": Rule.NO_DECODER,
    "cs3d__no-pixel-spacing.dcm": Rule.REGION_OVERHANG,
}


def _rules(findings: list[checks.Finding]) -> set[Rule]:
    return {finding.rule for finding in findings}


def _write(ds: pydicom.Dataset, path: Path) -> str:
    ds.save_as(path, enforce_file_format=True)
    return str(path)
