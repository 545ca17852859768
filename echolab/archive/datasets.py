"""A file as an xarray DataTree: an ``image`` group and one ``region_<i>`` group per region.

``i`` is the item index in (0018,6011) Sequence of Ultrasound Regions, so group names match
``EchoFile.region(i)``; unusable items have no group and are listed in the root attrs. Nothing
that identifies a patient, an operator or an institution is copied unless asked for — neither
header elements nor pixels: the ``image`` group is blanked outside the region boxes, where
scanners burn names, IDs and dates into the picture (``keep_identifiers=True`` keeps it whole).
"""

from __future__ import annotations

import os
from typing import Any

import xarray as xr
from pydicom.dataset import Dataset

from .. import __version__
from ..conventions import (
    CINE_RATE,
    COLUMNS,
    CONVERTED_BY,
    FRAME_RATE,
    HEADER_NUMBER_OF_FRAMES_ATTR,
    HEART_RATE,
    IDENTIFIER_PREFIX,
    IDENTIFYING_KEYWORDS,
    MANUFACTURER,
    MANUFACTURER_MODEL_NAME,
    NUMBER_OF_FRAMES_ATTR,
    PHOTOMETRIC_INTERPRETATION,
    PROBLEMS_ATTR,
    REGION_COUNT,
    ROWS,
    SOP_CLASS_UID,
    SOP_INSTANCE_UID,
    SOURCE_FILE,
    TIMING_SOURCE,
    TRANSFER_SYNTAX_UID,
    UNUSABLE_REGIONS,
    netcdf_safe_attrs,
)
from ..echofile import EchoFile
from ..errors import EcholabError
from ..reading.elements import get_str

__all__ = ["file_datatree", "file_dataset", "group_names", "identifying_attrs", "root_attrs"]


def identifying_attrs(dataset: Dataset) -> dict[str, str]:
    """The identifying elements present in ``dataset`` (see ``IDENTIFYING_KEYWORDS``), as text."""
    found = {}
    for keyword in sorted(IDENTIFYING_KEYWORDS):
        try:
            value = dataset.get(keyword)
        except Exception:  # a malformed identifier is left out rather than failing the export
            continue
        if value is not None and str(value) != "":
            found[keyword] = str(value)
    return found


def root_attrs(f: EchoFile, *, keep_identifiers: bool = False) -> dict[str, Any]:
    """Attrs of a file's root group: a header summary without identifiers unless asked.

    ``number_of_frames`` is the frames the arrays hold; ``header_number_of_frames`` what
    (0028,0008) says, and ``problems`` why they differ (see :mod:`echolab.reading.problems`).

    Raises
    ------
    PixelDataError
        When the file has no whole frame (see :attr:`EchoFile.pixels`).
    """
    unusable = [f"{r.index}: " + "; ".join(r.problems) for r in f.header_regions if not r.usable]
    attrs: dict[str, Any] = {
        SOP_INSTANCE_UID: f.sop_instance_uid,
        SOP_CLASS_UID: get_str(f.dataset, "SOPClassUID", f.source),
        MANUFACTURER: f.manufacturer,
        MANUFACTURER_MODEL_NAME: f.model,
        ROWS: f.rows,
        COLUMNS: f.columns,
        NUMBER_OF_FRAMES_ATTR: f.pixels.number_of_frames,
        HEADER_NUMBER_OF_FRAMES_ATTR: f.number_of_frames,
        PROBLEMS_ATTR: " | ".join(str(problem) for problem in f.problems) or None,
        FRAME_RATE: f.frame_rate,
        TIMING_SOURCE: f.timing_source.value,
        CINE_RATE: f.cine_rate,
        HEART_RATE: f.heart_rate,
        TRANSFER_SYNTAX_UID: f.transfer_syntax_uid,
        PHOTOMETRIC_INTERPRETATION: f.photometric_interpretation,
        REGION_COUNT: len(f.header_regions),
        UNUSABLE_REGIONS: " | ".join(unusable) if unusable else None,
        CONVERTED_BY: f"echolab {__version__}",
    }
    if keep_identifiers:
        attrs[SOURCE_FILE] = os.path.basename(f.source) if f.source else None
        attrs.update({IDENTIFIER_PREFIX + k: v for k, v in identifying_attrs(f.dataset).items()})
    return netcdf_safe_attrs(attrs)


def group_names(f: EchoFile) -> list[str]:
    """Names of the groups a file gives: ``image`` then ``region_<i>`` for each usable region."""
    # boxes and usability are the header's whatever the calibration: no correction needs computing here
    return ["image"] + [f"region_{r.index}" for r in f.header_regions if r.usable]


def _group_dataset(f: EchoFile, group: str, keep_identifiers: bool, cache: bool) -> xr.Dataset:
    """The Dataset of one group, without the file's summary attrs."""
    names = group_names(f)
    group = group.strip("/")
    if group not in names:
        raise EcholabError(f"no group {group!r}; this file has {', '.join(names)}", f.source)
    if group == "image":  # burned-in identities lie outside the regions: blanked unless asked for
        array = f.image(cache=cache, blank_outside_regions=not keep_identifiers)
    else:
        array = f.region(int(group.removeprefix("region_")), cache=cache)
    if keep_identifiers:
        array.attrs[SOURCE_FILE] = os.path.basename(f.source) if f.source else None
    return array.to_dataset(promote_attrs=False)


def file_dataset(
    f: EchoFile, group: str = "image", *, keep_identifiers: bool = False, cache: bool = True
) -> xr.Dataset:
    """One group of a file as a Dataset with a single data variable named like the group, and
    the file's summary (:func:`root_attrs`) as attrs. ``cache=False`` leaves the lazy data for a
    caller that adds its own caching (the xarray engine, a Zarr writer).

    Raises
    ------
    EcholabError
        When ``group`` is not one of :func:`group_names`.
    """
    dataset = _group_dataset(f, group, keep_identifiers, cache)
    return dataset.assign_attrs(root_attrs(f, keep_identifiers=keep_identifiers))


def file_datatree(f: EchoFile, *, keep_identifiers: bool = False, cache: bool = True) -> xr.DataTree:
    """The whole file as a DataTree: the summary in the root, an ``image`` group and the usable
    regions (``cache`` as for :func:`file_dataset`)."""
    groups = {"/": xr.Dataset(attrs=root_attrs(f, keep_identifiers=keep_identifiers))}
    for name in group_names(f):
        groups[f"/{name}"] = _group_dataset(f, name, keep_identifiers, cache)
    return xr.DataTree.from_dict(groups)
