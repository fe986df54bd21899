"""Survey respondents read and scored a batch at a time give what one assessment per respondent gives."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import answers_strategy
from migdev_cli.answers import as_answers
from migdev_cli.consolidate import Consolidator, consolidate
from migdev_cli.survey_columns import Columns
from migdev_cli.survey_respondents import Respondent, Responses, Skipped
from migdev_cli.survey_scoring import SurveyScorer, competition_ranks
from migdev_cli.survey_table import open_table


def _split(questionnaire, plain):
    answers = as_answers(plain)
    designer = {q.id for q in questionnaire.questions if q.asked_of == "designer"}
    return (
        {k: v for k, v in answers.items() if k in designer},
        {k: v for k, v in answers.items() if k not in designer},
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_respondent_of_a_batch_is_the_single_assessment(scorer, questionnaire, catalog, data):
    programme, _ = _split(questionnaire, data.draw(answers_strategy(questionnaire)))
    people = [_split(questionnaire, a)[1] for a in data.draw(st.lists(answers_strategy(questionnaire), max_size=12))]
    people.append({})  # a respondent who answers nothing the scoring uses
    survey = SurveyScorer(questionnaire, catalog.instruments.values(), programme)
    respondents = [
        Respondent(n + 2, values, f"id-{n}", None, f'Org "{n}"\n', codes=survey.encode(values))
        for n, values in enumerate(people)
    ]
    batch = survey.score_batch(Responses.of(respondents, len(questionnaire.questions)))
    heads = [f'"row": {r.row}, ' for r in respondents]
    lines = batch.compact().json_text(survey, heads).splitlines()
    assert len(lines) == len(people)
    for i, values in enumerate(people):
        expected = scorer.assess({**programme, **values}, sensitivity=False)
        got = batch.scored(i)
        assert list(got.ranking) == [(r.rank, r.id, r.score) for r in expected.ranking]
        assert list(got.excluded) == [e.id for e in expected.excluded]
        assert got.top == expected.top_ids()
        assert list(got.ignored) == [q for q in expected.ignored if q in values]
        assert json.loads(lines[i]) == {
            "row": i + 2,
            "top": expected.top_ids(),
            "ranking": [{"rank": r.rank, "id": r.id, "score": r.score} for r in expected.ranking],
            "excluded": [e.id for e in expected.excluded],
            "ignored_answers": [q for q in expected.ignored if q in values],
        }
        assert batch.respondent(i).values == {k: v for k, v in values.items()}


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_consolidated_figures_are_the_respondents_sums(scorer, questionnaire, catalog, data):
    answers = data.draw(st.lists(answers_strategy(questionnaire), min_size=1, max_size=10))
    people = [Respondent(n + 2, _split(questionnaire, a)[1]) for n, a in enumerate(answers)]
    result = consolidate(SurveyScorer(questionnaire, catalog.instruments.values()), people)
    single = [scorer.assess(p.values, sensitivity=False) for p in people]
    for s in result.consolidated:
        scores = [next((r.score for r in a.ranking if r.id == s.id), 0.0) for a in single]
        excluded = sum(1 for a in single if any(e.id == s.id for e in a.excluded))
        assert s.excluded == excluded
        assert s.top3_count == sum(1 for a in single if s.id in a.top_ids())
        assert s.min_score == min(scores) and s.max_score == max(scores)
        assert s.mean_score == (2 * round(sum(scores) * 10) + len(scores)) // (2 * len(scores)) / 10


def test_equal_scores_share_a_rank():
    import numpy as np

    ordered = np.array([[700, 700, 523, 522, 522, 522, 0], [9, 8, 7, 6, 5, 4, 3], [1, 1, 1, 1, 1, 1, 1]])
    assert competition_ranks(ordered).tolist() == [
        [1, 1, 3, 4, 4, 4, 7],
        [1, 2, 3, 4, 5, 6, 7],
        [1, 1, 1, 1, 1, 1, 1],
    ]


# One row of each kind the batch reader must hand to the row-by-row reader, among plain rows.
HEADER = "respondent/stakeholder;respondent/organisation;target/trust;target/diaspora_size;target/stage;mystery;_id"
ROWS = [
    "ministry;Ministry;high;large_dispersed;long_term return;;1",
    "ministry;Ministry;hihg;large_dispersed;;;2",  # not a choice
    "diaspora_association;Club;low;;return;;3",
    "ministry;Ministry;high",  # too few cells: the rest is empty
    "ministry;Ministry;high;;;surprise;5",  # a value in an unknown column
    "nobody;Ministry;high;;;;6",  # an unknown stakeholder group
    "ministry;Ministry;;;;;7",  # answers nothing
    'ministry;"Club\nParis";low;;;;8',  # a line break in free text: fine
    'ministry;Ministry;"low\n";;;;9',  # a line break in an answer
    "diaspora_association;;;small_dispersed;arrival;;10",
]


def test_a_batch_reads_every_row_as_reading_row_by_row_does(tmp_path: Path, questionnaire):
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    table = open_table(path)
    rows = list(table.rows)
    one_by_one = [Columns.of(table.name, table.header, questionnaire).read(row) for row in rows]
    columns = Columns.of(table.name, table.header, questionnaire)
    people, skipped = columns.read_batch(rows)
    assert [s.line() for s in skipped] == [s.line() for s in one_by_one if isinstance(s, Skipped)]
    assert [s.row for s in skipped] == [3, 6, 7, 8, 10]
    expected = [r for r in one_by_one if isinstance(r, Respondent)]
    got = [people.respondent(i, columns.codes) for i in range(len(people))]
    assert [(r.row, r.id, r.stakeholder, r.organisation, r.values) for r in got] == [
        (r.row, r.id, r.stakeholder, r.organisation, r.values) for r in expected
    ]
    assert [r.row for r in got] == [2, 4, 5, 9, 11]


def test_batches_add_up_as_one(tmp_path: Path, questionnaire, catalog):
    path = tmp_path / "plain.csv"
    path.write_text("\n".join([HEADER, *[ROWS[0], ROWS[2], ROWS[-1]] * 5]) + "\n", encoding="utf-8")
    table = open_table(path)
    rows = list(table.rows)
    results = []
    for size in (1, 4, len(rows)):
        columns = Columns.of(table.name, table.header, questionnaire)
        survey = SurveyScorer(questionnaire, catalog.instruments.values(), codes=columns.codes)
        consolidator = Consolidator(survey, by_group=True)
        for start in range(0, len(rows), size):
            people, skipped = columns.read_batch(rows[start : start + size])
            assert skipped == []
            consolidator.add(survey.score_batch(people))
        result = consolidator.result("plain.csv")
        results.append((result.summary(), [(p.row, s) for p, s in result.first]))
    assert results[0] == results[1] == results[2]
    assert results[0][0]["respondents"] == 15


# ---------------------------------------------------------------- bounds and edges (found in review)


def test_the_json_report_file_is_the_json_output(runner, tmp_path: Path):
    from migdev_cli.cli import app

    path = tmp_path / "plain.csv"
    path.write_text("\n".join([HEADER, *[ROWS[0], ROWS[2], ROWS[-1]] * 300]) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    written = runner.invoke(app, ["export", "--responses", str(path), "-o", str(out)])
    assert written.exit_code == 0, written.output
    printed = runner.invoke(app, ["assess", "--responses", str(path), "--json"])
    assert out.read_text(encoding="utf-8") == printed.stdout
    assert json.loads(printed.stdout)["respondents"] == 900
    again = runner.invoke(app, ["export", "--responses", str(path), "-o", str(out)])
    assert again.exit_code == 1 and "already exists" in again.output


def test_invalid_cells_are_not_remembered(tmp_path: Path, questionnaire):
    long = "x" * 30_000
    path = tmp_path / "bad.csv"
    rows = [f"ministry;Ministry;{long}{n};;;;{n}" for n in range(50)] + [ROWS[0]]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    table = open_table(path)
    columns = Columns.of(table.name, table.header, questionnaire)
    people, skipped = columns.read_batch(list(table.rows))
    assert len(skipped) == 50 and len(people) == 1
    remembered = [text for parsed in columns._parsed.values() for text in parsed]
    assert remembered and all(len(str(text)) < 100 for text in remembered)


def test_too_many_different_answers_to_one_question_is_a_clear_error(runner, tmp_path: Path, monkeypatch):
    from migdev_cli import survey_respondents
    from migdev_cli.cli import app

    monkeypatch.setattr(survey_respondents, "MAX_DISTINCT_ANSWERS", 3)
    path = tmp_path / "many.csv"
    stages = ["return", "arrival", "long_term", "arrival return", "long_term return"]
    path.write_text("_id;target/stage\n" + "".join(f"{n};{s}\n" for n, s in enumerate(stages)), encoding="utf-8")
    result = runner.invoke(app, ["assess", "--responses", str(path), "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{path}: stage: more than 3 different answers to this question" in result.stderr


def test_a_catalog_without_instruments_gives_empty_rankings(runner, tmp_path: Path):
    from conftest import DATA
    from migdev_cli.cli import app

    data = tmp_path / "data"
    (data / "questionnaires").mkdir(parents=True)
    (data / "questionnaires" / "core.yaml").write_text(
        (DATA / "questionnaires" / "core.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = tmp_path / "one.csv"
    path.write_text("_id,trust\n1,high\n", encoding="utf-8")
    args = ["--data-dir", str(data), "--no-builtin", "assess", "--responses", str(path)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["consolidated"] == []
    assert document["per_respondent"][0]["ranking"] == [] and document["per_respondent"][0]["top"] == []


def test_an_empty_batch_scores_nothing(questionnaire, catalog):
    survey = SurveyScorer(questionnaire, catalog.instruments.values())
    batch = survey.score_batch(Responses.of([], len(questionnaire.questions)))
    assert len(batch) == 0 and batch.compact().json_text(survey, []) == ""


def test_remembered_json_snippets_stay_within_their_budget():
    from migdev_cli.survey_scoring import _Texts

    texts = _Texts(lambda key: "x" * key, limit=100)
    assert texts[40] == "x" * 40 and texts[50] == "x" * 50
    assert texts.chars == 90 and len(texts) == 2
    assert texts[30] == "x" * 30  # past the budget: what was remembered is dropped first
    assert texts.chars == 30 and list(texts) == [30]
