"""How one file is laid out in a Zarr archive, and how an archive is opened again.

A file's group (see :mod:`echolab.archive.convert`) holds the root attrs of :func:`echolab.archive.datasets.root_attrs`,
an ``image`` group and one ``region_<i>`` group per usable region, as
:func:`echolab.archive.datasets.file_datatree` gives them, stored without a copied pixel:

- **image**: the frames of a compressed file are kept as the DICOM holds them — each frame's
  JPEG / JPEG-LS / RLE / JPEG 2000 bitstream is its Zarr chunk, byte for byte
  (:class:`echolab.archive.codec.DicomFrameCodec`), so the archive is about the DICOM's size and
  decodes to exactly what the DICOM decodes to. That holds when nothing must be blanked: with
  identifiers kept, or when every frame is already blank outside the region boxes (a file made by
  ``echolab deid``). Without identifiers, each bitstream is copied without its comment and
  application segments, where encoders and other programs write free text (same pixels).
  Otherwise — burned-in text to remove, an uncompressed or PALETTE COLOR file — the frames are
  stored decoded (blanked where asked), in chunks of about :data:`READ_CHUNK_BYTES` (at least one
  frame) inside shards of about :data:`CHUNK_BYTES`,
  with Zarr's default lossless compression. The image's ``storage`` attr says which
  (:data:`~echolab.conventions.IMAGE_STORAGE`).
- **region_<i>**: the region's coordinates (time, physical ``y``/``x`` with their ``row``/``column``)
  and its attrs, and no pixels: they are the image's rows and columns named by the group's
  ``view_rows`` / ``view_columns`` attrs. :func:`open_archive` puts that view back as the region's
  data variable (lazily), so an archived region reads like ``EchoFile.region(i)``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from xarray.core import indexing

from ..arrays import FrameArray
from ..conventions import (
    IMAGE_STORAGE,
    STORED_BITSTREAMS,
    STORED_DECODED,
    VIEW_COLUMNS,
    VIEW_OF,
    VIEW_ROWS,
    with_source,
)
from ..echofile import EchoFile
from ..errors import EcholabError, PixelDataError
from ..reading.codestreams import without_text_segments
from ..reading.frame_source import decode_frames
from ..reading.pixel_format import PixelFormat
from .codec import DicomFrameCodec

__all__ = [
    "CHUNK_BYTES",
    "READ_CHUNK_BYTES",
    "MAX_BITSTREAM_FILES",
    "frames_per_chunk",
    "keeps_bitstreams",
    "blank_outside_regions",
    "with_region_views",
    "write_file_group",
    "ArchivedFrames",
    "DecodedFrames",
    "open_archive",
]

#: Bytes of one Zarr shard (one file) of decoded frames: as many frames as fill about this much
#: (36 frames of a 640 x 480 RGB cine; a million frames of one pixel in one shard), in chunks of
#: :data:`READ_CHUNK_BYTES` inside it. Bitstreams are one frame per chunk, unsharded.
CHUNK_BYTES = 32 << 20

#: Bytes of one Zarr chunk of decoded frames inside a shard: one frame, or as many small ones as
#: fill about this much.
READ_CHUNK_BYTES = 1 << 20

#: Frames beyond which a file's bitstreams are not kept (one file each): a crafted file of
#: millions of tiny compressed frames is stored decoded, in a few shards.
MAX_BITSTREAM_FILES = 100_000

_IMAGE = "image"


def frames_per_chunk(dataset: xr.Dataset, chunk_bytes: int = CHUNK_BYTES) -> int:
    """Frames per Zarr chunk of the ``time`` dimension of ``dataset``'s variables: as many as fill
    ``chunk_bytes`` (at least one, at most every frame)."""
    frame_bytes = max(
        (
            var.dtype.itemsize * (var.size // max(1, var.sizes["time"]))
            for var in dataset.data_vars.values()
            if "time" in var.dims
        ),
        default=1,
    )
    return _frames_filling(chunk_bytes, frame_bytes, int(dataset.sizes.get("time", 1)))


def _frames_filling(budget: int, frame_bytes: int, frames: int) -> int:
    """How many frames of ``frame_bytes`` fill ``budget`` bytes: at least one, at most ``frames``."""
    return max(1, min(frames, budget // max(1, frame_bytes)))


def _chunked(tree: xr.DataTree, time_chunk: int | None) -> xr.DataTree:
    def chunk(dataset: xr.Dataset) -> xr.Dataset:
        if "time" not in dataset.dims or not dataset.data_vars:
            return dataset
        return dataset.chunk({"time": time_chunk or frames_per_chunk(dataset)})

    return tree.map_over_datasets(chunk)


def blank_outside_regions(f: EchoFile) -> bool:
    """True when every frame of ``f`` is 0 outside the union of its usable region boxes (nothing
    there to remove: a file de-identified by ``echolab deid``, say). Frame 0 is decoded first, where
    a banner shows at once; then the rest, about :data:`CHUNK_BYTES` of decoded frames at a time."""
    outside = ~f.region_mask()
    if not outside.any():
        return True
    image = f.image(cache=False)
    frames = image.sizes["time"]
    step = _frames_filling(CHUNK_BYTES, image.dtype.itemsize * (image.size // max(1, frames)), frames)
    for start, stop in [(0, 1), *((s, min(frames, s + step)) for s in range(1, frames, step))]:
        if start >= frames:
            break
        if np.asarray(image[start:stop].values)[:, outside].any():
            return False
    return True


def keeps_bitstreams(f: EchoFile, *, keep_identifiers: bool) -> bool:
    """True when ``f``'s archived image keeps each frame's compressed bitstream: encapsulated
    pixel data (not PALETTE COLOR) of at most :data:`MAX_BITSTREAM_FILES` frames, and nothing to
    blank (identifiers kept, or :func:`blank_outside_regions`)."""
    pixels = f.pixels
    if pixels.spans is None or pixels.fmt.is_palette or not 0 < pixels.number_of_frames <= MAX_BITSTREAM_FILES:
        return False
    return keep_identifiers or blank_outside_regions(f)


def with_region_views(tree: xr.DataTree) -> xr.DataTree:
    """``tree`` (a file's groups, :func:`echolab.archive.datasets.file_datatree`) with each region group's
    data variable replaced by the view attrs that name its box in the image: coordinates and
    attrs kept, pixels left to the image."""
    groups: dict[str, xr.Dataset] = {}
    for node in tree.subtree:
        dataset = node.to_dataset(inherit=False)
        name = node.name or ""
        if name.startswith("region_") and name in dataset.data_vars:
            region = dataset[name]
            rows, columns = (np.asarray(region[c].values, dtype=np.int64) for c in ("row", "column"))
            if len(rows) and not (np.all(np.diff(rows) == 1) and np.all(np.diff(columns) == 1)):
                raise EcholabError(f"region group {node.path} is not a box of the image: it cannot be a view")
            view = {
                VIEW_OF: _IMAGE,
                VIEW_ROWS: [int(rows[0]), int(rows[-1]) + 1],
                VIEW_COLUMNS: [int(columns[0]), int(columns[-1]) + 1],
            }
            dataset = xr.Dataset(coords=region.coords, attrs={**region.attrs, **view})
        groups[node.path] = dataset
    return xr.DataTree.from_dict(groups)


def write_file_group(
    f: EchoFile,
    tree: xr.DataTree,
    target: str,
    *,
    keep_identifiers: bool,
    time_chunk: int | None = None,
) -> xr.DataTree:
    """Write ``tree`` (``f``'s groups, :func:`echolab.archive.datasets.file_datatree`) as the Zarr group
    ``target`` (a new local folder) and return the tree as written (what its metadata describes).

    Region groups become views. The image keeps ``f``'s bitstreams when :func:`keeps_bitstreams`:
    byte for byte with ``keep_identifiers``, otherwise without the segments that carry only text
    (:func:`~echolab.reading.codestreams.without_text_segments`: encoder names, and whatever else
    a program wrote there); a frame that cannot be promised clean sends the whole image to the
    decoded storage. Decoded frames go in chunks of about :data:`READ_CHUNK_BYTES` (at least a
    frame), in shards of about ``time_chunk`` frames (a whole number of chunks; default
    :func:`frames_per_chunk`).
    """
    tree = _chunked(with_region_views(tree), time_chunk)
    if keeps_bitstreams(f, keep_identifiers=keep_identifiers):
        written = _with_storage(tree, STORED_BITSTREAMS)
        pixels = f.pixels
        codec = DicomFrameCodec(pixels.transfer_syntax_uid, pixels.fmt)
        frame_chunk = (1, *pixels.fmt.frame_shape)
        encoding: dict[str, dict[str, dict[str, Any]]] = {
            f"/{_IMAGE}": {_IMAGE: {"chunks": frame_chunk, "serializer": codec, "compressors": None}}
        }
        # metadata and coordinates now; the image's chunks are not computed (they would be encoded:
        # the image is a Dask array, see _chunked above, and compute=False leaves Dask arrays out)...
        written.to_zarr(target, mode="w", consolidated=False, encoding=encoding, compute=False)
        if _copy_bitstreams(f, target, frame_chunk, strip_text=not keep_identifiers):  # ...but copied
            return written
        shutil.rmtree(target)
    written = _with_storage(tree, STORED_DECODED)
    image = written.children[_IMAGE].to_dataset(inherit=False)
    # chunks of about READ_CHUNK_BYTES (a frame reads without decompressing many others; tiny
    # frames share a chunk, so that a shard's index stays small) in shards (one file each) of a
    # whole number of chunks, about CHUNK_BYTES: the Dask chunks that write them
    frames, frame_shape = image[_IMAGE].shape[0], image[_IMAGE].shape[1:]
    frame_bytes = image[_IMAGE].dtype.itemsize * int(np.prod(frame_shape))
    chunk = _frames_filling(READ_CHUNK_BYTES, frame_bytes, frames)
    shard = max(chunk, (time_chunk or frames_per_chunk(image)) // chunk * chunk)
    written[_IMAGE] = xr.DataTree(image.chunk({"time": shard}))
    decoded = {f"/{_IMAGE}": {_IMAGE: {"chunks": (chunk, *frame_shape), "shards": (shard, *frame_shape)}}}
    written.to_zarr(target, mode="w", consolidated=False, encoding=decoded)
    return written


def _with_storage(tree: xr.DataTree, storage: str) -> xr.DataTree:
    image = tree.children[_IMAGE].to_dataset(inherit=False)
    image[_IMAGE].attrs[IMAGE_STORAGE] = storage
    result = tree.copy()
    result[_IMAGE] = xr.DataTree(image)
    return result


def _copy_bitstreams(f: EchoFile, target: str, frame_chunk: tuple[int, ...], *, strip_text: bool) -> bool:
    """Write each frame's bitstream as its chunk file; False (some files written) when a frame's
    text segments cannot be removed safely."""
    import zarr

    array = zarr.open_array(target, path=f"{_IMAGE}/{_IMAGE}", mode="r")
    folder = os.path.join(target, _IMAGE, _IMAGE)
    zeros = (0,) * (len(frame_chunk) - 1)
    pixels = f.pixels
    with pixels.open_reader() as reader:
        for index in range(pixels.number_of_frames):
            bitstream = pixels.encoded_frame(reader, index)
            if strip_text:
                clean = without_text_segments(bitstream, pixels.transfer_syntax_uid)
                if clean is None:
                    return False
                bitstream = clean
            key = array.metadata.encode_chunk_key((index, *zeros))
            path = os.path.join(folder, *key.split("/"))
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(bitstream)
    return True


@dataclass(frozen=True)
class ArchivedFrames:
    """The frames an archive keeps as bitstreams, read straight from their chunk files and decoded
    as the DICOM's are (several at once, see :func:`echolab.reading.frame_source.decode_frames`):
    an archived frame reads as fast as the DICOM's. Picklable and handle-free, like
    :class:`~echolab.reading.frame_source.PixelSource`; :class:`echolab.arrays.FrameArray` reads it.

    Attributes
    ----------
    source
        The Zarr array's folder.
    codec
        The array's :class:`DicomFrameCodec` (transfer syntax and pixel format).
    chunk_files
        Per frame, its chunk file (relative to ``source``).
    """

    source: str
    codec: DicomFrameCodec
    chunk_files: tuple[str, ...]

    @property
    def fmt(self) -> PixelFormat:
        return self.codec.fmt

    @property
    def number_of_frames(self) -> int:
        return len(self.chunk_files)

    @property
    def frame_shape(self) -> tuple[int, ...]:
        return self.codec.fmt.frame_shape

    @property
    def dtype(self) -> np.dtype:
        return self.codec.fmt.dtype

    def decode_frame(self, index: int, out: np.ndarray) -> None:
        """Decode frame ``index`` into ``out`` (shape :attr:`frame_shape`)."""
        path = os.path.join(self.source, self.chunk_files[index])
        try:
            with open(path, "rb") as handle:
                bitstream = handle.read()
        except OSError as exc:
            raise PixelDataError(f"frame {index}: its chunk cannot be read ({exc.strerror})", path) from None
        self.codec.decode_frame(bitstream, out, path, index)

    def read(self, frames: Sequence[int], rows: slice, columns: slice) -> np.ndarray:
        """Decode ``frames`` cropped to ``rows`` x ``columns`` (unit-step slices)."""
        return decode_frames(self.fmt, frames, rows, columns, self.decode_frame)


class DecodedFrames:
    """The frames an archive stores decoded, read through Zarr by runs of consecutive frames.

    Zarr reads a slice of frames fast but a list of them slowly (every listed frame of a shard
    costs a pass over the shard), so :class:`echolab.arrays.FrameArray` hands this reader the
    frames asked for and each run of consecutive ones is one slice. Picklable: the array is
    opened on first use in each process.

    Parameters
    ----------
    folder
        The archive's folder.
    path
        The image array's path inside it (``<group>/image/image``).
    shape, dtype
        The array's shape ``(time, rows, columns[, channels])`` and dtype.
    """

    def __init__(self, folder: str, path: str, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.folder, self.path = folder, path
        self.number_of_frames, self.frame_shape, self.dtype = shape[0], tuple(shape[1:]), dtype
        self._array: Any = None

    @property
    def source(self) -> str:
        return os.path.join(self.folder, *self.path.split("/"))

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_array": None}

    def read(self, frames: Sequence[int], rows: slice, columns: slice) -> np.ndarray:
        """``frames`` cropped to ``rows`` x ``columns`` (unit-step slices)."""
        import zarr

        if self._array is None:
            self._array = zarr.open_array(self.folder, path=self.path, mode="r")
        height = len(range(self.frame_shape[0])[rows])
        width = len(range(self.frame_shape[1])[columns])
        out = np.empty((len(frames), height, width, *self.frame_shape[2:]), dtype=self.dtype)
        start = 0
        while start < len(frames):
            stop = start + 1
            while stop < len(frames) and frames[stop] == frames[stop - 1] + 1:
                stop += 1
            out[start:stop] = self._array[frames[start] : frames[stop - 1] + 1, rows, columns]
            start = stop
        return out


def open_archive(store: str | os.PathLike[str], *, chunks: Any = None, **kwargs: Any) -> xr.DataTree:
    """Open an archive lazily as a DataTree (``/<group>/image``, ``/<group>/region_<i>``), each
    region group's data variable a lazy view of its image (see the module's description).

    Images are read by echolab's own lazy array (:class:`~echolab.arrays.FrameArray` over
    :class:`ArchivedFrames` or :class:`DecodedFrames`): a list of frames reads exactly those
    frames, bitstreams decoded in parallel as fast as from the DICOM (Zarr's own reading, through
    the ``echolab.dicom_frame`` codec, gives the same values more slowly; and it reads a list of
    frames of a shard one pass per frame).

    Parameters
    ----------
    store
        The archive's folder.
    chunks
        ``{}`` (or ``"auto"``) for Dask arrays of about :data:`CHUNK_BYTES` of frames each,
        ``{"time": 16}`` for 16 frames each; None (the default) for lazy arrays that decode what
        is indexed.
    kwargs
        Passed to :func:`xarray.open_datatree`.
    """
    folder = os.fspath(store)
    tree = xr.open_datatree(folder, engine="zarr", consolidated=False, **kwargs)
    groups: dict[str, xr.Dataset] = {}
    for node in tree.subtree:
        dataset = node.to_dataset(inherit=False)
        if node.name == _IMAGE and _IMAGE in dataset.data_vars:
            dataset[_IMAGE] = _archived_image(folder, node.path, dataset[_IMAGE])
        groups[node.path] = dataset
    for node in tree.subtree:  # then the views, on the images as opened
        dataset = groups[node.path]
        if VIEW_OF in dataset.attrs and node.parent is not None:
            image_path = f"{node.parent.path.rstrip('/')}/{dataset.attrs[VIEW_OF]}"
            groups[node.path] = _region_from_view(node.path, groups.get(image_path), dataset)
    result = xr.DataTree.from_dict(groups)
    if chunks is None:
        return result
    if isinstance(chunks, dict) and not chunks or chunks == "auto":  # Dask chunks of about CHUNK_BYTES
        return _chunked(result, None)
    return result.chunk(chunks)


def _archived_image(folder: str, group_path: str, image: xr.DataArray) -> xr.DataArray:
    """``image`` read by :class:`ArchivedFrames` (bitstreams) or :class:`DecodedFrames` through
    :class:`~echolab.arrays.FrameArray`; as it is when this module did not write it."""
    import zarr

    codec = image.encoding.get("serializer")
    path = f"{group_path.strip('/')}/{_IMAGE}".lstrip("/")
    frames: ArchivedFrames | DecodedFrames
    if image.attrs.get(IMAGE_STORAGE) == STORED_BITSTREAMS and isinstance(codec, DicomFrameCodec):
        metadata = zarr.open_array(folder, path=path, mode="r").metadata
        zeros = (0,) * (image.ndim - 1)
        files = tuple(metadata.encode_chunk_key((index, *zeros)) for index in range(image.sizes["time"]))
        frames = ArchivedFrames(os.path.join(folder, *path.split("/")), codec, files)
    elif image.dims[:3] == ("time", "row", "column"):
        frames = DecodedFrames(folder, path, image.shape, image.dtype)
    else:  # not an image this module wrote
        return image
    variable = xr.Variable(image.dims, indexing.LazilyIndexedArray(FrameArray(frames)), attrs=image.attrs)
    array = xr.DataArray(variable, coords=image.coords, name=image.name)
    # a decoded image keeps Zarr's encoding for a rewrite; the bitstreams' codec cannot encode
    array.encoding = {} if isinstance(frames, ArchivedFrames) else dict(image.encoding)
    return with_source(array, frames.source)


def _region_from_view(path: str, image_group: xr.Dataset | None, dataset: xr.Dataset) -> xr.Dataset:
    attrs = dict(dataset.attrs)
    source = str(attrs.pop(VIEW_OF))
    if image_group is None or source not in image_group.data_vars:
        raise EcholabError(f"region group {path} is a view of {source!r}, which the archive lacks")
    image = image_group[source]
    try:
        (row0, row1), (column0, column1) = ([int(v) for v in attrs.pop(key)] for key in (VIEW_ROWS, VIEW_COLUMNS))
        ok = 0 <= row0 < row1 <= image.sizes["row"] and 0 <= column0 < column1 <= image.sizes["column"]
        shape_ok = (row1 - row0, column1 - column0) == (dataset.sizes.get("y"), dataset.sizes.get("x"))
    except (KeyError, TypeError, ValueError):
        ok = shape_ok = False
    if not (ok and shape_ok):
        raise EcholabError(
            f"region group {path}: {VIEW_ROWS} / {VIEW_COLUMNS} must be [start, stop) rows and columns of its image "
            f"({image.sizes['row']} x {image.sizes['column']}) as long as its y and x coordinates "
            f"({dataset.sizes.get('y')} x {dataset.sizes.get('x')}); found {dataset.attrs.get(VIEW_ROWS)!r} / "
            f"{dataset.attrs.get(VIEW_COLUMNS)!r}"
        )
    view = image.isel(row=slice(row0, row1), column=slice(column0, column1))
    # xarray operations only, so that nothing is read: the region's own coordinates replace the image's
    view = view.drop_vars(list(view.coords)).rename({"row": "y", "column": "x"})
    region = view.assign_coords(dataset.coords).rename(path.rsplit("/", 1)[-1])
    region.attrs = attrs
    region.encoding = {}
    return region.to_dataset()
