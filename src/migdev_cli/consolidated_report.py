"""The consolidated survey report as a document: title block, a prose summary, the ranking, the
reasons behind every "excluded by N of M", disputes and stakeholder groups, then an annex.

It reads a :class:`migdev_cli.consolidate.Consolidated` and what a :class:`ReportCollector` gathered
while the respondents streamed past (the reasons each excluded an instrument, and the first rows for
the annex), and returns blocks (:mod:`migdev_cli.report_blocks`), which
:mod:`migdev_cli.report_markdown` and :mod:`migdev_cli.report_docx` render, so the survey report looks
like the single one. Memory stays bounded whatever the number of respondents.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from typing import Any

import numpy as np

from . import __version__
from .answers import resolve
from .assessment import TOP
from .consolidate import Consolidated, respondent_label
from .models import Programme
from .report_blocks import Block, Heading, ListBlock, PageBreak, Paragraph, Table
from .report_wording import brief, join_words
from .survey_scoring import Batch

GROUP_TOP = 5
REASONS_SHOWN = 3
ANNEX_ROWS = 500  # respondents listed in the annex; the JSON output lists every one
REASONS_KEPT = 10_000  # answer sets whose exclusion reasons are remembered (memory stays bounded)


def _reasons(scorer: Any, inst: Any, answers: dict[str, Any]) -> list[str]:
    """Each reason one respondent's answers screen the instrument out, one per rule or precondition."""
    out = [
        f"Precondition not met: {brief(text)}" if pre else f"{brief(text)} ({given})"
        for pre, text, given in scorer.exclusions(inst, answers)
    ]
    return list(dict.fromkeys(out)) or ["Screened out by the answers"]


class ReportCollector:
    """Fed each batch of respondents as the survey is read (``on_batch``): counts, for every instrument a
    respondent's answers exclude, each distinct reason; keeps the first rows for the annex."""

    def __init__(self) -> None:
        self.reasons: dict[str, Counter[str]] = {}
        self.rows: list[tuple[int, str, list[str]]] = []
        self._cache: dict[tuple[Any, ...], list[str]] = {}

    def add(self, batch: Batch) -> None:
        people = batch.people
        room = ANNEX_ROWS - len(self.rows)
        if room > 0:
            tops = batch.tops()
            self.rows.extend(
                (people.rows[i], respondent_label(batch.respondent(i)), tops[i]) for i in range(min(room, len(people)))
            )
        survey = batch.scorer
        ids = survey.ids
        by_name = survey._by_name
        for i in np.flatnonzero(batch.excluded.any(axis=1)).tolist():
            respondent = batch.respondent(i)
            flags = batch.excluded[i]
            answers = None
            key: tuple[Any, ...] = tuple(respondent.codes or ()) or tuple(sorted(map(repr, respondent.values.items())))
            for iid in [ids[j] for j in by_name if flags[j]]:
                if (iid, key) not in self._cache:
                    if len(self._cache) >= REASONS_KEPT:
                        self._cache.clear()
                    if answers is None:
                        raw = {**survey.designer, **respondent.values}
                        answers = resolve(survey.questionnaire, raw).answers
                    self._cache[(iid, key)] = _reasons(survey.scorer, survey.scorer.by_id[iid], answers)
                self.reasons.setdefault(iid, Counter()).update(self._cache[(iid, key)])


def _lower(text: str) -> str:
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def _label(value: str, question: Any) -> str:
    return question.label_of(value) if question is not None else value


def _summary(result: Consolidated, groups: dict[str, str], reasons: dict[str, Counter[str]]) -> list[str]:
    n = result.respondents
    paragraphs = []
    who = f"{n} respondent{'s' if n != 1 else ''} answered the needs assessment"
    if result.by_group:
        parts = [f"{data['respondents']} {groups.get(g, g).lower()}" for g, data in result.by_group.items()]
        who += f" ({join_words(parts)})"
    paragraphs.append(who + ".")
    ranked = result.consolidated
    popular = [s for s in ranked if s.top3_count * 2 > n]
    if popular:
        named = [f"{s.name} ({s.top3_count} of {n})" for s in popular[:3]]
        paragraphs.append(
            f"Most of them rank {join_words(named)} among their top {TOP}; these are the candidates to build on."
        )
    elif ranked:
        best = [f"{s.name} ({s.mean_score:.1f})" for s in ranked[:3]]
        paragraphs.append(
            f"No instrument is in the top {TOP} of most respondents; the highest mean scores are those of "
            f"{join_words(best)}."
        )
    questionnaire = result.questionnaire
    alike = [d for d in result.disagreement if d.disagreement == 0]
    if alike:
        shown = []
        for d in alike[:3]:
            question = questionnaire.question(d.question)
            value = next(iter(d.answers))
            shown.append(f"{d.text.lower()} (“{_label(value, question)}”)")
        paragraphs.append(f"They agree on {join_words(shown)}.")
    disputed = [d for d in result.disagreement if d.disagreement > 0]
    if disputed:
        shown = []
        for d in disputed[:3]:
            question = questionnaire.question(d.question)
            split = ", ".join(f"{c} “{_label(v, question)}”" for v, c in d.answers.items())
            shown.append(f"{d.text.lower()} ({split})")
        paragraphs.append(
            f"They disagree most on {join_words(shown)}; settle these with the stakeholders before choosing."
        )
    ruled_out = [s for s in ranked if s.excluded * 2 > n]
    if ruled_out:
        shown = []
        for s in ruled_out[:3]:
            reason = reasons.get(s.id, Counter()).most_common(1)
            why = f": {_lower(reason[0][0])}" if reason else ""
            shown.append(f"{s.name} (excluded by {s.excluded} of {n}{why})")
        paragraphs.append(f"Most respondents' answers rule out {join_words(shown)}.")
    return paragraphs


def consolidated_blocks(
    result: Consolidated,
    collected: ReportCollector,
    programme: Programme | None = None,
    *,
    group_top: int = GROUP_TOP,
    today: _dt.date | None = None,
) -> list[Block]:
    """The consolidated report: main part, a page break, then the annex (respondents, skipped rows, warnings)."""
    from .xlsform import STAKEHOLDER_CHOICES

    programme = programme or Programme()
    date = programme.date or (today or _dt.date.today()).isoformat()
    n = result.respondents
    q = result.questionnaire
    reasons = collected.reasons
    title = "Consolidated needs assessment" + (f": {programme.name}" if programme.name else "")
    facts: list[Any] = [
        [("bold", f"{label}: "), ("", value)]
        for label, value in (("Programme", programme.name), ("Country", programme.country), ("Date", date))
        if value
    ]
    respondents = f"{n}" + (f" ({result.skipped_count} row(s) skipped)" if result.skipped_count else "")
    facts += [
        [("bold", "Respondents: "), ("", respondents)],
        [("bold", "Survey file: "), ("", result.file)],
        *([[("bold", "Programme's answers: "), ("", result.designer_file)]] if result.designer_file else []),
        [("bold", "Questionnaire: "), ("", f"{q.title} ({q.id}, version {q.version})")],
        [("bold", "Prepared with: "), ("", f"migdev {__version__}")],
    ]
    out: list[Block] = [Heading(0, title), ListBlock(facts), Heading(1, "Summary")]
    out += [Paragraph(p) for p in _summary(result, STAKEHOLDER_CHOICES, reasons)]

    out.append(Heading(1, "Consolidated ranking"))
    out.append(
        Table(
            ["Rank", "Instrument", "Mean score", "Range", f"In top {TOP}", "Excluded by", "Agreement"],
            [
                [
                    str(s.rank),
                    s.name,
                    f"{s.mean_score:.1f}",
                    f"{s.min_score:.1f} to {s.max_score:.1f}",
                    f"{s.top3_count} of {n}",
                    f"{s.excluded} of {n}",
                    f"{s.agreement:.2f}",
                ]
                for s in result.consolidated
            ],
            align=["r", "l", "r", "l", "l", "l", "r"],
            narrow=[0, 2, 3, 4, 5, 6],
        )
    )

    excluded = [s for s in result.consolidated if s.excluded]
    out.append(Heading(1, "Why respondents exclude instruments"))
    if excluded:
        rows = []
        for s in sorted(excluded, key=lambda s: (-s.excluded, s.name.lower())):
            counted = reasons.get(s.id, Counter()).most_common()
            text = "; ".join(f"{reason} ({count} of {s.excluded})" for reason, count in counted[:REASONS_SHOWN])
            if len(counted) > REASONS_SHOWN:
                text += f"; and {len(counted) - REASONS_SHOWN} other reason(s)"
            rows.append([s.name, f"{s.excluded} of {n}", text])
        out.append(Table(["Instrument", "Excluded by", "Reasons"], rows, narrow=[1]))
    else:
        out.append(Paragraph("No respondent's answers exclude any instrument."))

    disputed = [d for d in result.disagreement if d.disagreement > 0][:5]
    out.append(Heading(1, "Where respondents disagree most"))
    if disputed:
        rows = []
        for d in disputed:
            question = q.question(d.question)
            rows.append(
                [
                    d.text,
                    "; ".join(f"{_label(v, question)}: {c}" for v, c in d.answers.items()),
                    f"{d.disagreement:.2f}",
                ]
            )
        out.append(Table(["Question", "Answers", "Disagreement"], rows, align=["l", "l", "r"], narrow=[2]))
    else:
        out.append(Paragraph("Every question answered by two or more respondents was answered alike by all of them."))

    if result.by_group:
        best = result.consolidated[:group_top]
        out.append(Heading(1, f"By stakeholder group (mean score of the top {len(best)})"))
        header = ["Instrument"] + [
            f"{STAKEHOLDER_CHOICES.get(g, g)} ({data['respondents']})" for g, data in result.by_group.items()
        ]
        rows = []
        for s in best:
            row = [s.name]
            for data in result.by_group.values():
                entry = next(e for e in data["instruments"] if e["id"] == s.id)
                row.append(f"{entry['mean_score']:.1f}")
            rows.append(row)
        out.append(Table(header, rows, align=["l"] + ["r"] * (len(header) - 1)))

    out += [
        Heading(1, "Method"),
        Paragraph(
            "Each respondent's answers are scored as in a single assessment. The mean score is taken over all "
            "respondents; where a respondent's answers exclude an instrument (a precondition fails), it counts "
            "as 0 for that respondent. The range is the lowest and highest of these scores. Agreement is "
            "1 minus the standard deviation of the scores divided by 50: 1 when every respondent gives the "
            "same score, 0 for the widest possible split. Disagreement on a question is the normalised "
            "entropy of its answers: 0 when everybody answers alike, 1 for an even split."
        ),
        PageBreak(),
        Heading(1, "Annex"),
        Heading(2, "Respondents"),
    ]
    names = {s.id: s.name for s in result.consolidated}
    out.append(
        Table(
            ["Row", "Respondent", f"Top {TOP}"],
            [[str(row), who or "-", "; ".join(names[i] for i in top)] for row, who, top in collected.rows],
            align=["r", "l", "l"],
            narrow=[0],
        )
    )
    if n > len(collected.rows):
        out.append(
            Paragraph(
                f"The first {len(collected.rows)} of {n} respondents are listed; "
                "`migdev assess --responses FILE --json` lists every one."
            )
        )
    if result.skipped:
        out.append(Heading(2, "Skipped rows"))
        out.append(ListBlock([f"Row {s.row}: " + "; ".join(s.to_dict()["problems"]) for s in result.skipped]))
        if result.skipped_count > len(result.skipped):
            out.append(Paragraph(f"… and {result.skipped_count - len(result.skipped)} more skipped rows."))
    if result.warnings:
        out.append(Heading(2, "Warnings"))
        out.append(ListBlock(list(result.warnings)))
    return out


def header_text(programme: Programme | None) -> str:
    programme = programme or Programme()
    return ", ".join(x for x in (programme.name, programme.country) if x) or "Consolidated needs assessment"
