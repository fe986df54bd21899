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
