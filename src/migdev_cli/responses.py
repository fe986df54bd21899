"""Field survey responses: reading a KoBoToolbox or ODK Central export and consolidating.

Reading (:func:`read_responses`)
    A CSV (``,`` or ``;`` separated, UTF-8) or XLSX file whose first row names the
    columns. A column is, by its name:

    * a question: the last segment after ``/``, ``.`` or ``-`` is a question id, so the
      group prefixes Kobo and ODK put in front (``programme/budget``,
      ``programme-budget``, ``programme.budget``) are dropped. Question ids, group names
      and choice values cannot contain those separators, so this is unambiguous;
    * one choice of a multiple question: ``QUESTION/VALUE`` (or ``.``, ``-``) holding
      1/0, true/false or yes/no. Kobo may export both this and the space-separated column;
      both are read, and they must agree;
    * ``stakeholder`` and ``organisation``: who answered (see :mod:`migdev_cli.xlsform`);
    * a system column (``_id``, ``_uuid``, ``_submission_time``, ``start``, ``end``,
      ``meta/instanceID``, ``KEY``, ``SubmissionDate``, ...): ignored.

    Anything else is an unknown column. An empty cell is an unanswered question. A value
    that is not a choice of its question, a value in an unknown column, or a row that
    answers no question is a problem reported as ``FILE:row N: COLUMN: message``, rows
    counted as a spreadsheet shows them (the header is row 1). Without ``skip_invalid``
    any problem stops the import; with it the row is skipped and listed. Nothing is
    dropped silently: columns that are ignored are named in warnings.

Consolidating (:func:`consolidate`)
    Every respondent is scored like one ``migdev assess`` (without the sensitivity check),
    then per instrument, over all respondents: the mean score, the range, how many
    respondents have it in their top 3, how many exclude it, and the agreement. For a
    respondent whose answers exclude an instrument it counts as 0 (it fails a
    precondition for them), so an instrument most respondents rule out cannot top the
    list; ``mean_score_included`` is the mean over the respondents who did not exclude
    it. Means are computed exactly in tenths of a point and rounded half up to 0.1; the
    consolidated ranking sorts by mean score, and equal means share a rank. Agreement is
    ``1 - sd / 50``, with ``sd`` the population standard deviation of the respondents'
    scores: 1 when all give the same score, 0 when half give 0 and half 100 (the largest
    spread the 0..100 scale allows). Questions are ranked by disagreement:
    the normalised entropy of their answers (single and boolean: over the possible
    values, "don't know" included; multiple: the mean over the choices of the entropy of
    chosen / not chosen), 0 when everybody answers alike and 1 for an even split. When
    the file has a ``stakeholder`` column, the same figures are given per stakeholder group.
    :class:`BulkScorer` does the per-respondent scoring (see there for how it stays cheap).
"""

from __future__ import annotations

import csv
import io
import math
import re
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import chain
from operator import ge, mul
from pathlib import Path
from typing import Any

from .answers import Value, normalise, resolve
from .conditions import evaluate, questions_in
from .errors import DataError, MigdevError, Problem
from .escaping import visible
from .loader import cap_problems, decode_text
from .models import Condition, Question, Questionnaire
from .scoring import TOP, Scorer, ranked, score_from_total
from .suggest import did_you_mean
from .xlsform import ORGANISATION, STAKEHOLDER, STAKEHOLDER_CHOICES

MAX_BYTES = 200_000_000
UNSPECIFIED_GROUP = "unspecified"
GROUP_TOP = 5  # instruments shown per stakeholder group in tables and reports

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


@dataclass(frozen=True)
class RowProblem(Problem):
    """A problem in one row of a responses file, printed as ``FILE:row N: COLUMN: message``."""

    def where(self) -> str:
        name = visible(self.file, keep="")
        return f"{name}:row {self.line}" if self.line else name


# --------------------------------------------------------------------------- reading files


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _read_csv(path: Path, name: str) -> list[list[str]]:
    text = decode_text(path.read_bytes(), name)
    first = text.split("\n", 1)[0]
    # Kobo exports ";" by default, ODK Central ","; the header line decides.
    delimiter = max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))
    try:
        return [
            [cell.strip() for cell in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise DataError([Problem(name, None, "", f"not a readable CSV file: {exc}")]) from None


def _read_xlsx(path: Path, name: str) -> list[list[str]]:
    from zipfile import BadZipFile

    try:
        from openpyxl import load_workbook
    except ImportError:
        raise MigdevError(f"{name}: reading XLSX needs openpyxl: reinstall migdev (pip install .)") from None

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DataError([Problem(name, None, "", f"not an XLSX workbook: {exc}")]) from None
    try:
        # Kobo puts the main table first and repeat groups on later sheets.
        sheet = workbook.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(path: Path) -> tuple[str, list[list[str]]]:
    """The file's rows as text cells (header first), by its suffix: .csv/.tsv/.txt or .xlsx."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise DataError([Problem(name, None, "", "file not found")])
    if path.stat().st_size > MAX_BYTES:
        raise DataError([Problem(name, None, "", f"larger than {MAX_BYTES // 1_000_000} MB")])
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return name, _read_csv(path, name)
    if suffix in (".xlsx", ".xlsm"):
        return name, _read_xlsx(path, name)
    raise DataError([Problem(name, None, "", f"unsupported file type {suffix or '(none)'}; use .csv or .xlsx")])


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    kind: str  # question, choice, stakeholder, organisation, system, retired, unknown
    question: str | None = None
    value: str | None = None
    message: str | None = None  # for unknown columns


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
    header = header.strip()
    segments = [s for s in _SEPARATORS.split(header) if s] or [""]
    last = segments[-1]
    question = questionnaire.question(last) if last else None
    if question is not None and header == last:
        return Column(index, header, "question", question.id)
    if last in questionnaire.retired:
        return Column(index, header, "retired", message=questionnaire.retired[last])
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


# --------------------------------------------------------------------------- respondents


@dataclass
class Respondent:
    row: int  # as a spreadsheet shows it: the header is row 1
    values: dict[str, Value]
    id: str | None = None  # the export's _id, KEY, _uuid or instanceID
    stakeholder: str | None = None
    organisation: str | None = None


@dataclass
class Skipped:
    row: int
    problems: list[RowProblem]

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


@dataclass
class ResponseSet:
    file: str
    respondents: list[Respondent]
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    asks_stakeholder: bool = False
    rows: int = 0  # data rows read, blank rows not counted


def _flag(text: str) -> bool | None:
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE or low == "":
        return False if low else None
    raise ValueError(f"expected 1 or 0 (chosen or not), found {text!r}")


def _file_problem(name: str, column: str, message: str) -> RowProblem:
    return RowProblem(name, 1, column, message)


def _collector(name: str, row: int, problems: list[RowProblem]) -> Any:
    def bad(column: str, message: str) -> None:
        problems.append(RowProblem(name, row, column, message))

    return bad


def read_responses(path: Path, questionnaire: Questionnaire, *, skip_invalid: bool = False) -> ResponseSet:
    """Read and check every row of an export; see the module docstring for the rules."""
    name, table = read_table(Path(path))
    if not table or not any(table[0]):
        raise DataError([Problem(name, None, "", "no header row")])
    header = table[0]
    columns = [classify(i, h, questionnaire) for i, h in enumerate(header)]

    problems: list[Problem] = []
    seen: dict[tuple[str, str | None, str | None], str] = {}
    for col in columns:
        if col.kind in ("question", "choice", "stakeholder", "organisation"):
            key = (col.kind, col.question, col.value)
            if key in seen:
                what = col.question or col.kind
                problems.append(_file_problem(name, col.header, f"{what!r} is also in column {seen[key]!r}"))
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
    unknown = [c for c in columns if c.kind == "unknown"]
    group_col = next((c for c in columns if c.kind == "stakeholder"), None)
    org_col = next((c for c in columns if c.kind == "organisation"), None)
    lowered = [h.strip().lower() for h in header]
    id_cols = [lowered.index(n) for n in _ID_COLUMNS if n in lowered]
    used_unknown: set[int] = set()

    result = ResponseSet(name, [], asks_stakeholder=group_col is not None)
    width = len(header)
    for offset, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        result.rows += 1
        row_problems: list[RowProblem] = []

        bad = _collector(name, offset, row_problems)

        if len(cells) > width:
            extra = [c for c in cells[width:] if c]
            if extra:
                bad("", f"{len(cells)} cells but the header names {width} columns")
        cells = cells + [""] * (width - len(cells))

        for col in unknown:
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
            used_unknown.add(col.index)
            bad(col.header or f"column {col.index + 1}", col.message or "unknown column")

        values: dict[str, Value] = {}
        for question in questionnaire.questions:
            try:
                value = _question_value(question, cells, combined.get(question.id), split.get(question.id, []))
            except ValueError as exc:
                col = combined.get(question.id)
                bad(col.header if col else question.id, str(exc))
                continue
            if value is not None:
                values[question.id] = value
        if not values and not row_problems:
            bad("", "answers no question of the questionnaire")

        stakeholder = cells[group_col.index] if group_col else ""
        if stakeholder and stakeholder not in STAKEHOLDER_CHOICES:
            bad(
                group_col.header if group_col else STAKEHOLDER,
                f"unknown stakeholder group {stakeholder!r}{did_you_mean(stakeholder, STAKEHOLDER_CHOICES)}; "
                f"choices: {', '.join(STAKEHOLDER_CHOICES)}",
            )
        if row_problems:
            result.skipped.append(Skipped(offset, row_problems))
            continue
        result.respondents.append(
            Respondent(
                row=offset,
                values=values,
                id=next((cells[i] for i in id_cols if cells[i]), None),
                stakeholder=stakeholder or None,
                organisation=(cells[org_col.index] or None) if org_col else None,
            )
        )

    if result.skipped and not skip_invalid:
        raise DataError(cap_problems([p for s in result.skipped for p in s.problems], name))
    for col in columns:
        if col.kind == "retired":
            result.warnings.append(f"{name}: column {col.header!r} ignored: {col.message}")
    for col in unknown:
        if col.index not in used_unknown:
            result.warnings.append(
                f"{name}: column {col.header or col.index + 1!r} ignored: {col.message}; it has no value in any row"
            )
    if not result.respondents:
        if result.skipped:  # each row's problems, then why nothing is left
            problems = cap_problems([p for s in result.skipped for p in s.problems], name)
            last = Problem(name, None, "", f"every one of the {result.rows} rows has a problem; nothing to assess")
            raise DataError([*problems, last])
        raise DataError([Problem(name, None, "", "no responses: the file has a header row only")])
    return result


def _question_value(question: Question, cells: list[str], combined: Column | None, split: list[Column]) -> Value | None:
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
        assert isinstance(value, list)
        listed = {c.value for c in split}
        disagree = sorted((set(value) & listed) ^ set(chosen))
        if disagree:
            raise ValueError(f"{text!r} disagrees with the one-column-per-choice columns on {', '.join(disagree)}")
        return value
    if chosen:
        return normalise(question, chosen)
    return None


def hidden_answer_warnings(questionnaire: Questionnaire, result: Consolidated) -> list[str]:
    """Answers to questions whose condition the respondent's other answers do not meet, by question."""
    from .conditions import describe

    rows: dict[str, list[int]] = {}
    for r, scored in zip(result.respondents, result.scored, strict=True):
        for qid in scored.ignored:
            rows.setdefault(qid, []).append(r.row)
    out = []
    for question in questionnaire.questions:
        if question.id in rows and question.when is not None:
            listed = ", ".join(str(n) for n in rows[question.id])
            plural = "s" if len(rows[question.id]) > 1 else ""
            out.append(
                f"{result.file}: answers to {question.id!r} ignored in row{plural} {listed}: "
                f"it is only asked when {describe(question.when, questionnaire)}"
            )
    return out


# --------------------------------------------------------------------------- bulk scoring


def _key(value: Value | None) -> Any:
    return value if value is None or value.__class__ is str else tuple(value)


class _Lazy(dict):
    """A dict that computes a missing entry once (so ``map(d.__getitem__, keys)`` stays in C)."""

    def __init__(self, compute: Any) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.compute(key)
        return value


@dataclass(slots=True)
class Scored:
    """One respondent's scores in tenths of a point, in instrument name order; -1 when excluded."""

    scores: list[int]
    threshold: int  # the lowest score still ranked in the top 3
    keys: list[tuple[str, Any]]  # (question, answer) of the answers that count
    ignored: list[str]  # answered, but hidden by the questionnaire's conditions


class BulkScorer:
    """:meth:`Scorer.assess`'s scores, exclusions and ranks (without reasons) for many respondents.

    It uses the scorer's summed rule points and exclusions (``Scorer.points``,
    ``Scorer.excluders``) and its formula, ``round(50 + 25 * total / W, 1)``. What one
    distinct answer does to every instrument is worked out once and packed into one
    integer, a fixed-width field per instrument: its weighted points, plus ``EXCLUDED``
    when the answer screens the instrument out (an exclude rule, or a precondition on that
    question alone). A respondent then costs one sum of integers, one table look-up per
    instrument (a field of ``EXCLUDED`` or more reads as -1) and one small sort. A test
    checks that every rank, score and exclusion equals :meth:`Scorer.assess`.
    """

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self.questionnaire = scorer.questionnaire
        # name order, so a stable sort by score breaks ties as scoring.ranked() does
        self.instruments = sorted(scorer.instruments, key=lambda i: (i.name.lower(), i.id))
        self.ids = [i.id for i in self.instruments]
        self.index = {iid: n for n, iid in enumerate(self.ids)}
        questions = self.questionnaire.questions
        self.weight = {q.id: q.weight for q in questions}
        self.all_weight = sum(self.weight.values())
        self.offset = 2 * self.all_weight  # |total| never exceeds 2 * W
        # the questions that decide which questions are asked
        self.conditional = [q for q in questions if q.when is not None]
        self.deciders = list(
            dict.fromkeys(qid for q in self.conditional if q.when is not None for qid in questions_in(q.when))
        )
        self.single_checks: dict[str, list[tuple[int, Condition]]] = {}
        self.multi_checks: dict[tuple[str, ...], list[tuple[int, Condition]]] = {}
        for inst in self.instruments:
            for pre in inst.preconditions:
                if pre.check is None:
                    continue
                qids = tuple(dict.fromkeys(questions_in(pre.check)))
                entry = (self.index[inst.id], pre.check)
                if len(qids) == 1:
                    self.single_checks.setdefault(qids[0], []).append(entry)
                else:
                    self.multi_checks.setdefault(qids, []).append(entry)
        # field layout: offset + weighted points (0 .. 2 * offset), plus excluded_step for every
        # answer or multi-question precondition that screens the instrument out
        self.excluded_step = 2 * self.offset + 1
        self.table_size = (len(questions) + len(self.multi_checks) + 1) * self.excluded_step
        self.typecode = next(t for t in ("H", "I", "Q") if self.table_size <= 2 ** (array(t).itemsize * 8))
        self.width = array(self.typecode).itemsize * 8
        self.base = sum(self.offset << (self.width * n) for n in range(len(self.ids)))
        self.nbytes = self.width // 8 * len(self.ids)
        self._packed = _Lazy(self._compute_packed)
        self._multi: dict[tuple[str, ...], dict[tuple[Any, ...], int]] = {s: {} for s in self.multi_checks}
        self._visibility: dict[tuple[Any, ...], tuple[frozenset[str], list[int]]] = {}
        self._tables: dict[int, list[int]] = {}

    # ------------------------------------------------------------- per distinct answer

    def _compute_packed(self, key: tuple[str, Any]) -> int:
        qid, value = key
        selected = [value] if isinstance(value, str) else list(value)
        weight = self.weight.get(qid, 0)
        summed: dict[str, int] = {}
        excluded: set[int] = set()
        question = self.scorer.questions.get(qid)
        if question is not None:
            summed = self.scorer.raw_points(question, value if isinstance(value, str) else selected)
        for v in selected:
            excluded |= {self.index[iid] for iid in self.scorer.excluders.get((qid, v), ())}
        # a precondition on this question alone depends on this answer alone
        answer = {qid: value if isinstance(value, str) else selected}
        excluded |= {n for n, check in self.single_checks.get(qid, ()) if evaluate(check, answer) is False}
        fields = {self.index[iid]: weight * max(-2, min(2, p)) for iid, p in summed.items() if weight}
        for n in excluded:
            fields[n] = fields.get(n, 0) + self.excluded_step
        return sum(v << (self.width * n) for n, v in fields.items())

    def _multi_excluded(self, raw: Mapping[str, Value], hidden: frozenset[str]) -> int:
        """excluded_step in the field of every instrument a precondition on several questions screens out."""
        packed = 0
        for qids, checks in self.multi_checks.items():
            mkey = tuple([None if q in hidden else _key(raw.get(q)) for q in qids])
            cache = self._multi[qids]
            hit = cache.get(mkey)
            if hit is None:
                given = {q: list(v) if isinstance(v, tuple) else v for q, v in zip(qids, mkey, strict=True) if v}
                failed = {n for n, check in checks if evaluate(check, given) is False}
                hit = cache[mkey] = sum(self.excluded_step << (self.width * n) for n in failed)
            packed += hit
        return packed

    def _table(self, total_weight: int) -> list[int]:
        """Score in tenths for every packed field value, for this total weight W; -1 when excluded."""
        table = self._tables.get(total_weight)
        if table is None:
            table = []
            for field_value in range(self.excluded_step):
                table.append(round(score_from_total(field_value - self.offset, total_weight) * 10))
            table += [-1] * (self.table_size - len(table))
            self._tables[total_weight] = table
        return table

    def _visible(self, raw: Mapping[str, Value], key: tuple[Any, ...]) -> tuple[frozenset[str], list[int]]:
        sub = {q: raw[q] for q in self.deciders if q in raw}
        resolved = resolve(self.questionnaire, sub)
        shown = set(resolved.answers) | set(resolved.unanswered)
        hidden = frozenset(q.id for q in self.conditional if q.id not in shown)
        total_weight = self.all_weight - sum(self.weight[q] for q in hidden) or 1
        entry = (hidden, self._table(total_weight))
        self._visibility[key] = entry
        return entry

    # ------------------------------------------------------------- per respondent

    def score(self, raw: Mapping[str, Value]) -> Scored:
        vkey = tuple([_key(raw.get(q)) for q in self.deciders])
        hidden, table = self._visibility.get(vkey) or self._visible(raw, vkey)
        items = [(q, v) for q, v in raw.items() if q not in hidden] if hidden else raw.items()
        keys = [(q, v) if v.__class__ is str else (q, tuple(v)) for q, v in items]
        packed = self.base + sum(map(self._packed.__getitem__, keys))
        if self.multi_checks:
            packed += self._multi_excluded(raw, hidden)
        fields = array(self.typecode)
        fields.frombytes(packed.to_bytes(self.nbytes, "little"))
        if sys.byteorder != "little":
            fields.byteswap()
        scores = list(map(table.__getitem__, fields))
        best = sorted(scores, reverse=True)[:TOP]
        threshold = max(best[-1], 0) if best else 0  # fewer than 3 left: all that are not excluded
        ignored = [q.id for q in self.conditional if q.id in hidden and q.id in raw] if hidden else []
        return Scored(scores, threshold, keys, ignored)

    # ------------------------------------------------------------- views of one respondent

    def ranking(self, scored: Scored) -> list[tuple[int, str, float]]:
        """(rank, id, score) as Scorer.assess ranks: equal scores share a rank, ties by name."""
        order = sorted((n for n, s in enumerate(scored.scores) if s >= 0), key=lambda n: -scored.scores[n])
        out: list[tuple[int, str, float]] = []
        for position, n in enumerate(order, start=1):
            score = scored.scores[n]
            rank = out[-1][0] if out and out[-1][2] == score / 10 else position
            out.append((rank, self.ids[n], score / 10))
        return out

    def top_ids(self, scored: Scored) -> list[str]:
        return [iid for rank, iid, _ in self.ranking(scored) if rank <= TOP]

    def excluded(self, scored: Scored) -> list[str]:
        return [self.ids[n] for n, s in enumerate(scored.scores) if s < 0]


# --------------------------------------------------------------------------- consolidation


@dataclass
class InstrumentSummary:
    rank: int
    id: str
    name: str
    area: str
    mean_score: float
    mean_score_included: float | None
    min_score: float
    max_score: float
    top3_count: int
    excluded: int
    agreement: float


@dataclass
class QuestionSpread:
    question: str
    text: str
    answered: int
    disagreement: float
    answers: dict[str, int]  # value -> respondents choosing it


def _half_up(total: int, n: int) -> int:
    """total / n rounded to the nearest integer, halves up (exact: no floating point)."""
    return (2 * total + n) // (2 * n)


def _summaries(
    bulk: BulkScorer, columns: Sequence[Sequence[int]], thresholds: Sequence[int]
) -> list[InstrumentSummary]:
    """Per instrument over the respondents (one column of scores each, in tenths; exact sums)."""
    n = len(thresholds)
    rows = []
    for inst, column in zip(bulk.instruments, columns, strict=True):
        excluded = column.count(-1)
        total = sum(column) + excluded  # an exclusion counts as 0, not -1
        squares = sum(map(mul, column, column)) - excluded
        spread = math.sqrt(max(0, n * squares - total * total)) / n / 10  # population sd in points
        included = n - excluded
        rows.append(
            InstrumentSummary(
                rank=0,
                id=inst.id,
                name=inst.name,
                area=inst.area,
                mean_score=_half_up(total, n) / 10,
                mean_score_included=_half_up(total, included) / 10 if included else None,
                min_score=max(min(column), 0) / 10,
                max_score=max(max(column), 0) / 10,
                top3_count=sum(map(ge, column, thresholds)),  # an exclusion (-1) is below every threshold
                excluded=excluded,
                agreement=round(max(0.0, 1 - spread / 50), 2),
            )
        )
    by_id = {row.id: row for row in rows}
    out = []
    for rank, iid in ranked([(row.mean_score, row.name, row.id) for row in rows]):
        by_id[iid].rank = rank
        out.append(by_id[iid])
    return out


def _entropy(counts: Iterable[int], total: int) -> float:
    return -sum(c / total * math.log(c / total) for c in counts if c)


ALIKE = "Every question answered by two or more respondents was answered alike by all of them."


def question_spread(questionnaire: Questionnaire, scored: Sequence[Scored]) -> list[QuestionSpread]:
    """Questions answered by at least two respondents, most disputed first."""
    answers = Counter(chain.from_iterable(s.keys for s in scored))
    by_question: dict[str, Counter[str]] = {}
    answered: Counter[str] = Counter()
    for (qid, value), count in answers.items():
        answered[qid] += count
        counts = by_question.setdefault(qid, Counter())
        for v in [value] if isinstance(value, str) else value:
            counts[v] += count
    out = []
    for position, question in enumerate(questionnaire.questions):
        n = answered[question.id]
        if n < 2:
            continue
        counts = by_question[question.id]
        if question.type == "multiple":
            bits = [_entropy((counts[v], n - counts[v]), n) / math.log(2) for v in question.values]
            spread = sum(bits) / len(bits)
        else:
            spread = _entropy(counts.values(), n) / math.log(len(question.values))
        ordered = {v: counts[v] for v in question.values if counts[v]}
        # max(0.0, ...): everybody alike gives -0.0, which JSON would print as such
        out.append((position, QuestionSpread(question.id, question.name, n, max(0.0, round(spread, 2)), ordered)))
    out.sort(key=lambda ps: (-ps[1].disagreement, ps[0]))
    return [s for _, s in out]


@dataclass
class Consolidated:
    bulk: BulkScorer
    file: str
    respondents: list[Respondent]
    scored: list[Scored]
    consolidated: list[InstrumentSummary]
    disagreement: list[QuestionSpread]
    by_group: dict[str, dict[str, Any]]
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0

    @property
    def questionnaire(self) -> Questionnaire:
        return self.bulk.questionnaire

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        consolidated = [asdict(s) for s in self.consolidated if top is None or s.rank <= top]
        bulk = self.bulk
        per_respondent = []
        for r, s in zip(self.respondents, self.scored, strict=True):
            ranking = bulk.ranking(s)
            per_respondent.append(
                {
                    "row": r.row,
                    "id": r.id,
                    "stakeholder": r.stakeholder,
                    "organisation": r.organisation,
                    "top": [iid for rank, iid, _ in ranking if rank <= TOP],
                    "ranking": [{"rank": rank, "id": iid, "score": score} for rank, iid, score in ranking],
                    "excluded": bulk.excluded(s),
                    "ignored_answers": s.ignored,
                }
            )
        return {
            "questionnaire": {"id": self.questionnaire.id, "version": self.questionnaire.version},
            "file": self.file,
            "rows": self.rows,
            "respondents": len(self.respondents),
            "consolidated": consolidated,
            "disagreement": [asdict(d) for d in self.disagreement],
            "by_group": self.by_group,
            "skipped": [s.to_dict() for s in self.skipped],
            "warnings": self.warnings,
            "per_respondent": per_respondent,
            "method": {
                "mean_score": "mean over all respondents, rounded half up to 0.1; "
                "an instrument a respondent's answers exclude counts as 0",
                "mean_score_included": "mean over the respondents who did not exclude it",
                "agreement": "1 - sd/50, sd the population standard deviation of the respondents' scores (0..1)",
                "disagreement": "normalised entropy of the answers to a question (0 = all alike, 1 = even split)",
            },
        }


def consolidate(
    scorer: Scorer | BulkScorer,
    respondents: Sequence[Respondent],
    *,
    file: str = "",
    asks_stakeholder: bool | None = None,
) -> Consolidated:
    """Score every respondent and consolidate (see the module docstring for the method)."""
    if not respondents:
        raise MigdevError("no respondents to consolidate")
    bulk = scorer if isinstance(scorer, BulkScorer) else BulkScorer(scorer)
    return _consolidate(bulk, respondents, file, asks_stakeholder)


def _consolidate(
    bulk: BulkScorer, respondents: Sequence[Respondent], file: str, asks_stakeholder: bool | None
) -> Consolidated:
    score = bulk.score
    scored = [score(r.values) for r in respondents]
    if asks_stakeholder is None:
        asks_stakeholder = any(r.stakeholder for r in respondents)
    order = [*STAKEHOLDER_CHOICES, UNSPECIFIED_GROUP]
    groups: dict[str, list[int]] = {}
    if asks_stakeholder:
        for i, r in enumerate(respondents):
            groups.setdefault(r.stakeholder or UNSPECIFIED_GROUP, []).append(i)
        names = sorted(groups, key=lambda g: (order.index(g) if g in order else len(order), g))
        ordered = [scored[i] for g in names for i in groups[g]]
    else:
        names, ordered = [], scored
    # one column of scores per instrument, respondents grouped by stakeholder (order matters only there)
    columns = list(zip(*(s.scores for s in ordered), strict=True))
    thresholds = [s.threshold for s in ordered]
    summaries = _summaries(bulk, columns, thresholds)
    by_group: dict[str, dict[str, Any]] = {}
    start = 0
    for group in names:
        end = start + len(groups[group])
        per_group = {s.id: s for s in _summaries(bulk, [c[start:end] for c in columns], thresholds[start:end])}
        by_group[group] = {
            "respondents": end - start,
            "instruments": [
                {
                    "id": s.id,
                    "mean_score": per_group[s.id].mean_score,
                    "top3_count": per_group[s.id].top3_count,
                    "excluded": per_group[s.id].excluded,
                }
                for s in summaries
            ],
        }
        start = end
    return Consolidated(
        bulk=bulk,
        file=file,
        respondents=list(respondents),
        scored=scored,
        consolidated=summaries,
        disagreement=question_spread(bulk.questionnaire, scored),
        by_group=by_group,
    )


def _who(r: Respondent) -> str:
    group = STAKEHOLDER_CHOICES.get(r.stakeholder, r.stakeholder) if r.stakeholder else None
    return ", ".join(x for x in (r.id, group, r.organisation) if x)


def assess_responses(
    path: Path, questionnaire: Questionnaire, instruments: Iterable[Any], *, skip_invalid: bool = False
) -> Consolidated:
    """Read a responses file and consolidate it; warnings and skipped rows are on the result."""
    responses = read_responses(path, questionnaire, skip_invalid=skip_invalid)
    result = consolidate(
        Scorer(questionnaire, instruments),
        responses.respondents,
        file=responses.file,
        asks_stakeholder=responses.asks_stakeholder,
    )
    result.skipped = responses.skipped
    result.warnings = responses.warnings + hidden_answer_warnings(questionnaire, result)
    result.rows = responses.rows
    return result


# --------------------------------------------------------------------------- terminal output


def print_consolidated(result: Consolidated, top: int | None = 10, respondents_shown: int = 30) -> None:
    """Rich tables: respondents' top 3, the consolidated ranking, disputes, stakeholder groups."""
    from rich.table import Table
    from rich.text import Text

    from .render import console, name_width, plain
    from .scoring import area_label

    out = console()
    names = {s.id: s.name for s in result.consolidated}
    n = len(result.respondents)

    people = Table(title=f"Top {TOP} per respondent", title_justify="left")
    people.add_column("Row", justify="right")
    people.add_column("Respondent")
    people.add_column(f"Top {TOP}")
    for r, s in list(zip(result.respondents, result.scored, strict=True))[:respondents_shown]:
        who = _who(r) or "-"
        people.add_row(str(r.row), plain(who), plain("; ".join(names[i] for i in result.bulk.top_ids(s))))
    out.print(people)
    if n > respondents_shown:
        out.print(plain(f"... and {n - respondents_shown} more respondents (see --json)"))

    rows = [s for s in result.consolidated if top is None or s.rank <= top]
    table = Table(title=f"Consolidated ranking ({n} respondent{'s' if n != 1 else ''})", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Instrument", min_width=name_width(out.width))
    table.add_column("Mean", justify="right")
    table.add_column("Range", justify="right")
    table.add_column(f"Top {TOP}", justify="right")
    table.add_column("Excl.", justify="right")
    table.add_column("Agree", justify="right")
    for s in rows:
        table.add_row(
            str(s.rank),
            Text.assemble(plain(s.name), "\n", Text(f"{s.id} ({area_label(s.area)})", style="dim")),
            f"{s.mean_score:.1f}",
            f"{s.min_score:.1f}-{s.max_score:.1f}",
            f"{s.top3_count}/{n}",
            f"{s.excluded}/{n}",
            f"{s.agreement:.2f}",
        )
    out.print(table)
    out.print(
        plain(
            "Mean over all respondents, an exclusion counting as 0. "
            "Agreement: 1 - standard deviation / 50 (1 = same score from everybody)."
        )
    )

    disputed = [d for d in result.disagreement if d.disagreement > 0][:5]
    if disputed:
        q = result.questionnaire
        spread = Table(title="Where respondents disagree most", title_justify="left")
        spread.add_column("Question")
        spread.add_column("Answers")
        spread.add_column("Disagreement", justify="right")
        for d in disputed:
            question = q.question(d.question)
            label = question.label_of if question else str
            spread.add_row(
                Text.assemble(plain(d.text), "\n", Text(d.question, style="dim")),
                plain("\n".join(f"{label(v)}: {c}" for v, c in d.answers.items())),
                f"{d.disagreement:.2f}",
            )
        out.print(spread)
    elif result.disagreement:
        out.print(plain(ALIKE))

    if result.by_group:
        shown = result.consolidated[:GROUP_TOP]
        groups = Table(title=f"Mean score of the top {len(shown)} by stakeholder group", title_justify="left")
        groups.add_column("Instrument")
        for group, data in result.by_group.items():
            label = STAKEHOLDER_CHOICES.get(group, group)
            groups.add_column(Text(f"{label} ({data['respondents']})"), justify="right")
        for s in shown:
            cells = []
            for data in result.by_group.values():
                entry = next(e for e in data["instruments"] if e["id"] == s.id)
                cells.append(f"{entry['mean_score']:.1f}")
            groups.add_row(plain(s.name), *cells)
        out.print(groups)


# --------------------------------------------------------------------------- Markdown report


def render_consolidated_markdown(result: Consolidated, top: int | None = None, group_top: int = GROUP_TOP) -> str:
    """The consolidated report as CommonMark with GFM tables; all data text is escaped.

    ``top`` limits the consolidated ranking (None: every instrument); ``group_top`` is how
    many of the best instruments the stakeholder breakdown compares.
    """
    from .report_markdown import md_inline, md_table

    def table(header: list[str], rows: list[list[Any]], right: Sequence[int] = ()) -> list[str]:
        return [*md_table(header, rows, ["r" if i in right else "l" for i in range(len(header))]), ""]

    q = result.questionnaire
    n = len(result.respondents)
    names = {s.id: s.name for s in result.consolidated}
    out = [
        "# Consolidated needs assessment",
        "",
        f"- Questionnaire: {md_inline(q.title)} ({md_inline(q.id)}, version {md_inline(q.version)})",
        f"- Responses: {md_inline(result.file)}, {n} respondent{'s' if n != 1 else ''}"
        + (f", {len(result.skipped)} row(s) skipped" if result.skipped else ""),
        "",
        "## Consolidated ranking",
        "",
    ]
    shown = [s for s in result.consolidated if top is None or s.rank <= top]
    out += table(
        ["Rank", "Instrument", "Mean score", "Range", f"In top {TOP}", "Excluded by", "Agreement"],
        [
            [
                s.rank,
                f"{s.name} ({s.id})",
                f"{s.mean_score:.1f}",
                f"{s.min_score:.1f} to {s.max_score:.1f}",
                f"{s.top3_count} of {n}",
                f"{s.excluded} of {n}",
                f"{s.agreement:.2f}",
            ]
            for s in shown
        ],
        right=(0, 2, 6),
    )
    if len(shown) < len(result.consolidated):
        out += [f"{len(result.consolidated) - len(shown)} more instruments are ranked below these.", ""]

    disputed = [d for d in result.disagreement if d.disagreement > 0][:5]
    if disputed:
        out += ["## Where respondents disagree most", ""]
        rows = []
        for d in disputed:
            question = q.question(d.question)
            label = question.label_of if question else str
            rows.append([d.text, "; ".join(f"{label(v)}: {c}" for v, c in d.answers.items()), f"{d.disagreement:.2f}"])
        out += table(["Question", "Answers", "Disagreement"], rows, right=(2,))
    elif result.disagreement:
        out += ["## Where respondents disagree most", "", ALIKE, ""]

    if result.by_group:
        best = result.consolidated[:group_top]
        out += [f"## By stakeholder group (mean score of the top {len(best)})", ""]
        header = ["Instrument"] + [
            f"{md_inline(STAKEHOLDER_CHOICES.get(g, g))} ({data['respondents']})" for g, data in result.by_group.items()
        ]
        rows = []
        for s in best:
            row: list[Any] = [s.name]
            for data in result.by_group.values():
                entry = next(e for e in data["instruments"] if e["id"] == s.id)
                row.append(f"{entry['mean_score']:.1f}")
            rows.append(row)
        out += table(header, rows, right=tuple(range(1, len(header))))

    out += ["## Respondents", ""]
    out += table(
        ["Row", "Respondent", f"Top {TOP}"],
        [
            [
                r.row,
                _who(r) or "-",
                "; ".join(names[i] for i in result.bulk.top_ids(s)),
            ]
            for r, s in zip(result.respondents, result.scored, strict=True)
        ],
        right=(0,),
    )
    if result.skipped:
        out += ["## Skipped rows", ""]
        out += [f"- Row {s.row}: " + md_inline("; ".join(s.to_dict()["problems"])) for s in result.skipped]
        out.append("")
    if result.warnings:
        out += ["## Warnings", ""]
        out += [f"- {md_inline(w)}" for w in result.warnings]
        out.append("")
    out += [
        "## Method",
        "",
        "Each respondent's answers are scored as in a single assessment. The mean score is taken over all "
        "respondents; where a respondent's answers exclude an instrument (a precondition fails), it counts "
        "as 0 for that respondent. The range is the lowest and highest of these scores. Agreement is "
        "1 minus the standard deviation of the scores divided by 50: 1 when every respondent gives the "
        "same score, 0 for the widest possible split. Disagreement on a question is the normalised "
        "entropy of its answers: 0 when everybody answers alike, 1 for an even split.",
        "",
    ]
    return "\n".join(out)
