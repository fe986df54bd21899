"""Evaluating and describing condition trees (pure functions).

Evaluation is three-valued: True, False, or None when an answer the condition needs is
missing, hidden or "don't know". Screening excludes an instrument only on False, so not
knowing never rules anything out.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

from .models import AllOf, Answer, AnyOf, Condition, Leaf, Not
from .questionnaire_models import Questionnaire
from .vocab import DONT_KNOW

Answers = Mapping[str, Answer]


def evaluate(condition: Condition, answers: Answers) -> bool | None:
    if isinstance(condition, Leaf):
        if condition.question not in answers:
            return None
        selected = set(answers[condition.question])
        if DONT_KNOW in selected and DONT_KNOW not in condition.values:
            return None
        if condition.equals is not None:
            return selected == {condition.equals}
        if condition.any_of is not None:
            return bool(selected & set(condition.any_of))
        if condition.all_of is not None:
            return set(condition.all_of) <= selected
        return not (selected & set(condition.none_of or []))
    if isinstance(condition, AllOf):
        results = [evaluate(c, answers) for c in condition.all]
        if False in results:
            return False
        return None if None in results else True
    if isinstance(condition, AnyOf):
        results = [evaluate(c, answers) for c in condition.any]
        if True in results:
            return True
        return None if None in results else False
    if isinstance(condition, Not):
        result = evaluate(condition.not_, answers)
        return None if result is None else not result
    raise TypeError(f"not a condition: {condition!r}")


def questions_in(condition: Condition) -> list[str]:
    if isinstance(condition, Leaf):
        return [condition.question]
    if isinstance(condition, AllOf):
        return [q for c in condition.all for q in questions_in(c)]
    if isinstance(condition, AnyOf):
        return [q for c in condition.any for q in questions_in(c)]
    if isinstance(condition, Not):
        return questions_in(condition.not_)
    raise TypeError(f"not a condition: {condition!r}")


def _at_least(condition: AnyOf) -> tuple[str, int, list[str]] | None:
    """(question, k, values) when the condition lists every k of those values as ``all_of`` tests
    on one question: "at least k of them are chosen"; None otherwise."""
    parts = condition.any
    if not all(isinstance(p, Leaf) and p.all_of for p in parts):
        return None
    leaves = [p for p in parts if isinstance(p, Leaf)]
    questions = {leaf.question for leaf in leaves}
    sizes = {len(leaf.all_of or []) for leaf in leaves}
    if len(questions) != 1 or len(sizes) != 1 or len(leaves) < 2:
        return None
    values = list(dict.fromkeys(v for leaf in leaves for v in leaf.all_of or []))
    k = sizes.pop()
    if {frozenset(leaf.all_of or []) for leaf in leaves} != {frozenset(c) for c in combinations(values, k)}:
        return None
    return questions.pop(), k, values


def describe(condition: Condition, questionnaire: Questionnaire | None = None) -> str:
    """The condition in words, using question texts and choice labels where known."""
    if isinstance(condition, Leaf):
        question = questionnaire.question(condition.question) if questionnaire else None
        name = f"'{question.text}'" if question else condition.question

        def label(v: str) -> str:
            return question.label_of(v) if question else v

        if condition.equals is not None:
            return f"{name} is '{label(condition.equals)}'"
        if condition.any_of is not None:
            return f"{name} is one of " + ", ".join(f"'{label(v)}'" for v in condition.any_of)
        if condition.all_of is not None:
            return f"{name} includes all of " + ", ".join(f"'{label(v)}'" for v in condition.all_of)
        return f"{name} is none of " + ", ".join(f"'{label(v)}'" for v in condition.none_of or [])
    if isinstance(condition, AllOf):
        return " and ".join(f"({describe(c, questionnaire)})" for c in condition.all)
    if isinstance(condition, AnyOf):
        least = _at_least(condition)
        if least is not None:
            qid, k, values = least
            question = questionnaire.question(qid) if questionnaire else None
            name = f"'{question.text}'" if question else qid
            if question is not None and set(values) == {c.value for c in question.choices}:
                return f"{name} has at least {k} choices ticked"
            labels = ", ".join(f"'{question.label_of(v) if question else v}'" for v in values)
            return f"{name} includes at least {k} of {labels}"
        return " or ".join(f"({describe(c, questionnaire)})" for c in condition.any)
    if isinstance(condition, Not):
        return f"not ({describe(condition.not_, questionnaire)})"
    raise TypeError(f"not a condition: {condition!r}")
