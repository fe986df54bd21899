"""Real programme contexts and what a domain expert expects the ranking to show.

Each scenario is a programme that has run (country, programme, and the report or evaluation
that describes it), answered as its designers would have answered the core questionnaire.
An expert names the instrument(s) expected in the top 3 (a set means any one of them is
acceptable, for instance an instrument the catalog is gaining) and the instruments that must
stay out of the top 5. Expectations are memberships, never exact scores. They were written
before the scoring was tuned and are not loosened when a scenario fails: the model or the
data are fixed instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from migdev_cli.answers import as_answers
from migdev_cli.vocab import DONT_KNOW

# Answers a designer who has not studied a point would give; each scenario overrides them.
DEFAULTS: dict[str, object] = {
    "budget": "100k_to_1m",
    "cofinancing": DONT_KNOW,
    "time_horizon": "1_to_3y",
    "skill_profile": "mixed",
    "diaspora_size": DONT_KNOW,
    "diaspora_location": DONT_KNOW,
    "diaspora_organisation": [DONT_KNOW],
    "trust": "mixed",
    "gender_focus": "gender_sensitive",
    "investment_climate": "moderate",
    "finance_access": "collateral_gap",
    "institutional_capacity": "unit_without_budget",
    "local_authorities": "partly_decentralised",
    "diaspora_demand": DONT_KNOW,
}


# Where a scenario ticks two objectives, its main objective is the one listed first, the order in
# which its authors wrote them; tests/test_package_main_objective.py checks that every scenario
# also holds without it.


@dataclass(frozen=True)
class Scenario:
    answers: dict[str, object]
    top3: set[str]  # at least one of these in the top 3
    out5: set[str] = field(default_factory=set)  # none of these in the top 5

    def full(self) -> dict[str, object]:
        return {**DEFAULTS, **self.answers}


SCENARIOS: dict[str, Scenario] = {
    # El Salvador, JMDI phase II "Supporting youth entrepreneurship in 7 municipalities of Morazán"
    # (ADEL Morazán with UNDP, EU and SDC funding, 2012-2017; JMDI project page on
    # migration4development.org). Municipalities and their development agency train young people
    # who consider leaving and give seed capital and mentoring; the US diaspora helps market products.
    "el_salvador_morazan_youth_incubation": Scenario(
        answers={
            "objectives": ["business_creation"],
            "lead_implementer": "local_authority",
            "component_location": "origin",
            "programme_type": ["local_economic_development", "bds_m4p"],
            "bottlenecks": ["skills", "finance", "market_access"],
            "stage": ["pre_departure", "long_term"],
            "skill_profile": "low_skilled",
            "diaspora_size": "large_concentrated",
            "diaspora_location": "high_income",
            "diaspora_organisation": ["hometown_associations"],
            "local_authorities": "own_budget",
            "destination_partners": ["development_agency"],
            "finance_access": "collateral_gap",
            "diaspora_demand": "yes",
            "export_standards": "partly",
            "diaspora_importers": "yes",
        },
        top3={"municipal-incubation-diaspora"},
        out5={"collective-remittance-matching", "diaspora-bond", "migrant-business-formalisation"},
    ),
    # Mexico, Programa 3x1 para Migrantes (SEDESOL, federal 2002-2018): hometown associations in
    # the United States co-fund community projects with municipal, state and federal money.
    # Evaluated in Aparicio and Meseguer, "Collective remittances and the state: the 3x1 program
    # in Mexican municipalities", World Development 40(1), 2012; external evaluation 2007.
    "mexico_3x1_hometown_associations": Scenario(
        answers={
            "objectives": ["investment", "enabling_environment"],
            "main_objective": "investment",
            "lead_implementer": "national_government",
            "component_location": "origin",
            "programme_type": ["local_economic_development"],
            "bottlenecks": ["finance", "weak_institutions"],
            "cofinancing": "yes",
            "budget": "over_1m",
            "time_horizon": "over_3y",
            "stage": ["long_term"],
            "skill_profile": "low_skilled",
            "diaspora_size": "large_concentrated",
            "diaspora_location": "high_income",
            "diaspora_organisation": ["hometown_associations"],
            "institutional_capacity": "agency_with_strategy",
            "local_authorities": "own_budget",
        },
        top3={"collective-remittance-matching"},
        out5={"diaspora-business-angels", "diaspora-startup-accelerator", "migrant-business-formalisation"},
    ),
    # Moldova, PARE 1+1 (Programme for Attracting Remittances into the Economy, run by the SME
    # agency ODIMM since 2010; IOM pilot 2008-2010): every leu a migrant or relative invests in
    # a new business is matched by a state grant, with business training first.
    "moldova_pare_1_plus_1": Scenario(
        answers={
            "objectives": ["business_creation", "investment"],
            "main_objective": "business_creation",
            "lead_implementer": "national_government",
            "component_location": "origin",
            "programme_type": ["access_to_finance", "private_sector_development"],
            "bottlenecks": ["finance", "skills"],
            "cofinancing": "yes",
            "budget": "over_1m",
            "stage": ["temporary_abroad", "long_term", "return"],
            "skill_profile": "low_skilled",
            "diaspora_size": "large_dispersed",
            "diaspora_location": "mixed",
            "diaspora_organisation": ["unorganised"],
            "returnee_situation": "voluntary_with_savings",
            "institutional_capacity": "agency_with_strategy",
            "finance_access": "collateral_gap",
        },
        top3={"government-matching-grant"},
        out5={"diaspora-bond", "nostalgic-trade-promotion", "diaspora-business-networks"},
    ),
    # Bangladesh, Wage Earner Development Bond (since 1981): a government savings bond sold to
    # low-skilled workers in the Gulf and Asia through banks and exchange houses (Bangladesh Bank;
    # The Daily Star, "Govt lifts investment cap on wage earner bond", 4 Nov 2024).
    "bangladesh_wage_earner_bond": Scenario(
        answers={
            "objectives": ["investment"],
            "lead_implementer": "national_government",
            "component_location": "both",
            "programme_type": ["access_to_finance"],
            "bottlenecks": ["finance", "remittance_costs"],
            "cofinancing": "yes",
            "budget": "over_1m",
            "time_horizon": "over_3y",
            "stage": ["temporary_abroad"],
            "skill_profile": "low_skilled",
            "diaspora_size": "large_dispersed",
            "diaspora_location": "south_south",
            "diaspora_organisation": ["unorganised"],
            "trust": "high",
            "institutional_capacity": "coordinated",
            "finance_access": "mobile_money",
        },
        top3={"expatriate-savings-instruments"},
        out5={"diaspora-business-angels", "diaspora-startup-accelerator", "diaspora-business-networks"},
    ),
    # Guinea, EU-IOM Joint Initiative for Migrant Protection and Reintegration (from 2017;
    # European Commission fact sheet, December 2017): returnees, most of them brought back from
    # detention in Libya, get individual reintegration plans with small business support.
    "guinea_eu_iom_reintegration": Scenario(
        answers={
            "objectives": ["business_creation"],
            "lead_implementer": "tc_programme",
            "component_location": "origin",
            "programme_type": ["tvet_employment", "bds_m4p"],
            "bottlenecks": ["finance", "skills"],
            "budget": "over_1m",
            "time_horizon": "under_1y",
            "stage": ["return"],
            "skill_profile": "low_skilled",
            "diaspora_size": DONT_KNOW,
            "diaspora_location": "south_south",
            "diaspora_organisation": ["unorganised"],
            "returnee_situation": "forced_or_unprepared",
            "investment_climate": "fragile",
            "finance_access": "weak",
            "institutional_capacity": "unit_without_budget",
            "destination_partners": ["development_agency"],
        },
        top3={"returnee-startup-grants", "returnee-reintegration-business"},
        out5={"pre-return-coaching", "diaspora-bond", "diaspora-business-angels", "diaspora-startup-accelerator"},
    ),
    # Nigeria, first diaspora bond (Debt Management Office, June 2017, USD 300 million, listed in
    # London, 130 percent subscribed: BusinessPost Nigeria, 20 June 2017; D. Ratha, World Bank blog).
    "nigeria_diaspora_bond": Scenario(
        answers={
            "objectives": ["investment"],
            "lead_implementer": "national_government",
            "component_location": "both",
            "programme_type": ["access_to_finance", "investment_climate_sme"],
            "bottlenecks": ["finance"],
            "cofinancing": "yes",
            "budget": "over_1m",
            "time_horizon": "over_3y",
            "stage": ["long_term"],
            "skill_profile": "highly_skilled",
            "diaspora_size": "large_dispersed",
            "diaspora_location": "high_income",
            "diaspora_organisation": ["professional_networks"],
            "trust": "high",
            "investment_climate": "moderate",
            "finance_access": "strong",
            "institutional_capacity": "agency_with_strategy",
        },
        top3={"diaspora-bond"},
        out5={"skills-certification", "migrant-association-skills-savings", "municipal-incubation-diaspora"},
    ),
    # United Kingdom to Sierra Leone and Ghana, AFFORD Diaspora Finance Initiative (2017-2020,
    # Comic Relief Common Ground Initiative): a diaspora NGO raising diaspora money to lend to SMEs.
    "afford_diaspora_sme_finance": Scenario(
        answers={
            "objectives": ["investment", "business_creation"],
            "main_objective": "investment",
            "lead_implementer": "diaspora_ngo",
            "component_location": "both",
            "programme_type": ["access_to_finance", "bds_m4p"],
            "bottlenecks": ["finance", "trust"],
            "budget": "100k_to_1m",
            "stage": ["long_term"],
            "skill_profile": "mixed",
            "diaspora_size": "large_dispersed",
            "diaspora_location": "high_income",
            "diaspora_organisation": ["professional_networks"],
            "trust": "low",
            "investment_climate": "fragile",
            "finance_access": "collateral_gap",
            "institutional_capacity": "unit_without_budget",
            "destination_partners": ["diaspora_ngos"],
        },
        top3={"diaspora-loan-crowdfunding-fund", "diaspora-sme-credit-guarantee"},
        out5={"diaspora-bond", "government-matching-grant", "expatriate-savings-instruments"},
    ),
    # France and Mali, decentralised cooperation between Montreuil and the Cercle de Yélimané
    # (from 1985, suspended in November 2022; Ville de Montreuil; SIAD): the city, its Malian
    # hometown associations and Yélimané's local governments work together.
    "montreuil_yelimane_city_partnership": Scenario(
        answers={
            "objectives": ["trade", "enabling_environment"],
            "main_objective": "trade",
            "lead_implementer": "local_authority",
            "component_location": "both",
            "programme_type": ["local_economic_development", "trade_export_technology"],
            "bottlenecks": ["networks", "weak_institutions", "market_access"],
            "stage": ["long_term"],
            "skill_profile": "low_skilled",
            "diaspora_size": "large_concentrated",
            "diaspora_location": "high_income",
            "diaspora_organisation": ["hometown_associations"],
            "local_authorities": "partly_decentralised",
            "investment_climate": "fragile",
            "destination_partners": ["cities", "diaspora_ngos"],
        },
        top3={"city-business-partnerships"},
        out5={"diaspora-bond", "expatriate-savings-instruments", "diaspora-startup-accelerator"},
    ),
    # El Salvador, nostalgic exports to the Salvadoran diaspora in the United States (cheese, bread,
    # tamales; Orozco and Yansura, "A Taste of Home: The Nostalgia Trade and Migrant Economic
    # Transnationalism"; Diario El Mundo on the export figures).
    "el_salvador_nostalgic_trade": Scenario(
        answers={
            "objectives": ["trade"],
            "lead_implementer": "national_government",
            "component_location": "both",
            "programme_type": ["trade_export_technology", "cluster_value_chain"],
            "bottlenecks": ["market_access", "information"],
            "stage": ["long_term"],
            "diaspora_size": "large_concentrated",
            "diaspora_location": "high_income",
            "diaspora_organisation": ["hometown_associations", "professional_networks"],
            "institutional_capacity": "agency_with_strategy",
            "diaspora_demand": "yes",
            "export_standards": "partly",
            "diaspora_importers": "yes",
        },
        top3={"nostalgic-trade-promotion"},
        out5={"returnee-startup-grants", "skills-certification", "diaspora-bond"},
    ),
    # Philippines, Migrant Savings for Alternative Investment (MSAI) of the NGO Unlad Kabayan
    # (from 1994): savings groups of domestic workers in Hong Kong and other Asian destinations
    # pool savings and train for businesses at home (JMDI "Migrant enterprise development support").
    "philippines_msai_savings_groups": Scenario(
        answers={
            "objectives": ["business_creation"],
            "lead_implementer": "diaspora_ngo",
            "component_location": "both",
            "programme_type": ["bds_m4p", "tvet_employment"],
            "bottlenecks": ["skills", "finance"],
            "budget": "under_100k",
            "stage": ["temporary_abroad", "return"],
            "skill_profile": "low_skilled",
            "diaspora_size": "large_dispersed",
            "diaspora_location": "south_south",
            "diaspora_organisation": ["workers_associations"],
            "gender_focus": "women_targeted",
            "returnee_situation": "voluntary_with_savings",
            "destination_partners": ["diaspora_ngos"],
        },
        top3={"migrant-association-skills-savings"},
        out5={"diaspora-bond", "diaspora-business-angels", "diaspora-business-networks"},
    ),
    # Ghana and Cameroon, WIDU.africa (GIZ, from 2019): migrants in Europe send money for a
    # relative's small business and the platform adds a grant and online coaching.
    "widu_family_business_grants": Scenario(
        answers={
            "objectives": ["business_creation"],
            "lead_implementer": "tc_programme",
            "component_location": "both",
            "programme_type": ["bds_m4p", "access_to_finance"],
            "bottlenecks": ["finance", "skills"],
            "time_horizon": "under_1y",
            "stage": ["long_term"],
            "skill_profile": "mixed",
            "diaspora_size": "large_dispersed",
            "diaspora_location": "high_income",
            "diaspora_organisation": ["unorganised"],
            "finance_access": "mobile_money",
        },
        top3={"remittance-matching-family-business"},
        out5={"diaspora-bond", "expatriate-savings-instruments", "diaspora-legal-framework"},
    ),
    # Afghanistan, IOM Netherlands Temporary Return of Qualified Nationals (TRQN, 2006-2015):
    # Afghan professionals in the Netherlands on assignments in ministries and firms of a fragile state.
    "afghanistan_trqn_expert_missions": Scenario(
        answers={
            "objectives": ["enabling_environment"],
            "lead_implementer": "tc_programme",
            "component_location": "both",
            "programme_type": ["private_sector_development", "tvet_employment"],
            "bottlenecks": ["weak_institutions", "skills"],
            "time_horizon": "under_1y",
            "stage": ["long_term"],
            "skill_profile": "highly_skilled",
            "diaspora_size": "large_dispersed",
            "diaspora_location": "high_income",
            "diaspora_organisation": ["professional_networks"],
            "trust": "low",
            "investment_climate": "fragile",
            "finance_access": "weak",
            "institutional_capacity": "unit_without_budget",
            "local_authorities": "centralised",
            "destination_partners": ["development_agency"],
        },
        top3={"diaspora-expert-missions"},
        out5={"diaspora-business-angels", "diaspora-bond", "expatriate-savings-instruments"},
    ),
    # Eswatini, Diaspora Engagement Project 2021 (EUDiF practice database): a government that
    # does not yet know its diaspora starts by mapping it and opening a dialogue.
    "eswatini_diaspora_engagement": Scenario(
        answers={
            "objectives": ["enabling_environment"],
            "lead_implementer": "national_government",
            "component_location": "both",
            "programme_type": ["investment_climate_sme"],
            "bottlenecks": ["information", "weak_institutions", "networks"],
            "budget": "100k_to_1m",
            "stage": ["long_term"],
            "skill_profile": DONT_KNOW,
            "diaspora_size": "small_dispersed",
            "diaspora_location": DONT_KNOW,
            "diaspora_organisation": ["unorganised"],
            "institutional_capacity": "none",
            "local_authorities": "centralised",
        },
        top3={"diaspora-mapping"},
        out5={"diaspora-bond", "government-matching-grant", "nostalgic-trade-promotion"},
    ),
    # Morocco, MDM Invest (Fonds de promotion des investissements des Marocains du monde, 2009,
    # relaunched 2015; Le Matin, 3 Feb 2015): state grants for diaspora investors whose projects
    # partner banks co-finance.
    "morocco_mdm_invest": Scenario(
        answers={
            "objectives": ["investment"],
            "lead_implementer": "national_government",
            "component_location": "origin",
            "programme_type": ["investment_climate_sme", "access_to_finance"],
            "bottlenecks": ["finance", "information"],
            "cofinancing": "yes",
            "budget": "over_1m",
            "time_horizon": "over_3y",
            "stage": ["long_term"],
            "skill_profile": "entrepreneurs_investors",
            "diaspora_size": "large_concentrated",
            "diaspora_location": "high_income",
            "diaspora_organisation": ["professional_networks"],
            "trust": "high",
            "investment_climate": "conducive",
            "finance_access": "strong",
            "institutional_capacity": "coordinated",
        },
        top3={"diaspora-direct-investment-cofinancing", "diaspora-investment-desk"},
        out5={"skills-certification", "migrant-association-skills-savings", "financial-literacy-migrants"},
    ),
    # Germany to Morocco and Cameroon, CIM "Business Ideas for Development" (Deutsche Welle,
    # 3 January 2014): founder seminars in Germany for migrants who plan to return and start a firm.
    "cim_business_ideas_pre_return": Scenario(
        answers={
            "objectives": ["business_creation"],
            "lead_implementer": "tc_programme",
            "component_location": "both",
            "programme_type": ["bds_m4p"],
            "bottlenecks": ["skills", "information"],
            "budget": "under_100k",
            "time_horizon": "under_1y",
            "stage": ["long_term", "return"],
            "skill_profile": "highly_skilled",
            "diaspora_size": "large_concentrated",
            "diaspora_location": "high_income",
            "diaspora_organisation": ["professional_networks"],
            "returnee_situation": "voluntary_with_savings",
            "destination_partners": ["development_agency", "diaspora_ngos"],
        },
        top3={"pre-return-coaching"},
        out5={"diaspora-bond", "collective-remittance-matching", "expatriate-savings-instruments"},
    ),
    # Indonesia, financial education for female migrant workers and their families in East Java
    # (randomised experiment: Doi, McKenzie and Zia, World Bank Policy Research Working Paper 6157, 2012).
    "indonesia_financial_education": Scenario(
        answers={
            "objectives": ["enabling_environment", "investment"],
            "main_objective": "enabling_environment",
            "lead_implementer": "tc_programme",
            "component_location": "origin",
            "programme_type": ["access_to_finance"],
            "bottlenecks": ["information", "remittance_costs"],
            "budget": "under_100k",
            "time_horizon": "under_1y",
            "stage": ["pre_departure", "temporary_abroad"],
            "skill_profile": "low_skilled",
            "diaspora_size": "large_dispersed",
            "diaspora_location": "south_south",
            "diaspora_organisation": ["unorganised"],
            "gender_focus": "women_targeted",
            "finance_access": "mobile_money",
        },
        top3={"financial-literacy-migrants"},
        out5={"diaspora-bond", "diaspora-business-angels", "diaspora-direct-investment-cofinancing"},
    ),
}


def run(scorer, answers):
    return scorer.assess(as_answers(answers), sensitivity=False)


def top(result, n):
    """Ids ranked in the first n places (ties at the cut-off included)."""
    return {r.id for r in result.ranking if r.rank <= n}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_answers_are_valid_and_complete(scorer, questionnaire, name):
    result = run(scorer, SCENARIOS[name].full())
    assert result.ignored == [], result.ignored
    required = {q.id for q in questionnaire.questions if q.required}
    assert not required & set(result.unanswered), required & set(result.unanswered)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_expected_instrument_in_top_three(scorer, name):
    scenario = SCENARIOS[name]
    result = run(scorer, scenario.full())
    assert scenario.top3 & top(result, 3), [(r.rank, r.id, r.score) for r in result.ranking[:6]]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_contra_indicated_instruments_out_of_top_five(scorer, name):
    scenario = SCENARIOS[name]
    result = run(scorer, scenario.full())
    assert not scenario.out5 & top(result, 5), [(r.rank, r.id, r.score) for r in result.ranking[:6]]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_top_instrument_can_be_led_by_the_stated_implementer(scorer, catalog, name):
    answers = SCENARIOS[name].full()
    first = run(scorer, answers).ranking[0]
    assert answers["lead_implementer"] in catalog.instruments[first.id].implementers


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_package_holds_three_or_four_distinct_ranked_instruments(scorer, name):
    result = run(scorer, SCENARIOS[name].full())
    ids = [p.id for p in result.package]
    ranked = {r.id for r in result.ranking}
    assert 3 <= len(ids) <= 4 and len(set(ids)) == len(ids) and set(ids) <= ranked
    assert [p.phase for p in result.package] == sorted(p.phase for p in result.package)
    assert all(p.why and p.lead_actors for p in result.package)


def test_scenarios_separate_the_ranking(scorer):
    """Across the scenarios, rank 1 and rank 10 lie at least 12 points apart (median) and the top 5
    holds at most one tie."""
    gaps = []
    for scenario in SCENARIOS.values():
        result = run(scorer, scenario.full())
        scores = [r.score for r in result.ranking]
        gaps.append(scores[0] - scores[9])
        top5 = scores[:5]
        assert len(top5) - len(set(top5)) <= 1, top5
    gaps.sort()
    assert gaps[len(gaps) // 2] >= 12, gaps


def test_forced_return_screens_out_coaching_before_departure(scorer):
    answers = SCENARIOS["guinea_eu_iom_reintegration"].full()
    result = run(scorer, answers)
    gone = {e.id: e.reason for e in result.excluded}
    assert "pre-return-coaching" in gone and "notice" in gone["pre-return-coaching"]
    voluntary = run(scorer, {**answers, "returnee_situation": "voluntary_with_savings"})
    assert "pre-return-coaching" in {r.id for r in voluntary.ranking}


def test_a_public_issuer_is_named_when_the_lead_cannot_issue(scorer):
    answers = {**SCENARIOS["nigeria_diaspora_bond"].full(), "lead_implementer": "diaspora_ngo"}
    result = run(scorer, answers)
    gone = {e.id: e.reason for e in result.excluded}
    assert "diaspora-bond" in gone
    assert "public issuer" in gone["diaspora-bond"] and "diaspora organisation" in gone["diaspora-bond"]


def test_explanations_never_show_tag_names(scorer, catalog):
    from migdev_cli import vocab

    # identifiers such as market_access or tc_programme (one-word ids like "finance" are plain English)
    tags = {t for t in [*vocab.OBJECTIVES, *vocab.BOTTLENECKS, *vocab.IMPLEMENTERS] if "_" in t}
    for scenario in SCENARIOS.values():
        result = run(scorer, scenario.full())
        for r in result.ranking[:10]:
            text = " ".join([*r.reasons, *r.warnings, *(c.because for c in r.contributions)])
            assert not [t for t in tags if t in text], (r.id, text)
        for p in result.package:
            text = " ".join([p.why, *p.before_start, *p.lead_actors])
            assert not [t for t in tags if t in text], (p.id, text)


def test_unknown_budget_warns_beside_a_costly_instrument(scorer):
    answers = {**SCENARIOS["nigeria_diaspora_bond"].full(), "budget": DONT_KNOW}
    bond = next(r for r in run(scorer, answers).ranking if r.id == "diaspora-bond")
    assert any("EUR 1 million" in w for w in bond.warnings)


# --------------------------------------------------------------------------- the assess command

OLD_ANSWERS = """\
questionnaire: core
answers:
  programme_type: [access_to_finance, bds_m4p]
  budget: 100k_to_1m
  stage: [long_term, return]
  skill_profile: low_skilled
"""


def test_answers_file_of_the_previous_version_is_read_with_a_warning_naming_the_new_questions(tmp_path, runner):
    from migdev_cli.cli import app

    path = tmp_path / "old.yaml"
    path.write_text(OLD_ANSWERS, encoding="utf-8")
    result = runner.invoke(app, ["assess", "--answers", str(path)])
    assert result.exit_code == 0, result.output
    warning = [line for line in result.stderr.splitlines() if "2026.12" in line]
    assert len(warning) == 1 and str(path) in warning[0]
    for qid in ("objectives", "lead_implementer", "component_location", "bottlenecks"):
        assert qid in warning[0]
    assert "Not answered: objectives" in result.stdout
    assert "Traceback" not in result.output


def test_assess_json_has_package_fit_and_robustness(tmp_path, runner):
    import json

    import yaml

    from migdev_cli.cli import app

    path = tmp_path / "answers.yaml"
    answers = SCENARIOS["el_salvador_morazan_youth_incubation"].full()
    path.write_text(yaml.safe_dump({"questionnaire": "core", "answers": answers}), encoding="utf-8")
    result = runner.invoke(app, ["assess", "--answers", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert "2026.12" not in result.stderr  # every question that decides fit is answered
    data = json.loads(result.stdout)
    assert 3 <= len(data["package"]) <= 4
    for item in data["package"]:
        assert {"id", "name", "phase", "phase_name", "why", "before_start", "lead_actors"} <= set(item)
        assert item["phase"] in (1, 2, 3) and item["phase_name"] in ("Lay the ground", "Pilot", "Scale")
    assert data["package"][0]["phase"] <= data["package"][-1]["phase"]
    assert all(r["fit"] in ("strong", "possible", "weak") and isinstance(r["warnings"], list) for r in data["ranking"])
    assert isinstance(data["sensitivity"]["robust"], bool)
    questions = {q for q in answers} | {"legal_framework"}
    assert data["sensitivity"]["decisive"] and set(data["sensitivity"]["decisive"]) <= questions


def test_assess_shows_the_package_before_the_ranking(tmp_path, runner):
    import yaml

    from migdev_cli.cli import app

    path = tmp_path / "answers.yaml"
    answers = SCENARIOS["mexico_3x1_hometown_associations"].full()
    path.write_text(yaml.safe_dump({"questionnaire": "core", "answers": answers}), encoding="utf-8")
    result = runner.invoke(app, ["assess", "--answers", str(path)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("Recommended package") < out.index("Recommended instruments")
    assert "Lay the ground" in out and "strong" in out


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_results_screen_fits_80_by_24_with_whole_ids(tmp_path, runner, name):
    """The package, the top 5 and the legend come first and fit one 80 x 24 screen; ids are whole."""
    import yaml

    from migdev_cli.cli import app

    path = tmp_path / "answers.yaml"
    answers = SCENARIOS[name].full()
    path.write_text(yaml.safe_dump({"questionnaire": "core", "answers": answers}), encoding="utf-8")
    result = runner.invoke(app, ["assess", "--answers", str(path)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    screen = result.stdout.split("\n\n", 1)[0].splitlines()
    assert len(screen) <= 24 and max(len(line) for line in screen) <= 80, "\n".join(screen)
    assessed = run_cli_ids(answers)
    words = {word.strip("()") for line in screen for word in line.split()}
    for iid in assessed:
        assert iid in words, iid


def run_cli_ids(answers):
    from migdev_cli.catalog import builtin_data_dir, load_catalog
    from migdev_cli.scoring import Scorer

    catalog = load_catalog([builtin_data_dir()])
    scorer = Scorer(catalog.questionnaire("core"), catalog.instruments.values())
    result = scorer.assess(as_answers(answers), sensitivity=False)
    return [p.id for p in result.package] + [r.id for r in result.ranking if r.rank <= 5]
