"""Terminal rendering with rich. Imported only by the commands that print tables.

All catalog and answer text goes through :func:`plain`, so rich markup such as ``[red]``
and control characters are shown literally, never interpreted.
"""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from . import vocab
from .assessment import Assessment
from .escaping import visible
from .instrument_models import Instrument
from .questionnaire_models import Questionnaire
from .scoring import area_label, describe_check


def plain(value: Any, style: str = "") -> Text:
    """Data text as a rich Text: no markup interpretation, control characters made visible."""
    return Text(visible(value), style=style)


def console(stderr: bool = False) -> Console:
    """A console per call, so NO_COLOR, COLUMNS and pipes are read when the command runs."""
    return Console(file=sys.stderr if stderr else sys.stdout, highlight=False, soft_wrap=False)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def instruments_lines(instruments: list[Instrument], width: int = 120) -> list[str]:
    """The catalog as a count line, a header and aligned columns. Where the names fit beside the
    other columns, one line per instrument; on a narrower terminal the name goes on a line of its
    own below the id, wrapped, so that neither an id nor a name is ever cut. A line wider than the
    terminal even then (a very narrow one) is cut at the end, never in the id."""
    import textwrap

    rows = [
        (visible(i.id), visible(i.name), area_label(i.area), i.evidence.level, i.cost_level, i.time_to_results)
        for i in instruments
    ]
    header = ("ID", "Name", "Area", "Evidence", "Cost", "Time")
    widths = [max([len(header[c]), *(len(r[c]) for r in rows)]) for c in range(6)]
    fixed = widths[0] + widths[2] + widths[3] + widths[4] + widths[5] + 5 * 2
    lines = [f"{len(instruments)} instruments"]
    if widths[1] <= width - fixed:  # everything fits on one line
        for row in [header, *rows]:
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        return lines
    columns = [0, 3, 4, 5]
    for n, row in enumerate([header, *rows]):
        line = "  ".join(row[c].ljust(widths[c]) for c in columns).rstrip()
        lines.append(_fit(line, max(width, widths[0])))
        name = "Name (area)" if n == 0 else f"{row[1]} ({row[2]})"
        lines += ["  " + part for part in textwrap.wrap(name, max(10, width - 2), break_on_hyphens=False)]
    return lines


def print_instruments(out: Console, instruments: list[Instrument]) -> None:
    """Print the catalog listing (see instruments_lines), the header in bold.

    Not a rich Table, which measures every cell, and the rows of plain ASCII text are
    written as they are: they already fit, and laying out thousands of lines with rich
    takes longer than loading the catalog. Other text (wide characters) goes through rich."""
    count, *lines = instruments_lines(instruments, out.width)
    # the header: one line, or two when the name stands below the id
    head = 2 if len(lines) > 1 and lines[1].startswith("  Name") else 1
    out.print(plain(count), no_wrap=True, crop=True)
    for line in lines[:head]:
        out.print(plain(line, "bold"), no_wrap=True, crop=True)
    rows = lines[head:]
    body = "\n".join(rows)
    if not rows:
        return
    if body.replace("…", "").isascii():  # the ellipsis added by _fit is one cell wide too
        out.file.write(body + "\n")
        out.file.flush()
    else:
        out.print(Text(body), no_wrap=True, overflow="ellipsis", crop=True)


def _labels(values: list[str], vocabulary: dict[str, str]) -> Text:
    return plain(", ".join(vocabulary.get(v, v) for v in values))


def _bullets(items: list[str]) -> Text:
    return plain("\n".join(f"- {item}" for item in items))


def evidence_line(inst: Instrument) -> str:
    """The evidence rating in words: the level, and whether the programme figures are self-reported."""
    ev = inst.evidence
    line = f"{ev.level}: {vocab.EVIDENCE_LEVELS[ev.level]}"
    if ev.self_reported:
        line += " (programme figures are self-reported by the implementer)"
    return line


def fact_sheet(inst: Instrument, questionnaire: Questionnaire | None) -> Group:
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold", no_wrap=True)
    head.add_column()
    head.add_row("Area", plain(area_label(inst.area)))
    head.add_row("Target groups", _labels(inst.target_groups, vocab.TARGET_GROUPS))
    head.add_row("Stages", _labels(inst.stages, vocab.STAGES))
    head.add_row("Origin actors", _labels(inst.actors.origin, vocab.ACTORS))
    head.add_row("Destination actors", _labels(inst.actors.destination, vocab.ACTORS))
    head.add_row("Host programmes", _labels(inst.programme_types, vocab.PROGRAMME_TYPES))
    head.add_row("Cost", plain(vocab.COST_LEVELS[inst.cost_level]))
    head.add_row("Time to results", plain(vocab.TIME_TO_RESULTS[inst.time_to_results]))
    head.add_row("Evidence", plain(evidence_line(inst)))
    if inst.related:
        head.add_row("Related", plain(", ".join(inst.related)))

    parts: list[Any] = [plain(inst.name, "bold"), plain(inst.id), Text(), plain(inst.summary), Text()]
    parts.append(head)

    def section(title: str, body: Any) -> None:
        parts.append(Text())
        parts.append(plain(title, "bold underline"))
        parts.append(body)

    section("Objectives", _bullets(inst.objectives))
    section("Steps", plain("\n".join(f"{i}. {s}" for i, s in enumerate(inst.steps, 1))))
    pre = describe_check(questionnaire, inst) if questionnaire else [p.text for p in inst.preconditions]
    section("Preconditions", _bullets(pre))
    if inst.gender:
        section("Women", plain(inst.gender))
    risks = Table(show_header=True, expand=False)
    risks.add_column("Risk")
    risks.add_column("Mitigation")
    for r in inst.risks:
        risks.add_row(plain(r.risk), plain(r.mitigation))
    section("Risks", risks)
    indicators = Table(show_header=True, expand=False)
    indicators.add_column("Level")
    indicators.add_column("Indicator")
    indicators.add_column("Unit")
    for ind in inst.indicators:
        indicators.add_row(plain(ind.level), plain(ind.name), plain(ind.unit))
    section("Indicators", indicators)
    for ex in inst.examples:
        body = Table.grid(padding=(0, 2))
        body.add_column(style="bold", no_wrap=True)
        body.add_column()
        body.add_row("Country", plain(ex.country))
        body.add_row("Period", plain(ex.period))
        body.add_row("Facts", _bullets(ex.facts))
        body.add_row("Source", plain(ex.source))
        body.add_row("Kind", plain(vocab.EXAMPLE_KINDS[ex.kind]))
        checked = "yes" if ex.facts_checked else "no: not checked against a second source; treat them with care"
        body.add_row("Facts checked", plain(checked))
        if ex.note:
            body.add_row("Note", plain(ex.note))
        section(f"Example: {ex.name}", body)
    if inst.evidence.studies:
        studies = [
            f"{st.authors} ({st.year}). {st.design}. Finding: {st.finding} Source: {st.source}"
            for st in inst.evidence.studies
        ]
        section("Evidence: studies", _bullets(studies))
    if inst.sources:
        section("Sources", _bullets(inst.sources))
    return Group(*parts)


def _bar(score: float, width: int = 10) -> str:
    filled = round(score / 100 * width)
    return "█" * filled + "░" * (width - filled)


def name_width(width: int) -> int:
    """The least width of an instrument-name column: on a narrow terminal the name matters most."""
    return min(20, max(8, width // 3))


FIT_STYLE = {"strong": "green", "possible": "yellow", "weak": "red"}


def _name_and_id(name: str, id_line: str) -> Text:
    """An instrument's name over its id: words wrap, and an id too long for the column is folded
    onto the next line, never cut."""
    text = Text.assemble(plain(name), "\n", Text(id_line, style="dim"))
    text.overflow = "fold"
    return text


def package_view(result: Assessment) -> Group:
    """The recommended package, phase by phase: what, why, what must be true first, who leads.

    One block per instrument rather than a table, so that the id stands whole on its own line
    (it can be copied into `migdev instruments show`) and the reasons get the full width."""
    parts: list[Any] = [plain("Recommended package", "bold")]
    for item in result.package:
        parts.append(Text.assemble(plain(f"{item.phase}. {item.phase_name}: ", "bold"), plain(item.name)))
        parts.append(Text.assemble("   ", Text(visible(item.id), style="dim")))
        lines = [item.why]
        if item.before_start:
            lines.append(f"Before it starts: {item.before_start[0]}")
        lines.append("Led by: " + " or ".join(item.lead_actors[:2]))
        parts.append(Padding(Group(*(plain(line) for line in lines)), (0, 0, 0, 3)))
    return Group(*parts)


def ranking_table(result: Assessment, top: int | None, width: int = 120) -> Table:
    rows = result.ranking if top is None else [r for r in result.ranking if r.rank <= top]
    # On a narrow terminal the instrument's name matters most: the score bar and the
    # "Why" column give way first (the bar is dropped below 60 columns).
    bars = width >= 60
    table = Table(title="Recommended instruments", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Instrument", ratio=2, min_width=name_width(width))
    # Below 60 columns the fit goes under the score, below 50 the coverage is dropped.
    fit_column, cover = width >= 60, width >= 50
    table.add_column("Score", justify="right", no_wrap=True)
    if fit_column:
        table.add_column("Fit", no_wrap=True)
    if cover:
        table.add_column("Cover", justify="right")
    why_header = "Why (answers that raised or lowered the score)" if width >= 80 else "Why"
    table.add_column(why_header, ratio=3, overflow="fold")
    for r in rows:
        why = _bullets(r.reasons) if r.reasons else Text("No answer moved it from neutral", style="dim")
        if r.warnings:
            why = Text.assemble(why, "\n", plain("\n".join(f"! {w}" for w in r.warnings), "dim"))
        fit = Text(r.fit, style=FIT_STYLE.get(r.fit, ""))
        score = Text(f"{r.score:5.1f}" + (f"\n{_bar(r.score)}" if bars else ""))
        cells: list[Any] = [
            str(r.rank),
            _name_and_id(r.name, f"{visible(r.id)} ({area_label(r.area)})"),
            score if fit_column else Text.assemble(score, "\n", fit),
        ]
        if fit_column:
            cells.append(fit)
        if cover:
            cells.append(f"{r.coverage:.0%}")
        table.add_row(*cells, why)
    return table


def excluded_table(result: Assessment) -> Group:
    """The instruments screened out, each with its id and why (a list: it can run long, and a
    list wraps each reason at the full width)."""
    parts: list[Any] = [Text(), plain("Excluded instruments", "italic")]
    for e in result.excluded:
        parts.append(
            Text.assemble(plain(e.name, "bold"), " ", Text(f"({visible(e.id)})", style="dim"), overflow="fold")
        )
        parts.append(Padding(plain(e.reason), (0, 0, 0, 3)))
    return Group(*parts)


def sensitivity_panel(result: Assessment) -> Panel:
    sens = result.sensitivity
    assert sens is not None
    lines = [sens.summary()]
    shown = [c for c in sens.changes if c.alters_package][:6]
    for c in shown:
        dropped = [i for i in sens.package if i not in c.package_after]
        added = [i for i in c.package_after if i not in sens.package]
        effect = f"drops {', '.join(dropped)}" + (f"; adds {', '.join(added)}" if added else "")
        lines.append(f"- {c.text}: {c.answer} -> {c.alternative}: {effect}")
    others = len(sens.changes) - len(shown)
    if others > 0:
        lines.append(f"... and {others} more (see --json)")
    return Panel(plain("\n".join(lines)), title="Sensitivity: how robust is the recommendation", title_align="left")


LEGEND = (
    "Score: 50 is neutral, 0 to 100 on fixed scales; a few points apart is no real difference. "
    "Fit: how well the instrument matches your objectives, bottlenecks and lead implementer "
    "(strong, possible, weak). Cover: the share of the questions that bear on it that you answered."
)


def needs_note(result: Assessment) -> str | None:
    """Which of the questions that decide fit are unanswered, in words (None when all are)."""
    from .scoring import NEEDS_QUESTIONS

    missing = [q for q in NEEDS_QUESTIONS if q in result.unanswered]
    if not missing:
        return None
    return (
        f"Not answered: {', '.join(missing)}. These questions decide most of the ranking; "
        "until they are answered, fit is judged on the context alone."
    )


SHORT_LEGEND = (
    "Score 0-100, 50 neutral; a few points is no difference. Fit: match to your objectives, "
    "bottlenecks and lead. Cover: share of its questions answered."
)


def summary(result: Assessment, top: int = 5) -> Group:
    """The results screen: the package, the top of the ranking and a short legend. At 80 x 24
    it fits one screen; ids are never cut and names wrap."""
    parts: list[Any] = []
    if result.package:
        sens = result.sensitivity
        robust = ""
        if sens is not None:
            robust = " (robust)" if sens.robust else " (not robust"
            if not sens.robust:
                names = sens.decisive_names[:2]
                robust += f"; depends most on {' and '.join(names)})" if names else ")"
        parts.append(plain(f"Recommended package{robust}", "bold"))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column()
        ranked = {r.id: r for r in result.ranking}
        for item in result.package:
            r = ranked.get(item.id)
            where = f" (rank {r.rank}, {r.fit} fit)" if r is not None else ""
            grid.add_row(
                f"Phase {item.phase}, {item.phase_name.lower()}:",
                Text.assemble(Text(visible(item.id), overflow="fold"), Text(where, style="dim")),
            )
        parts.append(grid)
    rows = [r for r in result.ranking if r.rank <= top]
    parts.append(plain(f"Top {len(rows)} of {len(result.ranking)} ranked instruments", "bold"))
    grid = Table.grid(padding=(0, 1))
    for name, justify in (("#", "right"), ("Score", "right"), ("Fit", "left"), ("Cover", "right"), ("", "left")):
        grid.add_column(justify=justify, no_wrap=bool(name))  # type: ignore[arg-type]
    grid.add_row(*(Text(h, style="dim") for h in ("#", "Score", "Fit", "Cover", "Instrument")))
    for r in rows:
        grid.add_row(
            str(r.rank),
            f"{r.score:.1f}",
            Text(r.fit, style=FIT_STYLE.get(r.fit, "")),
            f"{r.coverage:.0%}",
            Text.assemble(plain(r.name), " ", Text(f"({visible(r.id)})", style="dim"), overflow="fold"),
        )
    parts.append(grid)
    parts.append(plain(SHORT_LEGEND, "dim"))
    return Group(*parts)


def print_assessment(out: Console, result: Assessment, top: int | None) -> None:
    """The first screen (the package and the top of the ranking), then the details."""
    print_first_screen(out, result, top)
    print_details(out, result, top)


def print_first_screen(out: Console, result: Assessment, top: int | None) -> None:
    """What fits one 80x24 screen: the recommended package, the top of the ranking and a legend."""
    note = needs_note(result)
    if note:
        out.print(plain(note, "bold"))
    out.print(summary(result, top if top is not None else 5))


def print_details(out: Console, result: Assessment, top: int | None) -> None:
    """The package with its reasons, the ranking with its reasons, the excluded, the sensitivity."""
    out.print()
    if result.package:
        out.print(package_view(result))
    out.print(ranking_table(result, top if top is not None else 10, out.width))
    out.print(plain(LEGEND, "dim"))
    if result.excluded:
        out.print(excluded_table(result))
    if result.sensitivity is not None:
        out.print(sensitivity_panel(result))


def questionnaire_view(q: Questionnaire) -> Group:
    from .conditions import describe

    parts: list[Any] = [plain(q.title, "bold"), plain(f"id: {q.id}  version: {q.version}")]
    for section in q.sections:
        parts.append(Text())
        parts.append(plain(section.title, "bold underline"))
        for question in section.questions:
            meta = f"{question.id} ({question.type}, weight {question.weight}"
            meta += ", optional)" if not question.required else ")"
            parts.append(Text.assemble(Text(meta, style="cyan"), " ", plain(question.text)))
            if question.when is not None:
                parts.append(plain(f"    asked only when {describe(question.when, q)}"))
            for choice in question.choices:
                parts.append(plain(f"    {choice.value}: {choice.label}"))
            if question.allow_dont_know:
                parts.append(plain(f"    {vocab.DONT_KNOW}: {vocab.DONT_KNOW_LABEL}"))
    return Group(*parts)
