"""``migdev assess``: the needs assessment (interactive, or from an answers file) and its ranking;
with --responses, the per-respondent and consolidated rankings of a survey export.

``commands`` holds the command; ``cli`` adds it to the ``migdev`` app.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_inputs import answers_matching, read_survey
from .cli_support import catalog_for, complete_questionnaire_ids, examples, print_json
from .errors import UsageError
from .escaping import visible

commands = typer.Typer()


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

        result, _ = read_survey(ctx, path, questionnaire_id, skip_invalid, answers)
        print_consolidated(console(), result, top if top is not None else 10)
        return
    from .survey_report import JsonSpool, write_json, write_jsonl

    with JsonSpool() as spool:
        result, _ = read_survey(ctx, path, questionnaire_id, skip_invalid, answers, spool.add)
        (write_json if output == "json" else write_jsonl)(result, spool, sys.stdout, top)
        sys.stdout.flush()


@commands.command(
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
    catalog = catalog_for(ctx)
    if answers is not None:
        questionnaire, programme, values = answers_matching(answers, catalog, questionnaire_id)
        _assessed(catalog, questionnaire, programme, values, save_answers, force, as_json, top, interactive=False)
        return
    from .interview_state import complete, interview_held
    from .session import run_interactive

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
        print_json(data)
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
