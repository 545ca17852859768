"""Hostile input: mutated real files never crash echolab, hang, or make it allocate gigabytes.

The fuzzer (``tests/fuzz.py``) runs in a child process, so that even a decoder aborting the whole
process is caught and the case named. Default: 200 cases with a fixed seed (a few seconds). On
demand: ``pytest tests/test_fuzz.py --fuzz-cases 10000 [--fuzz-seed N]`` or
``ECHOLAB_FUZZ_CASES=10000``; or directly ``python -m tests.fuzz --cases 10000 --seed N``.
Any case that once failed goes into ``tests/fuzz_regressions.json`` (source file and seed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run_fuzzer(arguments: list[str], timeout: float) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.fuzz", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    last_case = next((line for line in reversed(done.stderr.splitlines()) if line.startswith("CASE ")), "none")
    if not done.stdout.strip():
        pytest.fail(f"the fuzzer process died (exit {done.returncode}) during {last_case}:\n{done.stderr[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["failures"] == [], "cases breaking the rule (add them to tests/fuzz_regressions.json):\n" + "\n".join(
        json.dumps(failure) for failure in report["failures"]
    )
    return report


@pytest.mark.slow
def test_mutated_files_end_in_a_result_or_an_echolab_error(request: pytest.FixtureRequest) -> None:
    cases = request.config.getoption("--fuzz-cases") or int(os.environ.get("ECHOLAB_FUZZ_CASES", "200"))
    seed = request.config.getoption("--fuzz-seed")
    kind = request.config.getoption("--fuzz-kind")  # both (default): half byte, half DICOM-aware
    report = _run_fuzzer(["--cases", str(cases), "--seed", str(seed), "--kind", kind], timeout=60 + cases * 2)
    assert report["cases"] == cases


@pytest.mark.parametrize("source", ["OBXXXX1A.dcm", "OBXXXX1A_expb_2frame.dcm", "gdcm-US-ALOKA-16.dcm"])
def test_dicom_aware_mutations_do_what_they_say(source: str) -> None:
    """The DICOM-aware mutations walk explicit little and big endian and implicit VR files, and
    change a VR, a length, the transfer syntax or the region items as their description says."""
    import io

    import pydicom

    from .fuzz import Case, elements, source_bytes

    def header(data: bytes) -> pydicom.Dataset:
        return pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, force=True)

    original = source_bytes(source)
    assert elements(original)[-1].tag == 0x7FE00010  # the whole header walked, nested items too
    built = [Case(source, seed, "dicom").build() for seed in range(120)]
    described = " | ".join(mutation for _, mutation in built)
    for what in (" VR -> ", " length ", "transfer syntax swapped", "(0002,0010) removed", "copies, shuffled"):
        assert what in described, what
    removed = next(data for data, mutation in built if mutation == "(0002,0010) removed")
    assert "TransferSyntaxUID" not in header(removed).file_meta
    swapped, mutation = next((d, m) for d, m in built if m.startswith("transfer syntax swapped for '1.2"))
    assert str(header(swapped).file_meta.TransferSyntaxUID) == mutation.split("'")[1]
    shuffled = next(data for data, mutation in built if mutation.endswith("copies, shuffled"))
    items = len(header(original).SequenceOfUltrasoundRegions)
    assert len(header(shuffled).SequenceOfUltrasoundRegions) > items


def test_inputs_that_once_failed_stay_fixed() -> None:
    listed = json.loads((REPO / "tests" / "fuzz_regressions.json").read_text())
    report = _run_fuzzer(["--regressions", "tests/fuzz_regressions.json"], timeout=300)
    assert report["cases"] == len(listed) >= 4
