"""Scan-area geometry of a 2D region, estimated from its pixels: apex, angles, radii and mask.

A 2D region of (0018,6011) is a box; the picture the probe made is a smaller scan area inside it
— a sector (phased or curved array: two straight side edges meeting at an apex, a far arc and, for
a curved array, a near arc at the probe face) or a rectangle (linear array). :func:`estimate_sector`
finds it from the pixels and returns a frozen :class:`Sector`; :func:`to_polar` resamples a region
onto depth × angle.

The package holds one step per module:

- :mod:`.sector` — the model: :class:`Sector`, its polar coordinates and masks;
- :mod:`.detection` — where the scan area is in the pixels (brightness and the speckle that changes
  between frames; texture on a still), every threshold a named constant;
- :mod:`.fitting` — the shape of what was detected: side edges, apex, angles, radii, cuts;
- :mod:`.estimation` — :func:`estimate_sector`: detection, fitting, a confidence and the cross-check
  against the header's calibration (reached through ``region.echo``, :mod:`echolab.calibration`);
- :mod:`.polar` — :func:`to_polar`.

Coordinates
-----------
Image pixels are (row, column) with pixel centres at integers, as the ``row`` / ``column`` coords
of a region DataArray; "left" is towards column 0 on screen, whatever the sign of the region's x
axis. Angles are in degrees from straight down (the image's +row direction), negative to the left.
Radii and depths are in the region's spatial units (cm; "pixel" for an uncalibrated region).
"""

from __future__ import annotations

from .estimation import estimate_sector
from .polar import to_polar
from .sector import Sector

__all__ = ["Sector", "estimate_sector", "to_polar"]

# the public name (``echolab.Sector`` is the same class): shown, pickled and documented as such
Sector.__module__ = __name__
