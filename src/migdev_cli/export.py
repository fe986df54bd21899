"""The recommendations report: one structure, rendered as Markdown or JSON.

:func:`build_report` gathers everything the report says into plain data (dicts, lists,
strings and numbers), so the Markdown and the JSON carry the same content.
:func:`render_markdown` turns it into CommonMark with GFM tables; every piece of catalog
or answer text goes through :func:`md_inline`, so no text can break a table, start a
list, open emphasis or a code span, or inject HTML. :func:`render_json` dumps it as is.

Nothing here prints, asks or parses options (the interactive offer lives in ``session``)
(for the interactive ``migdev assess``).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from . import __version__, fileio, vocab
from .answers import asked
from .catalog import Catalog
from .conditions import describe, questions_in
from .escaping import json_safe, visible
from .models import Instrument, Precondition, Programme, Questionnaire
from .scoring import NEUTRAL, TOP, Assessment, Contribution, Ranked

FORMAT_VERSION = 1
SUMMARY_TOP = 3
DEFAULT_OUTPUT = "migdev-report.md"

LEVELS = {"output": "Output", "outcome": "Outcome", "impact": "Impact"}

# --------------------------------------------------------------------------- escaping

_SPACE = re.compile(r"\s+")
# Characters that are markup somewhere in CommonMark, GFM or pandoc's Markdown, escaped
# wherever they occur. Any ASCII punctuation may be backslash-escaped in CommonMark.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$^{}])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# A block marker at the start: ordered or bullet list item, thematic break, setext underline.
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?= |$)")
_BULLET = re.compile(r"^([-+])(?=[ -]|$)|^(=)")


def md_inline(value: Any) -> str:
    """Any text as inline Markdown that renders literally, on one line.

    Control characters are made visible (``\\x07``), every run of whitespace (including
    newlines) becomes one space, markup characters and ``|`` are backslash-escaped, entity
    references are disarmed, and a leading list, quote or heading marker is escaped. The
    result is safe in a paragraph, a list item, a heading and a GFM table cell.
    """
    text = visible(value, keep="\t\n\r")
    text = _SPACE.sub(" ", text).strip()
    text = _SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _ORDERED.sub(r"\1\\\2", text)
    return _BULLET.sub(lambda m: "\\" + m.group(), text)


# --------------------------------------------------------------------------- building


def _label(vocabulary: dict[str, str], value: str) -> dict[str, str]:
    return {"value": value, "label": vocabulary.get(value, value)}


def _lower_first(text: str) -> str:
    """'Designed for: X.' -> 'designed for: X' (acronyms such as 'IOM' keep their case)."""
    text = text.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


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
        elif vocab.DONT_KNOW in (value if isinstance(value, list) else [value]):
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


def _recommendation(
    item: Ranked, inst: Instrument, questionnaire: Questionnaire, answers: dict[str, Any], refs: _References
) -> dict[str, Any]:
    order = list(LEVELS)
    indicators = sorted(inst.indicators, key=lambda i: order.index(i.level))
    examples = [_example(ex, refs) for ex in inst.examples]
    return {
        "rank": item.rank,
        "id": inst.id,
        "name": inst.name,
        "area": _label(vocab.AREAS, inst.area),
        "score": item.score,
        "coverage": item.coverage,
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
        "evidence": {
            **_label(vocab.EVIDENCE_LEVELS, inst.evidence.level),
            "self_reported": inst.evidence.self_reported,
            "studies": [
                {
                    "authors": st.authors,
                    "year": st.year,
                    "design": st.design,
                    "finding": st.finding,
                    "source": st.source,
                }
                for st in inst.evidence.studies
            ],
        },
        "gender": inst.gender,
        "risks": [{"risk": r.risk, "mitigation": r.mitigation} for r in inst.risks],
        "monitoring": [
            {"level": i.level, "level_label": LEVELS[i.level], "indicator": i.name, "unit": i.unit} for i in indicators
        ],
        "examples": examples,
        "sources": [refs.cite(s) for s in inst.sources],
    }


def _context(questionnaire: Questionnaire, result: Assessment) -> dict[str, Any]:
    sections = []
    for section in questionnaire.sections:
        rows = []
        for question in section.questions:
            if question.id in result.answers:
                value = result.answers[question.id]
                selected = value if isinstance(value, list) else [value]
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


def _method(questionnaire: Questionnaire, result: Assessment, names: dict[str, str]) -> dict[str, Any]:
    visible = asked(questionnaire, result.answers, result.unanswered)
    total_weight = sum(q.weight for q in visible)
    paragraphs = [
        "Screening: an instrument is excluded when an answer contradicts one of its preconditions, or when an "
        "answer rules it out (for example a budget too small for its cost). “Don't know” never excludes; the "
        "precondition is shown as not confirmed instead.",
        "Scoring on fixed scales: every question asked with a weight w above zero is a criterion. The rules of "
        "the chosen answer add points to the instruments they match, capped at -2 to +2 per question (r). The "
        f"score is {NEUTRAL:g} + sum(25 × w × r) / W, where W is the total weight of the questions asked "
        f"(here W = {total_weight} over {len(visible)} questions), so it starts at a neutral {NEUTRAL:g} and lies "
        "between 0 and 100. An instrument's score does not depend on the other instruments.",
        "Coverage: of the weight of the questions that can move an instrument, the share answered (not “Don't "
        "know”). Low coverage lowers confidence in a score, never the score itself.",
        "Ranking: by score rounded to 0.1; equal scores share a rank (1, 2, 2, 4) and are listed by name.",
        f"Sensitivity: every other value of every single answer was tried, to see whether it would change the "
        f"set of the top {TOP}.",
    ]
    sensitivity: dict[str, Any] | None = None
    if result.sensitivity is not None:
        sens = result.sensitivity
        sensitivity = {
            "top": [{"id": i, "name": names.get(i, i)} for i in sens.top],
            "stable": sens.stable,
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
    return {"paragraphs": paragraphs, "total_weight": total_weight, "sensitivity": sensitivity}


def answers_fingerprint(result: Assessment, programme: Programme) -> str:
    """A short hash of the answers that count and the programme details: the same answers give
    the same fingerprint, wherever the file lies and however it was typed or given."""
    import hashlib

    from .serialize import to_data

    canonical = json.dumps({"answers": result.answers, "programme": to_data(programme)}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def build_report(
    result: Assessment,
    catalog: Catalog,
    questionnaire: Questionnaire,
    programme: Programme | None,
    answers_file: str | None,
    top: int = 5,
    *,
    today: _dt.date | None = None,
) -> dict[str, Any]:
    """Everything the report says, as JSON-ready data.

    ``top`` counts ranks, as ``migdev assess --top`` does: instruments tied at the cut are
    all included. The date is the programme's (from the answers file), else ``today``.
    """
    programme = programme or Programme()
    date = programme.date or (today or _dt.date.today()).isoformat()
    names = {i.id: i.name for i in catalog.instruments.values()}
    names.update({r.id: r.name for r in result.ranking})
    where = ", ".join(x for x in (programme.name, programme.country) if x)
    title = "Recommended instruments" + (f": {where}" if where else "") + f", {date}"

    summary = [
        {
            "rank": r.rank,
            "id": r.id,
            "name": r.name,
            "score": r.score,
            "coverage": r.coverage,
            "why": _why(r),
        }
        for r in result.ranking
        if r.rank <= SUMMARY_TOP
    ]
    refs = _References()
    recommendations = [
        _recommendation(r, catalog.instrument(r.id), questionnaire, result.answers, refs)
        for r in result.ranking
        if r.rank <= top
    ]
    return {
        "report": "migdev recommendations",
        "format_version": FORMAT_VERSION,
        "title": title,
        "programme": {"name": programme.name, "country": programme.country, "date": date},
        "summary": summary,
        "context": _context(questionnaire, result),
        "ranking": [
            {
                "rank": r.rank,
                "id": r.id,
                "name": r.name,
                "area": _label(vocab.AREAS, r.area),
                "score": r.score,
                "coverage": r.coverage,
            }
            for r in result.ranking
        ],
        "top": top,
        "recommendations": recommendations,
        "excluded": [
            {"id": e.id, "name": e.name, "area": _label(vocab.AREAS, e.area), "reason": e.reason}
            for e in result.excluded
        ],
        "method": _method(questionnaire, result, names),
        "references": refs.items,
        "footer": {
            "migdev_version": __version__,
            "questionnaire": {"id": questionnaire.id, "version": questionnaire.version},
            "catalog_fingerprint": catalog.fingerprint(),
            "instruments_in_catalog": len(catalog.instruments),
            "answers_file": Path(answers_file).name if answers_file else None,
            "answers_fingerprint": answers_fingerprint(result, programme),
        },
    }


# --------------------------------------------------------------------------- rendering


def md_table(header: list[str], rows: list[list[Any]], align: list[str] | None = None) -> list[str]:
    """A GFM table; every cell is data and is escaped (header labels are ours)."""
    align = align or ["l"] * len(header)
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---:" if a == "r" else "---" for a in align) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(md_inline(cell) for cell in row) + " |")
    return lines


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _refs(numbers: list[int]) -> str:
    return ", ".join(f"\\[{n}\\]" for n in numbers)


def _labels(items: list[dict[str, str]]) -> str:
    return "; ".join(md_inline(i["label"]) for i in items) if items else "none named"


def _render_recommendation(rec: dict[str, Any]) -> list[str]:
    out = [f"### {rec['rank']}. {md_inline(rec['name'])}", ""]
    out += [
        f"{md_inline(rec['area']['label'])}. Score {rec['score']:.1f} of 100, coverage {_percent(rec['coverage'])}.",
        "",
        md_inline(rec["summary"]),
        "",
        "#### Why it fits",
        "",
    ]
    if rec["why"]:
        out += md_table(
            ["Question", "Answer", "Effect", "Points", "Because"],
            [[c["text"], c["answer"], c["effect"], f"{c['points']:+.1f}", c["because"]] for c in rec["why"]],
            ["l", "l", "l", "r", "l"],
        )
    else:
        out.append(f"No answer moved it from the neutral score of {NEUTRAL:g}.")
    out += ["", "#### What it takes", ""]
    for pre in rec["preconditions"]:
        line = f"- {md_inline(pre['text'])}"
        if pre["status"] == "met":
            line += " (Confirmed by your answers.)"
        elif pre["status"] == "open":
            line += f" **Warning:** {md_inline(pre['warning'])}"
        out.append(line)
    out += ["", "#### Implementation steps", ""]
    out += [f"{i}. {md_inline(step)}" for i, step in enumerate(rec["steps"], 1)]
    out += [
        "",
        "#### Actors",
        "",
        f"- Origin country: {_labels(rec['actors']['origin'])}",
        f"- Destination countries: {_labels(rec['actors']['destination'])}",
        "",
        "#### Cost and time",
        "",
        f"- Cost: {md_inline(rec['cost']['label'])}",
        f"- Time to results: {md_inline(rec['time_to_results']['label'])}",
        f"- Evidence: {md_inline(rec['evidence']['label'])}",
        "",
    ]
    if rec["gender"]:
        out += ["#### Women", "", md_inline(rec["gender"]), ""]
    out += ["#### Risks and mitigations", ""]
    out += md_table(["Risk", "Mitigation"], [[r["risk"], r["mitigation"]] for r in rec["risks"]])
    out += ["", "#### Monitoring", ""]
    out += md_table(
        ["Results-chain level", "Indicator", "Unit"],
        [[m["level_label"], m["indicator"], m["unit"]] for m in rec["monitoring"]],
    )
    out += ["", "#### Examples", ""]
    for ex in rec["examples"]:
        out += [f"##### {md_inline(ex['name'])}", ""]
        out += [f"{md_inline(ex['country'])}, {md_inline(ex['period'])}. Source: {_refs([ex['reference']])}.", ""]
        out += [f"- {md_inline(fact)}" for fact in ex["facts"]]
        out.append("")
        if ex["kind"] != "case":
            out += [f"Kind: {md_inline(vocab.EXAMPLE_KINDS[ex['kind']])}.", ""]
        if not ex["facts_checked"]:
            out += ["**Unverified:** these facts have not been checked against a second source.", ""]
        if ex["note"]:
            out += [f"Note: {md_inline(ex['note'])}", ""]
    if rec["sources"]:
        out += ["#### Sources", "", f"References {_refs(rec['sources'])}.", ""]
    return out


def render_markdown(report: dict[str, Any]) -> str:
    """The report as CommonMark with GFM tables."""
    out: list[str] = [f"# {md_inline(report['title'])}", ""]
    prog = report["programme"]
    facts = [("Programme", prog["name"]), ("Country", prog["country"]), ("Date", prog["date"])]
    out += [f"- {label}: {md_inline(value)}" for label, value in facts if value]
    out += ["", "## Executive summary", ""]
    if report["summary"]:
        for n, item in enumerate(report["summary"], 1):
            out.append(
                f"{n}. **{md_inline(item['name'])}** (rank {item['rank']}, score {item['score']:.1f}): "
                f"{md_inline(item['why'])}"
            )
    else:
        out.append("No instrument passed the screening.")

    out += ["", "## Assessment context", ""]
    for section in report["context"]["sections"]:
        out += [f"### {md_inline(section['title'])}", ""]
        rows = []
        for a in section["answers"]:
            shown = {"unanswered": "(not answered)", "dont_know": vocab.DONT_KNOW_LABEL}.get(a["status"], a["answer"])
            rows.append([a["text"], shown])
        out += md_table(["Question", "Answer"], rows)
        out.append("")
    ignored = report["context"]["ignored"]
    if ignored:
        out += [
            "### Answers not used",
            "",
            "These answers were given but not used, because the question was not asked:",
            "",
        ]
        out += [f"- {md_inline(i['text'])} ({md_inline(i['reason'])})" for i in ignored]
        out.append("")

    out += ["## Ranked instruments", ""]
    if report["ranking"]:
        out += md_table(
            ["Rank", "Instrument", "Area", "Score", "Coverage"],
            [
                [r["rank"], r["name"], r["area"]["label"], f"{r['score']:.1f}", _percent(r["coverage"])]
                for r in report["ranking"]
            ],
            ["r", "l", "l", "r", "r"],
        )
    else:
        out.append("No instrument passed the screening.")
    out.append("")

    out += [f"## Recommended instruments (top {report['top']})", ""]
    for rec in report["recommendations"]:
        out += _render_recommendation(rec)

    out += ["## Excluded instruments", ""]
    if report["excluded"]:
        out += md_table(
            ["Instrument", "Area", "Reason"], [[e["name"], e["area"]["label"], e["reason"]] for e in report["excluded"]]
        )
    else:
        out.append("No instrument was excluded.")
    out += ["", "## Method", ""]
    for paragraph in report["method"]["paragraphs"]:
        out += [md_inline(paragraph), ""]
    sens = report["method"]["sensitivity"]
    if sens is None:
        out += ["The sensitivity of the ranking was not computed.", ""]
    else:
        out += [md_inline(sens["summary"]), ""]
        if sens["changes"]:
            out += md_table(
                ["Question", "Your answer", "Alternative", f"Top {TOP} would be"],
                [
                    [c["text"], c["answer"], c["alternative"], "; ".join(t["name"] for t in c["top_after"])]
                    for c in sens["changes"]
                ],
            )
            out.append("")

    out += ["## References", ""]
    if report["references"]:
        out += [f"{ref['number']}. {md_inline(ref['text'])}" for ref in report["references"]]
    else:
        out.append("No sources are cited.")
    foot = report["footer"]
    questionnaire = foot["questionnaire"]
    out += [
        "",
        "---",
        "",
        f"Generated by migdev {md_inline(foot['migdev_version'])} with questionnaire "
        f"{md_inline(questionnaire['id'])} version {md_inline(questionnaire['version'])}, catalog fingerprint "
        f"{md_inline(foot['catalog_fingerprint'])} ({foot['instruments_in_catalog']} instruments), answers "
        f"fingerprint {md_inline(foot['answers_fingerprint'])} from "
        + (md_inline(foot["answers_file"]) if foot["answers_file"] else "the interactive assessment")
        + ".",
    ]
    return "\n".join(out) + "\n"


def render_json(report: dict[str, Any]) -> str:
    return json_safe(json.dumps(report, indent=2, ensure_ascii=False)) + "\n"


def render(report: dict[str, Any], fmt: str) -> str:
    """Render in ``markdown`` or ``json``."""
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    raise ValueError(f"unknown report format {fmt!r}")


def format_for(path: Path) -> str:
    return "json" if path.suffix.lower() == ".json" else "markdown"


# --------------------------------------------------------------------------- writing


def write_report(path: Path | None, text: str, force: bool) -> None:
    """Write to ``path`` atomically (never over an existing file without ``force``); None is stdout."""
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    fileio.write_atomic(path, text, force=force)
