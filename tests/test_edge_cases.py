"""Edge cases of checking, writing and reading: an overlay catalog, file
permissions, all-bad survey rows, SOURCE_DATE_EPOCH, identifier rules, null and huge answers,
and odd output names."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from migdev_cli import loader, models
from migdev_cli.catalog import builtin_data_dir
from migdev_cli.cli import app
from migdev_cli.errors import MigdevError, OutputExists
from migdev_cli.fileio import write_atomic

BOND = (builtin_data_dir() / "instruments" / "diaspora-bond.yaml").read_text(encoding="utf-8")


def overlay(root: Path, text: str) -> Path:
    """A data directory holding only one instrument (no questionnaire)."""
    (root / "instruments").mkdir(parents=True)
    (root / "instruments" / "my-bond.yaml").write_text(text, encoding="utf-8")
    return root


def test_validate_checks_a_directory_as_data_dir_uses_it(tmp_path: Path, runner) -> None:
    # refers to built-in instruments (`related`) and to a built-in question (a check)
    mine = overlay(tmp_path / "mine", BOND.replace("id: diaspora-bond", "id: my-bond", 1))
    result = runner.invoke(app, ["validate", str(mine)])
    assert result.exit_code == 0, result.output
    assert re.search(r"OK: 1 instruments \(1 investment\), 0 questionnaire\(s\); laid over the built-in", result.stdout)
    alone = runner.invoke(app, ["validate", str(mine), "--alone"])
    assert alone.exit_code == 1 and "unknown instrument" in alone.stderr

    typo = BOND.replace("id: diaspora-bond", "id: my-bond", 1)
    typo = re.sub(r"check: \{question: (\w+)", r"check: {question: \1z", typo, count=1)
    assert typo != BOND.replace("id: diaspora-bond", "id: my-bond", 1)
    broken = overlay(tmp_path / "broken", typo)
    for args in (["validate", str(broken)], ["--data-dir", str(broken), "validate"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert "my-bond.yaml:" in result.stderr and "unknown question" in result.stderr, args


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        new = tmp_path / "report.md"
        write_atomic(new, "# Report\n")
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        os.chmod(new, 0o664)
        write_atomic(new, "# Report again\n", force=True)
        assert stat.S_IMODE(new.stat().st_mode) == 0o664  # kept when replacing
    finally:
        os.umask(old)


def test_output_names_that_are_not_files_are_refused(tmp_path: Path, runner, answers_file: Path) -> None:
    dangling = tmp_path / "link.md"
    dangling.symlink_to(tmp_path / "missing" / "x.md")
    with pytest.raises(OutputExists):
        write_atomic(dangling, "x")
    (tmp_path / "file.csv").write_text("x", encoding="utf-8")
    with pytest.raises(MigdevError, match="is not a directory"):
        write_atomic(tmp_path / "file.csv" / "x.md", "x")
    with pytest.raises(MigdevError, match="not a file name"):
        write_atomic(Path(""), "x")
    result = runner.invoke(app, ["assess", "--answers", str(answers_file), "--save-answers", "-"])
    assert result.exit_code == 2 and "--save-answers needs a file name" in result.stderr
    assert not Path("-").exists()


def test_skip_invalid_lists_every_row_when_all_are_bad(tmp_path: Path, runner) -> None:
    export = tmp_path / "all-bad.csv"
    export.write_text("_id,target/trust\n1,huge\n2,bad\n", encoding="utf-8")
    result = runner.invoke(app, ["assess", "--responses", str(export), "--skip-invalid"])
    assert result.exit_code == 1
    assert "row 2: target/trust: unknown choice 'huge'" in result.stderr
    assert "row 3: target/trust: unknown choice 'bad'" in result.stderr
    assert "every one of the 2 rows has a problem" in result.stderr


@pytest.mark.parametrize("value", ["abc", "-5", "1.5", "253402300800"])
def test_a_malformed_source_date_epoch_is_an_error(value: str, tmp_path: Path, runner, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    out = tmp_path / "form.xlsx"
    result = runner.invoke(app, ["questionnaire", "xlsform", str(out)])
    assert result.exit_code == 1
    assert "SOURCE_DATE_EPOCH must be a whole number of seconds" in result.stderr
    assert "internal error" not in result.output and not out.exists()


def test_every_identifier_pattern_has_its_rule_in_words() -> None:
    patterns = {
        meta.limits["pattern"]
        for name in dir(models)
        for meta in getattr(getattr(models, name), "__metadata__", ())
        if isinstance(meta, models.Constrained) and "pattern" in meta.limits
    }
    assert len(patterns) == 3
    assert patterns == set(loader._IDENTIFIER_RULES)


def test_identifier_errors_state_the_rule_of_that_field(tmp_path: Path, runner) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("questionnaire: my-q\nanswers: {}\n", encoding="utf-8")
    result = runner.invoke(app, ["assess", "--answers", str(answers)])
    assert result.exit_code == 1
    assert "'my-q' is not a valid identifier (a lower-case letter, then lower-case letters, digits or _)" in (
        result.stderr
    )
    mine = overlay(tmp_path / "mine", BOND.replace("id: diaspora-bond", "id: My_Bond", 1))
    result = runner.invoke(app, ["validate", str(mine)])
    assert "'My_Bond' is not a valid identifier (lower-case letters and digits, words joined by single hyphens)" in (
        result.stderr
    )


def test_null_and_huge_answers_get_short_clear_messages(tmp_path: Path, runner) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"questionnaire: core\nanswers:\n  trust: null\n  budget: {'x' * 100_000}\n", encoding="utf-8")
    result = runner.invoke(app, ["assess", "--answers", str(answers)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(":3: answers.trust: no answer (empty or null); leave the question out" in line for line in lines)
    budget = next(line for line in lines if "answers.budget" in line)
    assert "unknown choice 'xxxx" in budget and len(budget) < 400


def test_consolidated_markdown_keeps_warnings_and_says_when_all_agree(tmp_path: Path, runner) -> None:
    export = tmp_path / "alike.csv"
    # both answer trust alike; row 2 answers a question that is hidden for it; `notes` is unknown
    export.write_text(
        "_id,target/trust,target/stage,target/returnee_situation,notes\n"
        "1,high,arrival,voluntary_with_savings,\n"
        "2,high,arrival,,\n",
        encoding="utf-8",
    )
    md = runner.invoke(app, ["export", "--responses", str(export), "--output", "-"])
    assert md.exit_code == 0, md.output
    assert "## Warnings" in md.stdout
    assert "column 'notes' ignored" in md.stdout and "returnee\\_situation' ignored in row 2" in md.stdout
    assert "answered alike by all of them" in md.stdout
    data = runner.invoke(app, ["assess", "--responses", str(export), "--json"])
    assert data.exit_code == 0, data.output
    assert '"disagreement": -0.0' not in data.stdout and '"disagreement": 0.0' in data.stdout


def test_the_report_depends_on_the_answers_not_on_how_the_file_was_named(
    tmp_path: Path, runner, answers_file: Path, monkeypatch
) -> None:
    monkeypatch.chdir(answers_file.parent)
    reports = [
        runner.invoke(app, ["export", "--answers", name, "--output", "-"]).stdout
        for name in (answers_file.name, f"./{answers_file.name}", str(answers_file))
    ]
    assert reports[0] == reports[1] == reports[2]
    footer = reports[0].rstrip().splitlines()[-1]
    assert re.search(rf"answers fingerprint [0-9a-f]{{12}} from {re.escape(answers_file.name)}\.$", footer)
    changed = answers_file.read_text(encoding="utf-8").replace("budget: 100k_to_1m", "budget: over_1m")
    assert changed != answers_file.read_text(encoding="utf-8")
    other = tmp_path / "other.yaml"
    other.write_text(changed, encoding="utf-8")
    footer_other = runner.invoke(app, ["export", "--answers", str(other), "--output", "-"]).stdout.splitlines()[-1]
    fingerprint = re.compile(r"answers fingerprint ([0-9a-f]{12})")
    assert fingerprint.search(footer)[1] != fingerprint.search(footer_other)[1]  # type: ignore[index]


def test_keys_and_sections_yaml_reads_as_something_else_get_their_own_line(tmp_path: Path, runner) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "questionnaire: core\nprogramme: null\nanswers:\n  budget: under_100k\n  yes: x\n  null: z\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["assess", "--answers", str(answers)])
    assert result.exit_code == 1
    err = result.stderr
    assert ":2: programme: expected a mapping of keys to values, found nothing" in err
    assert ":5: answers.True: the key True is not text" in err and "put the key in quotes" in err
    assert ":6: answers.None: the key None is not text" in err
    assert "Input should be" not in err
