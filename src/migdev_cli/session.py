"""The interactive assessment: the programme's details, then the questions one by one (back
and forward), a review screen, and after the results the offers to save the answers and write
the report.

Every answer is saved as soon as it is given (:mod:`migdev_cli.interview_state`), so
``migdev assess --resume`` continues where an interruption stopped. An unfinished interview
the user chose not to resume is kept until the new one saves its first answer (or the
programme's name).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .answers import Answer, resolve
from .answers_file import dump_answers
from .conditions import evaluate, questions_in
from .errors import Interrupted, MigdevError
from .fileio import write_atomic
from .interview_state import interrupted, load_session, save_session, session_path, terminate_as_interrupt
from .models import Programme
from .prompts import BACK, GO_BACK, KEYS, Prompter, answer_text
from .questionnaire_models import Question, Questionnaire


def to_ask(questionnaire: Questionnaire, values: dict[str, Answer], skipped: set[str]) -> list[Question]:
    """The questions the interview asks with these answers: the visible ones, and those whose
    condition waits on a question still to be answered. Progress counts these."""
    kept = resolve(questionnaire, values).answers
    out: list[Question] = []
    coming: set[str] = set()  # visible, not answered nor skipped
    for question in questionnaire.questions:
        if question.when is None:
            shown = True
        else:
            result = evaluate(question.when, kept)
            shown = result is True or (result is None and any(q in coming for q in questions_in(question.when)))
        if shown:
            out.append(question)
            if question.id not in kept and question.id not in skipped:
                coming.add(question.id)
    return out


_PROGRAMME_FIELDS = {
    "name": "Programme name:",
    "country": "Country of origin covered:",
    "date": "Date of the assessment:",
}


def _ask_programme(
    prompter: Prompter,
    programme: Programme,
    fields: list[str] | None = None,
    save: Callable[[Programme], None] | None = None,
) -> Programme | None:
    """Ask the programme's details (or only ``fields``); Esc goes back a field. None: back from the first.
    ``save`` keeps each detail as soon as it is typed (an interruption before the last loses none)."""
    fields = fields or list(_PROGRAMME_FIELDS)
    data = {"name": programme.name, "country": programme.country, "date": programme.date}
    if data["date"] is None:
        data["date"] = _dt.date.today().isoformat()
    if len(fields) > 1:
        prompter.header("About the programme (for the report title)")
        prompter.note("Enter: confirm  Esc: back a field  Ctrl-C: stop (answers kept)")
    i = 0
    while i < len(fields):
        answer = prompter.text(_PROGRAMME_FIELDS[fields[i]], data[fields[i]] or "", back=True)
        if answer == BACK:
            if i == 0:
                return None
            i -= 1
            continue
        data[fields[i]] = answer or None
        if save is not None and answer:  # the fields not reached yet keep what they had
            later = {f: getattr(programme, f) for f in fields[i + 1 :]}
            save(Programme(**{**data, **later}))
        i += 1
    return Programme(**data)


class _Back(Exception):
    """Back from the first question: to the programme's details."""

    def __init__(self, furthest: str) -> None:
        super().__init__(furthest)
        self.furthest = furthest  # where the user first went back


def _ask_all(
    prompter: Prompter,
    questionnaire: Questionnaire,
    programme: Programme,
    values: dict[str, Answer],
    path: Path,
    skipped: set[str],
    only: list[str] | None = None,
    start: str | None = None,
    furthest: str | None = None,
) -> None:
    """Ask every visible question not yet answered or skipped (or exactly ``only``), saving after each.

    Back goes to the previous visible question; from there the interview steps forward through
    the questions already answered until it reaches the one where the user went back. Back from
    the first question raises :class:`_Back`; back from a question picked on the review screen
    returns to the review. ``start`` and ``furthest`` step forward from ``start`` in the same way.
    """
    sections = questionnaire.sections
    order = {q.id: n for n, q in enumerate(questionnaire.questions)}
    target = start  # the question to show next (after going back, or stepping forward)
    while True:
        shown = resolve(questionnaire, values).visible(questionnaire)
        if only is not None:
            pending = [q for q in shown if q.id in only]
        else:
            pending = [q for q in shown if q.id not in values and q.id not in skipped]
        by_id = {q.id: q for q in shown}
        if target in by_id:
            question = by_id[target]
        elif pending:
            question = pending[0]
        else:
            return
        section = questionnaire.section_of(question.id)
        counted = to_ask(questionnaire, values, skipped)
        prompter.header(
            f"{section.title} (section {sections.index(section) + 1} of {len(sections)})"
            f" - question {counted.index(question) + 1} of {len(counted)}"
        )
        prompter.note(question.help)
        prompter.note(KEYS["multiple" if question.type == "multiple" else "single"])
        answer = prompter.ask(question, values.get(question.id))
        if answer == GO_BACK:
            if only is not None:
                return
            before = [q for q in shown if order[q.id] < order[question.id]]
            if furthest is None or order[question.id] > order[furthest]:
                furthest = question.id
            if not before:
                raise _Back(furthest)
            target = before[-1].id
            continue
        if answer is None:  # an optional question left empty
            values.pop(question.id, None)
            skipped.add(question.id)
        else:
            values[question.id] = answer
            skipped.discard(question.id)
        save_session(path, questionnaire, programme, values)
        if only is not None:
            only.remove(question.id)
            continue
        target = None
        if furthest is not None:
            shown = resolve(questionnaire, values).visible(questionnaire)
            after = [q for q in shown if order[q.id] > order[question.id]]
            if after and order[after[0].id] < order[furthest]:
                target = after[0].id
            else:
                furthest = None


def run_interactive(questionnaire: Questionnaire, *, resume: bool) -> tuple[Programme, dict[str, Answer]]:
    """Run the interview in a terminal (inside :func:`interview_held`); returns the programme and
    the answers that count.

    The unfinished assessment stays in the state directory until :func:`complete` is called,
    so Ctrl-C at any point, the save prompts included, leaves it for ``--resume``.
    """
    with terminate_as_interrupt():
        return _interview(questionnaire, session_path(questionnaire.id), resume)


def _interview(questionnaire: Questionnaire, path: Path, resume: bool) -> tuple[Programme, dict[str, Answer]]:
    prompter = Prompter()
    programme = Programme()
    values: dict[str, Answer] = {}
    # An unfinished interview the user chose not to resume is kept until this one saves something.
    keep_old = False

    def save(details: Programme) -> None:
        nonlocal keep_old, programme
        programme = details
        save_session(path, questionnaire, programme, values)
        keep_old = False

    if resume:
        if not path.exists():
            raise MigdevError(f"nothing to resume: no interrupted assessment in {path.parent}")
        programme, values = load_session(path, questionnaire)
        prompter.note(f"Resuming: {len(values)} answers restored from {path}")
    elif path.exists():
        saved_programme, saved = load_session(path, questionnaire)
        try:
            again = prompter.confirm(
                f"An unfinished assessment with {len(saved)} answers exists ({path}). Resume it? "
                "(No: start afresh; it is replaced once you answer)",
                True,
            )
        except KeyboardInterrupt:
            raise Interrupted(
                "Interrupted; the unfinished assessment is kept: continue with `migdev assess --resume`."
            ) from None
        if again:
            programme, values = saved_programme, saved
        else:
            keep_old = True
    try:
        skipped: set[str] = set()
        # the details are asked when the name is missing, or when an interruption came before the country and date
        details_missing = programme.country is None and programme.date is None and not values
        ask_details, start, furthest = programme.name is None or details_missing, None, None
        while True:
            if ask_details:
                details = _ask_programme(prompter, programme, save=save)
                if details is not None:  # None: Esc at the first field, nothing typed
                    save(details)
            try:
                _ask_all(prompter, questionnaire, programme, values, path, skipped, start=start, furthest=furthest)
                break
            except _Back as back:  # from the first question to the programme's details, then forward again
                ask_details, furthest = True, back.furthest
                start = questionnaire.questions[0].id
        while True:
            shown = resolve(questionnaire, values).visible(questionnaire)
            options = [("Show the results", "")]
            options += [
                (f"{label} {getattr(programme, key) or '(none)'}", f"\x00{key}")
                for key, label in _PROGRAMME_FIELDS.items()
            ]
            options += [(f"{q.text}  ->  {answer_text(q, values.get(q.id))}", q.id) for q in shown]
            choice = prompter.pick("Review your answers: pick one to change, or show the results", options)
            if not choice:
                break
            if choice.startswith("\x00"):
                details = _ask_programme(prompter, programme, [choice[1:]])
                if details is not None:
                    save(details)
                continue
            try:
                _ask_all(prompter, questionnaire, programme, values, path, skipped, only=[choice])
                _ask_all(prompter, questionnaire, programme, values, path, skipped)
            except _Back:  # back past the first question: to this review screen
                continue
    except KeyboardInterrupt:
        if keep_old and not values and programme == Programme():
            raise Interrupted(
                f"Interrupted; the unfinished assessment in {path} is kept (continue it with `migdev assess --resume`)."
            ) from None
        save_session(path, questionnaire, programme, values)
        raise interrupted(path, values) from None
    final = resolve(questionnaire, values).answers
    done = path.with_name(f"last-{questionnaire.id}.yaml")
    save_session(done, questionnaire, programme, final)
    prompter.note(f"Your answers are kept in {done}")
    return programme, final


def offer_save(
    result: Any,
    catalog: Any,
    questionnaire: Questionnaire,
    programme: Programme,
    values: dict[str, Answer],
    saved_to: Path | None,
    show_details: Callable[[], None] | None = None,
) -> None:
    """After the results' first screen: offer the details (``show_details``, in a pager), then to
    save the answers and to export the report."""
    prompter = Prompter()
    answers_file: str | None = str(saved_to) if saved_to else None
    with terminate_as_interrupt():
        _offer(prompter, result, catalog, questionnaire, programme, values, saved_to, answers_file, show_details)


def _offer(
    prompter: Prompter,
    result: Any,
    catalog: Any,
    questionnaire: Questionnaire,
    programme: Programme,
    values: dict[str, Answer],
    saved_to: Path | None,
    answers_file: str | None,
    show_details: Callable[[], None] | None = None,
) -> None:
    try:
        if show_details is not None and prompter.confirm(
            "Show the details (why each ranks where it does, what was excluded, what the result depends on)?", True
        ):
            show_details()
        if saved_to is None and prompter.confirm("Save your answers to a file?", True):
            text = dump_answers(questionnaire, programme, values)
            saved = write_to_chosen_path(
                prompter,
                "Save the answers to (empty to skip):",
                "migdev-answers.yaml",
                lambda path, force: write_atomic(path, text, force=force),
            )
            if saved is not None:
                prompter.note(f"Saved. Replay with: migdev assess --answers {saved}")
                answers_file = str(saved)
        if prompter.confirm("Write the recommendations report (Markdown, Word or JSON)?", True):
            export_interactively(result, catalog, questionnaire, programme, answers_file, prompter)
    except KeyboardInterrupt:
        raise interrupted(session_path(questionnaire.id), values) from None


def write_to_chosen_path(
    prompter: Prompter, message: str, default: str, write: Callable[[Path, bool], None]
) -> Path | None:
    """Ask for a file name until ``write(path, force)`` succeeds; an empty answer skips.

    A directory asks again; an existing file is overwritten only after a confirmation; a
    write that fails is reported and asks again.
    """
    while True:
        answer = prompter.text(message, default)
        if not answer:
            return None
        path = Path(answer).expanduser()
        if path.is_dir():
            prompter.note(f"{path} is a directory; give a file name.")
            default = str(path / Path(default).name)
            continue
        force = path.exists() and prompter.confirm(f"{path} already exists. Overwrite it?", False)
        if path.exists() and not force:
            default = str(path)
            continue
        try:
            write(path, force)
        except MigdevError as exc:
            prompter.note(f"error: {exc}")
            default = str(path)
            continue
        return path


def export_interactively(
    result: Any,
    catalog: Any,
    questionnaire: Questionnaire,
    programme: Programme | None,
    answers_file: str | None,
    prompter: Prompter | None = None,
) -> None:
    """Ask where to write the report (``.json`` gives JSON) and write it; an empty answer skips."""
    from .export import DEFAULT_OUTPUT, format_for, require, write_report_files
    from .report import build_report

    prompter = prompter or Prompter()
    report = build_report(result, catalog, questionnaire, programme, answers_file)

    def write(target: Path, force: bool) -> None:
        """The same files as `migdev export -o NAME`: Word, JSON, or Markdown with its chart beside it."""
        fmt = format_for(target)
        require(fmt)
        write_report_files(report, target, fmt, force)

    path = write_to_chosen_path(
        prompter,
        "Write the report to (.docx for Word, .json for JSON; empty to skip):",
        DEFAULT_OUTPUT,
        write,
    )
    if path is not None:
        prompter.note(f"Report written to {path}")
