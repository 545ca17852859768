"""TID 5201: the patient's height, weight, BSA, heart rate and blood pressure with their units."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset

from echolab.reading.content_tree import content_tree_from_dataset
from echolab.reports import Patient, Quantity, read
from echolab.reports.patient import patient_characteristics
from echolab.samples.synthetic.reports import ReportTruth


def test_patient_characteristics_of_every_style(study: ReportTruth) -> None:
    patient = read(study.path).patient
    for name, (value, unit) in study.patient.items():
        quantity = getattr(patient, name)
        assert quantity is not None and quantity.unit == unit, name
        assert quantity.value == pytest.approx(value, rel=1e-9), name
    assert patient.bsa is not None and patient.bsa.value == pytest.approx(1.8288, abs=1e-4)  # Mosteller, 172 cm 70 kg
    assert str(patient.height) == "172 cm"


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _num(concept: tuple[str, str, str], value: str, unit: str) -> Dataset:
    measured = Dataset()
    measured.NumericValue = value
    measured.MeasurementUnitsCodeSequence = [_code(unit, "UCUM", unit)]
    item = Dataset()
    item.RelationshipType, item.ValueType = "CONTAINS", "NUM"
    item.ConceptNameCodeSequence = [_code(*concept)]
    item.MeasuredValueSequence = [measured]
    return item


def _document(*children: Dataset) -> Patient:
    root = Dataset()
    root.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.33"
    root.ValueType = "CONTAINER"
    root.ConceptNameCodeSequence = [_code("125200", "DCM", "Adult Echocardiography Procedure Report")]
    root.ContentSequence = list(children)
    return patient_characteristics(content_tree_from_dataset(root))


def test_legacy_blood_pressure_codes_and_the_first_value_of_each() -> None:
    container = Dataset()
    container.RelationshipType, container.ValueType = "CONTAINS", "CONTAINER"
    container.ConceptNameCodeSequence = [_code("121118", "DCM", "Patient Characteristics")]
    container.ContentSequence = [
        _num(("F-008EC", "SRT", "Systolic blood pressure"), "135", "mm[Hg]"),
        _num(("F-008ED", "SRT", "Diastolic blood pressure"), "85", "mm[Hg]"),
        _num(("8302-2", "LN", "Patient Height"), "1.8", "m"),
        _num(("8302-2", "LN", "Patient Height"), "999", "cm"),
    ]
    patient = _document(container)
    assert patient.systolic_bp == Quantity(135.0, "mm[Hg]") and patient.diastolic_bp == Quantity(85.0, "mm[Hg]")
    assert patient.height == Quantity(1.8, "m")
    assert patient.weight is None and patient.heart_rate is None


def test_numbers_outside_patient_characteristics_are_not_the_patients() -> None:
    patient = _document(_num(("8302-2", "LN", "Patient Height"), "172", "cm"))
    assert patient == Patient() and all(value is None for value in patient.as_dict().values())
