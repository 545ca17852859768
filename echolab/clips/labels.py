"""Each clip's labels from its study's report: the selected values of named measurements.

A clip's name starts with its file key, a keyed hash of the cine's SOP Instance UID
(:func:`echolab.clips.export.file_key`); the catalogue (:func:`echolab.studies.catalogue`) says
which study each instance belongs to and what each study's reports measured. :func:`study_targets`
joins them: for every instance, the values of the ``targets`` (short names, ``"EF"``, ``"LVIDd"``)
its study's reports selected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import EcholabError
from ..reports.units import conversion_factor
from .export import file_key

__all__ = ["study_targets"]


def study_targets(
    measurements: pd.DataFrame,
    instances: pd.DataFrame,
    targets: Sequence[str],
    *,
    salt: str | None = None,
    units: Mapping[str, str] | None = None,
) -> dict[str, np.ndarray]:
    """The targets' values of every instance's study, by the instance's file key.

    Parameters
    ----------
    measurements
        :attr:`echolab.studies.Catalogue.measurements` (``study_instance_uid``, ``name``,
        ``value``, ``unit``, ``selected``); filter it first to choose among measurements of one
        name (``measurements[measurements.image_mode == "M mode"]``).
    instances
        :attr:`echolab.studies.Catalogue.instances` (``sop_instance_uid``, ``study_instance_uid``).
    targets
        Short names; each item's label holds their values in this order (NaN for a study that
        has none). The first selected value of a study in its report's order counts.
    salt
        The key the clips were named with (``echolab clips --salt``).
    units
        A unit per target (``{"LVIDd": "cm"}``): values are converted to it. Without one, every
        study's value of a target must be in one unit.

    Returns
    -------
    dict
        File key -> float64 array of ``len(targets)``, for the instances whose study has at least
        one of the targets.

    Raises
    ------
    EcholabError
        When a target's values come in several units and ``units`` gives none for it, or a unit
        cannot be converted.
    """
    chosen = measurements[measurements["selected"] & measurements["name"].isin(list(targets))]
    chosen = chosen.drop_duplicates(["study_instance_uid", "name"], keep="first")
    values: dict[str, np.ndarray] = {}
    for column, target in enumerate(targets):
        rows = chosen[chosen["name"] == target]
        wanted = (units or {}).get(target)
        found = {str(unit) for unit in rows["unit"] if isinstance(unit, str)}
        if wanted is None and len(found) > 1:
            given = ", ".join(sorted(found))
            raise EcholabError(f"the reports give {target!r} in {given}: say which unit with units={{{target!r}: ...}}")
        for study, value, unit in zip(rows["study_instance_uid"], rows["value"], rows["unit"], strict=True):
            factor = 1.0 if wanted is None or not isinstance(unit, str) else conversion_factor(unit, wanted)
            label = values.setdefault(str(study), np.full(len(targets), math.nan))
            label[column] = float(value) * factor
    by_key: dict[str, np.ndarray] = {}
    for uid, study in zip(instances["sop_instance_uid"], instances["study_instance_uid"], strict=True):
        if isinstance(uid, str) and str(study) in values:
            by_key[file_key(uid, salt)] = values[str(study)]
    return by_key
