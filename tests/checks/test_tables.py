"""The calibration panel's tables and findings (echolab.checks.tables)."""

from __future__ import annotations

import warnings

import pytest

import echolab
from echolab import checks
from echolab.samples import sample


def test_the_calibration_panel_shows_the_same_findings() -> None:
    pytest.importorskip("ipywidgets")
    from echolab.ui.widgets import CalibrationPanel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", echolab.EcholabWarning)
        panel = CalibrationPanel(sample("examples_ybr_color.dcm"))
    assert [f.to_dict() for f in panel.findings] == [f.to_dict() for f in checks.check_file(panel.echofile.source)]
    assert "region-overhang" in panel.findings_table.value
