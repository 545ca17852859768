"""Problems of a file's pixel data, found from its header alone: no frame is decoded.

Each :class:`Problem` has a short stable ``rule`` id, for programs, and a ``message`` for people
that names the element, what the file holds and what would be valid. ``str(problem)`` is
``"<rule>: <message>"``, the form ``echolab scan`` prints and writes to CSV.

Rules
-----
``no-pixel-data``
    The file has no (7FE0,0010) Pixel Data element: no image at all.
``no-decoder``
    No installed package decodes the (0002,0010) Transfer Syntax UID; the message says what to install.
``truncated-pixel-data``
    The file ends inside (7FE0,0010) Pixel Data: fewer whole frames than (0028,0008) Number of
    Frames promises (a copy cut short). The whole frames before the cut remain usable.
``missing-frames``
    The pixel data is complete but holds fewer frames than (0028,0008) Number of Frames says.
``unreadable-pixel-data``
    The pixel data cannot be located or the Image Pixel module is unusable (the message says why).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from ..codes import Rule
from ..errors import EcholabError, MissingDecoderError
from .decoders import check_decoder
from .frame_source import PixelSource, is_encapsulated, pixel_source
from .header import Header
from .raw_header import RawHeader

__all__ = ["Problem", "NO_IMAGE_RULES", "pixel_problems", "frames_problem"]

#: Rules under which not one frame can be read: the file gives no image at all.
NO_IMAGE_RULES: frozenset[Rule] = frozenset({Rule.NO_PIXEL_DATA, Rule.NO_DECODER, Rule.UNREADABLE_PIXEL_DATA})


@dataclass(frozen=True)
class Problem:
    """One problem of a file.

    Attributes
    ----------
    rule
        The stable id of what is wrong (see the module docstring), e.g. ``"truncated-pixel-data"``.
    message
        What is wrong, naming the element, what the file holds and what would be valid.
    """

    rule: Rule
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


def frames_problem(pixels: PixelSource, number_of_frames: int, file_size: int | None) -> Problem | None:
    """``truncated-pixel-data`` or ``missing-frames`` when ``pixels`` holds fewer whole frames
    than ``number_of_frames`` ((0028,0008) Number of Frames); None when it holds them all.

    ``file_size`` (bytes) is named in the message of a file cut short.
    """
    present = pixels.number_of_frames
    if present >= number_of_frames:
        return None
    holds = (
        f"(7FE0,0010) Pixel Data holds {present} of {number_of_frames} frame{'s' if number_of_frames != 1 else ''} "
        "((0028,0008) Number of Frames)"
    )
    if pixels.cut_short:
        where = f", at byte {file_size}" if file_size is not None else ""
        return Problem(
            Rule.TRUNCATED_PIXEL_DATA,
            f"{holds}: the file ends inside the pixel data{where}; a complete copy holds every frame",
        )
    return Problem(
        Rule.MISSING_FRAMES,
        f"{holds}, though the pixel data is complete: the header promises frames the file does not have",
    )


def _decoder_problems(header: Header | RawHeader) -> tuple[Problem, ...]:
    if not is_encapsulated(header.transfer_syntax_uid):
        return ()
    try:
        check_decoder(header.transfer_syntax_uid, header.source)
    except MissingDecoderError as exc:
        return (Problem(Rule.NO_DECODER, exc.reason),)
    return ()


def pixel_problems(header: Header | RawHeader, number_of_frames: int) -> tuple[Problem, ...]:
    """The problems of a file's pixel data, from its header, the pixel element's length and the
    fragment table; nothing is decoded and nothing is warned. Empty for a file whose every frame
    can be decoded (as far as headers tell: a corrupt compressed frame shows only when decoded).

    Parameters
    ----------
    header
        The file's parsed header.
    number_of_frames
        (0028,0008) Number of Frames (1 when absent).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the problems are the report: no warning repeats them
            pixels = pixel_source(header, number_of_frames, require_decoder=False)
    except EcholabError as exc:
        return _decoder_problems(header) + (Problem(Rule.UNREADABLE_PIXEL_DATA, exc.reason),)
    if pixels is None:
        where = f"the file ends with its header, at byte {header.file_size}" if header.file_size is not None else ""
        return (
            Problem(
                Rule.NO_PIXEL_DATA,
                f"no (7FE0,0010) Pixel Data element ({where or 'none in the data set'}); an image needs one",
            ),
        )
    shortfall = frames_problem(pixels, number_of_frames, header.file_size)
    return _decoder_problems(header) + ((shortfall,) if shortfall is not None else ())
