"""Scoring every respondent of a survey: :meth:`Scorer.scores`, remembered per distinct set of answers.

Each respondent is scored exactly as one ``migdev assess`` scores the same answers (without the
sensitivity check): the scores come from :meth:`Scorer.scores`, ranked as the assessment ranks
them (equal scores share a rank, ties listed by name). Respondents who give the same answers
share one result: results are remembered per answer set, up to ``MEMO_SIZE`` of them (the
oldest is forgotten first), so memory stays bounded however many respondents a file has. A
test checks every rank, score and exclusion against :meth:`Scorer.assess`.

The designer's answers (questions marked ``asked_of: designer``) come from the programme's
answers file and are the same for every respondent; without that file they are unanswered.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .answers import Answer, resolve
from .conditions import questions_in
from .models import Instrument, Questionnaire
from .scoring import Scorer

TOP = 3
MEMO_SIZE = 10_000
_Key = tuple[tuple[str, Answer], ...]


@dataclass(frozen=True, slots=True)
class Scored:
    """One respondent's result; score tuples follow :attr:`SurveyScorer.ids`, in tenths of a point."""

    zeroed: tuple[int, ...]  # the score, 0 when excluded
    squares: tuple[int, ...]
    excluded_flags: tuple[int, ...]  # 1 when excluded
    top_flags: tuple[int, ...]  # 1 when ranked 1 to TOP
    ranking: tuple[tuple[int, str, float], ...]  # (rank, id, score)
    excluded: tuple[str, ...]
    ignored: tuple[str, ...]  # answered in the survey, but hidden by the questionnaire's conditions
    counted: _Key  # the survey answers that count, to stakeholder questions: for the disagreement
    fragment: str  # the JSON members "top" to "ignored_answers" of this result

    @property
    def top(self) -> list[str]:
        return [iid for rank, iid, _ in self.ranking if rank <= TOP]


def answer_key(values: Mapping[str, Answer]) -> _Key:
    return tuple(values.items())


class SurveyScorer:
    """Scores respondents' answers (see the module docstring)."""

    def __init__(
        self,
        questionnaire: Questionnaire,
        instruments: Iterable[Instrument],
        designer: Mapping[str, Answer] | None = None,
    ) -> None:
        self.questionnaire = questionnaire
        self.instruments = sorted(instruments, key=lambda i: i.id)
        self.scorer = Scorer(questionnaire, self.instruments)
        self.ids = [i.id for i in self.instruments]
        self.position = {iid: n for n, iid in enumerate(self.ids)}
        self.names = {i.id: i.name for i in self.instruments}
        self._sort_name = {i.id: (i.name.lower(), i.id) for i in self.instruments}
        self.designer_questions = [q.id for q in questionnaire.questions if q.asked_of == "designer"]
        designer = designer or {}
        # only the designer's questions are taken from the answers file
        self.designer = {q: designer[q] for q in self.designer_questions if q in designer}
        self.stakeholder_questions = {q.id for q in questionnaire.questions if q.asked_of == "stakeholder"}
        self._memo: OrderedDict[_Key, Scored] = OrderedDict()
        self.hits = 0
        # which questions are shown depends only on the answers their conditions name
        conditional = [q for q in questionnaire.questions if q.when is not None]
        self._deciders = list(
            dict.fromkeys(qid for q in conditional if q.when is not None for qid in questions_in(q.when))
        )
        self._conditional = [q.id for q in conditional]
        self._hidden: dict[_Key, frozenset[str]] = {}

    def score(self, values: Mapping[str, Answer], key: _Key | None = None) -> Scored:
        """The result for one respondent's survey answers (the designer's are added here);
        ``key`` is :func:`answer_key` of the answers when the caller has it already."""
        if key is None:
            key = answer_key(values)
        memo = self._memo
        hit = memo.get(key)
        if hit is not None:
            self.hits += 1
            return hit
        result = self._compute(values)
        memo[key] = result
        if len(memo) > MEMO_SIZE:
            memo.popitem(last=False)
        return result

    def _hidden_questions(self, raw: Mapping[str, Answer]) -> frozenset[str]:
        """The questions whose condition the answers do not meet (remembered per deciding answers)."""
        key = answer_key({q: raw[q] for q in self._deciders if q in raw})
        hidden = self._hidden.get(key)
        if hidden is None:
            resolved = resolve(self.questionnaire, {q: raw[q] for q in self._deciders if q in raw})
            shown = set(resolved.answers) | set(resolved.unanswered)
            hidden = self._hidden[key] = frozenset(q for q in self._conditional if q not in shown)
            if len(self._hidden) > MEMO_SIZE:
                self._hidden.clear()
        return hidden

    def _compute(self, values: Mapping[str, Answer]) -> Scored:
        stakeholder = self.stakeholder_questions
        raw: dict[str, Answer] = {**self.designer}
        raw.update((q, v) for q, v in values.items() if q in stakeholder)
        scores = self.scorer.scores(raw)
        hidden = self._hidden_questions(raw)
        sort_name = self._sort_name
        position = self.position
        # highest score first, ties by name then id, as the assessment ranks them
        order = sorted([(-s, sort_name[iid], iid) for iid, s in scores.items() if s is not None])
        ranking: list[tuple[int, str, float]] = []
        previous, rank = None, 0
        for place, (negative, _, iid) in enumerate(order, start=1):
            if negative != previous:
                rank, previous = place, negative
            ranking.append((rank, iid, -negative))
        n = len(self.ids)
        zeroed = [0] * n
        excluded_flags = [0] * n
        top_flags = [0] * n
        excluded = []
        for iid, score in scores.items():
            if score is None:
                excluded_flags[position[iid]] = 1
                excluded.append(iid)
            else:
                zeroed[position[iid]] = round(score * 10)
        top = [iid for r, iid, _ in ranking if r <= TOP]
        for iid in top:
            top_flags[position[iid]] = 1
        ignored = tuple(q for q in self._conditional if q in hidden and q in values)
        counted = tuple((q, v) for q, v in values.items() if q in stakeholder and q not in hidden)
        excluded.sort(key=sort_name.__getitem__)  # as the assessment lists them
        # instrument and question ids are identifiers: nothing in them needs escaping in JSON
        fragment = (
            f'"top": {_ids(top)}, "ranking": ['
            + ", ".join([f'{{"rank": {r}, "id": "{iid}", "score": {score!r}}}' for r, iid, score in ranking])
            + f'], "excluded": {_ids(excluded)}, "ignored_answers": {_ids(ignored)}'
        )
        return Scored(
            zeroed=tuple(zeroed),
            squares=tuple([z * z for z in zeroed]),
            excluded_flags=tuple(excluded_flags),
            top_flags=tuple(top_flags),
            ranking=tuple(ranking),
            excluded=tuple(excluded),
            ignored=ignored,
            counted=counted,
            fragment=fragment,
        )


def _ids(ids: Iterable[str]) -> str:
    return "[" + ", ".join([f'"{i}"' for i in ids]) + "]"
