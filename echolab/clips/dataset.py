"""The clips of an export as a map-style dataset, ready for PyTorch's ``DataLoader``.

:class:`ClipDataset` reads a Zarr store or an MP4 folder written by :func:`echolab.clips.export`.
Item ``i`` is a dict of numpy arrays and plain values — what ``torch.utils.data.default_collate``
turns into tensors and lists — and the object pickles without its open store, so ``DataLoader``
worker processes each open their own. PyTorch is not needed to use it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..conventions import CLIP_FILE_KEY, CLIP_SPACING
from ..errors import EcholabError, require
from .export import SETTINGS_FILE
from .labels import study_targets

__all__ = ["ClipDataset"]


class ClipDataset:
    """The clips of one export, one item per clip, in name order.

    Parameters
    ----------
    store
        A Zarr store or an MP4 folder written by :func:`echolab.clips.export`.
    labels
        Optional labels: a mapping from a clip name (``<file key>_r<region>[_b<beat>]``) or a file
        key (the part before ``_r``: every clip of that file) to a label (a number, a string or an
        array), or a callable ``label(name, attrs)``. With a mapping, clips without a label are
        left out. With ``targets``: the measurements table of :func:`echolab.studies.catalogue`.
    targets
        Short names of measurements (``["EF", "LVIDd"]``): each clip's label is the array of its
        study's selected values of them (see :func:`echolab.clips.labels.study_targets`);
        ``labels`` is then the catalogue's measurements and ``instances`` its instances.
    instances, salt, units
        With ``targets``: the catalogue's instances (which study each cine belongs to), the key
        the clips were named with, and a unit per target.
    frames
        Give every item exactly this many frames (the first ones) so that items batch together;
        clips with fewer frames are left out. None keeps every clip whole.

    Notes
    -----
    Each item is a dict:

    ``clip``
        uint8 array (channel, time, y, x): PyTorch's video layout (C, T, H, W).
    ``time``
        float64 (time,): s from the first frame of the cine.
    ``phase``
        float64 (time,), for clips per beat only.
    ``spacing``
        cm per pixel (float).
    ``name``
        The clip's name.
    ``label``
        With ``labels`` only; with ``targets``, a float64 array of their values (NaN for a
        measurement the study's reports do not have).
    """

    def __init__(
        self,
        store: str | os.PathLike[str],
        labels: Mapping[str, Any] | Callable[[str, dict[str, Any]], Any] | pd.DataFrame | None = None,
        *,
        frames: int | None = None,
        targets: Sequence[str] | None = None,
        instances: pd.DataFrame | None = None,
        salt: str | None = None,
        units: Mapping[str, str] | None = None,
    ) -> None:
        if targets is not None:
            if not isinstance(labels, pd.DataFrame) or instances is None:
                raise EcholabError(
                    "targets need labels=catalogue.measurements and instances=catalogue.instances "
                    "(echolab.studies.catalogue of the exams the clips were made from)"
                )
            labels = study_targets(labels, instances, targets, salt=salt, units=units)
        elif isinstance(labels, pd.DataFrame):
            raise EcholabError("a measurements table as labels needs targets=[...] (short names such as 'EF')")
        self.targets = list(targets) if targets is not None else None
        self.store = os.path.abspath(os.fspath(store))
        self.labels = labels
        self.frames = frames
        self._root: Any = None
        if os.path.isfile(os.path.join(self.store, SETTINGS_FILE)):
            self.format = "mp4"
            names = sorted(
                entry[: -len(".json")]
                for entry in os.listdir(self.store)
                if entry.endswith(".json") and entry != SETTINGS_FILE
            )
        elif os.path.isfile(os.path.join(self.store, "zarr.json")) or os.path.isfile(
            os.path.join(self.store, ".zgroup")
        ):
            self.format = "zarr"
            names = sorted(name for name in os.listdir(self.store) if not name.startswith((".", "zarr.json")))
            names = [name for name in names if os.path.isdir(os.path.join(self.store, name))]
        else:
            raise EcholabError(
                "is neither a Zarr store nor an MP4 folder written by echolab.clips.export "
                f"(no zarr.json, no {SETTINGS_FILE})",
                self.store,
            )
        if isinstance(labels, Mapping):
            names = [name for name in names if name in labels or name.split("_r")[0] in labels]
        if frames is not None:
            names = [name for name in names if self._length(name) >= frames]
        self.names: list[str] = names

    # --- pickling: the open store stays behind -------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_root"] = None
        return state

    # --- reading ---------------------------------------------------------------------------------

    def _group(self) -> Any:
        if self._root is None:
            import zarr

            self._root = zarr.open_group(self.store, mode="r")
        return self._root

    def _sidecar(self, name: str) -> dict[str, Any]:
        with open(os.path.join(self.store, f"{name}.json"), encoding="utf-8") as handle:
            description: dict[str, Any] = json.load(handle)
        return description

    def _length(self, name: str) -> int:
        if self.format == "mp4":
            return int(self._sidecar(name)["shape"][0])
        return int(self._group()[name]["clip"].shape[0])

    def attrs(self, index: int) -> dict[str, Any]:
        """The attrs of clip ``index``: grid, timing, geometry, beat, history."""
        name = self.names[index]
        if self.format == "mp4":
            attrs: dict[str, Any] = self._sidecar(name)["attrs"]
            return attrs
        return dict(self._group()[name].attrs)

    def _arrays(self, name: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(time, y, x, channel) values and the time-wise coordinates of one clip."""
        if self.format == "mp4":
            av = require("av", extra="clips", purpose="reading MP4 clips")
            description = self._sidecar(name)
            grey = description["shape"][-1] == 1
            with av.open(os.path.join(self.store, f"{name}.mp4")) as container:
                decoded = [frame.to_ndarray(format="gray" if grey else "rgb24") for frame in container.decode(video=0)]
            values = np.stack(decoded)
            values = values[..., None] if grey else values
            coords = description["coords"]
            along = {key: np.asarray(coords[key]["values"]) for key in ("time", "phase") if key in coords}
            return values, along
        group = self._group()[name]
        along = {key: np.asarray(group[key][...]) for key in ("time", "phase") if key in group}
        return np.asarray(group["clip"][...]), along

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"clip {index} of {len(self)}")
        name = self.names[index]
        values, along = self._arrays(name)
        if self.frames is not None:
            values = values[: self.frames]
            along = {key: value[: self.frames] for key, value in along.items()}
        item: dict[str, Any] = {
            "clip": np.ascontiguousarray(np.moveaxis(values, -1, 0)),
            **{key: value.astype(np.float64) for key, value in along.items()},
            "name": name,
        }
        attrs = self.attrs(index)
        item["spacing"] = float(attrs[CLIP_SPACING])
        if self.labels is not None:
            if isinstance(self.labels, Mapping):
                key = name if name in self.labels else str(attrs.get(CLIP_FILE_KEY, name.split("_r")[0]))
                item["label"] = self.labels[key]
            else:
                item["label"] = self.labels(name, attrs)
        return item

    def __repr__(self) -> str:
        return f"<echolab.clips.ClipDataset {len(self)} clips, {self.format}: {self.store}>"
