"""End-to-end tests of the interactive assessment through a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest
import yaml

pexpect = pytest.importorskip("pexpect")
pytestmark = [pytest.mark.pty, pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")]

DOWN, LEFT, ESC = "\x1b[B", "\x1b[D", "\x1b"
CHECKBOX, SELECT, REVIEW = "Space to tick", "arrow keys, Enter", "Review your answers"
PROGRAMME_FIELDS = 3  # name, country, date: listed on the review screen before the questions


def spawn(state: Path, *args: str):
    # PAGER=cat: the details, shown in a pager on request, come straight through
    env = dict(os.environ, MIGDEV_STATE_DIR=str(state), COLUMNS="200", TERM="xterm", PAGER="cat")
    env.pop("MIGDEV_DATA_DIR", None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "migdev_cli", "assess", *args],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )
    child.logfile_read = io.StringIO()  # everything shown, for checks on the whole screen
    # every send follows the prompt it answers (and prompts are drawn in raw mode): no pause needed
    child.delaybeforesend = None
    return child


def prompt(label: str) -> str:
    """A text prompt asking for `label` (the review screen lists the same label, without the `?`)."""
    return r"\?(?:\x1b\[[0-9;]*m)* " + re.escape(label)


def answer_programme(child) -> None:
    child.expect("Programme name")
    child.send("Pilot | <b>Test</b>\r")
    child.expect("Country")
    child.send("Ghana\r")
    child.expect("Date")
    child.send("\r")


def answer_questions(child, limit: int | None = None) -> int:
    """Accept the first choice of each question until the review screen (or `limit` answers)."""
    count = 0
    while limit is None or count < limit:
        i = child.expect([CHECKBOX, SELECT, REVIEW])
        if i == 2:
            return count
        child.send(" \r" if i == 0 else "\r")
        count += 1
    return count


def interrupt(child, state: Path) -> dict:
    """Ctrl-C: the interview stops with 130, says how to resume, and its answers are kept."""
    child.sendcontrol("c")
    child.expect("migdev assess --resume")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "error" not in child.logfile_read.getvalue().lower()
    return yaml.safe_load((state / "session-core.yaml").read_text())


def finish(child, details: bool = True) -> None:
    child.expect("Show the details")
    child.send("y" if details else "n")
    if details:
        child.expect("Recommended instruments")  # the reasons, in the pager
    child.expect("Save your answers")
    child.send("n")
    child.expect("Write the recommendations report")
    child.send("n")
    child.expect(pexpect.EOF)
    child.close()


def test_full_interactive_run_shows_results_and_keeps_answers(tmp_path: Path):
    child = spawn(tmp_path)
    answer_programme(child)
    asked = answer_questions(child)
    assert asked >= 12
    child.send("\r")  # Show the results
    child.expect("Recommended package")  # the first screen
    child.expect("Show the details")
    child.send("y")
    child.expect("Recommended instruments")  # the details, in the pager (PAGER=cat here)
    child.expect("Excluded instruments")
    child.expect("Save your answers")
    child.send("n")
    child.expect("Write the recommendations report")
    child.send("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    kept = yaml.safe_load((tmp_path / "last-core.yaml").read_text())
    assert kept["programme"]["name"] == "Pilot | <b>Test</b>"
    assert len(kept["answers"]) == asked
    assert not (tmp_path / "session-core.yaml").exists()


def test_review_screen_changes_an_answer(tmp_path: Path):
    child = spawn(tmp_path)
    answer_programme(child)
    answer_questions(child)
    child.send(DOWN * (1 + PROGRAMME_FIELDS) + "\r")  # the first question: host programme (multiple choice)
    child.expect(CHECKBOX)
    child.send(DOWN + " \r")  # tick the second programme type as well
    child.expect(REVIEW)
    child.send("\r")
    child.expect("Recommended package")  # the first screen
    finish(child)
    kept = yaml.safe_load((tmp_path / "last-core.yaml").read_text())
    assert kept["answers"]["programme_type"] == ["investment_climate_sme", "private_sector_development"]


def test_ctrl_c_exits_130_and_resume_loses_nothing(tmp_path: Path):
    child = spawn(tmp_path)
    answer_programme(child)
    assert answer_questions(child, limit=3) == 3
    child.expect([CHECKBOX, SELECT])
    saved = interrupt(child, tmp_path)
    assert list(saved["answers"]) == ["programme_type", "budget", "cofinancing"]
    assert saved["programme"]["country"] == "Ghana"

    resumed = spawn(tmp_path, "--resume")
    resumed.expect("Resuming: 3 answers restored")
    resumed.expect("question 4 of")
    rest = answer_questions(resumed)
    resumed.send("\r")
    resumed.expect("Recommended package")  # the first screen
    finish(resumed)
    assert resumed.exitstatus == 0
    kept = yaml.safe_load((tmp_path / "last-core.yaml").read_text())
    for key, value in saved["answers"].items():
        assert kept["answers"][key] == value
    assert len(kept["answers"]) == 3 + rest
    assert kept["programme"]["name"] == "Pilot | <b>Test</b>"


def test_resume_without_saved_session_is_a_clear_error(tmp_path: Path):
    child = spawn(tmp_path, "--resume")
    child.expect("nothing to resume")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1


def test_back_key_and_back_entry_return_to_the_previous_question(tmp_path: Path):
    child = spawn(tmp_path)
    answer_programme(child)
    child.expect(CHECKBOX)  # programme type
    child.send(" \r")
    child.expect(SELECT)  # budget
    child.send(LEFT)
    child.expect(CHECKBOX)  # back at programme type; its answer is kept and can be changed
    child.send(DOWN + " \r")
    # the labels chosen are echoed on one line, not a count of selections
    child.expect("Investment climate and SME strategies, Private-sector development")
    child.expect("budget")
    child.expect(SELECT)
    child.send(DOWN + "\r")  # the second budget
    child.expect("co-finance")
    child.expect(SELECT)
    child.send(DOWN * 3 + "\r")  # the back entry, after Yes, No and Don't know
    child.expect("budget")
    child.expect(SELECT)
    child.send(ESC)  # Esc goes back as well
    child.expect(CHECKBOX)
    child.send(ESC)  # back from the first question: the programme's details
    child.expect("Programme name")
    child.send("\r")
    child.expect("Country")
    child.send(ESC)  # Esc goes back a field in the programme's details
    child.expect("Programme name")
    child.send("\r")
    child.expect("Country")
    child.send("\r")
    child.expect("Date")
    child.send("\r")
    child.expect(CHECKBOX)  # forward again through the answered questions
    child.send("\r")
    child.expect(SELECT)
    child.send("\r")
    child.expect("co-finance")
    child.sendcontrol("c")
    child.expect("migdev assess --resume")
    child.expect(pexpect.EOF)
    child.close()
    assert "selections)" not in child.logfile_read.getvalue()
    saved = yaml.safe_load((tmp_path / "session-core.yaml").read_text())
    assert saved["answers"] == {
        "programme_type": ["investment_climate_sme", "private_sector_development"],
        "budget": "100k_to_1m",
    }


def test_review_screen_edits_the_programme_details(tmp_path: Path):
    child = spawn(tmp_path)
    answer_programme(child)
    answer_questions(child)
    child.send(DOWN + "\r")  # Programme name
    child.expect(prompt("Programme name"))
    child.sendcontrol("u")
    child.send("Renamed programme\r")
    child.expect(REVIEW)
    child.expect("Renamed programme")
    child.send(DOWN * 2 + "\r")  # Country
    child.expect(prompt("Country"))
    child.sendcontrol("u")
    child.send("Senegal\r")
    child.expect(REVIEW)
    child.send("\r")
    child.expect("Recommended package")  # the first screen
    finish(child)
    kept = yaml.safe_load((tmp_path / "last-core.yaml").read_text())
    assert kept["programme"]["name"] == "Renamed programme"
    assert kept["programme"]["country"] == "Senegal"


def test_ctrl_c_at_the_save_prompt_leaves_the_answers_resumable(tmp_path: Path):
    child = spawn(tmp_path)
    answer_programme(child)
    asked = answer_questions(child)
    child.send("\r")
    child.expect("Show the details")
    child.send("n")
    child.expect("Save your answers")
    saved = interrupt(child, tmp_path)
    assert len(saved["answers"]) == asked

    resumed = spawn(tmp_path, "--resume")
    resumed.expect(f"Resuming: {asked} answers restored")
    resumed.expect(REVIEW)  # nothing left to ask: straight to the review
    resumed.send("\r")
    resumed.expect("Recommended package")  # the first screen
    finish(resumed)
    assert resumed.exitstatus == 0
    assert not (tmp_path / "session-core.yaml").exists()


def test_progress_never_counts_past_its_total(tmp_path: Path):
    child = spawn(tmp_path)
    answer_programme(child)
    seen = []
    while True:
        i = child.expect([r"question (\d+) of (\d+)", REVIEW])
        if i == 1:
            break
        seen.append((int(child.match.group(1)), int(child.match.group(2))))
        j = child.expect([CHECKBOX, SELECT])
        child.send(" \r" if j == 0 else "\r")
    child.close(force=True)
    assert [n for n, _ in seen] == list(range(1, len(seen) + 1))
    assert all(n <= total for n, total in seen) and seen[-1][0] == seen[-1][1]


def test_an_interview_ending_in_json_leaves_nothing_to_resume(tmp_path: Path):
    child = spawn(tmp_path, "--json")
    answer_programme(child)
    answer_questions(child)
    child.send("\r")  # Show the results
    child.expect('"package"')
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert not (tmp_path / "session-core.yaml").exists()  # complete: the next run starts afresh
    assert (tmp_path / "last-core.yaml").exists()


def test_back_past_the_first_question_from_the_review_screen_returns_to_it(tmp_path: Path):
    child = spawn(tmp_path)
    answer_programme(child)
    answer_questions(child)
    child.send("\x1b[B" * 4 + "\r")  # the first question on the review screen (after the three details)
    child.expect(CHECKBOX)
    child.send("\x1b[D")  # Left: back, past the first question
    child.expect(REVIEW)
    child.send("\r")  # Show the results
    finish(child, details=False)
    assert child.exitstatus == 0
