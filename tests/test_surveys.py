"""Field surveys on hostile and large input: strict CSV, bounded XLSX, streamed output, designer questions."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migdev_cli.answers import as_answers
from migdev_cli.cli import app
from migdev_cli.xlsform import STAKEHOLDER_CHOICES

GROUPS = list(STAKEHOLDER_CHOICES)
TRUST = ["high", "mixed", "low"]
ROOT = Path(__file__).resolve().parents[1]


def _bounded(args: list[str], memory: int = 2 << 30, timeout: int = 120) -> tuple[int, str, str, float]:
    """Run migdev in its own process with an address-space limit: exit code, stdout, stderr, peak MB."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [sys.executable, "-m", "migdev_cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=limit,
        env=env,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return process.returncode, out.decode(), err.decode(), usage.ru_maxrss / 1024


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if not line.startswith("warning:")]


# --------------------------------------------------------------------------- CSV: a stray quote


def _rows(n: int) -> list[list[str]]:
    """Rows whose answers follow from their id, so a merged row shows up as a wrong pairing."""
    return [
        [str(i), f"Club {i}, Paris" if i % 3 == 0 else f"Club {i}", GROUPS[i % len(GROUPS)], TRUST[i % 3]]
        for i in range(1, n + 1)
    ]


def _csv_text(rows: list[list[str]]) -> list[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["_id", "respondent/organisation", "respondent/stakeholder", "target/trust"])
    writer.writerows(rows)
    return out.getvalue().splitlines()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    n=st.integers(2, 12),
    where=st.tuples(st.integers(0, 11), st.integers(0, 3), st.booleans()),
)
def test_a_stray_quote_never_merges_or_drops_respondents_silently(tmp_path_factory, runner, n, where):
    line_index, column, at_start = where
    lines = _csv_text(_rows(n))
    target = 1 + line_index % n
    cells = lines[target].split(",")
    column = min(column, len(cells) - 1)
    cells[column] = '"' + cells[column] if at_start else cells[column] + '"'
    lines[target] = ",".join(cells)
    path = tmp_path_factory.mktemp("quote") / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = runner.invoke(app, ["assess", "--responses", str(path), "--skip-invalid", "--json"])
    assert "internal error" not in result.stderr
    if result.exit_code == 1:  # every row had a problem: each is named
        assert "every one of the" in result.stderr
        return
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["respondents"] == out["rows"] - out["skipped_count"]
    covered: set[int] = set()
    for skipped in out["skipped"]:
        spans = [tuple(map(int, m)) for p in skipped["problems"] for m in re.findall(r"lines (\d+)-(\d+)", p)]
        for first, last in spans or [(skipped["row"], skipped["row"])]:
            covered.update(range(first, last + 1))
    seen = set()
    for person in out["per_respondent"]:
        i = int(person["id"].strip('"'))  # a quote inside an unquoted cell is text
        seen.add(i)
        assert person["stakeholder"] == GROUPS[i % len(GROUPS)], person  # identity and answers from one row
        assert person["organisation"].strip('"') in (f"Club {i}, Paris", f"Club {i}"), person
    for i in range(1, n + 1):  # every line is a respondent or named as skipped
        assert i in seen or (i + 1) in covered, (i, out["skipped"])


def test_a_quote_that_swallows_rows_is_an_error_naming_the_lines(tmp_path, runner):
    path = tmp_path / "export.csv"
    # the quote opened in row 2's organisation closes on line 4: three rows read as one
    path.write_text(
        '_id,respondent/organisation,target/trust\n1,"Club A,high\n2,Club B,low\n3,",high\n4,Club D,low\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["assess", "--responses", str(path), "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{path}:row 2: lines 2-4 were read as one row" in result.stderr
    skipping = runner.invoke(app, ["assess", "--responses", str(path), "--json", "--skip-invalid"])
    out = json.loads(skipping.stdout)
    assert [p["id"] for p in out["per_respondent"]] == ["4"]
    assert out["respondents"] == out["rows"] - out["skipped_count"] == 1
    # a line break inside a free-text cell is fine
    path.write_text('_id,respondent/organisation,target/trust\n1,"Club A\nParis",high\n2,Club B,low\n')
    fine = runner.invoke(app, ["assess", "--responses", str(path), "--json"])
    assert fine.exit_code == 0, fine.output
    assert [p["organisation"] for p in json.loads(fine.stdout)["per_respondent"]] == ["Club A\nParis", "Club B"]


def test_an_unclosed_quote_and_a_line_break_in_an_answer_are_errors(tmp_path, runner):
    path = tmp_path / "export.csv"
    path.write_text('_id,target/trust\n1,high\n2,"low\n3,high\n', encoding="utf-8")
    result = runner.invoke(app, ["assess", "--responses", str(path)])
    assert result.exit_code == 1
    assert "lines 3-4 cannot be read as cells: a quote is never closed" in result.stderr
    path.write_text('_id,target/trust\n1,"high\n"\n2,low\n', encoding="utf-8")
    result = runner.invoke(app, ["assess", "--responses", str(path)])
    assert result.exit_code == 1
    assert "target/trust: a line break inside an answer" in result.stderr


def test_bytes_that_are_not_utf8_stop_the_import_even_when_skipping(tmp_path, runner):
    path = tmp_path / "export.csv"
    path.write_bytes(b"_id,target/trust\n1,high\n" + b"2,low\n" * 5000 + b"3,h\xe9gh\n4,low\n")
    result = runner.invoke(app, ["assess", "--responses", str(path), "--skip-invalid", "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{path}:5003: not UTF-8 text" in result.stderr and "internal error" not in result.stderr


# --------------------------------------------------------------------------- XLSX within bounds

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sheet(body: str, dimension: str | None = None, prolog: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    head = f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{_MAIN}">'
    return f"{head}{dim}<sheetData>{body}</sheetData></worksheet>"


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


GOOD_ROWS = f'<row r="1">{_cell("A1", "target/trust")}</row><row r="2">{_cell("A2", "high")}</row>'


def _workbook(path: Path, sheet: str | None, shared: str | None = None) -> Path:
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="x"/>')
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        rels = f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        if shared is not None:
            rels += f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        archive.writestr(
            "xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="{pkg}">{rels}</Relationships>'
        )
        if sheet is not None:
            archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", shared)
    return path


def _declare_size(path: Path, member: str, size: int) -> None:
    """Rewrite the unpacked size the zip's local header and directory give for ``member``."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            length = int.from_bytes(data[start + name_len_at : start + name_len_at + 2], "little")
            if data[start + name_at : start + name_at + length] == name:
                data[start + size_at : start + size_at + 4] = size.to_bytes(4, "little")
            start += 4
    path.write_bytes(bytes(data))


def _hostile(tmp_path: Path, case: str) -> Path:
    path = tmp_path / f"{case}.xlsx"
    if case == "far-cell":  # one cell at the last column and row
        return _workbook(path, _sheet(GOOD_ROWS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    if case == "far-cell-spelled-otherwise":  # attributes in single quotes, spaces around "="
        odd = "<row r='2'><c r = 'XFD1048576'><v>1</v></c></row>"
        return _workbook(path, _sheet(f'<row r="1">{_cell("A1", "target/trust")}</row>{odd}'))
    if case == "far-reference":  # a cell whose reference lies far below its row
        return _workbook(path, _sheet(f'<row r="1">{_cell("A1", "target/trust")}{_cell("BZ999999", "x")}</row>'))
    if case == "declared-bomb":  # a part whose directory entry says it unpacks to 1 GiB
        _workbook(path, _sheet(GOOD_ROWS))
        _declare_size(path, "xl/worksheets/sheet1.xml", 1 << 30)
        return path
    if case == "lying-size":  # a part that unpacks to more than its directory entry says
        _workbook(path, _sheet(GOOD_ROWS + "<!-- " + "x" * 200_000 + " -->"))
        _declare_size(path, "xl/worksheets/sheet1.xml", 1000)
        return path
    if case == "shared-strings-bomb":
        _workbook(path, _sheet(GOOD_ROWS), f'<?xml version="1.0"?><sst xmlns="{_MAIN}"><si><t>a</t></si></sst>')
        _declare_size(path, "xl/sharedStrings.xml", 400_000_000)
        return path
    if case == "entities":
        prolog = '<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        body = f'<row r="1">{_cell("A1", "target/trust")}</row><row r="2">{_cell("A2", "&b;")}</row>'
        return _workbook(path, _sheet(body, prolog=prolog))
    if case == "bad-xml":
        return _workbook(path, _sheet(GOOD_ROWS)[:-40])
    if case == "bad-shared-index":
        body = f'<row r="1">{_cell("A1", "target/trust")}</row><row r="2"><c r="A2" t="s"><v>99</v></c></row>'
        return _workbook(path, _sheet(body), f'<?xml version="1.0"?><sst xmlns="{_MAIN}"><si><t>a</t></si></sst>')
    if case == "no-worksheet":
        return _workbook(path, None)
    if case == "not-a-zip":
        path.write_text("target/trust\nhigh\n", encoding="utf-8")
        return path
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("far-cell", "reaches row 1,048,576"),
        ("far-cell-spelled-otherwise", "reaches row 1,048,576"),
        ("far-reference", "reaches row 999,999"),
        ("declared-bomb", "the workbook unpacks to 1,073,7"),
        ("lying-size", "not a readable XLSX workbook (xl/worksheets/sheet1.xml: Bad CRC-32"),
        ("shared-strings-bomb", "xl/sharedStrings.xml unpacks to 400,000,000 bytes"),
        ("entities", "declares a document type or entities"),
        ("bad-xml", "not a readable XLSX workbook"),
        ("bad-shared-index", "not a readable XLSX workbook"),
        ("no-worksheet", "no workbook or no worksheet"),
        ("not-a-zip", "not a zip archive"),
    ],
)
def test_hostile_workbooks_end_in_one_line_naming_the_file(tmp_path, case, message):
    path = _hostile(tmp_path, case)
    code, out, err, _ = _bounded(["assess", "--responses", str(path), "--json"], memory=1 << 30)
    errors = _errors(err)
    assert code == 1, err
    assert out == ""
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{path}:") and message in errors[0], errors
    assert "internal error" not in err and "Traceback" not in err and "panicked" not in err


def test_a_forged_dimension_is_ignored(tmp_path, runner):
    path = _workbook(tmp_path / "forged.xlsx", _sheet(GOOD_ROWS, dimension="A1:XFD1048576"))
    result = runner.invoke(app, ["assess", "--responses", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["rows"] == out["respondents"] == 1


def _long_rows(n: int, width: int = 20) -> str:
    """A header over ``width`` columns and n rows of answers: a sheet part of several megabytes."""
    letters = [chr(65 + i) for i in range(width)]
    header = _cell("A1", "target/trust") + "".join(_cell(f"{c}1", f"_note{c}") for c in letters[1:])
    body = [f'<row r="1">{header}</row>']
    for r in range(2, n + 2):
        cells = _cell(f"A{r}", TRUST[r % 3]) + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in letters[1:])
        body.append(f'<row r="{r}">{cells}</row>')
    return "".join(body)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        # past the first megabyte of the sheet, where one search per chunk stands in for reading each reference
        ("far-row", "reaches row 999,999"),
        ("far-column", "has a cell in column 16,385"),
        ("wider-later", "reaches row 30,002"),  # 30,002 rows fit 20 columns, not 250
        ("spelled-otherwise", "reaches row 1,048,576"),
    ],
)
def test_a_reference_past_the_limits_deep_in_a_sheet_is_found(tmp_path, case, message):
    rows = _long_rows(30_000)
    assert len(rows) > 3 << 20  # several chunks
    tail = {
        "far-row": '<row r="30002"><c r="B999999"><v>1</v></c></row>',
        "far-column": '<row r="30002"><c r="XFE30002"><v>1</v></c></row>',
        "wider-later": '<row r="30002"><c r="IP30002"><v>1</v></c></row>',
        "spelled-otherwise": "<row r='30002'><c r = 'B1048576'><v>1</v></c></row>",
    }[case]
    path = _workbook(tmp_path / f"{case}.xlsx", _sheet(rows[: len(rows) // 2] + tail + rows[len(rows) // 2 :]))
    code, out, err, _ = _bounded(["assess", "--responses", str(path), "--json"], memory=1 << 30)
    errors = _errors(err)
    assert code == 1 and out == "", err
    assert len(errors) == 1 and errors[0].startswith(f"{path}:") and message in errors[0], errors


def test_a_large_sheet_within_the_limits_is_read_whole(tmp_path, runner):
    """20,000 rows of 20 columns, then one row reaching column 250 (an empty cell): 5,000,500 cells."""
    rows = _long_rows(20_000) + '<row r="20002"><c r="A20002" t="inlineStr"><is><t>low</t></is></c>'
    rows += '<c r="IP20002"/></row>'
    path = _workbook(tmp_path / "large.xlsx", _sheet(rows))
    result = runner.invoke(app, ["assess", "--responses", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["rows"] == out["respondents"] == 20_001


def test_workbook_values_read_as_a_csv_export_holds_them(tmp_path):
    """Numbers, booleans and dates in any order: a number's text is remembered, never a boolean's."""
    import datetime

    from openpyxl import Workbook

    from migdev_cli.survey_table import open_table

    book = Workbook()
    sheet = book.active
    sheet.append(["a", "b", "c", "d", "e", "f"])
    sheet.append([1.0, True, 1, 0.0, False, " x "])
    sheet.append([True, 1.0, 2.5, False, 0, datetime.date(2026, 11, 30)])
    sheet.append([-0.0, 1e20, 3, None, 1.0, True])
    book.save(tmp_path / "values.xlsx")
    table = open_table(tmp_path / "values.xlsx")
    assert table.header == ["a", "b", "c", "d", "e", "f"]
    assert [row.cells for row in table.rows] == [
        ["1", "true", "1", "0", "false", "x"],
        ["true", "1", "2.5", "false", "0", "2026-11-30"],
        ["0", "100000000000000000000", "3", "", "1", "true"],
    ]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 20_000),
    st.integers(0, 10**7),
    st.integers(1, 20_000),
    st.integers(0, 10**7),
    st.integers(0, 2),
    st.booleans(),
)
def test_the_search_for_a_reference_past_a_bound_matches_reading_it(bound_col, bound_row, col, row, zeros, lower):
    """The one search per chunk finds a reference exactly when reading it gives a larger column or row."""
    from migdev_cli.survey_table import _beyond, _column_name, _extent

    letters = _column_name(col).lower() if lower else _column_name(col)
    for body in (f'<c r="{letters}{"0" * zeros}{row}" t="s"><v>1</v></c>', f'<row r="{"0" * zeros}{row}">'):
        read_col, read_row = _extent(body.encode(), 0, 0)
        past = read_col > bound_col or read_row > bound_row
        assert (_beyond(bound_col, bound_row).search(body.encode()) is not None) == past, body


# --------------------------------------------------------------------------- streamed output


def test_jsonl_holds_the_json_document_line_by_line(tmp_path, runner):
    path = tmp_path / "export.csv"
    path.write_text("\n".join(_csv_text(_rows(7))) + "\n", encoding="utf-8")
    document = runner.invoke(app, ["assess", "--responses", str(path), "--json"])
    lines = runner.invoke(app, ["assess", "--responses", str(path), "--jsonl"])
    assert document.exit_code == lines.exit_code == 0
    whole = json.loads(document.stdout)
    first, *people = [json.loads(line) for line in lines.stdout.splitlines()]
    assert people == whole.pop("per_respondent")
    assert first == whole
    assert len(people) == whole["respondents"] == 7


_LAUNCHER = """
import os, subprocess, sys
with open(sys.argv[1], "wb") as sink:
    process = subprocess.Popen(sys.argv[2:], stdout=sink, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def _peak_mb(args: list[str], output: Path) -> tuple[int, float]:
    """Exit code and peak resident memory (MB) of migdev run from a small launcher process
    (a child forked straight from the test process would count the test's own memory)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-c", _LAUNCHER, str(output), sys.executable, "-m", "migdev_cli", *args]
    code, peak = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout.split()
    return int(code), int(peak) / 1024


def test_many_respondents_are_streamed_in_bounded_memory(tmp_path):
    """60,000 respondents: the per-respondent output is spooled, not held (it used to take several GB)."""
    n = 60_000
    path = tmp_path / "many.csv"
    rows = _csv_text(_rows(30))
    path.write_text(rows[0] + "\n" + "\n".join(rows[1 + i % 30] for i in range(n)) + "\n", encoding="utf-8")
    for option in ("--json", "--jsonl"):
        output = tmp_path / f"out{option}"
        code, peak_mb = _peak_mb(["assess", "--responses", str(path), option], output)
        assert code == 0
        assert output.stat().st_size > 50_000_000  # far more than the process held
        assert peak_mb < 200, (option, peak_mb)
    with (tmp_path / "out--jsonl").open(encoding="utf-8") as lines:
        assert sum(1 for _ in lines) == n + 1


# --------------------------------------------------------------------------- designer questions


def test_without_answers_the_designer_questions_are_unknown_and_said_once(tmp_path, runner):
    path = tmp_path / "export.csv"
    # an old form's export that still asks the designer's questions: those columns are not read
    path.write_text(
        "_id,programme/budget,target/trust\n1,under_100k,high\n2,over_1m,low\n3,100k_to_1m,high\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["assess", "--responses", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    unknown = [w for w in out["warnings"] if "count as unknown" in w]
    assert len(unknown) == 1 and "budget" in unknown[0]
    assert result.stderr.count("count as unknown") == 1
    assert any("'programme/budget' ignored" in w for w in out["warnings"])
    assert [d["question"] for d in out["disagreement"]] == ["trust"]  # never a designer question
    assert out["designer_answers"] == {"file": None, "answers": {}}

    table = runner.invoke(app, ["assess", "--responses", str(path)])
    assert table.exit_code == 0
    assert table.stderr.count("count as unknown") == 1
    assert "Budget" not in table.stdout.split("Where respondents disagree most")[1]


def test_the_answers_file_gives_the_designer_questions_only(tmp_path, runner, catalog, scorer):
    programme = tmp_path / "programme.yaml"
    programme.write_text(
        "questionnaire: core\nanswers:\n  budget: under_100k\n  programme_type: [access_to_finance]\n  trust: low\n",
        encoding="utf-8",
    )
    path = tmp_path / "export.csv"
    path.write_text("_id,target/trust\n1,high\n2,mixed\n", encoding="utf-8")
    result = runner.invoke(app, ["assess", "--responses", str(path), "--answers", str(programme), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["designer_answers"]["answers"] == {"programme_type": ["access_to_finance"], "budget": "under_100k"}
    for person, trust in zip(out["per_respondent"], ["high", "mixed"], strict=True):
        expected = scorer.assess(
            as_answers({"programme_type": ["access_to_finance"], "budget": "under_100k", "trust": trust}),
            sensitivity=False,
        )
        assert person["top"] == expected.top_ids()
        assert person["ranking"] == [{"rank": r.rank, "id": r.id, "score": r.score} for r in expected.ranking]
    warnings = "\n".join(out["warnings"])
    unknown = next(w for w in warnings.splitlines() if "unknown for every respondent" in w)
    assert "cofinancing" in unknown and "time_horizon" in unknown  # designer questions the file leaves open
    assert "budget" not in unknown and "programme_type" not in unknown
    assert "stakeholders' questions (trust) are not used" in warnings
    mismatch = runner.invoke(
        app, ["assess", "--responses", str(path), "--answers", str(programme), "--questionnaire", "other"]
    )
    assert mismatch.exit_code == 2
