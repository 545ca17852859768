"""The Zarr codec of archived DICOM frames: each chunk is one frame's original compressed bitstream.

An archive written by :mod:`echolab.archive.convert` keeps a compressed file's frames as the DICOM holds
them — the JPEG, JPEG-LS, RLE or JPEG 2000 bitstream of each frame is the Zarr chunk of that
frame, byte for byte — so the archive is about the DICOM's size and every frame decodes to exactly
what the DICOM's decode gives. :class:`DicomFrameCodec` (Zarr v3 name ``"echolab.dicom_frame"``)
decodes a chunk with the same decoders as the DICOM reading path
(:func:`echolab.reading.decoders.decode_encapsulated`: libjpeg-turbo, pydicom's plugins), so the
two paths cannot differ. Zarr finds the codec through the ``zarr.codecs`` entry point this package
declares: ``xr.open_datatree(archive, engine="zarr")`` works without importing echolab first.

Why our own codec rather than a codec package's (imagecodecs registers JPEG, JPEG-LS and JPEG 2000
codecs for numcodecs): those are Zarr v2 codecs and have no DICOM RLE, and decoding through a
second library could differ from the DICOM path in colour conversion (YBR to RGB) and upsampling;
one decoder for both is what makes "bit-identical" hold by construction.

The codec only decodes: a frame's bitstream is copied, never re-encoded (writing new values into
such an array raises an :class:`~echolab.errors.EcholabError`).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from zarr.abc.codec import ArrayBytesCodec
from zarr.core.buffer import Buffer, NDBuffer

from ..errors import EcholabError
from ..reading.decoders import decode_encapsulated
from ..reading.pixel_format import Photometric, PixelFormat

if TYPE_CHECKING:
    from typing import Self

    from zarr.core.array_spec import ArraySpec
    from zarr.core.common import JSON

__all__ = ["CODEC_NAME", "DicomFrameCodec"]

#: The codec's name in Zarr v3 array metadata (and its ``zarr.codecs`` entry point).
CODEC_NAME = "echolab.dicom_frame"

_FORMAT_FIELDS = (
    "rows",
    "columns",
    "samples_per_pixel",
    "bits_allocated",
    "bits_stored",
    "pixel_representation",
    "planar_configuration",
)


@dataclass(frozen=True)
class DicomFrameCodec(ArrayBytesCodec):
    """Zarr v3 array-to-bytes codec: a chunk of one frame is that frame's DICOM bitstream.

    Parameters
    ----------
    transfer_syntax_uid
        (0002,0010) Transfer Syntax UID of the bitstreams (a compressed syntax).
    fmt
        The Image Pixel module of the frames ((0028,0002) Samples per Pixel, (0028,0004)
        Photometric Interpretation, (0028,0010) Rows, ...). A chunk decodes to
        ``(1, *fmt.frame_shape)`` of ``fmt.dtype``: RGB for colour, MONOCHROME2 grey otherwise.
    """

    is_fixed_size = False

    transfer_syntax_uid: str
    fmt: PixelFormat

    def __post_init__(self) -> None:
        if self.fmt.is_palette:  # the table would have to travel with the codec: such images are stored decoded
            raise EcholabError("PALETTE COLOR frames are archived decoded, not as their bitstreams")

    @classmethod
    def from_dict(cls, data: dict[str, JSON]) -> Self:
        configuration = data.get("configuration")
        if data.get("name") != CODEC_NAME or not isinstance(configuration, dict):
            raise EcholabError(f"not an {CODEC_NAME} codec description: {data!r}")
        try:
            fields: dict[str, Any] = {name: int(str(configuration[name])) for name in _FORMAT_FIELDS}
            fields["photometric_interpretation"] = Photometric(str(configuration["photometric_interpretation"]))
            return cls(str(configuration["transfer_syntax_uid"]), PixelFormat(**fields))
        except (KeyError, TypeError, ValueError) as exc:
            raise EcholabError(f"the {CODEC_NAME} codec description is incomplete or invalid ({exc})") from None

    def to_dict(self) -> dict[str, JSON]:
        configuration: dict[str, JSON] = {"transfer_syntax_uid": self.transfer_syntax_uid}
        fields = asdict(self.fmt)
        configuration.update({name: int(fields[name]) for name in _FORMAT_FIELDS})
        configuration["photometric_interpretation"] = self.fmt.photometric_interpretation.value
        return {"name": CODEC_NAME, "configuration": configuration}

    def validate(self, *, shape: tuple[int, ...], dtype: Any, chunk_grid: Any) -> None:
        chunk_shape = getattr(chunk_grid, "chunk_shape", None)
        expected = (1, *self.fmt.frame_shape)
        if chunk_shape is not None and tuple(chunk_shape) != expected:
            raise EcholabError(f"{CODEC_NAME} chunks are one frame, {expected}; not {tuple(chunk_shape)}")

    def compute_encoded_size(self, input_byte_length: int, chunk_spec: ArraySpec) -> int:
        raise NotImplementedError  # variable: each bitstream is its own length

    def decode_frame(self, bitstream: bytes, out: np.ndarray, source: str | None = None, index: int = 0) -> None:
        """Decode one frame's ``bitstream`` into ``out`` (shape ``fmt.frame_shape``); errors
        name ``source`` (its chunk file) and frame ``index``."""
        decode_encapsulated(bitstream, self.transfer_syntax_uid, self.fmt, out, None, source, index)

    def _decode_sync(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> NDBuffer:
        out = np.empty(chunk_spec.shape, dtype=self.fmt.dtype)
        self.decode_frame(chunk_bytes.to_bytes(), out[0])
        return chunk_spec.prototype.nd_buffer.from_numpy_array(out)

    async def _decode_single(self, chunk_bytes: Buffer, chunk_spec: ArraySpec) -> NDBuffer:
        # a worker thread: the decoders release the GIL, so the frames of one read decode in parallel
        return await asyncio.to_thread(self._decode_sync, chunk_bytes, chunk_spec)

    async def _encode_single(self, chunk_array: NDBuffer, chunk_spec: ArraySpec) -> Buffer | None:
        raise EcholabError(
            "this array holds the DICOM's own compressed frames and is read-only; write changed frames to a new array"
        )
