"""Checking files and folders: every rule over each file, files in parallel."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from ..codes import Rule, Severity
from ..echofile import open_collecting
from ..errors import EcholabError
from .findings import Finding
from .header_rules import header_findings
from .pixel_rules import pixel_findings
from .report_rules import report_findings

__all__ = ["check_file", "check"]


def check_file(
    path: str | os.PathLike[str],
    *,
    pixels: bool = True,
    images: Sequence[str | os.PathLike[str]] | None = None,
) -> list[Finding]:
    """Every finding for one file; a file that cannot be opened gives one ``unreadable-file``
    error. ``pixels=False`` runs the header rules only. A Structured Report gets the report rules
    (:mod:`.report_rules`), its images looked for under ``images`` (default: its folder). Never
    raises for a bad file."""
    name = os.fspath(path)
    if _is_report(name):
        return report_findings(name, images, pixels=pixels)
    opened = open_collecting(path, calibration="screen" if pixels else "header")
    if opened.echofile is None:
        assert opened.error is not None
        return [Finding(name, Rule.UNREADABLE_FILE, Severity.ERROR, opened.error.reason)]
    f = opened.echofile
    try:
        found = header_findings(f, name)
        if pixels and not any(finding.severity is Severity.ERROR for finding in found):
            found += pixel_findings(f, name)
    except EcholabError as exc:
        found = [Finding(name, Rule.UNREADABLE_FILE, Severity.ERROR, exc.reason)]
    return found


def _is_report(path: str) -> bool:
    """True for an SR document, from (0008,0016) SOP Class UID (headers only, never raises)."""
    from ..reading.content_tree import is_sr_sop_class
    from ..reading.elements import get_str
    from ..reading.header import read_header
    from ..reading.raw_header import read_raw_header

    try:
        header = read_raw_header(path) or read_header(path)
        return is_sr_sop_class(get_str(header.dataset, "SOPClassUID", header.source))
    except (EcholabError, OSError):
        return False


def _check_one(job: tuple[str, bool, tuple[str, ...]]) -> list[Finding]:
    return check_file(job[0], pixels=job[1], images=job[2])


def check(
    paths: Sequence[str | os.PathLike[str]], *, workers: int | None = None, pixels: bool = True
) -> Iterator[Finding]:
    """Findings for every DICOM file under ``paths`` (see :func:`echolab.archive.layout.inventory.find_files`),
    file by file in path order; ``workers`` processes check files in parallel (default: one per
    CPU; 1 checks in this process)."""
    from ..archive.inventory import find_files
    from ..parallel import check_script_guard

    files = find_files(paths)
    count = workers or os.cpu_count() or 1
    places = tuple(os.fspath(p) for p in paths)  # a report's images are among the files checked
    jobs = [(path, pixels, places) for path in files]
    if count <= 1 or len(jobs) < 4:
        for job in jobs:
            yield from _check_one(job)
        return
    context = multiprocessing.get_context()
    check_script_guard("echolab.checks.check()", context.get_start_method())
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        for findings in pool.map(_check_one, jobs, chunksize=max(1, min(16, len(jobs) // (4 * count)))):
            yield from findings
