"""The recommendations report: structure (parsed with markdown-it-py), word budget, escaping, CLI, files."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from conftest import REPORT_MAIN
from migdev_cli import __version__, vocab
from migdev_cli.answers import as_answers
from migdev_cli.answers_file import load_answers
from migdev_cli.catalog import builtin_data_dir, load_catalog
from migdev_cli.cli import app
from migdev_cli.export import render_json, render_markdown
from migdev_cli.package import PackageItem
from migdev_cli.report import build_report
from migdev_cli.report_markdown import md_inline
from migdev_cli.report_wording import FIT_LABELS
from migdev_cli.session import export_interactively

# Several "don't know" answers on questions that preconditions check, an optional question
# left out (unanswered) and an answer to a question that is not asked (ignored).
ANSWERS = """\
questionnaire: core
programme: {name: Diaspora for SMEs, country: Senegal, date: 2026-11-23}
answers:
  programme_type: [access_to_finance, local_economic_development]
  budget: 100k_to_1m
  cofinancing: dont_know
  time_horizon: 1_to_3y
  stage: [long_term, return]
  skill_profile: low_skilled
  diaspora_size: large_concentrated
  diaspora_location: dont_know
  diaspora_organisation: [hometown_associations]
  trust: dont_know
  gender_focus: gender_sensitive
  returnee_situation: voluntary_with_savings
  investment_climate: moderate
  finance_access: dont_know
  institutional_capacity: unit_without_budget
  local_authorities: dont_know
  destination_partners: [cities, diaspora_ngos]
  diaspora_demand: "no"
  export_standards: "yes"
"""

ROOT = Path(__file__).resolve().parents[1]

MAIN = REPORT_MAIN  # the report's top-level headings, in order
ANNEX = [
    "A. Fact sheets of the recommended instruments",
    "B. Other ranked instruments",
    "C. Assessment context",
    "D. Excluded instruments",
    "E. Sensitivity of the ranking",
    "F. References",
]
SUBSECTIONS = [
    "Why it fits",
    "What it takes",
    "Implementation steps",
    "Actors",
    "Risks and mitigations",
    "Monitoring",
    "Examples",
]
EXAMPLE_ANSWERS = ROOT / "examples" / "answers.yaml"


MD = MarkdownIt("commonmark").enable("table")


# --------------------------------------------------------------------------- helpers


def walk(tokens: list[Token]) -> list[Token]:
    out = []
    for tok in tokens:
        out.append(tok)
        if tok.children:
            out.extend(walk(tok.children))
    return out


def inline_text(tok: Token) -> str:
    """The literal text of an inline token (what a reader sees)."""
    return "".join(c.content for c in tok.children or [] if c.type in ("text", "text_special"))


def blocks_under(tokens: list[Token], tag: str, title: str) -> list[Token]:
    """Tokens after the heading <tag> with this text, up to the next heading of the same or a higher level."""
    level = int(tag[1])
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag == tag and inline_text(tokens[i + 1]) == title:
            out = []
            for nxt in tokens[i + 3 :]:
                if nxt.type == "heading_open" and int(nxt.tag[1]) <= level:
                    break
                out.append(nxt)
            return out
    raise AssertionError(f"no {tag} heading {title!r}")


def headings(tokens: list[Token], tag: str) -> list[str]:
    return [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == tag]


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Every table as rows of cell texts (the header row first)."""
    out: list[list[list[str]]] = []
    row: list[str] | None = None
    for i, tok in enumerate(tokens):
        if tok.type == "table_open":
            out.append([])
        elif tok.type == "tr_open":
            row = []
        elif tok.type in ("th_open", "td_open"):
            assert row is not None
            row.append(inline_text(tokens[i + 1]))
        elif tok.type == "tr_close":
            out[-1].append(row or [])
    return out


def strong_texts(tokens: list[Token]) -> list[str]:
    """The text inside each **strong** span."""
    out: list[str] = []
    inside: list[str] | None = None
    for tok in tokens:
        if tok.type == "strong_open":
            inside = []
        elif tok.type == "strong_close":
            out.append("".join(inside or []))
            inside = None
        elif inside is not None:
            inside.append(tok.content)
    return out


def list_items(tokens: list[Token], kind: str = "ordered_list") -> list[str]:
    """The paragraph texts of the items of the first list of this kind (top level only)."""
    items: list[str] = []
    depth = 0
    started = False
    for i, tok in enumerate(tokens):
        if tok.type == f"{kind}_open":
            depth += 1
            started = True
        elif tok.type == f"{kind}_close":
            depth -= 1
            if depth == 0:
                break
        elif started and depth == 1 and tok.type == "inline" and tokens[i - 1].type == "paragraph_open":
            items.append(inline_text(tok))
    return items


def collapse(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def answers_path(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS, encoding="utf-8")
    return path


@pytest.fixture
def assessed(catalog, questionnaire, scorer, answers_path):
    doc, values = load_answers(answers_path, catalog.questionnaires)
    return doc, scorer.assess(as_answers(values))


def make_report(catalog, questionnaire, assessed, answers_path, top=None):
    """The report without a package (the top-ranked instruments stand in), whatever the ranking builds."""
    doc, result = assessed
    result = dataclasses.replace(result, package=[])
    return build_report(result, catalog, questionnaire, doc.programme, str(answers_path), top)


def with_package(result):
    """The assessment with a three-phase package of real catalog instruments, as the ranking builds it."""
    ranked = [r.id for r in result.ranking]
    chosen = [ranked[2], ranked[0], ranked[4]]
    package = [
        PackageItem(
            id=iid,
            name=next(r.name for r in result.ranking if r.id == iid),
            phase=phase,
            phase_name=name,
            why=f"Why {iid} fits.",
            before_start=[f"Settle {iid} first. More detail."],
            lead_actors=["national_government"],
        )
        for iid, (phase, name) in zip(chosen, [(1, "Lay the ground"), (2, "Pilot"), (3, "Scale")], strict=True)
    ]
    return dataclasses.replace(result, package=package)


def fact_sheets(tokens: list[Token]) -> list[Token]:
    return blocks_under(blocks_under(tokens, "h2", "Annex"), "h3", ANNEX[0])


# --------------------------------------------------------------------------- structure


def test_markdown_structure_from_the_builtin_catalog(catalog, questionnaire, assessed, answers_path):
    doc, result = assessed
    report = make_report(catalog, questionnaire, assessed, answers_path)
    text = render_markdown(report)
    tokens = MD.parse(text)

    assert headings(tokens, "h1") == ["Recommendations report: Diaspora for SMEs"]
    assert headings(tokens, "h2") == MAIN
    assert headings(blocks_under(tokens, "h2", "Annex"), "h3") == ANNEX
    assert not [t for t in walk(tokens) if t.type in ("html_inline", "html_block")]
    title_block = list_items(tokens[: [t.type for t in tokens].index("heading_open", 3)], "bullet_list")
    assert title_block == [
        "Programme: Diaspora for SMEs",
        "Country: Senegal",
        "Date: 2026-11-23",
        f"Prepared with: migdev {__version__}",
    ]

    # the executive summary is prose (paragraphs, no list or table) naming the recommended instruments
    summary = blocks_under(tokens, "h2", "Executive summary")
    assert {t.type for t in summary} <= {"paragraph_open", "paragraph_close", "inline"}
    prose = " ".join(inline_text(t) for t in summary if t.type == "inline")
    top3 = [r for r in result.ranking if r.rank <= 3]
    assert all(r.name in prose for r in top3)
    assert "Start with " + top3[0].name in prose
    assert "Rough cost" in prose and "time to results" in prose
    assert result.sensitivity is not None and not result.sensitivity.robust
    assert "would change the package" in prose

    # the ranking: every instrument that passed the screening, in order, with fit, score and evidence
    [ranking] = tables(blocks_under(tokens, "h2", "Ranking of the instruments"))
    assert ranking[0] == ["Rank", "Instrument", "Fit", "Score", "Evidence", "Package"]
    assert [row[1] for row in ranking[1:]] == [r.name for r in result.ranking]
    assert [row[0] for row in ranking[1:]] == [str(r.rank) for r in result.ranking]
    assert [row[3] for row in ranking[1:]] == [f"{r.score:.1f}" for r in result.ranking]
    assert [row[2] for row in ranking[1:]] == [FIT_LABELS[r.fit] for r in result.ranking]
    assert [row[5] == "Yes" for row in ranking[1:]] == [r.rank <= 3 for r in result.ranking]

    # fact sheets for the recommended instruments only; the others by reference to the command
    sheets = fact_sheets(tokens)
    assert headings(sheets, "h4") == [f"{r.rank}. {r.name}" for r in top3]
    for r in top3:
        section = blocks_under(sheets, "h4", f"{r.rank}. {r.name}")
        assert headings(section, "h5")[:4] == SUBSECTIONS[:4]
        assert set(SUBSECTIONS) <= set(headings(section, "h5"))
        if r.contributions:
            [why, *_] = tables(blocks_under(section, "h5", "Why it fits"))
            assert why[0] == ["Question", "Answer", "Points", "Because"]
            assert [row[0] for row in why[1:]] == [c.text for c in r.contributions]
        steps = list_items(blocks_under(section, "h5", "Implementation steps"))
        assert steps == [collapse(s) for s in catalog.instrument(r.id).steps]
    [others] = tables(blocks_under(blocks_under(tokens, "h2", "Annex"), "h3", ANNEX[1]))
    assert others[1:] == [[r.name, f"migdev instruments show {r.id}"] for r in result.ranking if r.rank > 3]

    # excluded instruments with their reasons
    [excluded] = tables(blocks_under(blocks_under(tokens, "h2", "Annex"), "h3", ANNEX[3]))
    assert [row[0] for row in excluded[1:]] == [e.name for e in result.excluded]
    assert [row[1] for row in excluded[1:]] == [collapse(e.reason) for e in result.excluded]

    # method and caveats with the sensitivity result in a few lines; the full list in the annex
    method = " ".join(inline_text(t) for t in blocks_under(tokens, "h2", "Method and caveats") if t.type == "inline")
    assert "50 + sum(25 × w × r) / W" in method
    assert result.sensitivity.summary() in method
    [changes] = tables(blocks_under(blocks_under(tokens, "h2", "Annex"), "h3", ANNEX[4]))
    assert len(changes) - 1 == len(result.sensitivity.changes)

    # footer for reproducibility
    footer = inline_text([t for t in tokens if t.type == "inline"][-1])
    assert f"migdev {__version__}" in footer
    assert f"questionnaire {questionnaire.id} version {questionnaire.version}" in footer
    assert catalog.fingerprint() in footer and f"from {answers_path.name}." in footer


def test_the_package_phases_framework_and_next_steps(catalog, questionnaire, assessed, answers_path):
    doc, result = assessed
    result = with_package(result)
    report = build_report(result, catalog, questionnaire, doc.programme, str(answers_path))
    tokens = MD.parse(render_markdown(report))
    assert headings(tokens, "h2")[1] == "Recommended package"
    package = blocks_under(tokens, "h2", "Recommended package")
    [overview] = tables(package)
    assert overview[0] == ["Phase", "Instrument", "Fit", "Cost", "Time to results", "Evidence"]
    assert [row[0] for row in overview[1:]] == ["1. Lay the ground", "2. Pilot", "3. Scale"]
    assert [row[1] for row in overview[1:]] == [f"{k}. {p.name}" for k, p in zip("ABC", result.package, strict=True)]
    for key, item in zip("ABC", result.package, strict=True):
        inst = catalog.instrument(item.id)
        assert overview[1 + "ABC".index(key)][3] == vocab.COST_LEVELS[inst.cost_level].split(" (")[0]
        head = f"{key}. {item.name} (phase {item.phase}, {item.phase_name.lower()})"
        lines = list_items(blocks_under(package, "h3", head), "bullet_list")
        assert lines[0] == f"Why: {item.why}"
        assert lines[1] == f"Settle first: Settle {item.id} first."
        assert lines[2] == "Lead: National ministry or agency."

    summary = " ".join(inline_text(t) for t in blocks_under(tokens, "h2", "Executive summary") if t.type == "inline")
    assert summary.startswith(
        "We recommend a package of 3 instruments for Diaspora for SMEs, Senegal: first lay the ground with "
        f"{result.package[0].name}; then pilot with {result.package[1].name}; then scale with {result.package[2].name}."
    )
    assert f"Start with {result.package[0].name}" in summary
    assert f"settle this: settle {result.package[0].id} first." in summary

    # the ranking marks the package with its phases
    [ranking] = tables(blocks_under(tokens, "h2", "Ranking of the instruments"))
    marked = {row[1]: row[5] for row in ranking[1:] if row[5]}
    assert marked == {p.name: f"Phase {p.phase}" for p in result.package}

    # one results framework for the package: every indicator of its instruments, with unit and empty columns
    [framework] = tables(blocks_under(tokens, "h2", "Results framework for the package"))
    assert framework[0] == ["Level", "Indicator", "Unit", "Instrument", "Baseline", "Target"]
    expected = {
        (key, collapse(i.name), collapse(i.unit))
        for key, p in zip("ABC", result.package, strict=True)
        for i in catalog.instrument(p.id).indicators
    }
    shown = {(key, row[1], row[2]) for row in framework[1:] for key in row[3].split(", ")}
    assert shown == expected
    assert all(row[4] == row[5] == "" for row in framework[1:])
    levels = [row[0] for row in framework[1:]]
    assert levels == sorted(levels, key=["Output", "Outcome", "Impact"].index)

    steps = list_items(blocks_under(tokens, "h2", "Next steps"))
    assert steps[0].startswith("Confirm the answers the recommendation depends on")
    assert any(s.startswith(f"Settle the preconditions, starting with {result.package[0].name}") for s in steps)
    assert any(f"{len(framework) - 1} indicators" in s for s in steps)

    # fact sheets: exactly the package's instruments; --top adds the top-ranked others
    ranked = {r.id: r for r in result.ranking}
    sheets = headings(fact_sheets(tokens), "h4")
    assert sheets == [f"{ranked[p.id].rank}. {p.name}" for p in result.package]
    more = build_report(result, catalog, questionnaire, doc.programme, str(answers_path), top=2)
    ids = [s["id"] for s in more["annex"]["fact_sheets"]]
    assert ids[:3] == [p.id for p in result.package]
    assert set(ids[3:]) == {r.id for r in result.ranking if r.rank <= 2} - {p.id for p in result.package}


def main_words(report: dict[str, Any]) -> int:
    from migdev_cli.report_blocks import main_part, words
    from migdev_cli.report_layout import report_blocks

    return words(main_part(report_blocks(report)))


def test_the_main_part_stays_within_its_word_budget(catalog, questionnaire, scorer, assessed, answers_path):
    doc, result = assessed
    scenarios = [
        make_report(catalog, questionnaire, assessed, answers_path),
        build_report(with_package(result), catalog, questionnaire, doc.programme, str(answers_path)),
    ]
    example, values = load_answers(EXAMPLE_ANSWERS, catalog.questionnaires)
    scenarios.append(build_report(scorer.assess(as_answers(values)), catalog, questionnaire, example.programme, None))
    scenarios.append(build_report(scorer.assess(as_answers({})), catalog, questionnaire, None, None))
    for report in scenarios:
        count = main_words(report)
        assert 400 < count <= 3000, count
        # the annex holds the rest: the whole report is much longer
        from migdev_cli.report_blocks import words
        from migdev_cli.report_layout import report_blocks

        assert words(report_blocks(report)) > count
    # the executive summary reads in a minute (about 250 words at most)
    for report in scenarios:
        assert len(" ".join(report["summary"]).split()) <= 250


def test_context_shows_every_visible_answer_dont_know_unanswered_and_ignored(
    catalog, questionnaire, assessed, answers_path
):
    doc, result = assessed
    tokens = MD.parse(render_markdown(make_report(catalog, questionnaire, assessed, answers_path)))
    context = blocks_under(blocks_under(tokens, "h2", "Annex"), "h3", ANNEX[2])
    shown = {}
    for section in questionnaire.sections:
        if not any(q.id in result.answers or q.id in result.unanswered for q in section.questions):
            continue
        [table] = tables(blocks_under(context, "h4", section.title))
        assert table[0] == ["Question", "Answer"]
        shown.update({row[0]: row[1] for row in table[1:]})
    for question in questionnaire.questions:
        if question.id in result.answers:
            chosen = result.answers[question.id]
            expected = "Don't know" if chosen == ("dont_know",) else ", ".join(question.label_of(v) for v in chosen)
            assert shown.pop(question.text) == expected
        elif question.id in result.unanswered:
            assert shown.pop(question.text) == "(not answered)"
    assert shown == {}  # nothing else, and no hidden question
    assert "legal_framework" in result.unanswered and "export_standards" in result.ignored
    answers = [row[1] for table in tables(context) for row in table[1:]]
    assert answers.count("Don't know") == 5  # as many as in ANSWERS
    ignored = list_items(blocks_under(context, "h4", "Answers not used"), "bullet_list")
    assert len(ignored) == 1 and ignored[0].startswith(questionnaire.question("export_standards").text)


def test_open_preconditions_are_flagged_and_confirmed_ones_marked(catalog, questionnaire, assessed, answers_path):
    doc, result = assessed
    everything = len(result.ranking)
    assert any(r.unchecked for r in result.ranking), "the answers should leave some precondition open"
    tokens = MD.parse(render_markdown(make_report(catalog, questionnaire, assessed, answers_path, top=everything)))
    sheets = fact_sheets(tokens)
    for r in result.ranking:
        section = blocks_under(sheets, "h4", f"{r.rank}. {r.name}")
        items = list_items(blocks_under(section, "h5", "What it takes"), "bullet_list")
        inst = catalog.instrument(r.id)
        assert len(items) == len(inst.preconditions)
        for item, pre in zip(items, inst.preconditions, strict=True):
            assert item.startswith(collapse(pre.text))
            warned = "Warning:" in item
            assert warned == (pre.text in r.unchecked)
            if warned:
                assert "Don't know" in item or "not answered" in item
            assert ("Confirmed by your answers" in item) == (pre.check is not None and pre.text not in r.unchecked)


def test_monitoring_actors_cost_and_examples(catalog, questionnaire, assessed, answers_path):
    doc, result = assessed
    everything = len(result.ranking)
    report = make_report(catalog, questionnaire, assessed, answers_path, top=everything)
    tokens = MD.parse(render_markdown(report))
    sheets = fact_sheets(tokens)
    refs = {ref["number"]: ref["text"] for ref in report["annex"]["references"]}
    unchecked_seen = 0
    for r in result.ranking:
        inst = catalog.instrument(r.id)
        section = blocks_under(sheets, "h4", f"{r.rank}. {r.name}")
        first = inline_text(next(t for t in section if t.type == "inline"))
        assert f"Cost: {vocab.COST_LEVELS[inst.cost_level]}." in first
        assert f"Time to results: {vocab.TIME_TO_RESULTS[inst.time_to_results]}." in first
        assert "Evidence: " in first
        [monitoring] = tables(blocks_under(section, "h5", "Monitoring"))
        assert monitoring[0] == ["Level", "Indicator", "Unit"]
        levels = [row[0] for row in monitoring[1:]]
        assert levels == sorted(levels, key=["Output", "Outcome", "Impact"].index)
        assert sorted((row[1], row[2]) for row in monitoring[1:]) == sorted(
            (collapse(i.name), collapse(i.unit)) for i in inst.indicators
        )
        [risks] = tables(blocks_under(section, "h5", "Risks and mitigations"))
        assert risks[1:] == [[collapse(x.risk), collapse(x.mitigation)] for x in inst.risks]
        actors = list_items(blocks_under(section, "h5", "Actors"), "bullet_list")
        assert actors[0] == "Origin country: " + (
            "; ".join(vocab.ACTORS[a] for a in inst.actors.origin) or "none named"
        )
        examples = blocks_under(section, "h5", "Examples")
        paragraphs = [inline_text(t) for t in examples if t.type == "inline"]
        for example in inst.examples:
            intro = next(p for p in paragraphs if p.startswith(collapse(example.name) + ". "))
            assert f"{collapse(example.country)}, {collapse(example.period)}. Source: [" in intro
            number = int(re.search(r"Source: \[(\d+)\]", intro).group(1))
            assert refs[number] == collapse(example.source)
        flagged = sum(p.startswith("Unchecked:") for p in paragraphs)
        assert flagged == [e.facts_checked for e in inst.examples].count(False)
        kinds = sum(p.startswith("Kind:") for p in paragraphs)
        assert kinds == sum(e.kind != "case" for e in inst.examples)
        unchecked_seen += flagged
    assert unchecked_seen > 0, "the catalog has unchecked examples; the report must flag them"


def test_references_are_numbered_unique_and_all_cited(catalog, questionnaire, assessed, answers_path):
    report = make_report(catalog, questionnaire, assessed, answers_path)
    text = render_markdown(report)
    tokens = MD.parse(text)
    references = list_items(blocks_under(blocks_under(tokens, "h2", "Annex"), "h3", ANNEX[5]))
    assert references, "the recommended instruments cite sources"
    assert len(set(references)) == len(references)
    assert references == [ref["text"] for ref in report["annex"]["references"]]
    body, _, tail = text.partition("\n### F. References\n")
    numbers = [int(m) for m in re.findall(r"^(\d+)\. ", tail, flags=re.M)]
    assert numbers == list(range(1, len(references) + 1))
    cited = {int(n) for n in re.findall(r"\\\[(\d+)\\\]", body)}
    assert cited == set(numbers)
    for sheet in report["annex"]["fact_sheets"]:
        inst = catalog.instrument(sheet["id"])
        for source in [*inst.sources, *(e.source for e in inst.examples)]:
            assert references.count(collapse(source)) == 1


def test_json_carries_the_same_content(catalog, questionnaire, assessed, answers_path):
    report = make_report(catalog, questionnaire, assessed, answers_path)
    data = json.loads(render_json(report))
    assert data == report
    assert [p["id"] for p in data["package"]] == [r.id for r in assessed[1].ranking if r.rank <= 3]
    assert data["package_source"] == "top"
    assert data["footer"]["catalog_fingerprint"] == catalog.fingerprint()
    text = render_markdown(report)
    for item in data["ranking"]:
        assert md_inline(item["name"]) in text
    for ref in data["annex"]["references"]:
        assert f"{ref['number']}. {md_inline(ref['text'])}" in text
    for paragraph in data["summary"]:
        assert md_inline(paragraph) in text


def test_the_report_is_reproducible(catalog, questionnaire, assessed, answers_path):
    first = render_markdown(make_report(catalog, questionnaire, assessed, answers_path))
    second = render_markdown(make_report(catalog, questionnaire, assessed, answers_path))
    assert first == second


# --------------------------------------------------------------------------- escaping


EVIL = "Evil | name\nwith `code` *bold* _em_ <script>alert(1)</script> [red]x[/red] \\ back &amp; #tag"


def _evil_instrument(iid: str, cost: str, source: str) -> dict[str, Any]:
    return {
        "id": iid,
        "name": f"{EVIL} {iid}",
        "area": "business_creation",
        "summary": "Line one\n\n# Heading injection\n<div>html block</div>\n| a | b |\n|---|---|",
        "objectives": ["Objective | one"],
        "steps": ["1. looks like a list", "- bullet\n- another", "---", "<!-- comment -->", "```\nfence\n```"],
        "target_groups": ["low_skilled_migrants"],
        "stages": ["long_term"],
        "actors": {"origin": ["ngos"], "destination": ["diaspora_organisations"]},
        "preconditions": [{"text": "Pre | condition\n* star <b>bold</b>"}],
        "programme_types": ["access_to_finance"],
        "cost_level": cost,
        "time_to_results": "short",
        "serves": {"main": ["business_creation"]},
        "addresses": ["finance"],
        "implementers": ["diaspora_ngo"],
        "gender": "Women | <i>x</i>",
        "risks": [{"risk": "<img src=x onerror=alert(1)>", "mitigation": "a\\|b | c"}],
        "indicators": [
            {"name": "Indicator | one\nmore", "unit": "`unit`", "level": "impact"},
            {"name": "[link](javascript:alert(1))", "unit": "n", "level": "output"},
            {"name": "![img](http://x/y.png) <http://auto.link>", "unit": "n", "level": "outcome"},
        ],
        "examples": [
            {
                "name": "Example <script>x</script> | [red]x[/red]",
                "country": "Country [red]x[/red]",
                "period": "2020 | 2021",
                "facts": ["fact | with pipe\n- injected item", "    indented code", "> quote", "&lt;script&gt; &#60;"],
                "source": source,
                "facts_checked": False,
                "kind": "case",
                "note": "note *x*\n\n<script>alert(3)</script>",
            }
        ],
        "related": [],
        "sources": [source, "Other | source `x`"],
        "evidence": {"level": "anecdotal", "self_reported": False, "studies": []},
    }


@pytest.fixture
def evil_data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    (data / "instruments").mkdir(parents=True)
    shutil.copytree(builtin_data_dir() / "questionnaires", data / "questionnaires")
    shared = "Shared | source <script>alert(2)</script>\nline two"
    for iid, cost in (("evil-a", "low"), ("evil-b", "low"), ("evil-c", "high")):
        doc = _evil_instrument(iid, cost, shared)
        (data / "instruments" / f"{iid}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    load_catalog([data])  # the fixture itself must be a valid catalog
    return data


EVIL_ANSWERS = """\
questionnaire: core
programme: {name: "Prog | <script>alert(4)</script>\\nline [red]x[/red]", country: "`C`", date: "2026-11-23"}
answers:
  programme_type: [access_to_finance]
  budget: under_100k
  time_horizon: under_1y
  stage: [long_term]
  skill_profile: low_skilled
  gender_focus: none
"""


def test_no_text_breaks_a_table_or_injects_html(runner, evil_data_dir, tmp_path):
    answers = tmp_path / "evil-answers.yaml"
    answers.write_text(EVIL_ANSWERS, encoding="utf-8")
    result = runner.invoke(
        app, ["--data-dir", str(evil_data_dir), "--no-builtin", "export", "-a", str(answers), "-o", "-"]
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    tokens = MD.parse(text)
    every = walk(tokens)
    kinds = {t.type for t in every}
    assert not kinds & {"html_inline", "html_block", "code_inline", "code_block", "fence", "link_open", "image"}
    assert not kinds & {"em_open", "blockquote_open", "hr"}
    html = MD.render(text)
    assert "<script" not in html and "<img" not in html and "<div" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    # strong emphasis only where the template puts it: labels, and the examples' names
    strong = strong_texts(every)
    labels = {"Programme:", "Country:", "Date:", "Prepared with:", "Why:", "Settle first:", "Lead:", "Sensitivity.",
              "Caveats.", "Warning:", "Unchecked:"}  # fmt: skip
    example = "Example <script>x</script> | [red]x[/red]"
    assert set(strong) - labels == {example}

    # every table keeps its column count, and every cell its whole text
    for table in tables(tokens):
        assert len({len(row) for row in table}) == 1
    assert headings(tokens, "h1") == ["Recommendations report: Prog | <script>alert(4)</script> line [red]x[/red]"]
    names = [collapse(f"{EVIL} {iid}") for iid in ("evil-a", "evil-b")]
    [ranking] = tables(blocks_under(tokens, "h2", "Ranking of the instruments"))
    assert [row[1] for row in ranking[1:]] == names
    annex = blocks_under(tokens, "h2", "Annex")
    [excluded] = tables(blocks_under(annex, "h3", ANNEX[3]))
    assert [row[0] for row in excluded[1:]] == [collapse(f"{EVIL} evil-c")]

    sheets = blocks_under(annex, "h3", ANNEX[0])
    assert headings(sheets, "h4") == [f"1. {name}" for name in names]
    section = blocks_under(sheets, "h4", f"1. {names[0]}")
    doc = _evil_instrument("evil-a", "low", "")
    assert list_items(blocks_under(section, "h5", "Implementation steps")) == [collapse(s) for s in doc["steps"]]
    [risks] = tables(blocks_under(section, "h5", "Risks and mitigations"))
    assert risks[1] == ["<img src=x onerror=alert(1)>", "a\\|b | c"]
    [monitoring] = tables(blocks_under(section, "h5", "Monitoring"))
    assert monitoring[1:] == [
        ["Output", "[link](javascript:alert(1))", "n"],
        ["Outcome", "![img](http://x/y.png) <http://auto.link>", "n"],
        ["Impact", "Indicator | one more", "`unit`"],
    ]
    examples = blocks_under(section, "h5", "Examples")
    assert list_items(examples, "bullet_list") == [collapse(f) for f in doc["examples"][0]["facts"]]
    paragraphs = [inline_text(t) for t in examples if t.type == "inline" and "Source: " in inline_text(t)]
    assert paragraphs == [f"{example}. Country [red]x[/red], 2020 | 2021. Source: [1]."]

    # the shared source is one reference, cited by both instruments
    references = list_items(blocks_under(annex, "h3", ANNEX[5]))
    assert references == ["Shared | source <script>alert(2)</script> line two", "Other | source `x`"]
    assert text.count("\nSources: \\[1\\], \\[2\\].\n") == 2


ALPHABET = list("ab 1.)-+=*_`[]()<>#|\\!&;~${}^:'\"/\n\t\r") + ["é", "中", "&amp;", "&#60;", "<script>", "- ", "1. "]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=14).map("".join))
def test_escaped_text_is_literal_in_every_context(raw):
    expected = collapse(raw)
    assume(expected)
    esc = md_inline(raw)
    assert "\n" not in esc
    for template, opener in (
        ("{}\n", "paragraph_open"),
        ("- {}\n", "bullet_list_open"),
        ("1. {}\n", "ordered_list_open"),
        ("### {}\n", "heading_open"),
        ("| h | x |\n| --- | --- |\n| {} | end |\n", "table_open"),
    ):
        tokens = MD.parse(template.format(esc))
        assert tokens[0].type == opener, (template, esc)
        inlines = [t for t in tokens if t.type == "inline"]
        children = [c for t in inlines for c in t.children or []]
        assert {c.type for c in children} <= {"text", "text_special"}, (template, esc)
        if opener == "table_open":
            assert [inline_text(t) for t in inlines] == ["h", "x", expected, "end"]
        else:
            assert [inline_text(t) for t in inlines] == [expected], (template, esc)


def test_control_characters_are_made_visible():
    assert md_inline("a\x07b\x00c") == "a\\\\x07b\\\\x00c"
    assert inline_text(MD.parse(md_inline("a\x07b") + "\n")[1]) == "a\\x07b"


# --------------------------------------------------------------------------- CLI and files


def _export(runner, answers: Path, *args: str):
    return runner.invoke(app, ["export", "--answers", str(answers), *args])


def _without_chart(text: str) -> str:
    return re.sub(r"\n!\[[^\n]*\]\([^)\n]*\)\n", "", text)


def test_cli_writes_stdout_and_a_file_with_the_chart_beside_it(runner, answers_path, tmp_path):
    out = _export(runner, answers_path, "--output", "-")
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("# Recommendations report: Diaspora for SMEs\n")
    assert "![" not in out.stdout  # no file beside standard output, so no chart
    assert "export_standards" in out.stderr  # the ignored answer is reported, as by `assess`
    target = tmp_path / "report.md"
    written = _export(runner, answers_path, "--output", str(target))
    assert written.exit_code == 0, written.output
    assert written.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert _without_chart(text) == out.stdout
    chart = tmp_path / "report-ranking.png"
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    images = [t for t in walk(MD.parse(text)) if t.type == "image"]
    assert [i.attrs["src"] for i in images] == ["report-ranking.png"]
    assert "report.md and " in written.stderr and "report-ranking.png" in written.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.yaml", "report-ranking.png", "report.md"]


def test_the_format_follows_the_file_name(runner, answers_path, tmp_path):
    as_json = _export(runner, answers_path, "--output", str(tmp_path / "r.json"))
    assert as_json.exit_code == 0, as_json.output
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["report"] == "migdev recommendations" and data["format_version"] == 2
    docx = _export(runner, answers_path, "--output", str(tmp_path / "r.docx"))
    assert docx.exit_code == 0, docx.output
    assert zipfile.is_zipfile(tmp_path / "r.docx")
    assert (tmp_path / "r.md").exists() is False
    # --format wins where the name says nothing; it agrees with a name that does
    plain = _export(runner, answers_path, "--output", str(tmp_path / "report"), "--format", "json")
    assert plain.exit_code == 0 and json.loads((tmp_path / "report").read_text(encoding="utf-8"))["ranking"]
    agreed = _export(runner, answers_path, "--output", str(tmp_path / "x.MD"), "--format", "markdown")
    assert agreed.exit_code == 0 and (tmp_path / "x.MD").read_text(encoding="utf-8").startswith("# ")
    to_stdout = _export(runner, answers_path, "--output", "-", "--format", "json")
    assert json.loads(to_stdout.stdout)["title"] == "Recommendations report: Diaspora for SMEs"


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("report.txt", [], "names no report format"),
        ("report.pdf", ["--format", "markdown"], "names no report format"),
        ("report.docx", ["--format", "json"], "named for Word"),
        ("report.md", ["--format", "docx"], "named for Markdown"),
        ("report.json", ["--format", "markdown"], "named for JSON"),
        ("-", ["--format", "docx"], "needs a file name"),
        ("report.md", ["--format", "pdf"], "unknown value 'pdf'"),
    ],
)
def test_a_wrong_suffix_is_a_usage_error_before_any_work(runner, tmp_path, name, args, message):
    missing = tmp_path / "no-such-answers.yaml"  # never read: the usage error comes first
    target = name if name == "-" else str(tmp_path / name)
    result = _export(runner, missing, "--output", target, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_cli_never_overwrites_without_force(runner, answers_path, tmp_path):
    target = tmp_path / "report.md"
    target.write_text("old content\n", encoding="utf-8")
    refused = _export(runner, answers_path, "--output", str(target))
    assert refused.exit_code == 1
    assert "--force" in refused.stderr
    assert target.read_text(encoding="utf-8") == "old content\n"
    assert not (tmp_path / "report-ranking.png").exists()
    # the chart beside a Markdown report is protected as well
    target.unlink()
    chart = tmp_path / "report-ranking.png"
    chart.write_bytes(b"old chart")
    refused = _export(runner, answers_path, "--output", str(target))
    assert refused.exit_code == 1 and "report-ranking.png already exists" in refused.stderr
    assert chart.read_bytes() == b"old chart" and not target.exists()
    forced = _export(runner, answers_path, "--output", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_text(encoding="utf-8").startswith("# Recommendations report")
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_cli_errors(runner, answers_path, tmp_path):
    missing_dir = _export(runner, answers_path, "--output", str(tmp_path / "nowhere" / "r.md"))
    assert missing_dir.exit_code == 1 and "does not exist" in missing_dir.stderr
    assert not (tmp_path / "nowhere").exists()
    no_answers = _export(runner, tmp_path / "missing.yaml", "--output", "-")
    assert no_answers.exit_code == 1 and no_answers.stdout == ""
    bad_top = _export(runner, answers_path, "--output", "-", "--top", "0")
    assert bad_top.exit_code == 2


def test_cli_json_has_the_same_ranking_as_assess(runner, answers_path, tmp_path):
    as_json = _export(runner, answers_path, "--output", str(tmp_path / "r.json"), "--top", "3")
    assess = runner.invoke(app, ["assess", "--answers", str(answers_path), "--json"])
    assert as_json.exit_code == assess.exit_code == 0
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in data["ranking"]] == [r["id"] for r in json.loads(assess.stdout)["ranking"]]
    assert data["footer"]["answers_file"] == answers_path.name
    assert data["programme"] == {"name": "Diaspora for SMEs", "country": "Senegal", "date": "2026-11-23"}


# --------------------------------------------------------------------------- interactive


def _interactive(keys: str, catalog, questionnaire, assessed, answers_path, cwd: Path, monkeypatch) -> None:
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    doc, result = assessed
    monkeypatch.chdir(cwd)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(keys)
        export_interactively(result, catalog, questionnaire, doc.programme, str(answers_path))


CLEAR = "\x15"  # Ctrl-U: delete the default path


def test_interactive_export_writes_the_default_file(
    catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch
):
    _interactive("\r", catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch)
    assert (tmp_path / "migdev-report.md").read_text(encoding="utf-8").startswith("# Recommendations report")


def test_interactive_export_asks_before_overwriting(
    catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch
):
    (tmp_path / "old.md").write_text("keep me\n", encoding="utf-8")
    # decline the overwrite, then give another name (JSON by its extension)
    keys = f"{CLEAR}old.md\rn{CLEAR}new.json\r"
    _interactive(keys, catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch)
    assert (tmp_path / "old.md").read_text(encoding="utf-8") == "keep me\n"
    assert json.loads((tmp_path / "new.json").read_text(encoding="utf-8"))["report"] == "migdev recommendations"
    # confirm the overwrite
    _interactive(f"{CLEAR}old.md\ry", catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch)
    assert (tmp_path / "old.md").read_text(encoding="utf-8").startswith("# Recommendations report")


def test_interactive_export_can_be_skipped(catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch):
    _interactive(f"{CLEAR}\r", catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch)
    assert list(tmp_path.iterdir()) == [answers_path]


def test_report_without_programme_sensitivity_or_answers_file(catalog, questionnaire, scorer):
    import datetime

    result = scorer.assess(as_answers({"budget": "under_100k"}), sensitivity=False)
    report = build_report(result, catalog, questionnaire, None, None, 2, today=datetime.date(2026, 1, 2))
    tokens = MD.parse(render_markdown(report))
    assert headings(tokens, "h1") == ["Recommendations report"]
    assert "Date: 2026-01-02" in list_items(tokens, "bullet_list")
    method = [inline_text(t) for t in blocks_under(tokens, "h2", "Method and caveats") if t.type == "inline"]
    assert "Sensitivity. Not computed for this report." in method
    assert report["sensitivity"] is None and report["footer"]["answers_file"] is None
    assert inline_text([t for t in tokens if t.type == "inline"][-1]).endswith("from the interactive assessment.")
    # a budget under EUR 100,000 screens out every high-cost instrument
    high = {i.id for i in catalog.instruments.values() if i.cost_level == "high"}
    assert high and high <= {e["id"] for e in report["annex"]["excluded"]}
    [excluded] = tables(blocks_under(blocks_under(tokens, "h2", "Annex"), "h3", ANNEX[3]))
    assert len(excluded) - 1 == len(result.excluded)


def test_nothing_passes_the_screening(catalog, questionnaire, scorer, tmp_path):
    from migdev_cli.assessment import Assessment

    empty = Assessment("core", questionnaire.version, {}, [], [])
    report = build_report(empty, catalog, questionnaire, None, None)
    text = render_markdown(report)
    tokens = MD.parse(text)
    assert headings(tokens, "h2") == MAIN
    assert report["package"] == [] and report["results_framework"] == []
    assert "nothing can be recommended" in report["summary"][0]
    from migdev_cli.export import write_report_files

    written = write_report_files(report, tmp_path / "empty.md", "markdown", force=False)
    assert written.files == [tmp_path / "empty.md"]  # no chart for an empty ranking


def test_interactive_export_to_a_directory_asks_for_a_file_name(
    catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch
):
    target = tmp_path / "reports"
    target.mkdir()
    # a directory is not a file name: the prompt comes back with DIR/migdev-report.md, accepted by Enter
    _interactive(f"{CLEAR}{target}\r\r", catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch)
    assert (target / "migdev-report.md").read_text(encoding="utf-8").startswith("# Recommendations report")


def test_report_counts_in_words():
    """A sentence of the summary may start with a count: small counts are words, never figures."""
    from migdev_cli.report_wording import counted

    assert [counted(n) for n in (0, 1, 2, 4, 10)] == ["no", "one", "two", "four", "ten"]
    assert counted(11) == "11" and counted(12_000) == "12,000"
