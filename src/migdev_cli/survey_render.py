"""A consolidated survey in the terminal: rich tables. Imported only by ``assess --responses``."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .consolidate import ALIKE, GROUP_TOP, TOP, Consolidated, respondent_label
from .render import name_width, plain
from .scoring import area_label
from .xlsform import STAKEHOLDER_CHOICES


def print_consolidated(out: Console, result: Consolidated, top: int | None = 10) -> None:
    """The first respondents' top 3, the consolidated ranking, disputes, stakeholder groups."""
    names = {s.id: s.name for s in result.consolidated}
    n = result.respondents

    people = Table(title=f"Top {TOP} per respondent", title_justify="left")
    people.add_column("Row", justify="right")
    people.add_column("Respondent")
    people.add_column(f"Top {TOP}")
    for person, scored in result.first:
        people.add_row(
            str(person.row), plain(respondent_label(person) or "-"), plain("; ".join(names[i] for i in scored.top))
        )
    out.print(people)
    if n > len(result.first):
        out.print(plain(f"... and {n - len(result.first)} more respondents (see --json or --jsonl)"))

    rows = [s for s in result.consolidated if top is None or s.rank <= top]
    table = Table(title=f"Consolidated ranking ({n} respondent{'s' if n != 1 else ''})", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Instrument", min_width=name_width(out.width))
    table.add_column("Mean", justify="right")
    table.add_column("Range", justify="right")
    table.add_column(f"Top {TOP}", justify="right")
    table.add_column("Excl.", justify="right")
    table.add_column("Agree", justify="right")
    for s in rows:
        table.add_row(
            str(s.rank),
            Text.assemble(plain(s.name), "\n", Text(f"{s.id} ({area_label(s.area)})", style="dim")),
            f"{s.mean_score:.1f}",
            f"{s.min_score:.1f}-{s.max_score:.1f}",
            f"{s.top3_count}/{n}",
            f"{s.excluded}/{n}",
            f"{s.agreement:.2f}",
        )
    out.print(table)
    out.print(
        plain(
            "Mean over all respondents, an exclusion counting as 0. "
            "Agreement: 1 - standard deviation / 50 (1 = same score from everybody)."
        )
    )

    disputed = [d for d in result.disagreement if d.disagreement > 0][:5]
    if disputed:
        q = result.questionnaire
        spread = Table(title="Where respondents disagree most", title_justify="left")
        spread.add_column("Question")
        spread.add_column("Answers")
        spread.add_column("Disagreement", justify="right")
        for d in disputed:
            question = q.question(d.question)
            label = question.label_of if question else str
            spread.add_row(
                Text.assemble(plain(d.text), "\n", Text(d.question, style="dim")),
                plain("\n".join(f"{label(v)}: {c}" for v, c in d.answers.items())),
                f"{d.disagreement:.2f}",
            )
        out.print(spread)
    elif result.disagreement:
        out.print(plain(ALIKE))

    if result.by_group:
        shown = result.consolidated[:GROUP_TOP]
        groups = Table(title=f"Mean score of the top {len(shown)} by stakeholder group", title_justify="left")
        groups.add_column("Instrument")
        for group, data in result.by_group.items():
            title = STAKEHOLDER_CHOICES.get(group, group)
            groups.add_column(Text(f"{title} ({data['respondents']})"), justify="right")
        for s in shown:
            cells = []
            for data in result.by_group.values():
                entry = next(e for e in data["instruments"] if e["id"] == s.id)
                cells.append(f"{entry['mean_score']:.1f}")
            groups.add_row(plain(s.name), *cells)
        out.print(groups)
