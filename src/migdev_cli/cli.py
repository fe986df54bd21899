"""The migdev command line. It parses options, calls the library and renders.

Only typer and the standard library are imported at module level; rich, the prompt
library and the export code are imported inside the commands that use them, so
``migdev --help`` starts fast. Errors become exit codes in one place (``_Group.invoke``).
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from . import __version__
from .cli_support import (
    complete_from,
    complete_instrument_ids,
    complete_questionnaire_ids,
    examples,
    globals_first,
    install_completion,
    show_completion,
    your_shell,
)
from .errors import DataError, ExitCode, Interrupted, MigdevError, MigdevWarning, UsageError
from .escaping import visible

# click's own exceptions (usage errors, exit, abort) keep their meaning; typer may vendor click.
_CLICK_ERRORS: tuple[type[Exception], ...] = tuple(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
) + (
    typer.Exit,
    typer.Abort,
)


class _Group(TyperGroup):
    """Maps every migdev error to its exit code and a message on stderr, without a traceback."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if ctx.parent is None:
            args = your_shell(globals_first(args))
        return super().parse_args(ctx, args)

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: str | None = None) -> None:
        # Shell completion asks the program itself (_MIGDEV_COMPLETE=...); typer's completion
        # classes, which match the scripts of --show-completion, are registered only then.
        if os.environ.get(complete_var or f"_{prog_name}_COMPLETE".replace("-", "_").upper()):
            from typer._completion_classes import completion_init

            completion_init()
        super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def invoke(self, ctx: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("always", MigdevWarning)
            python_shows = warnings.showwarning

            def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
                """migdev's own warnings as one line on stderr; others as Python shows them."""
                if issubclass(category, MigdevWarning):
                    typer.echo(f"warning: {visible(message, keep='')}", err=True)
                else:
                    python_shows(message, category, *args, **kwargs)

            warnings.showwarning = show
            return self._invoke(ctx)

    def _invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MigdevError as exc:
            # problems start with file:line; an interruption is not an error
            prefix = "" if isinstance(exc, (DataError, Interrupted)) else "error: "
            for line in exc.lines():  # a file name or a value from a file may hold control characters
                typer.echo(visible(prefix + line, keep=""), err=True)
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
            shown = visible(f"{type(exc).__name__}: {exc}", keep="")
            typer.echo(f"internal error: {shown} (set MIGDEV_DEBUG=1 for details)", err=True)
            raise typer.Exit(ExitCode.ERROR) from None


app = typer.Typer(
    cls=_Group,
    help="Needs assessment and instrument toolbox for migrant and diaspora business creation, investment and trade.",
    epilog=examples("migdev assess", "migdev instruments list --area investment"),
    no_args_is_help=True,
    add_completion=False,  # --show-completion / --install-completion are below, taking the shell's name
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
instruments_app = typer.Typer(
    cls=_Group,
    help="Browse the instrument catalog.",
    epilog=examples("migdev instruments list", "migdev instruments show transnational-mentoring"),
    no_args_is_help=True,
)
questionnaire_app = typer.Typer(
    cls=_Group,
    help="Show or export the needs-assessment questionnaire.",
    epilog=examples("migdev questionnaire show", "migdev questionnaire xlsform survey.xlsx"),
    no_args_is_help=True,
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
    completion_script: Annotated[
        str | None,
        typer.Option(
            "--show-completion",
            metavar="SHELL",
            callback=show_completion,
            expose_value=False,
            is_eager=True,
            help="Print the completion script for bash, zsh or fish (default: your $SHELL), e.g. for "
            '~/.bashrc: eval "$(migdev --show-completion bash)".',
        ),
    ] = None,
    completion_install: Annotated[
        str | None,
        typer.Option(
            "--install-completion",
            metavar="SHELL",
            callback=install_completion,
            expose_value=False,
            is_eager=True,
            help="Install completion of commands, options and ids for bash, zsh or fish (default: your $SHELL).",
        ),
    ] = None,
) -> None:
    if no_builtin and data_dir is None:
        raise typer.BadParameter("--no-builtin needs --data-dir (or MIGDEV_DATA_DIR)", param_hint="--no-builtin")
    ctx.obj = {**(ctx.obj or {}), "data_dir": data_dir, "no_builtin": no_builtin}


def _root_obj(ctx: typer.Context) -> dict[str, Any]:
    return ctx.find_root().obj or {}


def _catalog(ctx: typer.Context) -> Any:
    from .catalog import load

    obj = _root_obj(ctx)
    return load(obj.get("data_dir"), obj.get("no_builtin", False))


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


@instruments_app.command(
    "list",
    epilog=examples("migdev instruments list --area trade", "migdev instruments list --search mentoring --json"),
)
def instruments_list(
    ctx: typer.Context,
    area: Annotated[
        str | None,
        typer.Option(
            help="business_creation, investment, trade, enabling_environment", autocompletion=complete_from("AREAS")
        ),
    ] = None,
    stage: Annotated[
        str | None, typer.Option(help="Migration-cycle stage, e.g. return.", autocompletion=complete_from("STAGES"))
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(help="Target group, e.g. low_skilled_migrants.", autocompletion=complete_from("TARGET_GROUPS")),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(help="Actor on either side, e.g. local_authorities.", autocompletion=complete_from("ACTORS")),
    ] = None,
    search: Annotated[str | None, typer.Option(help="Text to find in name, summary and examples.")] = None,
    evidence: Annotated[
        str | None, typer.Option(metavar="LEVEL", help="Evidence level: rigorous, analogue, monitoring, anecdotal.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """List instruments, optionally filtered (filters combine)."""
    from . import vocab
    from .browse import filter_instruments, list_entry

    _check_choice("--area", area, vocab.AREAS)
    _check_choice("--stage", stage, vocab.STAGES)
    _check_choice("--target", target, vocab.TARGET_GROUPS)
    _check_choice("--actor", actor, vocab.ACTORS)
    _check_choice("--evidence", evidence, vocab.EVIDENCE_LEVELS)
    catalog = _catalog(ctx)
    found = filter_instruments(
        catalog.sorted_instruments(),
        area=area,
        stage=stage,
        target=target,
        actor=actor,
        search=search,
        evidence=evidence,
    )
    if as_json:
        _print_json([list_entry(i) for i in found])
        return
    from .render import console, print_instruments

    print_instruments(console(), found)


@instruments_app.command(
    "show",
    epilog=examples("migdev instruments show transnational-mentoring", "migdev instruments show diaspora-bond --json"),
)
def instruments_show(
    ctx: typer.Context,
    instrument_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="Instrument id (see `migdev instruments list`).",
            autocompletion=complete_instrument_ids,
        ),
    ],
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


@app.command(epilog=examples("migdev validate my-catalog/", "migdev validate my-catalog/ --alone"))
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
    typer.echo(visible(line, keep=""))


@app.command(epilog=examples("migdev schema instrument > instrument.schema.json", "migdev schema answers"))
def schema(
    kind: Annotated[str, typer.Argument(help="instrument, questionnaire or answers")] = "instrument",
) -> None:
    """Print the JSON Schema of instrument, questionnaire or answers files (for editors)."""
    from .schemas import SCHEMAS, json_schema

    _check_choice("KIND", kind, {k: k for k in SCHEMAS})
    _print_json(json_schema(kind))


# --------------------------------------------------------------------------- questionnaire


@questionnaire_app.command("show", epilog=examples("migdev questionnaire show", "migdev questionnaire show --json"))
def questionnaire_show(
    ctx: typer.Context,
    questionnaire_id: Annotated[
        str | None,
        typer.Option("--questionnaire", "-q", help="Questionnaire id.", autocompletion=complete_questionnaire_ids),
    ] = None,
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


@questionnaire_app.command(
    "xlsform",
    epilog=examples("migdev questionnaire xlsform survey.xlsx", "migdev assess --responses survey-export.csv"),
)
def questionnaire_xlsform(
    ctx: typer.Context,
    output: Annotated[Path, typer.Argument(metavar="OUT.xlsx", help="The XLSForm workbook to write.")],
    questionnaire_id: Annotated[
        str | None,
        typer.Option("--questionnaire", "-q", help="Questionnaire id.", autocompletion=complete_questionnaire_ids),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUT.xlsx if it exists.")] = False,
) -> None:
    """Write the questionnaire as an XLSForm for KoBoToolbox or ODK (field surveys)."""
    from .xlsform import questionnaire_to_xlsform

    questionnaire = _catalog(ctx).questionnaire(questionnaire_id)
    questionnaire_to_xlsform(questionnaire, output, force=force)
    typer.echo(
        f"XLSForm written to {visible(output, keep='')}; import the exports with `migdev assess --responses FILE`",
        err=True,
    )


# --------------------------------------------------------------------------- assess


def _answers_matching(path: Path, catalog: Any, questionnaire_id: str | None) -> tuple[Any, Any, dict[str, Any]]:
    """As _answers_from_file; a --questionnaire that names another questionnaire is a usage error."""
    questionnaire, programme, values = _answers_from_file(path, catalog)
    if questionnaire_id is not None and questionnaire_id != questionnaire.id:
        raise UsageError(f"--questionnaire {questionnaire_id} does not match the answers file's {questionnaire.id}")
    return questionnaire, programme, values


def _answers_from_file(path: Path, catalog: Any) -> tuple[Any, Any, dict[str, Any]]:
    """An answers file's questionnaire, programme and values; warns on stderr about ignored answers."""
    from .answers import ignored_warnings, resolve
    from .answers_file import load_answers, retired_warnings

    doc, values = load_answers(path, catalog.questionnaires)
    questionnaire = catalog.questionnaire(doc.questionnaire)
    for warning in retired_warnings(questionnaire, doc.answers, str(path)):
        typer.echo(visible(f"warning: {warning}", keep=""), err=True)
    for warning in ignored_warnings(questionnaire, resolve(questionnaire, values), str(path)):
        typer.echo(visible(f"warning: {warning}", keep=""), err=True)
    from .scoring import needs_warning

    warning = needs_warning(questionnaire, values, str(path))
    if warning:
        typer.echo(visible(f"warning: {warning}", keep=""), err=True)
    return questionnaire, doc.programme, values


def _responses(
    ctx: typer.Context,
    path: Path,
    questionnaire_id: str | None,
    skip_invalid: bool,
    answers: Path | None,
    on_batch: Any = None,
    collect: Any = None,
) -> Any:
    """Read, score and consolidate a survey export; the designer's answers come from ``answers``.
    Every skipped row (as it is met) and every warning goes to stderr. ``collect``, given the
    survey's scorer, returns the ``on_batch`` callback (for what a report gathers)."""
    from .consolidate import assess_responses

    catalog = _catalog(ctx)
    designer: dict[str, Any] | None = None
    programme = None
    if answers is not None:
        questionnaire, programme, designer = _answers_matching(answers, catalog, questionnaire_id)
    else:
        questionnaire = catalog.questionnaire(questionnaire_id)
    if collect is not None:
        from .survey_scoring import SurveyScorer

        on_batch = collect(SurveyScorer(questionnaire, catalog.instruments.values(), designer))
    result = assess_responses(
        path,
        questionnaire,
        catalog.instruments.values(),
        designer=designer,
        designer_file=None if answers is None else str(answers),
        skip_invalid=skip_invalid,
        on_batch=on_batch,
        on_skipped=lambda skipped: typer.echo(visible(skipped.line(), keep=""), err=True),
    )
    if result.skipped_count:
        typer.echo(f"Skipped {result.skipped_count} of {result.rows} rows (--skip-invalid).", err=True)
    for warning in result.warnings:
        typer.echo(visible(f"warning: {warning}", keep=""), err=True)
    return result, programme


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

        result, _ = _responses(ctx, path, questionnaire_id, skip_invalid, answers)
        print_consolidated(console(), result, top if top is not None else 10)
        return
    from .survey_report import JsonSpool, write_json, write_jsonl

    with JsonSpool() as spool:
        result, _ = _responses(ctx, path, questionnaire_id, skip_invalid, answers, spool.add)
        (write_json if output == "json" else write_jsonl)(result, spool, sys.stdout, top)
        sys.stdout.flush()


@app.command(
    epilog=examples("migdev assess --save-answers programme.yaml", "migdev assess --answers programme.yaml --top 5")
)
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
    questionnaire_id: Annotated[
        str | None,
        typer.Option("--questionnaire", "-q", help="Questionnaire id.", autocompletion=complete_questionnaire_ids),
    ] = None,
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

    if answers is not None and resume:
        raise UsageError("--answers and --resume cannot be combined")
    if save_answers is not None and save_answers.exists() and not force:
        from .errors import OutputExists

        raise OutputExists(f"{save_answers} already exists; use --force to overwrite it")
    catalog = _catalog(ctx)
    if answers is not None:
        questionnaire, programme, values = _answers_matching(answers, catalog, questionnaire_id)
        _assessed(catalog, questionnaire, programme, values, save_answers, force, as_json, top, interactive=False)
        return
    from .session import complete, interview_held, run_interactive

    questionnaire = catalog.questionnaire(questionnaire_id)
    with interview_held(questionnaire):  # one interview per state directory, the save prompts included
        programme, values = run_interactive(questionnaire, resume=resume)
        _assessed(catalog, questionnaire, programme, values, save_answers, force, as_json, top, interactive=True)
        complete(questionnaire)  # only now: an interruption before leaves the answers for --resume


def _assessed(
    catalog: Any,
    questionnaire: Any,
    programme: Any,
    values: dict[str, Any],
    save_answers: Path | None,
    force: bool,
    as_json: bool,
    top: int | None,
    *,
    interactive: bool,
) -> None:
    """Score the answers and show the result: JSON, all of it, or (in the interview) the first
    screen with the details one key away, then the offers to save the answers and the report."""
    from .answers_file import save_answers as write_answers
    from .models import Programme
    from .scoring import Scorer

    if save_answers is not None:
        write_answers(save_answers, questionnaire, programme or Programme(), values, force=force)
        typer.echo(f"Answers saved to {visible(save_answers, keep='')}", err=True)
    result = Scorer(questionnaire, catalog.instruments.values()).assess(values)
    if as_json:
        data = result.to_dict()
        if top is not None:
            data["ranking"] = [r for r in data["ranking"] if r["rank"] <= top]
        _print_json(data)
        return
    from .render import console, print_assessment, print_details, print_first_screen

    out = console()
    if not interactive:
        print_assessment(out, result, top)
        return
    from .session import offer_save

    print_first_screen(out, result, top)  # the rest is one key away, in a pager

    def details() -> None:
        import os

        # colours through the pager: less needs -R (as git does, set only when LESS is not set)
        os.environ.setdefault("LESS", "-FRX")
        with out.pager(styles=True):
            print_details(out, result, top)

    offer_save(result, catalog, questionnaire, programme or Programme(), values, save_answers, details)


# --------------------------------------------------------------------------- export


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
        from .survey_report import JsonSpool, write_json

        text = io.StringIO()
        with JsonSpool() as spool:
            result, _ = _responses(ctx, path, None, skip_invalid, answers, spool.add)
            write_json(result, spool, text)
        data = text.getvalue()
    else:
        from .consolidated_report import GROUP_TOP, ReportCollector, consolidated_blocks, header_text

        collected: list[ReportCollector] = []

        def collect(scorer: Any) -> Any:
            collected.append(ReportCollector(scorer))
            return collected[0].add

        result, from_file = _responses(ctx, path, None, skip_invalid, answers, collect=collect)
        # the title block: the answers file's programme, with --programme and --country in its place
        given = {k: v for k, v in (("name", programme.name), ("country", programme.country)) if v}
        programme = dataclasses.replace(from_file or Programme(), **given)
        blocks = consolidated_blocks(result, collected[0], programme, group_top=top or GROUP_TOP)
        if fmt == "docx":
            from .report_docx import render_docx

            data = render_docx(blocks, header_text(programme))
        else:
            from .report_markdown import render_blocks

            data = render_blocks(blocks)
    write_report(target, data, force)
    if target is not None:
        typer.echo(f"Report written to {visible(target, keep='')}", err=True)


@app.command(
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
    catalog = _catalog(ctx)
    questionnaire, programme, values = _answers_from_file(answers, catalog)
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


def main() -> None:
    """Run the CLI (the ``migdev`` command starts here, through entry.py)."""
    app(prog_name="migdev", obj={})
