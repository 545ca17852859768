"""Every Python block of README.md runs as written, in order, in one namespace, on the sample files.

A block's expression line whose comment starts with a value — a repr in angle brackets, a quoted
string or a dict — is also checked against what the expression gives, so the README cannot show
an answer the code no longer gives.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path
from typing import Any

import matplotlib
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks() -> list[str]:
    return _BLOCK.findall(README.read_text(encoding="utf-8"))


def _comments(source: str) -> dict[int, str]:
    """Line number → the text of the comment on that line."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {tok.start[0]: tok.string[1:].strip() for tok in tokens if tok.type == tokenize.COMMENT}


def _check_shown_value(value: Any, comment: str, where: str) -> None:
    if comment.startswith("<"):
        shown = comment[: comment.index(">") + 1]
        assert repr(value) == shown, f"{where}: README shows {shown}, the code gives {value!r}"
    elif comment.startswith(('"', "{")):
        closing = '"' if comment.startswith('"') else "}"
        shown = ast.literal_eval(comment[: comment.index(closing, 1) + 1])
        assert value == shown, f"{where}: README shows {shown!r}, the code gives {value!r}"


def test_the_readme_has_python_blocks() -> None:
    assert len(python_blocks()) >= 3


def test_every_readme_python_block_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # blocks that write files (doppler.zarr, ...) write them here
    namespace: dict[str, Any] = {"__name__": "readme"}
    for number, block in enumerate(python_blocks(), start=1):
        comments = _comments(block)
        for statement in ast.parse(block).body:
            where = f"README python block {number}, line {statement.lineno}"
            code = ast.Module(body=[statement], type_ignores=[])
            if isinstance(statement, ast.Expr):
                value = eval(compile(ast.Expression(statement.value), where, "eval"), namespace)
                comment = comments.get(statement.end_lineno or statement.lineno, "")
                _check_shown_value(value, comment, where)
            else:
                exec(compile(code, where, "exec"), namespace)
    assert (tmp_path / "doppler.zarr").is_dir() and (tmp_path / "doppler.nc").is_file()
