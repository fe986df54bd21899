"""The recommended package is complementary: it covers the main objective and the named
bottlenecks with distinct instruments, never holds two of the same kind when others are at hand,
lays the ground by the gaps it closes, and keeps its phases meaningful."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import answers_strategy
from migdev_cli.answers import as_answers
from migdev_cli.package import _gaps, kind_of, phase_of, same_kind
from migdev_cli.scoring import main_objective
from test_scenarios import SCENARIOS


def _package(scorer, answers):
    return scorer.assess(as_answers(answers), sensitivity=False).package


def test_kinds_are_read_from_what_the_instrument_is(catalog):
    kinds = {iid: kind_of(inst) for iid, inst in catalog.instruments.items()}
    grants = {iid for iid, kind in kinds.items() if kind == "grant"}
    assert {
        "government-matching-grant",
        "diaspora-direct-investment-cofinancing",
        "remittance-matching-family-business",
        "diaspora-business-plan-competition",
        "returnee-startup-grants",
        "collective-remittance-matching",
    } <= grants
    assert kinds["diaspora-bond"] == kinds["expatriate-savings-instruments"] == "bond"
    assert kinds["diaspora-sme-credit-guarantee"] == "guarantee"
    assert kinds["diaspora-mapping"] is None and kinds["transnational-mentoring"] is None


def test_same_kind_means_the_same_job(catalog):
    i = catalog.instruments
    assert same_kind(i["government-matching-grant"], i["diaspora-direct-investment-cofinancing"])
    assert same_kind(i["diaspora-bond"], i["expatriate-savings-instruments"])
    # two schemes built only for returnees' businesses
    assert same_kind(i["returnee-reintegration-business"], i["returnee-startup-grants"])
    # coaching before return prepares what a grant on return finances
    assert not same_kind(i["pre-return-coaching"], i["returnee-startup-grants"])
    # equity and loans from the settled diaspora are different mechanisms
    assert not same_kind(i["diaspora-business-angels"], i["diaspora-loan-crowdfunding-fund"])
    assert not same_kind(i["diaspora-bond"], i["diaspora-direct-investment-cofinancing"])


def test_no_scenario_package_holds_two_of_the_same_kind(scorer, catalog):
    for name, scenario in SCENARIOS.items():
        ids = [p.id for p in _package(scorer, scenario.full())]
        pairs = [(a, b) for n, a in enumerate(ids) for b in ids[n + 1 :]]
        alike = [(a, b) for a, b in pairs if same_kind(catalog.instruments[a], catalog.instruments[b])]
        assert not alike, (name, alike)


def test_returnees_get_one_scheme_for_their_businesses_and_something_else(scorer):
    """Forced return to Guinea: reintegration support, not also a second grant scheme for returnees."""
    ids = [p.id for p in _package(scorer, SCENARIOS["guinea_eu_iom_reintegration"].full())]
    assert "returnee-reintegration-business" in ids and "returnee-startup-grants" not in ids


def test_one_grant_scheme_per_package(scorer, catalog):
    for name in ("moldova_pare_1_plus_1", "widu_family_business_grants", "afford_diaspora_sme_finance"):
        ids = [p.id for p in _package(scorer, SCENARIOS[name].full())]
        grants = [iid for iid in ids if kind_of(catalog.instruments[iid]) == "grant"]
        assert len(grants) <= 1, (name, grants)


def test_every_package_serves_the_main_objective_and_the_named_bottlenecks(scorer, catalog):
    for name, scenario in SCENARIOS.items():
        result = scorer.assess(as_answers(scenario.full()), sensitivity=False)
        picked = [catalog.instruments[p.id] for p in result.package]
        main = main_objective(result.answers)
        assert any(main in inst.serves.main for inst in picked), name
        named = set(result.answers["bottlenecks"])
        # what some fitting candidate relieves, the package relieves
        fitting = [catalog.instruments[r.id] for r in result.ranking if r.fit == "strong"][:10]
        reachable = named & {b for inst in fitting for b in inst.addresses}
        relieved = {b for inst in picked for b in inst.addresses}
        assert reachable <= relieved, (name, reachable - relieved)


def test_the_ground_is_laid_by_what_closes_the_open_gaps(scorer, catalog):
    """Where trust is mixed and the diaspora unit has no budget, the ground instrument builds trust or
    institutions rather than being merely the cheapest enabling instrument."""
    for name in ("guinea_eu_iom_reintegration", "widu_family_business_grants", "cim_business_ideas_pre_return"):
        answers = SCENARIOS[name].full()
        gaps = _gaps(as_answers(answers))
        assert gaps, name
        ground = [p for p in _package(scorer, answers) if p.phase == 1]
        assert len(ground) == 1, name
        assert gaps & set(catalog.instruments[ground[0].id].addresses), (name, ground[0].id)
        assert ground[0].id != "financial-literacy-migrants"
        assert ground[0].why.startswith("It lays the ground")


def test_the_ground_pick_can_be_led_by_the_lead_implementer(scorer, catalog):
    for name, scenario in SCENARIOS.items():
        answers = scenario.full()
        for item in _package(scorer, answers):
            if item.phase == 1 and "lays the ground" in item.why:
                assert answers["lead_implementer"] in catalog.instruments[item.id].implementers, (name, item.id)


def test_a_scheme_that_takes_years_comes_after_ground(scorer, catalog):
    """Trust before a bond: a package that scales (phase 3) also lays the ground (phase 1)."""
    for name, scenario in SCENARIOS.items():
        phases = [p.phase for p in _package(scorer, scenario.full())]
        if 3 in phases:
            assert 1 in phases, name
    nigeria = _package(scorer, SCENARIOS["nigeria_diaspora_bond"].full())
    ground = [catalog.instruments[p.id] for p in nigeria if p.phase == 1]
    assert ground and {"trust", "information"} & set(ground[0].addresses)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_answers_give_a_package_without_two_of_a_kind(data, scorer, questionnaire, catalog):
    """When ten instruments fit well enough to be candidates, there is always a third of another
    kind, so no package holds two alike; every pick is distinct, and the phases are in order."""
    values = data.draw(answers_strategy(questionnaire))
    result = scorer.assess(as_answers(values), sensitivity=False)
    ids = [p.id for p in result.package]
    if sum(r.fit != "weak" for r in result.ranking) >= 10:
        assert 3 <= len(ids) <= 4
        for n, a in enumerate(ids):
            for b in ids[n + 1 :]:
                assert not same_kind(catalog.instruments[a], catalog.instruments[b]), (a, b)
    assert [p.phase for p in result.package] == sorted(p.phase for p in result.package)
    assert all(p.phase == phase_of(catalog.instruments[p.id]) for p in result.package)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_package_can_be_piloted_and_keeps_to_the_time_horizon(scorer, catalog, questionnaire, data):
    """Something to pilot whenever a pilotable candidate ranked; within a year's horizon, nothing that
    usually takes more than three years (unless fewer than three candidates are left)."""
    answers = data.draw(answers_strategy(questionnaire))
    result = scorer.assess(as_answers(answers), sensitivity=False)
    package = [catalog.instruments[p.id] for p in result.package]
    if not package:
        return
    ranked_pilots = [r for r in result.ranking if r.fit != "weak" and phase_of(catalog.instruments[r.id]) == 2]
    if ranked_pilots:
        assert any(phase_of(inst) == 2 for inst in package), [p.id for p in result.package]
    quick = [r for r in result.ranking if r.fit != "weak" and catalog.instruments[r.id].time_to_results != "long"]
    if answers.get("time_horizon") == "under_1y" and len(quick) >= 3:
        assert all(inst.time_to_results != "long" for inst in package), [p.id for p in result.package]


def test_a_pilot_ranked_beyond_the_first_ten_is_found(scorer, catalog):
    """Found by fuzzing: every candidate that can be piloted ranked below the first ten, and the
    package had none."""
    answers = {
        "budget": "over_1m",
        "objectives": ["investment", "enabling_environment"],
        "skill_profile": "mixed",
        "gender_focus": "gender_sensitive",
        "returnee_situation": "forced_or_unprepared",
        "finance_access": "dont_know",
        "institutional_capacity": "none",
    }
    result = scorer.assess(as_answers(answers), sensitivity=False)
    ranked_pilots = [r.id for r in result.ranking if r.fit != "weak" and phase_of(catalog.instruments[r.id]) == 2]
    assert ranked_pilots
    assert any(phase_of(catalog.instruments[p.id]) == 2 for p in result.package), [p.id for p in result.package]


def test_the_pilot_never_shrinks_the_package_below_three(scorer):
    """Found by fuzzing: a pilot of the same kind as a pick used to leave a package of two."""
    answers = {
        "budget": "over_1m",
        "cofinancing": "yes",
        "time_horizon": "under_1y",
        "lead_implementer": "private_finance",
        "component_location": "origin",
        "bottlenecks": ["information"],
        "stage": ["pre_departure", "temporary_abroad", "return"],
        "skill_profile": "mixed",
        "diaspora_location": "high_income",
        "diaspora_organisation": ["professional_networks", "hometown_associations"],
        "trust": "dont_know",
        "gender_focus": "gender_sensitive",
        "returnee_situation": "voluntary_with_savings",
        "investment_climate": "moderate",
        "institutional_capacity": "agency_with_strategy",
        "legal_framework": ["none_of_these"],
        "diaspora_demand": "no",
        "export_standards": "partly",
    }
    result = scorer.assess(as_answers(answers), sensitivity=False)
    assert 3 <= len(result.package) <= 4 and len({p.id for p in result.package}) == len(result.package)
