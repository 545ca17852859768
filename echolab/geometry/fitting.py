"""The shape of a detected scan area: apex, side-edge angles, radii — or a linear rectangle.

The side edges are fitted by robust (RANSAC, then least-squares) straight lines to the leftmost
and rightmost scan-area pixel of each row, in physical units (cm, so that non-square pixels give
true angles); up to :data:`MAX_EDGE_PIECES` straight pieces per side. Slanted edges opening
downwards make a sector: their intersection is the apex, their directions the angles; a vertical
piece below a slanted edge is a display cut (HP draws its sectors so). Edges within
:data:`VERTICAL_DEGREES` of vertical make a linear scan area. Rows where the area touches the
region's border are not edges (clipping). When only one side edge lies inside the region, the apex
is placed on it at the centre of the far arc (or of the near arc), fitted by least squares.

Near and far radii are the median over angle bins of the nearest and farthest scan-area pixel from
the apex, leaving out bins that end on the region's border or a cut (the top and bottom rows for a
linear area). What was clipped is said in the fit's notes.

Every threshold is a module constant below, with its unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .detection import NoScanArea
from .sector import BoolArray, FloatArray

__all__ = ["Fit", "fit", "outline_agreement", "VERTICAL_DEGREES"]

#: Side edges within this many degrees of vertical are vertical (linear edges or display cuts).
VERTICAL_DEGREES = 6.0
#: An edge is fitted to at least this many boundary rows …
MIN_EDGE_POINTS = 8
#: … and at least this fraction of the rows that hold scan-area pixels.
MIN_EDGE_FRACTION = 0.05
#: A boundary point lies on an edge when within this many pixels of it (in the coarser pixel size).
EDGE_TOLERANCE_PIXELS = 1.5
#: Straight pieces fitted per side: a slanted edge, a vertical cut below it, and one more.
MAX_EDGE_PIECES = 3
#: Random pairs of boundary points a RANSAC line fit tries.
RANSAC_TRIALS = 300
#: A pair spans at least this fraction of the boundary's height (short pairs give noisy slopes).
RANSAC_MIN_SPAN = 0.1
#: Least-squares refits on the inliers after RANSAC.
REFITS = 3
#: Side edges meeting lower than this fraction of the textured area's height below its top meet
#: inside it: not a sector opening downwards.
MAX_APEX_DEPTH = 0.25
#: "Most" of the rows (or columns): more than this fraction.
MOSTLY = 0.5
#: Angle bins of the radial extent, between the side edges …
ANGLE_BINS = 30
#: … leaving out this fraction of the angle span next to each edge.
ANGLE_MARGIN = 0.05
#: At least this many bins must end on the arc for its median to be the radius.
MIN_ARC_BINS = 3
#: A bin ending within this many pixels of a vertical cut ends on the cut, not on the arc.
CUT_PIXELS = 2
#: Linear side edges closer than this many pixels make no scan area.
MIN_LINEAR_WIDTH = 8
#: The top and bottom of a linear area are read between its side edges, leaving out this fraction
#: of its width on each side.
LINEAR_SIDE_MARGIN = 0.1
#: The apex on one visible edge: the arc's points used are at least this many pixels off the edge …
ARC_OFF_EDGE_PIXELS = 3
#: … at least this many of them …
ARC_MIN_POINTS = 20
#: … in this many trimmed least-squares rounds, each dropping points farther from the circle than
#: this many median residuals, as long as this many points remain.
ARC_ITERATIONS = 4
ARC_OUTLIER_SPREADS = 3.0
ARC_MIN_KEPT = 6
#: The open side's angle is where the scan area ends: this percentile (%) of its pixels' angles
#: from the far side (robust to a stray pixel).
OPEN_SIDE_PERCENTILE = 0.1
#: The detected outline agrees with the fitted one within this many pixels.
OUTLINE_TOLERANCE_PIXELS = 3


@dataclass(frozen=True)
class Fit:
    """A fitted scan area, in image pixels and the spacing's units (the :class:`~echolab.Sector`
    fields of the same names; ``notes`` say what was clipped or cut)."""

    kind: Literal["sector", "linear"]
    apex: tuple[float, float] | None
    angle_range: tuple[float, float]
    radius_range: tuple[float, float]
    lateral_range: tuple[float, float] | None
    probe_face: tuple[float, float]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Line:
    """A side edge ``x = a + b * y`` in physical units, and the y of the boundary points on it."""

    a: float
    b: float
    y: FloatArray

    @property
    def count(self) -> int:
        return int(self.y.size)

    @property
    def angle(self) -> float:
        """Degrees from straight down, negative when the edge runs down to the left."""
        return math.degrees(math.atan(self.b))

    def x_at(self, y: Any) -> Any:
        return self.a + self.b * y


@dataclass(frozen=True)
class _Boundary:
    """The detected mask's outline, in image pixels and physical units."""

    rows: FloatArray  # image rows that hold scan-area pixels
    left: FloatArray  # image column of the left boundary per row (a pixel edge)
    right: FloatArray
    left_clipped: BoolArray  # the boundary is the region's border, not an edge of the scan area
    right_clipped: BoolArray


def _boundary(mask: BoolArray, rows: FloatArray, columns: FloatArray) -> _Boundary:
    index = np.nonzero(mask.any(axis=1))[0]
    sub = mask[index]
    left = np.argmax(sub, axis=1)
    right = mask.shape[1] - 1 - np.argmax(sub[:, ::-1], axis=1)
    return _Boundary(
        rows=rows[index],
        left=columns[left] - 0.5,
        right=columns[right] + 0.5,
        left_clipped=left == 0,
        right_clipped=right == mask.shape[1] - 1,
    )


def _ransac_line(
    y: FloatArray, x: FloatArray, tolerance: float, rng: np.random.Generator
) -> tuple[float, float, BoolArray]:
    """Robust fit of x = a + b * y (RANSAC, then least squares on the inliers); (a, b, inliers)."""
    n = y.size
    i = rng.integers(0, n, size=RANSAC_TRIALS)
    j = rng.integers(0, n, size=RANSAC_TRIALS)
    keep = np.abs(y[i] - y[j]) > RANSAC_MIN_SPAN * (y.max() - y.min() + 1e-9)
    i, j = i[keep], j[keep]
    if i.size == 0:
        return float(np.median(x)), 0.0, np.zeros(n, dtype=bool)
    b = (x[j] - x[i]) / (y[j] - y[i])
    a = x[i] - b * y[i]
    residual = np.abs(x[None, :] - (a[:, None] + b[:, None] * y[None, :]))
    best = int(np.argmax((residual < tolerance).sum(axis=1)))
    inliers = residual[best] < tolerance
    a_fit, b_fit = float(a[best]), float(b[best])
    for _ in range(REFITS):
        if np.count_nonzero(inliers) < 2:
            break
        b_fit, a_fit = (float(v) for v in np.polyfit(y[inliers], x[inliers], 1))
        inliers = np.abs(x - (a_fit + b_fit * y)) < tolerance
    return a_fit, b_fit, inliers


def _side_lines(y: FloatArray, x: FloatArray, tolerance: float, minimum: int) -> list[_Line]:
    """Up to three straight pieces of one side's boundary (a slanted edge, a vertical cut, ...), best first."""
    rng = np.random.default_rng(0)  # the same boundary always gives the same edges
    lines: list[_Line] = []
    remaining = np.ones(y.size, dtype=bool)
    for _ in range(MAX_EDGE_PIECES):
        if np.count_nonzero(remaining) < minimum:
            break
        index = np.nonzero(remaining)[0]
        a, b, inliers = _ransac_line(y[index], x[index], tolerance, rng)
        if np.count_nonzero(inliers) < minimum:
            break
        lines.append(_Line(a, b, y[index[inliers]]))
        remaining[index[inliers]] = False
    return lines


def fit(mask: BoolArray, rows: FloatArray, columns: FloatArray, spacing: tuple[float, float]) -> Fit:
    """Fit a sector or a rectangle to a detected scan area.

    Parameters
    ----------
    mask
        The scan area as detected, over the region's (rows, columns).
    rows, columns
        Image rows and columns of the mask's pixels (pixel centres at integers).
    spacing
        (row, column) spacing in physical units (cm) per pixel; (1, 1) for pixels.

    Raises
    ------
    NoScanArea
        When the mask has no straight side edges, or they do not make a sector opening downwards
        or a rectangle.
    """
    dy, dx = spacing
    outline = _boundary(mask, rows, columns)
    minimum = max(MIN_EDGE_POINTS, int(MIN_EDGE_FRACTION * outline.rows.size))
    tolerance = EDGE_TOLERANCE_PIXELS * max(dx, dy)
    notes: list[str] = []
    sides: dict[str, list[_Line]] = {}
    reaches_border: dict[str, bool] = {}
    for side, column, clipped in (
        ("left", outline.left, outline.left_clipped),
        ("right", outline.right, outline.right_clipped),
    ):
        use = ~clipped
        reaches_border[side] = bool(np.count_nonzero(clipped) >= minimum)
        y, x = outline.rows[use] * dy, column[use] * dx
        sides[side] = _side_lines(y, x, tolerance, minimum) if y.size >= minimum else []
    best = {side: max(lines, key=lambda line: line.count) for side, lines in sides.items() if lines}
    if len(best) == 2 and best["left"].angle >= VERTICAL_DEGREES and best["right"].angle <= -VERTICAL_DEGREES:
        raise NoScanArea(
            f"the side edges ({best['left'].angle:.1f}° and {best['right'].angle:.1f}°) close downwards: the scan "
            "area opens upwards (an image flipped upside down, probe at the bottom, is not supported)"
        )
    slanted = {
        "left": [line for line in sides["left"] if line.angle <= -VERTICAL_DEGREES],
        "right": [line for line in sides["right"] if line.angle >= VERTICAL_DEGREES],
    }
    vertical = {side: [line for line in lines if abs(line.angle) < VERTICAL_DEGREES] for side, lines in sides.items()}
    if not slanted["left"] and not slanted["right"]:
        return _fit_linear(mask, rows, columns, spacing, vertical, reaches_border, notes)
    edges = {side: max(slanted[side], key=lambda line: line.count) if slanted[side] else None for side in sides}
    left_edge, right_edge = edges["left"], edges["right"]
    if left_edge is not None and right_edge is not None:
        apex_y = (left_edge.a - right_edge.a) / (right_edge.b - left_edge.b)
        apex = (apex_y / dy, left_edge.x_at(apex_y) / dx)
        angles = (left_edge.angle, right_edge.angle)
    else:
        known = left_edge if left_edge is not None else right_edge
        assert known is not None
        missing = "right" if left_edge is not None else "left"
        apex = _apex_on_line(mask, rows, columns, spacing, known)
        angles = _open_side_angles(mask, rows, columns, spacing, apex, known, missing)
        notes.append(
            f"the {missing} side edge of the sector lies outside the region box: the apex is placed on the "
            f"{'left' if missing == 'right' else 'right'} edge by the curvature of the arcs, and the "
            f"{missing} angle is where the scan area ends"
        )
    if apex[0] > outline.rows[0] + MAX_APEX_DEPTH * (outline.rows[-1] - outline.rows[0]):
        if all(np.count_nonzero(c) > MOSTLY * c.size for c in (outline.left_clipped, outline.right_clipped)):
            # the area fills the region's width: the slanted pieces were noise along its top or bottom
            return _fit_linear(mask, rows, columns, spacing, {"left": [], "right": []}, reaches_border, [])
        raise NoScanArea(
            f"the side edges meet at image row {apex[0]:.0f}, inside the textured area: it is not a sector "
            "opening downwards (an image flipped upside down is not supported)"
        )
    cuts = _cuts(vertical, edges, spacing)
    lateral = None
    if cuts[0] is not None or cuts[1] is not None:
        lateral = (
            cuts[0] if cuts[0] is not None else float(columns[0]) - 0.5,
            cuts[1] if cuts[1] is not None else float(columns[-1]) + 0.5,
        )
        notes.append(
            "the sector is cut by vertical lines at image columns "
            + ", ".join(f"{c:.1f}" for c in cuts if c is not None)
        )
    near, far = _radial_extent(mask, rows, columns, spacing, apex, angles, lateral, notes)
    middle = math.radians((angles[0] + angles[1]) / 2)
    face = (apex[0] + near * math.cos(middle) / dy, apex[1] + near * math.sin(middle) / dx)
    return Fit("sector", apex, angles, (near, far), lateral, face, tuple(notes))


def _cuts(
    vertical: dict[str, list[_Line]], edges: dict[str, _Line | None], spacing: tuple[float, float]
) -> tuple[float | None, float | None]:
    """Columns of vertical cuts below the slanted side edges (as HP draws its sectors)."""
    found: list[float | None] = []
    for side in ("left", "right"):
        cut = None
        edge = edges[side]
        for line in vertical[side]:
            if edge is None or float(np.mean(line.y)) > float(np.mean(edge.y)):
                cut = float(np.median(line.x_at(line.y))) / spacing[1]
                break
        found.append(cut)
    return found[0], found[1]


def _circle_centre_on_line(points: FloatArray, line: _Line) -> tuple[float, float]:
    """Centre (y, x) on ``line`` of the circle through ``points`` (n, 2: y, x), trimmed least squares."""
    origin = np.array([0.0, line.a])
    direction = np.array([1.0, line.b]) / math.hypot(1.0, line.b)
    keep = np.ones(len(points), dtype=bool)
    t = 0.0
    for _ in range(ARC_ITERATIONS):
        q = points[keep] - origin
        design = np.column_stack([2.0 * q @ direction, np.ones(len(q))])
        solution, *_ = np.linalg.lstsq(design, (q**2).sum(axis=1), rcond=None)
        t, k = float(solution[0]), float(solution[1])
        radius = math.sqrt(max(k + t * t, 0.0))
        distance = np.hypot(*(points - (origin + t * direction)).T)
        residual = np.abs(distance - radius)
        spread = float(np.median(residual[keep])) + 1e-9
        keep = residual < max(ARC_OUTLIER_SPREADS * spread, 1e-6)
        if np.count_nonzero(keep) < ARC_MIN_KEPT:
            break
    centre = origin + t * direction
    return float(centre[0]), float(centre[1])


def _apex_on_line(
    mask: BoolArray, rows: FloatArray, columns: FloatArray, spacing: tuple[float, float], line: _Line
) -> tuple[float, float]:
    """The apex on the one visible side edge: the centre of the far arc (or of the near arc)."""
    dy, dx = spacing
    inner: BoolArray = np.asarray(mask.any(axis=0), dtype=bool).copy()
    inner[:2] = inner[-2:] = False
    bottom = mask.shape[0] - 1 - np.argmax(mask[::-1], axis=0)
    top = np.argmax(mask, axis=0)
    far = inner & (bottom < mask.shape[0] - 1)
    for chosen, offset in ((far, 0.5), (inner & (top > 0), -0.5)):
        index = np.nonzero(chosen)[0]
        row = bottom[index] if offset > 0 else top[index]
        points = np.column_stack([(rows[row] + offset) * dy, columns[index] * dx])
        if offset < 0:
            # the top outline follows the side edge where it is not the near arc
            points = points[np.abs(points[:, 1] - line.x_at(points[:, 0])) > ARC_OFF_EDGE_PIXELS * max(dx, dy)]
        if len(points) >= ARC_MIN_POINTS:
            y, x = _circle_centre_on_line(points, line)
            return (y / dy, x / dx)
    raise NoScanArea("one side edge and no arc are visible: the apex cannot be placed")


def _open_side_angles(
    mask: BoolArray,
    rows: FloatArray,
    columns: FloatArray,
    spacing: tuple[float, float],
    apex: tuple[float, float],
    known: _Line,
    missing: str,
) -> tuple[float, float]:
    dy, dx = spacing
    ys, xs = np.nonzero(mask)
    angle = np.degrees(np.arctan2((columns[xs] - apex[1]) * dx, (rows[ys] - apex[0]) * dy))
    if missing == "right":
        return (known.angle, float(np.percentile(angle, 100 - OPEN_SIDE_PERCENTILE)))
    return (float(np.percentile(angle, OPEN_SIDE_PERCENTILE)), known.angle)


def _radial_extent(
    mask: BoolArray,
    rows: FloatArray,
    columns: FloatArray,
    spacing: tuple[float, float],
    apex: tuple[float, float],
    angles: tuple[float, float],
    lateral: tuple[float, float] | None,
    notes: list[str],
) -> tuple[float, float]:
    """(near, far) radii: medians over angle bins of the nearest and farthest mask pixel.

    Bins whose farthest pixel lies on the region's border or on a cut say nothing of the far arc.
    """
    dy, dx = spacing
    ys, xs = np.nonzero(mask)
    y = (rows[ys] - apex[0]) * dy
    x = (columns[xs] - apex[1]) * dx
    radius = np.hypot(x, y)
    angle = np.degrees(np.arctan2(x, y))
    low, high = angles
    margin = ANGLE_MARGIN * (high - low)
    edges = np.linspace(low + margin, high - margin, ANGLE_BINS + 1)
    count = edges.size - 1
    bins = np.digitize(angle, edges) - 1
    valid = (bins >= 0) & (bins < count)
    if not np.any(valid):
        raise NoScanArea("no scan-area pixel lies between the fitted side edges")
    far_bins = np.full(count, -np.inf)
    near_bins = np.full(count, np.inf)
    np.maximum.at(far_bins, bins[valid], radius[valid])
    np.minimum.at(near_bins, bins[valid], radius[valid])
    # which bins end on the region's border or a cut rather than on the far arc
    farthest = np.zeros(count, dtype=np.int64)
    order = np.argsort(radius[valid], kind="stable")
    farthest[bins[valid][order]] = np.nonzero(valid)[0][order]
    nearest = np.zeros(count, dtype=np.int64)
    nearest[bins[valid][order[::-1]]] = np.nonzero(valid)[0][order[::-1]]
    filled = np.isfinite(far_bins)
    end_rows, end_columns = ys[farthest], xs[farthest]
    clipped = (end_rows == mask.shape[0] - 1) | (end_columns == 0) | (end_columns == mask.shape[1] - 1)
    if lateral is not None:
        near_cut = CUT_PIXELS
        clipped |= (np.abs(columns[end_columns] - lateral[0]) < near_cut) | (
            np.abs(columns[end_columns] - lateral[1]) < near_cut
        )
    middle = math.radians((low + high) / 2)
    half = 0.5 * math.hypot(dx * math.sin(middle), dy * math.cos(middle))
    arc = filled & ~clipped
    if np.count_nonzero(arc) >= MIN_ARC_BINS:
        far = float(np.median(far_bins[arc])) + half
    else:
        far = float(np.max(far_bins[filled])) + half
        notes.append("the far arc lies outside the region box: the far radius is where the region ends (a lower bound)")
    start_rows, start_columns = ys[nearest], xs[nearest]
    near_clipped = (start_rows == 0) | (start_columns == 0) | (start_columns == mask.shape[1] - 1)
    face = filled & ~near_clipped
    if np.count_nonzero(face) >= MIN_ARC_BINS:
        near = float(np.median(near_bins[face])) - half
    else:
        near = float(np.median(near_bins[filled])) - half
        notes.append("the probe face lies above the region box: the near radius is where the region starts")
    return max(0.0, near), far


def _fit_linear(
    mask: BoolArray,
    rows: FloatArray,
    columns: FloatArray,
    spacing: tuple[float, float],
    vertical: dict[str, list[_Line]],
    reaches_border: dict[str, bool],
    notes: list[str],
) -> Fit:
    """A rectangle between two vertical edges (or the region's border where the area reaches it)."""
    dy, dx = spacing
    found: list[float] = []
    for side, border in (("left", float(columns[0]) - 0.5), ("right", float(columns[-1]) + 0.5)):
        if vertical[side]:
            line = max(vertical[side], key=lambda candidate: candidate.count)
            found.append(float(np.median(line.x_at(line.y))) / dx)
        elif reaches_border[side]:
            found.append(border)
            notes.append(f"the scan area reaches the region's {side} border: its {side} edge is the region's")
        else:
            raise NoScanArea(
                f"no straight {side} edge: the textured area is neither a sector opening downwards nor a "
                "rectangle (an image flipped upside down is not supported)"
            )
    left, right = found
    if right - left < MIN_LINEAR_WIDTH:
        raise NoScanArea(f"the side edges at columns {left:.0f} and {right:.0f} are too close")
    inner = (columns >= left + LINEAR_SIDE_MARGIN * (right - left)) & (
        columns <= right - LINEAR_SIDE_MARGIN * (right - left)
    )
    sub = mask[:, inner]
    has = sub.any(axis=0)
    if not np.any(has):
        raise NoScanArea("no scan-area pixel between the side edges")
    top_index = np.argmax(sub[:, has], axis=0)
    bottom_index = sub.shape[0] - 1 - np.argmax(sub[::-1, has], axis=0)
    top = float(np.median(rows[top_index])) - 0.5
    bottom = float(np.median(rows[bottom_index])) + 0.5
    if np.mean(bottom_index == sub.shape[0] - 1) > MOSTLY:
        notes.append("the bottom of the scan area lies below the region box: the depth is where the region ends")
    height = max(bottom - top, 1.0)
    centre = (left + right) / 2
    if np.mean(top_index == 0) > MOSTLY:
        notes.append("the top of the scan area lies above the region box: the probe face is where the region starts")
    return Fit("linear", None, (0.0, 0.0), (0.0, height * dy), (left, right), (top, centre), tuple(notes))


def outline_agreement(model: BoolArray, detected: BoolArray) -> float:
    """Fraction of the fitted outline's rows (left and right, where it is not the region's border)
    at which the detected outline lies within :data:`OUTLINE_TOLERANCE_PIXELS`."""
    tolerance = OUTLINE_TOLERANCE_PIXELS
    width = model.shape[1]
    rows = model.any(axis=1)
    seen: BoolArray = np.asarray(detected.any(axis=1), dtype=bool)
    model_left, model_right = np.argmax(model, axis=1), width - 1 - np.argmax(model[:, ::-1], axis=1)
    found_left, found_right = np.argmax(detected, axis=1), width - 1 - np.argmax(detected[:, ::-1], axis=1)
    fractions = []
    for fitted, found, border in ((model_left, found_left, 0), (model_right, found_right, width - 1)):
        use = rows & (fitted != border)
        if np.count_nonzero(use):
            agree = seen[use] & (np.abs(fitted[use] - found[use]) <= tolerance)
            fractions.append(np.count_nonzero(agree) / np.count_nonzero(use))
    return float(np.mean(fractions)) if fractions else 1.0
