"""UCUM units: conversions within a dimension, on request, never silently or across dimensions."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from echolab.errors import ReportError
from echolab.reports import to_units
from echolab.reports.units import UNITS, conversion_factor, unit_of


@pytest.mark.parametrize(
    ("source", "target", "factor"),
    [
        ("cm", "mm", 10.0),
        ("mm", "cm", 0.1),
        ("cm/s", "m/s", 0.01),
        ("m/s", "cm/s", 100.0),
        ("ms", "s", 1e-3),
        ("ml", "l", 1e-3),
        ("cm3", "ml", 1.0),
        ("cm2", "mm2", 100.0),
        ("mm[Hg]", "kPa", 0.133322),
        ("%", "{ratio}", 0.01),
        ("{H.B.}/min", "Hz", 1 / 60),
        ("l/min", "ml/s", 1000 / 60),
    ],
)
def test_factors(source: str, target: str, factor: float) -> None:
    assert conversion_factor(source, target) == pytest.approx(factor, rel=1e-9)


def test_across_dimensions_or_unknown_units_is_refused() -> None:
    with pytest.raises(ReportError, match=r"cannot convert cm \(length\) to cm/s \(velocity\)"):
        conversion_factor("cm", "cm/s")
    with pytest.raises(ReportError, match="'furlong' is not one echolab converts"):
        conversion_factor("furlong", "cm")
    assert unit_of("MM") is None  # UCUM is case-sensitive: "MM" is not "mm"
    assert all(unit.scale > 0 and math.isfinite(unit.scale) for unit in UNITS.values())


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["LVIDd", "E", "DT", "EF", "odd"],
            "value": [4.8, 80.0, 190.0, 60.0, 3.0],
            "unit": ["cm", "cm/s", "ms", "%", "{beats}"],
            "remeasured": [4.9, 79.0, float("nan"), float("nan"), 3.0],
        }
    )


def test_targets_apply_to_rows_of_their_dimension() -> None:
    table = _table()
    converted = to_units(table, ["mm", "m/s"])
    assert list(converted["unit"]) == ["mm", "m/s", "ms", "%", "{beats}"]
    assert list(converted["value"]) == pytest.approx([48.0, 0.8, 190.0, 60.0, 3.0])
    assert converted["remeasured"].iloc[:2].tolist() == pytest.approx([49.0, 0.79])
    assert list(table["unit"]) == ["cm", "cm/s", "ms", "%", "{beats}"]  # the input is not changed
    assert list(to_units(table, "s")["value"]) == pytest.approx([4.8, 80.0, 0.19, 60.0, 3.0])


def test_named_rows_must_convert() -> None:
    converted = to_units(_table(), {"LVIDd": "mm", "DT": "s"})
    assert list(converted["value"]) == pytest.approx([48.0, 80.0, 0.19, 60.0, 3.0])
    with pytest.raises(ReportError, match=r"measurement 'E' is in cm/s: cannot convert cm/s \(velocity\) to mm"):
        to_units(_table(), {"E": "mm"})
    with pytest.raises(ReportError, match=r"measurement 'odd' is in \{beats\}: unit '\{beats\}' is not one"):
        to_units(_table(), {"odd": "1"})


def test_ambiguous_or_unknown_targets_are_refused() -> None:
    with pytest.raises(ReportError, match="'mm' and 'cm' both measure length"):
        to_units(_table(), ["mm", "cm"])
    with pytest.raises(ReportError, match="'yard' is not one echolab converts"):
        to_units(_table(), ["yard"])
    with pytest.raises(ReportError, match="'yard' is not one echolab converts"):
        to_units(_table(), {"LVIDd": "yard"})
