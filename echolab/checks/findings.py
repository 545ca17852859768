"""A finding: one problem of one file, as every rule reports it and every output writes it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..codes import Rule, Severity

__all__ = ["Finding", "findings_table"]


@dataclass(frozen=True)
class Finding:
    """One problem of one file.

    Attributes
    ----------
    file
        The file as given.
    rule
        The stable id of the check (``"region-overhang"``, ...).
    severity
        ``error`` (the file cannot be used as it is), ``warning`` or ``info``.
    message
        What is wrong, naming the elements and their values, and what echolab does about it.
    """

    file: str
    rule: Rule
    severity: Severity
    message: str

    def to_dict(self) -> dict[str, str]:
        """``{"file", "rule", "severity", "message"}`` as plain strings (JSON and CSV rows)."""
        return {"file": self.file, "rule": self.rule.value, "severity": self.severity.value, "message": self.message}


def findings_table(findings: Iterable[Finding]) -> list[dict[str, str]]:
    """Findings as rows of plain strings (what ``--csv`` writes and the panel shows)."""
    return [finding.to_dict() for finding in findings]
