"""The migdev command line: the ``migdev`` app, its global options, and the wiring of the commands.

Each command group lives in its own module (``cli_instruments``, ``cli_questionnaire``,
``cli_data``, ``cli_assess``, ``cli_export``); they parse options, call the library and render.
Only typer and the standard library are imported at module level, here and in those modules;
rich, the prompt library and the export code are imported inside the commands that use them, so
``migdev --help`` starts fast. Errors become exit codes in one place (``cli_group.MigdevGroup``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import __version__, cli_assess, cli_data, cli_export
from .cli_group import MigdevGroup
from .cli_instruments import instruments_app
from .cli_questionnaire import questionnaire_app
from .cli_support import examples, install_completion, show_completion

app = typer.Typer(
    cls=MigdevGroup,
    help="Needs assessment and instrument toolbox for migrant and diaspora business creation, investment and trade.",
    epilog=examples("migdev assess", "migdev instruments list --area investment"),
    no_args_is_help=True,
    add_completion=False,  # --show-completion / --install-completion are below, taking the shell's name
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(instruments_app, name="instruments")
app.add_typer(questionnaire_app, name="questionnaire")
# the top-level commands, in the order of the help: validate, schema, assess, export
for module in (cli_data, cli_assess, cli_export):
    app.registered_commands += module.commands.registered_commands


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


def main() -> None:
    """Run the CLI (the ``migdev`` command starts here, through entry.py)."""
    app(prog_name="migdev", obj={})
