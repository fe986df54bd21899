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

from .answers import Answer, as_answer, resolve
from .answers_file import dump_answers, load_answers
from .conditions import evaluate, questions_in
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


def _save(path: Path, questionnaire: Questionnaire, programme: Programme, values: dict[str, Answer]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, dump_answers(questionnaire, programme, values), force=True, mode=0o600)


def _load(path: Path, questionnaire: Questionnaire) -> tuple[Programme, dict[str, Answer]]:
    try:
        doc, values = load_answers(path, {questionnaire.id: questionnaire})
    except DataError as exc:
        raise MigdevError(f"the saved assessment {path} cannot be read ({exc.lines()[0]}); fix or delete it") from None
    return doc.programme, values


MAX_TEXT = 5000  # the longest programme name, country or date an answers file accepts
BACK = "\x00back"  # what a prompt returns when the user asks for the previous question
BACK_LABEL = "<- Back to the previous question"
GO_BACK: Answer = (BACK,)  # what Prompter.ask returns then (no choice value looks like it)
KEYS = {
    "multiple": "Space: tick  Enter: confirm  Left or Esc: back  Ctrl-C: stop (answers kept)",
    "single": "Arrows: move  Enter: confirm  Left or Esc: back  Ctrl-C: stop (answers kept)",
}


class Prompter:
    """Asks one question with questionary (arrow keys); Ctrl-C raises KeyboardInterrupt.

    Select and checkbox prompts go back on Left or Esc and list a back entry as well; text
    prompts go back on Esc. Both return :data:`BACK` then.
    """

    def __init__(self) -> None:
        import questionary
        from rich.console import Console

        self.q = questionary
        self.out = Console(highlight=False)

    @property
    def width(self) -> int:
        return max(40, self.out.width)

    def header(self, text: str) -> None:
        from rich.text import Text

        self.out.print(Text(visible(text), style="bold cyan"))

    def note(self, text: str) -> None:
        from rich.text import Text

        self.out.print(Text(visible(text), style="dim"))

    def echo(self, message: str, answer: str) -> None:
        """A question and its answer as it stays on screen (wrapped, never cut)."""
        from rich.text import Text

        self.out.print(
            Text.assemble(("? ", "bold green"), (visible(message), "bold"), " ", (visible(answer), "yellow"))
        )

    def _ask(self, prompt: Any, keys: tuple[str, ...] = ("left", "escape")) -> Any:
        """Run a questionary prompt with the back keys bound; SIGINT from another process (not
        only Ctrl-C typed) interrupts it, as it does a text prompt."""
        from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
        from prompt_toolkit.keys import Keys

        bindings = KeyBindings()

        @bindings.add(Keys.SIGINT, eager=True)
        def _interrupt(event: Any) -> None:
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

        for key in keys:

            @bindings.add(key, eager=key != "escape")
            def _back(event: Any) -> None:
                event.app.exit(result=BACK)

        app = prompt.application
        app.key_bindings = merge_key_bindings([app.key_bindings, bindings])
        return prompt.unsafe_ask()

    def text(self, message: str, default: str = "", back: bool = False) -> str:
        prompt = self.q.text(message, default=default)
        answer = self._ask(prompt, ("escape",) if back else ())
        if answer == BACK:
            return BACK
        typed = str(answer or "").strip()[:MAX_TEXT]
        # bytes a terminal sent that are not UTF-8 arrive as lone surrogates, which no file can hold
        return typed.encode("utf-8", "replace").decode("utf-8")

    def confirm(self, message: str, default: bool = True) -> bool:
        return bool(self._ask(self.q.confirm(message, default=default), ()))

    def ask(self, question: Question, current: Answer | None) -> Answer | None:
        Choice = self.q.Choice
        options = [
            Choice(title=visible(c.label, keep=""), value=c.value, description=c.help and visible(c.help, keep=""))
            for c in question.choices
        ]
        if question.allow_dont_know:
            options.append(Choice(title=DONT_KNOW_LABEL, value=DONT_KNOW))
        message = visible(question.text, keep="")
        if question.type == "multiple":
            chosen = set(current or ())
            for option in options:
                option.checked = option.value in chosen
            options.append(Choice(title=BACK_LABEL + " (tick it and press Enter)", value=BACK))

            def check(selection: list[str]) -> bool | str:
                if BACK in selection:
                    return True
                error = question.combination_error(selection)
                if error:
                    return error
                if question.required and not selection:
                    return "Choose at least one (Space to tick, Enter to confirm)"
                return True

            picked = self._ask(
                self.q.checkbox(
                    message,
                    choices=options,
                    validate=check,
                    instruction="(Space to tick, Enter)",
                    erase_when_done=True,
                )
            )
            if picked == BACK or BACK in picked:
                return GO_BACK
            answer = as_answer(str(o.value) for o in options if o.value in picked) or None
        else:
            default = current[0] if current and current[0] in question.values else None
            options.append(Choice(title=BACK_LABEL, value=BACK))
            chosen = self._ask(
                self.q.select(
                    message,
                    choices=options,
                    default=default,
                    instruction="(arrow keys, Enter)",
                    erase_when_done=True,
                )
            )
            if chosen == BACK:
                return GO_BACK
            answer = None if chosen is None else as_answer(str(chosen))
        self.echo(message, _label(question, answer) if answer is not None else "(skipped)")
        return answer

    def pick(self, message: str, options: list[tuple[str, str]]) -> str:
        """Choose one of ``(title, value)``; long titles wrap to the terminal's width."""
        Choice = self.q.Choice
        choices = [Choice(title=wrap_entry(visible(t, keep=""), self.width), value=v) for t, v in options]
        return str(self._ask(self.q.select(message, choices=choices, erase_when_done=True), ()))


def wrap_entry(title: str, width: int) -> str:
    """A menu entry wrapped to ``width`` columns: the pointer's 3 columns first, continuation lines
    indented to match, and a column spare so that the terminal never wraps a line itself."""
    import textwrap

    return "\n   ".join(textwrap.wrap(title, max(10, width - 4), break_on_hyphens=False) or [""])


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
        _save(path, questionnaire, programme, values)
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


def _label(question: Question, value: Answer | None) -> str:
    if value is None:
        return "(not answered)"
    return ", ".join(question.label_of(v) for v in value)


def _interrupted(path: Path, values: dict[str, Answer]) -> Interrupted:
    return Interrupted(
        f"Interrupted. What you typed is saved in {path} (the programme's details and {len(values)} "
        f"answer{'' if len(values) == 1 else 's'}); continue with `migdev assess --resume`."
    )


@contextlib.contextmanager
def interview_held(questionnaire: Questionnaire) -> Iterator[None]:
    """Hold the state directory for the whole interactive assessment: the interview, the results
    and the save prompts, until :func:`complete` removes the finished session. A second
    interview is refused meanwhile (see interview_lock)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise NoTerminal(
            "no interactive terminal: run `migdev assess --answers FILE` instead "
            "(`migdev questionnaire show` lists the questions and choice values)"
        )
    with interview_lock(session_path(questionnaire.id).parent):
        yield


def complete(questionnaire: Questionnaire) -> None:
    """The assessment is complete: its unfinished-session file goes (call while holding it)."""
    session_path(questionnaire.id).unlink(missing_ok=True)


def run_interactive(questionnaire: Questionnaire, *, resume: bool) -> tuple[Programme, dict[str, Answer]]:
    """Run the interview in a terminal (inside :func:`interview_held`); returns the programme and
    the answers that count.

    The unfinished assessment stays in the state directory until :func:`complete` is called,
    so Ctrl-C at any point, the save prompts included, leaves it for ``--resume``.
    """
    with _terminate_as_interrupt():
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
        _save(path, questionnaire, programme, values)
        keep_old = False

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
            options += [(f"{q.text}  ->  {_label(q, values.get(q.id))}", q.id) for q in shown]
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
        _save(path, questionnaire, programme, values)
        raise _interrupted(path, values) from None
    final = resolve(questionnaire, values).answers
    done = path.with_name(f"last-{questionnaire.id}.yaml")
    _save(done, questionnaire, programme, final)
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
    with _terminate_as_interrupt():
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
        raise _interrupted(session_path(questionnaire.id), values) from None


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
