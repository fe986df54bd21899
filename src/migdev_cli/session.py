"""The interactive assessment: questions one by one, saved after every answer.

An unfinished assessment lives in the state directory (``MIGDEV_STATE_DIR``, else
``$XDG_STATE_HOME/migdev`` or ``~/.local/state/migdev``) as an ordinary answers file, so
``migdev assess --resume`` continues where it stopped and nothing typed is lost.

The state directory is private (created 0700, refused when another user owns it or others
may write to it) and holds one interview at a time: a second one is refused with the
process that holds it. An unfinished interview the user chose not to resume is kept until
the new one saves its first answer (or the programme's name). Ctrl-C, SIGINT from another
process, SIGTERM and SIGHUP all end the interview the same way: the terminal restored, what
was typed saved, exit 130.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .answers import Value, resolve
from .answers_file import dump_answers, load_answers
from .errors import DataError, Interrupted, MigdevError, NoTerminal
from .escaping import visible
from .fileio import private_dir_problem, write_atomic
from .models import Programme, Question, Questionnaire
from .vocab import DONT_KNOW, DONT_KNOW_LABEL


def state_dir() -> Path:
    if os.environ.get("MIGDEV_STATE_DIR"):
        return Path(os.environ["MIGDEV_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "migdev"


def session_path(questionnaire_id: str) -> Path:
    return state_dir() / f"session-{questionnaire_id}.yaml"


LOCK_NAME = "interview.lock"


@contextlib.contextmanager
def interview_lock(directory: Path) -> Iterator[None]:
    """Hold the state directory for one interview: refuse (MigdevError naming the process
    that holds it) while another runs. The lock goes with the process, however it ends."""
    problem = private_dir_problem(directory)
    if problem is not None:
        raise MigdevError(
            f"the state directory {visible(directory, keep='')} cannot be used: {problem}; "
            "set MIGDEV_STATE_DIR to a directory of your own"
        )
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no lock
        yield
        return
    path = directory / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as exc:
        raise MigdevError(f"cannot lock {visible(path, keep='')}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = visible(os.pread(fd, 200, 0).decode("utf-8", "replace").strip(), keep="") or "another process"
            raise MigdevError(
                f"another interview is running with the state directory {visible(directory, keep='')} "
                f"({holder}); finish it first, or set MIGDEV_STATE_DIR to another directory"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (and SIGHUP: the terminal was closed) during the interview end it like Ctrl-C:
    a prompt on screen is left cleanly (terminal restored), what was typed is saved."""

    def interrupt(signum: int, frame: Any) -> None:
        from prompt_toolkit.application import get_app_or_none

        app = get_app_or_none()
        if app is not None and app.is_running and not app.future.done():  # type: ignore[union-attr]
            app.exit(exception=KeyboardInterrupt, style="class:aborting")
        else:
            raise KeyboardInterrupt

    signals = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    try:
        previous = {signum: signal.signal(signum, interrupt) for signum in signals}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _save(path: Path, questionnaire: Questionnaire, programme: Programme, values: dict[str, Value]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, dump_answers(questionnaire, programme, values), force=True, mode=0o600)


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

    @staticmethod
    def _run(question: Any) -> Any:
        """Ask; SIGINT from another process (not only Ctrl-C typed) interrupts, as in a text prompt."""
        from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
        from prompt_toolkit.keys import Keys

        bindings = KeyBindings()

        @bindings.add(Keys.SIGINT, eager=True)
        def _(event: Any) -> None:
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

        app = question.application
        app.key_bindings = merge_key_bindings([app.key_bindings, bindings]) if app.key_bindings else bindings
        return question.unsafe_ask()

    def text(self, message: str, default: str = "") -> str:
        typed = str(self._run(self.q.text(message, default=default)) or "").strip()
        # bytes a terminal sent that are not UTF-8 arrive as lone surrogates, which no file can hold
        return typed.encode("utf-8", "replace").decode("utf-8")

    def confirm(self, message: str, default: bool = True) -> bool:
        return bool(self._run(self.q.confirm(message, default=default)))

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

            picked = self._run(
                self.q.checkbox(
                    visible(question.text, keep=""),
                    choices=options,
                    validate=check,
                    instruction="(Space to tick, Enter to confirm)",
                )
            )
            return [str(o.value) for o in options if o.value in picked] or None
        default = current if isinstance(current, str) and current in question.values else None
        return self._run(
            self.q.select(
                visible(question.text, keep=""), choices=options, default=default, instruction="(arrow keys, Enter)"
            )
        )

    def pick(self, message: str, options: list[tuple[str, str]]) -> str:
        Choice = self.q.Choice
        return self._run(
            self.q.select(message, choices=[Choice(title=visible(t, keep=""), value=v) for t, v in options])
        )


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


MAX_TEXT = 5000  # the longest programme name, country or date an answers file accepts


def run_interactive(questionnaire: Questionnaire, *, resume: bool) -> tuple[Programme, dict[str, Value]]:
    """Run the interview in a terminal; returns the programme and the answers that count."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise NoTerminal(
            "no interactive terminal: run `migdev assess --answers FILE` instead "
            "(`migdev questionnaire show` lists the questions and choice values)"
        )
    path = session_path(questionnaire.id)
    with interview_lock(path.parent), _terminate_as_interrupt():
        return _interview(questionnaire, path, resume)


def _interview(questionnaire: Questionnaire, path: Path, resume: bool) -> tuple[Programme, dict[str, Value]]:
    prompter = Prompter()
    programme = Programme()
    values: dict[str, Value] = {}
    keep_old = False  # an unfinished interview not resumed: kept until this one saves something
    if resume:
        if not path.exists():
            raise MigdevError(f"nothing to resume: no interrupted assessment in {path.parent}")
        programme, values = _load(path, questionnaire)
        prompter.note(f"Resuming: {len(values)} answers restored from {path}")
    elif path.exists():
        saved_programme, saved = _load(path, questionnaire)
        try:
            again = prompter.confirm(
                f"An unfinished assessment with {len(saved)} answers exists ({path}). Resume it? "
                "(No: start afresh; it is replaced once you answer)",
                True,
            )
        except KeyboardInterrupt:
            raise Interrupted("Interrupted; the unfinished assessment is kept.") from None
        if again:
            programme, values = saved_programme, saved
        else:
            keep_old = True
    try:
        if programme.name is None or (programme.country is None and programme.date is None and not values):
            prompter.header("About the programme (for the report title)")
            name = prompter.text("Programme name:", programme.name or "")[:MAX_TEXT]
            programme = Programme(name=name or None)
            if name:  # kept if the interview stops before the country and date
                _save(path, questionnaire, programme, values)
                keep_old = False
            country = prompter.text("Country of origin covered:")[:MAX_TEXT]
            programme = Programme(name=name or None, country=country or None)
            date = prompter.text("Date of the assessment:", _dt.date.today().isoformat())[:MAX_TEXT]
            programme = Programme(name=name or None, country=country or None, date=date or None)
            _save(path, questionnaire, programme, values)
            keep_old = False
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
        if keep_old and not values and programme == Programme():
            raise Interrupted(
                f"Interrupted; the unfinished assessment in {path} is kept (continue it with `migdev assess --resume`)."
            ) from None
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
    with _terminate_as_interrupt():
        _offer(prompter, result, catalog, questionnaire, programme, values, saved_to, answers_file)


def _offer(
    prompter: Prompter,
    result: Any,
    catalog: Any,
    questionnaire: Questionnaire,
    programme: Programme,
    values: dict[str, Value],
    saved_to: Path | None,
    answers_file: str | None,
) -> None:
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
    from .export import DEFAULT_OUTPUT, format_for, render, write_report
    from .report import build_report

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
