"""The ``echolab`` xarray engine: ``xr.open_datatree(path, engine="echolab")``.

A thin entry point: everything is built by :mod:`echolab.archive.datasets` from :func:`echolab.open`.
Arrays stay lazy (xarray wraps our ``BackendArray``); ``chunks=`` gives dask arrays.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import xarray as xr
from xarray.backends import BackendEntrypoint

from ..echofile import open as open_file
from ..reading.header import looks_like_dicom
from .datasets import file_dataset, file_datatree


class EcholabBackendEntrypoint(BackendEntrypoint):
    """Open ultrasound DICOM files: ``group="image"`` (default) or ``group="region_<i>"``."""

    description = "Ultrasound DICOM regions with physical coordinates (echolab)"
    url = "https://github.com/echolab/echolab"
    open_dataset_parameters = ("filename_or_obj", "drop_variables", "group", "keep_identifiers")

    def open_dataset(
        self,
        filename_or_obj: Any,
        *,
        drop_variables: str | Iterable[str] | None = None,
        group: str | None = None,
        keep_identifiers: bool = False,
    ) -> xr.Dataset:
        f = open_file(filename_or_obj)
        dataset = file_dataset(f, group or "image", keep_identifiers=keep_identifiers, cache=False)
        return dataset.drop_vars(drop_variables or [], errors="ignore")

    def open_datatree(
        self, filename_or_obj: Any, *, drop_variables: Any = None, keep_identifiers: bool = False, **kwargs: Any
    ) -> xr.DataTree:
        f = open_file(filename_or_obj)
        return file_datatree(f, keep_identifiers=keep_identifiers, cache=False)

    def open_groups_as_dict(
        self, filename_or_obj: Any, *, drop_variables: Any = None, keep_identifiers: bool = False, **kwargs: Any
    ) -> dict[str, xr.Dataset]:
        tree = self.open_datatree(filename_or_obj, keep_identifiers=keep_identifiers)
        return {node.path: node.to_dataset() for node in tree.subtree}

    def guess_can_open(self, filename_or_obj: Any) -> bool:
        if isinstance(filename_or_obj, (str, os.PathLike)):
            path = os.fspath(filename_or_obj)
            return os.path.isfile(path) and looks_like_dicom(path)
        return False
