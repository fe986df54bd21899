"""Screening, scoring, ranking and sensitivity (pure, deterministic).

Method (also in the README):

1. Screening. An instrument is excluded when one of its preconditions' checks is false
   for the answers, or when a chosen answer has a rule that excludes it. "Don't know"
   never excludes; the precondition is listed as unchecked instead.
2. Scoring on fixed scales. Every visible question with weight w > 0 is a criterion.
   The rules of the chosen answer(s) that match an instrument add their points; the sum
   is capped to -2..+2 (r). The instrument's score is
   ``50 + sum(25 * w * r) / W`` with W the total weight of the visible questions, so it
   starts at a neutral 50 and lies in 0..100. Nothing depends on the other instruments,
   so adding one never reorders the rest.
3. Coverage: of the weight of questions that can move this instrument, the share answered
   (not "don't know"). It lowers confidence, never the score.
4. Ranking: by score (rounded to 0.1), equal scores share a rank (1, 2, 2, 4); ties are
   listed by name.
5. Sensitivity: every other value of every single answer is tried; the answers that
   would change the set of the top 3 are reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .answers import Value, resolve
from .conditions import describe, evaluate, questions_in
from .models import Instrument, Question, Questionnaire, Rule
from .vocab import AREAS, DONT_KNOW

NEUTRAL = 50.0
TOP = 3


# ----------------------------------------------------------- package (minimal; the ranking defines the full one)
@dataclass(frozen=True)
class PackageItem:
    id: str
    name: str
    phase: int  # 1, 2 or 3
    phase_name: str  # "Lay the ground", "Pilot" or "Scale"
    why: str = ""
    before_start: list[str] = field(default_factory=list)
    lead_actors: list[str] = field(default_factory=list)


# ----------------------------------------------------------- end of package


@dataclass(frozen=True)
class Contribution:
    question: str
    text: str
    answer: str
    points: float
    effect: str  # "raised" or "lowered"
    because: str


@dataclass(frozen=True)
class Ranked:
    rank: int
    id: str
    name: str
    area: str
    score: float
    coverage: float
    reasons: list[str]
    contributions: list[Contribution]
    unchecked: list[str] = field(default_factory=list)  # preconditions an answer of "don't know" left open
    fit: str = "possible"  # minimal: "strong", "possible" or "weak" (the ranking sets it)
    warnings: list[str] = field(default_factory=list)  # minimal (the ranking sets it)


@dataclass(frozen=True)
class Excluded:
    id: str
    name: str
    area: str
    reason: str


@dataclass(frozen=True)
class Change:
    question: str
    text: str
    answer: str
    alternative: str
    alternative_value: Value
    top_after: list[str]


@dataclass
class Sensitivity:
    top: list[str]
    changes: list[Change]

    @property
    def stable(self) -> bool:
        return not self.changes

    # minimal (the ranking defines robust and decisive in full)
    @property
    def robust(self) -> bool:
        return self.stable

    @property
    def decisive(self) -> list[str]:
        return list(dict.fromkeys(c.question for c in self.changes))

    def summary(self) -> str:
        if self.stable:
            return f"No single changed answer would change the top {TOP}."
        n = len(self.changes)
        return f"{n} single changed answer{'s' if n != 1 else ''} would change the top {TOP}."


@dataclass
class Assessment:
    questionnaire: str
    version: str
    answers: dict[str, Value]
    ranking: list[Ranked]
    excluded: list[Excluded]
    ignored: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    sensitivity: Sensitivity | None = None
    package: list[PackageItem] = field(default_factory=list)  # minimal (the ranking builds the package)

    def top_ids(self, n: int = TOP) -> list[str]:
        return [r.id for r in self.ranking if r.rank <= n]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "questionnaire": {"id": self.questionnaire, "version": self.version},
            "ranking": [asdict(r) for r in self.ranking],
            "excluded": [asdict(e) for e in self.excluded],
            "ignored_answers": self.ignored,
            "unanswered": self.unanswered,
        }
        if self.sensitivity is not None:
            data["sensitivity"] = {
                "top": self.sensitivity.top,
                "stable": self.sensitivity.stable,
                "summary": self.sensitivity.summary(),
                "changes": [asdict(c) for c in self.sensitivity.changes],
            }
        return data


def _selected(value: Value) -> list[str]:
    return value if isinstance(value, list) else [value]


def _because(rule: Rule) -> str:
    """The rule's authored reason, or one built from what its selector matched."""
    if rule.because:
        return rule.because
    what = rule.match.describe()
    if rule.points > 0:
        return f"Designed for: {what}."
    return f"Weighs against: {what}."


class Scorer:
    """Scores any answers against one questionnaire and instrument set.

    Which rules match which instrument is worked out once, so scoring many sets of
    answers (a survey's responses, the sensitivity check) costs little each.
    """

    def __init__(self, questionnaire: Questionnaire, instruments: Iterable[Instrument]) -> None:
        self.questionnaire = questionnaire
        self.instruments = sorted(instruments, key=lambda i: i.id)
        self.questions = {q.id: q for q in questionnaire.questions}
        self.ids = [i.id for i in self.instruments]
        self.names = {i.id: i.name for i in self.instruments}
        self.checked = [i for i in self.instruments if any(p.check is not None for p in i.preconditions)]
        # (question, choice value) -> instrument id -> matching rules
        self.matches: dict[tuple[str, str], dict[str, list[Rule]]] = {}
        # question -> ids of instruments some answer to it can move
        self.relevant: dict[str, set[str]] = {}
        self.points: dict[tuple[str, str], dict[str, int]] = {}
        self.excluders: dict[tuple[str, str], set[str]] = {}
        for question in questionnaire.questions:
            movers: set[str] = set()
            for choice in question.choices:
                per: dict[str, list[Rule]] = {}
                for rule in choice.rules:
                    for inst in rule.match.matching(self.instruments):
                        per.setdefault(inst.id, []).append(rule)
                        if rule.points:
                            movers.add(inst.id)
                self.matches[(question.id, choice.value)] = per
                # the same, summed, for the fast scores-only path
                self.points[(question.id, choice.value)] = {
                    iid: sum(r.points for r in rules) for iid, rules in per.items() if any(r.points for r in rules)
                }
                self.excluders[(question.id, choice.value)] = {
                    iid for iid, rules in per.items() if any(r.exclude for r in rules)
                }
            self.relevant[question.id] = movers

    # ----------------------------------------------------------------- helpers

    def answer_label(self, question: Question, value: Value) -> str:
        return ", ".join(question.label_of(v) for v in _selected(value))

    def _excluded_ids(self, answers: Mapping[str, Value]) -> set[str]:
        """Ids screened out by an answer's exclude rule or by a precondition check that is false."""
        out: set[str] = set()
        for qid, value in answers.items():
            for v in _selected(value):
                out |= self.excluders.get((qid, v), set())
        for inst in self.checked:
            if inst.id not in out and any(
                pre.check is not None and evaluate(pre.check, answers) is False for pre in inst.preconditions
            ):
                out.add(inst.id)
        return out

    def _scores(self, answers: Mapping[str, Value], visible: list[Question]) -> dict[str, float]:
        """Every instrument's score: 50 + sum(25 * w * r) / W, rounded to 0.1 (see the module doc).

        Works question by question over the instruments each answer moves, so one set of
        answers costs little; both the explained assessment and the fast paths use it.
        """
        total_weight = sum(q.weight for q in visible) or 1
        totals = dict.fromkeys(self.ids, 0)
        for question in visible:
            value = answers.get(question.id)
            if not question.weight or value is None:
                continue
            selected = _selected(value)
            if len(selected) == 1:
                summed = self.points.get((question.id, selected[0]), {})
            else:
                summed = {}
                for v in selected:
                    for iid, p in self.points.get((question.id, v), {}).items():
                        summed[iid] = summed.get(iid, 0) + p
            for iid, p in summed.items():
                totals[iid] += question.weight * max(-2, min(2, p))
        return {iid: score_from_total(total, total_weight) for iid, total in totals.items()}

    def scores(self, raw: Mapping[str, Value]) -> dict[str, float | None]:
        """Every instrument's score (None when screened out), without explanations: fast."""
        resolved = resolve(self.questionnaire, dict(raw))
        answers = resolved.answers
        numbers = self._scores(answers, resolved.visible(self.questionnaire))
        excluded = self._excluded_ids(answers)
        return {iid: None if iid in excluded else numbers[iid] for iid in self.ids}

    def top_ids_fast(self, raw: Mapping[str, Value], n: int = TOP) -> list[str]:
        names = self.names
        scored = [(score, names[iid], iid) for iid, score in self.scores(raw).items() if score is not None]
        return [iid for rank, iid in ranked(scored) if rank <= n]

    def _exclusion(self, inst: Instrument, answers: Mapping[str, Value]) -> str:
        """Why an excluded instrument was screened out, in words."""
        reasons = []
        for qid, value in answers.items():
            question = self.questions[qid]
            for v in _selected(value):
                for rule in self.matches.get((qid, v), {}).get(inst.id, []):
                    if rule.exclude:
                        reasons.append(f"{rule.exclude} (you answered {question.name}: {question.label_of(v)})")
        for pre in inst.preconditions:
            if pre.check is not None and evaluate(pre.check, answers) is False:
                given = []
                for qid in dict.fromkeys(questions_in(pre.check)):
                    if qid in answers:
                        question = self.questions[qid]
                        given.append(f"{question.name}: {self.answer_label(question, answers[qid])}")
                reasons.append(f"Precondition not met: {pre.text} (you answered {'; '.join(given)})")
        return " ".join(reasons)

    def _unchecked(self, inst: Instrument, answers: Mapping[str, Value]) -> list[str]:
        return [
            pre.text for pre in inst.preconditions if pre.check is not None and evaluate(pre.check, answers) is None
        ]

    def _score(self, inst: Instrument, visible: list[Question], answers: Mapping[str, Value], score: float) -> Ranked:
        """The score with its explanation: which answers raised or lowered it, and by how much."""
        total_weight = sum(q.weight for q in visible) or 1
        contributions: list[Contribution] = []
        relevant_weight = answered_weight = 0
        for question in visible:
            if question.weight == 0:
                continue
            if inst.id in self.relevant[question.id]:
                relevant_weight += question.weight
            value = answers.get(question.id)
            if value is None or DONT_KNOW in _selected(value):
                continue
            if inst.id in self.relevant[question.id]:
                answered_weight += question.weight
            matched = [
                (v, r)
                for v in _selected(value)
                for r in self.matches.get((question.id, v), {}).get(inst.id, [])
                if r.points
            ]
            raw = max(-2, min(2, sum(r.points for _, r in matched)))
            if raw == 0:
                continue
            points = 25.0 * question.weight * raw / total_weight
            sign = 1 if raw > 0 else -1
            # the answer(s) that pushed in the direction of the net effect
            pushing = [(v, r) for v, r in matched if r.points * sign > 0]
            strongest = max(pushing, key=lambda vr: (vr[1].points * sign, vr[1].because is not None))[1]
            contributions.append(
                Contribution(
                    question=question.id,
                    text=question.name,
                    answer=self.answer_label(question, list(dict.fromkeys(v for v, _ in pushing))),
                    points=round(points, 1),
                    effect="raised" if raw > 0 else "lowered",
                    because=_because(strongest),
                )
            )
        contributions.sort(key=lambda c: (-abs(c.points), c.question))
        coverage = round(answered_weight / relevant_weight, 2) if relevant_weight else 0.0
        return Ranked(
            rank=0,
            id=inst.id,
            name=inst.name,
            area=inst.area,
            score=score,
            coverage=coverage,
            reasons=_reasons(contributions),
            contributions=contributions,
            unchecked=self._unchecked(inst, answers),
        )

    # ----------------------------------------------------------------- public

    def assess(self, raw: Mapping[str, Value], *, sensitivity: bool = True) -> Assessment:
        resolved = resolve(self.questionnaire, dict(raw))
        answers = resolved.answers
        visible = resolved.visible(self.questionnaire)
        numbers = self._scores(answers, visible)
        excluded_ids = self._excluded_ids(answers)
        scored: list[Ranked] = []
        excluded: list[Excluded] = []
        for inst in self.instruments:
            if inst.id in excluded_ids:
                excluded.append(Excluded(inst.id, inst.name, inst.area, self._exclusion(inst, answers)))
            else:
                scored.append(self._score(inst, visible, answers, numbers[inst.id]))
        keyed = {r.id: r for r in scored}
        triples = [(r.score, r.name, r.id) for r in scored]
        ranking = [Ranked(**{**keyed[iid].__dict__, "rank": rank}) for rank, iid in ranked(triples)]
        excluded.sort(key=lambda e: (e.name.lower(), e.id))
        result = Assessment(
            questionnaire=self.questionnaire.id,
            version=self.questionnaire.version,
            answers=dict(answers),
            ranking=ranking,
            excluded=excluded,
            ignored=resolved.ignored,
            unanswered=resolved.unanswered,
        )
        if sensitivity:
            result.sensitivity = self.sensitivity(raw, result)
        return result

    def alternatives(self, question: Question, current: Value | None) -> list[Value]:
        """Every answer that differs from ``current`` in one choice."""
        values = [c.value for c in question.choices]
        if question.type != "multiple":
            return [v for v in values if v != current]
        alone = set(question.exclusive_values)
        chosen = set(_selected(current)) - {DONT_KNOW} if current is not None else set()
        out: list[Value] = []
        for v in values:
            if v in chosen:
                changed = chosen - {v}  # untick it
            elif v in alone:
                changed = {v}  # a choice that must stand alone replaces the rest
            else:
                changed = (chosen - alone) | {v}
            if changed:
                out.append([x for x in values if x in changed])
        return out

    def sensitivity(self, raw: Mapping[str, Value], result: Assessment) -> Sensitivity:
        top = result.top_ids()
        changes: list[Change] = []
        visible = resolve(self.questionnaire, dict(raw)).visible(self.questionnaire)
        for question in visible:
            current = result.answers.get(question.id)
            for alternative in self.alternatives(question, current):
                after = self.top_ids_fast({**raw, question.id: alternative})
                if set(after) != set(top):
                    changes.append(
                        Change(
                            question=question.id,
                            text=question.name,
                            answer=self.answer_label(question, current) if current is not None else "(not answered)",
                            alternative=self.answer_label(question, alternative),
                            alternative_value=alternative,
                            top_after=after,
                        )
                    )
        return Sensitivity(top=top, changes=changes)


def score_from_total(total: int, total_weight: int) -> float:
    """The score for sum(w * r) = ``total`` over questions of total weight W: 50 + 25 * total / W."""
    return max(0.0, min(100.0, round(NEUTRAL + 25.0 * total / total_weight, 1)))


def ranked(scored: list[tuple[float, str, str]]) -> list[tuple[int, str]]:
    """(rank, id) for (score, name, id) items, highest score first; ties by name, then id.

    Equal scores share a rank (competition ranking: 1, 2, 2, 4).
    """
    out: list[tuple[int, str]] = []
    previous: float | None = None
    for position, (score, _, iid) in enumerate(sorted(scored, key=lambda t: (-t[0], t[1].lower(), t[2])), start=1):
        out.append((out[-1][0] if out and score == previous else position, iid))
        previous = score
    return out


def _reasons(contributions: list[Contribution]) -> list[str]:
    """Up to three reasons that raised the score, and the strongest that lowered it."""
    ups = [c for c in contributions if c.points > 0][:3]
    downs = [c for c in contributions if c.points < 0][:1]
    out = [f"{c.text}: {c.answer} (+{c.points:g})" for c in ups]
    out += [f"Held back: {c.text}: {c.answer} ({c.points:g})" for c in downs]
    return out


def area_label(area: str) -> str:
    return AREAS.get(area, area)


def describe_check(questionnaire: Questionnaire, instrument: Instrument) -> list[str]:
    """Each precondition with its check in words (for fact sheets and reports)."""
    return [
        pre.text + (f" [checked: {describe(pre.check, questionnaire)}]" if pre.check is not None else "")
        for pre in instrument.preconditions
    ]
