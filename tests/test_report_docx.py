"""The Word report and the chart: opened with python-docx, converted with LibreOffice where installed."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPORT_MAIN
from migdev_cli.answers_file import load_answers
from migdev_cli.cli import app
from migdev_cli.export import render_docx
from migdev_cli.package import PackageItem
from migdev_cli.report import build_report
from migdev_cli.report_docx import column_widths

docx = pytest.importorskip("docx")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "answers.yaml"
MAIN = REPORT_MAIN  # the report's top-level headings, in order
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _example_result():
    from migdev_cli.catalog import builtin_data_dir, load_catalog
    from migdev_cli.scoring import Scorer

    catalog = load_catalog([builtin_data_dir()])
    doc, values = load_answers(EXAMPLE, catalog.questionnaires)
    return Scorer(catalog.questionnaire(doc.questionnaire), catalog.instruments.values()).assess(values)


def _open(path: Path):
    return docx.Document(str(path))


def _headings(document, level: int) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == f"Heading {level}"]


@pytest.fixture(scope="module")
def example_docx(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    out = tmp_path_factory.mktemp("docx") / "report.docx"
    result = CliRunner().invoke(app, ["export", "--answers", str(EXAMPLE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Report written to" in result.stderr
    return out


def test_word_report_has_headings_tables_picture_header_and_page_numbers(example_docx):
    document = _open(example_docx)
    titles = [p.text for p in document.paragraphs if p.style.name == "Title"]
    assert titles == ["Recommendations report: Example programme (illustrative)"]
    assert _headings(document, 1)[1] == "Recommended package"  # the ranking builds one for the example
    packaged = True
    expected = [*MAIN[:1], "Recommended package" if packaged else MAIN[1], *MAIN[2:]]
    assert _headings(document, 1) == expected  # Word's own heading styles: the navigation pane shows these
    assert _headings(document, 2)[0].startswith("A. ")
    assert "F. References" in _headings(document, 2)

    # tables: the package overview, the ranking, the results framework, then the annex's
    header_rows = [[c.text for c in t.rows[0].cells] for t in document.tables]
    assert header_rows[0] == ["Phase"] * packaged + ["Instrument", "Fit", "Cost", "Time to results", "Evidence"]
    assert header_rows[1] == ["Rank", "Instrument", "Fit", "Score", "Evidence", "Package"]
    assert header_rows[2] == ["Level", "Indicator", "Unit", "Instrument", "Baseline", "Target"]
    framework = document.tables[2]
    assert all(row.cells[4].text == row.cells[5].text == "" for row in framework.rows[1:])
    ranked = _example_result().ranking
    assert len(document.tables[1].rows) == 1 + len(ranked)  # every instrument that passed the screening

    # the chart is a picture in the main part
    assert len(document.inline_shapes) == 1
    body = document.element.body
    blip = body.findall(".//{http://schemas.openxmlformats.org/drawingml/2006/main}blip")
    assert len(blip) == 1

    # the programme name in the header, page numbers in the footer
    section = document.sections[0]
    assert "Example programme (illustrative)" in section.header.paragraphs[0].text
    instructions = [t.text.strip() for t in section.footer._element.iter(f"{W}instrText")]
    assert instructions == ["PAGE", "NUMPAGES"]


def test_a_page_break_opens_the_annex(example_docx):
    document = _open(example_docx)
    paragraphs = document.paragraphs
    annex = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1" and p.text == "Annex")
    breaks = [br for br in paragraphs[annex - 1]._p.iter(f"{W}br") if br.get(f"{W}type") == "page"]
    assert breaks, "the paragraph before the Annex heading holds a page break"
    before = [p for p in paragraphs[: annex - 1] if any(b.get(f"{W}type") == "page" for b in p._p.iter(f"{W}br"))]
    assert before == []  # and it is the only one in the main part


def test_column_widths_fit_the_content(example_docx):
    document = _open(example_docx)
    ranking = document.tables[1]
    widths = [c.width for c in ranking.columns]
    assert all(w and w > 0 for w in widths)
    rank, name, fit, score = widths[:4]
    assert name > 3 * rank and name > 2 * fit and name > 3 * score  # names get the room, numbers do not
    text_width = document.sections[0].page_width - document.sections[0].left_margin - document.sections[0].right_margin
    for table in document.tables:
        assert abs(sum(c.width for c in table.columns) - text_width) < text_width * 0.02
    # every cell of a column carries the column's width (Word reads the cells, LibreOffice the grid)
    for row in ranking.rows:
        assert [c.width for c in row.cells] == widths


def test_column_widths_keep_words_whole_and_share_the_rest():
    header = ["Rank", "Instrument", "Score"]
    rows = [["1", "A rather long instrument name that needs to wrap over lines " * 3, "72.3"]]
    widths = column_widths(header, rows, narrow=[0, 2], total=17.0)
    assert sum(widths) == pytest.approx(17.0)
    assert widths[1] > 12  # the long column takes what the numbers leave
    assert widths[0] >= 1.0 and widths[2] >= 1.0  # "Rank" and "Score" stay on one line
    # short content: no column is squeezed, and the width is still filled
    short = column_widths(["A", "B"], [["x", "y"]], narrow=[], total=10.0)
    assert sum(short) == pytest.approx(10.0)


def test_the_package_in_word(catalog, questionnaire, scorer, tmp_path):
    doc, values = load_answers(EXAMPLE, catalog.questionnaires)
    result = scorer.assess(values)
    ids = [r.id for r in result.ranking][:3]
    package = [
        PackageItem(
            id=i,
            name=catalog.instrument(i).name,
            phase=n,
            phase_name=name,
            why="Because.",
            before_start=[],
            lead_actors=[],
        )
        for i, (n, name) in zip(ids, [(1, "Lay the ground"), (2, "Pilot"), (3, "Scale")], strict=True)
    ]
    report = build_report(dataclasses.replace(result, package=package), catalog, questionnaire, doc.programme, None)
    path = tmp_path / "package.docx"
    path.write_bytes(render_docx(report, None))
    document = _open(path)
    assert _headings(document, 1)[1] == "Recommended package"
    assert [r.cells[0].text for r in document.tables[0].rows[1:]] == ["1. Lay the ground", "2. Pilot", "3. Scale"]
    assert len(document.inline_shapes) == 0  # no chart given, no picture


def test_chart_is_a_png_and_reproducible(catalog, questionnaire, scorer):
    from migdev_cli.chart import ranking_chart

    doc, values = load_answers(EXAMPLE, catalog.questionnaires)
    report = build_report(scorer.assess(values), catalog, questionnaire, doc.programme, None)
    first = ranking_chart(report["ranking"])
    assert first.startswith(b"\x89PNG\r\n\x1a\n")
    assert ranking_chart(report["ranking"]) == first


BLOCKED = """
import sys
sys.modules[{name!r}] = None  # as if the report extra were not installed
from migdev_cli.cli import main
sys.argv = ["migdev", "export", "--answers", {answers!r}, "-o", {out!r}]
main()
"""


@pytest.mark.parametrize(("blocked", "suffix"), [("docx", ".docx"), ("matplotlib", ".md")])
def test_without_the_report_extra(tmp_path, blocked, suffix):
    out = tmp_path / f"report{suffix}"
    code = BLOCKED.format(name=blocked, answers=str(EXAMPLE), out=str(out))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "pip install 'migdev[report]'" in proc.stderr
    assert "Traceback" not in proc.stderr
    if blocked == "docx":
        assert proc.returncode == 1 and not out.exists()  # Word needs python-docx: nothing written
    else:
        assert proc.returncode == 0 and out.exists()  # Markdown is written, without the chart
        assert "![" not in out.read_text(encoding="utf-8")
        assert not (tmp_path / "report-ranking.png").exists()


def test_the_cli_imports_neither_plotting_nor_word_library():
    code = "import sys, migdev_cli.cli; print(sorted(m for m in ('docx', 'matplotlib') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]"


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None or shutil.which("pdftotext") is None, reason="LibreOffice or pdftotext missing")
def test_libreoffice_converts_it_and_the_main_part_fits_eight_pages(example_docx, tmp_path):
    profile = tmp_path / "profile"
    proc = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(example_docx),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    pdf = tmp_path / "report.pdf"
    assert proc.returncode == 0 and pdf.exists(), proc.stderr
    pages = []
    page = 1
    while True:
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"], capture_output=True, text=True
        )
        if text.returncode != 0:
            break
        pages.append(text.stdout)
        page += 1
    annex = next(n for n, text in enumerate(pages, 1) if any(line.strip() == "Annex" for line in text.splitlines()))
    assert annex - 1 <= 8, f"the main part fills {annex - 1} pages"
    main = "\n".join(pages[: annex - 1])
    for heading in MAIN[2:-1]:
        assert heading in main
    assert "Recommended package" in main or "Recommended instruments" in main
    assert "Page 1 of" in pages[0] and "Example programme (illustrative)" in pages[0]
    # the first page says what to do first and why
    assert "Start with" in pages[0] and "They fit because" in pages[0]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 7).flatmap(
        lambda n: st.tuples(
            st.lists(st.text(max_size=15), min_size=n, max_size=n),
            st.lists(st.lists(st.text(max_size=120), min_size=n, max_size=n), max_size=6),
            st.lists(st.integers(0, n - 1), max_size=n),
        )
    )
)
def test_column_widths_always_fill_the_text_width(table):
    header, rows, narrow = table
    widths = column_widths(header, rows, narrow, total=17.0)
    assert len(widths) == len(header)
    assert all(w > 0 for w in widths)
    assert sum(widths) == pytest.approx(17.0)
