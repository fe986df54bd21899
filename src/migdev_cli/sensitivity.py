"""The sensitivity check: how far the recommendation depends on single answers (pure, deterministic).

Method step 7 (also in docs/method.md): every other value of every single answer is tried; the
changes that would alter the package or push an instrument out of the top 3 are reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .answers import Answer, resolve
from .assessment import Assessment, Change, Sensitivity, answer_label
from .questionnaire_models import Question, Questionnaire
from .vocab import DONT_KNOW

# The top ids (rank <= 3) and the package ids for some answers (Scorer's fast path).
Outcome = Callable[[Mapping[str, Answer]], tuple[list[str], list[str]]]


def alternatives(question: Question, current: Answer | None) -> list[Answer]:
    """Every answer that differs from ``current`` in one choice."""
    values = [c.value for c in question.choices]
    if question.type != "multiple":
        return [(v,) for v in values if (v,) != current]
    alone = set(question.exclusive_values)
    chosen = set(current) - {DONT_KNOW} if current is not None else set()
    out: list[Answer] = []
    for v in values:
        if v in chosen:
            changed = chosen - {v}  # untick it
        elif v in alone:
            changed = {v}  # a choice that must stand alone replaces the rest
        else:
            changed = (chosen - alone) | {v}
        if changed and question.combination_error(sorted(changed)) is None:
            out.append(tuple(x for x in values if x in changed))  # never more ticked than allowed
    return out


def check_sensitivity(
    questionnaire: Questionnaire, raw: Mapping[str, Answer], result: Assessment, outcome: Outcome
) -> Sensitivity:
    """Try every other value of every single answer. A change counts when an instrument drops
    out of the package or out of the top 3 (a tied instrument joining, or a fourth instrument
    joining the package, does not)."""
    top = result.top_ids()
    package = [p.id for p in result.package]
    changes: list[Change] = []
    tried = 0
    weight: dict[str, int] = {}
    visible = resolve(questionnaire, dict(raw)).visible(questionnaire)
    for question in visible:
        current = result.answers.get(question.id)
        for alternative in alternatives(question, current):
            tried += 1
            top_after, package_after = outcome({**raw, question.id: alternative})
            alters = bool(set(package) - set(package_after))  # a recommended instrument drops out
            if alters or set(top) - set(top_after):
                weight[question.id] = weight.get(question.id, 0) + (2 if alters else 1)
                changes.append(
                    Change(
                        question=question.id,
                        text=question.name,
                        answer=answer_label(question, current) if current is not None else "(not answered)",
                        alternative=answer_label(question, alternative),
                        alternative_value=alternative,
                        top_after=top_after,
                        package_after=package_after,
                        alters_package=alters,
                    )
                )
    order = sorted(weight, key=lambda q: (-weight[q], q))[:3]
    names = {q.id: q.name for q in questionnaire.questions}
    return Sensitivity(
        top=top,
        changes=changes,
        package=package,
        tried=tried,
        decisive=order,
        decisive_names=[names[q] for q in order],
    )
