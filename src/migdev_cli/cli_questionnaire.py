"""``migdev questionnaire``: show the needs-assessment questionnaire, or write it as an XLSForm."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cli_group import MigdevGroup
from .cli_support import catalog_for, complete_questionnaire_ids, examples, print_json
from .escaping import visible

questionnaire_app = typer.Typer(
    cls=MigdevGroup,
    help="Show or export the needs-assessment questionnaire.",
    epilog=examples("migdev questionnaire show", "migdev questionnaire xlsform survey.xlsx"),
    no_args_is_help=True,
)


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
    questionnaire = catalog_for(ctx).questionnaire(questionnaire_id)
    if as_json:
        from .serialize import to_data

        print_json(to_data(questionnaire, exclude_none=True))
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

    questionnaire = catalog_for(ctx).questionnaire(questionnaire_id)
    questionnaire_to_xlsform(questionnaire, output, force=force)
    typer.echo(
        f"XLSForm written to {visible(output, keep='')}; import the exports with `migdev assess --responses FILE`",
        err=True,
    )
