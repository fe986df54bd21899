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
    new = complete.read_text(encoding="utf-8")
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
        visible = [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")]
        assert sorted(visible) == ["answers.yaml", "complete.md", "report.md", "timing.md"]
