"""Loader error paths with real files: every problem at once, as file:line: field: message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from migdev_cli.catalog import load_catalog
from migdev_cli.errors import DataError
from migdev_cli.loader import parse_yaml


def _problems(directory: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        load_catalog([directory])
    return info.value.lines()


def test_syntax_error_and_misspelt_key_are_both_reported(data_dir: Path, runner):
    from migdev_cli.cli import app

    bond = data_dir / "instruments" / "diaspora-bond.yaml"
    bond.write_text(bond.read_text().replace("summary:", "sumary:", 1))
    broken = data_dir / "instruments" / "broken.yaml"
    broken.write_text("id: broken\nname: [unclosed\narea: trade\n")
    result = runner.invoke(app, ["validate", str(data_dir)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    summary_line = 1 + next(i for i, line in enumerate(bond.read_text().splitlines()) if line.startswith("sumary:"))
    assert any(
        re.search(rf"diaspora-bond\.yaml:{summary_line}: sumary: unknown key 'sumary' \(did you mean 'summary'\?\)", x)
        for x in lines
    ), lines
    assert any(re.search(r"broken\.yaml:\d+: YAML syntax", line) for line in lines), lines


def test_missing_field_and_bad_value_name_their_lines(data_dir: Path):
    path = data_dir / "instruments" / "diaspora-bond.yaml"
    text = path.read_text().replace("area: investment", "area: investmnet", 1)
    path.write_text(text)
    lines = _problems(data_dir)
    area_line = 1 + text.splitlines().index("area: investmnet")
    assert any(
        f"diaspora-bond.yaml:{area_line}: area: unknown value 'investmnet' (did you mean 'investment'?)" in x
        for x in lines
    ), lines


def test_duplicate_keys_and_duplicate_ids(data_dir: Path):
    bond = data_dir / "instruments" / "diaspora-bond.yaml"
    copy = data_dir / "instruments" / "copy.yaml"
    copy.write_text(bond.read_text())
    dup = data_dir / "instruments" / "transnational-mentoring.yaml"
    dup.write_text(dup.read_text() + "\nname: Again\n")
    lines = _problems(data_dir)
    assert any("duplicate id 'diaspora-bond'" in x and "copy.yaml" in x for x in lines), lines
    assert any(re.search(r"transnational-mentoring\.yaml:\d+: YAML syntax: duplicate key 'name'", x) for x in lines)


def test_dangling_reference_and_unknown_question(data_dir: Path):
    bond = data_dir / "instruments" / "diaspora-bond.yaml"
    text = bond.read_text().replace("related: []", "related: [no-such-thing]")
    text = text.replace("question: trust", "question: trsut", 1)
    bond.write_text(text)
    lines = _problems(data_dir)
    assert any("related[0]: unknown instrument 'no-such-thing'" in x for x in lines), lines
    assert any("unknown question 'trsut' (did you mean 'trust'?)" in x for x in lines), lines


def test_condition_may_only_refer_to_earlier_questions(tmp_path: Path):
    from conftest import make_data_dir

    data = make_data_dir(tmp_path)
    core = data / "questionnaires" / "core.yaml"
    text = core.read_text().replace(
        "when: {question: stage, any_of: [return]}", "when: {question: finance_access, equals: strong}"
    )
    core.write_text(text)
    lines = _problems(data)
    assert any("may only refer to an earlier question" in x for x in lines), lines


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file is empty"),
        ("   \n\n# only a comment\n", "file is empty"),
        ("a: !!python/object/apply:os.system ['true']\n", "not allowed"),
        ("a: &x [1]\nb: *x\n" + "c: [" * 50 + "]" * 50, "nested more than"),
        ("a:\n\tb: 1\n", "YAML syntax"),
    ],
)
def test_parse_yaml_refuses_unsafe_or_empty_input(text: str, message: str):
    with pytest.raises(DataError) as info:
        parse_yaml(text, "f.yaml")
    assert message in info.value.lines()[0]
    assert info.value.lines()[0].startswith("f.yaml:")


def test_alias_bomb_is_refused_without_expanding_it():
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    with pytest.raises(DataError) as info:
        parse_yaml("\n".join(lines), "bomb.yaml")
    assert "too many values" in info.value.lines()[0]


def test_dates_stay_text_and_yes_is_a_choice_value(tmp_path: Path):
    data = parse_yaml("date: 2026-11-23\nvalue: yes\n", "x.yaml")
    assert data == {"date": "2026-11-23", "value": True}


@pytest.mark.parametrize(
    "text",
    [
        "name: '" + "[" * 60 + "'\n",
        'name: "' + "{" * 60 + '"\n',
        "# " + "[" * 60 + "\nname: x\n",
        "name: x  # " + "[{" * 60 + "\n",
        "name: |\n  " + "[" * 60 + "\n",
        "name: [" + ", ".join("'[[[[[['" for _ in range(20)) + "]\n",
    ],
    ids=["single-quoted", "double-quoted", "comment-line", "comment-after", "block-text", "quoted-in-flow"],
)
def test_brackets_in_quotes_and_comments_are_not_nesting(text: str):
    assert "name" in parse_yaml(text, "f.yaml")


@pytest.mark.parametrize("depth", [41, 500, 5000, 999_000])
def test_real_flow_nesting_is_still_refused(depth: int):
    with pytest.raises(DataError) as info:
        parse_yaml("x: " + "[" * depth + "]" * depth + "\n", "f.yaml")
    line = info.value.lines()[0]
    assert line.startswith("f.yaml:1:") and ("nested more than 40" in line or "nesting depth" in line)


def test_aliases_of_a_long_text_are_bounded_in_characters():
    """A few aliases of one long text expand to more text than any file may hold: refused
    before anything (the cache, validation, a report) expands it."""
    text = "answers:\n  a: &t " + "x" * 100_000 + "\n  b: [" + ", ".join(["*t"] * 100) + "]\n"
    assert len(text) < 200_000
    with pytest.raises(DataError) as info:
        parse_yaml(text, "long.yaml")
    assert "too much text" in info.value.lines()[0]
    keys = "k: &k\n  ? " + "y" * 50_000 + "\n  : 1\nl: [" + ", ".join(["*k"] * 100) + "]\n"  # long keys
    with pytest.raises(DataError, match="too much text"):
        parse_yaml(keys, "keys.yaml")
    assert parse_yaml("a: &t " + "x" * 100_000 + "\nb: [*t, *t]\n", "ok.yaml")["b"][1] == "x" * 100_000


def _imports(module: str) -> set[str]:
    """The migdev modules a module imports, anywhere in it (also inside functions)."""
    import ast

    source = (Path(__file__).resolve().parents[1] / "src" / "migdev_cli" / f"{module}.py").read_text(encoding="utf-8")
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {alias.name for alias in node.names}
    return found


def test_loading_runs_in_one_direction():
    """The loader drives the cache, never the other way round; no module imports one that
    imports it back; and scoring reaches no module that touches files."""
    package = Path(__file__).resolve().parents[1] / "src" / "migdev_cli"
    graph = {path.stem: _imports(path.stem) for path in package.glob("*.py")}
    assert "loader" not in graph["cache"] and "loader" not in graph["safe_yaml"]
    assert "loader" in graph["answers_file"] and "loader" in graph["catalog"]  # files are read through the loader

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), set()) - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    circles = sorted(module for module in graph if module in reach(module))
    assert circles == [], f"modules that import themselves back: {circles}"
    assert not reach("scoring") & {"fileio", "loader", "cache", "answers_file", "catalog"}
