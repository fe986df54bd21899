"""The shipped catalog meets the bar of the catalog issue."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from migdev_cli.catalog import builtin_data_dir

MINIMUM_PER_AREA = {"business_creation": 5, "investment": 5, "trade": 4, "enabling_environment": 4}


def test_counts_per_area(catalog):
    counts = Counter(i.area for i in catalog.instruments.values())
    assert len(catalog.instruments) >= 20
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
