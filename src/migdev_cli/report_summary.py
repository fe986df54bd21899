"""The report's prose: the executive summary, the confidence it states, and the next steps."""

from __future__ import annotations

from typing import Any

from . import vocab
from .assessment import Assessment
from .package import first_sentence
from .report_wording import COST_ORDER, PHASES, TIME_ORDER, brief, counted, join_words, lower_first


def _drivers(result: Assessment, package: list[dict[str, Any]], n: int = 3) -> list[dict[str, Any]]:
    """The answers that raised the package's scores most, summed over its instruments."""
    ids = {p["id"] for p in package}
    totals: dict[str, dict[str, Any]] = {}
    for r in result.ranking:
        if r.id not in ids:
            continue
        for c in r.contributions:
            if c.points <= 0:
                continue
            entry = totals.setdefault(
                c.question, {"question": c.question, "text": c.text, "answer": c.answer, "points": 0.0}
            )
            entry["points"] = round(entry["points"] + c.points, 1)
    return sorted(totals.values(), key=lambda e: (-e["points"], e["question"]))[:n]


def _range(values: list[str], order: list[str], vocabulary: dict[str, str]) -> str:
    present = sorted(set(values), key=order.index)
    labels = [vocabulary[v].split(" (")[0].lower() for v in present]
    detail = [vocabulary[v][len(vocabulary[v].split(" (")[0]) :].strip(" ()") for v in present]
    if len(present) == 1:
        return f"{labels[0]} ({detail[0]})"
    return f"from {labels[0]} ({detail[0]}) to {labels[-1]} ({detail[-1]})"


def summary(
    result: Assessment, source: str, package: list[dict[str, Any]], where: str, sensitivity: dict[str, Any] | None
) -> list[str]:
    """The executive summary as a few short paragraphs of prose."""
    if not package:
        return [
            "No instrument in the catalog passed the screening for these answers, so nothing can be recommended "
            "yet. The annex lists each excluded instrument with the answer that ruled it out; revisiting those "
            "answers is the first step."
        ]
    names = [p["name"] for p in package]
    paragraphs = []
    programme = f" for {where}" if where else ""
    if source == "package":
        phases: dict[int, list[str]] = {}
        for p in package:
            phases.setdefault(p["phase"], []).append(p["name"])
        names_of = {p["phase"]: (p["phase_name"] or PHASES.get(p["phase"], str(p["phase"]))) for p in package}
        steps = [
            f"{'first' if n == 0 else 'then'} {names_of[ph].lower()} with {join_words(ns)}"
            for n, (ph, ns) in enumerate(sorted(phases.items()))
        ]
        paragraphs.append(f"We recommend a package of {len(package)} instruments{programme}: " + "; ".join(steps) + ".")
    else:
        paragraphs.append(
            f"The {len(package)} instruments that fit {where or 'this programme'} best are {join_words(names)}; "
            "together they are the recommended starting set."
        )
    drivers = _drivers(result, package)
    if drivers:
        said = [f"{d['text'].lower()} (“{d['answer'].split(' (')[0]}”)" for d in drivers]
        paragraphs.append(f"They fit because of what you said about {join_words(said)}.")
    first = package[0]
    todo = f"Start with {first['name']}"
    if first["lead_actors"]:
        todo += f", led by: {join_words(first['lead_actors'][:2], 'or')}"
    todo += "."
    if first["before_start"]:
        todo += f" Before it starts, settle this: {lower_first(brief(first['before_start'][0], limit=16))}."
    paragraphs.append(todo)
    costs = _range([p["cost"]["value"] for p in package], COST_ORDER, vocab.COST_LEVELS)
    times = _range([p["time_to_results"]["value"] for p in package], TIME_ORDER, vocab.TIME_TO_RESULTS)
    cost_line = f"Rough cost per instrument: {costs}; time to results: {times}."
    quick = [p["name"] for p in package if p["time_to_results"]["value"] == TIME_ORDER[0]]
    if quick and len(quick) < len(package):
        cost_line += (
            f" {counted(len(quick)).capitalize()} of the {counted(len(package))} can show first results within a year."
        )
    paragraphs.append(cost_line)
    risk = first["main_risk"]
    warnings = [w for p in package for w in p["warnings"]]
    what, how = lower_first(brief(risk["risk"], 16)), lower_first(brief(risk["mitigation"], 16))
    risk_line = f"The main risk: {what}; to limit it, {how}."
    if warnings:
        risk_line += f" Also note: {lower_first(brief(warnings[0]))}."
    paragraphs.append(risk_line)
    paragraphs.append(_confidence(package, sensitivity))
    return paragraphs


def _confidence(package: list[dict[str, Any]], sensitivity: dict[str, Any] | None) -> str:
    if sensitivity is None:
        how = "The robustness of the ranking was not checked."
    elif sensitivity["robust"]:
        how = "The recommendation is robust: few single changed answers would alter the package."
    else:
        decisive = [d["text"].lower() for d in sensitivity["decisive"]][:3]
        how = (
            f"Confidence is limited: a different answer on {join_words(decisive, 'or')} would change the package, "
            "so confirm these answers first."
        )
    strong = [p["name"] for p in package if p["evidence"]["level"] in ("rigorous", "analogue")]
    if len(strong) == len(package):
        how += " On impact, rigorous or close-analogue evidence supports every instrument in the package."
    elif strong:
        how += (
            f" On impact, rigorous or close-analogue evidence supports "
            f"{strong[0] if len(strong) == 1 else f'{counted(len(strong))} of the {counted(len(package))}'}; "
            "the others rest on "
            "monitoring or descriptive evidence, so build an evaluation into their pilots."
        )
    else:
        how += (
            " On impact, the instruments rest on monitoring or descriptive evidence only, so build an evaluation "
            "into the pilots."
        )
    return how


def next_steps(
    package: list[dict[str, Any]], sensitivity: dict[str, Any] | None, framework: list[dict[str, Any]]
) -> list[str]:
    steps = []
    if sensitivity is not None and not sensitivity["robust"]:
        decisive = [f"“{d['text']}”" for d in sensitivity["decisive"]][:3]
        steps.append(f"Confirm the answers the recommendation depends on: {join_words(decisive)}.")
    open_items = [(p["name"], b) for p in package for b in p["before_start"]]
    if open_items:
        name, text = open_items[0]
        more = f" ({len(open_items) - 1} more in the package table)" if len(open_items) > 1 else ""
        steps.append(f"Settle the preconditions, starting with {name}: {lower_first(first_sentence(text))}{more}.")
    for p in package[:2]:
        if p["lead_actors"]:
            steps.append(
                f"Agree who leads {p['name']} ({join_words(p['lead_actors'][:2], 'or')}) and what they commit."
            )
    if framework:
        steps.append(
            f"Fill in baselines and targets for the {len(framework)} indicators of the results framework and merge "
            "them into the host programme's results chain."
        )
    if package and package[0]["phase"] is not None:
        later = [p["name"] for p in package if p["phase"] and p["phase"] > 1]
        if later:
            steps.append(f"Plan the later phases ({join_words(later)}) once the first results are in.")
    steps.append("Review the ranking with the programme team and the main partners, using the annex for detail.")
    return steps
