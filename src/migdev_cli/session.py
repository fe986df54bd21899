"""The interactive assessment: questions one by one, saved after every answer.

An unfinished assessment lives in the state directory (``MIGDEV_STATE_DIR``, else
``$XDG_STATE_HOME/migdev`` or ``~/.local/state/migdev``) as an ordinary answers file, so
``migdev assess --resume`` continues where it stopped and nothing typed is lost.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .answers import Value, dump_answers, load_answers, resolve
from .errors import DataError, Interrupted, MigdevError, NoTerminal
from .escaping import visible
from .fileio import write_atomic
from .models import Programme, Question, Questionnaire
from .vocab import DONT_KNOW, DONT_KNOW_LABEL


def state_dir() -> Path:
    if os.environ.get("MIGDEV_STATE_DIR"):
        return Path(os.environ["MIGDEV_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "migdev"


def session_path(questionnaire_id: str) -> Path:
    return state_dir() / f"session-{questionnaire_id}.yaml"


def _save(path: Path, questionnaire: Questionnaire, programme: Programme, values: dict[str, Value]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, dump_answers(questionnaire, programme, values), force=True)


def _load(path: Path, questionnaire: Questionnaire) -> tuple[Programme, dict[str, Value]]:
    try:
        doc, values = load_answers(path, {questionnaire.id: questionnaire})
    except DataError as exc:
        raise MigdevError(f"the saved assessment {path} cannot be read ({exc.lines()[0]}); fix or delete it") from None
    return doc.programme, values


class Prompter:
    """Asks one question with questionary (arrow keys); Ctrl-C raises KeyboardInterrupt."""

    def __init__(self) -> None:
        import questionary
        from rich.console import Console

        self.q = questionary
        self.out = Console(highlight=False)

    def header(self, text: str) -> None:
        from rich.text import Text

        self.out.print(Text(visible(text), style="bold cyan"))

    def note(self, text: str) -> None:
        from rich.text import Text

        self.out.print(Text(visible(text), style="dim"))

    def text(self, message: str, default: str = "") -> str:
        return str(self.q.text(message, default=default).unsafe_ask() or "").strip()

    def confirm(self, message: str, default: bool = True) -> bool:
        return bool(self.q.confirm(message, default=default).unsafe_ask())

    def ask(self, question: Question, current: Value | None) -> Value | None:
        Choice = self.q.Choice
        options = [
            Choice(title=visible(c.label, keep=""), value=c.value, description=c.help and visible(c.help, keep=""))
            for c in question.choices
        ]
        if question.allow_dont_know:
            options.append(Choice(title=DONT_KNOW_LABEL, value=DONT_KNOW))
        if question.type == "multiple":
            chosen = set(current if isinstance(current, list) else [current] if current else [])
            for option in options:
                option.checked = option.value in chosen

            def check(selection: list[str]) -> bool | str:
                error = question.combination_error(selection)
                if error:
                    return error
                if question.required and not selection:
                    return "Choose at least one (Space to tick, Enter to confirm)"
                return True

            picked = self.q.checkbox(
                visible(question.text, keep=""),
                choices=options,
                validate=check,
                instruction="(Space to tick, Enter to confirm)",
            ).unsafe_ask()
            return [str(o.value) for o in options if o.value in picked] or None
        default = current if isinstance(current, str) and current in question.values else None
        return self.q.select(
            visible(question.text, keep=""), choices=options, default=default, instruction="(arrow keys, Enter)"
        ).unsafe_ask()

    def pick(self, message: str, options: list[tuple[str, str]]) -> str:
        Choice = self.q.Choice
        return self.q.select(
            message, choices=[Choice(title=visible(t, keep=""), value=v) for t, v in options]
        ).unsafe_ask()


def _ask_all(
    prompter: Prompter,
    questionnaire: Questionnaire,
    programme: Programme,
    values: dict[str, Value],
    path: Path,
    skipped: set[str],
    only: list[str] | None = None,
) -> None:
    """Ask every visible question not yet answered or skipped (or exactly ``only``), saving after each."""
    sections = questionnaire.sections
    while True:
        visible = resolve(questionnaire, values).visible(questionnaire)
        if only is not None:
            pending = [q for q in visible if q.id in only]
        else:
            pending = [q for q in visible if q.id not in values and q.id not in skipped]
        if not pending:
            return
        question = pending[0]
        section = questionnaire.section_of(question.id)
        prompter.header(
            f"{section.title} (section {sections.index(section) + 1} of {len(sections)})"
            f" - question {visible.index(question) + 1} of {len(visible)}"
        )
        prompter.note(question.help)
        answer = prompter.ask(question, values.get(question.id))
        if answer is None:  # an optional question left empty
            values.pop(question.id, None)
            skipped.add(question.id)
        else:
            values[question.id] = answer
            skipped.discard(question.id)
        _save(path, questionnaire, programme, values)
        if only is not None:
            only.remove(question.id)


def _label(question: Question, value: Value | None) -> str:
    if value is None:
        return "(not answered)"
    items = value if isinstance(value, list) else [value]
    return ", ".join(question.label_of(v) for v in items)


def run_interactive(questionnaire: Questionnaire, *, resume: bool) -> tuple[Programme, dict[str, Value]]:
    """Run the interview in a terminal; returns the programme and the answers that count."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise NoTerminal(
            "no interactive terminal: run `migdev assess --answers FILE` instead "
            "(`migdev questionnaire show` lists the questions and choice values)"
        )
    path = session_path(questionnaire.id)
    prompter = Prompter()
    programme, values = Programme(), dict[str, Value]()
    if resume:
        if not path.exists():
            raise MigdevError(f"nothing to resume: no interrupted assessment in {path.parent}")
        programme, values = _load(path, questionnaire)
        prompter.note(f"Resuming: {len(values)} answers restored from {path}")
    elif path.exists():
        saved_programme, saved = _load(path, questionnaire)
        try:
            again = prompter.confirm(
                f"An unfinished assessment with {len(saved)} answers exists ({path}). Resume it?", True
            )
        except KeyboardInterrupt:
            raise Interrupted("Interrupted; the unfinished assessment is kept.") from None
        if again:
            programme, values = saved_programme, saved
    try:
        if programme.name is None:
            prompter.header("About the programme (for the report title)")
            name = prompter.text("Programme name:")
            country = prompter.text("Country of origin covered:")
            date = prompter.text("Date of the assessment:", _dt.date.today().isoformat())
            programme = Programme(name=name or None, country=country or None, date=date or None)
            _save(path, questionnaire, programme, values)
        skipped: set[str] = set()
        _ask_all(prompter, questionnaire, programme, values, path, skipped)
        while True:
            visible = resolve(questionnaire, values).visible(questionnaire)
            options = [("Show the results", "")] + [
                (f"{q.text}  ->  {_label(q, values.get(q.id))}", q.id) for q in visible
            ]
            choice = prompter.pick("Review your answers: pick one to change, or show the results", options)
            if not choice:
                break
            _ask_all(prompter, questionnaire, programme, values, path, skipped, only=[choice])
            _ask_all(prompter, questionnaire, programme, values, path, skipped)
    except KeyboardInterrupt:
        _save(path, questionnaire, programme, values)
        raise Interrupted(
            f"Interrupted. {len(values)} answers are saved in {path}; continue with `migdev assess --resume`."
        ) from None
    final = resolve(questionnaire, values).answers
    done = path.with_name(f"last-{questionnaire.id}.yaml")
    _save(done, questionnaire, programme, final)
    path.unlink(missing_ok=True)
    prompter.note(f"Your answers are kept in {done}")
    return programme, final


def offer_save(
    result: Any,
    catalog: Any,
    questionnaire: Questionnaire,
    programme: Programme,
    values: dict[str, Value],
    saved_to: Path | None,
) -> None:
    """After the results: offer to save the answers and to export the report."""
    prompter = Prompter()
    answers_file: str | None = str(saved_to) if saved_to else None
    try:
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
        if prompter.confirm("Export the recommendations as a Markdown report?", True):
            export_interactively(result, catalog, questionnaire, programme, answers_file, prompter)
    except KeyboardInterrupt:
        raise Interrupted("Interrupted; your answers are kept in " + str(state_dir())) from None


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
    from .export import DEFAULT_OUTPUT, build_report, format_for, render, write_report

    prompter = prompter or Prompter()
    report = build_report(result, catalog, questionnaire, programme, answers_file)
    path = write_to_chosen_path(
        prompter,
        "Write the report to (.json for JSON; empty to skip):",
        DEFAULT_OUTPUT,
        lambda target, force: write_report(target, render(report, format_for(target)), force),
    )
    if path is not None:
        prompter.note(f"Report written to {path}")
