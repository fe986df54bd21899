"""The interview on a shared machine and under signals: one interview per state directory,
nothing typed is lost to a signal or to declining "Resume it?", and the terminal is restored."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from migdev_cli.errors import MigdevError
from migdev_cli.interview_state import interview_lock

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals and a pty")

CHOICE = ["Space to tick", "arrow keys, Enter"]
OLD_SESSION = """\
questionnaire: core
programme: {name: Old programme, country: Mali}
answers:
  programme_type: [access_to_finance]
  budget: 100k_to_1m
  cofinancing: dont_know
"""


def spawn(state: Path, *args: str, shell_after: str | None = None):
    env = dict(os.environ, MIGDEV_STATE_DIR=str(state), COLUMNS="200", TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    env.pop("MIGDEV_DATA_DIR", None)
    command = [sys.executable, "-m", "migdev_cli", "assess", *args]
    if shell_after is not None:  # run a shell command in the same terminal once migdev has ended
        script = " ".join(f"'{part}'" for part in command) + f"; echo EXIT=$?; {shell_after}"
        child = pexpect.spawn("/bin/sh", ["-c", script], env=env, encoding="utf-8", timeout=30, dimensions=(50, 200))
    else:
        child = pexpect.spawn(command[0], command[1:], env=env, encoding="utf-8", timeout=30, dimensions=(50, 200))
    child.delaybeforesend = None  # every send follows the prompt it answers: no pause needed
    return child


def migdev_pid(child) -> int:
    """The migdev process: the child itself, or the shell's child."""
    children = Path(f"/proc/{child.pid}/task/{child.pid}/children")
    if not children.exists():
        return int(child.pid)
    for _ in range(100):
        found = children.read_text().split()
        if found:
            return int(found[0])
        time.sleep(0.05)
    raise AssertionError("no migdev process under the shell")


def answer_programme(child) -> None:
    child.expect("Programme name")
    child.send("Pilot\r")
    child.expect("Country")
    child.send("Ghana\r")
    child.expect("Date")
    child.send("\r")


def saved(state: Path) -> dict:
    return yaml.safe_load((state / "session-core.yaml").read_text(encoding="utf-8"))


def test_sigint_from_another_process_interrupts_a_choice_prompt(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    answer_programme(child)
    child.expect(CHOICE)
    child.send("\r" if child.match_index == 1 else " \r")
    child.expect(CHOICE)
    time.sleep(0.3)
    os.kill(child.pid, signal.SIGINT)
    child.expect("migdev assess --resume")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert saved(tmp_path)["programme"]["name"] == "Pilot"
    assert len(saved(tmp_path)["answers"]) == 1


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the process through /proc")
def test_sigterm_at_a_prompt_saves_and_restores_the_terminal(tmp_path: Path) -> None:
    child = spawn(tmp_path, shell_after="stty -a")
    answer_programme(child)
    child.expect(CHOICE)
    time.sleep(0.3)
    os.kill(migdev_pid(child), signal.SIGTERM)
    child.expect(r"EXIT=(\d+)")
    status = int(child.match.group(1))
    child.expect(pexpect.EOF)
    settings = child.before.split()
    assert status == 130
    assert "icanon" in settings and "echo" in settings  # not "-icanon -echo": the terminal is cooked again
    assert saved(tmp_path)["programme"]["country"] == "Ghana"


def test_the_programme_name_is_kept_when_interrupted_before_the_country(tmp_path: Path) -> None:
    child = spawn(tmp_path)
    child.expect("Programme name")
    child.send("Diaspora bonds for Kenya\r")
    child.expect("Country")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert saved(tmp_path)["programme"]["name"] == "Diaspora bonds for Kenya"
    resumed = spawn(tmp_path, "--resume")
    resumed.expect("Programme name")  # country and date are asked again, the name offered
    resumed.expect("Diaspora bonds for Kenya")
    resumed.sendcontrol("c")
    resumed.expect(pexpect.EOF)
    resumed.close()


def test_declining_resume_keeps_the_old_interview_until_the_new_one_saves(tmp_path: Path) -> None:
    (tmp_path / "session-core.yaml").write_text(OLD_SESSION, encoding="utf-8")
    child = spawn(tmp_path)
    child.expect("Resume it")
    child.send("n")
    child.expect("Programme name")
    child.sendcontrol("c")
    child.expect("is kept")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert (tmp_path / "session-core.yaml").read_text(encoding="utf-8") == OLD_SESSION

    child = spawn(tmp_path)  # declined again, and this time the new interview saves: it replaces the old one
    child.expect("Resume it")
    child.send("n")
    answer_programme(child)
    child.expect(CHOICE)
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert saved(tmp_path)["programme"]["name"] == "Pilot"
    assert saved(tmp_path)["answers"] == {}


def test_a_second_interview_on_the_same_state_directory_is_refused(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from migdev_cli.interview_state import interview_lock\n"
            "with interview_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(MigdevError, match=rf"another interview is running .*process {holder.pid} on"):
            with interview_lock(tmp_path):
                pass
        child = spawn(tmp_path)
        child.expect("another interview is running")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 1
    finally:
        holder.kill()
        holder.wait()
    with interview_lock(tmp_path):  # free again once the other process has ended, however it ended
        pass


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a file away")
def test_a_state_directory_of_another_user_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    os.chown(state, 65534, 65534)
    with pytest.raises(MigdevError, match="belongs to another user"):
        with interview_lock(state):
            pass


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777])
def test_a_state_directory_others_may_write_to_is_refused(tmp_path: Path, mode: int) -> None:
    state = tmp_path / "state"
    state.mkdir()
    state.chmod(mode)
    with pytest.raises(MigdevError, match="others may write to it"):
        with interview_lock(state):
            pass


def test_a_new_state_directory_is_private(tmp_path: Path) -> None:
    state = tmp_path / "new" / "state"
    with interview_lock(state):
        assert state.stat().st_mode & 0o777 == 0o700


def test_a_closed_terminal_keeps_what_was_typed(tmp_path: Path) -> None:
    """SIGHUP (the terminal window closed, the connection dropped) at the date prompt: the
    name and the country typed before it are saved."""
    child = spawn(tmp_path)
    child.expect("Programme name")
    child.send("Pilot\r")
    child.expect("Country")
    child.send("Ghana\r")
    child.expect("Date")
    time.sleep(0.3)
    os.kill(child.pid, signal.SIGHUP)
    child.expect(pexpect.EOF)
    child.close()
    assert saved(tmp_path)["programme"] == {"name": "Pilot", "country": "Ghana"}
