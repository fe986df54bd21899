"""End-to-end tests of the interactive assessment through a real pseudo-terminal."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

pexpect = pytest.importorskip("pexpect")
pytestmark = [pytest.mark.pty, pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")]

DOWN = "\x1b[B"
CHECKBOX, SELECT, REVIEW = "Space to tick", "arrow keys, Enter", "Review your answers"


def spawn(state: Path, *args: str):
    env = dict(os.environ, MIGDEV_STATE_DIR=str(state), COLUMNS="200", TERM="xterm")
    env.pop("MIGDEV_DATA_DIR", None)
    return pexpect.spawn(
        sys.executable,
        ["-m", "migdev_cli", "assess", *args],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 200),
    )


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


def finish(child) -> None:
    child.expect("Save your answers")
    child.send("n")
    child.expect("Export")
    child.send("n")
    child.expect(pexpect.EOF)
    child.close()


def test_full_interactive_run_shows_results_and_keeps_answers(tmp_path: Path):
    child = spawn(tmp_path)
    answer_programme(child)
    asked = answer_questions(child)
    assert asked >= 12
    child.send("\r")  # Show the results
    child.expect("Recommended instruments")
    child.expect("Excluded instruments")
    finish(child)
    assert child.exitstatus == 0
    kept = yaml.safe_load((tmp_path / "last-core.yaml").read_text())
    assert kept["programme"]["name"] == "Pilot | <b>Test</b>"
    assert len(kept["answers"]) == asked
    assert not (tmp_path / "session-core.yaml").exists()


def test_review_screen_changes_an_answer(tmp_path: Path):
    child = spawn(tmp_path)
    answer_programme(child)
    answer_questions(child)
    child.send(DOWN + "\r")  # the first question: host programme (multiple choice)
    child.expect(CHECKBOX)
    child.send(DOWN + " \r")  # tick the second programme type as well
    child.expect(REVIEW)
    child.send("\r")
    child.expect("Recommended instruments")
    finish(child)
    kept = yaml.safe_load((tmp_path / "last-core.yaml").read_text())
    assert kept["answers"]["programme_type"] == ["investment_climate_sme", "private_sector_development"]


def test_ctrl_c_exits_130_and_resume_loses_nothing(tmp_path: Path):
    child = spawn(tmp_path)
    answer_programme(child)
    assert answer_questions(child, limit=3) == 3
    child.expect([CHECKBOX, SELECT])
    child.sendcontrol("c")
    child.expect("migdev assess --resume")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    saved = yaml.safe_load((tmp_path / "session-core.yaml").read_text())
    assert list(saved["answers"]) == ["programme_type", "budget", "cofinancing"]
    assert saved["programme"]["country"] == "Ghana"

    resumed = spawn(tmp_path, "--resume")
    resumed.expect("Resuming: 3 answers restored")
    resumed.expect("question 4 of")
    rest = answer_questions(resumed)
    resumed.send("\r")
    resumed.expect("Recommended instruments")
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
