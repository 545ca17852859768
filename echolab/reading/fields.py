"""What every description of a file starts from, read from its header once.

:func:`header_fields` reads (0008,0018) SOP Instance UID, the image size, (0028,0008) Number of
Frames, the cine and heart rates, the frame timing and the (0018,6011) regions as the header
writes them, with the warnings and errors :func:`echolab.open` gives. :class:`echolab.EchoFile`
and ``echolab scan`` (:mod:`echolab.archive.inventory`) both build on it, whichever reader read the header.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidHeaderError, TimingWarning, warn
from .elements import element_name, get_float, get_int, get_str
from .header import Header
from .raw_header import RawHeader
from .regions import Region, parse_regions
from .timing import FrameTiming, frame_timing

__all__ = ["HeaderFields", "header_fields"]


@dataclass(frozen=True)
class HeaderFields:
    """The header's fields every description of the file needs.

    Attributes
    ----------
    sop_instance_uid
        (0008,0018) SOP Instance UID; None when absent.
    rows, columns
        (0028,0010) Rows and (0028,0011) Columns.
    number_of_frames
        (0028,0008) Number of Frames, 1 when absent.
    cine_rate
        (0018,0040) Cine Rate; None when absent or unreadable (with a warning).
    heart_rate
        (0018,1088) Heart Rate in beats/min; None when absent, unreadable or not positive (0 and
        -1 mean "not recorded" in real files).
    timing
        The time of every frame (its notes are warned).
    regions
        One :class:`~.regions.Region` per item of (0018,6011), as the header writes it.
    """

    sop_instance_uid: str | None
    rows: int
    columns: int
    number_of_frames: int
    cine_rate: float | None
    heart_rate: float | None
    timing: FrameTiming
    regions: tuple[Region, ...]


def header_fields(header: Header | RawHeader, *, stacklevel: int = 2) -> HeaderFields:
    """Read the :class:`HeaderFields` of ``header``, warning (:class:`~echolab.TimingWarning`,
    :class:`~echolab.RegionWarning`) what is odd; ``stacklevel`` as for :func:`warnings.warn`,
    counted from the caller.

    Raises
    ------
    InvalidHeaderError
        When Rows or Columns is missing, or an element read is malformed (the message names it).
    """
    ds, src = header.dataset, header.source
    level = stacklevel + 1
    sop_instance_uid = get_str(ds, "SOPInstanceUID", src)
    rows = get_int(ds, "Rows", src, minimum=0, maximum=65535)
    columns = get_int(ds, "Columns", src, minimum=0, maximum=65535)
    for keyword, value in (("Rows", rows), ("Columns", columns)):
        if value is None:
            cut = f"a file cut short ({header.file_size} bytes)" if header.file_size else "a data set cut short"
            raise InvalidHeaderError(
                f"{element_name(keyword)} is missing: not an image, or {cut} before its Image Pixel module", src
            )
    assert rows is not None and columns is not None
    frames = get_int(ds, "NumberOfFrames", src, default=1, minimum=0, maximum=10_000_000)
    number_of_frames = max(1, frames if frames is not None else 1)
    cine_rate = _optional_float(header, "CineRate", level + 1)
    heart_rate = _optional_float(header, "HeartRate", level + 1)
    timing = frame_timing(ds, number_of_frames, src)
    for note in timing.notes:
        warn(TimingWarning, note, src, stacklevel=level)
    regions = parse_regions(ds, rows, columns, src, stacklevel=level + 1)
    return HeaderFields(
        sop_instance_uid=sop_instance_uid,
        rows=rows,
        columns=columns,
        number_of_frames=number_of_frames,
        cine_rate=cine_rate,
        heart_rate=heart_rate if heart_rate is not None and heart_rate > 0 else None,
        timing=timing,
        regions=regions,
    )


def _optional_float(header: Header | RawHeader, keyword: str, stacklevel: int) -> float | None:
    try:
        return get_float(header.dataset, keyword, header.source)
    except InvalidHeaderError as exc:
        warn(TimingWarning, f"{exc.reason}; ignored", header.source, stacklevel=stacklevel)
        return None
