"""echolab.reports.read: the report's own facts, and what it says of reports that are not echo reports."""

from __future__ import annotations

import warnings

import pytest
from pydicom.data import get_testdata_file

from echolab.codes import CompletionFlag, VerificationFlag
from echolab.errors import ReportWarning
from echolab.reports import read
from echolab.samples.synthetic.reports import ReportTruth


def test_uids_template_and_flags(study: ReportTruth) -> None:
    report = read(study.path)
    style = study.style
    assert report.sop_class_uid == style.sop_class_uid
    assert (report.sop_instance_uid, report.series_instance_uid, report.study_instance_uid) == (
        study.sop_instance_uid,
        study.series_instance_uid,
        study.study_instance_uid,
    )
    assert report.template == ("5200" if style.template_identifier else None)
    assert report.mapping_resource == ("DCMR" if style.template_identifier else None)
    assert report.is_echo_report  # by its template, or by its title when the template is missing
    assert report.title == "Adult Echocardiography Procedure Report"
    assert report.completion_flag is CompletionFlag(style.completion_flag)
    assert report.verification_flag is VerificationFlag(style.verification_flag)
    assert report.manufacturer == style.manufacturer
    assert {e.sop_instance_uid for e in report.evidence} == set(study.image_uids.values())
    assert report.problems == ()
    assert report.source == study.path
    assert "measurements" in repr(report) and (style.completion_flag in repr(report))


def test_selected_rows_are_one_per_measurement(study: ReportTruth) -> None:
    report = read(study.path)
    assert report.selected()["selected"].all()
    assert len(report.selected()) == sum(m.selected for m in study.measurements)


def test_a_report_that_is_not_an_echo_report_is_read_with_a_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = read(get_testdata_file("test-SR.dcm"))
    reasons = [w.message.reason for w in caught if isinstance(w.message, ReportWarning)]
    assert any("neither (0040,DB00) Template Identifier (absent)" in r and "Diagnosis" in r for r in reasons)
    assert not report.is_echo_report
    assert list(report.measurements["value"]) == [3.0, 3.0]
    assert list(report.measurements["name"]) == ["Diameter", "Diameter"]  # no short name: the meaning
    assert list(report.measurements["group"]) == ["(unnamed container)", "(unnamed container) > (unnamed container)"]


def test_to_units_on_the_report(studies: dict[str, ReportTruth]) -> None:
    report = read(studies["legacy"].path)
    table = report.to_units({"LVIDd": "cm"})
    lvidd = table[(table["name"] == "LVIDd") & table["selected"]]
    assert set(lvidd["unit"]) == {"cm"}
    assert sorted(lvidd["value"]) == pytest.approx([5.0, 5.1], abs=1e-4)
