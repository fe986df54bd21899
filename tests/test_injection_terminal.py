"""Catalog and answers text is data, never markup or terminal control: rich markup, HTML,
Markdown and control characters in an instrument are shown literally by every view."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DATA, without_related
from migdev_cli.cli import app

INSTRUMENT = "remittance-matching-family-business"

# YAML double-quoted escapes: \e is ESC and \a is BEL once loaded.
EVIL = r'"Grants [red]boom[/red] [link=http://x]y[/link] <script>alert(1)</script> \e[31mESC\aBEL | `tick` **md**"'
LITERALS = ["[red]boom[/red]", "[link=http://x]y[/link]", "<script>alert(1)</script>", "| `tick` **md**"]

ANSWERS = """\
questionnaire: core
answers:
  programme_type: [bds_m4p]
  stage: [arrival, long_term]
  finance_access: strong
"""

runner = CliRunner()


WIDE = {"COLUMNS": "400", "NO_COLOR": None, "FORCE_COLOR": None, "TERM": "dumb"}


@pytest.fixture
def evil_dir(tmp_path: Path) -> Path:
    root = tmp_path / "evil"
    (root / "instruments").mkdir(parents=True)
    (root / "questionnaires").mkdir()
    shutil.copy(DATA / "questionnaires" / "core.yaml", root / "questionnaires" / "core.yaml")
    text = (DATA / "instruments" / f"{INSTRUMENT}.yaml").read_text(encoding="utf-8")
    text = without_related(text)
    text = re.sub(r"^name: .*$", lambda _: f"name: {EVIL}", text, count=1, flags=re.MULTILINE)
    text = re.sub(r"^summary: >-\n(?:  .*\n)+", lambda _: f"summary: {EVIL}\n", text, count=1, flags=re.MULTILINE)
    text = text.replace("examples:\n  - name: WIDU.africa\n", f"examples:\n  - name: {EVIL}\n", 1)
    text = text.replace("    period: 2019-present\n", f"    period: {EVIL}\n", 1)
    assert text.count(EVIL) == 4
    (root / "instruments" / "evil.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(root)])
    assert result.exit_code == 0, result.output
    return root


def assert_literal(output: str, at_least: int = 1) -> None:
    for literal in LITERALS:
        assert output.count(literal) >= at_least, f"{literal!r} not shown literally in:\n{output}"
    assert "\x1b" not in output, "an escape sequence from the data reached the terminal"
    assert "\x07" not in output, "a BEL from the data reached the terminal"
    # The control characters are still visible, as escapes.
    assert "\\x1b[31mESC\\x07BEL" in output


def test_instruments_list(evil_dir: Path) -> None:
    result = runner.invoke(app, ["--data-dir", str(evil_dir), "--no-builtin", "instruments", "list"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert_literal(result.stdout)


def test_instruments_show(evil_dir: Path) -> None:
    args = ["--data-dir", str(evil_dir), "--no-builtin", "instruments", "show", INSTRUMENT]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == 0, result.output
    # name (title), summary, example title and example period
    assert_literal(result.stdout, at_least=4)
    assert "\\[red]" not in result.stdout, "markup escaped twice: the backslash shows"


def test_assess_table(evil_dir: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(ANSWERS, encoding="utf-8")
    args = ["--data-dir", str(evil_dir), "--no-builtin", "assess", "--answers", str(answers)]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == 0, result.output
    assert_literal(result.stdout)


def test_json_output_escapes_control_characters(evil_dir: Path) -> None:
    args = ["--data-dir", str(evil_dir), "--no-builtin", "instruments", "show", INSTRUMENT, "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout
    assert "[red]boom[/red]" in result.stdout
    assert "\\u001b[31mESC\\u0007BEL" in result.stdout


def test_control_characters_in_error_messages_are_escaped(tmp_path: Path) -> None:
    """A key holding an escape sequence is named in the problem without reaching the terminal."""
    root = tmp_path / "cat"
    (root / "instruments").mkdir(parents=True)
    text = (DATA / "instruments" / f"{INSTRUMENT}.yaml").read_text(encoding="utf-8")
    text = without_related(text)
    (root / "instruments" / "x.yaml").write_text(text + '"\\e[2J\\e[31mkey": 1\n', encoding="utf-8")
    result = runner.invoke(app, ["validate", str(root)])
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert re.search(r"x\.yaml:\d+: \\x1b\[2J", result.stderr), result.stderr


def test_control_characters_in_answers_errors_are_escaped(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(ANSWERS + '  "\\e]0;title\\a\\e[31m": yes\n  trust: "\\e[31mhigh"\n', encoding="utf-8")
    result = runner.invoke(app, ["assess", "--answers", str(answers), "--json"])
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert re.search(r"answers\.yaml:\d+: answers\.\\x1b\]0;title", result.stderr), result.stderr


def test_questionnaire_show(tmp_path: Path) -> None:
    root = tmp_path / "q"
    (root / "questionnaires").mkdir(parents=True)
    text = (DATA / "questionnaires" / "core.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^title: .*$", lambda _: f"title: {EVIL}", text, count=1, flags=re.MULTILINE)
    text = text.replace("    title: The host programme\n", f"    title: {EVIL}\n", 1)
    text = text.replace(
        "        text: Which type of programme will host the migration component?\n", f"        text: {EVIL}\n", 1
    )
    text = text.replace("            label: Private-sector development\n", f"            label: {EVIL}\n", 1)
    assert text.count(EVIL) == 4
    (root / "questionnaires" / "core.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["--data-dir", str(root), "--no-builtin", "questionnaire", "show"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert_literal(result.stdout, at_least=4)
    assert "\\[red]" not in result.stdout
