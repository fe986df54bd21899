"""The questionnaire as an XLSForm: written with openpyxl, accepted by pyxform, same visibility rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from conftest import make_data_dir, once_per_questionnaire
from migdev_cli.answers import as_answers, resolve
from migdev_cli.cli import app
from migdev_cli.conditions import evaluate
from migdev_cli.loader import validate
from migdev_cli.questionnaire_models import Questionnaire
from migdev_cli.serialize import to_data
from migdev_cli.vocab import DONT_KNOW
from migdev_cli.xlsform import STAKEHOLDER, STAKEHOLDER_CHOICES, questionnaire_to_xlsform, relevant, xlsform_rows


def _q(qid: str, qtype: str, choices: list[str], **extra):
    data = {"id": qid, "type": qtype, "text": f"Question {qid}?", "help": f"Help for {qid}."}
    if qtype != "boolean":
        data["choices"] = [{"value": c, "label": c.upper()} for c in choices]
    return {**data, **extra}


# Every operator, "don't know", nesting, and equals on a multiple question.
CONDITIONS = {
    "c_equals": {"question": "a", "equals": "x"},
    "c_any": {"question": "m", "any_of": ["p", "q"]},
    "c_all": {"question": "m", "all_of": ["p", "r"]},
    "c_none": {"question": "a", "none_of": ["x"]},
    "c_not": {"not": {"question": "b", "equals": "yes"}},
    "c_nested": {"all": [{"question": "a", "any_of": ["x", "y"]}, {"not": {"question": "m", "none_of": ["p"]}}]},
    "c_or": {"any": [{"question": "b", "equals": "no"}, {"question": "m", "equals": "p"}]},
    "c_dk": {"question": "a", "any_of": [DONT_KNOW]},
    "c_none_dk": {"question": "m", "none_of": [DONT_KNOW]},
    "c_not_not": {"not": {"not": {"question": "a", "equals": "y"}}},
}


@pytest.fixture(scope="module")
def conditional() -> Questionnaire:
    return validate(
        Questionnaire,
        {
            "id": "conditional",
            "title": "All the operators",
            "version": "1",
            "sections": [
                {
                    "id": "base",
                    "title": "Base",
                    "questions": [
                        _q("a", "single", ["x", "y", "z"], allow_dont_know=True),
                        _q("m", "multiple", ["p", "q", "r"], allow_dont_know=True, required=False),
                        _q("b", "boolean", [], allow_dont_know=True),
                    ],
                },
                {
                    "id": "follow_up",
                    "title": "Follow-up",
                    "questions": [_q(qid, "single", ["u", "v"], when=c) for qid, c in CONDITIONS.items()],
                },
            ],
        },
        "",
        "conditional.yaml",
    )


def _sheet(path: Path, name: str) -> list[list[str]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [["" if v is None else str(v) for v in row] for row in workbook[name].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _binds(xform: str) -> dict[str, dict[str, str]]:
    out = {}
    for match in re.finditer(r"<bind ([^>]*)/>", xform):
        attrs = dict(re.findall(r'([\w:]+)="([^"]*)"', match.group(1)))
        out[attrs["nodeset"].rsplit("/", 1)[-1]] = attrs
    return out


def test_core_questionnaire_is_accepted_by_pyxform(tmp_path, runner, questionnaire):
    data = make_data_dir(tmp_path, ["diaspora-bond"])
    out = tmp_path / "form.xlsx"
    result = runner.invoke(app, ["--data-dir", str(data), "--no-builtin", "questionnaire", "xlsform", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()

    warnings: list[str] = []
    converted = convert(xlsform=str(out), warnings=warnings)
    xform = converted.xform
    assert 'id="migdev_core"' in xform
    assert f'version="{questionnaire.version}"' in xform
    binds = _binds(xform)
    for q in questionnaire.questions:
        if q.asked_of == "designer":  # answered once, in the programme's answers file
            assert q.id not in binds, q.id
            continue
        assert q.id in binds, q.id
        assert ("relevant" in binds[q.id]) == (q.when is not None), q.id
        assert (binds[q.id].get("required") == "true()") == q.required, q.id
    # the conditions of the core questionnaire, as ODK sees them (pyxform expands ${...})
    assert "selected( /data/target/stage , 'return')" in binds["returnee_situation"]["relevant"]
    assert "/data/partners/diaspora_demand  = 'yes'" in binds["export_standards"]["relevant"]
    assert binds[STAKEHOLDER]["required"] == "true()"
    assert "<h:title>" + questionnaire.title + "</h:title>" in xform


def test_sheets_hold_types_groups_hints_and_choices(tmp_path, questionnaire):
    out = tmp_path / "form.xlsx"
    questionnaire_to_xlsform(questionnaire, out)
    survey = _sheet(out, "survey")
    header = survey[0]
    rows = [dict(zip(header, row, strict=False)) for row in survey[1:]]
    by_name = {r["name"]: r for r in rows if not r["type"].startswith(("begin_group", "end_group"))}
    groups = [r["name"] for r in rows if r["type"] == "begin_group"]
    asked = [q for q in questionnaire.questions if q.asked_of == "stakeholder"]
    assert groups == ["respondent"] + [
        s.id for s in questionnaire.sections if any(q.asked_of == "stakeholder" for q in s.questions)
    ]
    assert [r["name"] for r in rows if r["type"] == "end_group"] == groups
    assert not {q.id for q in questionnaire.questions} - {q.id for q in asked} & set(by_name)
    for q in asked:
        row = by_name[q.id]
        kind = "select_multiple" if q.type == "multiple" else "select_one"
        assert row["type"].startswith(kind + " "), q.id
        assert row["hint"] == q.help
        assert row["label"] == q.text
        if q.type == "boolean":
            assert row["type"].split()[1] in ("yes_no", "yes_no_dont_know")
    assert by_name[STAKEHOLDER]["type"] == f"select_one {STAKEHOLDER}"
    assert by_name["organisation"]["type"] == "text"

    choices = _sheet(out, "choices")
    lists: dict[str, list[str]] = {}
    for list_name, name, _label in choices[1:]:
        lists.setdefault(list_name, []).append(name)
    assert lists[STAKEHOLDER] == list(STAKEHOLDER_CHOICES)
    for q in asked:
        names = lists[by_name[q.id]["type"].split()[1]]
        assert names == q.values, q.id  # "dont_know" exactly where allowed
    settings_rows = _sheet(out, "settings")
    assert dict(zip(settings_rows[0], settings_rows[1], strict=True)) == {
        "form_title": questionnaire.title,
        "form_id": "migdev_core",
        "version": questionnaire.version,
    }


def test_every_operator_translates_and_pyxform_accepts_it(tmp_path, conditional):
    rel = {q.id: relevant(q.when, conditional) for q in conditional.questions if q.when is not None}
    assert rel["c_equals"] == "${a} = 'x'"
    assert rel["c_any"] == "selected(${m}, 'p') or selected(${m}, 'q')"
    assert rel["c_all"] == "selected(${m}, 'p') and selected(${m}, 'r')"
    assert rel["c_none"] == "${a} != '' and ${a} != 'dont_know' and not(${a} = 'x')"
    assert rel["c_not"] == "${b} != '' and ${b} != 'dont_know' and not(${b} = 'yes')"
    assert rel["c_dk"] == "${a} = 'dont_know'"
    out = tmp_path / "conditional.xlsx"
    questionnaire_to_xlsform(conditional, out)
    warnings: list[str] = []
    binds = _binds(convert(xlsform=str(out), warnings=warnings).xform)
    assert "count-selected( /data/base/m ) = 1" in binds["c_or"]["relevant"]
    assert "selected( /data/base/m , 'p')" in binds["c_any"]["relevant"]
    for qid in CONDITIONS:
        assert "relevant" in binds[qid]
    # "don't know" alone on a multiple question
    assert "count-selected(.) = 1" in binds["m"]["constraint"]


# ---------------------------------------------------------------- same visibility as our conditions


def _python(expr: str) -> str:
    """Our XPath subset as Python over ODK's values ('' when unanswered, space-separated multiples)."""
    expr = re.sub(r"count-selected\(\$\{(\w+)\}\) = 1", r'(cnt("\1") == 1)', expr)
    expr = re.sub(r"selected\(\$\{(\w+)\}, '(\w+)'\)", r'sel("\1", "\2")', expr)
    expr = re.sub(r"\$\{(\w+)\} != '(\w*)'", r'(val("\1") != "\2")', expr)
    expr = re.sub(r"\$\{(\w+)\} = '(\w*)'", r'(val("\1") == "\2")', expr)
    assert "$" not in expr and "'" not in expr, expr
    return expr


def _odk_visible(expr: str, values: dict) -> bool:
    def val(q: str) -> str:
        v = values.get(q)
        return " ".join(v or ())  # an answer is a tuple of values

    def sel(q: str, choice: str) -> bool:
        return choice in val(q).split()

    def cnt(q: str) -> int:
        return len(val(q).split())

    return bool(eval(_python(expr), {"val": val, "sel": sel, "cnt": cnt}))


@once_per_questionnaire
def _answers(questionnaire: Questionnaire):
    parts = {}
    for q in questionnaire.questions:
        values = [c.value for c in q.choices]
        if q.type == "multiple":
            value = st.lists(st.sampled_from(values), min_size=1, max_size=q.max_choices, unique=True) | st.just(
                [DONT_KNOW]
            )
        else:
            value = st.sampled_from(q.values)
        parts[q.id] = st.none() | value
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_relevant_shows_a_question_exactly_when_our_condition_holds(conditional, data):
    raw = data.draw(_answers(conditional))
    kept = resolve(conditional, as_answers(raw)).answers  # answers of visible questions, as ODK keeps them
    for q in conditional.questions:
        if q.when is None:
            continue
        ours = evaluate(q.when, kept) is True
        assert _odk_visible(relevant(q.when, conditional), kept) == ours, (q.id, kept)


def test_refuses_to_overwrite_without_force(tmp_path, runner):
    data = make_data_dir(tmp_path, ["diaspora-bond"])
    out = tmp_path / "form.xlsx"
    out.write_bytes(b"keep me")
    args = ["--data-dir", str(data), "--no-builtin", "questionnaire", "xlsform", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert out.read_bytes() == b"keep me"
    result = runner.invoke(app, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert _sheet(out, "settings")[1][1] == "migdev_core"


def test_reserved_names_are_refused(conditional):
    from migdev_cli.errors import MigdevError

    data = to_data(conditional, exclude_none=True)
    data["sections"][0]["questions"][0]["id"] = STAKEHOLDER
    clash = validate(Questionnaire, data, "", "test")
    with pytest.raises(MigdevError, match="rename stakeholder"):
        xlsform_rows(clash)


def test_source_date_epoch_makes_the_workbook_reproducible(tmp_path, runner, monkeypatch):
    """With SOURCE_DATE_EPOCH the same questionnaire gives the same bytes on every run (a form
    kept under version control does not change when nothing changed); without it the workbook
    carries the time it was written. Either way pyxform reads it."""
    import zipfile
    from datetime import datetime

    first, second, plain = tmp_path / "a.xlsx", tmp_path / "b.xlsx", tmp_path / "c.xlsx"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    assert runner.invoke(app, ["questionnaire", "xlsform", str(first)]).exit_code == 0
    assert runner.invoke(app, ["questionnaire", "xlsform", str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    # every time in the workbook is the epoch, none the clock's (so no pause between the runs is needed)
    properties = load_workbook(first).properties
    assert properties.created == properties.modified == datetime(2026, 1, 1)
    with zipfile.ZipFile(first) as archive:
        assert {entry.date_time for entry in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}
    assert 'id="migdev_core"' in convert(xlsform=str(first), warnings=[]).xform
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert runner.invoke(app, ["questionnaire", "xlsform", str(plain)]).exit_code == 0
    assert _sheet(plain, "survey") == _sheet(first, "survey")
    assert load_workbook(plain).properties.modified != load_workbook(first).properties.modified


def test_a_limit_on_ticked_choices_holds_in_the_form_and_in_answers_files(tmp_path, runner, questionnaire):
    out = tmp_path / "form.xlsx"
    questionnaire_to_xlsform(questionnaire, out)
    survey = _sheet(out, "survey")
    rows = [dict(zip(survey[0], row, strict=False)) for row in survey[1:]]
    bottlenecks = next(r for r in rows if r["name"] == "bottlenecks")
    assert questionnaire.question("bottlenecks").max_choices == 3
    assert "count-selected(.) <= 3" in bottlenecks["constraint"]
    assert "at most 3" in bottlenecks["constraint_message"]
    assert convert(xlsform=str(out), warnings=[]).xform  # pyxform still accepts the form
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "questionnaire: core\nanswers:\n  bottlenecks: [finance, information, skills, trust]\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["assess", "--answers", str(answers)])
    assert result.exit_code == 1
    assert f"{answers}:3:" in result.stderr and "choose at most 3 (you chose 4)" in result.stderr
