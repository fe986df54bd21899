"""The interactive assessment's saved state: the state directory, the unfinished interview's
file, the lock that lets one interview run at a time, and signals that end it like Ctrl-C.

An unfinished assessment lives in the state directory (``MIGDEV_STATE_DIR``, else
``$XDG_STATE_HOME/migdev`` or ``~/.local/state/migdev``) as an ordinary answers file, so
``migdev assess --resume`` continues where it stopped and nothing typed is lost.

The state directory is private (created 0700, refused when another user owns it or others
may write to it) and holds one interview at a time: a second one is refused with the
process that holds it. Ctrl-C, SIGINT from another process, SIGTERM and SIGHUP all end the
interview the same way: the terminal restored, what was typed saved, exit 130.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .answers import Answer
from .answers_file import dump_answers, load_answers
from .errors import DataError, Interrupted, MigdevError, NoTerminal
from .escaping import visible
from .fileio import private_dir_problem, write_atomic
from .models import Programme
from .questionnaire_models import Questionnaire


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
def terminate_as_interrupt() -> Iterator[None]:
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


def save_session(path: Path, questionnaire: Questionnaire, programme: Programme, values: dict[str, Answer]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, dump_answers(questionnaire, programme, values), force=True, mode=0o600)


def load_session(path: Path, questionnaire: Questionnaire) -> tuple[Programme, dict[str, Answer]]:
    try:
        doc, values = load_answers(path, {questionnaire.id: questionnaire})
    except DataError as exc:
        raise MigdevError(f"the saved assessment {path} cannot be read ({exc.lines()[0]}); fix or delete it") from None
    return doc.programme, values


def interrupted(path: Path, values: dict[str, Answer]) -> Interrupted:
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
