"""The shipped catalog meets the bar of the catalog issue."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from migdev_cli import vocab
from migdev_cli.catalog import builtin_data_dir

MINIMUM_PER_AREA = {"business_creation": 5, "investment": 5, "trade": 7, "enabling_environment": 4}


def test_counts_per_area(catalog):
    counts = Counter(i.area for i in catalog.instruments.values())
    assert len(catalog.instruments) >= 36
    for area, minimum in MINIMUM_PER_AREA.items():
        assert counts[area] >= minimum, (area, counts[area])


@pytest.fixture(scope="module")
def instruments(catalog):
    return list(catalog.instruments.values())


def test_every_instrument_is_a_complete_fact_sheet(instruments):
    for inst in instruments:
        where = inst.id
        assert len(inst.summary) >= 80, where
        assert inst.objectives, where
        assert len(inst.steps) >= 3, where
        assert len(inst.preconditions) >= 1, where
        assert inst.target_groups and inst.stages and inst.programme_types, where
        assert inst.actors.origin or inst.actors.destination, where
        assert len(inst.risks) >= 2 and all(r.mitigation for r in inst.risks), where
        assert len(inst.indicators) >= 3 and all(i.unit for i in inst.indicators), where
        assert {i.level for i in inst.indicators} & {"outcome", "impact"}, where
        assert inst.related, where


def test_every_example_names_country_period_facts_and_source(instruments):
    for inst in instruments:
        assert inst.examples, inst.id
        for ex in inst.examples:
            assert ex.country and ex.period and ex.facts and len(ex.source) > 10, (inst.id, ex.name)
            assert "not stated" not in ex.country.lower(), f"{inst.id}: an example names its country"
            if not ex.facts_checked:
                assert ex.note, f"{inst.id}: unchecked example {ex.name!r} needs a note saying why"


def test_every_reference_resolves(catalog, instruments):
    for inst in instruments:
        for related in inst.related:
            assert related in catalog.instruments and related != inst.id, (inst.id, related)
    assert catalog.warnings == []


def test_screening_preconditions_exist(instruments):
    checked = [i for i in instruments if any(p.check is not None for p in i.preconditions)]
    assert len(checked) >= len(instruments) // 2


def test_seed_cases_are_covered(catalog):
    text = "\n".join(
        " ".join(
            [
                i.name,
                i.summary,
                *i.sources,
                *(" ".join([e.name, e.country, e.source, *e.facts]) for e in i.examples),
            ]
        )
        for i in catalog.instruments.values()
    )
    for needle in ("AFFORD", "Morazán", "San Francisco", "Malaysia", "Singapore", "Intercultural"):
        assert needle in text, needle


def test_no_two_instruments_share_a_name(instruments):
    names = Counter(i.name.lower() for i in instruments)
    assert max(names.values()) == 1


def test_data_files_carry_the_schema_modeline():
    for kind, schema in (("instruments", "instrument"), ("questionnaires", "questionnaire")):
        for path in sorted((builtin_data_dir() / kind).glob("*.yaml")):
            first = path.read_text(encoding="utf-8").splitlines()[0]
            assert first == f"# yaml-language-server: $schema=../../schema/{schema}.schema.json", path.name


def test_file_names_match_ids(catalog):
    for iid in catalog.instruments:
        assert Path(catalog.origins[("instruments", iid)].file).name == f"{iid}.yaml"


# --------------------------------------------------------------------------- catalog issue 2


NEW_INSTRUMENTS = (
    "diaspora-investment-desk",
    "diaspora-sme-credit-guarantee",
    "remittance-market-development",
    "returnee-reintegration-business",
    "diaspora-tourism-homecoming",
    "diaspora-export-market-entry",
    "small-scale-cross-border-trade",
)

# Instruments the published evaluations speak to: each must name its studies.
RATED_BY_STUDIES = (
    "financial-literacy-migrants",
    "remittance-linked-financial-products",
    "remittance-matching-family-business",
    "diaspora-business-plan-competition",
    "government-matching-grant",
    "collective-remittance-matching",
    "remittance-market-development",
)

# Internal notes and repository paths that must never reach a user.
INTERNAL = re.compile(
    r"seed 0|seed document|domain[ -]notes|research notes|catalog-audit|software-notes|shared/reference"
    r"|[\w-]+/[\w./-]*\.md\b|README\.md|/work/|data/instruments|src/migdev|\bseed (?:text|case)s?\b",
    re.IGNORECASE,
)


def _strings(value: object) -> list[str]:
    """Every string in a parsed YAML document (keys and values)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _leaks(texts: list[str]) -> list[str]:
    return [t for t in texts if INTERNAL.search(t)]


def test_no_internal_notes_in_catalog_or_questionnaire_files():
    for kind in ("instruments", "questionnaires"):
        for path in sorted((builtin_data_dir() / kind).glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            document = yaml.safe_load(text)
            assert _leaks(_strings(document)) == [], path.name
            # YAML comments are not shown, but they travel with the files users copy.
            comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
            assert _leaks(comments) == [], path.name


# The project's own notes (the source and the docs may name repository paths; they may not cite these)
NOTES = re.compile(
    r"seed 0|seed document|domain[ -]notes|research notes|catalog-audit|software-notes|shared/reference"
    r"|\bseed (?:text|case)s?\b",
    re.IGNORECASE,
)


def test_no_internal_notes_in_the_source_docs_or_readme():
    """Comments and docstrings travel with the code; the docs are read by users."""
    root = Path(__file__).resolve().parents[1]
    files = [*sorted((root / "src" / "migdev_cli").glob("*.py")), *sorted((root / "docs").glob("*.md"))]
    for path in [*files, root / "README.md"]:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert [line for line in lines if NOTES.search(line)] == [], path.name
    assert NOTES.search("# Who an instrument is for. Seed 001 stresses low-skilled migrants")


def test_the_leak_check_catches_what_it_should():
    bad = [
        "GFMD report (seed 001)",
        "Seed 001 stresses low-skilled migrants",
        "see the domain notes, section 4",
        "as summarised in the project's research notes",
        "Project notes (shared/reference/domain-notes.md)",
        "/work/main/README.md",
    ]
    assert _leaks(bad) == bad
    assert _leaks(["seed funding for start-ups", "seed capital in tranches", "reference group"]) == []


def test_no_internal_notes_in_rendered_list_and_show(runner, catalog):
    from migdev_cli.cli import app

    outputs = [runner.invoke(app, ["instruments", "list"]).stdout]
    outputs.append(runner.invoke(app, ["questionnaire", "show"]).stdout)
    for iid in catalog.instruments:
        result = runner.invoke(app, ["instruments", "show", iid], env={"COLUMNS": "200"})
        assert result.exit_code == 0, iid
        outputs.append(result.stdout)
    assert _leaks(outputs) == []


def test_every_instrument_has_an_evidence_rating(instruments):
    for inst in instruments:
        assert inst.evidence.level in vocab.EVIDENCE_LEVELS, inst.id
        if inst.evidence.level in ("rigorous", "analogue"):
            assert inst.evidence.studies, inst.id
        for study in inst.evidence.studies:
            assert study.authors and study.design and study.finding and len(study.source) > 10, inst.id
            assert 1950 <= study.year <= 2026, inst.id


def test_instruments_with_published_evaluations_carry_their_studies(catalog):
    for iid in RATED_BY_STUDIES:
        evidence = catalog.instrument(iid).evidence
        assert evidence.studies, iid
        assert evidence.level in ("rigorous", "analogue"), iid
    # the two randomised trials of the instrument itself
    assert catalog.instrument("financial-literacy-migrants").evidence.level == "rigorous"
    assert catalog.instrument("remittance-linked-financial-products").evidence.level == "rigorous"


def test_new_instruments_meet_the_bar_and_carry_the_contract_fields(catalog):
    for iid in NEW_INSTRUMENTS:
        inst = catalog.instrument(iid)
        assert any(p.check is not None for p in inst.preconditions), iid
        assert all(i.unit for i in inst.indicators), iid
        assert [e for e in inst.examples if e.kind == "case" and e.facts_checked], iid
        assert inst.serves is not None and inst.serves.main, iid
        assert inst.addresses and inst.implementers, iid


def test_examples_say_what_they_are(instruments):
    kinds = Counter(e.kind for inst in instruments for e in inst.examples)
    assert kinds["case"] > 0 and kinds["method"] > 0 and kinds["recommendation"] > 0
    for inst in instruments:
        for ex in inst.examples:
            if ex.kind == "recommendation":
                assert not ex.facts_checked and ex.note, (inst.id, ex.name)


def test_afford_is_a_matched_grant_competition(catalog):
    competition = catalog.instrument("diaspora-business-plan-competition")
    [afford] = [e for e in competition.examples if "AFFORD" in e.name]
    facts = " ".join(afford.facts)
    for needle in ("GBP 30,000", "20 UK-based", "GBP 7,500", "at least 10", "GBP 600,000"):
        assert needle in facts, needle
    assert "loan" in afford.note and "GFMD 2016" in afford.note
    crowdfunding = catalog.instrument("diaspora-loan-crowdfunding-fund")
    assert not [e for e in crowdfunding.examples if "Diaspora Finance Initiative" in e.name]
    text = " ".join([crowdfunding.summary, *(i.name for i in crowdfunding.indicators)])
    assert "20 jobs" not in text and "20 per business" not in text


def test_corrected_facts_stay_corrected(catalog):
    def text_of(iid: str) -> str:
        inst = catalog.instrument(iid)
        parts = [inst.summary, *(r.risk + r.mitigation for r in inst.risks)]
        for e in inst.examples:
            parts += [e.name, e.period, e.country, *e.facts, e.note or ""]
        return " ".join(parts)

    assert "discontinued in 2018" not in text_of("collective-remittance-matching")
    assert "2021" in text_of("collective-remittance-matching")
    assert "up to nine" not in text_of("remittance-matching-family-business")
    starter_kits = text_of("returnee-startup-grants")
    assert "relaunched in 2020" not in starter_kits and "July 2017" in starter_kits
    oci = text_of("diaspora-legal-framework")
    assert "7 January 2006" in oci and "3.6 million" in oci
    assert "10%" in text_of("diaspora-bond")


def test_women_tags_follow_documented_participation(catalog):
    for iid in (
        "returnee-startup-grants",
        "government-matching-grant",
        "remittance-matching-family-business",
        "diaspora-startup-accelerator",
        "diaspora-expert-missions",
    ):
        assert "women" in catalog.instrument(iid).target_groups, iid
    for inst in catalog.instruments.values():
        assert "remit more" not in (inst.gender or ""), inst.id


def test_list_filters_by_evidence_level(runner, catalog):
    import json

    from migdev_cli.cli import app

    result = runner.invoke(app, ["instruments", "list", "--evidence", "rigorous", "--json"])
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    expected = sorted(i.id for i in catalog.instruments.values() if i.evidence.level == "rigorous")
    assert sorted(e["id"] for e in listed) == expected and expected
    assert {e["evidence"] for e in listed} == {"rigorous"}
    every = json.loads(runner.invoke(app, ["instruments", "list", "--json"]).stdout)
    assert {e["evidence"] for e in every} <= set(vocab.EVIDENCE_LEVELS)
    table = runner.invoke(app, ["instruments", "list", "--evidence", "analogue"]).stdout
    assert "Evidence" in table.splitlines()[1] and "analogue" in table
    bad = runner.invoke(app, ["instruments", "list", "--evidence", "rigourous"])
    assert bad.exit_code == 2
    assert "rigorous" in bad.output and "Traceback" not in bad.output


def test_show_reports_evidence_beside_the_sheet(runner):
    import json

    from migdev_cli.cli import app

    data = json.loads(runner.invoke(app, ["instruments", "show", "financial-literacy-migrants", "--json"]).stdout)
    assert data["evidence"]["level"] == "rigorous"
    assert {s["authors"].split(",")[0] for s in data["evidence"]["studies"]} == {"Doi", "Gibson", "Seshan"}
    assert all("kind" in e and "facts_checked" in e and "verified" not in e for e in data["examples"])
    text = runner.invoke(app, ["instruments", "show", "diaspora-business-plan-competition"], env={"COLUMNS": "200"})
    assert "Rigorous evidence on a close analogue" in text.stdout
    assert "self-reported" in text.stdout and "McKenzie" in text.stdout
    homestay = runner.invoke(
        app, ["instruments", "show", "community-linkage-diaspora-business"], env={"COLUMNS": "200"}
    )
    assert "A recommendation, not a documented programme" in homestay.stdout


def test_a_rating_without_its_studies_is_refused(tmp_path):
    from typer.testing import CliRunner

    from conftest import make_data_dir
    from migdev_cli.cli import app

    data = make_data_dir(tmp_path, ["government-matching-grant"])
    path = data / "instruments" / "government-matching-grant.yaml"
    text = path.read_text(encoding="utf-8")
    head, _, _ = text.partition("\nevidence:\n")
    path.write_text(head + "\nevidence:\n  level: rigorous\n  self_reported: false\n  studies: []\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(data), "--alone"])
    assert result.exit_code == 1
    line = head.count("\n") + 2
    assert f"government-matching-grant.yaml:{line}" in result.output
    assert "needs at least one study" in result.output and "Traceback" not in result.output


def test_no_internal_notes_in_the_report_or_the_xlsform(runner, tmp_path, answers_file):
    from openpyxl import load_workbook

    from migdev_cli.cli import app

    report = runner.invoke(app, ["export", "--answers", str(answers_file), "-o", "-"])
    assert report.exit_code == 0, report.output
    assert "Evidence:" in report.stdout
    assert _leaks([report.stdout]) == []
    form = tmp_path / "form.xlsx"
    assert runner.invoke(app, ["questionnaire", "xlsform", str(form)]).exit_code == 0
    cells = [
        str(c) for sheet in load_workbook(form).worksheets for row in sheet.iter_rows(values_only=True) for c in row
    ]
    assert _leaks([c for c in cells if c and c != "None"]) == []
