"""The catalogue of a folder of echo exams: every instance by study and series, what kind it is,
and every report's measurements resolved to the image files they were made on.

:func:`catalogue` reads headers only — with :func:`echolab.reading.raw_header.read_raw_header`,
without pydicom, whenever it can vouch for the file, else pydicom's header reader — and no pixel
is decoded; the Structured Reports among the files are read whole by :func:`echolab.reports.read`.
``.instances`` has one row per instance:

``study_instance_uid``, ``series_instance_uid``, ``sop_instance_uid``, ``sop_class_uid``
    The instance's UIDs.
``path``
    The file, relative to the folder holding everything catalogued (folder names often carry
    patient names).
``kind``
    :class:`~echolab.codes.InstanceKind`: ``report`` for an SR document; otherwise from the
    regions, the most specific deciding — ``CW Doppler``, ``PW Doppler``, ``M-mode``, ``colour
    flow``, then ``2D cine`` / ``2D still`` by the number of frames; ``other`` for an instance
    without any of them.
``frames``, ``duration``, ``heart_rate``
    (0028,0008) Number of Frames; the loop's duration in s from its frame times (None without
    timing); (0018,1088) Heart Rate in beats/min.
``manufacturer``, ``model``
    (0008,0070) and (0008,1090).
``error``
    Why the file could not be read ("" when it was).

``.measurements`` holds every report's measurements (:data:`echolab.reports.COLUMNS`) with the
report's ``study_instance_uid``, ``report_sop_instance_uid`` and ``report_path``, and the
``image_path`` and ``image_kind`` of the instance each caliper was placed on (None when that
instance is not in the catalogue).

:meth:`Catalogue.write` (and ``echolab catalogue SRC... --out DIR``) writes both tables as Parquet
— through pyarrow (``pip install "echolab[catalogue]"``): the format pandas, DuckDB and Polars all
read with their column types, which CSV loses — or as CSV on request.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .codes import DataType, InstanceKind, RegionKind
from .errors import EcholabError, require
from .reading.content_tree import is_sr_sop_class
from .reading.elements import get_str
from .reading.fields import header_fields
from .reading.header import Header, read_header
from .reading.raw_header import RawHeader, read_raw_header
from .reading.regions import Region

__all__ = ["Catalogue", "catalogue", "instance_kind", "INSTANCE_COLUMNS", "find_instances"]

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


def _instances(files: list[str], root: str | None, workers: int | None) -> list[dict[str, Any]]:
    """The rows of ``files``, read in worker processes for a large folder (as ``echolab scan``)."""
    from .archive.inventory import POOL_FROM

    count = workers or os.cpu_count() or 1
    if count <= 1 or len(files) < (8 if workers else POOL_FROM):
        return [instance_row(path, root) for path in files]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from .parallel import check_script_guard

    context = multiprocessing.get_context()
    check_script_guard("echolab.studies.catalogue()", context.get_start_method())
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        return list(pool.map(instance_row, files, [root] * len(files), chunksize=16))


def _instance_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    table = pd.DataFrame(
        {column: pd.Series([row[column] for row in rows], dtype=object) for column in INSTANCE_COLUMNS}
    )
    table["frames"] = table["frames"].astype("Int64")
    table["duration"] = table["duration"].astype("float64")
    table["heart_rate"] = table["heart_rate"].astype("float64")
    return table


@dataclass(frozen=True, eq=False)
class Catalogue:
    """What :func:`catalogue` found (see the module docstring for the columns).

    Attributes
    ----------
    instances
        One row per instance.
    measurements
        Every report's measurements, resolved to the image files.
    root
        The folder row paths are relative to.
    """

    instances: pd.DataFrame
    measurements: pd.DataFrame
    root: str | None

    def write(self, folder: str | os.PathLike[str], *, csv: bool = False) -> list[str]:
        """Write ``instances.parquet`` and ``measurements.parquet`` into ``folder`` (created if
        needed), or ``.csv`` files with ``csv=True``; return the paths written.

        Raises
        ------
        MissingDependencyError
            For Parquet without pyarrow (``pip install "echolab[catalogue]"``).
        """
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        written = []
        for name, table in (("instances", self.instances), ("measurements", self.measurements)):
            if csv:
                path = target / f"{name}.csv"
                _for_csv(table).to_csv(path, index=False)
            else:
                require("pyarrow", extra="catalogue", purpose="writing Parquet")
                path = target / f"{name}.parquet"
                _for_parquet(table).to_parquet(path, index=False)
            written.append(str(path))
        return written


def _for_parquet(table: pd.DataFrame) -> pd.DataFrame:
    """Object columns as Arrow types: text as strings, coordinates as lists of [column, row] lists."""
    out = table.copy()
    if "graphic_data" in out:
        lists = [None if g is None else [list(point) for point in g] for g in out["graphic_data"]]
        out["graphic_data"] = pd.Series(lists, dtype=object, index=out.index)
    return out


def _for_csv(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    if "graphic_data" in out:
        texts = ["" if g is None else " ".join(",".join(f"{v:g}" for v in p) for p in g) for g in out["graphic_data"]]
        out["graphic_data"] = pd.Series(texts, dtype=object, index=out.index)
    return out


def find_instances(paths: Sequence[str | os.PathLike[str]], *, workers: int | None = None) -> dict[str, str]:
    """The files under ``paths`` by (0008,0018) SOP Instance UID, from their headers only (the
    first file of a UID that occurs twice)."""
    from .archive.inventory import find_files

    found: dict[str, str] = {}
    for row in _instances(find_files(paths), None, workers):
        if row["sop_instance_uid"] and not row["error"]:
            found.setdefault(row["sop_instance_uid"], row["path"])
    return found


def catalogue(*paths: str | os.PathLike[str], workers: int | None = None) -> Catalogue:
    """The :class:`Catalogue` of every DICOM file under ``paths`` (files, or folders searched
    recursively, as :func:`echolab.archive.inventory.find_files` does).

    ``workers`` processes read headers in parallel (default: one per CPU for a folder of many
    files, else this process). Reports that cannot be read keep their instance row with the
    reason in ``error`` and give no measurements.
    """
    from .archive.inventory import _common_folder, find_files

    files = find_files(paths)
    root = _common_folder(paths)
    rows = _instances(files, root, workers)
    frames = []
    for row, path in zip(rows, files, strict=True):
        if row["kind"] != InstanceKind.REPORT.value or row["error"]:
            continue
        try:
            frames.append(_report_rows(path, row))
        except (EcholabError, OSError) as exc:
            row["error"] = exc.reason if isinstance(exc, EcholabError) else f"cannot read the file ({exc.strerror})"
    instances = _instance_table(rows)
    return Catalogue(instances, _resolved(frames, instances), root)


def _report_rows(path: str, row: dict[str, Any]) -> pd.DataFrame:
    from .reports import read

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)  # read anyway; echolab check reports what is odd
        report = read(path)
    table = report.measurements.copy()
    table.insert(0, "report_path", row["path"])
    table.insert(0, "report_sop_instance_uid", report.sop_instance_uid)
    table.insert(0, "study_instance_uid", report.study_instance_uid)
    return table


def _resolved(frames: list[pd.DataFrame], instances: pd.DataFrame) -> pd.DataFrame:
    from .reports import COLUMNS
    from .reports.measurements import empty_table

    if not frames:
        table = empty_table()
        for column in ("report_path", "report_sop_instance_uid", "study_instance_uid"):
            table.insert(0, column, pd.Series([], dtype=object))
    else:
        table = pd.concat(frames, ignore_index=True)
    images = instances[(instances["kind"] != InstanceKind.REPORT.value) & (instances["error"] == "")]
    where: dict[str, list[tuple[str, str]]] = {}
    for uid, path, kind in zip(images["sop_instance_uid"], images["path"], images["kind"], strict=True):
        where.setdefault(uid, []).append((path, kind))

    def resolve(uid: Any, report: str) -> tuple[str | None, str | None]:
        """The instance of ``uid``: beside the report when copies of it lie in several folders."""
        found = where.get(uid) if isinstance(uid, str) else None
        if not found:
            return None, None
        beside = [entry for entry in found if os.path.dirname(entry[0]) == os.path.dirname(report)]
        return (beside or found)[0]

    pairs = [
        resolve(uid, report) for uid, report in zip(table["image_sop_instance_uid"], table["report_path"], strict=True)
    ]
    table["image_path"] = pd.Series([p for p, _ in pairs], dtype=object, index=table.index)
    table["image_kind"] = pd.Series([k for _, k in pairs], dtype=object, index=table.index)
    assert set(COLUMNS) <= set(table.columns)
    return table
