"""Clips for learning: 2D regions on a physical grid and a true time base, per heartbeat.

Deep-learning pipelines for echocardiography (EchoNet-Dynamic, EchoPrime, PanEcho, ...) each
convert DICOM to video their own way and lose the physics on the way: a fixed crop, "Cine Rate
else 30 fps", channel 0, a resize that distorts the aspect. Here a clip's pixels are centimetres
and its frames seconds:

- :func:`clip` / :func:`beat_clips` (:mod:`echolab.clips.resample`): one 2D region on an isotropic
  grid of ``spacing`` cm, ``size`` × ``size`` pixels, top at the probe face, centred on the scan
  area; frames at ``fps`` over the cine's real duration from the true frame times, or ``phases``
  per heartbeat (:func:`echolab.analysis.beats.beats`); the scan-area mask applied.
- :func:`export` (:mod:`echolab.clips.export`): many files to a Zarr store (one group per clip) or
  to lossless MP4 files with JSON sidecars, with Dask; pseudonymous names, resumable, atomic.
- :class:`ClipDataset` (:mod:`echolab.clips.dataset`): the store as a PyTorch-style dataset.
"""

from .dataset import ClipDataset
from .export import ClipResult, ClipSettings, clip_name, export, export_file, file_key
from .resample import (
    ClipError,
    FieldOfView,
    beat_clips,
    clip,
    complete_beats,
    field_of_view,
    fps_times,
    frame_weights,
    phase_times,
)

__all__ = [
    "ClipDataset",
    "ClipError",
    "ClipResult",
    "ClipSettings",
    "clip_name",
    "export",
    "export_file",
    "file_key",
    "FieldOfView",
    "beat_clips",
    "clip",
    "complete_beats",
    "field_of_view",
    "fps_times",
    "frame_weights",
    "phase_times",
]
