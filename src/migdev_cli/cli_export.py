"""``migdev export``: the recommendations report of an answers file, or the consolidated report of
a survey export, as Markdown, JSON or Word.

``commands`` holds the command; ``cli`` adds it to the ``migdev`` app.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from .cli_inputs import answers_from_file, read_survey
from .cli_support import catalog_for, examples
from .errors import UsageError
from .escaping import visible

commands = typer.Typer()


def _export_responses(
    ctx: typer.Context,
    path: Path,
    answers: Path | None,
    target: Path | None,
    fmt: str,
    force: bool,
    top: int | None,
    skip_invalid: bool,
    programme: Any,
) -> None:
    """`export --responses`: the consolidated report of a survey export, with the stakeholder breakdown.
    Respondents stream past: JSON is spooled (see survey_report); Markdown and Word keep only what
    the report shows (see consolidated_report)."""
    import dataclasses
    import io

    from .errors import OutputExists
    from .export import require, write_report
    from .models import Programme

    if target is not None and not force and (target.exists() or target.is_symlink()):
        raise OutputExists(f"{visible(target, keep='')} already exists; use --force to overwrite it")
    require(fmt)  # the consolidated report has no chart: only the report file itself is checked
    data: str | bytes
    if fmt == "json":
        from . import fileio
        from .survey_report import JsonSpool, write_json

        with JsonSpool() as spool:  # streamed to the file: a large survey's document is never held whole
            result, _ = read_survey(ctx, path, None, skip_invalid, answers, spool.add)
            if target is None:
                write_json(result, spool, sys.stdout)
                sys.stdout.flush()
                return

            def fill(handle: IO[bytes]) -> None:
                text = io.TextIOWrapper(handle, encoding="utf-8", newline="\n")
                write_json(result, spool, text)
                text.flush()
                text.detach()

            fileio.write_atomic_with(target, fill, force=force)
        typer.echo(f"Report written to {visible(target, keep='')}", err=True)
        return
    else:
        from .consolidated_report import GROUP_TOP, ReportCollector, consolidated_blocks, header_text

        collected = ReportCollector()
        result, from_file = read_survey(ctx, path, None, skip_invalid, answers, collected.add)
        # the title block: the answers file's programme, with --programme and --country in its place
        given = {k: v for k, v in (("name", programme.name), ("country", programme.country)) if v}
        programme = dataclasses.replace(from_file or Programme(), **given)
        blocks = consolidated_blocks(result, collected, programme, group_top=top or GROUP_TOP)
        if fmt == "docx":
            from .report_docx import render_docx

            data = render_docx(blocks, header_text(programme))
        else:
            from .report_markdown import render_blocks

            data = render_blocks(blocks)
    write_report(target, data, force)
    if target is not None:
        typer.echo(f"Report written to {visible(target, keep='')}", err=True)


@commands.command(
    "export",
    epilog=examples(
        "migdev export --answers programme.yaml --output report.md",
        "migdev export --responses survey-export.csv --output survey-report.md",
    ),
)
def export_report(
    ctx: typer.Context,
    answers: Annotated[
        Path | None, typer.Option("--answers", "-a", help="Answers file (YAML), as for `migdev assess`.")
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Report file to write; '-' writes to standard output.")
    ] = ...,  # type: ignore[assignment]  # required
    top: Annotated[
        int | None,
        typer.Option("--top", min=1, help="Also give fact sheets for the instruments ranked 1 to N (annex)."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="markdown, json or docx (Word); default: from the --output suffix."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --output if it exists.")] = False,
    responses: Annotated[
        Path | None,
        typer.Option(
            "--responses",
            help="A survey export (CSV or XLSX): write the consolidated report instead "
            "(--answers then gives the programme's answers to the designer's questions).",
        ),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="With --responses: skip rows with problems (each is listed).")
    ] = False,
    programme_name: Annotated[
        str | None,
        typer.Option("--programme", help="Programme name for the title block (default: the answers file's)."),
    ] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="Country for the title block (default: the answers file's).")
    ] = None,
) -> None:
    """Write the recommendations report for an answers file (or, with --responses, the consolidated report of a
    survey export) as Markdown, JSON or Word; the --output suffix (.md, .json, .docx) chooses the format."""
    import dataclasses

    from .export import check_free, choose_format, require
    from .models import Programme
    from .scoring import Scorer

    target = None if str(output) == "-" else output
    fmt = choose_format(target, fmt)
    if answers is None and responses is None:
        raise UsageError("give --answers FILE, --responses FILE, or both (the programme's answers and a survey)")
    if responses is not None:
        given = Programme(name=programme_name, country=country)
        _export_responses(ctx, responses, answers, target, fmt, force, top, skip_invalid, given)
        return
    if skip_invalid:
        raise UsageError("--skip-invalid needs --responses")
    check_free(target, fmt, force)
    require(fmt)
    assert answers is not None
    catalog = catalog_for(ctx)
    questionnaire, programme, values = answers_from_file(answers, catalog)
    if programme_name or country:
        programme = dataclasses.replace(
            programme or Programme(),
            **{k: v for k, v in (("name", programme_name), ("country", country)) if v},
        )
    result = Scorer(questionnaire, catalog.instruments.values()).assess(values)
    from .export import write_report_files
    from .report import build_report

    report = build_report(result, catalog, questionnaire, programme, str(answers), top)
    written = write_report_files(report, target, fmt, force)
    for note in written.notes:
        typer.echo(visible(f"note: {note}", keep=""), err=True)
    if written.files:
        typer.echo(f"Report written to {' and '.join(visible(f, keep='') for f in written.files)}", err=True)
