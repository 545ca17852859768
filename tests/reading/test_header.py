"""Reading headers: only regular files, bounded reads, and a file that shrinks while it is read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..conftest import REPO
from ..hostile import region_item
from ..make import write_file

#: Cuts the file while pydicom reads it, as another program truncating a copy in progress would.
_SHRINK = """
import os, sys
import pydicom
import echolab

path = sys.argv[1]
real = pydicom.dcmread

def shrinking(fp, *args, **kwargs):
    os.truncate(path, 1000)
    return real(fp, *args, **kwargs)

pydicom.dcmread = shrinking
try:
    echolab.open(path)
except echolab.EcholabError as exc:
    print(type(exc).__name__, exc.reason)
"""


def test_a_file_shrinking_while_its_header_is_read_is_an_echolab_error(tmp_path: Path) -> None:
    """Headers were read through a memory map: a file cut while being read killed the process
    with SIGBUS (pydicom itself survives). Now the reads come up short: an InvalidHeaderError."""
    items = [region_item(RegionFlags=i) for i in range(60)]
    path = write_file(tmp_path / "shrinking.dcm", rows=48, columns=64, regions=items)
    assert os.path.getsize(path) > 2 * 4096  # the header runs past the pages that stay in the file
    done = subprocess.run([sys.executable, "-c", _SHRINK, path], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-1000:]}"
    assert done.stdout.startswith("InvalidHeaderError "), done.stdout
