"""The recommendations report: structure (parsed with markdown-it-py), escaping, CLI, files, DOCX."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from migdev_cli import __version__
from migdev_cli.answers_file import load_answers
from migdev_cli.catalog import builtin_data_dir, load_catalog
from migdev_cli.cli import app
from migdev_cli.export import build_report, md_inline, render_json, render_markdown
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

SECTIONS = [
    "Executive summary",
    "Assessment context",
    "Ranked instruments",
    "Recommended instruments (top 5)",
    "Excluded instruments",
    "Method",
    "References",
]
SUBSECTIONS = [
    "Why it fits",
    "What it takes",
    "Implementation steps",
    "Actors",
    "Cost and time",
    "Risks and mitigations",
    "Monitoring",
    "Examples",
]

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
    return doc, scorer.assess(values)


def make_report(catalog, questionnaire, assessed, answers_path, top=5):
    doc, result = assessed
    return build_report(result, catalog, questionnaire, doc.programme, str(answers_path), top)


# --------------------------------------------------------------------------- structure


def test_markdown_structure_from_the_builtin_catalog(catalog, questionnaire, assessed, answers_path):
    doc, result = assessed
    report = make_report(catalog, questionnaire, assessed, answers_path)
    text = render_markdown(report)
    tokens = MD.parse(text)

    assert headings(tokens, "h1") == ["Recommended instruments: Diaspora for SMEs, Senegal, 2026-11-23"]
    assert headings(tokens, "h2") == SECTIONS
    assert not [t for t in walk(tokens) if t.type in ("html_inline", "html_block")]

    # executive summary: the instruments ranked 1 to 3, each with a reason from its contributions
    summary = list_items(blocks_under(tokens, "h2", "Executive summary"))
    top3 = [r for r in result.ranking if r.rank <= 3]
    assert len(summary) == len(top3) >= 3
    for line, ranked in zip(summary, top3, strict=True):
        assert line.startswith(f"{ranked.name} (rank {ranked.rank}, score {ranked.score:.1f}): ")
        best = next(c for c in ranked.contributions if c.points > 0)
        assert f"{best.text}: “{best.answer}” gave the largest boost ({best.points:+g} points" in line

    # ranked table: every ranked instrument, in order
    [ranking] = tables(blocks_under(tokens, "h2", "Ranked instruments"))
    assert ranking[0] == ["Rank", "Instrument", "Area", "Score", "Coverage"]
    assert len(ranking) - 1 == len(result.ranking)
    assert [row[1] for row in ranking[1:]] == [r.name for r in result.ranking]
    assert [row[0] for row in ranking[1:]] == [str(r.rank) for r in result.ranking]
    assert [row[3] for row in ranking[1:]] == [f"{r.score:.1f}" for r in result.ranking]

    # the top 5 (by rank), each with every subsection
    recommended = blocks_under(tokens, "h2", "Recommended instruments (top 5)")
    top5 = [r for r in result.ranking if r.rank <= 5]
    assert headings(recommended, "h3") == [f"{r.rank}. {r.name}" for r in top5]
    for r in top5:
        section = blocks_under(recommended, "h3", f"{r.rank}. {r.name}")
        assert headings(section, "h4")[:4] == SUBSECTIONS[:4]
        assert set(SUBSECTIONS) <= set(headings(section, "h4"))
        why = tables(blocks_under(section, "h4", "Why it fits"))
        if r.contributions:
            assert why[0][0] == ["Question", "Answer", "Effect", "Points", "Because"]
            assert [row[0] for row in why[0][1:]] == [c.text for c in r.contributions]
            assert [row[3] for row in why[0][1:]] == [f"{c.points:+.1f}" for c in r.contributions]
        inst = catalog.instrument(r.id)
        steps = list_items(blocks_under(section, "h4", "Implementation steps"))
        assert steps == [collapse(s) for s in inst.steps]

    # excluded instruments with their reasons
    excluded = tables(blocks_under(tokens, "h2", "Excluded instruments"))
    if result.excluded:
        assert [row[0] for row in excluded[0][1:]] == [e.name for e in result.excluded]
        assert [row[2] for row in excluded[0][1:]] == [collapse(e.reason) for e in result.excluded]

    # method note with the sensitivity result
    method = " ".join(inline_text(t) for t in blocks_under(tokens, "h2", "Method") if t.type == "inline")
    assert "50 + sum(25 × w × r) / W" in method
    assert result.sensitivity is not None and result.sensitivity.summary() in method

    # footer for reproducibility
    footer = inline_text([t for t in tokens if t.type == "inline"][-1])
    assert f"migdev {__version__}" in footer
    assert f"questionnaire {questionnaire.id} version {questionnaire.version}" in footer
    assert catalog.fingerprint() in footer and f"from {answers_path.name}." in footer
    assert [t.type for t in tokens].count("hr") == 1


def test_context_shows_every_visible_answer_dont_know_unanswered_and_ignored(
    catalog, questionnaire, assessed, answers_path
):
    doc, result = assessed
    tokens = MD.parse(render_markdown(make_report(catalog, questionnaire, assessed, answers_path)))
    context = blocks_under(tokens, "h2", "Assessment context")
    shown = {}
    for section in questionnaire.sections:
        if not any(q.id in result.answers or q.id in result.unanswered for q in section.questions):
            continue
        [table] = tables(blocks_under(context, "h3", section.title))
        assert table[0] == ["Question", "Answer"]
        shown.update({row[0]: row[1] for row in table[1:]})
    for question in questionnaire.questions:
        if question.id in result.answers:
            value = result.answers[question.id]
            chosen = value if isinstance(value, list) else [value]
            expected = "Don't know" if chosen == ["dont_know"] else ", ".join(question.label_of(v) for v in chosen)
            assert shown.pop(question.text) == expected
        elif question.id in result.unanswered:
            assert shown.pop(question.text) == "(not answered)"
    assert shown == {}  # nothing else, and no hidden question
    assert "legal_framework" in result.unanswered and "export_standards" in result.ignored
    assert _context_answers(tokens).count("Don't know") == 5  # as many as in ANSWERS
    ignored = list_items(blocks_under(context, "h3", "Answers not used"), "bullet_list")
    assert len(ignored) == 1 and ignored[0].startswith(questionnaire.question("export_standards").text)


def _context_answers(tokens: list[Token]) -> list[str]:
    return [row[1] for table in tables(blocks_under(tokens, "h2", "Assessment context")) for row in table[1:]]


def test_open_preconditions_are_flagged_and_confirmed_ones_marked(catalog, questionnaire, assessed, answers_path):
    doc, result = assessed
    everything = len(result.ranking)
    assert any(r.unchecked for r in result.ranking), "the answers should leave some precondition open"
    tokens = MD.parse(render_markdown(make_report(catalog, questionnaire, assessed, answers_path, top=everything)))
    recommended = blocks_under(tokens, "h2", f"Recommended instruments (top {everything})")
    for r in result.ranking:
        section = blocks_under(recommended, "h3", f"{r.rank}. {r.name}")
        items = list_items(blocks_under(section, "h4", "What it takes"), "bullet_list")
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
    from migdev_cli import vocab

    doc, result = assessed
    everything = len(result.ranking)
    report = make_report(catalog, questionnaire, assessed, answers_path, top=everything)
    tokens = MD.parse(render_markdown(report))
    recommended = blocks_under(tokens, "h2", f"Recommended instruments (top {everything})")
    refs = {ref["number"]: ref["text"] for ref in report["references"]}
    unverified_seen = 0
    for r in result.ranking:
        inst = catalog.instrument(r.id)
        section = blocks_under(recommended, "h3", f"{r.rank}. {r.name}")
        [monitoring] = tables(blocks_under(section, "h4", "Monitoring"))
        assert monitoring[0] == ["Results-chain level", "Indicator", "Unit"]
        levels = [row[0] for row in monitoring[1:]]
        assert levels == sorted(levels, key=["Output", "Outcome", "Impact"].index)
        assert sorted((row[1], row[2]) for row in monitoring[1:]) == sorted(
            (collapse(i.name), collapse(i.unit)) for i in inst.indicators
        )
        [risks] = tables(blocks_under(section, "h4", "Risks and mitigations"))
        assert risks[1:] == [[collapse(x.risk), collapse(x.mitigation)] for x in inst.risks]
        actors = list_items(blocks_under(section, "h4", "Actors"), "bullet_list")
        assert actors[0] == "Origin country: " + (
            "; ".join(vocab.ACTORS[a] for a in inst.actors.origin) or "none named"
        )
        cost = list_items(blocks_under(section, "h4", "Cost and time"), "bullet_list")
        assert cost == [
            f"Cost: {vocab.COST_LEVELS[inst.cost_level]}",
            f"Time to results: {vocab.TIME_TO_RESULTS[inst.time_to_results]}",
            f"Evidence: {vocab.EVIDENCE_LEVELS[inst.evidence.level]}",
        ]
        examples = blocks_under(section, "h4", "Examples")
        assert headings(examples, "h5") == [collapse(e.name) for e in inst.examples]
        for example in inst.examples:
            body = blocks_under(examples, "h5", collapse(example.name))
            assert list_items(body, "bullet_list") == [collapse(f) for f in example.facts]
            first = inline_text(next(t for t in body if t.type == "inline"))
            assert first.startswith(f"{collapse(example.country)}, {collapse(example.period)}. Source: [")
            number = int(re.search(r"Source: \[(\d+)\]", first).group(1))
            assert refs[number] == collapse(example.source)
            paragraphs = [inline_text(t) for t in body if t.type == "inline"]
            flagged = any(p.startswith("Unverified:") for p in paragraphs)
            assert flagged == (not example.facts_checked)
            kind_line = any(p.startswith("Kind:") for p in paragraphs)
            assert kind_line == (example.kind != "case")
            unverified_seen += flagged
    assert unverified_seen > 0, "the catalog has unverified examples; the report must flag them"


def test_references_are_numbered_unique_and_all_cited(catalog, questionnaire, assessed, answers_path):
    report = make_report(catalog, questionnaire, assessed, answers_path)
    text = render_markdown(report)
    tokens = MD.parse(text)
    references = list_items(blocks_under(tokens, "h2", "References"))
    assert references, "the top instruments cite sources"
    assert len(set(references)) == len(references)
    assert references == [ref["text"] for ref in report["references"]]
    body, _, tail = text.partition("\n## References\n")
    numbers = [int(m) for m in re.findall(r"^(\d+)\. ", tail, flags=re.M)]
    assert numbers == list(range(1, len(references) + 1))
    cited = {int(n) for n in re.findall(r"\\\[(\d+)\\\]", body)}
    assert cited == set(numbers)
    # every source of every recommended instrument is among them, once
    for rec in report["recommendations"]:
        inst = catalog.instrument(rec["id"])
        for source in [*inst.sources, *(e.source for e in inst.examples)]:
            assert references.count(collapse(source)) == 1


def test_json_carries_the_same_content(catalog, questionnaire, assessed, answers_path):
    report = make_report(catalog, questionnaire, assessed, answers_path)
    data = json.loads(render_json(report))
    assert data == report
    assert [r["id"] for r in data["recommendations"]] == [r.id for r in assessed[1].ranking if r.rank <= 5]
    assert data["footer"]["catalog_fingerprint"] == catalog.fingerprint()
    text = render_markdown(report)
    for rec in data["recommendations"]:
        assert md_inline(rec["name"]) in text
    for ref in data["references"]:
        assert f"{ref['number']}. {md_inline(ref['text'])}" in text


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
        app, ["--data-dir", str(evil_data_dir), "--no-builtin", "export", "-a", str(answers), "-o", "-", "--top", "3"]
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    tokens = MD.parse(text)
    every = walk(tokens)
    kinds = {t.type for t in every}
    assert not kinds & {"html_inline", "html_block", "code_inline", "code_block", "fence", "link_open", "image"}
    assert not kinds & {"em_open", "blockquote_open"}
    assert [t.type for t in tokens].count("hr") == 1
    html = MD.render(text)
    assert "<script" not in html and "<img" not in html and "<div" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    # strong emphasis only where the template puts it: the summary names and "Unverified:"/"Warning:" labels
    strong = strong_texts(every)
    names = [collapse(f"{EVIL} {iid}") for iid in ("evil-a", "evil-b")]
    assert sorted(s for s in strong if s.startswith("Evil")) == names
    assert set(strong) - set(names) == {"Unverified:"}

    # every table keeps its column count, and every cell its whole text
    for table in tables(tokens):
        assert len({len(row) for row in table}) == 1
    assert headings(tokens, "h1") == [
        "Recommended instruments: Prog | <script>alert(4)</script> line [red]x[/red], `C`, 2026-11-23"
    ]
    [ranking] = tables(blocks_under(tokens, "h2", "Ranked instruments"))
    assert [row[1] for row in ranking[1:]] == names
    [excluded] = tables(blocks_under(tokens, "h2", "Excluded instruments"))
    assert [row[0] for row in excluded[1:]] == [collapse(f"{EVIL} evil-c")]
    assert len(excluded[0]) == 3

    recommended = blocks_under(tokens, "h2", "Recommended instruments (top 3)")
    assert headings(recommended, "h3") == [f"1. {name}" for name in names]
    section = blocks_under(recommended, "h3", f"1. {names[0]}")
    doc = _evil_instrument("evil-a", "low", "")
    assert list_items(blocks_under(section, "h4", "Implementation steps")) == [collapse(s) for s in doc["steps"]]
    [risks] = tables(blocks_under(section, "h4", "Risks and mitigations"))
    assert risks[1] == ["<img src=x onerror=alert(1)>", "a\\|b | c"]
    [monitoring] = tables(blocks_under(section, "h4", "Monitoring"))
    assert monitoring[1:] == [
        ["Output", "[link](javascript:alert(1))", "n"],
        ["Outcome", "![img](http://x/y.png) <http://auto.link>", "n"],
        ["Impact", "Indicator | one more", "`unit`"],
    ]
    examples = blocks_under(section, "h4", "Examples")
    [example] = headings(examples, "h5")
    assert example == "Example <script>x</script> | [red]x[/red]"
    body = blocks_under(examples, "h5", example)
    assert list_items(body, "bullet_list") == [collapse(f) for f in doc["examples"][0]["facts"]]
    paragraphs = [inline_text(t) for t in body if t.type == "inline" and "Source" in inline_text(t)]
    assert paragraphs == ["Country [red]x[/red], 2020 | 2021. Source: [1]."]

    # the shared source is one reference, cited by both instruments
    references = list_items(blocks_under(tokens, "h2", "References"))
    assert references == ["Shared | source <script>alert(2)</script> line two", "Other | source `x`"]
    assert text.count("#### Sources\n\nReferences \\[1\\], \\[2\\].\n") == 2


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


def test_cli_writes_stdout_and_a_file_with_the_same_text(runner, answers_path, tmp_path):
    out = _export(runner, answers_path, "--output", "-")
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("# Recommended instruments: Diaspora for SMEs, Senegal, 2026-11-23\n")
    assert "export_standards" in out.stderr  # the ignored answer is reported, as by `assess`
    target = tmp_path / "report.md"
    written = _export(runner, answers_path, "--output", str(target))
    assert written.exit_code == 0, written.output
    assert written.stdout == ""
    assert target.read_text(encoding="utf-8") == out.stdout
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report.md.")]  # no temporary file left


def test_cli_never_overwrites_without_force(runner, answers_path, tmp_path):
    target = tmp_path / "report.md"
    target.write_text("old content\n", encoding="utf-8")
    refused = _export(runner, answers_path, "--output", str(target))
    assert refused.exit_code == 1
    assert "--force" in refused.stderr
    assert target.read_text(encoding="utf-8") == "old content\n"
    forced = _export(runner, answers_path, "--output", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_text(encoding="utf-8").startswith("# Recommended instruments")


def test_cli_errors(runner, answers_path, tmp_path):
    bad_format = _export(runner, answers_path, "--output", "-", "--format", "pdf")
    assert bad_format.exit_code == 2 and "markdown, json" in bad_format.stderr
    missing_dir = _export(runner, answers_path, "--output", str(tmp_path / "nowhere" / "r.md"))
    assert missing_dir.exit_code == 1 and "does not exist" in missing_dir.stderr
    assert not (tmp_path / "nowhere").exists()
    no_answers = _export(runner, tmp_path / "missing.yaml", "--output", "-")
    assert no_answers.exit_code == 1 and no_answers.stdout == ""
    bad_top = _export(runner, answers_path, "--output", "-", "--top", "0")
    assert bad_top.exit_code == 2


def test_cli_json_has_the_same_top_instruments(runner, answers_path, tmp_path):
    markdown = _export(runner, answers_path, "--output", "-", "--top", "3")
    as_json = _export(runner, answers_path, "--output", str(tmp_path / "r.json"), "--top", "3", "--format", "json")
    assess = runner.invoke(app, ["assess", "--answers", str(answers_path), "--json", "--top", "3"])
    assert markdown.exit_code == as_json.exit_code == assess.exit_code == 0
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    expected = [r["id"] for r in json.loads(assess.stdout)["ranking"]]
    assert [r["id"] for r in data["recommendations"]] == expected and data["top"] == 3
    tokens = MD.parse(markdown.stdout)
    shown = headings(blocks_under(tokens, "h2", "Recommended instruments (top 3)"), "h3")
    assert shown == [f"{r['rank']}. {r['name']}" for r in data["recommendations"]]
    assert data["footer"]["answers_file"] == answers_path.name
    assert data["programme"] == {"name": "Diaspora for SMEs", "country": "Senegal", "date": "2026-11-23"}


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_pandoc_converts_the_report_to_docx(runner, answers_path, tmp_path, evil_data_dir):
    report = tmp_path / "report.md"
    assert _export(runner, answers_path, "--output", str(report)).exit_code == 0
    docx = tmp_path / "report.docx"
    proc = subprocess.run(
        ["pandoc", "-f", "gfm", "-t", "docx", str(report), "-o", str(docx)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(docx) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert "Diaspora for SMEs" in xml and "<w:tbl>" in xml
    # pandoc reads the escaped text literally as well
    answers = tmp_path / "evil-answers.yaml"
    answers.write_text(EVIL_ANSWERS, encoding="utf-8")
    evil = runner.invoke(
        app, ["--data-dir", str(evil_data_dir), "--no-builtin", "export", "-a", str(answers), "-o", "-"]
    )
    html = subprocess.run(["pandoc", "-f", "gfm", "-t", "html"], input=evil.stdout, capture_output=True, text=True)
    assert html.returncode == 0
    assert "<script" not in html.stdout and "&lt;script&gt;alert(1)&lt;/script&gt;" in html.stdout


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
    assert (tmp_path / "migdev-report.md").read_text(encoding="utf-8").startswith("# Recommended instruments")


def test_interactive_export_asks_before_overwriting(
    catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch
):
    (tmp_path / "old.md").write_text("keep me\n", encoding="utf-8")
    # decline the overwrite, then give another name (JSON by its extension)
    keys = f"{CLEAR}old.md\rn{CLEAR}new.json\r"
    _interactive(keys, catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch)
    assert (tmp_path / "old.md").read_text(encoding="utf-8") == "keep me\n"
    assert json.loads((tmp_path / "new.json").read_text(encoding="utf-8"))["top"] == 5
    # confirm the overwrite
    _interactive(f"{CLEAR}old.md\ry", catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch)
    assert (tmp_path / "old.md").read_text(encoding="utf-8").startswith("# Recommended instruments")


def test_interactive_export_can_be_skipped(catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch):
    _interactive(f"{CLEAR}\r", catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch)
    assert list(tmp_path.iterdir()) == [answers_path]


def test_report_without_programme_sensitivity_or_answers_file(catalog, questionnaire, scorer):
    import datetime

    result = scorer.assess({"budget": "under_100k"}, sensitivity=False)
    report = build_report(result, catalog, questionnaire, None, None, 2, today=datetime.date(2026, 1, 2))
    tokens = MD.parse(render_markdown(report))
    assert headings(tokens, "h1") == ["Recommended instruments, 2026-01-02"]
    method = [inline_text(t) for t in blocks_under(tokens, "h2", "Method") if t.type == "inline"]
    assert method[-1] == "The sensitivity of the ranking was not computed."
    assert report["method"]["sensitivity"] is None and report["footer"]["answers_file"] is None
    assert inline_text([t for t in tokens if t.type == "inline"][-1]).endswith("from the interactive assessment.")
    # a budget under EUR 100,000 screens out every high-cost instrument
    high = {i.id for i in catalog.instruments.values() if i.cost_level == "high"}
    assert high and high <= {e["id"] for e in report["excluded"]}
    [excluded] = tables(blocks_under(tokens, "h2", "Excluded instruments"))
    assert len(excluded) - 1 == len(result.excluded)


def test_interactive_export_to_a_directory_asks_for_a_file_name(
    catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch
):
    target = tmp_path / "reports"
    target.mkdir()
    # a directory is not a file name: the prompt comes back with DIR/migdev-report.md, accepted by Enter
    _interactive(f"{CLEAR}{target}\r\r", catalog, questionnaire, assessed, answers_path, tmp_path, monkeypatch)
    assert (target / "migdev-report.md").read_text(encoding="utf-8").startswith("# Recommended instruments")
