"""The main objective: asked when two or more objectives are ticked, it weighs more in scoring
and fit, and the recommended package covers it first; and the question it replaced is set aside
with a warning in older answers files and survey exports."""

from __future__ import annotations

import itertools

import pytest
import yaml

from migdev_cli.answers import as_answers, resolve
from migdev_cli.conditions import describe
from migdev_cli.vocab import AREAS
from test_scenarios import SCENARIOS

PAIRS = list(itertools.combinations(AREAS, 2))


def test_main_objective_is_asked_only_when_two_or_more_objectives_are_ticked(questionnaire):
    one = resolve(questionnaire, {"objectives": ["trade"]})
    assert "main_objective" not in one.unanswered
    for pair in PAIRS:
        assert "main_objective" in resolve(questionnaire, {"objectives": list(pair)}).unanswered
    every = resolve(questionnaire, {"objectives": list(AREAS)})
    assert "main_objective" in every.unanswered
    ignored = resolve(questionnaire, {"objectives": ["trade"], "main_objective": "trade"})
    assert ignored.ignored == ["main_objective"]


def test_the_condition_reads_as_at_least_two_objectives(questionnaire):
    question = questionnaire.question("main_objective")
    text = describe(question.when, questionnaire)
    assert text == f"'{questionnaire.question('objectives').text}' has at least 2 choices ticked"
    # the same condition over some of the choices names them
    from migdev_cli.models import AnyOf, Leaf

    some = AnyOf(any=[Leaf(question="objectives", all_of=list(p)) for p in itertools.combinations(list(AREAS)[:3], 2)])
    named = describe(some, questionnaire)
    assert "includes at least 2 of" in named and " or (" not in named
    assert all(questionnaire.question("objectives").label_of(v) in named for v in list(AREAS)[:3])


def test_naming_the_main_objective_never_favours_list_order(scorer):
    """The same ticked objectives in either order give the same ranking; only the main marker moves it."""
    base = {**SCENARIOS["montreuil_yelimane_city_partnership"].full()}
    base.pop("main_objective")
    forward = scorer.scores(as_answers({**base, "objectives": ["trade", "enabling_environment"]}))
    backward = scorer.scores(as_answers({**base, "objectives": ["enabling_environment", "trade"]}))
    assert forward == backward
    trade = scorer.scores(
        as_answers({**base, "objectives": ["trade", "enabling_environment"], "main_objective": "trade"})
    )
    assert trade != forward


@pytest.mark.parametrize("pair", PAIRS)
def test_the_main_objective_weighs_more_in_scoring(scorer, catalog, pair):
    """Swapping which of two ticked objectives is the main one raises every instrument built for
    the new main objective alone, and lowers every one built for the other alone."""
    a, b = pair
    answers = {"objectives": [a, b], "bottlenecks": ["finance"]}
    main_a = scorer.scores(as_answers({**answers, "main_objective": a}))
    main_b = scorer.scores(as_answers({**answers, "main_objective": b}))
    for iid, inst in catalog.instruments.items():
        serves = set(inst.serves.main)
        if a in serves and b not in serves:
            assert main_a[iid] > main_b[iid], iid
        elif b in serves and a not in serves:
            assert main_a[iid] < main_b[iid], iid


def test_a_strong_fit_serves_the_main_objective(scorer, catalog):
    answers = {
        "objectives": ["investment", "trade"],
        "main_objective": "investment",
        "bottlenecks": ["finance", "market_access"],
        "lead_implementer": "national_government",
    }
    for main in ("investment", "trade"):
        result = scorer.assess(as_answers({**answers, "main_objective": main}), sensitivity=False)
        fit = {r.id: r.fit for r in result.ranking}
        assert "strong" in fit.values()
        for iid, band in fit.items():
            serves = catalog.instruments[iid].serves
            if band == "strong":
                assert main in serves.main + serves.secondary, (main, iid)
            elif set(serves.main + serves.secondary) & {"investment", "trade"} == {"investment", "trade"} - {main}:
                assert band != "strong", (main, iid)  # it serves only the other objective


def test_a_main_objective_that_was_not_ticked_is_warned_about_and_still_covered(scorer, questionnaire, catalog):
    from migdev_cli.scoring import needs_warning

    answers = {**SCENARIOS["afford_diaspora_sme_finance"].full(), "main_objective": "trade"}
    warning = needs_warning(questionnaire, as_answers(answers), "a.yaml")
    assert warning is not None and warning.startswith("a.yaml: main_objective 'trade' is not among")
    assert "2026.12" not in warning  # nothing is missing
    package = scorer.assess(as_answers(answers), sensitivity=False).package
    assert any("trade" in catalog.instruments[p.id].serves.main for p in package)
    assert needs_warning(questionnaire, as_answers(SCENARIOS["afford_diaspora_sme_finance"].full())) is None


@pytest.mark.parametrize("pair", PAIRS)
def test_the_package_covers_the_main_objective_first(scorer, catalog, pair):
    for main in pair:
        answers = {"objectives": list(pair), "main_objective": main, "bottlenecks": ["finance", "information"]}
        result = scorer.assess(as_answers(answers), sensitivity=False)
        serving = [p for p in result.package if main in catalog.instruments[p.id].serves.main]
        assert serving, (main, [p.id for p in result.package])
        assert any(p.why.startswith("Serves your main aim") for p in serving)


def test_scenarios_keep_their_expectations_without_a_main_objective(scorer):
    """Answers written before the main objective existed still rank the expected instrument in the
    top 3 and keep the contra-indicated ones out of the top 5."""
    for name, scenario in SCENARIOS.items():
        answers = scenario.full()
        answers.pop("main_objective", None)
        result = scorer.assess(as_answers(answers), sensitivity=False)
        assert scenario.top3 & {r.id for r in result.ranking if r.rank <= 3}, name
        assert not scenario.out5 & {r.id for r in result.ranking if r.rank <= 5}, name


# --------------------------------------------------------------------------- answers files


def _answers_file(tmp_path, answers):
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump({"questionnaire": "core", "answers": answers}), encoding="utf-8")
    return path


def test_an_unanswered_main_objective_is_named_in_the_warning(tmp_path, runner):
    from migdev_cli.cli import app

    answers = SCENARIOS["mexico_3x1_hometown_associations"].full()
    answers.pop("main_objective")
    path = _answers_file(tmp_path, answers)
    result = runner.invoke(app, ["assess", "--answers", str(path)])
    assert result.exit_code == 0, result.output
    warning = [line for line in result.stderr.splitlines() if "2026.12" in line]
    assert len(warning) == 1 and str(path) in warning[0] and "main_objective" in warning[0]
    assert "lead_implementer" not in warning[0]  # only what is missing is named
    single = _answers_file(tmp_path, {**answers, "objectives": ["investment"]})
    result = runner.invoke(app, ["assess", "--answers", str(single)])
    assert result.exit_code == 0 and "main_objective" not in result.stderr


def test_an_answer_to_a_retired_question_is_set_aside_with_a_warning(tmp_path, runner):
    from migdev_cli.cli import app

    answers = {**SCENARIOS["el_salvador_nostalgic_trade"].full(), "diaspora_importers": "yes"}
    path = _answers_file(tmp_path, answers)
    result = runner.invoke(app, ["assess", "--answers", str(path), "--json"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "diaspora_importers" in line]
    assert len(lines) == 1 and lines[0].startswith(f"warning: {path}: answer to 'diaspora_importers' ignored")
    assert "no longer asked" in lines[0]
    assert "Traceback" not in result.output
    # a question that never existed is still an error naming the file and line
    typo = _answers_file(tmp_path, {**answers, "diaspora_importer": "yes"})
    result = runner.invoke(app, ["assess", "--answers", str(typo)])
    assert result.exit_code == 1 and f"{typo}:" in result.stderr and "unknown question" in result.stderr


def test_a_survey_column_of_a_retired_question_is_ignored_with_a_warning(tmp_path, runner):
    from migdev_cli.cli import app

    path = tmp_path / "old-survey.csv"
    path.write_text(
        "target/trust,partners/diaspora_importers,target/stage/return\nhigh,yes,1\nlow,no,1\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["assess", "--responses", str(path)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "diaspora_importers" in line]
    assert len(lines) == 1 and "ignored" in lines[0] and "no longer asked" in lines[0]


def test_a_retired_question_cannot_also_be_asked(questionnaire):
    import dataclasses

    with pytest.raises(ValueError, match="still asked"):
        dataclasses.replace(questionnaire, retired={"budget": "dropped"})
