"""The reading path: from a file's bytes to a frame source, in one direction. Users never import it.

One module per step, each using only the ones above it:

- :mod:`.byte_io` — random access to a file's or a buffer's bytes (positional reads, no handle kept);
- :mod:`.tags`, :mod:`.syntaxes` — the elements echolab reads and the transfer syntaxes (no pydicom);
- :mod:`.header` — the data set without its pixels, and where (7FE0,0010) Pixel Data starts;
- :mod:`.raw_header` — the same read straight from the bytes, without pydicom, when it reads
  exactly as pydicom would (else it leaves the file to :mod:`.header`);
- :mod:`.elements` — one header value, read safely and named "(gggg,eeee) Description" in errors;
- :mod:`.regions` — the (0018,6011) Sequence of Ultrasound Regions items and their calibrated axes;
- :mod:`.timing` — the time of every frame, and every timing element with what it implies;
- :mod:`.fields` — what every description of a file starts from (UID, size, frames, timing, regions);
- :mod:`.pixel_format` — the Image Pixel module checked once, and a palette's RGB table;
- :mod:`.encapsulated` — where each compressed frame lies (offset tables, or a scan of fragment headers);
- :mod:`.codestreams` — each compressed frame's own header checked against the Image Pixel module;
- :mod:`.decoders` — one frame decoded by the fastest correct decoder installed;
- :mod:`.frame_source` — :class:`~.frame_source.PixelSource`: any set of frames, decoded in parallel;
- :mod:`.problems` — what the header, the pixel element's length and the fragment table say is missing.

On top of it, :mod:`echolab.arrays` makes DataArrays of the frame source and
:mod:`echolab.echofile` is what :func:`echolab.open` returns; everything else (analysis, checks,
widgets, the command line, archives) uses those and never parses DICOM itself.
"""
