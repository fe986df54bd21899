"""The commands, through Typer's CliRunner, with real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from migdev_cli import __version__
from migdev_cli.answers import as_answers
from migdev_cli.cli import app


def test_version_and_module_entry_point(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"migdev {__version__}"
    proc = subprocess.run([sys.executable, "-m", "migdev_cli", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_list_json_with_combined_filters(runner, catalog):
    result = runner.invoke(app, ["instruments", "list", "--area", "investment", "--json"])
    assert result.exit_code == 0
    items = json.loads(result.stdout)
    expected = sorted(i.id for i in catalog.instruments.values() if i.area == "investment")
    assert sorted(i["id"] for i in items) == expected
    assert all({"id", "name", "area"} <= set(i) for i in items)
    both = json.loads(
        runner.invoke(app, ["instruments", "list", "--area", "investment", "--stage", "return", "--json"]).stdout
    )
    assert {i["id"] for i in both} == {
        i.id for i in catalog.instruments.values() if i.area == "investment" and "return" in i.stages
    }


def test_list_filters_by_target_actor_and_search(runner, catalog):
    by_target = json.loads(runner.invoke(app, ["instruments", "list", "--target", "women", "--json"]).stdout)
    assert {i["id"] for i in by_target} == {i.id for i in catalog.instruments.values() if "women" in i.target_groups}
    by_actor = json.loads(runner.invoke(app, ["instruments", "list", "--actor", "local_authorities", "--json"]).stdout)
    assert by_actor and all(
        "local_authorities" in catalog.instruments[i["id"]].attribute_values("actor") for i in by_actor
    )
    # search reaches into examples: a country named only in an example
    found = json.loads(runner.invoke(app, ["instruments", "list", "--search", "moldova", "--json"]).stdout)
    assert "government-matching-grant" in {i["id"] for i in found}
    none = json.loads(runner.invoke(app, ["instruments", "list", "--search", "zzqx-nothing", "--json"]).stdout)
    assert none == []


def test_list_rejects_unknown_filter_value_as_usage_error(runner):
    result = runner.invoke(app, ["instruments", "list", "--area", "investmnt"])
    assert result.exit_code == 2
    assert "did you mean 'investment'" in result.stderr


def test_list_table(runner, catalog):
    result = runner.invoke(app, ["instruments", "list"])
    assert result.exit_code == 0
    assert f"{len(catalog.instruments)} instruments" in result.stdout
    assert "diaspora-bond" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: no colour codes


def test_show_json_has_the_fact_sheet_fields(runner):
    result = runner.invoke(app, ["instruments", "show", "diaspora-bond", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    for key in ("summary", "steps", "preconditions", "risks", "indicators", "examples", "actors", "programme_types"):
        assert data[key], key
    assert all(ex["country"] and ex["source"] for ex in data["examples"])


def test_show_fact_sheet_and_unknown_id(runner):
    result = runner.invoke(app, ["instruments", "show", "transnational-mentoring"])
    assert result.exit_code == 0
    for heading in ("Steps", "Preconditions", "Risks", "Indicators", "Example:"):
        assert heading in result.stdout
    missing = runner.invoke(app, ["instruments", "show", "diaspora-bnd"])
    assert missing.exit_code == 1
    assert "did you mean 'diaspora-bond'" in missing.stderr


def test_validate_builtin_and_schema(runner, catalog):
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0
    assert f"{len(catalog.instruments)} instruments" in result.stdout
    for kind in ("instrument", "questionnaire", "answers"):
        schema = json.loads(runner.invoke(app, ["schema", kind]).stdout)
        assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert runner.invoke(app, ["schema", "nothing"]).exit_code == 2


def test_shipped_schema_files_match_the_models(runner):
    root = Path(__file__).resolve().parents[1]
    for kind in ("instrument", "questionnaire", "answers"):
        shipped = json.loads((root / "schema" / f"{kind}.schema.json").read_text())
        assert shipped == json.loads(runner.invoke(app, ["schema", kind]).stdout), (
            f"schema/{kind}.schema.json is stale: run python scripts/update_docs.py"
        )


def test_overlay_replaces_by_id_and_no_builtin_uses_it_alone(runner, data_dir, catalog):
    bond = data_dir / "instruments" / "diaspora-bond.yaml"
    bond.write_text(bond.read_text().replace("name: ", "name: Our own bond # ", 1))
    text = bond.read_text()
    new_name = next(line for line in text.splitlines() if line.startswith("name: "))[6:]
    listed = json.loads(runner.invoke(app, ["--data-dir", str(data_dir), "instruments", "list", "--json"]).stdout)
    assert len(listed) == len(catalog.instruments)
    assert next(i for i in listed if i["id"] == "diaspora-bond")["name"] == yaml.safe_load(text)["name"]
    assert new_name.startswith("Our own bond")
    alone = json.loads(
        runner.invoke(app, ["--data-dir", str(data_dir), "--no-builtin", "instruments", "list", "--json"]).stdout
    )
    assert sorted(i["id"] for i in alone) == ["diaspora-bond", "transnational-mentoring"]
    env = runner.invoke(app, ["--no-builtin", "instruments", "list", "--json"], env={"MIGDEV_DATA_DIR": str(data_dir)})
    assert len(json.loads(env.stdout)) == 2


def test_questionnaire_show_json(runner, questionnaire):
    data = json.loads(runner.invoke(app, ["questionnaire", "show", "--json"]).stdout)
    questions = [q for s in data["sections"] for q in s["questions"]]
    assert [q["id"] for q in questions] == [q.id for q in questionnaire.questions]
    assert 12 <= len(questions) <= 25
    assert all({"id", "type", "text", "help", "choices"} <= set(q) for q in questions)
    assert any("when" in q for q in questions)
    assert runner.invoke(app, ["questionnaire", "show"]).exit_code == 0


def test_assess_answers_json_shape(runner, answers_file, catalog):
    result = runner.invoke(app, ["assess", "--answers", str(answers_file), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    ranked = {r["id"] for r in data["ranking"]}
    excluded = {e["id"] for e in data["excluded"]}
    assert ranked | excluded == set(catalog.instruments) and not ranked & excluded
    first = data["ranking"][0]
    assert {"rank", "id", "name", "score", "coverage", "reasons", "contributions"} <= set(first)
    assert all(e["reason"] for e in data["excluded"])
    assert data["sensitivity"]["top"] == [r["id"] for r in data["ranking"] if r["rank"] <= 3]
    top2 = json.loads(runner.invoke(app, ["assess", "--answers", str(answers_file), "--json", "--top", "2"]).stdout)
    assert all(r["rank"] <= 2 for r in top2["ranking"])


def test_assess_table(runner, answers_file):
    result = runner.invoke(app, ["assess", "--answers", str(answers_file), "--top", "3"])
    assert result.exit_code == 0
    assert "Recommended instruments" in result.stdout and "Excluded instruments" in result.stdout
    assert "Sensitivity" in result.stdout


def test_answers_file_errors_name_file_and_line(runner, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "questionnaire: core\nanswers:\n  budgt: under_100k\n  trust: verry_low\n  stage: return\n"
        "  skill_profile: [low_skilled, mixed]\n"
    )
    result = runner.invoke(app, ["assess", "--answers", str(bad)])
    assert result.exit_code == 1
    err = result.stderr
    assert f"{bad}:3: answers.budgt: unknown question (did you mean 'budget'?)" in err
    assert f"{bad}:4: answers.trust: unknown choice 'verry_low'" in err
    assert f"{bad}:6: answers.skill_profile: a single question takes one value, not a list" in err
    assert "Traceback" not in result.output


def test_save_answers_round_trip_and_no_silent_overwrite(runner, answers_file, tmp_path):
    out = tmp_path / "saved.yaml"
    first = runner.invoke(app, ["assess", "--answers", str(answers_file), "--save-answers", str(out), "--json"])
    assert first.exit_code == 0
    replay = runner.invoke(app, ["assess", "--answers", str(out), "--json"])
    assert json.loads(replay.stdout)["ranking"] == json.loads(first.stdout)["ranking"]
    out.write_text("keep me")
    again = runner.invoke(app, ["assess", "--answers", str(answers_file), "--save-answers", str(out)])
    assert again.exit_code == 1 and "--force" in again.stderr
    assert out.read_text() == "keep me"
    forced = runner.invoke(app, ["assess", "--answers", str(answers_file), "--save-answers", str(out), "--force"])
    assert forced.exit_code == 0 and out.read_text() != "keep me"


def test_interactive_without_terminal_points_to_answers(runner):
    result = runner.invoke(app, ["assess"], input="")
    assert result.exit_code == 1
    assert "--answers" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_usage_errors_exit_2(runner):
    assert runner.invoke(app, ["instruments", "lst"]).exit_code == 2
    assert runner.invoke(app, ["assess", "--top", "0"]).exit_code == 2
    assert runner.invoke(app, ["--no-builtin", "validate"]).exit_code == 2


def test_exclusive_choice_cannot_be_combined(runner, tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("questionnaire: core\nanswers:\n  destination_partners: [none_yet, cities]\n")
    result = runner.invoke(app, ["assess", "--answers", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: answers.destination_partners: 'None yet' cannot be combined with other choices" in result.stderr


def test_write_failures_are_one_line_errors(runner, answers_file, tmp_path: Path):
    target = tmp_path / "a-directory"
    target.mkdir()
    result = runner.invoke(app, ["export", "--answers", str(answers_file), "--output", str(target), "--force"])
    assert result.exit_code == 1
    assert "cannot write" in result.stderr and "internal error" not in result.stderr


def test_export_usage_is_checked_before_the_output_file(runner, tmp_path: Path):
    existing = tmp_path / "report.md"
    existing.write_text("old")
    result = runner.invoke(app, ["export", "--output", str(existing)])
    assert result.exit_code == 2 and existing.read_text() == "old"


def test_questionnaire_option_must_match_the_answers_file(runner, answers_file):
    result = runner.invoke(app, ["assess", "--answers", str(answers_file), "-q", "other"])
    assert result.exit_code == 2 and "does not match" in result.stderr


def test_save_answers_target_is_checked_before_any_question(runner, tmp_path: Path):
    existing = tmp_path / "answers.yaml"
    existing.write_text("keep")
    # without a terminal the interview would fail; the existing file is refused first
    result = runner.invoke(app, ["assess", "--save-answers", str(existing)])
    assert result.exit_code == 1 and "--force" in result.stderr and existing.read_text() == "keep"


def test_question_text_with_a_newline_keeps_the_answers_file_valid(questionnaire):
    from dataclasses import replace

    from migdev_cli.answers_file import dump_answers
    from migdev_cli.models import Programme

    odd = replace(
        questionnaire,
        sections=[
            replace(s, questions=[replace(q, text=q.text + "\nsecond: line") for q in s.questions])
            for s in questionnaire.sections
        ],
    )
    text = dump_answers(odd, Programme(), as_answers({"budget": "under_100k", "stage": ["return"]}))
    assert yaml.safe_load(text)["answers"] == {"budget": "under_100k", "stage": ["return"]}
