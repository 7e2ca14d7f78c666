"""The error funnel: every user-facing failure is a DlsolveError with an exit status."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, unique


@unique
class ExitStatus(IntEnum):
    """Process exit codes (the CLI contract)."""

    OK = 0
    WRONG_ANSWER = 1
    BAD_INPUT = 2
    INTERNAL = 70  # a bug in dlsolve (EX_SOFTWARE), said with how to report it


class DlsolveError(Exception):
    """A failure the user can fix; printed without a traceback."""

    exit_status = ExitStatus.BAD_INPUT


@dataclass(frozen=True)
class Issue:
    """One problem in a spec: where it is, which field, and what was wrong."""

    source: str
    field: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class SpecError(DlsolveError):
    """All the problems found in one spec (or set of flags), one line each."""

    def __init__(self, issues: list[Issue]):
        self.issues = sorted(dict.fromkeys(issues), key=lambda i: (i.line or 0, i.column or 0))
        super().__init__("\n".join(str(i) for i in self.issues))


def spec_error(source: str, field: str, message: str, line: int | None = None) -> SpecError:
    """A SpecError holding a single issue."""
    return SpecError([Issue(source, field, message, line)])


class SolverBug(Exception):
    """An internal consistency check failed (e.g. a gradient disagrees with finite differences)."""
