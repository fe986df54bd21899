"""Answers: normalising values, question visibility, and the answers file.

An answers file is YAML::

    questionnaire: core
    programme: {name: ..., country: ..., date: 2026-11-23}
    answers:
      programme_type: [bds_m4p, access_to_finance]   # multiple: a list (or one value)
      budget: 100k_to_1m                             # single: one value
      cofinancing: yes                               # boolean: yes / no
      trust: dont_know                               # where the question allows "don't know"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fileio, vocab
from .conditions import evaluate
from .errors import DataError, Problem
from .loader import MAX_PROBLEMS, cap_problems, field_name, line_of, short_repr, text_of
from .models import AnswersFile, Programme, Question, Questionnaire
from .serialize import to_data
from .suggest import did_you_mean

Value = str | list[str]


def normalise(question: Question, raw: Any) -> Value:
    """Check one raw answer against its question; raise ValueError with a plain message."""
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
        return sorted(set(values), key=order.__getitem__)
    if isinstance(raw, list):
        raise ValueError(f"a {question.type} question takes one value, not a list")
    return one(raw)


def asked(questionnaire: Questionnaire, answers: Mapping[str, Value], unanswered: list[str]) -> list[Question]:
    """The questions whose condition holds, in order, answered or not."""
    return [q for q in questionnaire.questions if q.id in answers or q.id in unanswered]


def is_visible(question: Question, answers: dict[str, Value]) -> bool:
    return question.when is None or evaluate(question.when, answers) is True


@dataclass
class Resolved:
    """Answers that count (visible questions only), plus what was set aside and why."""

    answers: dict[str, Value]
    ignored: list[str] = field(default_factory=list)  # answered, but the question's condition is not met
    unanswered: list[str] = field(default_factory=list)  # visible, but no answer

    def visible(self, questionnaire: Questionnaire) -> list[Question]:
        return asked(questionnaire, self.answers, self.unanswered)


def resolve(questionnaire: Questionnaire, raw: dict[str, Value]) -> Resolved:
    """Keep answers to questions whose conditions hold, in questionnaire order."""
    kept: dict[str, Value] = {}
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


def load_answers(path: Path, questionnaires: dict[str, Questionnaire]) -> tuple[AnswersFile, dict[str, Value]]:
    """Read an answers file; every problem is reported with file:line."""
    from .cache import DocumentCache, cache_dir, load_cached

    name = str(path)
    # Only regular files are cached: a pipe (`--answers <(...)`) is read once and gone.
    cache = DocumentCache(cache_dir() if path.is_file() else None, path)
    doc, _, source = load_cached(AnswersFile, path, name, cache)
    cache.save()
    text = text_of(source, name)
    if doc.questionnaire not in questionnaires:
        raise DataError(
            [
                Problem(
                    name,
                    line_of(text, ["questionnaire"]),
                    "questionnaire",
                    f"unknown questionnaire {doc.questionnaire!r}{did_you_mean(doc.questionnaire, questionnaires)}",
                )
            ]
        )
    questionnaire = questionnaires[doc.questionnaire]
    problems: list[Problem] = []
    values: dict[str, Value] = {}
    for qid, raw in doc.answers.items():
        if len(problems) > MAX_PROBLEMS:
            problems.append(Problem(name, None, "", ""))  # counted only; cap_problems reports the number
            continue
        where = ["answers", qid]
        question = questionnaire.question(str(qid))
        if question is None:
            ids = [q.id for q in questionnaire.questions]
            problems.append(
                Problem(name, line_of(text, where), field_name(where), f"unknown question{did_you_mean(str(qid), ids)}")
            )
            continue
        try:
            values[question.id] = normalise(question, raw)
        except ValueError as exc:
            problems.append(Problem(name, line_of(text, where), field_name(where), str(exc)))
    if problems:
        raise DataError(cap_problems(problems, name))
    return doc, values


def dump_answers(questionnaire: Questionnaire, programme: Programme, answers: dict[str, Value]) -> str:
    """The answers file text, questions in questionnaire order with their text as comments."""
    import yaml

    lines = [
        "# migdev answers file: replay with `migdev assess --answers FILE`",
        yaml.safe_dump({"questionnaire": questionnaire.id}, sort_keys=False).strip(),
    ]
    prog = {k: v for k, v in to_data(programme).items() if v}
    if prog:
        lines.append(yaml.safe_dump({"programme": prog}, sort_keys=False, allow_unicode=True).rstrip())
    lines.append("answers:" if answers else "answers: {}")
    for question in questionnaire.questions:
        if question.id in answers:
            lines.append(f"  # {' '.join(question.text.split())}")
            entry = yaml.safe_dump({question.id: answers[question.id]}, sort_keys=False, allow_unicode=True)
            lines.extend("  " + line for line in entry.rstrip().splitlines())
    return "\n".join(lines) + "\n"


def save_answers(
    path: Path, questionnaire: Questionnaire, programme: Programme, answers: dict[str, Value], force: bool = False
) -> None:
    fileio.write_atomic(path, dump_answers(questionnaire, programme, answers), force=force)
