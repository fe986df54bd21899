"""The report's annex: a fact sheet per instrument (why it ranks, its preconditions checked
against the answers, steps, risks, monitoring, evidence, examples) and the answers in context."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from . import vocab
from .answers import to_plain
from .assessment import Assessment, Contribution, Ranked
from .conditions import describe, questions_in
from .instrument_models import Instrument, Precondition
from .questionnaire_models import Questionnaire
from .report_evidence import References, evidence_of
from .report_wording import LEVELS, label


def _contribution(c: Contribution) -> dict[str, Any]:
    return asdict(c)


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


def _example(example: Any, refs: References) -> dict[str, Any]:
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


def fact_sheet(
    item: Ranked, inst: Instrument, questionnaire: Questionnaire, answers: dict[str, Any], refs: References
) -> dict[str, Any]:
    order = list(LEVELS)
    indicators = sorted(inst.indicators, key=lambda i: order.index(i.level))
    return {
        "rank": item.rank,
        "id": inst.id,
        "name": inst.name,
        "area": label(vocab.AREAS, inst.area),
        "score": item.score,
        "coverage": item.coverage,
        "fit": item.fit,
        "summary": inst.summary,
        "why": [_contribution(c) for c in item.contributions],
        "preconditions": [_precondition(p, item, questionnaire, answers) for p in inst.preconditions],
        "steps": list(inst.steps),
        "actors": {
            "origin": [label(vocab.ACTORS, a) for a in inst.actors.origin],
            "destination": [label(vocab.ACTORS, a) for a in inst.actors.destination],
        },
        "cost": label(vocab.COST_LEVELS, inst.cost_level),
        "time_to_results": label(vocab.TIME_TO_RESULTS, inst.time_to_results),
        "gender": inst.gender,
        "risks": [{"risk": r.risk, "mitigation": r.mitigation} for r in inst.risks],
        "monitoring": [
            {"level": i.level, "level_label": LEVELS[i.level], "indicator": i.name, "unit": i.unit} for i in indicators
        ],
        "evidence": evidence_of(inst, refs),
        "examples": [_example(ex, refs) for ex in inst.examples],
        "sources": [refs.cite(s) for s in inst.sources],
    }


def context(questionnaire: Questionnaire, result: Assessment) -> dict[str, Any]:
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
