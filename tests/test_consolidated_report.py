"""The consolidated survey report: title block, prose summary, reasons beside "excluded by N of M", Word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from migdev_cli.cli import app

MD = MarkdownIt("commonmark").enable("table")

# Four respondents: all answer the skill profile alike (mostly low-skilled), split on trust in the state.
# Only stakeholder questions: the designer's (budget, objectives, ...) come from an answers file.
SURVEY = """\
_id,respondent/stakeholder,respondent/organisation,target/stage,target/skill_profile,target/trust
1,ministry,Ministry of Economy,long_term,low_skilled,high
2,ministry,Investment agency,long_term return,low_skilled,high
3,diaspora_association,Hometown club,return,low_skilled,low
4,diaspora_association,Women's network,long_term,low_skilled,low
"""


@pytest.fixture
def survey(tmp_path: Path) -> Path:
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY, encoding="utf-8")
    return path


def _texts(tokens, kind: str) -> list[str]:
    return [
        "".join(c.content for c in tokens[i + 1].children or [] if c.type in ("text", "text_special"))
        for i, t in enumerate(tokens)
        if t.type == kind
    ]


def _table_after(tokens, heading: str) -> list[list[str]]:
    start = next(i for i, t in enumerate(tokens) if t.type == "heading_open" and tokens[i + 1].content == heading)
    rows: list[list[str]] = []
    for i, tok in enumerate(tokens[start:], start):
        if tok.type == "tr_open":
            rows.append([])
        elif tok.type in ("th_open", "td_open"):
            rows[-1].append(tokens[i + 1].content)
        elif tok.type == "table_close":
            break
    return rows


def test_markdown_title_block_summary_and_reasons(runner, survey, tmp_path, catalog):
    out = tmp_path / "survey.md"
    args = ["export", "--responses", str(survey), "-o", str(out), "--programme", "Prog", "--country", "Senegal"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    tokens = MD.parse(out.read_text(encoding="utf-8"))
    assert _texts(tokens, "heading_open")[0] == "Consolidated needs assessment: Prog"
    items = [t.content for t in tokens if t.type == "inline"][1:8]
    assert "**Programme:** Prog" in items and "**Country:** Senegal" in items
    assert "**Respondents:** 4" in items

    summary = " ".join(
        t.content for t in tokens[: next(i for i, t in enumerate(tokens) if t.content == "Consolidated ranking")]
    )
    assert "4 respondents answered the needs assessment (2 ministry or national agency and 2 diaspora" in summary
    core = catalog.questionnaire("core")
    skills, trust = core.question("skill_profile"), core.question("trust")
    assert f"They agree on {skills.name.lower()} (“{skills.label_of('low_skilled')}”)" in summary
    split = f"{trust.name.lower()} (2 “{trust.label_of('high')}”, 2 “{trust.label_of('low')}”)"
    assert "They disagree most on " in summary and split in summary

    data = json.loads(runner.invoke(app, ["assess", "--responses", str(survey), "--json"]).stdout)
    excluded = {s["name"]: s["excluded"] for s in data["consolidated"] if s["excluded"]}
    rows = _table_after(tokens, "Why respondents exclude instruments")
    assert rows[0] == ["Instrument", "Excluded by", "Reasons"]
    shown = {row[0]: row for row in rows[1:]}
    assert set(shown) == set(excluded)
    for name, count in excluded.items():
        assert shown[name][1] == f"{count} of 4"
        assert shown[name][2], name  # a reason beside every count
    # the two respondents who distrust the state rule the sovereign bond out, and the report says why
    bond = catalog.instruments["diaspora-bond"]
    assert shown[bond.name][1] == "2 of 4"
    assert "Precondition not met: The diaspora trusts the issuer" in shown[bond.name][2]
    assert shown[bond.name][2].endswith("(2 of 2)")


def test_word_consolidated_report(runner, survey, tmp_path):
    docx = pytest.importorskip("docx")
    out = tmp_path / "survey.docx"
    result = runner.invoke(app, ["export", "--responses", str(survey), "-o", str(out), "--programme", "Prog"])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == ["Consolidated needs assessment: Prog"]
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == [
        "Summary",
        "Consolidated ranking",
        "Why respondents exclude instruments",
        "Where respondents disagree most",
        "By stakeholder group (mean score of the top 5)",
        "Method",
        "Annex",
    ]
    assert document.sections[0].header.paragraphs[0].text == "Prog"
    headers = [[c.text for c in t.rows[0].cells] for t in document.tables]
    assert ["Instrument", "Excluded by", "Reasons"] in headers
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    annex = next(i for i, p in enumerate(document.paragraphs) if p.text == "Annex")
    assert any(b.get(f"{w}type") == "page" for b in document.paragraphs[annex - 1]._p.iter(f"{w}br"))


def test_consolidated_format_rules(runner, survey, tmp_path):
    bad = runner.invoke(app, ["export", "--responses", str(survey), "-o", str(tmp_path / "s.txt")])
    assert bad.exit_code == 2 and list(tmp_path.iterdir()) == [survey]
    as_json = runner.invoke(app, ["export", "--responses", str(survey), "-o", str(tmp_path / "s.json")])
    assert as_json.exit_code == 0
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["respondents"] == 4


def test_the_title_block_takes_the_programme_from_the_answers_file(runner, survey, tmp_path):
    programme = tmp_path / "programme.yaml"
    programme.write_text(
        "questionnaire: core\nprogramme: {name: Youth jobs Morazan, country: El Salvador}\n"
        "answers:\n  budget: under_100k\n",
        encoding="utf-8",
    )
    out = tmp_path / "survey.md"
    args = ["export", "--responses", str(survey), "--answers", str(programme), "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Consolidated needs assessment: Youth jobs Morazan")
    assert "**Country:** El Salvador" in text and "**Programme's answers:** " in text
    # --programme replaces the file's name, the file's country stays
    renamed = tmp_path / "renamed.md"
    args = [*args[:-1], str(renamed), "--programme", "Other name"]
    assert runner.invoke(app, args).exit_code == 0
    text = renamed.read_text(encoding="utf-8")
    assert text.startswith("# Consolidated needs assessment: Other name") and "**Country:** El Salvador" in text


def test_a_png_beside_the_survey_report_does_not_block_it(runner, survey, tmp_path):
    """The consolidated report draws no chart: only its own file is checked before writing."""
    (tmp_path / "survey-ranking.png").write_bytes(b"someone else's picture")
    out = tmp_path / "survey.md"
    result = runner.invoke(app, ["export", "--responses", str(survey), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists() and (tmp_path / "survey-ranking.png").read_bytes() == b"someone else's picture"
    again = runner.invoke(app, ["export", "--responses", str(survey), "-o", str(out)])
    assert again.exit_code == 1 and "already exists" in again.stderr
