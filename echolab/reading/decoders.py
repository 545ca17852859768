"""Decoding one frame: the fastest correct path per transfer syntax, pydicom's plugins otherwise.

- JPEG Baseline / 8-bit Extended with a YBR photometric interpretation (almost every echo cine):
  libjpeg-turbo through ``simplejpeg`` (or Pillow), straight to RGB inside the decoder and straight
  into the caller's output buffer — the colour is converted exactly once.
- Native (uncompressed) 8/16/32-bit grey, RGB (both planar configurations) and palette indices:
  copied from the file bytes with numpy.
- Everything else (RLE, JPEG-LS, JPEG Lossless, JPEG 2000, YBR native, odd bit depths): the
  transfer syntax's pydicom decoder and its installed plugins.

PALETTE COLOR frames are mapped to RGB through a lookup table built once per file with pydicom's
:func:`~pydicom.pixels.apply_color_lut`, and MONOCHROME1 is inverted to MONOCHROME2.
"""

from __future__ import annotations

import functools
import glob
import importlib
import importlib.util
import os
import sys
import warnings
from collections.abc import Callable
from io import BytesIO

import numpy as np

from ..errors import MissingDecoderError, PixelDataError
from . import syntaxes
from .codestreams import check_stream
from .pixel_format import Photometric, PixelFormat

__all__ = ["decode_encapsulated", "decode_native", "install_hint", "check_decoder"]

_JPEG_8BIT = (syntaxes.JPEG_BASELINE_8BIT, syntaxes.JPEG_EXTENDED_12BIT)
_INSTALL_HINTS: dict[str, str] = {
    syntaxes.JPEG_BASELINE_8BIT: "pip install simplejpeg (or pillow)",
    syntaxes.JPEG_EXTENDED_12BIT: "pip install 'echolab[gpl]' (pylibjpeg-libjpeg, GPLv3) or python-gdcm",
    syntaxes.JPEG_LOSSLESS: "pip install 'echolab[gpl]' (pylibjpeg-libjpeg, GPLv3) or python-gdcm",
    syntaxes.JPEG_LOSSLESS_SV1: "pip install 'echolab[gpl]' (pylibjpeg-libjpeg, GPLv3) or python-gdcm",
    syntaxes.JPEG_LS_LOSSLESS: "pip install pyjpegls",
    syntaxes.JPEG_LS_NEAR_LOSSLESS: "pip install pyjpegls",
    syntaxes.JPEG_2000_LOSSLESS: "pip install pylibjpeg pylibjpeg-openjpeg",
    syntaxes.JPEG_2000: "pip install pylibjpeg pylibjpeg-openjpeg",
    syntaxes.HTJ2K_LOSSLESS: "pip install pylibjpeg pylibjpeg-openjpeg",
    syntaxes.HTJ2K_LOSSLESS_RPCL: "pip install pylibjpeg pylibjpeg-openjpeg",
    syntaxes.HTJ2K: "pip install pylibjpeg pylibjpeg-openjpeg",
    syntaxes.RLE_LOSSLESS: "pip install pylibjpeg pylibjpeg-rle",
}
#: Colour that libjpeg-turbo converts to RGB itself, and one-sample data it decodes as grey.
_YBR_FULL = (Photometric.YBR_FULL, Photometric.YBR_FULL_422)
_GREY_SAMPLES = (Photometric.MONOCHROME2, Photometric.MONOCHROME1, Photometric.PALETTE_COLOR)
_GDCMCONV = "or rewrite the file uncompressed with `gdcmconv --raw in.dcm out.dcm` (GDCM)"

try:  # optional: libjpeg-turbo decoding into a caller's buffer, GIL released
    import simplejpeg as _simplejpeg
except ImportError:  # pragma: no cover - exercised only without the package
    _simplejpeg = None


def install_hint(tsuid: str) -> str:
    """What to install so that frames of ``tsuid`` can be decoded."""
    hint = _INSTALL_HINTS.get(tsuid)
    return f"{hint}, {_GDCMCONV}" if hint else _GDCMCONV


def check_decoder(tsuid: str, source: str | None) -> None:
    """Raise :class:`MissingDecoderError` when no installed package decodes ``tsuid``.

    The answer is pydicom's (its decoders and their plugins); where it can be told without
    importing pydicom (:func:`_decoder_without_pydicom`), it is.
    """
    if tsuid in _JPEG_8BIT and _simplejpeg is not None:
        return
    known = _decoder_without_pydicom(tsuid)
    if known is True:
        return
    if known is False:
        raise _no_decoder(tsuid, source)
    from pydicom.pixels.decoders.base import get_decoder

    try:
        decoder = get_decoder(tsuid)
    except NotImplementedError:
        raise _no_decoder(tsuid, source) from None
    if not decoder.is_available:
        raise _not_installed(tsuid, source)


def _no_decoder(tsuid: str, source: str | None) -> MissingDecoderError:
    return MissingDecoderError(
        f"no decoder exists for (0002,0010) Transfer Syntax UID = {_named(tsuid)} in pydicom or its "
        "plugins; rewrite the file uncompressed with a tool that reads it, e.g. `gdcmconv --raw in.dcm out.dcm` "
        "(GDCM)",
        source,
    )


def _named(tsuid: str) -> str:
    """``"<uid> (<name>)"``, or the bare UID when pydicom knows no name for it."""
    name = syntaxes.name(tsuid)
    return f"{tsuid} ({name})" if name and name != tsuid else tsuid


def _version_at_least(module: str, minimum: tuple[int, ...]) -> bool:
    """pydicom's test of a plugin's package (``pydicom.pixels.utils._passes_version_check``): it
    imports, and its ``__version__`` is at least ``minimum``. A package that is not installed is
    told without trying (``find_spec``), a failed import is as pydicom takes it: False."""
    try:
        if module not in sys.modules and importlib.util.find_spec(module) is None:
            return False
        found = importlib.import_module(module)
        return tuple(int(part) for part in found.__version__.split(".")) >= minimum
    except Exception:
        return False


def _gdcm() -> bool:
    """pydicom's test of its GDCM plugin: ``gdcm`` imports and is version 3.0 or later."""
    try:
        if "gdcm" not in sys.modules and importlib.util.find_spec("gdcm") is None:
            return False
        import gdcm  # type: ignore[import-untyped, import-not-found, unused-ignore]

        return tuple(int(part) for part in str(gdcm.Version.GetVersion()).split(".")) >= (3, 0)
    except Exception:
        return False


def _libjpeg() -> bool:
    return _version_at_least("libjpeg", (2, 0, 2)) and _version_at_least("pylibjpeg", (2, 0))


def _openjpeg() -> bool:
    return _version_at_least("openjpeg", (2, 0)) and _version_at_least("pylibjpeg", (2, 0))


def _pyjpegls() -> bool:
    return _version_at_least("jpeg_ls", (1, 2))


def _always() -> bool:
    return True


_S = syntaxes
#: pydicom 3.0's decoders (``pydicom.pixels.decoders.base``) by transfer syntax, with the tests of
#: the plugins that make each available (Pillow's is left out: its test needs Pillow's codec
#: features, and pydicom then answers). Any one passing makes the decoder available; GDCM's comes
#: first, as one import of it answers for every syntax it decodes.
_PYDICOM_3_0_PLUGINS: dict[str, tuple[Callable[[], bool], ...]] = {
    _S.JPEG_BASELINE_8BIT: (_gdcm, _libjpeg),
    _S.JPEG_EXTENDED_12BIT: (_gdcm, _libjpeg),
    _S.JPEG_LOSSLESS: (_gdcm, _libjpeg),
    _S.JPEG_LOSSLESS_SV1: (_gdcm, _libjpeg),
    _S.JPEG_LS_LOSSLESS: (_gdcm, _pyjpegls, _libjpeg),
    _S.JPEG_LS_NEAR_LOSSLESS: (_gdcm, _pyjpegls, _libjpeg),
    _S.JPEG_2000_LOSSLESS: (_gdcm, _openjpeg),
    _S.JPEG_2000: (_gdcm, _openjpeg),
    _S.HTJ2K_LOSSLESS: (_openjpeg,),
    _S.HTJ2K_LOSSLESS_RPCL: (_openjpeg,),
    _S.HTJ2K: (_openjpeg,),
    _S.RLE_LOSSLESS: (_always,),  # pydicom's own RLE decoder needs no plugin
    **{uid: (_always,) for uid in _S.NATIVE},
}


@functools.lru_cache(maxsize=1)
def _pydicom_is_3_0() -> bool:
    """True when the installed pydicom is a 3.0 release, whose decoders the table above lists:
    from the name of its ``pydicom-<version>.dist-info`` folder beside the package where there is
    one (no import of ``importlib.metadata``), else from ``importlib.metadata``."""
    spec = importlib.util.find_spec("pydicom")
    if spec is None or spec.origin is None:
        return False
    found = glob.glob(os.path.join(os.path.dirname(os.path.dirname(spec.origin)), "pydicom-*.dist-info"))
    if len(found) == 1:
        return os.path.basename(found[0]).removeprefix("pydicom-").startswith("3.0.")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pydicom").startswith("3.0.")
    except PackageNotFoundError:
        return False


@functools.lru_cache(maxsize=64)
def _decoder_without_pydicom(tsuid: str) -> bool | None:
    """Whether pydicom has an available decoder for ``tsuid``, told without importing it: True
    when one of its plugins' tests passes, False when pydicom 3.0 has no decoder at all for this
    transfer syntax; None when only pydicom can tell (then it is asked), as for any pydicom but 3.0,
    whose decoders the table lists."""
    if not _pydicom_is_3_0():
        return None
    plugins = _PYDICOM_3_0_PLUGINS.get(tsuid)
    if plugins is None:
        return False if syntaxes.known_name(tsuid) is not None else None
    if any(test() for test in plugins):
        return True
    return None


def _not_installed(tsuid: str, source: str | None) -> MissingDecoderError:
    return MissingDecoderError(
        f"no installed package decodes (0002,0010) Transfer Syntax UID = {_named(tsuid)}; "
        f"install one: {install_hint(tsuid)}",
        source,
    )


def decode_encapsulated(
    data: bytes,
    tsuid: str,
    fmt: PixelFormat,
    out: np.ndarray,
    lut: np.ndarray | None,
    source: str | None,
    index: int = 0,
) -> None:
    """Decode compressed frame ``index`` (bytes ``data``) into ``out`` (shape ``fmt.frame_shape``).

    The stream's own header is checked against the Image Pixel module first
    (:func:`echolab.reading.codestreams.check_stream`), so no decoder is handed a frame that cannot fit.
    """
    check_stream(data, tsuid, fmt.rows, fmt.columns, fmt.samples_per_pixel, fmt.stored_dtype.itemsize, index, source)
    if _fast_jpeg_applies(tsuid, fmt):
        target = out if not fmt.is_palette else np.empty(fmt.stored_shape, np.uint8)
        if _decode_jpeg_turbo(data, fmt, target):
            _finish(target, fmt, out, lut)
            return
    frame = _decode_with_plugins(data, tsuid, fmt, index, source)
    _finish(frame.reshape(fmt.stored_shape), fmt, out, lut)


def _decode_with_plugins(data: bytes, tsuid: str, fmt: PixelFormat, index: int, source: str | None) -> np.ndarray:
    """Decode with pydicom's installed plugins one by one, GDCM last: on corrupt input GDCM can
    abort the whole process, so it only sees frames every other plugin refused. Among the others
    the pylibjpeg plugins (pylibjpeg-openjpeg, -rle) go before Pillow: faster on JPEG 2000."""
    from pydicom.encaps import encapsulate
    from pydicom.pixels.decoders.base import get_decoder

    try:
        decoder = get_decoder(tsuid)
    except NotImplementedError as exc:
        raise _decode_error(exc, tsuid, source) from exc
    plugins = sorted(decoder.available_plugins, key=lambda name: (name == "gdcm", name == "pillow"))
    if not plugins:
        raise _not_installed(tsuid, source)
    failures = []
    for plugin in plugins:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame, _ = decoder.as_array(
                    encapsulate([data]), index=0, decoding_plugin=plugin, **fmt.pydicom_options()
                )
            if frame.size != int(np.prod(fmt.stored_shape)):
                raise ValueError(f"decoded {frame.shape}, expected {fmt.stored_shape}")
            return frame
        except Exception as exc:  # a corrupt stream: try the next plugin, then report them all
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            failures.append(f"{plugin}: {text[:120]}")
    raise PixelDataError(
        f"frame {index}: the {syntaxes.name(tsuid)} data is corrupt or unsupported; every installed "
        f"decoder refused it ({'; '.join(failures)})",
        source,
    )


def decode_native(
    data: bytes, fmt: PixelFormat, big_endian: bool, out: np.ndarray, lut: np.ndarray | None, source: str | None
) -> None:
    """Decode one uncompressed frame ``data`` into ``out``."""
    pi = fmt.photometric_interpretation
    simple = (
        fmt.bits_allocated in (8, 16, 32)
        and fmt.samples_per_pixel in (1, 3)
        and pi in (Photometric.MONOCHROME1, Photometric.MONOCHROME2, Photometric.RGB, Photometric.PALETTE_COLOR)
        and not (fmt.pixel_representation and fmt.bits_stored < fmt.bits_allocated)
    )
    if simple:
        dtype = fmt.stored_dtype.newbyteorder(">" if big_endian else "<")
        count = fmt.rows * fmt.columns * fmt.samples_per_pixel
        frame = np.frombuffer(data, dtype=dtype, count=count)
        if fmt.samples_per_pixel == 1:
            frame = frame.reshape(fmt.rows, fmt.columns)
        elif fmt.planar_configuration == 1:
            frame = frame.reshape(3, fmt.rows, fmt.columns).transpose(1, 2, 0)
        else:
            frame = frame.reshape(fmt.rows, fmt.columns, 3)
        _finish(frame, fmt, out, lut)
        return
    tsuid = syntaxes.EXPLICIT_VR_BIG_ENDIAN if big_endian else syntaxes.EXPLICIT_VR_LITTLE_ENDIAN
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pydicom.pixels.decoders.base import get_decoder

            frame, _ = get_decoder(tsuid).as_array(data, index=0, **fmt.pydicom_options())
    except Exception as exc:
        raise _decode_error(exc, tsuid, source) from exc
    _finish(frame.reshape(fmt.stored_shape), fmt, out, lut)


def _fast_jpeg_applies(tsuid: str, fmt: PixelFormat) -> bool:
    # PI = RGB with lossy JPEG is ambiguous (was the colour transformed?); pydicom's reading of
    # the header is kept there, so only YBR / grey / palette streams take the fast path.
    return (
        tsuid in _JPEG_8BIT
        and fmt.bits_stored <= 8
        and fmt.bits_allocated == 8
        and (
            (fmt.samples_per_pixel == 3 and fmt.photometric_interpretation in _YBR_FULL)
            or (fmt.samples_per_pixel == 1 and fmt.photometric_interpretation in _GREY_SAMPLES)
        )
    )


def _decode_jpeg_turbo(data: bytes, fmt: PixelFormat, target: np.ndarray) -> bool:
    """Decode with libjpeg-turbo into ``target``; False when it cannot (caller falls back)."""
    colorspace = "RGB" if fmt.samples_per_pixel == 3 else "GRAY"
    try:
        if _simplejpeg is not None:
            height, width, _, _ = _simplejpeg.decode_jpeg_header(data)
            if (height, width) != (fmt.rows, fmt.columns) or not target.flags.c_contiguous:
                return False
            _simplejpeg.decode_jpeg(data, colorspace=colorspace, buffer=target, strict=False)
            return True
        from PIL import Image

        with Image.open(BytesIO(data), formats=("JPEG",)) as image:
            if image.size != (fmt.columns, fmt.rows):
                return False
            converted = image.convert("RGB" if colorspace == "RGB" else "L")
            target[...] = np.asarray(converted).reshape(target.shape)
        return True
    except Exception:
        return False


def _finish(frame: np.ndarray, fmt: PixelFormat, out: np.ndarray, lut: np.ndarray | None) -> None:
    """Palette lookup / MONOCHROME1 inversion, then the copy into ``out`` (skipped if same)."""
    if fmt.is_palette:
        if lut is None:
            raise PixelDataError("PALETTE COLOR image without a usable lookup table")
        np.take(lut, frame, axis=0, out=out, mode="clip")
        return
    if fmt.photometric_interpretation is Photometric.MONOCHROME1:
        if fmt.pixel_representation:
            np.subtract(-1, frame, out=out, casting="unsafe")
        else:
            np.subtract((1 << fmt.bits_stored) - 1, frame, out=out, casting="unsafe")
        return
    if frame is not out:
        out[...] = frame


def _decode_error(exc: Exception, tsuid: str, source: str | None) -> PixelDataError:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, (RuntimeError, NotImplementedError)) and (
        "plugin" in message.lower() or "no pixel data decoders" in message.lower()
    ):
        return MissingDecoderError(
            f"cannot decode (0002,0010) Transfer Syntax UID = {tsuid} ({syntaxes.name(tsuid)}): "
            f"{message[:200]}; install one: {install_hint(tsuid)}",
            source,
        )
    return PixelDataError(
        f"cannot decode a frame of {syntaxes.name(tsuid)} pixel data ({type(exc).__name__}: {message[:200]})",
        source,
    )
