"""What each column of a survey export holds, and one row's cells as a respondent's answers.

A column is, by its name:

* a question: the last segment after ``/``, ``.``, ``-`` or ``:`` is a question id, so the group
  prefixes Kobo and ODK put in front (``programme/budget``, ``programme-budget``,
  ``programme.budget``) are dropped. Question ids, group names and choice values cannot contain
  those separators, so this is unambiguous;
* one choice of a multiple question: ``QUESTION/VALUE`` (or ``.``, ``-``) holding 1/0,
  true/false or yes/no. Kobo may export both this and the space-separated column; both are
  read, and they must agree;
* ``stakeholder`` and ``organisation``: who answered (see :mod:`migdev_cli.xlsform`);
* a system column (``_id``, ``_uuid``, ``_submission_time``, ``start``, ``end``,
  ``meta/instanceID``, ``KEY``, ``SubmissionDate``, ...): ignored;
* a question the programme's designer answers (``asked_of: designer``): not read from the
  survey; those answers come from the designer's answers file (one warning names the columns).

Anything else is an unknown column. An empty cell is an unanswered question. A value that is
not a choice of its question, a value in an unknown column, a line break inside a cell of a
question column (the sign of an unbalanced quote), or a row that answers no question is a
problem reported as ``FILE:row N: COLUMN: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from .answers import Answer, normalise
from .errors import DataError, Problem
from .questionnaire_models import Question, Questionnaire
from .suggest import did_you_mean
from .survey_respondents import AnswerCodes, Respondent, Responses, RowProblem, Skipped
from .survey_table import MAX_CELL_CHARS, TableRow
from .xlsform import ORGANISATION, STAKEHOLDER, STAKEHOLDER_CHOICES

_SEPARATORS = re.compile(r"[/.\-:]")
# Columns Kobo and ODK Central add; compared in lower case. Names starting with "_" are
# system columns too (_id, _uuid, _submission_time, _validation_status, __version__, ...).
SYSTEM_COLUMNS = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "email",
        "audit",
        "instanceid",
        "instancename",
        "deprecatedid",
        "key",
        "parent_key",
        "submissiondate",
        "submitterid",
        "submittername",
        "attachmentspresent",
        "attachmentsexpected",
        "status",
        "reviewstate",
        "edits",
        "formversion",
        "version",
    }
)
_SYSTEM_GROUPS = frozenset({"meta", "formhub"})
_ID_COLUMNS = ("_id", "key", "_uuid", "meta/instanceid", "meta-instanceid", "instanceid")
_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"0", "false", "no"})
_PARSED_SIZE = 4096  # distinct cell texts remembered per question
# Columns whose cells may hold a line break (free text): anything that is not an answer.
_FREE_TEXT = frozenset({"organisation", "system", "unknown"})


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    kind: str  # question, choice, stakeholder, organisation, system, designer, retired, unknown
    question: str | None = None
    value: str | None = None
    message: str | None = None  # for unknown columns


class _Parsed(dict[Any, int]):
    """One question's cell text(s) -> answer code (0: unanswered, -1: a problem), worked out on first
    sight (the slow, exact reading of the row then names the problem). Only valid answers are
    remembered: they are short, while an invalid cell may be long."""

    def __init__(self, question: Question, combined: Column | None, split: list[Column], codes: AnswerCodes) -> None:
        super().__init__()
        self.question, self.combined, self.split, self.codes = question, combined, split, codes
        self.indices = [x.index for x in ([combined] if combined else []) + split]
        self.position = codes.position[question.id]

    def __missing__(self, text: Any) -> int:
        if len(self) > _PARSED_SIZE:
            self.clear()
        cells = dict(zip(self.indices, [text] if len(self.indices) == 1 else text, strict=True))
        try:
            answer = _question_value(self.question, cells, self.combined, self.split)
        except ValueError:
            return -1
        code = 0 if answer is None else self.codes.code(self.position, answer)
        self[text] = code
        return code


def _is_system(header: str, segments: list[str]) -> bool:
    low = header.lower()
    return (
        low.startswith("_")
        or low in SYSTEM_COLUMNS
        or segments[0].lower() in _SYSTEM_GROUPS
        or segments[-1].lower() in {"instanceid", "instancename", "deprecatedid"}
    )


def classify(index: int, header: str, questionnaire: Questionnaire) -> Column:
    """What one header names (see the module docstring)."""
    column = _classify(index, header, questionnaire)
    if column.kind in ("question", "choice") and column.question is not None:
        question = questionnaire.question(column.question)
        if question is not None and question.asked_of == "designer":
            return Column(index, column.header, "designer", column.question, column.value)
    return column


def _classify(index: int, header: str, questionnaire: Questionnaire) -> Column:
    header = header.strip()
    segments = [s for s in _SEPARATORS.split(header) if s] or [""]
    last = segments[-1]
    question = questionnaire.question(last) if last else None
    if question is not None and header == last:
        return Column(index, header, "question", question.id)
    retired = next((s for s in segments[-2:] if s in questionnaire.retired), None)
    if retired is not None and question is None:  # a question of an earlier version (or one of its choices)
        return Column(index, header, "retired", retired, message=questionnaire.retired[retired])
    if not header:
        return Column(index, header, "unknown", message="column without a name")
    if _is_system(header, segments):
        return Column(index, header, "system")
    parent = questionnaire.question(segments[-2]) if len(segments) >= 2 else None
    if parent is not None and parent.type == "multiple" and last in parent.values:
        # QUESTION/VALUE: groups are never questions, so this wins over a question named VALUE
        return Column(index, header, "choice", parent.id, last)
    if question is not None:
        return Column(index, header, "question", question.id)
    if last in (STAKEHOLDER, ORGANISATION):
        return Column(index, header, last)
    if parent is not None and parent.type == "multiple":
        return Column(
            index,
            header,
            "unknown",
            parent.id,
            last,
            message=f"question {parent.id!r} has no choice {last!r}{did_you_mean(last, parent.values)}; "
            f"choices: {', '.join(parent.values)}",
        )
    ids = [q.id for q in questionnaire.questions]
    return Column(
        index,
        header,
        "unknown",
        message=f"no question {last!r} in questionnaire {questionnaire.id!r}{did_you_mean(last, ids)}",
    )


def _flag(text: str) -> bool | None:
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE or low == "":
        return False if low else None
    raise ValueError(f"expected 1 or 0 (chosen or not), found {text!r}")


@dataclass
class Columns:
    """The columns of one export and how a row of it becomes a respondent."""

    name: str
    questionnaire: Questionnaire
    header: list[str]
    columns: list[Column]
    questions: list[tuple[Question, Column | None, list[Column]]] = field(default_factory=list)
    unknown: list[Column] = field(default_factory=list)
    used_unknown: set[int] = field(default_factory=set)
    group: Column | None = None
    organisation: Column | None = None
    ids: list[int] = field(default_factory=list)
    codes: AnswerCodes | None = None
    _parsed: dict[int, _Parsed] = field(default_factory=dict)
    # per question: its columns' cells and its answer per distinct cell text(s), worked out
    # once (exports repeat them)
    _readers: list[tuple[Question, Column | None, list[Column], Any, int]] = field(default_factory=list)

    @classmethod
    def of(cls, name: str, header: list[str], questionnaire: Questionnaire) -> Columns:
        """Classify the header; DataError for a duplicated column or a header that names no question."""
        if not any(header):
            raise DataError([Problem(name, None, "", "no header row")])
        columns = [classify(i, h, questionnaire) for i, h in enumerate(header)]
        problems: list[Problem] = []
        seen: dict[tuple[str, str | None, str | None], str] = {}
        for col in columns:
            if col.kind in ("question", "choice", "stakeholder", "organisation"):
                key = (col.kind, col.question, col.value)
                if key in seen:
                    what = col.question or col.kind
                    problems.append(RowProblem(name, 1, col.header, f"{what!r} is also in column {seen[key]!r}"))
                seen[key] = col.header
        if problems:
            raise DataError(problems)
        if not any(c.kind in ("question", "choice") for c in columns):
            raise DataError(
                [
                    Problem(
                        name,
                        1,
                        "",
                        f"no column names a question of questionnaire {questionnaire.id!r}; "
                        "export the form with XML values and headers (question names, not labels)",
                    )
                ]
            )
        combined = {c.question: c for c in columns if c.kind == "question"}
        split: dict[str, list[Column]] = {}
        for c in columns:
            if c.kind == "choice" and c.question is not None:
                split.setdefault(c.question, []).append(c)
        lowered = [h.strip().lower() for h in header]
        codes = AnswerCodes(questionnaire, name)
        result = cls(name, questionnaire, header, columns, codes=codes)
        result.questions = [
            (q, combined.get(q.id), split.get(q.id, []))
            for q in questionnaire.questions
            if q.id in combined or q.id in split
        ]
        position = codes.position
        result._readers = [
            (q, c, sp, itemgetter(*[x.index for x in ([c] if c else []) + sp]), position[q.id])
            for q, c, sp in result.questions
        ]
        result._parsed = {position: _Parsed(q, c, sp, codes) for q, c, sp, _, position in result._readers}
        result.unknown = [c for c in columns if c.kind == "unknown"]
        result.group = next((c for c in columns if c.kind == "stakeholder"), None)
        result.organisation = next((c for c in columns if c.kind == "organisation"), None)
        result.ids = [lowered.index(n) for n in _ID_COLUMNS if n in lowered]
        return result

    @property
    def designer_columns(self) -> list[str]:
        return [c.header for c in self.columns if c.kind == "designer"]

    def read(self, row: TableRow) -> Respondent | Skipped:
        """One data row as a respondent, or the row's problems."""
        name = self.name
        problems: list[Problem] = []

        def bad(column: str, message: str) -> None:
            problems.append(RowProblem(name, row.row, column, message))

        if row.problem is not None:
            bad("", row.problem)
            return Skipped(row.row, problems)
        cells = row.cells
        width = len(self.header)
        multiline = row.lines is not None and row.lines[1] > row.lines[0]
        if len(cells) > width and any(cells[width:]):
            bad("", f"{len(cells)} cells but the header names {width} columns" + _span(row))
        elif multiline and len(cells) < width:
            bad("", f"{len(cells)} cells but the header names {width} columns" + _span(row))
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        if multiline:
            for col in self.columns:
                text = cells[col.index]
                if col.kind not in _FREE_TEXT and ("\n" in text or "\r" in text):
                    bad(col.header, "a line break inside an answer" + _span(row))
        if problems:  # a row whose cells cannot be trusted is not read further
            return Skipped(row.row, problems)
        if max(map(len, cells)) > MAX_CELL_CHARS:
            long = next(c for c in self.columns if len(cells[c.index]) > MAX_CELL_CHARS)
            bad(long.header, f"a cell longer than {MAX_CELL_CHARS:,} characters")
            return Skipped(row.row, problems)

        for col in self.unknown:
            text = cells[col.index]
            if not text:
                continue
            if col.value is not None:  # an unknown choice column: only a "chosen" flag matters
                try:
                    if not _flag(text):
                        continue
                except ValueError as exc:
                    bad(col.header, str(exc))
                    continue
            self.used_unknown.add(col.index)
            bad(col.header or f"column {col.index + 1}", col.message or "unknown column")

        values: dict[str, Answer] = {}
        assert self.codes is not None
        codes = [0] * len(self.codes.values)
        for question, combined, split, getter, position in self._readers:
            code = self._parsed[position][getter(cells)]
            if code < 0:  # the problem in words: read the cells again (invalid cells are not remembered)
                try:
                    _question_value(question, cells, combined, split)
                except ValueError as exc:
                    bad(combined.header if combined else question.id, str(exc))
            elif code:
                answer = self.codes.values[position][code]
                assert answer is not None
                values[question.id] = answer
                codes[position] = code
        if not values and not problems:
            bad("", "answers no question of the questionnaire")

        group = self.group
        stakeholder = cells[group.index] if group else ""
        if stakeholder and stakeholder not in STAKEHOLDER_CHOICES:
            bad(
                group.header if group else STAKEHOLDER,
                f"unknown stakeholder group {stakeholder!r}{did_you_mean(stakeholder, STAKEHOLDER_CHOICES)}; "
                f"choices: {', '.join(STAKEHOLDER_CHOICES)}",
            )
        if problems:
            return Skipped(row.row, problems)
        return Respondent(
            row=row.row,
            values=values,
            id=next((cells[i] for i in self.ids if cells[i]), None),
            stakeholder=stakeholder or None,
            organisation=(cells[self.organisation.index] or None) if self.organisation else None,
            codes=codes,
        )

    def read_batch(self, rows: list[TableRow]) -> tuple[Responses, list[Skipped]]:
        """Rows as respondents, in file order, and the rows that have problems.

        Rows whose cells are plainly fine are read a column at a time (each distinct cell text of a
        question is parsed once); any other row is read by :meth:`read`, which names its problems."""
        import numpy as np

        width = len(self.header)
        assert self.codes is not None
        size = len(self.codes.values)
        unknown = [c.index for c in self.unknown]
        everything = [row.cells for row in rows]
        if (
            all(row.problem is None and (row.lines is None or row.lines[0] == row.lines[1]) for row in rows)
            and set(map(len, everything)) <= {width}
            and max(map(len, map("".join, everything)), default=0) <= MAX_CELL_CHARS  # so is every cell
            and not any(cells[i] for cells in everything for i in unknown)
        ):
            plain = list(range(len(rows)))  # the usual case: every row is plainly fine
        else:
            plain = [
                n
                for n, row in enumerate(rows)
                if row.problem is None
                and len(row.cells) == width
                and (row.lines is None or row.lines[1] == row.lines[0])
                and max(map(len, row.cells)) <= MAX_CELL_CHARS
                and not any(row.cells[i] for i in unknown)
            ]
        cells = [rows[n].cells for n in plain]
        codes = np.zeros((len(plain), size), np.int32)
        for *_, getter, position in self._readers:
            found = map(self._parsed[position].__getitem__, map(getter, cells))
            codes[:, position] = np.fromiter(found, np.int32, len(cells))
        fine: Any = (codes >= 0).all(axis=1) & (codes > 0).any(axis=1)  # no problem, and some answer
        group, organisation = self.group, self.organisation
        groups: list[str] = list(map(itemgetter(group.index), cells)) if group else [""] * len(cells)
        if group is not None:
            fine &= np.array([not g or g in STAKEHOLDER_CHOICES for g in groups], bool)
        organisations = list(map(itemgetter(organisation.index), cells)) if organisation else [""] * len(cells)
        if len(self.ids) == 1:
            ids: list[str | None] = [c or None for c in map(itemgetter(self.ids[0]), cells)]
        else:
            ids = [next((c[i] for i in self.ids if c[i]), None) for c in cells]
        if len(plain) == len(rows) and fine.all():  # the usual case
            return Responses(
                [row.row for row in rows],
                ids,
                [g or None for g in groups],
                [o or None for o in organisations],
                codes,
            ), []
        people = Responses([], [], [], [], codes[:0])
        kept: list[Any] = []
        skipped: list[Skipped] = []
        fine_rows: list[bool] = fine.tolist()
        ready = {n: k for k, n in enumerate(plain) if fine_rows[k]}
        for n, row in enumerate(rows):
            k = ready.get(n)
            if k is None:
                item = self.read(row)
                if isinstance(item, Skipped):
                    skipped.append(item)
                    continue
                people.rows.append(item.row)
                people.ids.append(item.id)
                people.stakeholders.append(item.stakeholder)
                people.organisations.append(item.organisation)
                kept.append(item.codes or [0] * size)
            else:
                people.rows.append(row.row)
                people.ids.append(ids[k])
                people.stakeholders.append(groups[k] or None)
                people.organisations.append(organisations[k] or None)
                kept.append(codes[k])
        people.codes = np.array(kept, np.int32).reshape(len(kept), size)
        return people, skipped

    def retired_column_warnings(self) -> list[str]:
        """One warning per column of a question the questionnaire has dropped (it is set aside)."""
        return [
            f"{self.name}: column {col.header!r} ignored: {col.message}"
            for col in self.columns
            if col.kind == "retired"
        ]

    def unused_column_warnings(self) -> list[str]:
        return [
            f"{self.name}: column {col.header or col.index + 1!r} ignored: {col.message}; it has no value in any row"
            for col in self.unknown
            if col.index not in self.used_unknown
        ]


def _span(row: TableRow) -> str:
    if row.lines is None or row.lines[1] == row.lines[0]:
        return ""
    return f" (lines {row.lines[0]}-{row.lines[1]} were read as one row: an unbalanced quote?)"


def _question_value(question: Question, cells: Any, combined: Column | None, split: list[Column]) -> Answer | None:
    """The answer in one row, or None when the question is unanswered; ValueError when invalid."""
    text = cells[combined.index] if combined else ""
    if question.type != "multiple":
        return normalise(question, text) if text else None
    chosen: list[str] = []
    for col in split:
        try:
            flag = _flag(cells[col.index])
        except ValueError as exc:
            raise ValueError(f"{col.header}: {exc}") from None
        if flag:
            chosen.append(col.value or "")
    if text:
        value = normalise(question, text.split())
        listed = {c.value for c in split}
        disagree = sorted((set(value) & listed) ^ set(chosen))
        if disagree:
            raise ValueError(f"{text!r} disagrees with the one-column-per-choice columns on {', '.join(disagree)}")
        return value
    if chosen:
        return normalise(question, chosen)
    return None


def read_respondents(path: Any, questionnaire: Questionnaire) -> tuple[list[Respondent], list[Skipped]]:
    """Every row of a (small) export as respondents and skipped rows, held in memory.

    The commands stream instead (:func:`migdev_cli.consolidate.assess_responses`)."""
    from .survey_table import open_table

    table = open_table(path)
    columns = Columns.of(table.name, table.header, questionnaire)
    people: list[Respondent] = []
    skipped: list[Skipped] = []
    for row in table.rows:
        item = columns.read(row)
        (skipped if isinstance(item, Skipped) else people).append(item)  # type: ignore[arg-type]
    return people, skipped
