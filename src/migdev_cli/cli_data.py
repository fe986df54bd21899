"""``migdev validate`` and ``migdev schema``: for those who write catalog files (a data directory
checked as --data-dir would use it; the JSON Schemas of the files, for editors).

``commands`` holds the two commands; ``cli`` adds them to the ``migdev`` app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .cli_support import check_choice, examples, print_json, root_obj
from .errors import UsageError
from .escaping import visible

commands = typer.Typer()


@commands.command(epilog=examples("migdev validate my-catalog/", "migdev validate my-catalog/ --alone"))
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

    obj = root_obj(ctx)
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


@commands.command(epilog=examples("migdev schema instrument > instrument.schema.json", "migdev schema answers"))
def schema(
    kind: Annotated[str, typer.Argument(help="instrument, questionnaire or answers")] = "instrument",
) -> None:
    """Print the JSON Schema of instrument, questionnaire or answers files (for editors)."""
    from .schemas import SCHEMAS, json_schema

    check_choice("KIND", kind, {k: k for k in SCHEMAS})
    print_json(json_schema(kind))
