"""Screening, scoring, ranking, fit and the recommended package (pure, deterministic).

Method (also in docs/method.md):

1. Screening. An instrument is excluded when one of its preconditions' checks is false
   for the answers, or when a chosen answer has a rule that excludes it. "Don't know"
   never excludes; the precondition is listed as unchecked instead.
2. Scoring on fixed scales. Every visible question with weight w > 0 is a criterion.
   The rules of the chosen answer(s) that match an instrument add their points; a
   question's ``miss`` points go to every instrument that no rule of the answer raised
   (a mismatch costs as a match earns). The sum is capped to -2..+2 (r). The score is
   ``50 + sum(25 * w * r) / W`` with W the total weight of the visible questions, so it
   starts at a neutral 50 and lies in 0..100. The heaviest questions are the programme's
   objectives (and its main objective when it has several), its bottlenecks and its lead
   implementer. Each question is scored on its own, and nothing depends on the other
   instruments, so adding one never reorders the rest.
3. Fit: strong, possible or weak, from those three questions and the main objective alone
   (see :func:`fit_band`).
4. Coverage: of the weight of questions that can move this instrument, the share answered
   (not "don't know"). It lowers confidence, never the score.
5. Ranking: by score (rounded to 0.1), equal scores share a rank (1, 2, 2, 4); ties are
   listed by name.
6. Package: 3 or 4 complementary instruments from the top of the ranking, in phases
   (:mod:`migdev_cli.package`).
7. Sensitivity: see :mod:`migdev_cli.sensitivity`.

The results are the plain data of :mod:`migdev_cli.assessment`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from .answers import Answer, Resolved, resolve
from .assessment import TOP, Assessment, Contribution, Excluded, Ranked, answer_label
from .conditions import describe, evaluate, questions_in
from .instrument_models import Instrument
from .package import Pairs, first_sentence, recommend
from .questionnaire_models import Question, Questionnaire, Rule
from .sensitivity import Outcome, check_sensitivity
from .vocab import AREAS, DONT_KNOW

NEUTRAL = 50.0
# The questions that decide fit: what the programme wants (and which aim comes first), what
# holds migrants back, who leads.
FIT_QUESTIONS = ("objectives", "main_objective", "bottlenecks", "lead_implementer")
# The questions added in questionnaire version 2026.12; answers files written before lack them.
# main_objective is asked only when two or more objectives are ticked.
NEEDS_QUESTIONS = ("objectives", "main_objective", "lead_implementer", "component_location", "bottlenecks")


def main_objective(answers: Mapping[str, Answer]) -> str | None:
    """The objective the programme puts first: the one named as main, or the only one ticked."""
    main = answers.get("main_objective", ())
    if len(main) == 1 and main[0] != DONT_KNOW:
        return main[0]
    objectives = [v for v in answers.get("objectives", ()) if v != DONT_KNOW]
    return objectives[0] if len(objectives) == 1 else None


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
        self.by_id = {i.id: i for i in self.instruments}
        self.questions = {q.id: q for q in questionnaire.questions}
        self.ids = [i.id for i in self.instruments]
        self.names = {i.id: i.name for i in self.instruments}
        self.checked = [i for i in self.instruments if any(p.check is not None for p in i.preconditions)]
        self.pairs = Pairs(self.by_id, questionnaire)
        # the questions whose answers decide which others are shown
        self.deciders = {qid for q in questionnaire.questions if q.when is not None for qid in questions_in(q.when)}
        # (question, answer) -> capped points per moved instrument: at most the distinct answers met
        self._capped_points: dict[tuple[str, Answer], list[tuple[str, int]]] = {}
        # (question, choice value) -> instrument id -> matching rules
        self.matches: dict[tuple[str, str], dict[str, list[Rule]]] = {}
        # question -> ids of instruments some answer to it can move
        self.relevant: dict[str, set[str]] = {}
        self.points: dict[tuple[str, str], dict[str, int]] = {}
        # (question, choice value) -> ids a rule of that choice raises (so its ``miss`` spares them)
        self.raised: dict[tuple[str, str], set[str]] = {}
        self.excluders: dict[tuple[str, str], set[str]] = {}
        for question in questionnaire.questions:
            movers: set[str] = set(self.ids) if question.miss else set()
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
                self.raised[(question.id, choice.value)] = {
                    iid for iid, rules in per.items() if any(r.points > 0 for r in rules)
                }
                self.excluders[(question.id, choice.value)] = {
                    iid for iid, rules in per.items() if any(r.exclude for r in rules)
                }
            self.relevant[question.id] = movers

    # ----------------------------------------------------------------- helpers

    def _excluded_ids(self, answers: Mapping[str, Answer]) -> set[str]:
        """Ids screened out by an answer's exclude rule or by a precondition check that is false."""
        out: set[str] = set()
        for qid, value in answers.items():
            out |= self.excluded_by(qid, value)
        out.update(inst.id for inst in self.checked if inst.id not in out and fails_a_check(inst, answers))
        return out

    def excluded_by(self, question_id: str, value: Answer) -> set[str]:
        """Ids an exclude rule of one of the answer's choices screens out."""
        out: set[str] = set()
        for v in value:
            out |= self.excluders.get((question_id, v), set())
        return out

    def raw_points(self, question: Question, value: Answer) -> dict[str, int]:
        """Each moved instrument's points for one answer, before the -2..+2 cap (``miss`` included)."""
        selected = value
        if DONT_KNOW in selected:
            return {}
        if len(selected) == 1:
            summed = dict(self.points.get((question.id, selected[0]), {}))
        else:
            summed = {}
            for v in selected:
                for iid, p in self.points.get((question.id, v), {}).items():
                    summed[iid] = summed.get(iid, 0) + p
        if question.miss:
            raised: set[str] = set()
            for v in selected:
                raised |= self.raised.get((question.id, v), set())
            for iid in self.ids:
                if iid not in raised:
                    summed[iid] = summed.get(iid, 0) + question.miss
        return summed

    def _totals(self, answers: Mapping[str, Answer], visible: list[Question]) -> tuple[dict[str, int], dict[str, dict]]:
        """sum(w * r) per instrument, and each instrument's capped r on the fit questions."""
        totals = dict.fromkeys(self.ids, 0)
        fits: dict[str, dict[str, int]] = {iid: {} for iid in self.ids}
        for question in visible:
            value = answers.get(question.id)
            if not question.weight or value is None:
                continue
            for iid, r in self._capped(question, value):
                totals[iid] += question.weight * r
            for iid, r in self._fit_of(question, value).items():
                fits[iid][question.id] = r
        return totals, fits

    def _fit_of(self, question: Question, value: Answer) -> dict[str, int]:
        """Each instrument's capped points on a question that decides fit (0 when the answer does
        not move it); nothing for another question, or for "don't know"."""
        if question.id not in FIT_QUESTIONS or DONT_KNOW in value:
            return {}
        moved = dict(self._capped(question, value))
        return {iid: moved.get(iid, 0) for iid in self.ids}

    def _capped(self, question: Question, value: Answer) -> list[tuple[str, int]]:
        """Each moved instrument's points for one answer, capped to -2..+2 (worked out once per answer)."""
        key = (question.id, value)
        found = self._capped_points.get(key)
        if found is None:
            found = [(iid, max(-2, min(2, p))) for iid, p in self.raw_points(question, value).items()]
            self._capped_points[key] = found
        return found

    def scores(self, raw: Mapping[str, Answer]) -> dict[str, float | None]:
        """Every instrument's score (None when screened out), without explanations: fast."""
        _, _, total_weight, totals, _, excluded = self._prepared(raw)
        return {iid: None if iid in excluded else score_from_total(totals[iid], total_weight) for iid in self.ids}

    def _prepared(
        self, raw: Mapping[str, Answer]
    ) -> tuple[Resolved, list[Question], int, dict[str, int], dict[str, dict[str, int]], set[str]]:
        """What every assessment of ``raw`` starts from: the answers that count (``.answers``), the
        questions asked, their total weight, each instrument's weighted points and fit, the excluded ids."""
        resolved = resolve(self.questionnaire, dict(raw))
        visible = resolved.visible(self.questionnaire)
        total_weight = sum(q.weight for q in visible) or 1
        totals, fits = self._totals(resolved.answers, visible)
        return resolved, visible, total_weight, totals, fits, self._excluded_ids(resolved.answers)

    def _outcome(self, raw: Mapping[str, Answer]) -> tuple[list[str], list[str]]:
        """The top ids (rank <= 3) and the package ids for some answers, without explanations: fast."""
        resolved, _, total_weight, totals, fits, excluded = self._prepared(raw)
        return self._top_and_package(resolved.answers, total_weight, totals, fits, excluded)

    def _outcomes_near(self, raw: Mapping[str, Answer]) -> Outcome:
        """:meth:`_outcome` for answers that differ from ``raw`` in one answer, worked out from
        ``raw``'s sums (only that answer's points change) unless the answer decides which
        questions are shown (then afresh)."""
        resolved, visible, total_weight, totals, fits, _ = self._prepared(raw)
        shown = {q.id: q for q in visible}

        def outcome(changed: Mapping[str, Answer]) -> tuple[list[str], list[str]]:
            differ = [q for q in {*raw, *changed} if raw.get(q) != changed.get(q)]
            question = shown.get(differ[0]) if len(differ) == 1 else None
            if question is None or question.id in self.deciders:
                return self._outcome(changed)
            answers = {**resolved.answers, question.id: changed[question.id]}
            new_totals, new_fits = dict(totals), fits
            old, new = resolved.answers.get(question.id), answers[question.id]
            if question.weight:
                for iid, r in self._capped(question, old) if old is not None else ():
                    new_totals[iid] -= question.weight * r
                for iid, r in self._capped(question, new):
                    new_totals[iid] += question.weight * r
                if question.id in FIT_QUESTIONS:
                    qid = question.id
                    new_fits = {iid: {k: v for k, v in fit.items() if k != qid} for iid, fit in fits.items()}
                    for iid, r in self._fit_of(question, new).items():
                        new_fits[iid][qid] = r
            excluded = self._excluded_ids(answers)
            return self._top_and_package(answers, total_weight, new_totals, new_fits, excluded)

        return outcome

    def _top_and_package(
        self,
        answers: Mapping[str, Answer],
        total_weight: int,
        totals: Mapping[str, int],
        fits: Mapping[str, Mapping[str, int]],
        excluded: set[str],
    ) -> tuple[list[str], list[str]]:
        names = self.names
        triples = [
            (score_from_total(totals[iid], total_weight), names[iid], iid) for iid in self.ids if iid not in excluded
        ]
        order = ranked(triples)
        top = [iid for rank, iid in order if rank <= TOP]
        rows = [(iid, rank, fit_band(fits[iid])) for rank, iid in order]
        package = recommend(rows, self.by_id, answers, self.questionnaire, pairs=self.pairs)
        return top, [p.id for p in package]

    def exclusions(self, inst: Instrument, answers: Mapping[str, Answer]) -> list[tuple[bool, str, str]]:
        """Each reason the answers screen ``inst`` out: (a precondition not met?, the rule's or the
        precondition's text, the answers behind it as "Question: answer")."""
        out = []
        for qid, value in answers.items():
            question = self.questions[qid]
            for v in value:
                for rule in self.matches.get((qid, v), {}).get(inst.id, []):
                    if rule.exclude:
                        out.append((False, rule.exclude, f"{question.name}: {question.label_of(v)}"))
        for pre in inst.preconditions:
            if pre.check is not None and evaluate(pre.check, answers) is False:
                given = [
                    f"{self.questions[qid].name}: {answer_label(self.questions[qid], answers[qid])}"
                    for qid in dict.fromkeys(questions_in(pre.check))
                    if qid in answers
                ]
                out.append((True, pre.text, "; ".join(given)))
        return out

    def _exclusion(self, inst: Instrument, answers: Mapping[str, Answer]) -> str:
        """Why an excluded instrument was screened out, in words."""
        return " ".join(
            f"{'Precondition not met: ' if pre else ''}{text} (you answered {given})"
            for pre, text, given in self.exclusions(inst, answers)
        )

    def _unchecked(self, inst: Instrument, answers: Mapping[str, Answer]) -> list[str]:
        return [
            pre.text for pre in inst.preconditions if pre.check is not None and evaluate(pre.check, answers) is None
        ]

    def _warnings(self, inst: Instrument, answers: Mapping[str, Answer], unchecked: list[str]) -> list[str]:
        """What is not known yet and matters for this instrument, in words."""
        out: list[str] = []
        budget = answers.get("budget")
        if "budget" in self.questions and (budget is None or DONT_KNOW in budget):
            if inst.cost_level == "high":
                out.append("Usually costs over EUR 1 million, and the budget is not known yet.")
        out += [f"Not confirmed yet: {first_sentence(text)}" for text in unchecked]
        return out

    def _score(
        self, inst: Instrument, visible: list[Question], answers: Mapping[str, Answer], score: float, fit: str
    ) -> Ranked:
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
            if value is None or DONT_KNOW in value:
                continue
            if inst.id in self.relevant[question.id]:
                answered_weight += question.weight
            matched = [
                (v, r) for v in value for r in self.matches.get((question.id, v), {}).get(inst.id, []) if r.points
            ]
            missed = bool(question.miss) and not any(r.points > 0 for _, r in matched)
            total = sum(r.points for _, r in matched) + (question.miss if missed else 0)
            raw = max(-2, min(2, total))
            if raw == 0:
                continue
            points = 25.0 * question.weight * raw / total_weight
            sign = 1 if raw > 0 else -1
            label = answer_label(question, value)
            if missed and sign < 0 and question.miss_because:
                answer, because = label, question.miss_because.replace("{answer}", label)
            else:
                # the answer(s) that pushed in the direction of the net effect
                pushing = [(v, r) for v, r in matched if r.points * sign > 0]
                strongest = max(pushing, key=lambda vr: (vr[1].points * sign, vr[1].because is not None))[1]
                answer = answer_label(question, tuple(dict.fromkeys(v for v, _ in pushing)))
                because = _because(strongest)
            contributions.append(
                Contribution(
                    question=question.id,
                    text=question.name,
                    answer=answer,
                    points=round(points, 1),
                    effect="raised" if raw > 0 else "lowered",
                    because=because,
                )
            )
        contributions.sort(key=lambda c: (-abs(c.points), c.question))
        coverage = round(answered_weight / relevant_weight, 2) if relevant_weight else 0.0
        unchecked = self._unchecked(inst, answers)
        return Ranked(
            rank=0,
            id=inst.id,
            name=inst.name,
            area=inst.area,
            score=score,
            coverage=coverage,
            reasons=_reasons(contributions),
            contributions=contributions,
            unchecked=unchecked,
            fit=fit,
            warnings=self._warnings(inst, answers, unchecked),
        )

    # ----------------------------------------------------------------- public

    def assess(self, raw: Mapping[str, Answer], *, sensitivity: bool = True) -> Assessment:
        resolved, visible, total_weight, totals, fits, excluded_ids = self._prepared(raw)
        answers = resolved.answers
        scored: list[Ranked] = []
        excluded: list[Excluded] = []
        for inst in self.instruments:
            if inst.id in excluded_ids:
                excluded.append(Excluded(inst.id, inst.name, inst.area, self._exclusion(inst, answers)))
            else:
                score = score_from_total(totals[inst.id], total_weight)
                scored.append(self._score(inst, visible, answers, score, fit_band(fits[inst.id])))
        keyed = {r.id: r for r in scored}
        triples = [(r.score, r.name, r.id) for r in scored]
        ranking = [replace(keyed[iid], rank=rank) for rank, iid in ranked(triples)]
        excluded.sort(key=lambda e: (e.name.lower(), e.id))
        rows = [(r.id, r.rank, r.fit) for r in ranking]
        result = Assessment(
            questionnaire=self.questionnaire.id,
            version=self.questionnaire.version,
            answers=dict(answers),
            ranking=ranking,
            excluded=excluded,
            ignored=resolved.ignored,
            unanswered=resolved.unanswered,
            package=recommend(
                rows,
                self.by_id,
                answers,
                self.questionnaire,
                unchecked={r.id: r.unchecked for r in ranking},
                pairs=self.pairs,
            ),
            questions=self.questions,
        )
        if sensitivity:
            result.sensitivity = check_sensitivity(self.questionnaire, raw, result, self._outcomes_near(raw))
        return result


def needs_warning(questionnaire: Questionnaire, answers: Mapping[str, Answer], file: str = "answers") -> str | None:
    """A warning when the questions that decide fit are missing, as in answers files written for
    questionnaire versions before 2026.12 (the main objective counts as missing only when it is
    asked: two or more objectives ticked), or when the main objective is not among the objectives
    ticked; None when all is well."""
    resolved = resolve(questionnaire, dict(answers))
    unanswered = set(resolved.unanswered)
    missing = [q for q in NEEDS_QUESTIONS if questionnaire.question(q) is not None and q in unanswered]
    parts = []
    if missing:
        parts.append(
            f"no answer to {', '.join(missing)} (questions added in questionnaire version 2026.12); "
            "the ranking is read without them and cannot judge fit to the programme's needs. "
            "Add them to the file (`migdev questionnaire show` lists their choices)"
        )
    main = resolved.answers.get("main_objective", ())
    if len(main) == 1 and main[0] not in resolved.answers.get("objectives", ()):
        parts.append(f"main_objective {main[0]!r} is not among the objectives ticked; tick it under objectives too")
    return f"{file}: " + "; ".join(parts) if parts else None


def fit_band(fit: Mapping[str, int]) -> str:
    """An instrument's fit to the programme's stated needs, from the capped points (-2..+2) of
    the answered fit questions: objectives (and the main one), bottlenecks, lead implementer.

    weak: it misses the objectives or cannot be led by the lead implementer, or misses on two
    of objectives, bottlenecks and lead implementer; strong: it serves the objectives (the main
    one among them, when one is named) and relieves a named bottleneck, and nothing misses;
    possible: everything else, and whenever none of them is answered.
    """
    if not fit:
        return "possible"
    misses = [q for q, r in fit.items() if r < 0 and q != "main_objective"]
    if fit.get("objectives", 0) < 0 or fit.get("lead_implementer", 0) < 0 or len(misses) >= 2:
        return "weak"
    if (
        not misses
        and fit.get("objectives", 0) > 0
        and fit.get("main_objective", 1) > 0
        and fit.get("bottlenecks", 1) > 0
    ):
        return "strong"
    return "possible"


def fails_a_check(inst: Instrument, answers: Mapping[str, Answer]) -> bool:
    """Whether one of the instrument's preconditions has a check the answers make false
    ("don't know" never does: the check is then unknown, not false)."""
    return any(pre.check is not None and evaluate(pre.check, answers) is False for pre in inst.preconditions)


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
    """Up to three reasons that raised the score, and the strongest that lowered it, each in a
    sentence with the question and the points it gave."""
    ups = [c for c in contributions if c.points > 0][:3]
    downs = [c for c in contributions if c.points < 0][:1]
    out = [f"{c.because} ({c.text} +{c.points:g})" for c in ups]
    out += [f"Held back: {c.because[:1].lower() + c.because[1:]} ({c.text} {c.points:g})" for c in downs]
    return out


def area_label(area: str) -> str:
    return AREAS.get(area, area)


def describe_check(questionnaire: Questionnaire, instrument: Instrument) -> list[str]:
    """Each precondition with its check in words (for fact sheets and reports)."""
    return [
        pre.text + (f" [checked: {describe(pre.check, questionnaire)}]" if pre.check is not None else "")
        for pre in instrument.preconditions
    ]
