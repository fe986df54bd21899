"""Screening, fixed-scale scoring, ranking, explanations and sensitivity."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import answers_strategy
from migdev_cli.answers import as_answers
from migdev_cli.conditions import questions_in
from migdev_cli.instrument_models import Instrument, Precondition
from migdev_cli.models import Leaf
from migdev_cli.package import conflict
from migdev_cli.scoring import NEUTRAL, Scorer
from migdev_cli.sensitivity import alternatives
from migdev_cli.vocab import DONT_KNOW


def test_every_instrument_is_ranked_or_excluded(scorer, catalog, answers_file):
    import yaml

    values = yaml.safe_load(answers_file.read_text())["answers"]
    result = scorer.assess(as_answers(values))
    assert result.excluded and result.ranking
    ids = [r.id for r in result.ranking] + [e.id for e in result.excluded]
    assert sorted(ids) == sorted(catalog.instruments)
    assert len(ids) == len(set(ids))


def test_precondition_excludes_with_reason_in_words(scorer):
    result = scorer.assess(as_answers({"trust": "low", "diaspora_size": "small_dispersed"}), sensitivity=False)
    excluded = {e.id: e.reason for e in result.excluded}
    assert "diaspora-bond" in excluded
    assert "Precondition not met" in excluded["diaspora-bond"]
    assert "Trust in institutions: Low" in excluded["diaspora-bond"] or "Diaspora size" in excluded["diaspora-bond"]


def test_dont_know_never_excludes_and_lowers_coverage_not_score(scorer):
    known = scorer.assess(as_answers({"trust": "high", "budget": "100k_to_1m"}), sensitivity=False)
    unknown = scorer.assess(as_answers({"trust": DONT_KNOW, "budget": "100k_to_1m"}), sensitivity=False)
    assert {e.id for e in unknown.excluded} <= {e.id for e in known.excluded} | set()
    bond_known = next(r for r in known.ranking if r.id == "diaspora-bond")
    bond_unknown = next(r for r in unknown.ranking if r.id == "diaspora-bond")
    assert bond_unknown.coverage < bond_known.coverage
    # "don't know" contributes nothing: the score is what the other answers give
    assert all(c.question != "trust" for c in bond_unknown.contributions)
    assert any("trust" in u.lower() or "issuer" in u.lower() for u in bond_unknown.unchecked)


def test_budget_rule_excludes_high_cost_instruments(scorer, catalog):
    result = scorer.assess(as_answers({"budget": "under_100k"}), sensitivity=False)
    high = {i.id for i in catalog.instruments.values() if i.cost_level == "high"}
    excluded = {e.id for e in result.excluded}
    assert high and high <= excluded
    assert all("EUR 1 million" in e.reason for e in result.excluded if e.id in high)


def test_score_arithmetic_on_fixed_scale(scorer, questionnaire):
    """One answer that gives +2 to an instrument: 50 + 25 * w * 2 / W, W = visible weight."""
    result = scorer.assess(as_answers({"gender_focus": "women_targeted"}), sensitivity=False)
    visible_weight = sum(q.weight for q in questionnaire.questions if q.when is None)
    w = questionnaire.question("gender_focus").weight
    women = [r for r in result.ranking if "women" in scorer_instrument(scorer, r.id).target_groups]
    assert women
    expected = round(NEUTRAL + 25 * w * 2 / visible_weight, 1)
    assert all(r.score == expected for r in women)
    assert all(r.contributions[0].question == "gender_focus" for r in women)
    others = [r for r in result.ranking if r not in women]
    assert all(r.score == NEUTRAL for r in others)


def scorer_instrument(scorer, iid) -> Instrument:
    return next(i for i in scorer.instruments if i.id == iid)


def test_equal_scores_share_a_rank(scorer):
    result = scorer.assess(as_answers({}), sensitivity=False)
    assert {r.rank for r in result.ranking} == {1}
    assert all(r.score == NEUTRAL for r in result.ranking)
    assert [r.name.lower() for r in result.ranking] == sorted(r.name.lower() for r in result.ranking)


def test_competition_ranking_skips_after_ties(scorer, answers_file):
    import yaml

    result = scorer.assess(as_answers(yaml.safe_load(answers_file.read_text())["answers"]), sensitivity=False)
    for position, item in enumerate(result.ranking, start=1):
        earlier = [r for r in result.ranking if r.score > item.score]
        assert item.rank == len(earlier) + 1
        assert item.rank <= position


def test_reasons_name_the_answers_that_moved_the_score(scorer):
    result = scorer.assess(as_answers({"programme_type": ["access_to_finance"]}), sensitivity=False)
    top = result.ranking[0]
    assert top.score > NEUTRAL
    assert any("It plugs into access-to-finance programmes. (Host programme +" in reason for reason in top.reasons)
    assert top.contributions[0].effect == "raised"


def test_hidden_question_answers_are_ignored(scorer):
    result = scorer.assess(as_answers({"diaspora_demand": "no", "export_standards": "yes"}), sensitivity=False)
    assert result.ignored == ["export_standards"]
    assert "export_standards" not in result.answers


def test_sensitivity_reports_changes_that_alter_the_package_or_the_top_three(scorer):
    values = {
        "programme_type": ["access_to_finance"],
        "skill_profile": "low_skilled",
        "budget": "100k_to_1m",
        "objectives": ["business_creation"],
    }
    result = scorer.assess(as_answers(values))
    sens = result.sensitivity
    assert sens is not None and sens.top == result.top_ids()
    assert sens.package == [p.id for p in result.package]
    assert sens.changes and sens.tried > len(sens.changes)
    for change in sens.changes:
        # the reported alternative really alters the package, or pushes an instrument out of the top 3
        trial = scorer.assess(as_answers({**values, change.question: change.alternative_value}), sensitivity=False)
        after = trial.top_ids()
        package_after = [p.id for p in trial.package]
        assert after == change.top_after and package_after == change.package_after
        assert change.alters_package == bool(set(sens.package) - set(package_after))
        assert change.alters_package or set(sens.top) - set(after)
    assert 1 <= len(sens.decisive) <= 3
    assert sens.decisive[0] in {c.question for c in sens.changes if c.alters_package}
    assert sens.robust == (sens.package_changes <= 0.2 * sens.tried)
    data = result.to_dict()["sensitivity"]
    assert data["robust"] is sens.robust and data["decisive"] == sens.decisive


def test_a_tied_instrument_joining_the_top_three_is_not_a_change(scorer):
    """Only answers that push an instrument out of the top 3 or alter the package count."""
    values = {"objectives": ["enabling_environment"], "bottlenecks": ["information"]}
    result = scorer.assess(as_answers(values))
    for change in result.sensitivity.changes:
        assert change.alters_package or set(result.sensitivity.top) - set(change.top_after)


def test_a_mismatch_costs_as_a_match_earns(scorer, questionnaire):
    """An instrument that serves none of the chosen objectives loses what one that serves it gains."""
    result = scorer.assess(as_answers({"objectives": ["trade"]}), sensitivity=False)
    scores = {r.id: r.score for r in result.ranking}
    assert scores["nostalgic-trade-promotion"] - NEUTRAL == NEUTRAL - scores["returnee-startup-grants"] > 0
    returnee = next(r for r in result.ranking if r.id == "returnee-startup-grants")
    assert returnee.fit == "weak" and returnee.contributions[0].effect == "lowered"
    assert "does not serve" in returnee.contributions[0].because


def test_fit_bands_follow_the_needs_questions(scorer):
    values = {"objectives": ["investment"], "bottlenecks": ["finance"], "lead_implementer": "private_finance"}
    result = scorer.assess(as_answers(values), sensitivity=False)
    fit = {r.id: r.fit for r in result.ranking}
    assert fit["remittance-linked-financial-products"] == "strong"
    assert fit["diaspora-bond"] == "weak"  # a bank or company does not issue a sovereign bond
    assert fit["diaspora-mapping"] == "weak"  # serves none of the objectives
    for r in result.ranking:
        needs = ("objectives", "bottlenecks", "lead_implementer")
        fit_points = [c.points for c in r.contributions if c.question in needs]
        if r.fit == "strong":
            assert all(p > 0 for p in fit_points) and len(fit_points) == 3
    nothing = scorer.assess(as_answers({"budget": "over_1m"}), sensitivity=False)
    assert {r.fit for r in nothing.ranking} == {"possible"}


def test_every_question_can_change_some_ranking(scorer, questionnaire):
    """No question is dead weight: some answer to it moves some instrument's score or screens it out."""
    for question in questionnaire.questions:
        moved = scorer.relevant[question.id] or any(scorer.excluders[(question.id, c.value)] for c in question.choices)
        checked = any(
            question.id in questions_in(pre.check)
            for inst in scorer.instruments
            for pre in inst.preconditions
            if pre.check is not None
        )
        assert moved or checked, question.id


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_valid_answers_give_a_package_of_three_or_four_ranked_instruments(data, scorer, questionnaire):
    values = data.draw(answers_strategy(questionnaire))
    result = scorer.assess(as_answers(values), sensitivity=False)
    ids = [p.id for p in result.package]
    ranked_ids = {r.id for r in result.ranking}
    if len(ranked_ids) >= 3:
        assert 3 <= len(ids) <= 4, ids
    assert len(set(ids)) == len(ids) and set(ids) <= ranked_ids
    assert [p.phase for p in result.package] == sorted(p.phase for p in result.package)
    by_id = {i.id: i for i in scorer.instruments}
    for a in ids:
        for b in ids:
            assert a == b or not conflict(by_id[a], by_id[b], questionnaire), (a, b)


def test_instruments_needing_contradictory_answers_never_share_a_package(questionnaire, catalog):
    bond = catalog.instruments["diaspora-bond"]
    low_trust_only = dataclasses.replace(
        catalog.instruments["transnational-mentoring"],
        id="zz-low-trust",
        preconditions=[Precondition(text="Needs low trust.", check=Leaf(question="trust", equals="low"))],
    )
    assert conflict(bond, low_trust_only, questionnaire)
    assert not conflict(bond, catalog.instruments["transnational-mentoring"], questionnaire)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_valid_answers_give_a_valid_deterministic_ranking(data, scorer, questionnaire, catalog):
    values = data.draw(answers_strategy(questionnaire))
    first = scorer.assess(as_answers(values), sensitivity=False)
    second = Scorer(questionnaire, list(reversed(list(catalog.instruments.values())))).assess(
        as_answers(values), sensitivity=False
    )
    assert first.to_dict() == second.to_dict()
    assert all(0 <= r.score <= 100 and 0 <= r.coverage <= 1 for r in first.ranking)
    ids = [r.id for r in first.ranking] + [e.id for e in first.excluded]
    assert sorted(ids) == sorted(catalog.instruments)
    scores = [r.score for r in first.ranking]
    assert scores == sorted(scores, reverse=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_adding_an_instrument_never_reorders_the_others(data, scorer, questionnaire, catalog):
    values = data.draw(answers_strategy(questionnaire))
    template = data.draw(st.sampled_from(sorted(catalog.instruments)))
    extra = dataclasses.replace(catalog.instruments[template], id="zz-extra-instrument", name="Extra")
    before = [r.id for r in scorer.assess(as_answers(values), sensitivity=False).ranking]
    bigger = Scorer(questionnaire, [*catalog.instruments.values(), extra]).assess(as_answers(values), sensitivity=False)
    after = [r.id for r in bigger.ranking if r.id != "zz-extra-instrument"]
    assert after == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fast_scores_agree_with_the_explained_assessment(data, scorer, questionnaire):
    """The scores-only path (sensitivity, many responses) and the explained ranking never differ."""
    values = data.draw(answers_strategy(questionnaire))
    result = scorer.assess(as_answers(values), sensitivity=False)
    fast = scorer.scores(as_answers(values))
    assert {iid for iid, score in fast.items() if score is None} == {e.id for e in result.excluded}
    assert {r.id: r.score for r in result.ranking} == {iid: s for iid, s in fast.items() if s is not None}


def test_sensitivity_only_tries_valid_answers(questionnaire):
    """Alternatives respect choices that must stand alone ("None yet", "Don't know")."""
    for question in questionnaire.questions:
        if question.type != "multiple":
            continue
        values = [c.value for c in question.choices]
        for current in [tuple(values[:1]), tuple(values[:2]), (values[-1],), None]:
            for alternative in alternatives(question, current):
                assert alternative and question.combination_error(alternative) is None, (question.id, alternative)
    partners = questionnaire.question("destination_partners")
    assert ("none_yet",) in alternatives(partners, ("cities",))
    assert ("cities",) in alternatives(partners, ("none_yet",))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_sensitivity_check_from_the_base_sums_equals_it_afresh(scorer, questionnaire, data):
    """The sensitivity check works out each single changed answer from the base answers' sums;
    it finds exactly what assessing every changed set of answers afresh finds."""
    from migdev_cli.sensitivity import check_sensitivity

    answers = as_answers(data.draw(answers_strategy(questionnaire)))
    result = scorer.assess(answers, sensitivity=True)
    afresh = check_sensitivity(questionnaire, answers, result, scorer._outcome)
    assert result.sensitivity == afresh
    assert afresh.tried > 0
