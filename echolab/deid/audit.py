"""``OUT/deid-audit.jsonl``: one JSON line per file de-identified (or refused), appended.

A line says what was done and checked, never a value that was removed, nor the input's path or
name (both often carry the patient's name): the input is known by its sha256. Reruns read it to
skip the inputs already de-identified with the same options.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["AUDIT_FILE", "Audit"]

#: Name of the audit file in the output folder.
AUDIT_FILE = "deid-audit.jsonl"


class Audit:
    """The audit file of an output folder."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / AUDIT_FILE

    def entries(self) -> Iterator[dict[str, Any]]:
        """Every readable line (a line cut short by a crash is passed over)."""
        if not self.path.is_file():
            return
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(entry, dict):
                    yield entry

    def finished(self, options: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """``{input sha256: entry}`` of the inputs de-identified with ``options`` whose output exists."""
        done: dict[str, dict[str, Any]] = {}
        for entry in self.entries():
            output = entry.get("output")
            if (
                entry.get("status") == "de-identified"
                and entry.get("options") == options
                and isinstance(output, str)
                and (self.path.parent / output).is_file()
            ):
                done[str(entry.get("input_sha256"))] = entry
        return done

    def owners(self) -> dict[str, str]:
        """``{output name: input sha256}`` of every output the audit records."""
        return {
            str(entry["output"]): str(entry.get("input_sha256"))
            for entry in self.entries()
            if entry.get("status") == "de-identified" and isinstance(entry.get("output"), str)
        }

    def append(self, entry: dict[str, Any]) -> None:
        """Append one line and flush it to disk."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
