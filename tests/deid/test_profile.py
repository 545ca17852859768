"""The PS3.15 Basic Application Level Confidentiality Profile as data (echolab.deid.profile)."""

from __future__ import annotations

import pydicom
import pytest

from echolab.conventions import IDENTIFYING_KEYWORDS
from echolab.deid import (
    BASIC_PROFILE,
    Action,
    action_for,
)

#: pydicom warns of over-long values in the inputs (a 122-character Reason for Study) when they are read
pytestmark = pytest.mark.filterwarnings("ignore:The value length")


def test_the_profile_table() -> None:
    rows = {row.keyword: row for row in BASIC_PROFILE}
    assert len(BASIC_PROFILE) == len({row.tag for row in BASIC_PROFILE}) == 652
    expected = {
        "PatientName": Action.Z,
        "PatientID": Action.Z_D,
        "PatientBirthDate": Action.Z,
        "PatientAddress": Action.X,
        "PatientAge": Action.X,
        "InstitutionName": Action.X_Z_D,
        "InstitutionAddress": Action.X,
        "ReferringPhysicianName": Action.Z,
        "PerformingPhysicianName": Action.X,
        "OperatorsName": Action.X_Z_D,
        "StationName": Action.X_Z_D,
        "DeviceSerialNumber": Action.X_Z_D,
        "AccessionNumber": Action.Z,
        "StudyInstanceUID": Action.U,
        "SeriesInstanceUID": Action.U,
        "SOPInstanceUID": Action.U,
        "ReferencedSOPInstanceUID": Action.U,
        "StudyDate": Action.Z,
        "ImageComments": Action.X,
        "IconImageSequence": Action.X,
        "ReferencedImageSequence": Action.X_Z_U,
    }
    assert {keyword: rows[keyword].action for keyword in expected} == expected
    for row in BASIC_PROFILE:  # keywords and tags agree with pydicom's dictionary where it knows them
        known = pydicom.datadict.keyword_for_tag(row.tag)
        assert known in ("", row.keyword), (hex(row.tag), row.keyword, known)
    assert action_for(0x60023000) is not None and action_for(0x60023000).action is Action.X  # overlay data, any group
    assert action_for(0x00280010) is None  # Rows: not listed, kept
    for keyword in IDENTIFYING_KEYWORDS:  # every identifier echolab knows of is in the table
        assert keyword in rows, keyword
