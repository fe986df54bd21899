"""One form of an answer inside the program: a tuple of the chosen values (answers.Answer).

Values arrive as one value or a list only at the edges (the answers file, the interview's
prompts, survey tables) and leave in that form only at the edges (the answers file, JSON,
reports). These tests check the conversions both ways, that what the edges hand inward is
always a tuple, and that the single-or-list branches do not come back elsewhere."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import answers_strategy
from migdev_cli.answers import as_answer, as_answers, normalise, plain_answers, to_plain
from migdev_cli.answers_file import dump_answers, load_answers
from migdev_cli.cli import app
from migdev_cli.models import Programme
from migdev_cli.survey_columns import read_respondents
from migdev_cli.vocab import DONT_KNOW

SRC = Path(__file__).resolve().parents[1] / "src" / "migdev_cli"


def _valid(questionnaire, raw: dict) -> dict:
    """The answers of ``raw`` that pass :func:`normalise` (the strategy ignores combination rules)."""
    out = {}
    for qid, value in raw.items():
        try:
            out[qid] = normalise(questionnaire.question(qid), value)
        except ValueError:
            continue
    return out


def _is_answer(value: object) -> bool:
    return isinstance(value, tuple) and len(value) >= 1 and all(isinstance(v, str) for v in value)


# --------------------------------------------------------------------------- conversions


def test_as_answer_and_to_plain_by_question_type(questionnaire):
    single = questionnaire.question("budget")
    multiple = questionnaire.question("programme_type")
    assert single.type != "multiple" and multiple.type == "multiple"
    assert as_answer("under_100k") == ("under_100k",)
    assert as_answer(["bds_m4p"]) == ("bds_m4p",)
    assert as_answer(("a", "b")) == ("a", "b")
    assert to_plain(single, ("under_100k",)) == "under_100k"
    assert to_plain(multiple, ("bds_m4p",)) == ["bds_m4p"]  # a multiple answer stays a list, even of one
    assert normalise(single, DONT_KNOW) == (DONT_KNOW,)
    assert normalise(multiple, ["access_to_finance", "bds_m4p"]) == ("bds_m4p", "access_to_finance")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_boundary_conversions_round_trip(questionnaire, data):
    """File form -> Answer -> file form -> Answer gives the same Answer; the file form written is
    one value for a single or boolean question and a list for a multiple one."""
    answers = _valid(questionnaire, data.draw(answers_strategy(questionnaire)))
    assert all(_is_answer(a) for a in answers.values())
    plain = plain_answers(questionnaire, answers)
    for qid, value in plain.items():
        question = questionnaire.question(qid)
        assert isinstance(value, list) if question.type == "multiple" else isinstance(value, str)
        assert normalise(question, value) == answers[qid]
        assert as_answer(value) == answers[qid]
    assert as_answers(plain) == answers


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_answers_file_round_trips(questionnaire, tmp_path_factory, data):
    answers = _valid(questionnaire, data.draw(answers_strategy(questionnaire)))
    path = tmp_path_factory.mktemp("file") / "answers.yaml"
    path.write_text(dump_answers(questionnaire, Programme(name="P"), answers), encoding="utf-8")
    for _ in range(2):  # afresh, then from the cache
        _, read = load_answers(path, {questionnaire.id: questionnaire})
        assert read == answers
        assert all(_is_answer(a) for a in read.values())


# --------------------------------------------------------------------------- the edges hand in tuples


def test_a_survey_table_gives_tuples(tmp_path, questionnaire):
    path = tmp_path / "export.csv"
    path.write_text(
        "target/stage,target/stage/return,target/stage/arrival,target/trust\n"
        "arrival return,1,1,high\nreturn,1,0,dont_know\n",
        encoding="utf-8",
    )
    people, skipped = read_respondents(path, questionnaire)
    assert skipped == []
    assert [p.values for p in people] == [
        {"stage": ("arrival", "return"), "trust": ("high",)},
        {"stage": ("return",), "trust": (DONT_KNOW,)},
    ]
    # the batch reader's answer codes stand for the same tuples
    from migdev_cli.survey_columns import Columns
    from migdev_cli.survey_table import open_table

    table = open_table(path)
    columns = Columns.of(table.name, table.header, questionnaire)
    batch, skipped = columns.read_batch(list(table.rows))
    assert skipped == []
    assert [batch.respondent(i, columns.codes).values for i in range(len(batch))] == [p.values for p in people]
    assert columns.codes.values[columns.codes.position["stage"]][1:] == [("arrival", "return"), ("return",)]


def test_json_output_keeps_single_answers_as_one_value(tmp_path, runner, questionnaire):
    """--json, the JSON report and the survey's designer answers write a single answer as a value
    and a multiple one as a list, as the answers file does."""
    path = tmp_path / "answers.yaml"
    path.write_text(
        "questionnaire: core\nanswers:\n  programme_type: [bds_m4p]\n  budget: 100k_to_1m\n  trust: dont_know\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["assess", "--answers", str(path), "--json"])
    assert result.exit_code == 0, result.output
    changes = json.loads(result.stdout)["sensitivity"]["changes"]
    assert changes
    for change in changes:
        question = questionnaire.question(change["question"])
        expected = list if question.type == "multiple" else str
        assert isinstance(change["alternative_value"], expected), change
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["export", "--answers", str(path), "--output", str(report)])
    assert result.exit_code == 0, result.output
    sections = json.loads(report.read_text())["annex"]["context"]["sections"]
    rows = {row["question"]: row for section in sections for row in section["answers"]}
    assert rows["programme_type"]["value"] == ["bds_m4p"]
    assert rows["budget"]["value"] == "100k_to_1m"
    assert rows["trust"]["value"] == DONT_KNOW and rows["trust"]["status"] == "dont_know"
    survey = tmp_path / "survey.csv"
    survey.write_text("_id,target/trust\n1,high\n", encoding="utf-8")
    result = runner.invoke(app, ["assess", "--responses", str(survey), "--answers", str(path), "--json"])
    assert result.exit_code == 0, result.output
    designer = json.loads(result.stdout)["designer_answers"]["answers"]
    assert designer == {"programme_type": ["bds_m4p"], "budget": "100k_to_1m"}


# --------------------------------------------------------------------------- no single-or-list branches

# Every isinstance() test against str, list or tuple in the package, by module and function. Those
# in migdev_cli.answers convert answers at the edges; the others test data that is not an answer.
# An answer is always a tuple: a new test of this kind on an answer does not belong here.
ALLOWED = {
    ("answers.py", "as_answer"): "the edge: one value or several, to an Answer",
    ("answers.py", "normalise"): "the edge: a file's, prompt's or table's value checked",
    ("answers.py", "normalise.one"): "the edge: one raw value of a file checked",
    ("cache.py", "DocumentCache._read"): "a cache file's contents",
    ("cache.py", "DocumentCache.get"): "a cache entry",
    ("fileio.py", "text_of"): "text or bytes of a file",
    ("fileio.py", "write_atomic"): "text or bytes to write",
    ("loader.py", "_expanded_size.walk"): "a parsed YAML document",
    ("models.py", "_yes_no_list"): "catalog data being validated",
    ("questionnaire_models.py", "_one_or_many"): "catalog data being validated",
    ("problems.py", "_data_path"): "a pydantic error location",
    ("problems.py", "problems_from_validation"): "a pydantic error's input",
    ("report_blocks.py", "runs"): "a paragraph's text runs",
    ("safe_yaml.py", "Loader.construct_object"): "a YAML node",
    ("serialize.py", "to_data"): "models to plain data",
    ("xlsform.py", "_storable"): "a spreadsheet cell",
    ("xlsform.py", "_as_text"): "a spreadsheet cell",
}


def _type_tests(root: Path = SRC) -> set[tuple[str, str]]:
    """(file, function) of every isinstance(x, str | list | tuple) in the modules under ``root``."""
    found: set[tuple[str, str]] = set()
    for path in sorted(root.glob("*.py")):

        def visit(node: ast.AST, scope: list[str], name: str = path.name) -> None:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                scope = [*scope, node.name]
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "isinstance"
                and len(node.args) == 2
                and {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)} & {"str", "list", "tuple"}
            ):
                found.add((name, ".".join(scope)))
            for child in ast.iter_child_nodes(node):
                visit(child, scope)

        visit(ast.parse(path.read_text(encoding="utf-8")), [])
    return found


def test_no_single_or_list_branches_outside_the_edges():
    found = _type_tests()
    assert found, "the scan found nothing: it no longer reads the source"
    unexpected = sorted(found - ALLOWED.keys())
    assert not unexpected, (
        "an answer is always a tuple (answers.Answer); convert at the edges with answers.as_answer, "
        f"answers.normalise or answers.to_plain instead of testing its type in {unexpected}"
    )


def test_the_scan_catches_a_single_or_list_branch(tmp_path):
    """The scan above sees the pattern it forbids, nested or not (so it cannot pass by reading nothing)."""
    (tmp_path / "scoring.py").write_text(
        "def label(value):\n    return value if isinstance(value, list) else [value]\n\n\n"
        "class Scorer:\n    def chosen(self, v):\n        return [v] if isinstance(v, (int, str)) else v\n",
        encoding="utf-8",
    )
    assert _type_tests(tmp_path) == {("scoring.py", "label"), ("scoring.py", "Scorer.chosen")}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_survey_row_round_trips(questionnaire, tmp_path_factory, data):
    """Answers written as a survey export's cells (a multiple answer space-separated in one
    column) read back as the same Answers."""
    import csv

    answers = _valid(questionnaire, data.draw(answers_strategy(questionnaire)))
    stakeholder = [q for q in questionnaire.questions if q.asked_of == "stakeholder"]
    answers = {q.id: answers[q.id] for q in stakeholder if q.id in answers}
    path = tmp_path_factory.mktemp("survey") / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["_id", *(f"{questionnaire.section_of(q.id).id}/{q.id}" for q in stakeholder)])
        writer.writerow(["1", *(" ".join(answers.get(q.id, ())) for q in stakeholder)])
    people, skipped = read_respondents(path, questionnaire)
    if not answers:
        assert people == [] and len(skipped) == 1  # a row that answers nothing is skipped
        return
    assert skipped == []
    assert people[0].values == answers
