"""The respondents read from a survey export: each one's answers (also as integer codes, for
scoring a batch of them as arrays), a batch of them, and the rows skipped with their problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .answers import Answer
from .errors import DataError, Problem
from .escaping import visible
from .questionnaire_models import Questionnaire


@dataclass(frozen=True)
class RowProblem(Problem):
    """A problem in one row of a responses file, printed as ``FILE:row N: COLUMN: message``."""

    def where(self) -> str:
        name = visible(self.file, keep="")
        return f"{name}:row {self.line}" if self.line else name


@dataclass(slots=True)
class Respondent:
    row: int  # as a spreadsheet shows it: the header is row 1
    values: dict[str, Answer]
    id: str | None = None  # the export's _id, KEY, _uuid or instanceID
    stakeholder: str | None = None
    organisation: str | None = None
    codes: list[int] | None = None  # the answers as AnswerCodes, one per question (0: no answer)


@dataclass
class Responses:
    """A batch of respondents read from an export, in file order: who answered, and their answers
    as codes (:class:`AnswerCodes`), one row per respondent and one column per question."""

    rows: list[int]
    ids: list[str | None]
    stakeholders: list[str | None]
    organisations: list[str | None]
    codes: Any  # a numpy array of int32: respondents x questions

    def __len__(self) -> int:
        return len(self.rows)

    def respondent(self, i: int, codes: AnswerCodes) -> Respondent:
        """Respondent ``i`` with their answers."""
        row = self.codes[i].tolist()
        values: dict[str, Answer] = {}
        for q, p in codes.position.items():
            value = codes.values[p][row[p]]
            if value is not None:
                values[q] = value
        return Respondent(self.rows[i], values, self.ids[i], self.stakeholders[i], self.organisations[i], row)

    @classmethod
    def of(cls, people: list[Respondent], size: int) -> Responses:
        """Respondents (with their ``codes``, ``size`` of them each) as a batch."""
        import numpy as np

        return cls(
            [p.row for p in people],
            [p.id for p in people],
            [p.stakeholder for p in people],
            [p.organisation for p in people],
            np.array([p.codes or [0] * size for p in people], np.int32).reshape(len(people), size),
        )


MAX_DISTINCT_ANSWERS = 10_000  # per question, in one file (see AnswerCodes)


class AnswerCodes:
    """Each distinct answer to each question of a questionnaire as a small integer, 1, 2, ... in the
    order they are met (0 is no answer), so that a survey's answers can be scored as arrays.

    The codes of one question are at most its possible distinct answers; a multiple-choice question
    with many choices has very many, so a file may give at most MAX_DISTINCT_ANSWERS to one question
    (a DataError naming ``file`` and the question beyond that): memory stays bounded by the
    questionnaire, never by the number of respondents."""

    def __init__(self, questionnaire: Questionnaire, file: str = "") -> None:
        self.file = file
        self.ids = [q.id for q in questionnaire.questions]
        self.position = {q: n for n, q in enumerate(self.ids)}
        self.values: list[list[Answer | None]] = [[None] for _ in questionnaire.questions]
        self._codes: list[dict[Any, int]] = [{} for _ in questionnaire.questions]

    def code(self, position: int, value: Answer) -> int:
        """The code of ``value`` as the answer to the question at ``position``."""
        codes = self._codes[position]
        found = codes.get(value)
        if found is None:
            if len(codes) >= MAX_DISTINCT_ANSWERS:
                raise DataError(
                    [
                        Problem(
                            self.file,
                            None,
                            self.ids[position],
                            f"more than {MAX_DISTINCT_ANSWERS:,} different answers to this question; "
                            "a survey of this questionnaire cannot hold that many",
                        )
                    ]
                )
            found = codes[value] = len(self.values[position])
            self.values[position].append(value)
        return found


@dataclass
class Skipped:
    row: int
    problems: list[Problem]

    def line(self) -> str:
        first = self.problems[0]
        details = "; ".join(
            f"{visible(p.field, keep='')}: {p.message}" if p.field else p.message for p in self.problems
        )
        return f"{visible(first.file, keep='')}:row {self.row}: skipped: {details}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "problems": [f"{p.field}: {p.message}" if p.field else p.message for p in self.problems],
        }
