"""Filtering and summarising instruments for `migdev instruments list` (pure functions)."""

from __future__ import annotations

from typing import Any

from .models import Instrument


def _haystack(inst: Instrument) -> str:
    parts = [inst.name, inst.summary]
    for ex in inst.examples:
        parts += [ex.name, ex.country, ex.period, *ex.facts]
    return "\n".join(parts).casefold()


def filter_instruments(
    instruments: list[Instrument],
    *,
    area: str | None = None,
    stage: str | None = None,
    target: str | None = None,
    actor: str | None = None,
    search: str | None = None,
) -> list[Instrument]:
    """Instruments that pass every given filter; ``search`` matches name, summary and examples."""
    needle = search.casefold().strip() if search else None
    out = []
    for inst in instruments:
        if area and inst.area != area:
            continue
        if stage and stage not in inst.stages:
            continue
        if target and target not in inst.target_groups:
            continue
        if actor and actor not in inst.attribute_values("actor"):
            continue
        if needle and needle not in _haystack(inst):
            continue
        out.append(inst)
    return out


def list_entry(inst: Instrument) -> dict[str, Any]:
    return {
        "id": inst.id,
        "name": inst.name,
        "area": inst.area,
        "summary": inst.summary,
        "target_groups": list(inst.target_groups),
        "stages": list(inst.stages),
        "cost_level": inst.cost_level,
        "time_to_results": inst.time_to_results,
    }
