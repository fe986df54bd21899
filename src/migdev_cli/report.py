"""What the recommendations report says, as plain data (the JSON report is this, as is).

:func:`build_report` gathers everything from an assessment, the catalog and the
questionnaire: the title block, a prose executive summary, the recommended package, the
ranking with fit band, score and evidence level, a combined results framework, next steps,
the method with the sensitivity result, and the annex (fact sheets, context, exclusions,
the full sensitivity list, numbered references). :mod:`migdev_cli.report_layout` puts it
in order as a document; nothing here prints or formats markup.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from . import __version__, vocab
from .answers import asked, to_plain
from .catalog import Catalog
from .conditions import describe, questions_in
from .models import Instrument, Precondition, Programme, Questionnaire
from .package import first_sentence
from .scoring import NEUTRAL, TOP, Assessment, Contribution, Ranked

FORMAT_VERSION = 2

LEVELS = {"output": "Output", "outcome": "Outcome", "impact": "Impact"}
PHASES = {1: "Lay the ground", 2: "Pilot", 3: "Scale"}
MAX_PACKAGE = 4  # without a package, at most this many of the top-ranked (ties can make more)
FIT_LABELS = {"strong": "Strong fit", "possible": "Possible fit", "weak": "Weak fit"}
# The evidence scale (vocab.EVIDENCE_LEVELS) and short names for tables.
EVIDENCE_LABELS: dict[str, str] = vocab.EVIDENCE_LEVELS
EVIDENCE_SHORT = {"rigorous": "Rigorous", "analogue": "Analogue", "monitoring": "Monitoring", "anecdotal": "Anecdotal"}
NOT_RATED = "Not rated"
COST_ORDER = list(vocab.COST_LEVELS)
TIME_ORDER = list(vocab.TIME_TO_RESULTS)

_SPACE = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


# --------------------------------------------------------------------------- small helpers


def _label(vocabulary: dict[str, str], value: str) -> dict[str, str]:
    return {"value": value, "label": vocabulary.get(value, value)}


def _lower_first(text: str) -> str:
    """'Designed for: X.' -> 'designed for: X' (acronyms such as 'IOM' keep their case)."""
    text = text.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and (text[1].islower() or (text[0] == "A" and text[1] == " ")):
        return text[0].lower() + text[1:]
    return text


def brief(text: str, limit: int = 22) -> str:
    """The first sentence, cut at its first clause (or at ``limit`` words, marked …) when long."""
    sentence = first_sentence(text).rstrip(".")
    if len(sentence.split()) <= limit:
        return sentence
    for mark in (";", ":", " – ", " — ", ","):
        parts = sentence.split(mark)
        for n in range(1, len(parts)):
            head = mark.join(parts[:n])
            if head.count("(") != head.count(")"):
                continue  # the mark stands inside brackets: cutting there would leave one open
            words = len(head.split())
            if words > limit:
                break  # longer clauses only get longer
            if words >= 5:
                return head
    if len(sentence.split()) <= 2 * limit:  # no clause to stop at: the whole sentence, never half of one
        return sentence
    return " ".join(sentence.split()[:limit]) + "…"


def join_words(items: list[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def _why(item: Ranked) -> str:
    """One sentence on why an instrument ranks where it does, from its contributions."""
    ups = [c for c in item.contributions if c.points > 0]
    if ups:
        best = ups[0]
        others = len(ups) - 1
        more = f", and {others} other answer{'s' if others != 1 else ''} also raised its score" if others else ""
        return (
            f"{best.text}: “{best.answer}” gave the largest boost ({best.points:+g} points; "
            f"{_lower_first(best.because)}){more}."
        )
    if item.contributions:
        worst = item.contributions[0]
        return f"No answer raised its score; {worst.text}: “{worst.answer}” lowered it most ({worst.points:+g} points)."
    return f"No answer moved it from the neutral {NEUTRAL:g}; nothing in the answers weighs for or against it."


def _contribution(c: Contribution) -> dict[str, Any]:
    return asdict(c)


class _References:
    """Numbered references in order of first citation, without duplicates."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.items: list[dict[str, Any]] = []

    def cite(self, text: str) -> int:
        key = _SPACE.sub(" ", text).strip()
        if key not in self.numbers:
            self.numbers[key] = len(self.items) + 1
            self.items.append({"number": self.numbers[key], "text": key})
        return self.numbers[key]


def evidence_of(inst: Instrument, refs: _References | None = None) -> dict[str, Any]:
    """The instrument's evidence rating as data."""
    ev = inst.evidence
    studies = []
    for s in ev.studies:
        study = {"authors": s.authors, "year": s.year, "design": s.design, "finding": s.finding, "source": s.source}
        if refs is not None:
            study["reference"] = refs.cite(f"{s.authors} ({s.year}). {s.source}")
        studies.append(study)
    return {
        "level": ev.level,
        "label": EVIDENCE_LABELS.get(ev.level, ev.level),
        "short": EVIDENCE_SHORT.get(ev.level, ev.level),
        "self_reported": ev.self_reported,
        "studies": studies,
    }


# --------------------------------------------------------------------------- fact sheets (annex)


def _precondition(
    pre: Precondition, item: Ranked, questionnaire: Questionnaire, answers: dict[str, Any]
) -> dict[str, Any]:
    entry: dict[str, Any] = {"text": pre.text, "check": None, "status": "not_checked", "warning": None}
    if pre.check is None:
        return entry
    entry["check"] = describe(pre.check, questionnaire)
    if pre.text not in item.unchecked:
        entry["status"] = "met"
        return entry
    entry["status"] = "open"
    dont_know, missing = [], []
    for qid in dict.fromkeys(questions_in(pre.check)):
        question = questionnaire.question(qid)
        text = question.text if question else qid
        value = answers.get(qid)
        if value is None:
            missing.append(f"“{text}”")
        elif vocab.DONT_KNOW in value:
            dont_know.append(f"“{text}”")
    parts = []
    if dont_know:
        parts.append(f"you answered “{vocab.DONT_KNOW_LABEL}” to {' and '.join(dont_know)}")
    if missing:
        parts.append(f"{' and '.join(missing)} {'was' if len(missing) == 1 else 'were'} not answered")
    because = "; ".join(parts) if parts else "the answers leave it open"
    entry["warning"] = f"Not confirmed: {because}. Check this before committing to the instrument."
    return entry


def _example(example: Any, refs: _References) -> dict[str, Any]:
    return {
        "name": example.name,
        "country": example.country,
        "period": example.period,
        "facts": list(example.facts),
        "facts_checked": example.facts_checked,
        "kind": example.kind,
        "note": example.note,
        "source": example.source,
        "reference": refs.cite(example.source),
    }


def _fact_sheet(
    item: Ranked, inst: Instrument, questionnaire: Questionnaire, answers: dict[str, Any], refs: _References
) -> dict[str, Any]:
    order = list(LEVELS)
    indicators = sorted(inst.indicators, key=lambda i: order.index(i.level))
    return {
        "rank": item.rank,
        "id": inst.id,
        "name": inst.name,
        "area": _label(vocab.AREAS, inst.area),
        "score": item.score,
        "coverage": item.coverage,
        "fit": item.fit,
        "summary": inst.summary,
        "why": [_contribution(c) for c in item.contributions],
        "preconditions": [_precondition(p, item, questionnaire, answers) for p in inst.preconditions],
        "steps": list(inst.steps),
        "actors": {
            "origin": [_label(vocab.ACTORS, a) for a in inst.actors.origin],
            "destination": [_label(vocab.ACTORS, a) for a in inst.actors.destination],
        },
        "cost": _label(vocab.COST_LEVELS, inst.cost_level),
        "time_to_results": _label(vocab.TIME_TO_RESULTS, inst.time_to_results),
        "gender": inst.gender,
        "risks": [{"risk": r.risk, "mitigation": r.mitigation} for r in inst.risks],
        "monitoring": [
            {"level": i.level, "level_label": LEVELS[i.level], "indicator": i.name, "unit": i.unit} for i in indicators
        ],
        "evidence": evidence_of(inst, refs),
        "examples": [_example(ex, refs) for ex in inst.examples],
        "sources": [refs.cite(s) for s in inst.sources],
    }


# --------------------------------------------------------------------------- the package


# Who can lead an instrument.
IMPLEMENTER_LABELS: dict[str, str] = vocab.IMPLEMENTERS


def _actor_label(value: str) -> str:
    for vocabulary in (IMPLEMENTER_LABELS, vocab.ACTORS):
        if value in vocabulary:
            return vocabulary[value]
    return value


def _package(result: Assessment, catalog: Catalog) -> tuple[str, list[dict[str, Any]]]:
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
                "lead_actors": [_actor_label(a) for a in leads],
                "rank": ranked.rank if ranked else None,
                "score": ranked.score if ranked else None,
                "fit": ranked.fit if ranked else None,
                "warnings": list(ranked.warnings) if ranked else [],
                "cost": _label(vocab.COST_LEVELS, inst.cost_level),
                "time_to_results": _label(vocab.TIME_TO_RESULTS, inst.time_to_results),
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


def _results_framework(package: list[dict[str, Any]], catalog: Catalog) -> list[dict[str, Any]]:
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


# --------------------------------------------------------------------------- summary and next steps


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


def _summary(
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
        todo += f" Before it starts, settle this: {_lower_first(brief(first['before_start'][0], limit=16))}."
    paragraphs.append(todo)
    costs = _range([p["cost"]["value"] for p in package], COST_ORDER, vocab.COST_LEVELS)
    times = _range([p["time_to_results"]["value"] for p in package], TIME_ORDER, vocab.TIME_TO_RESULTS)
    cost_line = f"Rough cost per instrument: {costs}; time to results: {times}."
    quick = [p["name"] for p in package if p["time_to_results"]["value"] == TIME_ORDER[0]]
    if quick and len(quick) < len(package):
        cost_line += f" {len(quick)} of the {len(package)} can show first results within a year."
    paragraphs.append(cost_line)
    risk = first["main_risk"]
    warnings = [w for p in package for w in p["warnings"]]
    what, how = _lower_first(brief(risk["risk"], 16)), _lower_first(brief(risk["mitigation"], 16))
    risk_line = f"The main risk: {what}; to limit it, {how}."
    if warnings:
        risk_line += f" Also note: {_lower_first(brief(warnings[0]))}."
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
            f"{strong[0] if len(strong) == 1 else f'{len(strong)} of the {len(package)}'}; the others rest on "
            "monitoring or descriptive evidence, so build an evaluation into their pilots."
        )
    else:
        how += (
            " On impact, the instruments rest on monitoring or descriptive evidence only, so build an evaluation "
            "into the pilots."
        )
    return how


def _next_steps(
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
        steps.append(f"Settle the preconditions, starting with {name}: {_lower_first(first_sentence(text))}{more}.")
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


# --------------------------------------------------------------------------- context, method, sensitivity


def _context(questionnaire: Questionnaire, result: Assessment) -> dict[str, Any]:
    sections = []
    for section in questionnaire.sections:
        rows = []
        for question in section.questions:
            if question.id in result.answers:
                selected = result.answers[question.id]
                value: str | list[str] | None = to_plain(question, selected)
                status = "dont_know" if vocab.DONT_KNOW in selected else "answered"
                answer: str | None = ", ".join(question.label_of(v) for v in selected)
            elif question.id in result.unanswered:
                value, status, answer = None, "unanswered", None
            else:
                continue  # not asked: its condition was not met
            rows.append(
                {"question": question.id, "text": question.text, "status": status, "value": value, "answer": answer}
            )
        if rows:
            sections.append({"id": section.id, "title": section.title, "answers": rows})
    ignored = []
    for qid in result.ignored:
        question = questionnaire.question(qid)
        if question is None:
            continue
        reason = f"only asked when {describe(question.when, questionnaire)}" if question.when else "not asked"
        ignored.append({"question": qid, "text": question.text, "reason": reason})
    return {"sections": sections, "ignored": ignored}


def _sensitivity(result: Assessment, names: dict[str, str], questionnaire: Questionnaire) -> dict[str, Any] | None:
    sens = result.sensitivity
    if sens is None:
        return None
    decisive = []
    for qid in sens.decisive:
        question = questionnaire.question(qid)
        decisive.append({"question": qid, "text": (question.name if question else qid)})
    return {
        "top": [{"id": i, "name": names.get(i, i)} for i in sens.top],
        "robust": bool(sens.robust),
        "stable": sens.stable,
        "decisive": decisive,
        "summary": sens.summary(),
        "changes": [
            {
                "question": c.question,
                "text": c.text,
                "answer": c.answer,
                "alternative": c.alternative,
                "top_after": [{"id": i, "name": names.get(i, i)} for i in c.top_after],
            }
            for c in sens.changes
        ],
    }


def _method(questionnaire: Questionnaire, result: Assessment) -> dict[str, Any]:
    visible = asked(questionnaire, result.answers, result.unanswered)
    total_weight = sum(q.weight for q in visible)
    paragraphs = [
        "Screening: an instrument is excluded when an answer contradicts one of its preconditions or rules it "
        "out (for example a budget too small for its cost). “Don't know” never excludes; the precondition is "
        "listed as one to settle instead.",
        "Scoring: each question asked with a weight w above zero is a criterion; the rules of the chosen answer "
        "add -2 to +2 points (r) to the instruments they match. The score is "
        f"{NEUTRAL:g} + sum(25 × w × r) / W, where W is the total weight of the questions asked (here W = "
        f"{total_weight} over {len(visible)} questions), so it starts at a neutral {NEUTRAL:g} and lies between 0 "
        "and 100. An instrument's score does not depend on the other instruments; equal scores share a rank.",
        "Fit bands group the scores into strong, possible and weak fit. The evidence level says what kind of "
        "study supports the instrument's effect: a rigorous evaluation of the instrument itself, rigorous "
        "evidence on a close analogue, programme monitoring only, or descriptive accounts.",
    ]
    caveats = [
        "The scores measure how well each instrument fits the answers given, not its expected impact.",
        "Costs and times to results are the catalog's rough bands per instrument, not a budget; they do not add "
        "up to a package cost.",
        "Coverage is the share of the questions that can move an instrument that were answered; low coverage "
        "lowers confidence in a score, never the score itself.",
    ]
    return {"paragraphs": paragraphs, "caveats": caveats, "total_weight": total_weight}


def answers_fingerprint(result: Assessment, programme: Programme) -> str:
    """A short hash of the answers that count and the programme details: the same answers give
    the same fingerprint, wherever the file lies and however it was typed or given."""
    from .serialize import to_data

    canonical = json.dumps({"answers": result.plain_answers(), "programme": to_data(programme)}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- the report


def build_report(
    result: Assessment,
    catalog: Catalog,
    questionnaire: Questionnaire,
    programme: Programme | None,
    answers_file: str | None,
    top: int | None = None,
    *,
    today: _dt.date | None = None,
) -> dict[str, Any]:
    """Everything the report says, as JSON-ready data.

    The annex has fact sheets for the package's instruments and, when ``top`` is given, for
    every instrument ranked 1 to ``top`` as well. The date is the programme's (from the
    answers file), else ``today``.
    """
    programme = programme or Programme()
    date = programme.date or (today or _dt.date.today()).isoformat()
    names = {i.id: i.name for i in catalog.instruments.values()}
    names.update({r.id: r.name for r in result.ranking})
    where = ", ".join(x for x in (programme.name, programme.country) if x)
    title = "Recommendations report" + (f": {programme.name}" if programme.name else "")

    source, package = _package(result, catalog)
    in_package = {p["id"]: p for p in package}
    sensitivity = _sensitivity(result, names, questionnaire)
    framework = _results_framework(package, catalog)

    refs = _References()
    sheet_ids = [p["id"] for p in package]
    if top is not None:
        sheet_ids += [r.id for r in result.ranking if r.rank <= top and r.id not in in_package]
    by_id = {r.id: r for r in result.ranking}
    fact_sheets = [
        _fact_sheet(by_id[iid], catalog.instrument(iid), questionnaire, result.answers, refs)
        for iid in sheet_ids
        if iid in by_id
    ]
    ranking = []
    for r in result.ranking:
        inst = catalog.instrument(r.id)
        pkg = in_package.get(r.id)
        ranking.append(
            {
                "rank": r.rank,
                "id": r.id,
                "name": r.name,
                "area": _label(vocab.AREAS, r.area),
                "score": r.score,
                "coverage": r.coverage,
                "fit": r.fit,
                "fit_label": FIT_LABELS.get(r.fit, r.fit),
                "warnings": list(r.warnings),
                "evidence": evidence_of(inst),
                "in_package": pkg is not None,
                "phase": pkg["phase"] if pkg else None,
            }
        )
    others = [
        {"id": r["id"], "name": r["name"], "command": f"migdev instruments show {r['id']}"}
        for r in ranking
        if r["id"] not in {s["id"] for s in fact_sheets}
    ]
    return {
        "report": "migdev recommendations",
        "format_version": FORMAT_VERSION,
        "title": title,
        "programme": {"name": programme.name, "country": programme.country, "date": date},
        "prepared_with": f"migdev {__version__}",
        "summary": _summary(result, source, package, where, sensitivity),
        "package_source": source,
        "package": package,
        "ranking": ranking,
        "results_framework": framework,
        "next_steps": _next_steps(package, sensitivity, framework),
        "method": _method(questionnaire, result),
        "sensitivity": sensitivity,
        "annex": {
            "fact_sheets": fact_sheets,
            "others": others,
            "context": _context(questionnaire, result),
            "excluded": [
                {"id": e.id, "name": e.name, "area": _label(vocab.AREAS, e.area), "reason": e.reason}
                for e in result.excluded
            ],
            "references": refs.items,
        },
        "footer": {
            "migdev_version": __version__,
            "questionnaire": {"id": questionnaire.id, "version": questionnaire.version},
            "catalog_fingerprint": catalog.fingerprint(),
            "instruments_in_catalog": len(catalog.instruments),
            "answers_file": Path(answers_file).name if answers_file else None,
            "answers_fingerprint": answers_fingerprint(result, programme),
        },
    }
