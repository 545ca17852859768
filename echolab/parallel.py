"""Worker processes, and the scripts that start them without ``if __name__ == "__main__":``.

With the "spawn" and "forkserver" start methods — Dask's for its workers, Python's default on
macOS and Windows, and on Linux from Python 3.14 — every new process first runs the main script
again, as the module ``__mp_main__``, so that the code under ``if __name__ == "__main__":`` is
left out. A script that calls :func:`echolab.archive.convert.convert` at its top level, outside that
guard, would have each worker call it again while starting, and the run would end in pages of
multiprocessing tracebacks. :func:`check_script_guard` finds that case before any process is
started and raises one :class:`~echolab.errors.UnguardedScriptError` naming the line and the fix.

Notebooks, ``python -c`` and interactive sessions have no script to run again, and a script run
with ``python -m package`` (its ``__main__.py``) is not run again either: nothing is checked there.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import tokenize
from types import ModuleType

from .errors import UnguardedScriptError

__all__ = ["RERUNNING_START_METHODS", "check_script_guard"]

#: Start methods whose new processes run the main script again before they start working.
RERUNNING_START_METHODS = frozenset({"spawn", "forkserver"})


def check_script_guard(call: str, start_method: str) -> None:
    """Refuse to start worker processes that would call ``call`` again while starting.

    Parameters
    ----------
    call
        What is being called, as the message should name it, e.g. ``"echolab.archive.convert.convert()"``.
    start_method
        The multiprocessing start method of the processes about to be started.

    Raises
    ------
    UnguardedScriptError
        When ``start_method`` runs the main script again in each new process and the script's
        top-level code is calling ``call`` right now, outside ``if __name__ == "__main__":``.
    """
    if start_method not in RERUNNING_START_METHODS:
        return
    main = sys.modules.get("__main__")
    script = _script_run_again(main)
    if main is None or script is None:
        return
    line = _running_top_level_line(main)
    if line is None or _inside_name_test(script, line):
        return
    raise UnguardedScriptError(
        f'line {line} calls {call} at the top level of the script, outside `if __name__ == "__main__":`; '
        f"the worker processes it starts ({start_method!r} start method) run the script again and would call "
        f'it again. Put the call under `if __name__ == "__main__":`',
        script,
    )


def _script_run_again(main: ModuleType | None) -> str | None:
    """The file multiprocessing runs again in a new process, as it decides it: None for a
    package's ``__main__`` and for a main module without a file (notebook, ``-c``, REPL)."""
    if main is None:
        return None
    name = getattr(getattr(main, "__spec__", None), "name", None)
    if name is not None and (name == "__main__" or name.endswith(".__main__")):
        return None
    path = getattr(main, "__file__", None)
    return path if isinstance(path, str) and os.path.isfile(path) else None


def _running_top_level_line(main: ModuleType) -> int | None:
    """The line of the main script's top-level code running now, on the way to this call; None
    when its top level is not on the stack (a call from a function run later, or a thread)."""
    namespace = vars(main)
    frame = inspect.currentframe()
    try:
        while frame is not None:
            if frame.f_globals is namespace and frame.f_code.co_name == "<module>":
                return frame.f_lineno
            frame = frame.f_back
        return None
    finally:
        del frame  # no reference cycle through the stack


def _inside_name_test(path: str, line: int) -> bool:
    """True when ``line`` of the script at ``path`` lies in an ``if`` whose test reads
    ``__name__`` (the guard, however written); True too when the source cannot be read, as
    nothing can be said then."""
    try:
        with tokenize.open(path) as handle:
            tree = ast.parse(handle.read(), path)
    except (OSError, SyntaxError, ValueError):
        return True
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and node.lineno <= line <= (node.end_lineno or node.lineno):
            if any(isinstance(name, ast.Name) and name.id == "__name__" for name in ast.walk(node.test)):
                return True
    return False
