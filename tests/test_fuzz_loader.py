"""Property-based fuzzing of the loader: whatever the text, the loader returns data or
raises DataError whose problems name the file and a line inside it; nothing else escapes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, without_related
from migdev_cli import loader
from migdev_cli.catalog import Catalog, Origin, check_references
from migdev_cli.errors import DataError
from migdev_cli.instrument_models import Instrument
from migdev_cli.questionnaire_models import Questionnaire
from migdev_cli.serialize import from_data, to_data

NAME = "fuzzed.yaml"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def editor_lines(text: str) -> int:
    """Lines as an editor shows them (LF, CRLF, CR), ignoring trailing line breaks."""
    return len(re.split(r"\r\n|\r|\n", text.rstrip("\r\n")))


def assert_located(exc: DataError, text: str) -> None:
    assert exc.problems, "a DataError without problems"
    last = editor_lines(text)
    for problem in exc.problems:
        assert problem.file == NAME
        assert problem.line is not None, str(problem)
        assert 1 <= problem.line <= last, f"{problem} (the text has {last} lines)"
        assert problem.message


def parse_or_data_error(text: str) -> Any:
    try:
        return loader.parse_yaml(text, NAME)
    except DataError as exc:
        assert_located(exc, text)
        return exc


# --------------------------------------------------------------------------- (a) any text

YAML_TOKENS = [
    "- ", "-", ": ", ":", "? ", "\n", "\r\n", "\r", "  ", "    ", "\t", "[", "]", "{", "}", ", ", "#", "# c\n",
    "'", '"', "|", ">-", "---\n", "...\n", "%YAML 1.1\n", "%TAG !p! tag:yaml.org,2002:python/\n",
    "&a ", "*a", "&b ", "*b", "<<: ", "!!str ", "!!int ", "!!map ", "!!seq ", "!!set ", "!!binary ",
    "!!timestamp ", "!!python/object/apply:os.system ", "!!python/name:os.system", "!p!object:x ", "!local ",
    "key", "id", "name", "value", "1", "-1", "0x1F", "1e309", "9" * 5000, ".nan", ".inf", "yes", "no", "~", "null",
    "2026-11-23", "é", "😀", "\u2028", "\u0085", "\ufeff", "\x00", "\x1b[31m", "\x07", '"\\x1b"', '"\\ud800"',
    '"\\', "\\", "%", "@", "`", "=",
]  # fmt: skip


yamlish = st.lists(st.sampled_from(YAML_TOKENS), max_size=60).map("".join)


@FUZZ
@given(st.text())
def test_any_text_gives_data_or_data_error(text: str) -> None:
    parse_or_data_error(text)


@FUZZ
@given(yamlish)
def test_yamlish_text_gives_data_or_data_error(text: str) -> None:
    parse_or_data_error(text)


@FUZZ
@given(
    st.lists(st.sampled_from(["[", "{", "- ", "? ", "  ", "&x ", "*x", "a: ", "\n"]), min_size=1, max_size=4).map(
        "".join
    )
)
def test_nesting_tokens_never_crash(token: str) -> None:
    """Repeated nesting tokens (a bounded version of the segfault case) give data or DataError."""
    parse_or_data_error(token * 5_000 + "x\n")


def test_any_text_through_read_yaml(tmp_path: Path) -> None:
    """Bytes on disk: the same guarantee through read_text (UTF-8 check, BOM, size limit)."""

    @FUZZ
    @given(st.binary(max_size=300))
    def check(raw: bytes) -> None:
        path = tmp_path / NAME
        path.write_bytes(raw)
        try:
            loader.read_yaml(path, NAME)
        except DataError as exc:
            assert_located(exc, raw.decode("utf-8", errors="replace").removeprefix("\ufeff"))

    check()


# --------------------------------------------------------------------------- (b) mutated instruments

VALID = (DATA / "instruments" / "remittance-matching-family-business.yaml").read_text(encoding="utf-8")
VALID = without_related(VALID)
CORE_TEXT = (DATA / "questionnaires" / "core.yaml").read_text(encoding="utf-8")
CORE = loader.validate(Questionnaire, loader.parse_yaml(CORE_TEXT, "core.yaml"), CORE_TEXT, "core.yaml")


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


@st.composite
def mutation(draw: st.DrawFn, text: str) -> str:
    lines = _lines(text)
    if not lines:
        return draw(st.sampled_from(YAML_TOKENS))
    kind = draw(
        st.sampled_from(
            ["delete_line", "duplicate_line", "swap_lines", "indent", "dedent", "insert", "replace_char",
             "delete_span", "retype_value", "truncate", "tab"]
        )
    )  # fmt: skip
    i = draw(st.integers(0, len(lines) - 1))
    if kind == "delete_line":
        del lines[i]
    elif kind == "duplicate_line":
        lines.insert(i, lines[i])
    elif kind == "swap_lines":
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "indent":
        lines[i] = " " * draw(st.integers(1, 6)) + lines[i]
    elif kind == "dedent":
        lines[i] = lines[i].lstrip(" ")
    elif kind == "tab":
        lines[i] = "\t" + lines[i].lstrip(" ")
    elif kind == "insert":
        at = draw(st.integers(0, len(lines[i])))
        piece = draw(st.one_of(st.sampled_from(YAML_TOKENS), st.text(max_size=8)))
        lines[i] = lines[i][:at] + piece + lines[i][at:]
    elif kind == "replace_char" and lines[i]:
        at = draw(st.integers(0, len(lines[i]) - 1))
        lines[i] = lines[i][:at] + draw(st.characters()) + lines[i][at + 1 :]
    elif kind == "delete_span":
        joined = "".join(lines)
        start = draw(st.integers(0, len(joined)))
        end = draw(st.integers(start, min(len(joined), start + 200)))
        return joined[:start] + joined[end:]
    elif kind == "retype_value" and ": " in lines[i]:
        key, _, _ = lines[i].partition(": ")
        value = draw(st.sampled_from(["[]", "{}", "~", "1", "yes", "[a, b]", "{a: 1}", "''", "*nope", "!!binary x"]))
        lines[i] = f"{key}: {value}\n"
    elif kind == "truncate":
        return "".join(lines[:i])
    return "".join(lines)


@st.composite
def mutated_instrument(draw: st.DrawFn) -> str:
    text = VALID
    for _ in range(draw(st.integers(1, 3))):
        text = draw(mutation(text))
    return text


def _check_instrument(text: str) -> None:
    try:
        data = loader.parse_yaml(text, NAME)
        instrument = loader.validate(Instrument, data, text, NAME)
    except DataError as exc:
        assert_located(exc, text)
        return
    # The cache keeps the validated instrument as JSON and rebuilds it without pydantic:
    # it must give back the same instrument.
    cached = json.loads(json.dumps(to_data(instrument), allow_nan=False))
    assert from_data(Instrument, cached) == instrument
    catalog = Catalog(
        instruments={instrument.id: instrument},
        questionnaires={CORE.id: CORE},
        origins={
            ("instruments", instrument.id): Origin(NAME, data, text),
            ("questionnaires", CORE.id): Origin("core.yaml", None, CORE_TEXT),
        },
    )
    problems = [p for p in check_references(catalog) if p.file == NAME]
    if problems:
        assert_located(DataError(problems), text)


def test_valid_instrument_is_valid() -> None:
    _check_instrument(VALID)
    loader.validate(Instrument, loader.parse_yaml(VALID, NAME), VALID, NAME)


@FUZZ
@given(mutated_instrument())
def test_mutated_instrument_validates_or_names_lines(text: str) -> None:
    _check_instrument(text)


@pytest.mark.parametrize(
    "text",
    [
        VALID.replace("cost_level: medium", 'cost_level: "medium'),  # error at the end of the file
        VALID + "\n\n\n",
        VALID.replace("\n", "\r\n"),
        VALID.replace("\n", "\r"),
        VALID.replace("Seed 001 notes", "Seed\u2028001 notes"),  # YAML counts U+2028 as a line break
        VALID.replace("cost_level: medium", "cost_level: cheap").replace("Seed 001", "Seed\u2028001"),
    ],
    ids=["eof-error", "trailing-blank-lines", "crlf", "cr", "line-separator", "line-separator-before-error"],
)
def test_line_numbers_stay_inside_the_file(text: str) -> None:
    _check_instrument(text)
