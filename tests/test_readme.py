"""The README cannot drift from the data or from CI."""

from __future__ import annotations

import re
from pathlib import Path

from migdev_cli.browse import README_END, README_START, readme_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_instrument_table_is_generated_from_the_catalog(catalog):
    section = README[README.index(README_START) + len(README_START) : README.index(README_END)]
    assert section.strip() == readme_table(catalog).strip(), "run: python scripts/update_docs.py"


def test_quick_start_has_two_commands_and_ci_runs_the_test_command():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", quick, flags=re.S)
    assert len(commands) == 2
    install_run, test = commands
    assert "pip install ." in install_run and "migdev assess" in install_run
    test_tail = test.split("&& pip install", 1)[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install" + test_tail in ci


def test_every_command_is_documented():
    from typer.main import get_command

    from migdev_cli.cli import app

    root = get_command(app)
    names = []
    for name, cmd in root.commands.items():
        sub = getattr(cmd, "commands", None)
        names += [f"migdev {name} {s}" for s in sub] if sub else [f"migdev {name}"]
    for name in names:
        assert f"`{name}" in README, name
