"""Frame scrubbing speed of the notebook browser, against re-plotting, in one run.

Usage::

    python benchmarks/frame_update.py [--frames 60]

The cine is pydicom-data's SonoSite ``color3d_jpeg_baseline.dcm`` (640 x 480 JPEG Baseline). Printed:

- the time of one frame update of :class:`echolab.ui.widgets.Browser` — set ``frame.value``, decode
  the frame once per panel, swap the pixels of the two image artists (``set_data``), blit them
  over the cached background and publish the JPEG picture: everything a user waits for;
- the same frame shown the naive way, re-plotting a new figure with ``imshow`` and rendering it
  (the reference), and the ratio of the two.

Goal (issue "Widget-driven notebooks"): one frame update of a 640 x 480 image under 30 ms. The
script prints PASS/FAIL and exits 1 when the goal is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings

import numpy as np
import simplejpeg
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import echolab
from echolab import plot
from echolab.samples import sample
from echolab.ui.widgets import Browser

GOAL_MS = 30.0


def browser_update_ms(path: str, frames: int) -> list[float]:
    browser = Browser(files=[path])
    times = []
    for frame in range(1, frames + 1):
        start = time.perf_counter()
        browser.frame.value = frame
        times.append((time.perf_counter() - start) * 1000)
    assert browser.view.renders >= frames
    return times


def replot_ms(path: str, frames: int) -> list[float]:
    f = echolab.open(path)
    times = []
    for frame in range(1, frames + 1):
        start = time.perf_counter()
        figure = Figure(figsize=(11, 4.4), dpi=80, layout="constrained")
        canvas = FigureCanvasAgg(figure)
        left, right = figure.subplots(1, 2)
        plot.image_with_regions(f, frame=frame, ax=left)
        plot.region(f.region(0), frame=frame, ax=right)
        canvas.draw()
        simplejpeg.encode_jpeg(np.asarray(canvas.buffer_rgba())[..., :3].copy(), quality=88, colorspace="RGB")
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    warnings.simplefilter("ignore", echolab.EcholabWarning)
    path = sample("color3d_jpeg_baseline.dcm")
    frames = min(args.frames, 119)
    browser = statistics.median(browser_update_ms(path, frames))
    naive = statistics.median(replot_ms(path, min(frames, 20)))
    print(f"browser frame update (set_data + blit + JPEG): {browser:7.2f} ms median over {frames} frames")
    print(f"re-plotting the same two panels (reference):   {naive:7.2f} ms")
    print(f"ratio reference / browser:                     {naive / browser:7.2f} x faster")
    passed = browser < GOAL_MS
    print(f"{'PASS' if passed else 'FAIL'}: one frame update {browser:.1f} ms < {GOAL_MS:.0f} ms")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
