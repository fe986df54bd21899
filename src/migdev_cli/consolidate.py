"""Consolidating a field survey: every respondent scored, then summed per instrument, in one pass.

The export is read one row at a time (:mod:`survey_table`, :mod:`survey_columns`), each
respondent is scored (:mod:`survey_scoring`) and added to running sums, so memory does not grow
with the number of respondents; a caller that wants each respondent's result gets it through
``on_respondent`` as it is made (the JSON writers spool it, see :mod:`survey_report`).

Method. Every respondent is scored like one ``migdev assess`` (without the sensitivity check),
then per instrument, over all respondents: the mean score, the range, how many respondents have
it in their top 3, how many exclude it, and the agreement. For a respondent whose answers
exclude an instrument it counts as 0 (it fails a precondition for them), so an instrument most
respondents rule out cannot top the list; ``mean_score_included`` is the mean over the
respondents who did not exclude it. Means are computed exactly in tenths of a point and rounded
half up to 0.1; the consolidated ranking sorts by mean score, and equal means share a rank.
Agreement is ``1 - sd / 50``, with ``sd`` the population standard deviation of the respondents'
scores: 1 when all give the same score, 0 when half give 0 and half 100. Questions the
stakeholders answer are ranked by disagreement: the normalised entropy of their answers
(single and boolean: over the possible values, "don't know" included; multiple: the mean over
the choices of the entropy of chosen / not chosen), 0 when everybody answers alike and 1 for an
even split. When the file has a ``stakeholder`` column, the same figures are given per
stakeholder group.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .answers import Answer, plain_answers
from .conditions import evaluate
from .errors import DataError, MigdevError, Problem
from .instrument_models import Instrument
from .loader import MAX_PROBLEMS
from .questionnaire_models import Questionnaire
from .survey_columns import Columns
from .survey_respondents import Respondent, Responses, Skipped
from .survey_scoring import BATCH, TOP, Batch, Scored, SurveyScorer
from .survey_table import TableRow, open_table
from .xlsform import STAKEHOLDER_CHOICES

UNSPECIFIED_GROUP = "unspecified"
GROUP_TOP = 5  # instruments shown per stakeholder group in tables and reports
SHOWN = 30  # respondents kept for the terminal table
MAX_SKIPPED_KEPT = 10_000  # skipped rows kept for the JSON and the report (all are counted)
MAX_ROWS_LISTED = 20  # rows named in one warning
ALIKE = "Every question answered by two or more respondents was answered alike by all of them."


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


class _Totals:
    """Sums over respondents, one entry per instrument (scores in tenths of a point)."""

    __slots__ = ("n", "total", "squares", "low", "high", "top", "excluded")

    def __init__(self, size: int) -> None:
        self.n = 0
        self.total = np.zeros(size, np.int64)
        self.squares = np.zeros(size, np.int64)
        self.low = np.full(size, 1001, np.int64)
        self.high = np.zeros(size, np.int64)
        self.top = np.zeros(size, np.int64)
        self.excluded = np.zeros(size, np.int64)

    def add(self, zeroed: np.ndarray, top: np.ndarray, excluded: np.ndarray) -> None:
        """Rows of scores (0 when excluded), top flags and exclusion flags, one row per respondent."""
        if not len(zeroed):
            return
        self.n += len(zeroed)
        wide = zeroed.astype(np.int64)
        self.total += wide.sum(axis=0)
        self.squares += (wide * wide).sum(axis=0)
        self.low = np.minimum(self.low, wide.min(axis=0))
        self.high = np.maximum(self.high, wide.max(axis=0))
        self.top += top.sum(axis=0)
        self.excluded += excluded.sum(axis=0)

    def merge(self, other: _Totals) -> None:
        self.n += other.n
        self.total += other.total
        self.squares += other.squares
        self.top += other.top
        self.excluded += other.excluded
        self.low = np.minimum(self.low, other.low)
        self.high = np.maximum(self.high, other.high)

    def summaries(self, instruments: list[Instrument]) -> list[InstrumentSummary]:
        n = self.n
        rows = []
        total_, squares_, low_, high_ = (a.tolist() for a in (self.total, self.squares, self.low, self.high))
        top_, excluded_ = self.top.tolist(), self.excluded.tolist()
        for i, inst in enumerate(instruments):
            total, excluded = total_[i], excluded_[i]
            spread = math.sqrt(max(0, n * squares_[i] - total * total)) / n / 10  # population sd in points
            included = n - excluded
            rows.append(
                InstrumentSummary(
                    rank=0,
                    id=inst.id,
                    name=inst.name,
                    area=inst.area,
                    mean_score=_half_up(total, n) / 10,
                    mean_score_included=_half_up(total, included) / 10 if included else None,
                    min_score=low_[i] / 10,
                    max_score=high_[i] / 10,
                    top3_count=top_[i],
                    excluded=excluded,
                    agreement=round(max(0.0, 1 - spread / 50), 2),
                )
            )
        rows.sort(key=lambda r: (-r.mean_score, r.name.lower(), r.id))
        for position, row in enumerate(rows, start=1):
            row.rank = (
                rows[position - 2].rank
                if position > 1 and rows[position - 2].mean_score == row.mean_score
                else position
            )
        return rows


def _half_up(total: int, n: int) -> int:
    """total / n rounded to the nearest integer, halves up (exact: no floating point)."""
    return (2 * total + n) // (2 * n)


def _entropy(counts: Iterable[int], total: int) -> float:
    return -sum(c / total * math.log(c / total) for c in counts if c)


@dataclass
class Consolidated:
    questionnaire: Questionnaire
    file: str
    consolidated: list[InstrumentSummary]
    disagreement: list[QuestionSpread]
    by_group: dict[str, dict[str, Any]]
    respondents: int = 0
    rows: int = 0  # data rows read, blank rows not counted
    skipped: list[Skipped] = field(default_factory=list)  # the first MAX_SKIPPED_KEPT
    skipped_count: int = 0
    warnings: list[str] = field(default_factory=list)
    first: list[tuple[Respondent, Scored]] = field(default_factory=list)  # the first SHOWN respondents
    designer_answers: dict[str, Answer] = field(default_factory=dict)
    designer_file: str | None = None

    def summary(self, top: int | None = None) -> dict[str, Any]:
        """Everything the JSON output holds except ``per_respondent`` and ``method``."""
        return {
            "questionnaire": {"id": self.questionnaire.id, "version": self.questionnaire.version},
            "file": self.file,
            "rows": self.rows,
            "respondents": self.respondents,
            "designer_answers": {
                "file": self.designer_file,
                "answers": plain_answers(self.questionnaire, self.designer_answers),
            },
            "consolidated": [asdict(s) for s in self.consolidated if top is None or s.rank <= top],
            "disagreement": [asdict(d) for d in self.disagreement],
            "by_group": self.by_group,
            "skipped": [s.to_dict() for s in self.skipped],
            "skipped_count": self.skipped_count,
            "warnings": self.warnings,
        }


METHOD = {
    "mean_score": "mean over all respondents, rounded half up to 0.1; "
    "an instrument a respondent's answers exclude counts as 0",
    "mean_score_included": "mean over the respondents who did not exclude it",
    "agreement": "1 - sd/50, sd the population standard deviation of the respondents' scores (0..1)",
    "disagreement": "normalised entropy of the answers to a stakeholder question (0 = all alike, 1 = even split)",
}


class Consolidator:
    """Adds respondents a batch at a time; :meth:`result` gives the consolidated figures."""

    def __init__(self, scorer: SurveyScorer, *, by_group: bool = False) -> None:
        self.scorer = scorer
        self.instruments = scorer.instruments
        self.totals = _Totals(len(self.instruments))
        self.by_group = by_group
        self.groups: dict[str, _Totals] = {}
        # per stakeholder question: how many respondents gave each answer code (shown questions only)
        self.code_counts: dict[int, np.ndarray] = {}
        self.count = 0
        self.hidden: dict[str, list[int]] = {}
        self.hidden_count: Counter[str] = Counter()
        self.first: list[tuple[Respondent, Scored]] = []

    def add(self, batch: Batch) -> None:
        people = batch.people
        self.count += len(people)
        if self.by_group:  # the overall sums are the groups' sums, added up at the end
            index: dict[str, int] = {}
            member = np.array([index.setdefault(g or UNSPECIFIED_GROUP, len(index)) for g in people.stakeholders])
            for group, k in index.items():
                totals = self.groups.get(group)
                if totals is None:
                    totals = self.groups[group] = _Totals(len(self.instruments))
                rows = member == k
                totals.add(batch.zeroed[rows], batch.top[rows], batch.excluded[rows])
        else:
            self.totals.add(batch.zeroed, batch.top, batch.excluded)
        for position in self.scorer._stakeholder_pos:
            counts = np.bincount(batch.answers[:, position])
            known = self.code_counts.get(position)
            if known is not None and len(known) > len(counts):
                counts = np.concatenate([counts, np.zeros(len(known) - len(counts), counts.dtype)])
            if known is not None:
                counts[: len(known)] += known
            self.code_counts[position] = counts
        ignored = batch.ignored
        for k in np.flatnonzero(ignored.any(axis=0)).tolist():
            qid = self.scorer._stakeholder_ids[k]
            column = ignored[:, k]
            self.hidden_count[qid] += int(column.sum())
            rows = self.hidden.setdefault(qid, [])
            if len(rows) < MAX_ROWS_LISTED:
                rows.extend(people.rows[i] for i in np.flatnonzero(column)[: MAX_ROWS_LISTED - len(rows)].tolist())
        for i in range(min(SHOWN - len(self.first), len(people))):
            self.first.append((batch.respondent(i), batch.scored(i)))

    def disagreement(self) -> list[QuestionSpread]:
        """Stakeholder questions answered by at least two respondents, most disputed first."""
        by_question: dict[str, Counter[str]] = {}
        answered: Counter[str] = Counter()
        questions = self.scorer.questionnaire.questions
        values = self.scorer.codes.values
        for position, counts in self.code_counts.items():
            qid = questions[position].id
            per = by_question.setdefault(qid, Counter())
            for code, count in enumerate(counts.tolist()):
                value = values[position][code]
                if code and count and value is not None:
                    answered[qid] += count
                    for v in value:
                        per[v] += count
        out = []
        for position, question in enumerate(self.scorer.questionnaire.questions):
            n = answered[question.id]
            if n < 2 or question.asked_of != "stakeholder":
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

    def hidden_warnings(self, file: str) -> list[str]:
        """Answers to questions whose condition the respondent's other answers do not meet, by question."""
        from .conditions import describe

        questionnaire = self.scorer.questionnaire
        out = []
        for question in questionnaire.questions:
            rows = self.hidden.get(question.id)
            if not rows or question.when is None:
                continue
            count = self.hidden_count[question.id]
            listed = ", ".join(str(n) for n in rows)
            if count > len(rows):
                listed += f" and {count - len(rows):,} more rows"
            plural = "s" if count > 1 else ""
            out.append(
                f"{file}: answers to {question.id!r} ignored in row{plural} {listed}: "
                f"it is only asked when {describe(question.when, questionnaire)}"
            )
        return out

    def result(self, file: str = "") -> Consolidated:
        if not self.count:
            raise MigdevError("no respondents to consolidate")
        for totals in self.groups.values():
            self.totals.merge(totals)
        summaries = self.totals.summaries(self.instruments)
        by_group: dict[str, dict[str, Any]] = {}
        order = [*STAKEHOLDER_CHOICES, UNSPECIFIED_GROUP]
        for group in sorted(self.groups, key=lambda g: (order.index(g) if g in order else len(order), g)):
            totals = self.groups[group]
            per_group = {s.id: s for s in totals.summaries(self.instruments)}
            by_group[group] = {
                "respondents": totals.n,
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
        return Consolidated(
            questionnaire=self.scorer.questionnaire,
            file=file,
            consolidated=summaries,
            disagreement=self.disagreement(),
            by_group=by_group,
            respondents=self.count,
            first=self.first,
            designer_answers=dict(self.scorer.designer),
        )


def consolidate(
    scorer: SurveyScorer, respondents: Iterable[Respondent], *, by_group: bool | None = None
) -> Consolidated:
    """Score and consolidate respondents held in memory (a library convenience)."""
    people = list(respondents)
    if not people:
        raise MigdevError("no respondents to consolidate")
    grouped = any(r.stakeholder for r in people) if by_group is None else by_group
    consolidator = Consolidator(scorer, by_group=grouped)
    coded = [replace(r, codes=scorer.encode(r.values)) for r in people]
    for start in range(0, len(coded), BATCH):
        consolidator.add(scorer.score_batch(Responses.of(coded[start : start + BATCH], len(scorer.codes.values))))
    return consolidator.result()


def _designer_warnings(
    scorer: SurveyScorer, columns: Columns, designer_file: str | None, given: Mapping[str, Answer]
) -> list[str]:
    out = []
    name = columns.name
    if columns.designer_columns:
        out.append(
            f"{name}: column{'s' if len(columns.designer_columns) > 1 else ''} "
            f"{', '.join(repr(c) for c in columns.designer_columns)} ignored: the programme's designer answers "
            + ("those questions (taken from the answers file)" if designer_file else "those questions (give --answers)")
        )
    # a designer question whose condition the designer's own answers rule out is not missing
    ruled_out = {
        q.id
        for q in scorer.questionnaire.questions
        if q.when is not None and evaluate(q.when, scorer.designer) is False
    }
    missing = [q for q in scorer.designer_questions if q not in scorer.designer and q not in ruled_out]
    if designer_file is None and scorer.designer_questions:
        out.append(
            f"no answers file (--answers): the designer's questions {', '.join(scorer.designer_questions)} "
            "count as unknown for every respondent"
        )
    elif missing:
        out.append(
            f"{designer_file}: no answer to the designer's question{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}: unknown for every respondent"
        )
    unused = [q for q in given if q in scorer.stakeholder_questions]
    if designer_file is not None and unused:
        named = ", ".join(unused) if len(unused) <= 3 else f"{len(unused)} of them"
        out.append(
            f"{designer_file}: its answers to the stakeholders' questions ({named}) are not used with "
            "--responses: each respondent's own answers count"
        )
    return out


def assess_responses(
    path: Path,
    questionnaire: Questionnaire,
    instruments: Iterable[Instrument],
    *,
    designer: Mapping[str, Answer] | None = None,
    designer_file: str | None = None,
    skip_invalid: bool = False,
    on_batch: Callable[[Batch], None] | None = None,
    on_skipped: Callable[[Skipped], None] | None = None,
) -> Consolidated:
    """Read a survey export row by row, score and consolidate it (see the module docstring).

    Without ``skip_invalid`` any problem stops the import (every problem is listed, up to
    MAX_PROBLEMS); with it each bad row is skipped, passed to ``on_skipped`` and counted, so the
    respondents are always the data rows less the rows skipped.
    """
    table = open_table(Path(path))
    name = table.name
    columns = Columns.of(name, table.header, questionnaire)
    scorer = SurveyScorer(questionnaire, instruments, designer, columns.codes)
    consolidator = Consolidator(scorer, by_group=columns.group is not None)
    rows = skipped_count = problem_count = 0
    skipped: list[Skipped] = []
    problems: list[Problem] = []
    pending: list[TableRow] = []

    def read_pending() -> None:
        nonlocal skipped_count, problem_count
        people, bad = columns.read_batch(pending)
        pending.clear()
        for item in bad:
            skipped_count += 1
            problem_count += len(item.problems)
            if len(skipped) < MAX_SKIPPED_KEPT:
                skipped.append(item)
            if len(problems) <= MAX_PROBLEMS:
                problems.extend(item.problems)
            if skip_invalid and on_skipped is not None:
                on_skipped(item)
        if skipped_count and not skip_invalid:
            return  # the import fails: the other rows are only checked
        if len(people):
            batch = scorer.score_batch(people)
            consolidator.add(batch)
            if on_batch is not None:
                on_batch(batch)

    for row in table.rows:
        rows += 1
        pending.append(row)
        if len(pending) >= BATCH:
            read_pending()
    read_pending()

    if skipped_count and not skip_invalid:
        raise DataError(_capped(problems, problem_count, name))
    if not consolidator.count:
        if skipped_count:  # each row's problems, then why nothing is left
            last = Problem(name, None, "", f"every one of the {rows} rows has a problem; nothing to assess")
            raise DataError([*_capped(problems, problem_count, name), last])
        raise DataError([Problem(name, None, "", "no responses: the file has a header row only")])
    result = consolidator.result(name)
    result.rows = rows
    result.skipped = skipped
    result.skipped_count = skipped_count
    result.designer_file = designer_file
    result.warnings = (
        _designer_warnings(scorer, columns, designer_file, designer or {})
        + columns.retired_column_warnings()
        + columns.unused_column_warnings()
        + consolidator.hidden_warnings(name)
    )
    return result


def _capped(problems: list[Problem], total: int, name: str) -> list[Problem]:
    if total <= MAX_PROBLEMS:
        return problems[:MAX_PROBLEMS]
    kept = problems[:MAX_PROBLEMS]
    more = Problem(name, None, "", f"... and {total - MAX_PROBLEMS:,} more problems in this file (fix these first)")
    return [*kept, more]


def respondent_label(r: Respondent) -> str:
    """Who answered, for tables: the export's id, the stakeholder group and the organisation."""
    group = STAKEHOLDER_CHOICES.get(r.stakeholder, r.stakeholder) if r.stakeholder else None
    return ", ".join(x for x in (r.id, group, r.organisation) if x)


__all__ = ["ALIKE", "GROUP_TOP", "METHOD", "TOP", "Consolidated", "Consolidator", "assess_responses", "consolidate"]
