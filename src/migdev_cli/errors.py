"""Problems, exceptions and exit codes. The CLI maps exceptions to exit codes in one place."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # user or data error
    USAGE = 2
    INTERRUPTED = 130


@dataclass(frozen=True)
class Problem:
    """One problem in one file, printed as ``file:line: field: message``."""

    file: str
    line: int | None
    field: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def where(self) -> str:
        """``file:line`` (or the file alone)."""
        from .escaping import visible

        name = visible(self.file, keep="")
        return f"{name}:{self.line}" if self.line else name

    def __str__(self) -> str:
        from .escaping import visible

        where = self.where()
        field = f" {visible(self.field, keep='')}:" if self.field else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}:{field} {prefix}{self.message}"


class MigdevError(Exception):
    """An error shown to the user as one or more lines, with exit code 1."""

    exit_code: int = ExitCode.ERROR

    def lines(self) -> list[str]:
        return [str(self)]


class DataError(MigdevError):
    """One or more problems in catalog, questionnaire or answers files."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = [p for p in problems if p.severity == "error"] or problems
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class MigdevWarning(UserWarning):
    """Something the user should know that does not stop the command (one line on stderr)."""


class NotFound(MigdevError):
    pass


class OutputExists(MigdevError):
    pass


class NoTerminal(MigdevError):
    pass


class UsageError(MigdevError):
    exit_code = ExitCode.USAGE


class Interrupted(MigdevError):
    exit_code = ExitCode.INTERRUPTED
