"""The verification after writing (echolab.deid.verify) catches what it must."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from echolab.deid.verify import pack_mask, verify_frames, verify_header

from .conftest import Run, _need, _read

#: pydicom warns of over-long values in the inputs (a 122-character Reason for Study) when they are read
pytestmark = pytest.mark.filterwarnings("ignore:The value length")


def test_the_verification_catches_a_leak(run: Run, tmp_path: Path) -> None:
    source, result = _need(run, "GREYSCALE_IMAGE")
    assert result.output is not None
    clean = Path(result.output)
    name = "ZZZ TEST PATIENTFIVE^NEW^P^"
    assert verify_header(str(clean), "x.dcm", {name: "PatientName"}) == []
    leaky = _read(clean)
    leaky.ImageComments = "seen by ZZZ TEST PATIENTFIVE^NEW^P^"
    leaky.save_as(tmp_path / "leaky.dcm")
    problems = verify_header(str(tmp_path / "leaky.dcm"), "x.dcm", {name: "PatientName"})
    assert any("PatientName is still in ImageComments" in p for p in problems)
    assert all(name not in p for p in problems)  # problems name elements, never values
    # pixels: a file whose banner is still there fails the frame check
    mask = np.zeros((768, 1024), dtype=bool)
    mask[38:759, 14:1011] = True
    assert verify_frames(str(clean), 0, 1, pack_mask(mask), mask.shape) == []
    assert verify_frames(str(source), 0, 1, pack_mask(mask), mask.shape)[0][1] > 1000
