"""Sphinx configuration of echolab's documentation site.

Built offline (no intersphinx inventories are fetched) with warnings as errors by ``.ci/run``:
``python -m sphinx -W --keep-going -b html docs docs/_build/html``. The notebooks are rendered from
their stored outputs (nothing is executed while building): they are copied from ``../notebooks``
into ``docs/notebooks/`` (git-ignored) at each build, so the site shows exactly what nbval checks.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

import echolab  # noqa: E402

project = "echolab"
author = "the echolab developers"
copyright = "2026, the echolab developers"
release = echolab.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
    "sphinx_copybutton",
]

# --- the notebooks: rendered from their stored outputs -------------------------------------------
NOTEBOOKS = HERE / "notebooks"
shutil.rmtree(NOTEBOOKS, ignore_errors=True)
NOTEBOOKS.mkdir()
for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
    shutil.copy2(notebook, NOTEBOOKS / notebook.name)
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

# --- the API reference: generated from the docstrings ---------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"  # numpydoc's Parameters sections say the types in words
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()

# --- the site -------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "echolab"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path: list[str] = []
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
suppress_warnings = ["mystnb.unknown_mime_type"]
