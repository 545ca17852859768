"""The content tree of SR documents: pydicom's real test report, generated echo reports, and
hostile files written byte by byte (deep nesting, huge item counts, wrong VRs, missing names)."""

from __future__ import annotations

import struct
import time
import warnings
from pathlib import Path

import pytest
from pydicom.data import get_testdata_file

from echolab.codes import CompletionFlag, GraphicType, SRRelationship, SRValueType, VerificationFlag
from echolab.errors import InvalidHeaderError, NotDicomError, ReportError, ReportWarning
from echolab.limits import limits, set_limits
from echolab.reading.content_tree import (
    Code,
    content_tree_from_dataset,
    frame_index,
    read_content_tree,
)
from echolab.samples.synthetic.reports import write_report_study

from . import sr_bytes as sb

#: CPU seconds any hostile file may cost (they are all refused or read in well under this).
CPU_BUDGET = 5.0


def _cpu() -> float:
    """CPU seconds of this process (never wall-clock: the machine is shared)."""
    return time.process_time()


def read_quietly(path: str) -> tuple[object, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        document = read_content_tree(path)
    return document, [w.message.reason for w in caught if isinstance(w.message, ReportWarning)]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return write_report_study(tmp_path_factory.mktemp("comprehensive"), style="comprehensive")


# --- a real SR document -------------------------------------------------------------------------


def test_pydicom_test_report_reads_every_item_in_place() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportWarning)  # IMAGE / COMPOSITE items may lack a name
        document = read_content_tree(get_testdata_file("test-SR.dcm"))
    assert document.sop_class_uid == "1.2.840.10008.5.1.4.1.1.88.33"
    assert document.completion_flag is CompletionFlag.COMPLETE
    assert document.verification_flag is VerificationFlag.VERIFIED
    assert document.title == Code("1111", "TEST", "Diagnosis")
    assert document.template is None
    assert document.item_count == 29
    number = document.item((1, 2, 2))
    assert number is not None and number.value_type is SRValueType.NUM
    assert number.relationship is SRRelationship.CONTAINS
    assert number.number == 3.0 and number.units == Code("cm", "99_OFFIS_DCMTK", "Length Unit")
    scoord = document.item((1, 3, 2))
    assert scoord is not None and scoord.graphic_type is GraphicType.CIRCLE
    assert scoord.graphic_data == (0.0, 0.0, 255.0, 255.0)
    by_reference = document.item((1, 3, 3, 1))
    assert by_reference is not None and by_reference.value_type is None
    assert by_reference.target == (1, 3, 2) and document.item(by_reference.target) is scoord
    image = document.item((1, 5))
    assert image is not None and image.reference is not None
    assert image.reference.sop_instance_uid == "1.2.3.4.5.0" and image.reference.frames == (5, 2)
    assert frame_index(image.reference) == 4
    assert [item.position for item in document.root.walk()][:4] == [(1,), (1, 1), (1, 2), (1, 2, 1)]


def test_generated_report_facts(study) -> None:  # type: ignore[no-untyped-def]
    document, problems = read_quietly(study.path)
    assert problems == []
    assert document.sop_instance_uid == study.sop_instance_uid
    assert document.study_instance_uid == study.study_instance_uid
    assert document.series_instance_uid == study.series_instance_uid
    assert (document.template, document.mapping_resource) == ("5200", "DCMR")
    assert {ref.sop_instance_uid for ref in document.evidence} == set(study.image_uids.values())
    assert all(ref.study_instance_uid == study.study_instance_uid for ref in document.evidence)
    numbers = [item for item in document.root.walk() if item.value_type is SRValueType.NUM]
    assert len(numbers) == len(study.measurements) + 6  # and TID 5201's six


def test_in_memory_dataset_reads_like_the_file(study) -> None:  # type: ignore[no-untyped-def]
    import pydicom

    from_file, _ = read_quietly(study.path)
    from_memory = content_tree_from_dataset(pydicom.dcmread(study.path), source="memory")
    assert from_memory.root == from_file.root
    assert from_memory.source == "memory"


# --- bounds -------------------------------------------------------------------------------------


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (limits().max_sr_depth, limits().max_sr_items) == (64, 100_000)
    monkeypatch.setenv("ECHOLAB_MAX_SR_DEPTH", "7")
    monkeypatch.setenv("ECHOLAB_MAX_SR_ITEMS", "-3")  # not a positive integer: the default holds
    assert (limits().max_sr_depth, limits().max_sr_items) == (7, 100_000)
    monkeypatch.setenv("ECHOLAB_MAX_SR_ITEMS", "100000")  # monkeypatch restores the variable afterwards
    set_limits(max_sr_items=12)
    assert limits().max_sr_items == 12


def test_nesting_within_the_limit_reads(tmp_path: Path) -> None:
    path = sb.write(tmp_path / "deep.dcm", [sb.nested(40)])
    document, problems = read_quietly(path)
    assert problems == []
    assert document.item_count == 41
    deepest = max(document.root.walk(), key=lambda item: len(item.position))
    assert len(deepest.position) == 41 and deepest.number == 1.5


def test_nesting_beyond_the_limit_is_refused_by_name(tmp_path: Path) -> None:
    path = sb.write(tmp_path / "deep.dcm", [sb.nested(80)])
    start = _cpu()
    with pytest.raises(ReportError) as raised:
        read_content_tree(path)
    assert _cpu() - start < CPU_BUDGET
    reason = raised.value.reason
    assert "(0040,A730) Content Sequence" in reason and "limit of 64" in reason
    assert "$ECHOLAB_MAX_SR_DEPTH" in reason and "(65 levels deep)" in reason
    assert len(reason) < 400  # the position is shortened, not 65 numbers long


@pytest.mark.parametrize("depth", [600, 20_000])
def test_nesting_too_deep_for_the_parser_is_an_echolab_error(tmp_path: Path, depth: int) -> None:
    path = sb.write(tmp_path / "deeper.dcm", [sb.nested(depth)])
    start = _cpu()
    with pytest.raises(InvalidHeaderError, match="cannot parse"):
        read_content_tree(path)
    assert _cpu() - start < CPU_BUDGET


def test_item_count_beyond_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECHOLAB_MAX_SR_ITEMS", "500")
    path = sb.write(tmp_path / "many.dcm", [sb.item("NUM", between=sb.numeric(b"2")) for _ in range(2000)])
    start = _cpu()
    with pytest.raises(ReportError, match=r"more than 500 content items .*ECHOLAB_MAX_SR_ITEMS"):
        read_content_tree(path)
    assert _cpu() - start < CPU_BUDGET
    monkeypatch.setenv("ECHOLAB_MAX_SR_ITEMS", "5000")
    assert read_content_tree(path).item_count == 2001


# --- odd items ----------------------------------------------------------------------------------


def test_number_that_does_not_parse_is_dropped_with_a_warning(tmp_path: Path) -> None:
    items = [sb.item("NUM", between=sb.numeric(b"abc")), sb.item("NUM", between=sb.numeric(b"2.5"))]
    document, problems = read_quietly(sb.write(tmp_path / "bad.dcm", items))
    bad, good = document.root.children
    assert bad.value_type is SRValueType.NUM and bad.number is None and bad.units == Code("cm", "UCUM", "cm")
    assert good.number == 2.5
    assert any("content item 1.1" in p and "(0040,A30A) Numeric Value" in p and "'abc'" in p for p in problems)


def test_sequence_written_with_another_vr_is_skipped_by_name(tmp_path: Path) -> None:
    wrong = sb.item("CONTAINER", between=sb.text(0x0040A730, "LO", "not a sequence"))
    kept = sb.item("NUM", between=sb.numeric(b"4"))
    document, problems = read_quietly(sb.write(tmp_path / "vr.dcm", [wrong, kept]))
    container, number = document.root.children
    assert container.value_type is SRValueType.CONTAINER and container.children == ()
    assert number.number == 4.0
    assert any("content item 1.1" in p and "(0040,A730) Content Sequence is not a sequence" in p for p in problems)


def test_missing_concept_name_keeps_the_item(tmp_path: Path) -> None:
    nameless = sb.item("NUM", concept=None, between=sb.numeric(b"3"))
    unnamed_container = sb.item("CONTAINER", concept=None, children=[])
    document, problems = read_quietly(sb.write(tmp_path / "nameless.dcm", [nameless, unnamed_container]))
    number, container = document.root.children
    assert number.concept is None and number.number == 3.0
    assert container.concept is None
    assert problems == [
        "content item 1.1 (NUM) has no (0040,A043) Concept Name Code Sequence; it is kept without a concept name"
    ]


def test_unknown_value_type_relationship_and_bad_coordinates(tmp_path: Path) -> None:
    items = [
        sb.item("FOO", relationship="OWNS"),
        sb.item(
            "SCOORD",
            relationship="INFERRED FROM",
            concept=None,
            between=sb.text(0x00700023, "CS", "POLYLINE"),
        ),
        sb.item(
            "IMAGE",
            concept=None,
            between=sb.sequence(
                0x00081199,
                [
                    sb.text(0x00081150, "UI", "1.2.3")
                    + sb.text(0x00081155, "UI", "4.5.6")
                    + sb.text(0x00081160, "IS", "0")
                ],
            ),
        ),
    ]
    document, problems = read_quietly(sb.write(tmp_path / "odd.dcm", items))
    odd, scoord, image = document.root.children
    assert odd.value_type is None and odd.relationship is None
    assert scoord.graphic_type is GraphicType.POLYLINE and scoord.graphic_data == ()
    assert image.reference is not None and image.reference.sop_instance_uid == "4.5.6" and image.reference.frames == ()
    assert any("(0040,A040) Value Type = 'FOO' is not one of CONTAINER" in p for p in problems)
    assert any("(0040,A010) Relationship Type = 'OWNS'" in p for p in problems)
    assert any("content item 1.2 (SCOORD): (0070,0022) Graphic Data holds 0 value(s)" in p for p in problems)
    assert any("content item 1.3: (0008,1160) Referenced Frame Number" in p for p in problems)


def test_many_problems_are_summed_up(tmp_path: Path) -> None:
    items = [sb.item("NUM", between=sb.numeric(b"x")) for _ in range(25)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        document = read_content_tree(sb.write(tmp_path / "noisy.dcm", items))
    messages = [w.message.reason for w in caught if isinstance(w.message, ReportWarning)]
    assert len(messages) == 11 and "more problem(s)" in messages[-1]
    assert len(document.problems) == 50  # each NUM: a bad number, and no number at all


def test_image_file_is_not_a_report() -> None:
    with pytest.raises(ReportError, match=r"not a structured report: \(0040,A040\) Value Type"):
        read_content_tree(get_testdata_file("US1_UNCR.dcm"))


def test_text_file_is_not_dicom(tmp_path: Path) -> None:
    path = tmp_path / "notes.dcm"
    path.write_text("LVIDd 4.8 cm\n")
    with pytest.raises(NotDicomError):
        read_content_tree(path)


def test_every_hostile_file_ends_in_an_echolab_error_or_a_document(tmp_path: Path) -> None:
    huge = struct.pack("<HH", 0x0040, 0xA160) + b"UT\0\0" + struct.pack("<L", 0xFFFFFFF0) + b"abcd"
    cases = {
        "cut short": (sb.document([sb.nested(5)])[:-40], InvalidHeaderError),
        "garbage in an item": (sb.document([b"\x01\x02\x03\x04\x05\x06"]), InvalidHeaderError),
        "4 GiB text value": (sb.document([sb.item("TEXT", between=huge)]), InvalidHeaderError),
        "no root value type": (sb.document([]).replace(b"CONTAINER", b"CONTAINEX"), None),
    }
    for name, (data, error) in cases.items():
        path = tmp_path / f"{name}.dcm"
        path.write_bytes(data)
        start = _cpu()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if error is None:
                read_content_tree(path)
            else:
                with pytest.raises(error):
                    read_content_tree(path)
        assert _cpu() - start < CPU_BUDGET, name
