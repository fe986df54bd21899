"""A killed export leaves either the old report or the new one, never a partial file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")


def export_cmd(answers: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "migdev_cli", "export", "--answers", str(answers), "--output", str(output)]


def test_killed_export_leaves_old_or_new_file(tmp_path: Path, answers_file: Path):
    env = dict(os.environ)
    complete = tmp_path / "complete.md"
    subprocess.run(export_cmd(answers_file, complete), env=env, check=True, capture_output=True)
    new = complete.read_text(encoding="utf-8").replace("complete-ranking.png", "report-ranking.png")
    target = tmp_path / "report.md"
    old = "# The previous report\n\nIt must survive an interrupted export intact.\n"
    started = time.perf_counter()
    subprocess.run(export_cmd(answers_file, tmp_path / "timing.md"), env=env, check=True, capture_output=True)
    lifetime = time.perf_counter() - started
    for step in range(12):
        target.write_text(old, encoding="utf-8")
        proc = subprocess.Popen([*export_cmd(answers_file, target), "--force"], env=env)
        time.sleep(lifetime * (0.4 + 0.06 * step))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        text = target.read_text(encoding="utf-8")
        assert text in (old, new), f"partial report after kill at step {step}"
        # the charts beside the reports (a chart is written, atomically, before its report)
        visible = [p.name for p in tmp_path.iterdir() if not p.name.startswith(".") and p.suffix != ".png"]
        assert sorted(visible) == ["answers.yaml", "complete.md", "report.md", "timing.md"]


def test_temporary_files_left_by_a_killed_write_are_swept_later(tmp_path: Path) -> None:
    """A SIGKILL between creating the temporary file and renaming it leaves a hidden
    `.report.md.XXXXXXXX.tmp`; the next write to the same file removes it once it is an hour
    old, and leaves younger ones (a write in progress) and other files alone."""
    from migdev_cli.fileio import STALE_SECONDS, write_atomic

    target = tmp_path / "report.md"
    stale = tmp_path / ".report.md.abcd1234.tmp"
    fresh = tmp_path / ".report.md.efgh5678.tmp"
    other = tmp_path / ".notes.md.abcd1234.tmp"
    for leftover in (stale, fresh, other):
        leftover.write_text("partial", encoding="utf-8")
    old = time.time() - STALE_SECONDS - 60
    for leftover in (stale, other):
        os.utime(leftover, (old, old))
    write_atomic(target, "# Report\n")
    assert target.read_text(encoding="utf-8") == "# Report\n"
    assert not stale.exists()
    assert fresh.exists() and other.exists()
