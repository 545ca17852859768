"""De-identifying Structured Reports: PS3.15's Clean Structured Content option.

An echo report is shared for its measurements: the containers, codes, numbers, units and
coordinates stay. The Basic Profile (:func:`echolab.deid.attributes.clean_dataset`) already
walks every content item — person names (PNAME items, observers) replaced by a dummy, dates
shifted like the header's, every UID (the report's own, those of the evidence and of each
referenced image) replaced by the same keyed hash as the images' so that a de-identified report
still points at its de-identified images. The Clean Structured Content option adds what the
table keeps: the value of every TEXT content item, free text that may name anyone, is replaced
by a dummy — the item stays in place, so (0040,DB73) references to positions still hold.

The output claims (0012,0064) codes Basic Application Confidentiality Profile, Clean Structured
Content Option and the dates option — not Clean Pixel Data: a report has no pixels. The writing
and the verification (no removed value anywhere in the output) are those of the images.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID

from .. import __version__
from ..reading.content_tree import is_sr_sop_class
from .attributes import DUMMY_TEXT, DateOption, HeaderReport, Outcome, Secret, clean_dataset, mark_deidentified
from .profile import MethodCode
from .writer import output_name

__all__ = ["is_report", "clean_structured_content", "prepare_report", "report_file", "verify_report"]

#: The transfer syntax reports are written in.
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"


def is_report(path: str) -> bool:
    """True for an SR document, by its (0008,0016) SOP Class UID (headers only; never raises)."""
    from ..reading.elements import get_str
    from ..reading.header import read_header
    from ..reading.raw_header import read_raw_header

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            header = read_raw_header(path) or read_header(path)
            return is_sr_sop_class(get_str(header.dataset, "SOPClassUID", header.source))
    except Exception:  # an unreadable file is not a report: the image path reports why
        return False


def _content_items(dataset: Dataset) -> Iterator[tuple[str, Dataset]]:
    """Every content item below ``dataset`` with its position, without recursion."""
    stack: list[tuple[str, Dataset]] = [
        (f"1.{index}", item) for index, item in reversed(list(enumerate(dataset.get("ContentSequence", []), 1)))
    ]
    while stack:
        position, item = stack.pop()
        yield position, item
        children = list(enumerate(item.get("ContentSequence", []) or [], 1))
        stack.extend((f"{position}.{index}", child) for index, child in reversed(children))


def clean_structured_content(dataset: Dataset, report: HeaderReport) -> int:
    """Replace the value of every TEXT content item of ``dataset`` by a dummy (in place); the
    removed texts go into ``report.identifying``. Returns the number of items cleaned."""
    cleaned = 0
    for position, item in _content_items(dataset):
        if str(item.get("ValueType", "")).strip() != "TEXT" or "TextValue" not in item:
            continue
        where = f"ContentSequence>{position}>TextValue"
        report.collect(where, [str(item.TextValue or "")])
        item.TextValue = DUMMY_TEXT
        report.note(Outcome.DUMMY, "ContentSequence>TextValue")
        cleaned += 1
    return cleaned


def prepare_report(
    source: str, sha256: str, secret: Secret, dates: DateOption
) -> tuple[Dataset, dict[str, str], str, dict[str, Any]]:
    """The de-identified data set of the SR document at ``source``, the identifying values it
    must no longer hold, its output name and what the audit says of it."""
    from ..reading.header import read_header

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = read_header(source).dataset
    header = Dataset()
    for tag in dataset.keys():
        header[tag] = dataset.get_item(tag)
    texts_removed = HeaderReport()
    texts = clean_structured_content(header, texts_removed)  # first: the profile's sweep for repeated
    report = clean_dataset(header, secret, dates)  # identifying values would take the whole tree
    report.identifying.update(texts_removed.identifying)
    for outcome, paths in texts_removed.changes.items():
        report.changes.setdefault(outcome, set()).update(paths)
    for keyword in ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        if not str(header.get(keyword, "") or "").strip():  # absent in the input: made from its content
            setattr(header, keyword, secret.uid(f"{keyword} of sha256:{sha256}"))
    codes = [MethodCode.BASIC_PROFILE, MethodCode.CLEAN_STRUCTURED_CONTENT]
    codes += _date_codes(dates)
    mark_deidentified(header, dates, tool=f"echolab {__version__}", codes=codes)
    audit = {
        "method_codes": [{"code": c.code_value, "scheme": "DCM", "meaning": c.meaning} for c in codes],
        "elements": report.summary(),
        "text_items_cleaned": texts,
        "frames_cleaned": 0,
    }
    return header, report.identifying, output_name(header), audit


def _date_codes(dates: DateOption) -> list[MethodCode]:
    if dates is DateOption.SHIFT:
        return [MethodCode.RETAIN_MODIFIED_DATES]
    if dates is DateOption.KEEP:
        return [MethodCode.RETAIN_FULL_DATES]
    return []


def report_file(header: Dataset) -> Dataset:
    """``header`` with a new file meta group (explicit VR little endian), ready to write."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = header.SOPClassUID
    meta.MediaStorageSOPInstanceUID = header.SOPInstanceUID
    meta.TransferSyntaxUID = UID(EXPLICIT_VR_LITTLE_ENDIAN)
    header.file_meta = meta
    return header


def verify_report(path: str) -> list[str]:
    """Problems of a written de-identified report (empty for a file that is not a report): a
    TEXT or PNAME content item holding anything but the dummy, or a (0012,0064) De-identification
    Method Code Sequence without the Clean Structured Content Option."""
    import pydicom

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = pydicom.dcmread(path)
    if not is_sr_sop_class(str(dataset.get("SOPClassUID", "") or "")):
        return []
    problems = []
    for position, item in _content_items(dataset):
        kind = str(item.get("ValueType", "")).strip()
        value = item.get("TextValue") if kind == "TEXT" else (item.get("PersonName") if kind == "PNAME" else None)
        if value is not None and str(value) != DUMMY_TEXT:
            problems.append(f"content item {position} ({kind}) holds a value that is not the dummy")
    claimed = {str(item.get("CodeValue", "")) for item in dataset.get("DeidentificationMethodCodeSequence", [])}
    if MethodCode.CLEAN_STRUCTURED_CONTENT.code_value not in claimed:
        problems.append("(0012,0064) De-identification Method Code Sequence does not claim Clean Structured Content")
    return problems
