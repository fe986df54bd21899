"""Survey responses: KoBoToolbox / ODK exports in, per-respondent and consolidated rankings out."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from conftest import answers_strategy, make_data_dir
from migdev_cli.answers import as_answers
from migdev_cli.catalog import load_catalog
from migdev_cli.cli import app
from migdev_cli.consolidate import consolidate
from migdev_cli.scoring import Scorer
from migdev_cli.survey_columns import read_respondents
from migdev_cli.survey_respondents import Respondent
from migdev_cli.survey_scoring import SurveyScorer
from migdev_cli.xlsform import questionnaire_to_xlsform

INSTRUMENTS = [
    "diaspora-bond",
    "transnational-mentoring",
    "nostalgic-trade-promotion",
    "municipal-incubation-diaspora",
    "diaspora-mapping",
    "collective-remittance-matching",
]

# The programme's own answers to the designer's questions (asked_of: designer), as in its answers file.
PROGRAMME = {
    "programme_type": ["bds_m4p", "access_to_finance"],  # in questionnaire order
    "budget": "under_100k",
    "cofinancing": "yes",
    "time_horizon": "1_to_3y",
    "objectives": ["business_creation"],
    "lead_implementer": "tc_programme",
    "component_location": "origin",
    "gender_focus": "gender_sensitive",
    "destination_partners": ["diaspora_ngos"],
}
PROGRAMME_YAML = """\
questionnaire: core
answers:
  programme_type: [access_to_finance, bds_m4p]
  budget: under_100k
  cofinancing: "yes"
  time_horizon: 1_to_3y
  objectives: [business_creation]
  lead_implementer: tc_programme
  component_location: origin
  gender_focus: gender_sensitive
  destination_partners: [diaspora_ngos]
"""

# Two respondents' answers to the stakeholders' questions (what the CSV rows below encode).
MINISTRY = {
    "stage": ["long_term", "return"],
    "trust": "high",
    "diaspora_size": "large_dispersed",
    "returnee_situation": "voluntary_with_savings",
    "diaspora_demand": "yes",
    "export_standards": "partly",
}
ASSOCIATION = {
    "stage": ["return"],
    "trust": "low",
    "diaspora_size": "small_dispersed",
    "returnee_situation": "forced_or_unprepared",
    "diaspora_demand": "no",
}

# KoBoToolbox: ";" separated, "/" group prefixes, select_multiple as one column per choice
# (stage), system columns.
KOBO_CSV = """\
start;end;respondent/stakeholder;respondent/organisation;target/stage/pre_departure;target/stage/arrival;\
target/stage/long_term;target/stage/return;target/trust;target/diaspora_size;target/returnee_situation;\
partners/diaspora_demand;partners/export_standards;_id;_uuid;_submission_time;_validation_status;__version__;\
meta/instanceID
2026-11-01T10:00:00;2026-11-01T10:20:00;ministry;Ministry of Economy;0;0;1;1;high;large_dispersed;\
voluntary_with_savings;yes;partly;101;aaa;2026-11-01;;vX;uuid:aaa
2026-11-02T10:00:00;2026-11-02T10:20:00;diaspora_association;"Hometown club; Paris";0;0;0;1;low;small_dispersed;\
forced_or_unprepared;no;;102;bbb;2026-11-02;;vX;uuid:bbb
"""


def _run(runner, data: Path, *args: str):
    return runner.invoke(app, ["--data-dir", str(data), "--no-builtin", "assess", *args])


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return make_data_dir(tmp_path, INSTRUMENTS)


@pytest.fixture
def small(data: Path):
    catalog = load_catalog([data])
    questionnaire = catalog.questionnaire("core")
    return questionnaire, Scorer(questionnaire, catalog.instruments.values())


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    path = tmp_path / "programme.yaml"
    path.write_text(PROGRAMME_YAML, encoding="utf-8")
    return path


def _mean(values: list[float]) -> float:
    """The mean rounded half up to 0.1, computed exactly in tenths as documented."""
    tenths = sum(round(v * 10) for v in values)
    return (2 * tenths + len(values)) // (2 * len(values)) / 10


def _scores(scorer: Scorer, values: dict) -> dict[str, float]:
    """An instrument's score for one respondent as `migdev assess` gives it; 0 when excluded."""
    result = scorer.assess(as_answers(values), sensitivity=False)
    out = {r.id: r.score for r in result.ranking}
    out.update({e.id: 0.0 for e in result.excluded})
    return out


def test_kobo_csv_with_group_prefixes_and_split_choices(tmp_path, runner, data, small, programme):
    questionnaire, scorer = small
    path = tmp_path / "kobo.csv"
    path.write_text(KOBO_CSV, encoding="utf-8")
    people, skipped = read_respondents(path, questionnaire)
    assert skipped == []
    assert [r.row for r in people] == [2, 3]
    assert people[0].values == as_answers(MINISTRY)
    assert people[1].values == as_answers(ASSOCIATION)
    assert [r.stakeholder for r in people] == ["ministry", "diaspora_association"]
    assert people[1].organisation == "Hometown club; Paris"
    assert people[0].id == "101"

    result = _run(runner, data, "--responses", str(path), "--answers", str(programme), "--json")
    assert result.exit_code == 0, result.output
    assert "designer" not in result.stderr  # every designer question is answered in the programme's file
    out = json.loads(result.stdout)
    assert out["respondents"] == 2
    assert out["skipped"] == []
    assert out["designer_answers"] == {"file": str(programme), "answers": PROGRAMME}
    # each respondent is scored on the programme's answers plus their own
    ministry, association = {**PROGRAMME, **MINISTRY}, {**PROGRAMME, **ASSOCIATION}
    one, two = _scores(scorer, ministry), _scores(scorer, association)
    for item in out["consolidated"]:
        a, b = one[item["id"]], two[item["id"]]
        assert item["mean_score"] == _mean([a, b]), item["id"]
        assert (item["min_score"], item["max_score"]) == (min(a, b), max(a, b))
        assert item["agreement"] == round(1 - abs(a - b) / 2 / 50, 2)
    means = [item["mean_score"] for item in out["consolidated"]]
    assert means == sorted(means, reverse=True)
    # the per-respondent top 3 is the single assessment's
    tops = [scorer.assess(as_answers(v), sensitivity=False).top_ids() for v in (ministry, association)]
    assert [r["top"] for r in out["per_respondent"]] == tops
    for item in out["consolidated"]:
        assert item["top3_count"] == sum(item["id"] in t for t in tops)
    # the programme's small budget excludes high-cost instruments for both
    excluded = [
        {e.id for e in scorer.assess(as_answers(v), sensitivity=False).excluded} for v in (ministry, association)
    ]
    assert excluded[0] & excluded[1]
    for item in out["consolidated"]:
        assert item["excluded"] == sum(item["id"] in e for e in excluded)
    # stakeholder groups: one respondent each, so the group mean is that respondent's score
    assert list(out["by_group"]) == ["ministry", "diaspora_association"]
    for entry in out["by_group"]["ministry"]["instruments"]:
        assert entry["mean_score"] == one[entry["id"]]
    # trust: two different answers out of the possible values ("don't know" included)
    trust = next(d for d in out["disagreement"] if d["question"] == "trust")
    assert trust["answers"] == {"high": 1, "low": 1}
    values = len(questionnaire.question("trust").values)
    assert trust["disagreement"] == round(math.log(2) / math.log(values), 2)
    # nobody answered a question hidden for them
    assert [r["ignored_answers"] for r in out["per_respondent"]] == [[], []]


def test_identical_respondents_agree_fully(tmp_path, runner, data, small):
    _, scorer = small
    rows = KOBO_CSV.replace("\\\n", "").splitlines()
    path = tmp_path / "same.csv"
    path.write_text("\n".join([rows[0], rows[1], rows[1].replace(";101;", ";103;")]) + "\n", encoding="utf-8")
    out = json.loads(_run(runner, data, "--responses", str(path), "--json").stdout)
    single = _scores(scorer, MINISTRY)
    assert out["respondents"] == 2
    assert out["consolidated"]
    for item in out["consolidated"]:
        assert item["agreement"] == 1.0
        assert item["mean_score"] == single[item["id"]]
        assert item["min_score"] == item["max_score"] == single[item["id"]]
        assert item["top3_count"] in (0, 2)
    assert all(d["disagreement"] == 0 for d in out["disagreement"])
    ranks = [item["rank"] for item in out["consolidated"]]
    assert ranks[0] == 1 and ranks == sorted(ranks)


def test_odk_central_csv_with_dash_prefixes(tmp_path, data, small):
    questionnaire, _ = small
    path = tmp_path / "central.csv"
    path.write_text(
        "SubmissionDate,start,end,respondent-stakeholder,target-trust,target-diaspora_organisation,"
        "target-stage,meta-instanceID,KEY,SubmitterID,SubmitterName,AttachmentsPresent,AttachmentsExpected,"
        "Status,ReviewState,DeviceID,Edits,FormVersion\n"
        "2026-11-01,a,b,donor,mixed,professional_networks,long_term,uuid:1,uuid:1,5,x,0,0,,,,0,2026.11\n",
        encoding="utf-8",
    )
    people, _ = read_respondents(path, questionnaire)
    assert people[0].values == {
        "stage": ("long_term",),
        "diaspora_organisation": ("professional_networks",),
        "trust": ("mixed",),
    }
    assert people[0].stakeholder == "donor"
    assert people[0].id == "uuid:1"


def test_bad_rows_are_reported_by_row_number_and_exit_1(tmp_path, runner, data):
    rows = KOBO_CSV.replace("\\\n", "").splitlines()
    bad_choice = rows[2].replace(";low;", ";huge;")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([rows[0], rows[1], bad_choice]) + "\n", encoding="utf-8")
    result = _run(runner, data, "--responses", str(path))
    assert result.exit_code == 1
    assert f"{path}:row 3: target/trust: unknown choice 'huge'" in result.stderr
    assert "row 2" not in result.stderr
    assert result.stdout == ""


def test_unknown_question_column_is_reported_for_rows_with_a_value(tmp_path, runner, data):
    path = tmp_path / "unknown.csv"
    path.write_text(
        "target/trust,target/trust_notes,target/stage/return,target/stage/cheese\nhigh,,1,0\nhigh,big,1,0\nlow,,0,1\n",
        encoding="utf-8",
    )
    result = _run(runner, data, "--responses", str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{path}:row 3: target/trust_notes: no question 'trust_notes'") for line in lines)
    assert any(line.startswith(f"{path}:row 4: target/stage/cheese: question 'stage' has no choice") for line in lines)
    assert not any(":row 2:" in line for line in lines)


def test_skip_invalid_lists_every_skipped_row(tmp_path, runner, data):
    rows = KOBO_CSV.replace("\\\n", "").splitlines()
    path = tmp_path / "bad.csv"
    bad_trust = rows[2].replace(";low;", ";huge;")
    bad_size = rows[1].replace(";large_dispersed;", ";very_large;").replace(";101;", ";104;")
    bad_flag = rows[1].replace(";0;0;1;1;", ";0;0;maybe;1;").replace(";101;", ";105;")
    path.write_text("\n".join([rows[0], rows[1], bad_trust, bad_size, "", bad_flag]) + "\n", encoding="utf-8")
    result = _run(runner, data, "--responses", str(path), "--skip-invalid", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["respondents"] == 1
    assert [s["row"] for s in out["skipped"]] == [3, 4, 6]
    assert out["skipped_count"] == 3
    assert "target/diaspora_size: unknown choice 'very_large'" in out["skipped"][1]["problems"][0]
    assert "maybe" in out["skipped"][2]["problems"][0]
    stderr = result.stderr
    for row in (3, 4, 6):
        assert f"{path}:row {row}: skipped:" in stderr
    assert "Skipped 3 of 4 rows" in stderr  # the blank line 5 is not a row

    without = _run(runner, data, "--responses", str(path), "--json")
    assert without.exit_code == 1
    assert without.stdout == ""


def test_split_and_combined_columns_must_agree(tmp_path, data, small):
    questionnaire, _ = small
    path = tmp_path / "both.csv"
    path.write_text(
        "target/stage,target/stage/return,target/stage/arrival\nreturn arrival,1,1\nreturn,1,1\n",
        encoding="utf-8",
    )
    people, skipped = read_respondents(path, questionnaire)
    assert [s.row for s in skipped] == [3]
    assert "arrival" in skipped[0].problems[0].message
    assert people[0].values == {"stage": ("arrival", "return")}


def test_xlsx_export_reads_like_the_csv(tmp_path, runner, data, small):
    questionnaire, _ = small
    lines = KOBO_CSV.replace("\\\n", "").splitlines()
    import csv
    import io

    table = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=";"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Needs assessment"
    sheet.append(table[0])
    for row in table[1:]:
        # numbers and booleans as a spreadsheet holds them
        cells: list[object] = [int(c) if c.isdigit() else c for c in row]
        cells = [True if c == 1 else c for c in cells]
        sheet.append([None if c == "" else c for c in cells])
    path = tmp_path / "kobo.xlsx"
    workbook.save(path)
    people, _ = read_respondents(path, questionnaire)
    assert [r.values for r in people] == [as_answers(MINISTRY), as_answers(ASSOCIATION)]
    assert [r.row for r in people] == [2, 3]
    xlsx = json.loads(_run(runner, data, "--responses", str(path), "--json").stdout)
    csv_path = tmp_path / "kobo.csv"
    csv_path.write_text(KOBO_CSV.replace("\\\n", ""), encoding="utf-8")
    from_csv = json.loads(_run(runner, data, "--responses", str(csv_path), "--json").stdout)
    assert xlsx["consolidated"] == from_csv["consolidated"]
    assert xlsx["per_respondent"] == from_csv["per_respondent"]
    assert xlsx["respondents"] == 2


def test_header_from_our_own_xlsform_round_trips(tmp_path, data, small):
    """The column names Kobo derives from our XLSForm (group/question) are read back."""
    from migdev_cli.xlsform import xlsform_rows

    questionnaire, scorer = small
    survey = xlsform_rows(questionnaire)["survey"]
    group, header = "", []
    for row in survey[1:]:
        kind, name = row[0], row[1]
        if kind == "begin_group":
            group = name
        elif kind == "end_group":
            group = ""
        elif kind.startswith("select_"):
            header.append(f"{group}/{name}" if group else name)
    values = {h: "" for h in header}
    values["respondent/stakeholder"] = "municipality"
    values["target/stage"] = "arrival long_term"
    values["target/trust"] = "dont_know"
    path = tmp_path / "own.csv"
    path.write_text(",".join(header) + "\n" + ",".join(values[h] for h in header) + "\n", encoding="utf-8")
    people, _ = read_respondents(path, questionnaire)
    assert people[0].values == {"stage": ("arrival", "long_term"), "trust": ("dont_know",)}
    assert people[0].stakeholder == "municipality"
    questionnaire_to_xlsform(questionnaire, tmp_path / "form.xlsx")  # and the form itself is writable


def test_usage_errors(tmp_path, runner, data, answers_file):
    path = tmp_path / "kobo.csv"
    path.write_text(KOBO_CSV, encoding="utf-8")
    both = _run(runner, data, "--responses", str(path), "--resume")
    assert both.exit_code == 2
    assert "cannot be combined" in both.stderr
    assert _run(runner, data, "--responses", str(path), "--json", "--jsonl").exit_code == 2
    alone = _run(runner, data, "--answers", str(answers_file), "--skip-invalid")
    assert alone.exit_code == 2
    assert _run(runner, data, "--answers", str(answers_file), "--jsonl").exit_code == 2
    empty = tmp_path / "empty.csv"
    empty.write_text("target/trust;target/stage_typo\n", encoding="utf-8")
    result = _run(runner, data, "--responses", str(empty))
    assert result.exit_code == 1
    assert "no responses" in result.stderr
    other = tmp_path / "labels.csv"
    other.write_text("What budget?,Which stage?\nBig,Return\n", encoding="utf-8")
    result = _run(runner, data, "--responses", str(other))
    assert result.exit_code == 1
    assert "no column names a question" in result.stderr


def test_table_output_names_the_consolidated_ranking(tmp_path, runner, data):
    path = tmp_path / "kobo.csv"
    path.write_text(KOBO_CSV, encoding="utf-8")
    result = _run(runner, data, "--responses", str(path))
    assert result.exit_code == 0, result.output
    assert "Consolidated ranking (2 respondents)" in result.stdout
    assert "Where respondents disagree most" in result.stdout
    assert "by stakeholder group" in result.stdout
    # export_standards was answered by nobody hidden here; returnee_situation is visible for both
    assert "ignored in row" not in result.stderr


def test_hidden_answers_are_warned_about(tmp_path, runner, data):
    rows = KOBO_CSV.replace("\\\n", "").splitlines()
    path = tmp_path / "hidden.csv"
    path.write_text("\n".join([rows[0], rows[2].replace(";no;;102;", ";no;yes;102;")]) + "\n", encoding="utf-8")
    result = _run(runner, data, "--responses", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert "answers to 'export_standards' ignored in row 2" in result.stderr
    assert json.loads(result.stdout)["per_respondent"][0]["ignored_answers"] == ["export_standards"]


# ---------------------------------------------------------------- each respondent is the single assessment


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_survey_scores_equal_scorer_assess(scorer, questionnaire, catalog, data):
    designer_ids = {q.id for q in questionnaire.questions if q.asked_of == "designer"}
    programme = {k: v for k, v in as_answers(data.draw(answers_strategy(questionnaire))).items() if k in designer_ids}
    survey = SurveyScorer(questionnaire, catalog.instruments.values(), programme)
    for _ in range(3):  # results are shared between respondents
        values = {
            k: v for k, v in as_answers(data.draw(answers_strategy(questionnaire))).items() if k not in designer_ids
        }
        expected = scorer.assess(as_answers({**programme, **values}), sensitivity=False)
        got = survey.score(values)
        assert list(got.ranking) == [(r.rank, r.id, r.score) for r in expected.ranking]
        assert list(got.excluded) == [e.id for e in expected.excluded]
        assert got.top == expected.top_ids()
        assert list(got.ignored) == [q for q in expected.ignored if q in values]
        assert survey.score(values) is got


def test_consolidate_directly(small, catalog):
    questionnaire, scorer = small
    people = [
        Respondent(2, as_answers(MINISTRY)),
        Respondent(3, as_answers(MINISTRY)),
        Respondent(4, as_answers(ASSOCIATION)),
    ]
    result = consolidate(SurveyScorer(questionnaire, scorer.instruments, as_answers(PROGRAMME)), people)
    assert result.by_group == {}
    single = _scores(scorer, {**PROGRAMME, **MINISTRY})
    other = _scores(scorer, {**PROGRAMME, **ASSOCIATION})
    for s in result.consolidated:
        values = [single[s.id], single[s.id], other[s.id]]
        mean = sum(values) / 3
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 3)
        assert s.mean_score == _mean(values)
        assert abs(s.mean_score - mean) <= 0.05 + 1e-9
        assert s.agreement == round(1 - sd / 50, 2)


def test_export_responses_writes_the_consolidated_report(tmp_path, runner, data, programme):
    from markdown_it import MarkdownIt

    rows = KOBO_CSV.replace("\\\n", "").splitlines()
    hostile = rows[1].replace(";Ministry of Economy;", ";*Ministry* | <b>x</b> # [a](b);")
    path = tmp_path / "kobo.csv"
    path.write_text("\n".join([rows[0], hostile, rows[2]]) + "\n", encoding="utf-8")
    report = tmp_path / "report.md"
    base = ["--data-dir", str(data), "--no-builtin", "export", "--responses", str(path), "--output", str(report)]
    result = runner.invoke(app, [*base, "--answers", str(programme)])
    assert result.exit_code == 0, result.output
    text = report.read_text(encoding="utf-8")
    for heading in ("# Consolidated needs assessment", "## Consolidated ranking", "## By stakeholder group"):
        assert heading in text
    assert "Ministry or national agency (1)" in text
    assert "programme.yaml" in text  # where the designer's answers came from
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<b>x</b>" not in html and "<em>Ministry</em>" not in html and 'href="b"' not in html
    # every table row keeps its columns: the pipe in the organisation did not split a cell
    for table in html.split("<table>")[1:]:
        body = table.split("</table>")[0]
        widths = {row.count("<td") + row.count("<th") for row in body.split("<tr>")[1:]}
        assert len(widths) == 1, widths
    assert html.count("<tr>") >= 2 + 1 + 2  # the respondents' rows are in their table

    again = runner.invoke(app, base)
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    assert report.read_text(encoding="utf-8") == text

    as_json = runner.invoke(app, [*base[:-1], str(tmp_path / "report.json"), "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["respondents"] == 2


def test_many_bad_rows_are_capped_with_a_count(runner, tmp_path):
    csv_path = tmp_path / "many.csv"
    csv_path.write_text("trust\n" + "not_a_trust\n" * 500, encoding="utf-8")
    result = runner.invoke(app, ["assess", "--responses", str(csv_path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 101
    assert "and 400 more problems" in lines[-1]
    assert lines[0].startswith(f"{csv_path}:row 2: trust:")
