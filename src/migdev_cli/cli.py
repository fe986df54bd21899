"""The migdev command line. It parses options, calls the library and renders.

Only typer and the standard library are imported at module level; rich, the prompt
library and the export code are imported inside the commands that use them, so
``migdev --help`` starts fast. Errors become exit codes in one place (``_Group.invoke``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from . import __version__
from .errors import DataError, ExitCode, MigdevError, UsageError

# click's own exceptions (usage errors, exit, abort) keep their meaning; typer may vendor click.
_CLICK_ERRORS = tuple(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException") + (
    typer.Exit,
    typer.Abort,
)


class _Group(TyperGroup):
    """Maps every migdev error to its exit code and a message on stderr, without a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MigdevError as exc:
            prefix = "" if isinstance(exc, DataError) else "error: "  # problems already start with file:line
            for line in exc.lines():
                typer.echo(prefix + line, err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except BrokenPipeError:
            # The reader stopped early (`migdev instruments list | head`): stop quietly. Point
            # stdout at /dev/null so that flushing it at exit does not fail again.
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            raise typer.Exit(ExitCode.ERROR) from None
        except _CLICK_ERRORS:
            raise
        except Exception as exc:  # a bug: one line, details on request
            if os.environ.get("MIGDEV_DEBUG"):
                raise
            typer.echo(f"internal error: {type(exc).__name__}: {exc} (set MIGDEV_DEBUG=1 for details)", err=True)
            raise typer.Exit(ExitCode.ERROR) from None


app = typer.Typer(
    cls=_Group,
    help="Needs assessment and instrument toolbox for migrant and diaspora business creation, investment and trade.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
instruments_app = typer.Typer(cls=_Group, help="Browse the instrument catalog.", no_args_is_help=True)
questionnaire_app = typer.Typer(
    cls=_Group, help="Show or export the needs-assessment questionnaire.", no_args_is_help=True
)
app.add_typer(instruments_app, name="instruments")
app.add_typer(questionnaire_app, name="questionnaire")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"migdev {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            envvar="MIGDEV_DATA_DIR",
            help="An organisation's own catalog (instruments/, questionnaires/) laid over the built-in one by id.",
        ),
    ] = None,
    no_builtin: Annotated[
        bool, typer.Option("--no-builtin", help="Use --data-dir alone, without the built-in catalog.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    if no_builtin and data_dir is None:
        raise typer.BadParameter("--no-builtin needs --data-dir (or MIGDEV_DATA_DIR)", param_hint="--no-builtin")
    ctx.obj = {**(ctx.obj or {}), "data_dir": data_dir, "no_builtin": no_builtin}


def _root_obj(ctx: typer.Context) -> dict[str, Any]:
    return ctx.find_root().obj or {}


def _catalog(ctx: typer.Context) -> Any:
    from .catalog import load

    obj = _root_obj(ctx)
    if not obj.get("freeze_loaded"):
        return load(obj.get("data_dir"), obj.get("no_builtin", False))
    # The migdev process (entry.py): the catalog lives as long as the command and holds no
    # cycles, so it is frozen for the cycle collector, which stays paused until then (one
    # collection right after loading would scan every object just made). Parsing and
    # validating a file leaves garbage cycles; they are collected first, or they would be
    # frozen too (a load from the cache leaves none worth a full collection).
    import gc

    from .collector import paused

    with paused(freeze=True):
        catalog = load(obj.get("data_dir"), obj.get("no_builtin", False))
        if any(origin.parsed is not None for origin in catalog.origins.values()):
            gc.collect()
    return catalog


def _print_json(data: Any) -> None:
    from .escaping import json_safe

    typer.echo(json_safe(json.dumps(data, indent=2, ensure_ascii=False)))


def _check_choice(option: str, value: str | None, allowed: dict[str, str]) -> None:
    from .suggest import did_you_mean

    if value is not None and value not in allowed:
        raise UsageError(
            f"{option}: unknown value {value!r}{did_you_mean(value, allowed)}; allowed: {', '.join(allowed)}"
        )


# --------------------------------------------------------------------------- instruments


@instruments_app.command("list")
def instruments_list(
    ctx: typer.Context,
    area: Annotated[str | None, typer.Option(help="business_creation, investment, trade, enabling_environment")] = None,
    stage: Annotated[str | None, typer.Option(help="Migration-cycle stage, e.g. return.")] = None,
    target: Annotated[str | None, typer.Option(help="Target group, e.g. low_skilled_migrants.")] = None,
    actor: Annotated[str | None, typer.Option(help="Actor on either side, e.g. local_authorities.")] = None,
    search: Annotated[str | None, typer.Option(help="Text to find in name, summary and examples.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List instruments, optionally filtered (filters combine)."""
    from . import vocab
    from .browse import filter_instruments, list_entry

    _check_choice("--area", area, vocab.AREAS)
    _check_choice("--stage", stage, vocab.STAGES)
    _check_choice("--target", target, vocab.TARGET_GROUPS)
    _check_choice("--actor", actor, vocab.ACTORS)
    catalog = _catalog(ctx)
    found = filter_instruments(
        catalog.sorted_instruments(), area=area, stage=stage, target=target, actor=actor, search=search
    )
    if as_json:
        _print_json([list_entry(i) for i in found])
        return
    from .render import console, print_instruments

    print_instruments(console(), found)


@instruments_app.command("show")
def instruments_show(
    ctx: typer.Context,
    instrument_id: Annotated[str, typer.Argument(metavar="ID", help="Instrument id (see `migdev instruments list`).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole instrument as JSON.")] = False,
) -> None:
    """Show one instrument's fact sheet."""
    catalog = _catalog(ctx)
    inst = catalog.instrument(instrument_id)
    if as_json:
        from .serialize import to_data

        _print_json(to_data(inst))
        return
    from .render import console, fact_sheet

    questionnaire = catalog.questionnaire() if catalog.questionnaires else None
    console().print(fact_sheet(inst, questionnaire))


# --------------------------------------------------------------------------- validate, schema


@app.command()
def validate(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Argument(help="A data directory (instruments/, questionnaires/); default: --data-dir, else built-in."),
    ] = None,
    alone: Annotated[
        bool, typer.Option("--alone", help="Check DIRECTORY on its own, not laid over the built-in catalog.")
    ] = False,
) -> None:
    """Check a catalog as `--data-dir` would use it: every problem is listed as file:line: field: message.

    A directory is checked laid over the built-in catalog (so it may refer to built-in
    instruments and questions), unless --alone (or --no-builtin) is given.
    """
    from .catalog import builtin_data_dir, data_dirs, load_catalog

    obj = _root_obj(ctx)
    target = directory or obj.get("data_dir")
    if target is None:
        if alone:
            raise UsageError("--alone needs a DIRECTORY (or --data-dir)")
        target = builtin_data_dir()
        directories = [target]
    else:
        directories = data_dirs(target, alone or obj.get("no_builtin", False))
    catalog = load_catalog(directories)
    for warning in catalog.warnings:
        typer.echo(str(warning), err=True)
    own = {key for key, layer in catalog.layers.items() if layer == directories[-1]}
    counts: dict[str, int] = {}
    for kind, iid in own:
        if kind == "instruments":
            area = catalog.instruments[iid].area
            counts[area] = counts.get(area, 0) + 1
    detail = ", ".join(f"{n} {area}" for area, n in sorted(counts.items()))
    questionnaires = sum(1 for kind, _ in own if kind == "questionnaires")
    line = f"{target}: OK: {sum(counts.values())} instruments ({detail}), {questionnaires} questionnaire(s)"
    if len(directories) > 1:
        line += f"; laid over the built-in catalog: {len(catalog.instruments)} instruments in all"
    typer.echo(line)


@app.command()
def schema(
    kind: Annotated[str, typer.Argument(help="instrument, questionnaire or answers")] = "instrument",
) -> None:
    """Print the JSON Schema of instrument, questionnaire or answers files (for editors)."""
    from .schemas import SCHEMAS, json_schema

    _check_choice("KIND", kind, {k: k for k in SCHEMAS})
    _print_json(json_schema(kind))


# --------------------------------------------------------------------------- questionnaire


@questionnaire_app.command("show")
def questionnaire_show(
    ctx: typer.Context,
    questionnaire_id: Annotated[str | None, typer.Option("--questionnaire", "-q", help="Questionnaire id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print questions, choices and conditions as JSON.")] = False,
) -> None:
    """Show the questions with ids, types, choices and conditions."""
    questionnaire = _catalog(ctx).questionnaire(questionnaire_id)
    if as_json:
        from .serialize import to_data

        _print_json(to_data(questionnaire, exclude_none=True))
        return
    from .render import console, questionnaire_view

    console().print(questionnaire_view(questionnaire))


@questionnaire_app.command("xlsform")
def questionnaire_xlsform(
    ctx: typer.Context,
    output: Annotated[Path, typer.Argument(metavar="OUT.xlsx", help="The XLSForm workbook to write.")],
    questionnaire_id: Annotated[str | None, typer.Option("--questionnaire", "-q", help="Questionnaire id.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUT.xlsx if it exists.")] = False,
) -> None:
    """Write the questionnaire as an XLSForm for KoBoToolbox or ODK (field surveys)."""
    from .xlsform import questionnaire_to_xlsform

    questionnaire = _catalog(ctx).questionnaire(questionnaire_id)
    questionnaire_to_xlsform(questionnaire, output, force=force)
    typer.echo(f"XLSForm written to {output}; import the exports with `migdev assess --responses FILE`", err=True)


# --------------------------------------------------------------------------- assess


def _answers_from_file(path: Path, catalog: Any) -> tuple[Any, Any, dict[str, Any]]:
    """An answers file's questionnaire, programme and values; warns on stderr about ignored answers."""
    from .answers import ignored_warnings, load_answers, resolve

    doc, values = load_answers(path, catalog.questionnaires)
    questionnaire = catalog.questionnaire(doc.questionnaire)
    for warning in ignored_warnings(questionnaire, resolve(questionnaire, values), str(path)):
        typer.echo(f"warning: {warning}", err=True)
    return questionnaire, doc.programme, values


def _responses(
    ctx: typer.Context,
    path: Path,
    questionnaire_id: str | None,
    skip_invalid: bool,
    answers: Path | None,
    on_respondent: Any = None,
) -> Any:
    """Read, score and consolidate a survey export; the designer's answers come from ``answers``.
    Every skipped row (as it is met) and every warning goes to stderr."""
    from .consolidate import assess_responses

    catalog = _catalog(ctx)
    designer: dict[str, Any] | None = None
    if answers is not None:
        questionnaire, _, designer = _answers_from_file(answers, catalog)
        if questionnaire_id is not None and questionnaire_id != questionnaire.id:
            raise UsageError(f"--questionnaire {questionnaire_id} does not match the answers file's {questionnaire.id}")
    else:
        questionnaire = catalog.questionnaire(questionnaire_id)
    result = assess_responses(
        path,
        questionnaire,
        catalog.instruments.values(),
        designer=designer,
        designer_file=None if answers is None else str(answers),
        skip_invalid=skip_invalid,
        on_respondent=on_respondent,
        on_skipped=lambda skipped: typer.echo(skipped.line(), err=True),
    )
    if result.skipped_count:
        typer.echo(f"Skipped {result.skipped_count} of {result.rows} rows (--skip-invalid).", err=True)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    return result


def _assess_responses(
    ctx: typer.Context,
    path: Path,
    questionnaire_id: str | None,
    skip_invalid: bool,
    answers: Path | None,
    output: str,
    top: int | None,
) -> None:
    """`assess --responses`: per-respondent rankings and the consolidated ranking of a survey export.
    ``output`` is table, json or jsonl; the JSON forms stream each respondent (see survey_report)."""
    if output == "table":
        from .render import console
        from .survey_render import print_consolidated

        result = _responses(ctx, path, questionnaire_id, skip_invalid, answers)
        print_consolidated(console(), result, top if top is not None else 10)
        return
    from .survey_report import JsonSpool, write_json, write_jsonl

    with JsonSpool() as spool:
        result = _responses(ctx, path, questionnaire_id, skip_invalid, answers, spool.add)
        (write_json if output == "json" else write_jsonl)(result, spool, sys.stdout, top)
        sys.stdout.flush()


@app.command()
def assess(
    ctx: typer.Context,
    answers: Annotated[
        Path | None, typer.Option("--answers", "-a", help="Answers file (YAML); runs without questions.")
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted interactive assessment.")] = False,
    save_answers: Annotated[
        Path | None, typer.Option("--save-answers", help="Write the answers to this file (replay with --answers).")
    ] = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Show only the top N instruments.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the ranking as JSON.")] = False,
    as_jsonl: Annotated[
        bool,
        typer.Option(
            "--jsonl", help="With --responses: JSON Lines, the consolidated result, then one line per respondent."
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --save-answers if it exists.")] = False,
    questionnaire_id: Annotated[str | None, typer.Option("--questionnaire", "-q", help="Questionnaire id.")] = None,
    responses: Annotated[
        Path | None,
        typer.Option(
            "--responses",
            help="A KoBoToolbox or ODK Central export (CSV or XLSX) of the XLSForm: rank per respondent "
            "and consolidate (with --answers: the programme's answers to the designer's questions).",
        ),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="With --responses: skip rows with problems (each is listed).")
    ] = False,
) -> None:
    """Run the needs assessment and rank the instruments that fit."""
    if responses is not None:
        if resume or save_answers is not None:
            raise UsageError("--responses cannot be combined with --resume or --save-answers")
        if as_json and as_jsonl:
            raise UsageError("--json and --jsonl cannot be combined")
        output = "json" if as_json else "jsonl" if as_jsonl else "table"
        _assess_responses(ctx, responses, questionnaire_id, skip_invalid, answers, output, top)
        return
    if skip_invalid or as_jsonl:
        raise UsageError(f"{'--skip-invalid' if skip_invalid else '--jsonl'} needs --responses")
    if save_answers is not None and str(save_answers) == "-":
        raise UsageError("--save-answers needs a file name; '-' (standard output) is not supported")
    from .answers import save_answers as write_answers
    from .models import Programme
    from .scoring import Scorer

    if answers is not None and resume:
        raise UsageError("--answers and --resume cannot be combined")
    if save_answers is not None and save_answers.exists() and not force:
        from .errors import OutputExists

        raise OutputExists(f"{save_answers} already exists; use --force to overwrite it")
    catalog = _catalog(ctx)
    if answers is not None:
        questionnaire, programme, values = _answers_from_file(answers, catalog)
        if questionnaire_id is not None and questionnaire_id != questionnaire.id:
            raise UsageError(f"--questionnaire {questionnaire_id} does not match the answers file's {questionnaire.id}")
    else:
        from .session import run_interactive

        questionnaire = catalog.questionnaire(questionnaire_id)
        programme, values = run_interactive(questionnaire, resume=resume)
    if save_answers is not None:
        write_answers(save_answers, questionnaire, programme or Programme(), values, force=force)
        typer.echo(f"Answers saved to {save_answers}", err=True)
    result = Scorer(questionnaire, catalog.instruments.values()).assess(values)
    if as_json:
        data = result.to_dict()
        if top is not None:
            data["ranking"] = [r for r in data["ranking"] if r["rank"] <= top]
        _print_json(data)
        return
    from .render import console, print_assessment

    print_assessment(console(), result, top if top is not None else 10)
    if answers is None:
        from .session import offer_save

        offer_save(result, catalog, questionnaire, programme or Programme(), values, saved_to=save_answers)


# --------------------------------------------------------------------------- export


def _export_responses(
    ctx: typer.Context,
    path: Path,
    answers: Path | None,
    target: Path | None,
    fmt: str,
    force: bool,
    top: int,
    skip_invalid: bool,
) -> None:
    """`export --responses`: the consolidated report of a survey export, with the stakeholder breakdown."""
    import io

    from .export import write_report
    from .survey_report import JsonSpool, MarkdownSpool, write_json, write_markdown

    text = io.StringIO()
    if fmt == "json":
        with JsonSpool() as spool:
            result = _responses(ctx, path, None, skip_invalid, answers, spool.add)
            write_json(result, spool, text)
    else:
        names = {i.id: i.name for i in _catalog(ctx).instruments.values()}
        with MarkdownSpool(names) as markdown:
            result = _responses(ctx, path, None, skip_invalid, answers, markdown.add)
            write_markdown(result, markdown, text, top=None, group_top=top)
    write_report(target, text.getvalue(), force)
    if target is not None:
        typer.echo(f"Report written to {target}", err=True)


@app.command("export")
def export_report(
    ctx: typer.Context,
    answers: Annotated[
        Path | None, typer.Option("--answers", "-a", help="Answers file (YAML), as for `migdev assess`.")
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Report file to write; '-' writes to standard output.")
    ] = ...,  # type: ignore[assignment]  # required
    top: Annotated[int, typer.Option("--top", min=1, help="Describe the instruments ranked 1 to N in detail.")] = 5,
    fmt: Annotated[str, typer.Option("--format", help="markdown or json (the same content).")] = "markdown",
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
) -> None:
    """Write the recommendations report for an answers file (or, with --responses, the consolidated report of a
    survey export), as Markdown or JSON."""
    from .errors import OutputExists
    from .scoring import Scorer

    _check_choice("--format", fmt, {"markdown": "Markdown", "json": "JSON"})
    if answers is None and responses is None:
        raise UsageError("give --answers FILE, --responses FILE, or both (the programme's answers and a survey)")
    target = None if str(output) == "-" else output
    if target is not None and target.exists() and not force:
        raise OutputExists(f"{target} already exists; use --force to overwrite it")
    if responses is not None:
        _export_responses(ctx, responses, answers, target, fmt, force, top, skip_invalid)
        return
    if skip_invalid:
        raise UsageError("--skip-invalid needs --responses")
    assert answers is not None
    catalog = _catalog(ctx)
    questionnaire, programme, values = _answers_from_file(answers, catalog)
    result = Scorer(questionnaire, catalog.instruments.values()).assess(values)
    from .export import build_report, render, write_report

    report = build_report(result, catalog, questionnaire, programme, str(answers), top)
    write_report(target, render(report, fmt), force)
    if target is not None:
        typer.echo(f"Report written to {target}", err=True)


def main(freeze_loaded: bool = False) -> None:
    """Run the CLI. ``freeze_loaded`` (the ``migdev`` command) exempts the loaded catalog from
    garbage collection; it is process-wide, so library callers and tests leave it off."""
    app(prog_name="migdev", obj={"freeze_loaded": freeze_loaded})
