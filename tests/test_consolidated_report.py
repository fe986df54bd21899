"""The consolidated survey report: title block, prose summary, reasons beside "excluded by N of M", Word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from migdev_cli.cli import app

MD = MarkdownIt("commonmark").enable("table")

# Four respondents: all answer the budget alike (under EUR 100,000), split on co-financing.
SURVEY = """\
_id,respondent/stakeholder,respondent/organisation,programme/programme_type,programme/budget,\
programme/cofinancing,programme/time_horizon,target/stage
1,ministry,Ministry of Economy,access_to_finance,under_100k,yes,1_to_3y,long_term
2,ministry,Investment agency,access_to_finance,under_100k,yes,1_to_3y,long_term return
3,diaspora_association,Hometown club,local_economic_development,under_100k,no,under_1y,return
4,diaspora_association,Women's network,access_to_finance,under_100k,no,1_to_3y,long_term
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
    assert "They agree on budget (“Under EUR 100,000”)" in summary
    assert "They disagree most on " in summary and "public co-financing (2 “Yes”, 2 “No”)" in summary

    data = json.loads(runner.invoke(app, ["assess", "--responses", str(survey), "--json"]).stdout)
    excluded = {s["name"]: s["excluded"] for s in data["consolidated"] if s["excluded"]}
    rows = _table_after(tokens, "Why respondents exclude instruments")
    assert rows[0] == ["Instrument", "Excluded by", "Reasons"]
    shown = {row[0]: row for row in rows[1:]}
    assert set(shown) == set(excluded)
    for name, count in excluded.items():
        assert shown[name][1] == f"{count} of 4"
        assert shown[name][2], name  # a reason beside every count
    high = [i.name for i in catalog.instruments.values() if i.cost_level == "high"]
    for name in high:  # every respondent's budget rules the expensive instruments out, and the report says so
        assert "(Budget: Under EUR 100,000) (4 of 4)" in shown[name][2]


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
