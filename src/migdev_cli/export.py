"""Writing the recommendations report: choosing the format, drawing the chart, writing the files.

The content is built by :mod:`migdev_cli.report` (plain data: the JSON report), laid out by
:mod:`migdev_cli.report_layout` and rendered by :mod:`migdev_cli.report_markdown` or
:mod:`migdev_cli.report_docx`; :mod:`migdev_cli.chart` draws the ranking chart. The format
follows the output's suffix (``.md``, ``.json``, ``.docx``); an explicit format wins, and a
suffix that names no format or another one is a usage error, raised before any work.

Nothing here prints, asks or parses options.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fileio
from .errors import MigdevError, OutputExists, UsageError
from .escaping import json_safe, visible
from .report_blocks import Picture
from .report_layout import CHART_CAPTION, report_blocks
from .report_markdown import render_blocks

DEFAULT_OUTPUT = "migdev-report.md"
FORMATS = {"markdown": "Markdown", "json": "JSON", "docx": "Word (.docx)"}
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".json": "json", ".docx": "docx"}
CHART_SUFFIX = "-ranking.png"


def choose_format(output: Path | None, fmt: str | None) -> str:
    """The format for ``output`` (None: standard output): ``fmt`` if given, else the suffix's.

    Raises UsageError for an unknown format, a suffix that names no format, a suffix that
    contradicts ``fmt``, and Word to standard output.
    """
    if fmt is not None and fmt not in FORMATS:
        from .suggest import did_you_mean

        raise UsageError(f"--format: unknown value {fmt!r}{did_you_mean(fmt, FORMATS)}; allowed: {', '.join(FORMATS)}")
    suffix = output.suffix.lower() if output is not None else ""
    named = SUFFIXES.get(suffix)
    if output is not None and suffix and named is None:
        known = ", ".join(SUFFIXES)
        hint = f" (or give --format {fmt} with a matching name)" if fmt else ""
        raise UsageError(f"--output {output}: the suffix {suffix!r} names no report format; use {known}{hint}")
    if output is not None and fmt is not None and named is not None and named != fmt:
        raise UsageError(
            f"--output {output} is named for {FORMATS[named]} but --format is {fmt}; "
            f"name the file {output.with_suffix(_suffix_of(fmt)).name} or drop --format"
        )
    chosen = fmt or named or "markdown"
    if chosen == "docx" and output is None:
        raise UsageError("Word output needs a file name: --output report.docx")
    return chosen


def _suffix_of(fmt: str) -> str:
    return next(s for s, f in SUFFIXES.items() if f == fmt)


def chart_path(target: Path) -> Path:
    """Where the chart of a Markdown report goes: beside it, named after it."""
    return target.with_name(target.stem + CHART_SUFFIX)


def format_for(path: Path) -> str:
    """The format a file name asks for (``.json`` JSON, ``.docx`` Word, anything else Markdown)."""
    return SUFFIXES.get(path.suffix.lower(), "markdown")


def chart_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def require(fmt: str) -> None:
    """Fail before any work when the format needs a library that is not installed."""
    if fmt == "docx":
        from .report_docx import require_docx

        require_docx()


# --------------------------------------------------------------------------- rendering


def render_json(report: dict[str, Any]) -> str:
    return json_safe(json.dumps(report, indent=2, ensure_ascii=False)) + "\n"


def render_markdown(report: dict[str, Any], chart_file: str | None = None) -> str:
    """The report as CommonMark with GFM tables; ``chart_file`` is the chart PNG's name beside it."""
    chart = Picture(CHART_CAPTION, file=chart_file) if chart_file else None
    return render_blocks(report_blocks(report, chart))


def render_docx(report: dict[str, Any], chart_png: bytes | None = None) -> bytes:
    from .report_docx import render_docx as docx

    chart = Picture(CHART_CAPTION, png=chart_png) if chart_png else None
    prog = report["programme"]
    header = ", ".join(x for x in (prog["name"], prog["country"]) if x) or report["title"]
    return docx(report_blocks(report, chart), header, title=report["title"])


def draw_chart(report: dict[str, Any]) -> bytes | None:
    """The ranking chart as PNG bytes (None when nothing is ranked)."""
    if not report["ranking"]:
        return None
    from .chart import ranking_chart

    return ranking_chart(report["ranking"])


# --------------------------------------------------------------------------- writing


@dataclass
class Written:
    """What :func:`write_report_files` wrote, and anything the user should know about it."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def planned_files(target: Path | None, fmt: str) -> list[Path]:
    """The files a report in ``fmt`` to ``target`` writes (a Markdown report's chart beside it)."""
    if target is None:
        return []
    if fmt == "markdown":
        return [target, chart_path(target)]
    return [target]


def check_free(target: Path | None, fmt: str, force: bool) -> None:
    """Refuse, before any work, to overwrite a file without ``force``."""
    if force:
        return
    for path in planned_files(target, fmt):
        if path.exists() or path.is_symlink():
            raise OutputExists(f"{path} already exists; use --force to overwrite it")


def write_report_files(report: dict[str, Any], target: Path | None, fmt: str, force: bool) -> Written:
    """Write the report in ``fmt`` to ``target`` (None: standard output), with its chart.

    Markdown to a file gets the chart as a PNG beside it (referenced from the report); Word
    gets it inside. Without matplotlib the report is written without the chart and a note
    says how to install it.
    """
    written = Written()
    png: bytes | None = None
    chart: Path | None = None  # the PNG beside a Markdown report
    if fmt in ("markdown", "docx") and report["ranking"] and (target is not None or fmt == "docx"):
        if chart_available():
            png = draw_chart(report)
        else:
            written.notes.append("the ranking chart was left out: it needs matplotlib: pip install 'migdev[report]'")
    if fmt == "json":
        data: str | bytes = render_json(report)
    elif fmt == "docx":
        data = render_docx(report, png)
    elif fmt == "markdown":
        chart = chart_path(target) if target is not None and png is not None else None
        if chart is not None and os.path.lexists(chart) and not force:  # checked before anything is written
            raise OutputExists(f"{visible(chart, keep='')} already exists; use --force to overwrite it")
        data = render_markdown(report, chart.name if chart is not None else None)
    else:
        raise MigdevError(f"unknown report format {fmt!r}")
    write_report(target, data, force)  # the report first: a failure leaves no chart without its report
    if target is not None:
        written.files.append(target)
    if chart is not None and png is not None:
        fileio.write_atomic(chart, png, force=force)
        written.files.append(chart)
    return written


def write_report(path: Path | None, text: str | bytes, force: bool) -> None:
    """Write to ``path`` atomically (never over an existing file without ``force``); None is stdout."""
    if path is None:
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        return
    fileio.write_atomic(path, text, force=force)
