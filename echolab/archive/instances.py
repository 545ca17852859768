"""The instances of a folder from their headers only: their UIDs, what kind each is, where it lies.

Headers are read with :func:`echolab.reading.raw_header.read_raw_header`, without pydicom, whenever
it can vouch for the file, else pydicom's header reader; no pixel is decoded. Both the catalogue
(:mod:`echolab.studies`) and the re-measuring of a report's calipers
(:func:`echolab.reports.remeasure`) find images here.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..codes import DataType, InstanceKind, RegionKind
from ..errors import EcholabError
from ..reading.content_tree import is_sr_sop_class
from ..reading.elements import get_str
from ..reading.fields import header_fields
from ..reading.header import Header, read_header
from ..reading.raw_header import RawHeader, read_raw_header
from ..reading.regions import Region

__all__ = ["INSTANCE_COLUMNS", "instance_kind", "instance_row", "instance_rows", "instance_table", "find_instances"]

#: The columns of :attr:`Catalogue.instances`, in order.
INSTANCE_COLUMNS: tuple[str, ...] = (
    "study_instance_uid",
    "series_instance_uid",
    "sop_instance_uid",
    "sop_class_uid",
    "path",
    "kind",
    "frames",
    "duration",
    "heart_rate",
    "manufacturer",
    "model",
    "error",
)


def instance_kind(sop_class_uid: str | None, regions: Sequence[Region], frames: int) -> InstanceKind:
    """What an instance is: ``report`` for an SR SOP class, else its most specific region's kind
    (see the module docstring)."""
    if is_sr_sop_class(sop_class_uid):
        return InstanceKind.REPORT
    kinds = {region.kind for region in regions}
    spectral = [region for region in regions if region.kind is RegionKind.SPECTRAL_DOPPLER]
    if spectral:
        if any(region.data_type is DataType.CW_SPECTRAL_DOPPLER for region in spectral):
            return InstanceKind.CW_DOPPLER
        return InstanceKind.PW_DOPPLER
    if RegionKind.M_MODE in kinds:
        return InstanceKind.M_MODE
    if RegionKind.COLOR_FLOW in kinds:
        return InstanceKind.COLOUR_FLOW
    if RegionKind.TWO_D in kinds:
        return InstanceKind.TWO_D_CINE if frames > 1 else InstanceKind.TWO_D_STILL
    return InstanceKind.OTHER


def _header(path: str) -> Header | RawHeader:
    """The header, without pydicom when the fast reader vouches for the file."""
    fast = read_raw_header(path)
    return fast if fast is not None else read_header(path)


def instance_row(path: str, root: str | None) -> dict[str, Any]:
    """One row of :attr:`Catalogue.instances` (see the module docstring); never raises for a bad file."""
    row: dict[str, Any] = dict.fromkeys(INSTANCE_COLUMNS)
    row["path"] = os.path.relpath(path, root) if root else path
    row["error"] = ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a catalogue lists files; echolab check says what is odd
            header = _header(path)
            dataset, source = header.dataset, header.source
            for column, keyword in (
                ("study_instance_uid", "StudyInstanceUID"),
                ("series_instance_uid", "SeriesInstanceUID"),
                ("sop_instance_uid", "SOPInstanceUID"),
                ("sop_class_uid", "SOPClassUID"),
                ("manufacturer", "Manufacturer"),
                ("model", "ManufacturerModelName"),
            ):
                row[column] = get_str(dataset, keyword, source)
            if is_sr_sop_class(row["sop_class_uid"]):
                row["kind"] = InstanceKind.REPORT.value
                return row
            fields = header_fields(header)
    except EcholabError as exc:
        row["error"] = exc.reason
        return row
    except OSError as exc:
        row["error"] = f"cannot read the file ({exc.strerror})"
        return row
    row["kind"] = instance_kind(row["sop_class_uid"], fields.regions, fields.number_of_frames).value
    row["frames"] = fields.number_of_frames
    rate = fields.timing.frame_rate
    row["duration"] = fields.number_of_frames / rate if rate else None
    row["heart_rate"] = fields.heart_rate
    return row


def instance_rows(files: list[str], root: str | None, workers: int | None) -> list[dict[str, Any]]:
    """The rows of ``files``, read in worker processes for a large folder (as ``echolab scan``)."""
    from .inventory import POOL_FROM

    count = workers or os.cpu_count() or 1
    if count <= 1 or len(files) < (8 if workers else POOL_FROM):
        return [instance_row(path, root) for path in files]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from ..parallel import check_script_guard

    context = multiprocessing.get_context()
    check_script_guard("echolab.studies.catalogue()", context.get_start_method())
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        return list(pool.map(instance_row, files, [root] * len(files), chunksize=16))


def instance_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    table = pd.DataFrame(
        {column: pd.Series([row[column] for row in rows], dtype=object) for column in INSTANCE_COLUMNS}
    )
    table["frames"] = table["frames"].astype("Int64")
    table["duration"] = table["duration"].astype("float64")
    table["heart_rate"] = table["heart_rate"].astype("float64")
    return table


def find_instances(paths: Sequence[str | os.PathLike[str]], *, workers: int | None = None) -> dict[str, str]:
    """The files under ``paths`` by (0008,0018) SOP Instance UID, from their headers only (the
    first file of a UID that occurs twice)."""
    from .inventory import find_files

    found: dict[str, str] = {}
    for row in instance_rows(find_files(paths), None, workers):
        if row["sop_instance_uid"] and not row["error"]:
            found.setdefault(row["sop_instance_uid"], row["path"])
    return found
