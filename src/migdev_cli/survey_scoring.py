"""Scoring a survey's respondents in batches: the assessment's arithmetic, done once per answer.

Each respondent is scored exactly as one ``migdev assess`` scores the same answers (without the
sensitivity check): screening, the score on its fixed scale, the ranking (equal scores share a
rank, ties listed by name). A test checks every rank, score and exclusion against
:meth:`Scorer.assess`.

The assessment's score is a sum over questions: each visible question adds, for every instrument,
its weight times the capped points of the chosen answer (:meth:`Scorer.raw_points`). So each
distinct answer to each question is worked out once, as one row of numbers per instrument, and
a batch of respondents is scored with array arithmetic (numpy, imported by the survey commands
only): look up each respondent's row per question, add them up, turn the sums into scores, rank.
What depends on several answers at once (which questions are shown, the preconditions' checks)
is worked out once per distinct combination of the answers it names.

Answers arrive as integer codes (:class:`AnswerCodes`: 0 for no answer), one per question. The
designer's answers (questions marked ``asked_of: designer``) come from the programme's answers
file and are the same for every respondent; without that file they are unanswered.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from .answers import Answer, resolve
from .conditions import questions_in
from .instrument_models import Instrument
from .questionnaire_models import Questionnaire
from .scoring import Scorer, fails_a_check, score_from_total
from .survey_respondents import AnswerCodes, Respondent, Responses

TOP = 3
MEMO_SIZE = 10_000  # distinct combinations remembered per lookup (memory stays bounded)
BATCH = 256  # respondents scored together: small enough that the arrays of a batch stay below the size
# the C allocator hands back to the system on every free (larger batches measured slower)
_TEXT_CHARS = 20_000_000  # characters of JSON snippets remembered per kind (memory stays bounded)


@dataclass(frozen=True, slots=True)
class Scored:
    """One respondent's result, as one ``migdev assess`` would rank the same answers."""

    ranking: tuple[tuple[int, str, float], ...]  # (rank, id, score), best first
    excluded: tuple[str, ...]  # by name, as the assessment lists them
    ignored: tuple[str, ...]  # answered in the survey, but hidden by the questionnaire's conditions

    @property
    def top(self) -> list[str]:
        return [iid for rank, iid, _ in self.ranking if rank <= TOP]


class _Texts(dict[Any, str]):
    """JSON snippets made on first use by ``make`` and remembered, up to ``limit`` characters in all
    (a list of excluded instruments of a large catalog can be long)."""

    def __init__(self, make: Callable[[Any], str], limit: int = _TEXT_CHARS) -> None:
        super().__init__()
        self.make = make
        self.limit = limit
        self.chars = 0

    def __missing__(self, key: Any) -> str:
        text = self.make(key)
        if self.chars + len(text) > self.limit:
            self.clear()
            self.chars = 0
        self[key] = text
        self.chars += len(text)
        return text


def _ids(ids: Iterable[str]) -> str:
    # instrument and question ids are identifiers: nothing in them needs escaping in JSON
    return "[" + ", ".join([f'"{i}"' for i in ids]) + "]"


class Batch:
    """The results of a batch of respondents, as arrays over (respondent, instrument)."""

    def __init__(self, scorer: SurveyScorer, people: Responses, codes: np.ndarray) -> None:
        self.scorer = scorer
        self.people = people
        n = len(scorer.ids)
        visible, weights = scorer._visibility(codes)
        self.answers = np.where(visible, codes, 0)  # the answers that count
        stake = scorer._stakeholder_pos
        # answered in the survey, but the question is not shown
        self.ignored = (codes[:, stake] != 0) & ~visible[:, stake] if len(stake) else np.zeros((len(people), 0), bool)
        totals, self.excluded = scorer._totals(self.answers)
        self.scores = scorer._score_table()[weights[:, None], totals + scorer._offset]  # tenths of a point
        self.zeroed = np.where(self.excluded, 0, self.scores)
        key = np.where(self.excluded, np.int64(1) << 40, -self.scores.astype(np.int64) * n + scorer._name_place)
        self.order = np.argsort(key, axis=1, kind="stable")  # instruments, best first, excluded last
        self.sorted_scores = np.take_along_axis(self.scores, self.order, axis=1)
        self.included = n - self.excluded.sum(axis=1)
        places = np.arange(1, n + 1)
        self.ranks = competition_ranks(self.sorted_scores)  # along ``order``
        in_top = (self.ranks <= TOP) & (places <= self.included[:, None])
        self.top_count = in_top.sum(axis=1)
        self.top = np.zeros(self.order.shape, bool)  # per instrument
        np.put_along_axis(self.top, self.order, in_top, axis=1)

    def __len__(self) -> int:
        return len(self.people)

    def scored(self, i: int) -> Scored:
        """Respondent ``i``'s result."""
        scorer = self.scorer
        ids = scorer.ids
        n = int(self.included[i])
        ranking = tuple(
            (int(r), ids[j], int(s) / 10)
            for r, j, s in zip(self.ranks[i][:n], self.order[i][:n], self.sorted_scores[i][:n], strict=True)
        )
        excluded = tuple(ids[j] for j in scorer._by_name if self.excluded[i, j])
        ignored = tuple(scorer._stakeholder_ids[k] for k in np.flatnonzero(self.ignored[i]))
        return Scored(ranking, excluded, ignored)

    def respondent(self, i: int) -> Respondent:
        """Respondent ``i``, with their answers."""
        return self.people.respondent(i, self.scorer.codes)

    def tops(self) -> list[list[str]]:
        """Each respondent's instruments ranked 1 to TOP, best first."""
        ids = self.scorer.ids
        return [[ids[j] for j in row[:k]] for row, k in zip(self.order.tolist(), self.top_count.tolist(), strict=True)]

    def compact(self) -> Compact:
        """What the JSON text of these respondents is made from, in small integer arrays."""
        scorer = self.scorer
        small = np.int16 if len(scorer.ids) < 30_000 else np.int32
        return Compact(
            order=self.order.astype(small),
            ranks=self.ranks.astype(small),
            scores=self.sorted_scores.astype(np.int16),
            included=self.included.astype(small),
            top_count=self.top_count.astype(small),
            excluded=np.packbits(self.excluded[:, scorer._by_name], axis=1),
            ignored=np.packbits(self.ignored, axis=1),
        )


@dataclass(frozen=True)
class Compact:
    """Respondents' results as a batch's JSON text needs them: per respondent, the instruments in
    ranked order (``order``), their ranks and scores (tenths) in that order, how many are ranked
    (``included``) and how many are in the top; the excluded (by name) and ignored answers as bits."""

    order: np.ndarray
    ranks: np.ndarray
    scores: np.ndarray
    included: np.ndarray
    top_count: np.ndarray
    excluded: np.ndarray
    ignored: np.ndarray

    def json_text(self, scorer: SurveyScorer, heads: list[str]) -> str:
        """One JSON object per respondent, each ending in a line break: ``heads[i]`` (the members
        before "top", each followed by ", ") then "top", "ranking", "excluded" and "ignored_answers".

        The text is an array of pieces (array lookups of pieces made once), joined once."""
        n = len(scorer.ids)
        order, ranks = self.order.astype(np.intp), self.ranks.astype(np.intp)
        parts = np.empty((len(heads), 2 * n + 2), object)
        tops = scorer._top_texts
        top_count = self.top_count.tolist()
        top_keys = order[:, : max(1, max(top_count, default=0))].tolist()
        parts[:, 0] = [
            f'{{{head}"top": {tops[tuple(top[:m])]}, "ranking": ['
            for head, top, m in zip(heads, top_keys, top_count, strict=True)
        ]
        if n:  # a catalog may hold no instrument: then every ranking is empty
            ranked = parts[:, 1 : 2 * n + 1]
            ranked[:, 0::2] = scorer._rank_texts[ranks]
            ranked[:, 0] = scorer._first_rank_texts[ranks[:, 0]]
            ranked[:, 1::2] = scorer._entry_texts(order * 1001 + self.scores)
            ranked[np.repeat(np.arange(n) >= self.included[:, None], 2, axis=1)] = ""
        excluded_texts, ignored_texts = scorer._excluded_texts, scorer._ignored_texts
        parts[:, -1] = [
            f'], "excluded": {excluded_texts[ex]}, "ignored_answers": {ignored_texts[ig]}}}\n'
            for ex, ig in zip(_row_bytes(self.excluded), _row_bytes(self.ignored), strict=True)
        ]
        return "".join(parts.ravel().tolist())


def competition_ranks(ordered: np.ndarray) -> np.ndarray:
    """The ranks of each row of scores sorted best first: equal scores share a rank (1, 2, 2, 4)."""
    places = np.arange(1, ordered.shape[1] + 1)
    starts = np.ones(ordered.shape, bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    ranks: np.ndarray = np.maximum.accumulate(np.where(starts, places, 0), axis=1)
    return ranks


def _row_bytes(packed: np.ndarray) -> list[bytes]:
    """Each row of a matrix of packed bits as a short hashable key."""
    if packed.shape[1] == 0:
        return [b""] * packed.shape[0]
    step = packed.shape[1]
    blob = packed.tobytes()
    return [blob[i : i + step] for i in range(0, len(blob), step)]


def _unpack(key: bytes, size: int) -> list[int]:
    """The positions of the bits set in the first ``size`` bits of ``key`` (a row of packed bits)."""
    bits = int.from_bytes(key, "big")
    last = len(key) * 8 - 1
    return [j for j in range(size) if bits >> (last - j) & 1]


class SurveyScorer:
    """Scores respondents' answers (see the module docstring)."""

    def __init__(
        self,
        questionnaire: Questionnaire,
        instruments: Iterable[Instrument],
        designer: Mapping[str, Answer] | None = None,
        codes: AnswerCodes | None = None,
    ) -> None:
        self.questionnaire = questionnaire
        self.instruments = sorted(instruments, key=lambda i: i.id)
        self.scorer = Scorer(questionnaire, self.instruments)
        self.ids = [i.id for i in self.instruments]
        self.codes = codes if codes is not None else AnswerCodes(questionnaire)
        questions = questionnaire.questions
        self.designer_questions = [q.id for q in questions if q.asked_of == "designer"]
        designer = designer or {}
        # only the designer's questions are taken from the answers file
        self.designer = {q: designer[q] for q in self.designer_questions if q in designer}
        self.stakeholder_questions = {q.id for q in questions if q.asked_of == "stakeholder"}
        self._stakeholder_pos = [n for n, q in enumerate(questions) if q.asked_of == "stakeholder"]
        self._stakeholder_ids = [questions[n].id for n in self._stakeholder_pos]
        position = self.codes.position
        self._designer_codes = [(position[q], self.codes.code(position[q], v)) for q, v in self.designer.items()]
        by_name = sorted(range(len(self.ids)), key=lambda j: (self.instruments[j].name.lower(), self.ids[j]))
        self._by_name = by_name
        self._name_place = np.empty(len(self.ids), np.int64)
        self._name_place[by_name] = np.arange(len(self.ids))
        # per question: one row of weighted, capped points and one of exclusions per answer code
        self._points: list[np.ndarray] = [np.zeros((1, len(self.ids)), np.int32) for _ in questions]
        self._excludes: list[np.ndarray] = [np.zeros((1, len(self.ids)), bool) for _ in questions]
        self._index = {iid: j for j, iid in enumerate(self.ids)}
        self._known = [1] * len(questions)  # rows worked out (code 0, no answer, is all zeros)
        self._scored_pos = {n for n, q in enumerate(questions) if q.weight}
        total_weight = sum(q.weight for q in questions)
        self._offset = 2 * total_weight  # a sum of w * r lies in -2W..2W
        self._weights: list[int] = []  # distinct total weights of the questions shown
        self._weight_index: dict[int, int] = {}
        self._table: np.ndarray | None = None
        # which questions are shown depends only on the answers their conditions name
        self._deciders = sorted(position[q] for q in self.scorer.deciders if q in position)
        self._shown: dict[tuple[int, ...], tuple[np.ndarray, int]] = {}
        # instruments with a precondition check, and the questions each check names
        self._checks = [
            (self._index[inst.id], inst, sorted({position[q] for q in _check_questions(inst) if q in position}))
            for inst in self.scorer.checked
        ]
        self._checked: list[dict[tuple[int, ...], bool]] = [{} for _ in self._checks]
        n = len(self.ids)
        # pieces of the JSON text: '{"rank": R, "id": "' and 'ID", "score": S}' (see Batch.json_text)
        self._first_rank_texts = np.array([f'{{"rank": {r}, "id": "' for r in range(n + 1)], object)
        self._rank_texts = np.array([f', {{"rank": {r}, "id": "' for r in range(n + 1)], object)
        self._entries: np.ndarray | None = None  # id * 1001 + score in tenths; made for JSON output only
        self._top_texts = _Texts(lambda key: _ids(self.ids[j] for j in key))
        self._excluded_texts = _Texts(lambda key: _ids(self.ids[by_name[j]] for j in _unpack(key, n)))
        self._ignored_texts = _Texts(
            lambda key: _ids(self._stakeholder_ids[j] for j in _unpack(key, len(self._stakeholder_ids)))
        )
        self._memo: OrderedDict[tuple[Any, ...], Scored] = OrderedDict()

    # ----------------------------------------------------------------- batches

    def score_batch(self, people: Responses) -> Batch:
        """Every respondent of ``people`` scored (their ``codes`` come from the same :class:`AnswerCodes`)."""
        codes = people.codes.copy()
        for position, code in self._designer_codes:
            codes[:, position] = code
        return Batch(self, people, codes)

    def encode(self, values: Mapping[str, Answer]) -> list[int]:
        """A respondent's answers to the stakeholders' questions as codes, one per question."""
        stakeholder = self.stakeholder_questions
        position = self.codes.position
        row = [0] * len(self.codes.values)
        for q, v in values.items():
            if q in stakeholder:
                row[position[q]] = self.codes.code(position[q], v)
        return row

    def score(self, values: Mapping[str, Answer]) -> Scored:
        """One respondent's result for their survey answers (the designer's are added here)."""
        row = self.encode(values)
        key = tuple(row)
        hit = self._memo.get(key)
        if hit is None:
            one = Responses.of([Respondent(0, dict(values), codes=row)], len(row))
            hit = self._memo[key] = self.score_batch(one).scored(0)
            if len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)
        return hit

    def _entry_texts(self, keys: np.ndarray) -> np.ndarray:
        """'ID", "score": S}' for each key (instrument position * 1001 + score in tenths)."""
        if self._entries is None:
            self._entries = np.full(len(self.ids) * 1001, None, object)
        entries = self._entries
        found: np.ndarray = entries[keys]
        missing = np.equal(found, None)  # type: ignore[call-overload]
        if missing.any():
            for key in np.unique(keys[missing]).tolist():
                entries[key] = f'{self.ids[key // 1001]}", "score": {key % 1001 / 10!r}}}'
            found = entries[keys]
        return found

    # ----------------------------------------------------------------- the arithmetic

    def _answers(self, positions: Sequence[int], codes: Sequence[int]) -> dict[str, Answer]:
        questions = self.questionnaire.questions
        values = self.codes.values
        return {questions[p].id: values[p][c] for p, c in zip(positions, codes, strict=True) if c}  # type: ignore[misc]

    def _per_distinct(
        self, columns: np.ndarray, memo: dict[tuple[int, ...], Any], work: Callable
    ) -> tuple[list[Any], np.ndarray]:
        """``work(codes)`` once per distinct row of ``columns``: the results, and for each row the
        index of its result."""
        if columns.shape[0] == 0:
            return [], np.zeros(0, np.intp)
        if columns.shape[1] == 0:
            rows: list[tuple[int, ...]] = [()]
            inverse = np.zeros(columns.shape[0], np.intp)
        else:
            # each row as one integer (mixed radix), unless that could overflow
            radix = columns.max(axis=0).astype(np.int64) + 1
            if float(np.prod(radix.astype(float))) < 2.0**62:
                weights = np.cumprod(np.concatenate([[1], radix[:-1]]))
                keys, inverse = np.unique(columns @ weights, return_inverse=True)
                rows = [tuple(r) for r in ((keys[:, None] // weights) % radix).tolist()]
            else:
                unique, inverse = np.unique(columns, axis=0, return_inverse=True)
                rows = [tuple(r) for r in unique.tolist()]
        results = []
        for row in rows:
            result = memo.get(row)
            if result is None:
                if len(memo) >= MEMO_SIZE:
                    memo.clear()
                result = memo[row] = work(row)
            results.append(result)
        return results, inverse.reshape(-1)

    def _visibility(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which questions each respondent is shown, and the index of their total weight."""
        shown, which = self._per_distinct(codes[:, self._deciders], self._shown, self._shown_for)
        visible = np.array([s[0] for s in shown], bool).reshape(len(shown), codes.shape[1])
        weights = np.array([s[1] for s in shown], np.intp)
        return visible[which], weights[which]

    def _shown_for(self, decider_codes: tuple[int, ...]) -> tuple[np.ndarray, int]:
        questionnaire = self.questionnaire
        resolved = resolve(questionnaire, self._answers(self._deciders, decider_codes))
        asked = resolved.visible(questionnaire)
        shown = {q.id for q in asked}
        weight = sum(q.weight for q in asked) or 1
        if weight not in self._weight_index:
            self._weight_index[weight] = len(self._weights)
            self._weights.append(weight)
            self._table = None
        return np.array([q.id in shown for q in questionnaire.questions], bool), self._weight_index[weight]

    def _score_table(self) -> np.ndarray:
        """Score in tenths for (total weight, sum of w * r + offset)."""
        if self._table is None:
            span = range(-self._offset, self._offset + 1)
            self._table = np.array(
                [[round(score_from_total(t, w) * 10) for t in span] for w in self._weights], np.int64
            ).reshape(len(self._weights), len(span))
        return self._table

    def _grow(self, position: int) -> None:
        """Rows of points and exclusions for the answer codes of one question not yet worked out."""
        known = self._known[position]
        values = self.codes.values[position]
        if known == len(values):
            return
        if len(values) > self._points[position].shape[0]:  # room for twice as many: few copies
            rows = max(len(values), 2 * self._points[position].shape[0])
            for tables in (self._points, self._excludes):
                grown = np.zeros((rows, len(self.ids)), tables[position].dtype)
                grown[:known] = tables[position][:known]
                tables[position] = grown
        question = self.questionnaire.questions[position]
        scorer, index = self.scorer, self._index
        points, excludes = self._points[position], self._excludes[position]
        for row, value in enumerate(values[known:], start=known):
            assert value is not None
            if question.weight:
                for iid, r in scorer._capped(question, value):
                    points[row, index[iid]] = question.weight * r
            for iid in scorer.excluded_by(question.id, value):
                excludes[row, index[iid]] = True
        self._known[position] = len(values)

    def _totals(self, answers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each respondent's sum of w * r per instrument, and who is screened out of what."""
        totals = np.zeros((answers.shape[0], len(self.ids)), np.int32)
        excluded = np.zeros(totals.shape, bool)
        for position in range(answers.shape[1]):
            self._grow(position)
            column = answers[:, position]
            if position in self._scored_pos:
                totals += self._points[position][column]
            if self._excludes[position].any():
                excluded |= self._excludes[position][column]
        for (j, inst, positions), memo in zip(self._checks, self._checked, strict=True):
            fails = partial(self._fails, inst, positions)
            fail, which = self._per_distinct(answers[:, positions], memo, fails)
            excluded[:, j] |= np.array(fail, bool)[which]
        return totals, excluded

    def _fails(self, inst: Instrument, positions: list[int], codes: tuple[int, ...]) -> bool:
        """Whether one of the instrument's precondition checks is false for these answers."""
        return fails_a_check(inst, self._answers(positions, codes))


def _check_questions(inst: Instrument) -> list[str]:
    return [q for pre in inst.preconditions if pre.check is not None for q in questions_in(pre.check)]
