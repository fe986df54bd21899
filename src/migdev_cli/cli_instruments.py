"""``migdev instruments``: list the catalog's instruments (filtered) and show one's fact sheet."""

from __future__ import annotations

from typing import Annotated

import typer

from .cli_group import MigdevGroup
from .cli_support import catalog_for, check_choice, complete_from, complete_instrument_ids, examples, print_json

instruments_app = typer.Typer(
    cls=MigdevGroup,
    help="Browse the instrument catalog.",
    epilog=examples("migdev instruments list", "migdev instruments show transnational-mentoring"),
    no_args_is_help=True,
)


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

    check_choice("--area", area, vocab.AREAS)
    check_choice("--stage", stage, vocab.STAGES)
    check_choice("--target", target, vocab.TARGET_GROUPS)
    check_choice("--actor", actor, vocab.ACTORS)
    check_choice("--evidence", evidence, vocab.EVIDENCE_LEVELS)
    catalog = catalog_for(ctx)
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
        print_json([list_entry(i) for i in found])
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
    catalog = catalog_for(ctx)
    inst = catalog.instrument(instrument_id)
    if as_json:
        from .serialize import to_data

        print_json(to_data(inst))
        return
    from .render import console, fact_sheet

    questionnaire = catalog.questionnaire() if catalog.questionnaires else None
    console().print(fact_sheet(inst, questionnaire))
