"""The UCUM units of echo measurements, and conversion between them on request.

Reports write their units as UCUM codes (PS3.16 CID 82 / the units of TID 5203): one scanner
writes LVIDd in ``cm``, another in ``mm``; velocities in ``cm/s`` or ``m/s``. echolab keeps the
unit as written and converts only when asked (:func:`to_units`), never silently.

Written by hand, not with a UCUM library: the units of echo measurements are a small closed set
whose conversions are scale factors within one dimension; the UCUM parsers for Python (ucumvert
on pint, with a grammar parser) would add two dependencies to the reading of a report for a table
of a few dozen entries, and could not say "this is a velocity" any better.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..errors import ReportError

__all__ = ["Unit", "UNITS", "unit_of", "conversion_factor", "to_units"]


class Unit(NamedTuple):
    """A UCUM unit: what it measures and its size in the dimension's base unit (SI)."""

    dimension: str
    scale: float


_MMHG = 133.3220  # Pa: UCUM defines m[Hg] as 133.3220 kPa

#: Every unit echolab converts, by UCUM code (case-sensitive, as UCUM is).
UNITS: dict[str, Unit] = {
    # length
    "m": Unit("length", 1.0),
    "dm": Unit("length", 0.1),
    "cm": Unit("length", 1e-2),
    "mm": Unit("length", 1e-3),
    "um": Unit("length", 1e-6),
    # velocity
    "m/s": Unit("velocity", 1.0),
    "cm/s": Unit("velocity", 1e-2),
    "mm/s": Unit("velocity", 1e-3),
    # acceleration (acceleration and deceleration slopes)
    "m/s2": Unit("acceleration", 1.0),
    "cm/s2": Unit("acceleration", 1e-2),
    # time
    "s": Unit("time", 1.0),
    "ms": Unit("time", 1e-3),
    "min": Unit("time", 60.0),
    # area
    "m2": Unit("area", 1.0),
    "cm2": Unit("area", 1e-4),
    "mm2": Unit("area", 1e-6),
    # volume
    "l": Unit("volume", 1e-3),
    "L": Unit("volume", 1e-3),
    "dl": Unit("volume", 1e-4),
    "ml": Unit("volume", 1e-6),
    "mL": Unit("volume", 1e-6),
    "cm3": Unit("volume", 1e-6),
    "ul": Unit("volume", 1e-9),
    # volume flow (cardiac output, regurgitant flow)
    "l/min": Unit("volume flow", 1e-3 / 60),
    "L/min": Unit("volume flow", 1e-3 / 60),
    "ml/min": Unit("volume flow", 1e-6 / 60),
    "ml/s": Unit("volume flow", 1e-6),
    "mL/s": Unit("volume flow", 1e-6),
    # pressure (gradients, RVSP) and its rate of change (dP/dt)
    "mm[Hg]": Unit("pressure", _MMHG),
    "Pa": Unit("pressure", 1.0),
    "kPa": Unit("pressure", 1e3),
    "mm[Hg]/s": Unit("pressure rate", _MMHG),
    # rates (heart rate)
    "/min": Unit("rate", 1 / 60),
    "1/min": Unit("rate", 1 / 60),
    "{beats}/min": Unit("rate", 1 / 60),
    "{H.B.}/min": Unit("rate", 1 / 60),
    "/s": Unit("rate", 1.0),
    "Hz": Unit("rate", 1.0),
    # fractions and ratios (EF in %, E/A as a ratio)
    "%": Unit("fraction", 1e-2),
    "1": Unit("fraction", 1.0),
    "{ratio}": Unit("fraction", 1.0),
    # mass and indexed quantities
    "g": Unit("mass", 1e-3),
    "kg": Unit("mass", 1.0),
    "g/m2": Unit("mass per body area", 1e-3),
    "ml/m2": Unit("volume per body area", 1e-6),
    "mL/m2": Unit("volume per body area", 1e-6),
    "cm2/m2": Unit("area per body area", 1e-4),
    "cm/m2": Unit("length per body area", 1e-2),
    "l/min/m2": Unit("volume flow per body area", 1e-3 / 60),
    "L/min/m2": Unit("volume flow per body area", 1e-3 / 60),
    # angles
    "deg": Unit("angle", math.pi / 180),
    "rad": Unit("angle", 1.0),
}


def unit_of(code: str) -> Unit | None:
    """The :class:`Unit` of UCUM ``code``; None for a unit echolab does not convert."""
    return UNITS.get(code.strip())


def _unknown(unit: str) -> ReportError:
    return ReportError(f"unit {unit!r} is not one echolab converts; known units: {', '.join(sorted(UNITS))}")


def conversion_factor(source: str, target: str) -> float:
    """The number a value in ``source`` is multiplied by to be in ``target`` (``"cm"`` to ``"mm"``: 10).

    Raises
    ------
    ReportError
        When either unit is unknown or they measure different things (cm and cm/s).
    """
    have, want = unit_of(source), unit_of(target)
    if have is None or want is None:
        unknown = source if have is None else target
        raise _unknown(unknown)
    if have.dimension != want.dimension:
        raise ReportError(
            f"cannot convert {source} ({have.dimension}) to {target} ({want.dimension}): they measure different things"
        )
    return have.scale / want.scale


def to_units(measurements: pd.DataFrame, units: str | Iterable[str] | Mapping[str, str]) -> pd.DataFrame:
    """A copy of a measurements table with values converted to other units.

    Parameters
    ----------
    measurements
        A table of :attr:`echolab.reports.Report.measurements` (columns ``name``, ``value``,
        ``unit``; a ``remeasured`` column is converted too).
    units
        Either target units — ``"mm"`` or ``["mm", "m/s", "ms"]`` — each applied to every row whose
        unit measures the same thing (rows of other dimensions, or of units echolab does not know,
        stay as written); or a mapping from short name to unit — ``{"LVIDd": "mm", "E": "m/s"}`` —
        applied to the rows of those names, each of which must be convertible.

    Raises
    ------
    ReportError
        For an unknown target unit, two targets of one dimension, or a named row whose unit cannot
        be converted to the one asked.
    """
    table = measurements.copy()
    targets = _targets(units)
    factors: list[float] = []
    new_units: list[str] = []
    for name, unit in zip(table["name"], table["unit"], strict=True):
        unit_text = "" if unit is None or (isinstance(unit, float) and math.isnan(unit)) else str(unit)
        target = targets.by_name.get(str(name)) if targets.by_name else None
        if target is not None:
            try:
                factor = conversion_factor(unit_text, target)
            except ReportError as exc:
                raise ReportError(f"measurement {name!r} is in {unit_text or 'no unit'}: {exc.reason}") from None
        else:
            have = unit_of(unit_text)
            target = targets.by_dimension.get(have.dimension) if have is not None else None
            factor = 1.0 if target is None else conversion_factor(unit_text, target)
        factors.append(factor)
        new_units.append(unit_text if target is None else target)
    scale = np.asarray(factors, dtype=float)
    table["value"] = table["value"].astype(float) * scale
    if "remeasured" in table:
        table["remeasured"] = table["remeasured"].astype(float) * scale
    table["unit"] = new_units
    return table


class _Targets(NamedTuple):
    by_dimension: dict[str, str]
    by_name: dict[str, str]


def _targets(units: str | Iterable[str] | Mapping[str, str]) -> _Targets:
    if isinstance(units, Mapping):
        for target in units.values():
            if unit_of(target) is None:
                raise ReportError(
                    f"unit {target!r} is not one echolab converts; known units: {', '.join(sorted(UNITS))}"
                )
        return _Targets({}, {str(name): str(target) for name, target in units.items()})
    wanted = [units] if isinstance(units, str) else list(units)
    by_dimension: dict[str, str] = {}
    for target in wanted:
        unit = unit_of(target)
        if unit is None:
            raise _unknown(target)
        if unit.dimension in by_dimension and by_dimension[unit.dimension] != target:
            raise ReportError(
                f"units {by_dimension[unit.dimension]!r} and {target!r} both measure {unit.dimension}: ask for one"
            )
        by_dimension[unit.dimension] = target
    return _Targets(by_dimension, {})
