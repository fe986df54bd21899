"""A corpus of malformed catalogs and answers files: each must give exit 1 and a
``file:line: ...`` message, never a traceback, never run code, and finish quickly.

Every case is built in ``tmp_path`` from a valid catalog (the built-in core questionnaire
and one built-in instrument with ``related`` cleared); large files and bombs are generated
here, never committed.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DATA, migdev_command, without_related
from migdev_cli import loader
from migdev_cli.cli import app

INSTRUMENT = "remittance-matching-family-business"

runner = CliRunner()


def valid_instrument_text() -> str:
    text = (DATA / "instruments" / f"{INSTRUMENT}.yaml").read_text(encoding="utf-8")
    # Standing alone, the instrument's related ids would dangle: clear them.
    assert "\nrelated:" in text
    return without_related(text)


def line_no(text: str, needle: str) -> int:
    """1-based line of the first occurrence of needle."""
    at = text.index(needle)
    return text.count("\n", 0, at) + 1


@dataclass
class Catalog:
    root: Path
    instrument: Path
    questionnaire: Path

    @property
    def instrument_text(self) -> str:
        return self.instrument.read_text(encoding="utf-8")

    @property
    def questionnaire_text(self) -> str:
        return self.questionnaire.read_text(encoding="utf-8")


def make_catalog(root: Path) -> Catalog:
    (root / "instruments").mkdir(parents=True)
    (root / "questionnaires").mkdir()
    inst = root / "instruments" / f"{INSTRUMENT}.yaml"
    inst.write_text(valid_instrument_text(), encoding="utf-8")
    quest = root / "questionnaires" / "core.yaml"
    shutil.copy(DATA / "questionnaires" / "core.yaml", quest)
    return Catalog(root, inst, quest)


def replace_in(path: Path, old: str, new: str, count: int = 1) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    text = text.replace(old, new, count)
    path.write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------- generators

MARKER = "PWNED"


def billion_laughs() -> str:
    """Ten levels of ten aliases each: 10**10 strings once expanded, 1 KB on disk."""
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*lol{i - 1}"] * 10)
        lines.append(f"lol{i}: &lol{i} [{refs}]")
    return "\n".join(lines) + "\n"


def deep_flow(levels: int = 10_000) -> str:
    return "id: x\nname: " + "[" * levels + "]" * levels + "\n"


def deep_block_mapping(levels: int = 200) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(levels)) + "  " * levels + "v\n"


def deep_block_compact(levels: int = 200_000) -> str:
    """ "- - - ... x": 400 KB that once crashed libyaml's recursive composer (segfault)."""
    return "- " * levels + "x\n"


# --------------------------------------------------------------------------- catalog cases

# A case mutates a valid catalog and returns (file that must be named, expected line or None).
CatalogCase = Callable[[Catalog], tuple[Path, int | None]]
CATALOG_CASES: dict[str, CatalogCase] = {}


def case(name: str) -> Callable[[CatalogCase], CatalogCase]:
    def register(fn: CatalogCase) -> CatalogCase:
        assert name not in CATALOG_CASES
        CATALOG_CASES[name] = fn
        return fn

    return register


def _write(c: Catalog, text: str | bytes, name: str | None = None) -> Path:
    path = c.instrument if name is None else c.root / "instruments" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@case("syntax-unclosed-flow-list")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "stages: [arrival, long_term]", "stages: [arrival, long_term")
    return c.instrument, line_no(text, "stages:") + 1  # noticed on the next line; the message names both


@case("syntax-bad-indentation")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "  destination: [donors", "    destination: [donors")
    return c.instrument, line_no(text, "    destination:")


@case("syntax-unterminated-quote")
def _(c: Catalog) -> tuple[Path, int | None]:
    replace_in(c.instrument, "cost_level: medium", 'cost_level: "medium')
    return c.instrument, None


@case("syntax-two-documents")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = c.instrument_text + "---\nid: second\n"
    _write(c, text)
    return c.instrument, line_no(text, "---\nid: second")


@case("tabs-for-indentation")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "  origin: [bds_providers", "\torigin: [bds_providers")
    return c.instrument, line_no(text, "\torigin")


@case("wrong-type-list-for-text")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "cost_level: medium", "cost_level: [medium]")
    return c.instrument, line_no(text, "cost_level:")


@case("wrong-type-text-for-list")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "stages: [arrival, long_term]", "stages: arrival")
    return c.instrument, line_no(text, "stages:")


@case("wrong-type-mapping-for-list")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "programme_types: [bds_m4p, access_to_finance]", "programme_types: {bds_m4p: yes}")
    return c.instrument, line_no(text, "programme_types:")


@case("list-where-mapping-belongs")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(
        c.instrument,
        "actors:\n  origin: [bds_providers, banks_mfis, money_transfer_operators]\n"
        "  destination: [donors, diaspora_organisations]\n",
        "actors:\n  - bds_providers\n  - donors\n",
    )
    return c.instrument, line_no(text, "actors:")


@case("top-level-list")
def _(c: Catalog) -> tuple[Path, int | None]:
    _write(c, "- id: a\n- id: b\n")
    return c.instrument, 1


@case("top-level-scalar")
def _(c: Catalog) -> tuple[Path, int | None]:
    _write(c, "just some text\n")
    return c.instrument, 1


@case("unknown-key")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "cost_level: medium\n", "cost_level: medium\ncolour: red\n")
    return c.instrument, line_no(text, "colour:")


@case("misspelt-key")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "time_to_results: short", "time_to_result: short")
    return c.instrument, line_no(text, "time_to_result:")


@case("duplicate-key")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "cost_level: medium\n", "cost_level: medium\ncost_level: high\n")
    return c.instrument, line_no(text, "cost_level: high")


@case("missing-required-field")
def _(c: Catalog) -> tuple[Path, int | None]:
    replace_in(c.instrument, "cost_level: medium\n", "")
    return c.instrument, 2  # reported on the document's first line


@case("unknown-enum-value")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "cost_level: medium", "cost_level: cheap")
    return c.instrument, line_no(text, "cost_level:")


@case("invalid-id")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, f"id: {INSTRUMENT}", "id: Not A Slug!")
    return c.instrument, line_no(text, "id: Not")


@case("huge-integer")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "cost_level: medium", "cost_level: " + "9" * 5000)
    return c.instrument, line_no(text, "cost_level:")


@case("duplicate-id-across-files")
def _(c: Catalog) -> tuple[Path, int | None]:
    second = _write(c, c.instrument_text, "zz-copy.yaml")  # loaded second, so reported
    return second, line_no(c.instrument_text, "id:")


@case("dangling-related")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "related: []", "related:\n  - no-such-instrument")
    return c.instrument, line_no(text, "  - no-such-instrument")


@case("related-to-itself")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "related: []", f"related: [{INSTRUMENT}]")
    return c.instrument, line_no(text, "related:")


@case("precondition-unknown-question")
def _(c: Catalog) -> tuple[Path, int | None]:
    old = "check: {question: finance_access, any_of: [strong, collateral_gap, mobile_money]}"
    text = replace_in(c.instrument, old, "check: {question: financial_access, any_of: [strong]}")
    return c.instrument, line_no(text, "financial_access")


@case("precondition-unknown-choice")
def _(c: Catalog) -> tuple[Path, int | None]:
    old = "check: {question: finance_access, any_of: [strong, collateral_gap, mobile_money]}"
    text = replace_in(c.instrument, old, "check: {question: finance_access, any_of: [strong, plenty]}")
    return c.instrument, line_no(text, "plenty")


@case("precondition-malformed-condition")
def _(c: Catalog) -> tuple[Path, int | None]:
    old = "check: {question: finance_access, any_of: [strong, collateral_gap, mobile_money]}"
    text = replace_in(c.instrument, old, "check: {question: finance_access}")
    return c.instrument, line_no(text, "check: {question: finance_access}")


@case("questionnaire-when-refers-to-later-question")
def _(c: Catalog) -> tuple[Path, int | None]:
    # stage is asked after budget: a condition on budget may not look ahead to it.
    text = replace_in(
        c.questionnaire,
        "      - id: budget\n        type: single\n",
        "      - id: budget\n        type: single\n        when: {question: stage, any_of: [return]}\n",
    )
    return c.questionnaire, line_no(text, "when: {question: stage")


@case("questionnaire-when-unknown-question")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(
        c.questionnaire,
        "      - id: budget\n        type: single\n",
        "      - id: budget\n        type: single\n        when: {question: nonexistent, equals: x}\n",
    )
    return c.questionnaire, line_no(text, "question: nonexistent")


@case("questionnaire-duplicate-question-id")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.questionnaire, "      - id: time_horizon\n", "      - id: budget\n")
    return c.questionnaire, text.count("\n", 0, text.index("      - id: budget\n", text.index("id: budget") + 1)) + 1


@case("questionnaire-syntax-error")
def _(c: Catalog) -> tuple[Path, int | None]:
    replace_in(c.questionnaire, "title: The host programme", "title: [The host programme")
    return c.questionnaire, None


@case("empty-file")
def _(c: Catalog) -> tuple[Path, int | None]:
    return _write(c, ""), 1


@case("whitespace-only-file")
def _(c: Catalog) -> tuple[Path, int | None]:
    return _write(c, "   \n\n\t\n  \n"), 1


@case("comment-only-file")
def _(c: Catalog) -> tuple[Path, int | None]:
    return _write(c, "# an instrument\n  # will go here\n---\n"), 1


@case("empty-questionnaire")
def _(c: Catalog) -> tuple[Path, int | None]:
    c.questionnaire.write_text("", encoding="utf-8")
    return c.questionnaire, 1


@case("binary-file")
def _(c: Catalog) -> tuple[Path, int | None]:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    return _write(c, png, "logo.yaml"), None


@case("binary-nul-in-utf8")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = c.instrument_text.replace("cost_level: medium", "cost_level: med\x00ium")
    return _write(c, text), line_no(text, "cost_level")


@case("non-utf8-latin1")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = c.instrument_text.replace("cost_level: medium", "cost_level: medium # coût")
    return _write(c, text.encode("latin-1")), line_no(text, "cost_level")


@case("non-utf8-utf16")
def _(c: Catalog) -> tuple[Path, int | None]:
    return _write(c, c.instrument_text.encode("utf-16")), 1


@case("raw-control-character")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = c.instrument_text.replace("cost_level: medium", "cost_level: medium\x1b[31m")
    return _write(c, text), line_no(text, "cost_level")


@case("file-over-size-limit")
def _(c: Catalog) -> tuple[Path, int | None]:
    filler = "# " + "x" * 98 + "\n"
    text = c.instrument_text + filler * (loader.MAX_BYTES // len(filler) + 1)
    return _write(c, text), 1


@case("many-unknown-keys")
def _(c: Catalog) -> tuple[Path, int | None]:
    # 20,000 problems in one file: listed up to a cap, in well under a second (was quadratic).
    text = c.instrument_text + "".join(f"extra_{i}: 1\n" for i in range(20_000))
    return _write(c, text), line_no(text, "extra_0:")


@case("deep-nesting-flow")
def _(c: Catalog) -> tuple[Path, int | None]:
    return _write(c, deep_flow()), 2


@case("deep-nesting-block-mapping")
def _(c: Catalog) -> tuple[Path, int | None]:
    return _write(c, deep_block_mapping()), loader.MAX_DEPTH + 1


@case("deep-nesting-block-compact")
def _(c: Catalog) -> tuple[Path, int | None]:
    return _write(c, deep_block_compact()), 1


@case("alias-bomb")
def _(c: Catalog) -> tuple[Path, int | None]:
    return _write(c, billion_laughs()), 1


@case("alias-recursive")
def _(c: Catalog) -> tuple[Path, int | None]:
    return _write(c, "id: &a [*a]\n"), 1


@case("alias-undefined")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "cost_level: medium", "cost_level: *medium")
    return c.instrument, line_no(text, "cost_level:")


@case("merge-key")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(
        c.instrument,
        "actors:\n  origin:",
        "defaults: &d {origin: [donors]}\nactors:\n  <<: *d\n  origin:",
    )
    return c.instrument, line_no(text, "<<:")


@case("tag-python-object-apply")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(
        c.instrument,
        "cost_level: medium",
        f'cost_level: !!python/object/apply:os.system ["echo pwned > {c.root / MARKER}"]',
    )
    return c.instrument, line_no(text, "cost_level:")


@case("tag-python-object-apply-subprocess")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = f"!!python/object/apply:subprocess.check_call\nargs: [[touch, {c.root / MARKER}]]\n" + c.instrument_text
    return _write(c, text), None


@case("tag-python-name")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "cost_level: medium", "cost_level: !!python/name:os.system")
    return c.instrument, line_no(text, "cost_level:")


@case("tag-python-object-new")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "cost_level: medium", "cost_level: !!python/object/new:builtins.exec ['1']")
    return c.instrument, line_no(text, "cost_level:")


@case("tag-via-directive")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = "%TAG !p! tag:yaml.org,2002:python/\n---\n" + c.instrument_text.replace(
        "cost_level: medium", f"cost_level: !p!object/apply:os.system ['touch {c.root / MARKER}']"
    )
    return _write(c, text), line_no(text, "cost_level:")


@case("tag-custom-local")
def _(c: Catalog) -> tuple[Path, int | None]:
    text = replace_in(c.instrument, "cost_level: medium", "cost_level: !include other.yaml")
    return c.instrument, line_no(text, "cost_level:")


@case("unicode-line-separator-in-text")
def _(c: Catalog) -> tuple[Path, int | None]:
    # Text pasted from a web page: YAML breaks the line at U+2028, an editor does not.
    replace_in(c.instrument, "civil-society report notes", "civil-society\u2028report notes")
    return c.instrument, None


def test_line_separator_is_explained(tmp_path: Path) -> None:
    catalog = make_catalog(tmp_path / "catalog")
    text = replace_in(catalog.instrument, "civil-society report notes", "civil-society\u2028report notes")
    result = runner.invoke(app, ["validate", str(catalog.root)])
    assert result.exit_code == 1
    assert f"line {line_no(text, 'civil-society')} holds a Unicode line separator (U+2028)" in result.stderr


def test_a_tab_used_for_indentation_is_named(tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("questionnaire: core\nanswers:\n\tbudget: under_100k\n", encoding="utf-8")
    result = runner.invoke(app, ["assess", "--answers", str(answers)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{answers}:3: YAML syntax")
    assert "a tab stands there: YAML indents with spaces only" in result.stderr


def test_corpus_is_large_enough() -> None:
    assert len(CATALOG_CASES) + len(ANSWERS_CASES) >= 30


def _check_failure(output: str, file: Path, line: int | None, exit_code: int) -> None:
    assert exit_code == 1, output
    assert "Traceback" not in output
    assert "internal error" not in output
    located = re.findall(rf"{re.escape(file.name)}:(\d+):", output)
    assert located, f"no {file.name}:LINE in output:\n{output}"
    lines_in_file = max(1, len(file.read_bytes().splitlines()))
    assert all(1 <= int(n) <= lines_in_file for n in located), output
    if line is not None:
        assert str(line) in located, f"expected {file.name}:{line} in output:\n{output}"


@pytest.mark.parametrize("name", list(CATALOG_CASES))
def test_bad_catalog(name: str, tmp_path: Path) -> None:
    catalog = make_catalog(tmp_path / "catalog")
    file, line = CATALOG_CASES[name](catalog)
    started = time.perf_counter()
    result = runner.invoke(app, ["validate", str(catalog.root)])
    elapsed = time.perf_counter() - started
    _check_failure(result.stderr, file, line, result.exit_code)
    assert result.stdout == ""  # nothing but the problems
    assert not (catalog.root / MARKER).exists(), "a YAML tag ran code"
    assert elapsed < 10, f"{name} took {elapsed:.1f}s"


def test_valid_catalog_passes(tmp_path: Path) -> None:
    """The corpus is built from a catalog that is valid as it stands."""
    catalog = make_catalog(tmp_path / "catalog")
    result = runner.invoke(app, ["validate", str(catalog.root)])
    assert result.exit_code == 0, result.output
    assert "OK: 1 instruments" in result.stdout


def test_bad_catalog_via_data_dir(tmp_path: Path) -> None:
    """The same checks run when the bad catalog is laid over the built-in one."""
    catalog = make_catalog(tmp_path / "catalog")
    CATALOG_CASES["tag-python-object-apply"](catalog)
    result = runner.invoke(app, ["--data-dir", str(catalog.root), "instruments", "list"])
    _check_failure(result.stderr, catalog.instrument, None, result.exit_code)
    assert not (catalog.root / MARKER).exists()


def test_every_problem_is_listed(tmp_path: Path) -> None:
    """Problems in several files are reported together, each with its own file and line."""
    catalog = make_catalog(tmp_path / "catalog")
    replace_in(catalog.instrument, "cost_level: medium", "cost_level: cheap")
    (catalog.root / "instruments" / "empty.yaml").write_text("", encoding="utf-8")
    replace_in(catalog.questionnaire, "      - id: time_horizon\n", "      - id: budget\n")
    result = runner.invoke(app, ["validate", str(catalog.root)])
    assert result.exit_code == 1
    for name in (catalog.instrument.name, "empty.yaml", "core.yaml"):
        assert re.search(rf"{re.escape(name)}:\d+:", result.stderr), result.stderr


def test_problem_list_is_capped(tmp_path: Path) -> None:
    catalog = make_catalog(tmp_path / "catalog")
    CATALOG_CASES["many-unknown-keys"](catalog)
    result = runner.invoke(app, ["validate", str(catalog.root)])
    lines = result.stderr.splitlines()
    assert len(lines) <= loader.MAX_PROBLEMS + 5
    assert "more problems in this file" in lines[-1]


# --------------------------------------------------------------------------- answers cases

AnswersCase = Callable[[Path], tuple[str | bytes, str | None]]  # -> (file content, needle for the line)
ANSWERS_CASES: dict[str, AnswersCase] = {}

GOOD_ANSWERS = """\
questionnaire: core
programme: {name: Test programme, country: Testland}
answers:
  programme_type: [bds_m4p, access_to_finance]
  budget: 100k_to_1m
  cofinancing: yes
  stage: [arrival, long_term]
  trust: high
"""


def answers_case(name: str) -> Callable[[AnswersCase], AnswersCase]:
    def register(fn: AnswersCase) -> AnswersCase:
        assert name not in ANSWERS_CASES
        ANSWERS_CASES[name] = fn
        return fn

    return register


@answers_case("unknown-question")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS + "  favourite_colour: blue\n", "favourite_colour"


@answers_case("unknown-choice")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS.replace("budget: 100k_to_1m", "budget: 100k_to_2m"), "budget:"


@answers_case("unknown-choice-in-multiple")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS.replace("[bds_m4p, access_to_finance]", "[bds_m4p, tourism]"), "programme_type:"


@answers_case("list-for-single-question")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS.replace("budget: 100k_to_1m", "budget: [under_100k, 100k_to_1m]"), "budget:"


@answers_case("mapping-for-answer")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS.replace("trust: high", "trust: {level: high}"), "trust:"


@answers_case("bad-boolean")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS.replace("cofinancing: yes", "cofinancing: perhaps"), "cofinancing:"


@answers_case("dont-know-combined")
def _(d: Path) -> tuple[str | bytes, str | None]:
    text = GOOD_ANSWERS + "  diaspora_organisation: [dont_know, hometown_associations]\n"
    return text, "diaspora_organisation:"


@answers_case("unknown-questionnaire")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS.replace("questionnaire: core", "questionnaire: cor"), "questionnaire:"


@answers_case("missing-questionnaire")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS.replace("questionnaire: core\n", ""), None


@answers_case("unknown-top-level-key")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS + "answer: {}\n", "answer: {}"


@answers_case("answers-is-a-list")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return "questionnaire: core\nanswers:\n  - budget: under_100k\n", "answers:"


@answers_case("top-level-list")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return "- questionnaire: core\n", None


@answers_case("syntax-error")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS.replace("trust: high", "trust: high: very"), "trust:"


@answers_case("duplicate-answer")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS + "  budget: over_1m\n", "budget: over_1m"


@answers_case("empty")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return "\n\n", None


@answers_case("comment-only")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return "# answers to come\n", None


@answers_case("non-utf8")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS.replace("Testland", "Côte d'Ivoire").encode("latin-1"), "Ivoire"


@answers_case("alias-bomb")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS + billion_laughs().replace("\n", "\n  ").replace("lol0:", "  lol0:", 1), None


@answers_case("tag-python-object-apply")
def _(d: Path) -> tuple[str | bytes, str | None]:
    evil = f'!!python/object/apply:os.system ["echo pwned > {d / MARKER}"]'
    return GOOD_ANSWERS.replace("trust: high", f"trust: {evil}"), "trust:"


@answers_case("over-size-limit")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS + ("# " + "y" * 200 + "\n") * (loader.MAX_BYTES // 200), None


@answers_case("many-unknown-questions")
def _(d: Path) -> tuple[str | bytes, str | None]:
    return GOOD_ANSWERS + "".join(f"  q{i}: x\n" for i in range(30_000)), "q0:"


@pytest.mark.parametrize("name", list(ANSWERS_CASES))
def test_bad_answers(name: str, tmp_path: Path) -> None:
    content, needle = ANSWERS_CASES[name](tmp_path)
    path = tmp_path / "answers.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
        text = content.decode("utf-8", errors="replace")
    else:
        path.write_text(content, encoding="utf-8")
        text = content
    started = time.perf_counter()
    result = runner.invoke(app, ["assess", "--answers", str(path), "--json"])
    elapsed = time.perf_counter() - started
    _check_failure(result.stderr, path, line_no(text, needle) if needle else None, result.exit_code)
    assert result.stdout == ""
    assert not (tmp_path / MARKER).exists(), "a YAML tag ran code"
    assert elapsed < 10, f"{name} took {elapsed:.1f}s"


def test_good_answers_pass(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(GOOD_ANSWERS, encoding="utf-8")
    result = runner.invoke(app, ["assess", "--answers", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert '"ranking"' in result.stdout


def test_missing_answers_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["assess", "--answers", str(tmp_path / "nope.yaml"), "--json"])
    assert result.exit_code == 1
    assert "nope.yaml" in result.stderr
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- the real entry point


def _limits() -> None:  # runs in the child before exec
    one_gb = 1 << 30
    resource.setrlimit(resource.RLIMIT_AS, (one_gb, one_gb))
    resource.setrlimit(resource.RLIMIT_CPU, (30, 30))


def _run_limited(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGDEV_")}
    env["MIGDEV_CACHE_DIR"] = str(cwd / "migdev-cache")
    return subprocess.run(
        [*migdev_command(), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
        preexec_fn=_limits,
    )


def test_subprocess_limits_allow_a_normal_run(tmp_path: Path) -> None:
    """The memory limit used below is generous enough for a normal run (so failures mean something)."""
    catalog = make_catalog(tmp_path / "catalog")
    result = _run_limited(["validate", str(catalog.root)], tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "name",
    [
        "alias-bomb",
        "deep-nesting-flow",
        "deep-nesting-block-compact",
        "deep-nesting-block-mapping",
        "tag-python-object-apply",
        "many-unknown-keys",
        "file-over-size-limit",
    ],
)
def test_bad_catalog_real_entry_point(name: str, tmp_path: Path) -> None:
    """No traceback (or crash) from the installed `migdev`, within 1 GB of address space and 20 s."""
    catalog = make_catalog(tmp_path / "catalog")
    file, line = CATALOG_CASES[name](catalog)
    result = _run_limited(["validate", str(catalog.root)], tmp_path)
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])  # a segfault would be -11
    _check_failure(result.stderr, file, line, result.returncode)
    assert not (catalog.root / MARKER).exists()


def test_bad_answers_real_entry_point(tmp_path: Path) -> None:
    content, _ = ANSWERS_CASES["alias-bomb"](tmp_path)
    path = tmp_path / "answers.yaml"
    path.write_text(str(content), encoding="utf-8")
    result = _run_limited(["assess", "--answers", str(path)], tmp_path)
    _check_failure(result.stderr, path, None, result.returncode)
