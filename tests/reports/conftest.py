"""Generated echo exams (images and a TID 5200 report) in every vendor style, written once per run."""

from __future__ import annotations

import pytest

from echolab.samples.synthetic.reports import STYLES, ReportTruth, write_report_study


@pytest.fixture(scope="session")
def studies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ReportTruth]:
    """Every style's exam, by style name."""
    return {style: write_report_study(tmp_path_factory.mktemp(style), style=style) for style in STYLES}


@pytest.fixture(params=sorted(STYLES))
def study(request: pytest.FixtureRequest, studies: dict[str, ReportTruth]) -> ReportTruth:
    """One style's exam (the tests using it run once per style)."""
    return studies[request.param]
