"""The report's recommended package (the assessment's, or the top-ranked instruments when it has
none) and the package's combined results framework."""

from __future__ import annotations

import re
from typing import Any

from . import vocab
from .assessment import TOP, Assessment, Ranked
from .catalog import Catalog
from .package import first_sentence
from .report_evidence import evidence_of
from .report_wording import LEVELS, PHASES, actor_label, label, lower_first
from .scoring import NEUTRAL

MAX_PACKAGE = 4  # without a package, at most this many of the top-ranked (ties can make more)

_SPACE = re.compile(r"\s+")


def _why(item: Ranked) -> str:
    """One sentence on why an instrument ranks where it does, from its contributions."""
    ups = [c for c in item.contributions if c.points > 0]
    if ups:
        best = ups[0]
        others = len(ups) - 1
        more = f", and {others} other answer{'s' if others != 1 else ''} also raised its score" if others else ""
        return (
            f"{best.text}: “{best.answer}” gave the largest boost ({best.points:+g} points; "
            f"{lower_first(best.because)}){more}."
        )
    if item.contributions:
        worst = item.contributions[0]
        return f"No answer raised its score; {worst.text}: “{worst.answer}” lowered it most ({worst.points:+g} points)."
    return f"No answer moved it from the neutral {NEUTRAL:g}; nothing in the answers weighs for or against it."


def recommended_package(result: Assessment, catalog: Catalog) -> tuple[str, list[dict[str, Any]]]:
    """The recommended package: the assessment's, or (when it has none) the top-ranked instruments.

    Returns ``("package", items)`` or ``("top", items)``; items carry phase None in the second case.
    """
    by_id = {r.id: r for r in result.ranking}
    items: list[dict[str, Any]] = []
    source = "package" if result.package else "top"
    chosen: list[tuple[str, str, int | None, str | None, str, list[str], list[str]]]
    if result.package:
        chosen = [(p.id, p.name, p.phase, p.phase_name, p.why, list(p.before_start), list(p.lead_actors)) for p in
                  result.package]  # fmt: skip
    else:
        chosen = []
        for r in result.ranking:
            if r.rank > TOP or len(chosen) == MAX_PACKAGE:
                break
            inst = catalog.instrument(r.id)
            # what the answers did not confirm: open checks, and preconditions no question checks
            before = list(r.unchecked) + [p.text for p in inst.preconditions if p.check is None]
            chosen.append((r.id, r.name, None, None, _why(r), before, []))
    for iid, name, phase, phase_name, why, before, leads in chosen:
        inst = catalog.instrument(iid)
        ranked = by_id.get(iid)
        if not leads:
            leads = list(inst.actors.origin)
        items.append(
            {
                "id": iid,
                "name": name,
                "phase": phase,
                "phase_name": phase_name or (PHASES.get(phase, "") if phase else None),
                "why": why,
                "before_start": before,
                "lead_actors": [actor_label(a) for a in leads],
                "rank": ranked.rank if ranked else None,
                "score": ranked.score if ranked else None,
                "fit": ranked.fit if ranked else None,
                "warnings": list(ranked.warnings) if ranked else [],
                "cost": label(vocab.COST_LEVELS, inst.cost_level),
                "time_to_results": label(vocab.TIME_TO_RESULTS, inst.time_to_results),
                "evidence": evidence_of(inst),
                "main_risk": {
                    "risk": first_sentence(inst.risks[0].risk),
                    "mitigation": first_sentence(inst.risks[0].mitigation),
                },
            }
        )
    items.sort(key=lambda i: (i["phase"] or 0, i["rank"] or 0))
    for n, item in enumerate(items):
        item["key"] = chr(ord("A") + n)
    return source, items


def results_framework(package: list[dict[str, Any]], catalog: Catalog) -> list[dict[str, Any]]:
    """The package's indicators, outputs first, then outcomes and impact; the same indicator
    named by several instruments appears once. Baseline and target are left for the team."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for item in package:
        inst = catalog.instrument(item["id"])
        for ind in inst.indicators:
            key = (ind.level, _SPACE.sub(" ", ind.name).strip().lower(), ind.unit.strip().lower())
            row = rows.setdefault(
                key,
                {
                    "level": ind.level,
                    "level_label": LEVELS[ind.level],
                    "indicator": ind.name,
                    "unit": ind.unit,
                    "instruments": [],
                    "keys": [],
                    "baseline": "",
                    "target": "",
                },
            )
            if item["name"] not in row["instruments"]:
                row["instruments"].append(item["name"])
                row["keys"].append(item["key"])
    order = list(LEVELS)
    return sorted(rows.values(), key=lambda r: order.index(r["level"]))
