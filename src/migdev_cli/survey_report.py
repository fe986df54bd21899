"""Survey output as documents: the consolidated Markdown report, and JSON written as a stream.

Each respondent's result is appended to a spool (a temporary file) as it is made, so memory
stays bounded however many respondents a file has; once the whole file has been read without
an error, the document is written: the consolidated figures first, then the spooled
respondents. Nothing reaches the output when the file turns out to have a problem.

* JSON (``--json``): one document, the same keys as always; ``per_respondent`` holds one
  compact object per line.
* JSON Lines (``--jsonl``): the first line is the consolidated result (the JSON document
  without ``per_respondent``), then one line per respondent, in file order.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from typing import IO, Any

from .consolidate import ALIKE, GROUP_TOP, METHOD, TOP, Consolidated, respondent_label
from .escaping import json_safe
from .survey_columns import Respondent
from .survey_scoring import Scored
from .xlsform import STAKEHOLDER_CHOICES


class Spool:
    """One line per respondent, kept in a temporary file until the document is written."""

    def __init__(self) -> None:
        self.file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
        self.count = 0

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lines(self) -> IO[str]:
        self.file.flush()
        self.file.seek(0)
        return self.file


def _string(text: str | None) -> str:
    """``text`` as a JSON string (what json.dumps gives, with json_safe's escapes), quickly for plain text."""
    if text is None:
        return "null"
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json_safe(json.dumps(text, ensure_ascii=False))


class JsonSpool(Spool):
    def add(self, r: Respondent, s: Scored) -> None:
        self.file.write(
            f'{{"row": {r.row}, "id": {_string(r.id)}, "stakeholder": {_string(r.stakeholder)}, '
            f'"organisation": {_string(r.organisation)}, {s.fragment}}}\n'
        )
        self.count += 1


class MarkdownSpool(Spool):
    """Each respondent's table row for the report's Respondents section."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self.names = names

    def add(self, r: Respondent, s: Scored) -> None:
        from .export import md_inline

        who = respondent_label(r) or "-"
        top = "; ".join(self.names[i] for i in s.top)
        self.file.write(f"| {r.row} | {md_inline(who)} | {md_inline(top)} |\n")
        self.count += 1


def write_json(result: Consolidated, spool: JsonSpool, out: IO[str], top: int | None = None) -> None:
    """The ``--json`` document (see the module docstring)."""
    head = json.dumps(result.summary(top), indent=2, ensure_ascii=False)
    out.write(json_safe(head[: head.rindex("}")].rstrip()))
    out.write(',\n  "per_respondent": [')
    first = True
    for line in spool.lines():
        out.write(("\n    " if first else ",\n    ") + line.rstrip("\n"))
        first = False
    out.write("\n  ],\n" if not first else "],\n")
    out.write('  "method": ' + json.dumps(METHOD, indent=2).replace("\n", "\n  ") + "\n}\n")


def write_jsonl(result: Consolidated, spool: JsonSpool, out: IO[str], top: int | None = None) -> None:
    """The ``--jsonl`` stream: the consolidated result, then one line per respondent."""
    out.write(json_safe(json.dumps({**result.summary(top), "method": METHOD}, ensure_ascii=False)) + "\n")
    out.writelines(spool.lines())


def write_markdown(
    result: Consolidated, spool: MarkdownSpool, out: IO[str], top: int | None = None, group_top: int = GROUP_TOP
) -> None:
    """The consolidated report as CommonMark with GFM tables; all data text is escaped.

    ``top`` limits the consolidated ranking (None: every instrument); ``group_top`` is how many
    of the best instruments the stakeholder breakdown compares.
    """
    from .export import md_inline, md_table

    def table(header: list[str], rows: list[list[Any]], right: Sequence[int] = ()) -> list[str]:
        return [*md_table(header, rows, ["r" if i in right else "l" for i in range(len(header))]), ""]

    q = result.questionnaire
    n = result.respondents
    lines = [
        "# Consolidated needs assessment",
        "",
        f"- Questionnaire: {md_inline(q.title)} ({md_inline(q.id)}, version {md_inline(q.version)})",
        f"- Responses: {md_inline(result.file)}, {n} respondent{'s' if n != 1 else ''}"
        + (f", {result.skipped_count} row(s) skipped" if result.skipped_count else ""),
        "- The programme's own answers (the designer's questions): "
        + (md_inline(result.designer_file) if result.designer_file else "not given; those questions count as unknown"),
        "",
        "## Consolidated ranking",
        "",
    ]
    shown = [s for s in result.consolidated if top is None or s.rank <= top]
    lines += table(
        ["Rank", "Instrument", "Mean score", "Range", f"In top {TOP}", "Excluded by", "Agreement"],
        [
            [
                s.rank,
                f"{s.name} ({s.id})",
                f"{s.mean_score:.1f}",
                f"{s.min_score:.1f} to {s.max_score:.1f}",
                f"{s.top3_count} of {n}",
                f"{s.excluded} of {n}",
                f"{s.agreement:.2f}",
            ]
            for s in shown
        ],
        right=(0, 2, 6),
    )
    if len(shown) < len(result.consolidated):
        lines += [f"{len(result.consolidated) - len(shown)} more instruments are ranked below these.", ""]

    disputed = [d for d in result.disagreement if d.disagreement > 0][:5]
    if disputed:
        lines += ["## Where respondents disagree most", ""]
        rows = []
        for d in disputed:
            question = q.question(d.question)
            label = question.label_of if question else str
            rows.append([d.text, "; ".join(f"{label(v)}: {c}" for v, c in d.answers.items()), f"{d.disagreement:.2f}"])
        lines += table(["Question", "Answers", "Disagreement"], rows, right=(2,))
    elif result.disagreement:
        lines += ["## Where respondents disagree most", "", ALIKE, ""]

    if result.by_group:
        best = result.consolidated[:group_top]
        lines += [f"## By stakeholder group (mean score of the top {len(best)})", ""]
        header = ["Instrument"] + [
            f"{md_inline(STAKEHOLDER_CHOICES.get(g, g))} ({data['respondents']})" for g, data in result.by_group.items()
        ]
        rows = []
        for s in best:
            row: list[Any] = [s.name]
            for data in result.by_group.values():
                entry = next(e for e in data["instruments"] if e["id"] == s.id)
                row.append(f"{entry['mean_score']:.1f}")
            rows.append(row)
        lines += table(header, rows, right=tuple(range(1, len(header))))

    lines += ["## Respondents", ""]
    lines += table(["Row", "Respondent", f"Top {TOP}"], [], right=(0,))[:-1]
    out.write("\n".join(lines) + "\n")
    shutil.copyfileobj(spool.lines(), out)
    lines = [""]
    if result.skipped:
        lines += ["## Skipped rows", ""]
        lines += [f"- Row {s.row}: " + md_inline("; ".join(s.to_dict()["problems"])) for s in result.skipped]
        if result.skipped_count > len(result.skipped):
            lines.append(f"- ... and {result.skipped_count - len(result.skipped):,} more rows")
        lines.append("")
    if result.warnings:
        lines += ["## Warnings", ""]
        lines += [f"- {md_inline(w)}" for w in result.warnings]
        lines.append("")
    lines += [
        "## Method",
        "",
        "Each respondent's answers are scored as in a single assessment, with the programme's own answers "
        "to the designer's questions. The mean score is taken over all "
        "respondents; where a respondent's answers exclude an instrument (a precondition fails), it counts "
        "as 0 for that respondent. The range is the lowest and highest of these scores. Agreement is "
        "1 minus the standard deviation of the scores divided by 50: 1 when every respondent gives the "
        "same score, 0 for the widest possible split. Disagreement on a question the stakeholders answer is "
        "the normalised entropy of its answers: 0 when everybody answers alike, 1 for an even split.",
        "",
    ]
    out.write("\n".join(lines))
