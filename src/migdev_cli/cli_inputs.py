"""What ``assess`` and ``export`` read: an answers file (its warnings on stderr) and a survey
export, read, scored and consolidated (each skipped row and warning on stderr)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from .cli_support import catalog_for
from .errors import UsageError
from .escaping import visible


def answers_matching(path: Path, catalog: Any, questionnaire_id: str | None) -> tuple[Any, Any, dict[str, Any]]:
    """As answers_from_file; a --questionnaire that names another questionnaire is a usage error."""
    questionnaire, programme, values = answers_from_file(path, catalog)
    if questionnaire_id is not None and questionnaire_id != questionnaire.id:
        raise UsageError(f"--questionnaire {questionnaire_id} does not match the answers file's {questionnaire.id}")
    return questionnaire, programme, values


def answers_from_file(path: Path, catalog: Any) -> tuple[Any, Any, dict[str, Any]]:
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


def read_survey(
    ctx: typer.Context,
    path: Path,
    questionnaire_id: str | None,
    skip_invalid: bool,
    answers: Path | None,
    on_batch: Any = None,
) -> Any:
    """Read, score and consolidate a survey export; the designer's answers come from ``answers``.
    Every skipped row (as it is met) and every warning goes to stderr; ``on_batch`` is given each
    batch of scored respondents (for what the JSON output or a report keeps)."""
    from .consolidate import assess_responses

    catalog = catalog_for(ctx)
    designer: dict[str, Any] | None = None
    programme = None
    if answers is not None:
        questionnaire, programme, designer = answers_matching(answers, catalog, questionnaire_id)
    else:
        questionnaire = catalog.questionnaire(questionnaire_id)
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
