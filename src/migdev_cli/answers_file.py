"""The answers file: reading it (through the loader and the cache) and writing it.

Everything written here reads back: question text in comments is escaped so that no
character YAML refuses (or reads as a line break) reaches the file, and values are written
by PyYAML's safe dumper, which quotes and escapes whatever needs it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from . import fileio
from .answers import Answer, normalise, to_plain
from .cache import DocumentCache, cache_dir
from .errors import DataError, Problem
from .escaping import visible
from .loader import load_file
from .models import AnswersFile, Programme
from .problems import MAX_PROBLEMS, cap_problems, field_name, line_of
from .questionnaire_models import Questionnaire
from .serialize import to_data
from .suggest import did_you_mean

# Characters YAML does not allow in a comment, or reads as a line break there.
_NOT_IN_COMMENT = re.compile("[^\t\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


def answer_values(
    doc: AnswersFile, questionnaires: dict[str, Questionnaire], source: str | bytes, name: str
) -> dict[str, Answer]:
    """The answers of a validated answers file checked against its questionnaire, or DataError
    naming every problem with its line (the file's text is decoded only when there is one)."""
    text = functools.cache(lambda: fileio.text_of(source, name))
    if doc.questionnaire not in questionnaires:
        raise DataError(
            [
                Problem(
                    name,
                    line_of(text(), ["questionnaire"]),
                    "questionnaire",
                    f"unknown questionnaire {doc.questionnaire!r}{did_you_mean(doc.questionnaire, questionnaires)}",
                )
            ]
        )
    questionnaire = questionnaires[doc.questionnaire]
    problems: list[Problem] = []
    values: dict[str, Answer] = {}
    for qid, raw in doc.answers.items():
        if len(problems) > MAX_PROBLEMS:
            problems.append(Problem(name, None, "", ""))  # counted only; cap_problems reports the number
            continue
        where = ["answers", qid]
        question = questionnaire.question(str(qid))
        if question is None and str(qid) in questionnaire.retired:
            continue  # a dropped question of an earlier version: see retired_warnings
        if question is None:
            ids = [q.id for q in questionnaire.questions]
            problems.append(
                Problem(
                    name, line_of(text(), where), field_name(where), f"unknown question{did_you_mean(str(qid), ids)}"
                )
            )
            continue
        try:
            values[question.id] = normalise(question, raw)
        except ValueError as exc:
            problems.append(Problem(name, line_of(text(), where), field_name(where), str(exc)))
    if problems:
        raise DataError(cap_problems(problems, name))
    return values


def retired_warnings(questionnaire: Questionnaire, given: Any, file: str = "answers") -> list[str]:
    """One warning per answer to a question the questionnaire has dropped (it is set aside)."""
    return [
        f"{file}: answer to {qid!r} ignored: {questionnaire.retired[qid]}"
        for qid in (given or {})
        if str(qid) in questionnaire.retired
    ]


def load_answers(path: Path, questionnaires: dict[str, Questionnaire]) -> tuple[AnswersFile, dict[str, Answer]]:
    """Read an answers file; every problem is reported with file:line. The file is cached only
    once its answers fit the questionnaire."""
    name = str(path)
    # Only regular files are cached: a pipe (`--answers <(...)`) is read once and gone.
    cache = DocumentCache(cache_dir() if path.is_file() else None, path)
    values: dict[str, Answer] = {}

    def check(doc: Any, source: str | bytes) -> None:
        values.update(answer_values(doc, questionnaires, source, name))

    doc, _, _ = load_file(AnswersFile, path, name, cache, check, regular_only=False)
    cache.save()
    return doc, values


def comment(text: str) -> str:
    """Text for a one-line YAML comment: whitespace runs joined, and every character YAML
    refuses in a comment (or reads as a line break), or a terminal would act on, escaped."""
    shown = visible(" ".join(text.split()), keep="")
    return _NOT_IN_COMMENT.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)


# Line breaks YAML knows besides \n and \r: PyYAML writes them raw in a single-quoted or plain
# scalar, where reading folds them into a space; in double quotes it escapes them.
_UNICODE_BREAKS = ("\x85", "\u2028", "\u2029")


def _yaml(data: dict[str, Any]) -> str:
    """``data`` as YAML that reads back to the same values (see _UNICODE_BREAKS)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = '"' if any(b in value for b in _UNICODE_BREAKS) else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True)


def dump_answers(questionnaire: Questionnaire, programme: Programme, answers: dict[str, Answer]) -> str:
    """The answers file text, questions in questionnaire order with their text as comments."""
    lines = [
        "# migdev answers file: replay with `migdev assess --answers FILE`",
        _yaml({"questionnaire": questionnaire.id}).strip(),
    ]
    prog = {k: v for k, v in to_data(programme).items() if v}
    if prog:
        lines.append(_yaml({"programme": prog}).rstrip())
    lines.append("answers:" if answers else "answers: {}")
    for question in questionnaire.questions:
        if question.id in answers:
            lines.append(f"  # {comment(question.text)}")
            entry = _yaml({question.id: to_plain(question, answers[question.id])})
            lines.extend("  " + line for line in entry.rstrip().splitlines())
    return "\n".join(lines) + "\n"


def save_answers(
    path: Path, questionnaire: Questionnaire, programme: Programme, answers: dict[str, Answer], force: bool = False
) -> None:
    fileio.write_atomic(path, dump_answers(questionnaire, programme, answers), force=force)
