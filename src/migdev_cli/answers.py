"""Answers: normalising values and question visibility. Pure: no file is read or written
here (the answers file is read and written by :mod:`migdev_cli.answers_file`).

An answers file is YAML::

    questionnaire: core
    programme: {name: ..., country: ..., date: 2026-11-23}
    answers:
      programme_type: [bds_m4p, access_to_finance]   # multiple: a list (or one value)
      budget: 100k_to_1m                             # single: one value
      cofinancing: yes                               # boolean: yes / no
      trust: dont_know                               # where the question allows "don't know"

Inside the program an answer has one form, :data:`Answer`: a tuple of the chosen values, in the
questionnaire's order (a single or boolean question's answer is a 1-tuple; "don't know" is
``(DONT_KNOW,)``). Values arrive as one value or a list only at the edges (the answers file, the
interview's prompts, survey tables): :func:`normalise` checks them and gives an Answer. They
leave as one value or a list only at the edges too (the answers file, JSON, reports):
:func:`to_plain` gives back that form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import vocab
from .conditions import evaluate
from .escaping import short_repr
from .models import Answer as Answer  # defined with the models; this module converts it at the edges
from .questionnaire_models import Question, Questionnaire
from .suggest import did_you_mean

Plain = str | list[str]  # an answer as files and JSON write it: one value, or a list for a multiple question


def as_answer(raw: str | Iterable[str]) -> Answer:
    """An Answer from one value or several, unchecked (for values already valid: see :func:`normalise`)."""
    return (raw,) if isinstance(raw, str) else tuple(raw)


def as_answers(raw: Mapping[str, str | Iterable[str]]) -> dict[str, Answer]:
    """:func:`as_answer` of every value of a mapping."""
    return {qid: as_answer(value) for qid, value in raw.items()}


def to_plain(question: Question, answer: Answer) -> Plain:
    """An answer as files and JSON write it: a list for a multiple question, else its one value."""
    return list(answer) if question.type == "multiple" else answer[0]


def plain_answers(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> dict[str, Plain]:
    """:func:`to_plain` of every answer, in the mapping's order."""
    questions = {q.id: q for q in questionnaire.questions}
    return {qid: to_plain(questions[qid], answer) for qid, answer in answers.items()}


def normalise(question: Question, raw: Any) -> Answer:
    """Check one raw answer (as a file, a prompt or a survey table gives it: one value, or a list
    for a multiple question) against its question and give it as an Answer; raise ValueError
    with a plain message."""
    allowed = question.values
    _or_dont_know = f" or answer {vocab.DONT_KNOW}" if question.allow_dont_know else ""

    def one(item: Any) -> str:
        if isinstance(item, bool):
            item = "yes" if item else "no"
        if isinstance(item, (int, float)):
            item = str(item)
        if item is None:
            raise ValueError(f"no answer (empty or null); leave the question out{_or_dont_know}")
        if not isinstance(item, str):
            kind = {"dict": "a mapping", "list": "a list"}.get(type(item).__name__, type(item).__name__)
            raise ValueError(f"expected a choice value, found {kind}")
        item = item.strip()
        if question.type == "boolean":
            item = {"true": "yes", "false": "no", "y": "yes", "n": "no"}.get(item.lower(), item.lower())
        if item not in allowed:
            raise ValueError(
                f"unknown choice {short_repr(item)}{did_you_mean(item, allowed)}; choices: {', '.join(allowed)}"
            )
        return item

    if question.type == "multiple":
        items = raw if isinstance(raw, list) else [raw]
        if not items:
            raise ValueError("choose at least one value")
        values = [one(i) for i in items]
        error = question.combination_error(list(dict.fromkeys(values)))
        if error:
            raise ValueError(error)
        order = {v: i for i, v in enumerate(allowed)}
        return tuple(sorted(set(values), key=order.__getitem__))
    if isinstance(raw, list):
        raise ValueError(f"a {question.type} question takes one value, not a list")
    return (one(raw),)


def asked(questionnaire: Questionnaire, answers: Mapping[str, Answer], unanswered: list[str]) -> list[Question]:
    """The questions whose condition holds, in order, answered or not."""
    return [q for q in questionnaire.questions if q.id in answers or q.id in unanswered]


def is_visible(question: Question, answers: dict[str, Answer]) -> bool:
    return question.when is None or evaluate(question.when, answers) is True


@dataclass
class Resolved:
    """Answers that count (visible questions only), plus what was set aside and why."""

    answers: dict[str, Answer]
    ignored: list[str] = field(default_factory=list)  # answered, but the question's condition is not met
    unanswered: list[str] = field(default_factory=list)  # visible, but no answer

    def visible(self, questionnaire: Questionnaire) -> list[Question]:
        return asked(questionnaire, self.answers, self.unanswered)


def resolve(questionnaire: Questionnaire, raw: dict[str, Answer]) -> Resolved:
    """Keep answers to questions whose conditions hold, in questionnaire order."""
    kept: dict[str, Answer] = {}
    resolved = Resolved(kept)
    for question in questionnaire.questions:
        if not is_visible(question, kept):
            if question.id in raw:
                resolved.ignored.append(question.id)
            continue
        if question.id in raw:
            kept[question.id] = raw[question.id]
        else:
            resolved.unanswered.append(question.id)
    return resolved


def ignored_warnings(questionnaire: Questionnaire, resolved: Resolved, file: str = "answers") -> list[str]:
    out = []
    for qid in resolved.ignored:
        q = questionnaire.question(qid)
        assert q is not None and q.when is not None
        from .conditions import describe

        out.append(f"{file}: answer to {qid!r} ignored: it is only asked when {describe(q.when, questionnaire)}")
    return out
