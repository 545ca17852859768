"""Archives: folders of files as data, and data as files again.

- :mod:`.inventory` — ``echolab scan``: a folder's headers as one row per file (no xarray, no dask);
- :mod:`.instances` — a folder's instances by study and series, and what kind each is (headers only);
- :mod:`.datasets` — a file as an xarray DataTree (an ``image`` group, one group per region);
- :mod:`.backend` — the ``echolab`` xarray engine, a thin entry point onto :mod:`.datasets`;
- :mod:`.layout` — how a file's group is stored in Zarr, and :func:`open_archive`;
- :mod:`.codec` — the Zarr codec of frames kept as their DICOM bitstreams;
- :mod:`.convert` — ``echolab convert``: many files into one archive, in parallel.

This package imports nothing heavy by itself: ``echolab scan`` reads headers without xarray.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .layout import ArchivedFrames, DecodedFrames, open_archive

__all__ = ["open_archive", "ArchivedFrames", "DecodedFrames"]


def __getattr__(name: str) -> Any:
    """:data:`__all__`, from :mod:`.layout` on first use."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.layout"), name)
    globals()[name] = value
    return value
