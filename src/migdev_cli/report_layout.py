"""The recommendations report as a document: its sections in order, as blocks.

The main part comes first (title block, executive summary, package, ranking and chart,
results framework, next steps, method and caveats); a page break and the heading "Annex"
open the annex (fact sheets, other instruments by reference, context, exclusions, the full
sensitivity list, references). Markdown and Word render these same blocks.
"""

from __future__ import annotations

from typing import Any

from . import vocab
from .assessment import TOP
from .report_blocks import Block, Heading, ListBlock, PageBreak, Paragraph, Picture, Run, Table
from .report_wording import FIT_LABELS, brief, join_words
from .scoring import NEUTRAL

ANNEX = "Annex"
CHART_CAPTION = "Scores of the instruments that passed the screening, coloured by fit band; the package is marked."


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _phase(item: dict[str, Any]) -> str:
    return f"{item['phase']}. {item['phase_name']}" if item.get("phase") else "-"


def _fit(value: str | None) -> str:
    return FIT_LABELS.get(value or "", value or "-")


def title_block(report: dict[str, Any]) -> list[Block]:
    prog = report["programme"]
    facts = [("Programme", prog["name"]), ("Country", prog["country"]), ("Date", prog["date"])]
    lines: list[Any] = [[("bold", f"{label}: "), ("", value)] for label, value in facts if value]
    lines.append([("bold", "Prepared with: "), ("", report["prepared_with"])])
    return [Heading(0, report["title"]), ListBlock(lines)]


def _package(report: dict[str, Any]) -> list[Block]:
    package = report["package"]
    if report["package_source"] == "package":
        out: list[Block] = [
            Heading(1, "Recommended package"),
            Paragraph(
                "The instruments below work together; the phases say what to do first. Each needs the "
                "preconditions listed under it settled before it starts."
            ),
        ]
    else:
        out = [
            Heading(1, "Recommended instruments"),
            Paragraph(
                f"The {len(package)} highest-ranked instruments, with the preconditions to settle before each starts."
            ),
        ]
    if not package:
        return [*out, Paragraph("No instrument passed the screening.")]
    phased = report["package_source"] == "package"
    out.append(
        Table(
            (["Phase"] if phased else []) + ["Instrument", "Fit", "Cost", "Time to results", "Evidence"],
            [
                ([_phase(p)] if phased else [])
                + [
                    f"{p['key']}. {p['name']}",
                    _fit(p["fit"]),
                    p["cost"]["label"].split(" (")[0],
                    p["time_to_results"]["label"].split(" (")[0],
                    p["evidence"]["short"],
                ]
                for p in package
            ],
            narrow=[0, 2, 3, 4, 5] if phased else [1, 2, 3, 4],
        )
    )
    for p in package:
        head = f"{p['key']}. {p['name']}" + (
            f" (phase {p['phase']}, {p['phase_name'].lower()})" if p.get("phase") else ""
        )
        out.append(Heading(2, head))
        items: list[Any] = [[("bold", "Why: "), ("", p["why"])]]
        if p["before_start"]:
            settle = "; ".join(brief(b, 16) for b in p["before_start"][:3])
            more = len(p["before_start"]) - 3
            settle += f" (and {more} more in the annex)." if more > 0 else "."
            items.append([("bold", "Settle first: "), ("", settle)])
        if p["lead_actors"]:
            items.append([("bold", "Lead: "), ("", "; ".join(p["lead_actors"][:3]) + ".")])
        for w in p["warnings"][:2]:
            items.append([("bold", "Warning: "), ("", w)])
        out.append(ListBlock(items))
    return out


def _ranking(report: dict[str, Any], chart: Picture | None) -> list[Block]:
    out: list[Block] = [Heading(1, "Ranking of the instruments")]
    ranking = report["ranking"]
    excluded = len(report["annex"]["excluded"])
    if not ranking:
        return [*out, Paragraph("No instrument passed the screening.")]
    out.append(
        Paragraph(
            f"{len(ranking)} instruments passed the screening"
            + (f" ({excluded} were screened out; see the annex)" if excluded else "")
            + f". Scores start at a neutral {NEUTRAL:g}; the higher, the better the fit to your answers."
        )
    )
    out.append(
        Table(
            ["Rank", "Instrument", "Fit", "Score", "Evidence", "Package"],
            [
                [
                    str(r["rank"]),
                    r["name"],
                    _fit(r["fit"]),
                    f"{r['score']:.1f}",
                    r["evidence"]["short"],
                    (f"Phase {r['phase']}" if r["phase"] else "Yes") if r["in_package"] else "",
                ]
                for r in ranking
            ],
            align=["r", "l", "l", "r", "l", "l"],
            narrow=[0, 2, 3, 4, 5],
        )
    )
    if chart is not None:
        out.append(chart)
    return out


def _framework(report: dict[str, Any]) -> list[Block]:
    rows = report["results_framework"]
    out: list[Block] = [Heading(1, "Results framework for the package")]
    if not rows:
        return [*out, Paragraph("No package, so no results framework.")]
    out.append(
        Paragraph(
            "The package's indicators from output to impact, ready to merge into the host programme's results "
            "chain. Baseline and target are left blank for the programme team to fill in. The letters name the "
            "package's instruments: " + "; ".join(f"{p['key']}, {p['name']}" for p in report["package"]) + "."
        )
    )
    out.append(
        Table(
            ["Level", "Indicator", "Unit", "Instrument", "Baseline", "Target"],
            [[r["level_label"], r["indicator"], r["unit"], ", ".join(r["keys"]), "", ""] for r in rows],
            narrow=[0, 3],
        )
    )
    return out


def _method(report: dict[str, Any]) -> list[Block]:
    method = report["method"]
    out: list[Block] = [Heading(1, "Method and caveats")]
    out += [Paragraph(p) for p in method["paragraphs"]]
    sens = report["sensitivity"]
    if sens is None:
        text = "Not computed for this report."
    elif sens["robust"]:
        text = (
            f"Every other value of every single answer was tried; none would change the top {TOP}. "
            "The recommendation is robust to a single wrong answer."
        )
    else:
        decisive = [f"“{d['text']}”" for d in sens["decisive"]]
        shown = decisive[:5] + ([f"{len(decisive) - 5} more"] if len(decisive) > 5 else [])
        text = (
            f"Every other value of every single answer was tried. {sens['summary']} "
            f"The decisive answers: {join_words(shown)}. The annex lists each change."
        )
    out.append(Paragraph([("bold", "Sensitivity. "), ("", text)]))
    out.append(Paragraph([("bold", "Caveats.")]))
    out.append(ListBlock(list(method["caveats"])))
    return out


def _fact_sheet(rec: dict[str, Any]) -> list[Block]:
    out: list[Block] = [Heading(3, f"{rec['rank']}. {rec['name']}")]
    ev = rec["evidence"]
    out.append(
        Paragraph(
            f"{rec['area']['label']}. Score {rec['score']:.1f} of 100 ({_fit(rec['fit']).lower()}), coverage "
            f"{_percent(rec['coverage'])}. Cost: {rec['cost']['label']}. Time to results: "
            f"{rec['time_to_results']['label']}. Evidence: {ev['label']}"
            + (" (figures self-reported by the implementer)" if ev["self_reported"] else "")
            + "."
        )
    )
    out.append(Paragraph(rec["summary"]))
    out.append(Heading(4, "Why it fits"))
    if rec["why"]:
        out.append(
            Table(
                ["Question", "Answer", "Points", "Because"],
                [[c["text"], c["answer"], f"{c['points']:+.1f}", c["because"]] for c in rec["why"]],
                align=["l", "l", "r", "l"],
                narrow=[2],
            )
        )
    else:
        out.append(Paragraph(f"No answer moved it from the neutral score of {NEUTRAL:g}."))
    out.append(Heading(4, "What it takes"))
    items: list[Any] = []
    for pre in rec["preconditions"]:
        item: list[Run] = [("", pre["text"])]
        if pre["status"] == "met":
            item.append(("", " (Confirmed by your answers.)"))
        elif pre["status"] == "open":
            item += [("", " "), ("bold", "Warning:"), ("", " " + pre["warning"])]
        items.append(item)
    out.append(ListBlock(items))
    out += [Heading(4, "Implementation steps"), ListBlock(list(rec["steps"]), ordered=True)]
    origin = "; ".join(a["label"] for a in rec["actors"]["origin"]) or "none named"
    destination = "; ".join(a["label"] for a in rec["actors"]["destination"]) or "none named"
    out += [
        Heading(4, "Actors"),
        ListBlock([f"Origin country: {origin}", f"Destination countries: {destination}"]),
    ]
    if rec["gender"]:
        out += [Heading(4, "Women"), Paragraph(rec["gender"])]
    out += [
        Heading(4, "Risks and mitigations"),
        Table(["Risk", "Mitigation"], [[r["risk"], r["mitigation"]] for r in rec["risks"]]),
        Heading(4, "Monitoring"),
        Table(
            ["Level", "Indicator", "Unit"],
            [[m["level_label"], m["indicator"], m["unit"]] for m in rec["monitoring"]],
            narrow=[0],
        ),
    ]
    if ev["studies"]:
        out.append(Heading(4, "Evidence"))
        out.append(
            ListBlock(
                [
                    f"{s['authors']} ({s['year']}), {s['design']}: {s['finding']} [{s['reference']}]"
                    for s in ev["studies"]
                ]
            )
        )
    out.append(Heading(4, "Examples"))
    for ex in rec["examples"]:
        out.append(
            Paragraph([("bold", ex["name"]), ("", f". {ex['country']}, {ex['period']}. Source: [{ex['reference']}].")])
        )
        out.append(ListBlock(list(ex["facts"])))
        if ex["kind"] != "case":
            out.append(Paragraph(f"Kind: {vocab.EXAMPLE_KINDS[ex['kind']]}."))
        if not ex["facts_checked"]:
            out.append(
                Paragraph([("bold", "Unchecked:"), ("", " these facts have not been checked against a second source.")])
            )
        if ex["note"]:
            out.append(Paragraph(f"Note: {ex['note']}"))
    if rec["sources"]:
        out.append(Paragraph("Sources: " + ", ".join(f"[{n}]" for n in rec["sources"]) + "."))
    return out


def _annex(report: dict[str, Any]) -> list[Block]:
    annex = report["annex"]
    out: list[Block] = [PageBreak(), Heading(1, ANNEX)]
    sheets = annex["fact_sheets"]
    out.append(Heading(2, "A. Fact sheets of the recommended instruments"))
    if not sheets:
        out.append(Paragraph("No instrument passed the screening."))
    for rec in sheets:
        out += _fact_sheet(rec)

    out.append(Heading(2, "B. Other ranked instruments"))
    if annex["others"]:
        out.append(Paragraph("Their fact sheets are one command away:"))
        out.append(
            Table(["Instrument", "Fact sheet"], [[o["name"], o["command"]] for o in annex["others"]], narrow=[1])
        )
    else:
        out.append(Paragraph("Every ranked instrument has a fact sheet above."))

    out.append(Heading(2, "C. Assessment context"))
    for section in annex["context"]["sections"]:
        out.append(Heading(3, section["title"]))
        rows = []
        for a in section["answers"]:
            shown = {"unanswered": "(not answered)", "dont_know": vocab.DONT_KNOW_LABEL}.get(a["status"], a["answer"])
            rows.append([a["text"], shown])
        out.append(Table(["Question", "Answer"], rows))
    if annex["context"]["ignored"]:
        out.append(Heading(3, "Answers not used"))
        out.append(Paragraph("These answers were given but not used, because the question was not asked:"))
        out.append(ListBlock([f"{i['text']} ({i['reason']})" for i in annex["context"]["ignored"]]))

    out.append(Heading(2, "D. Excluded instruments"))
    if annex["excluded"]:
        out.append(Table(["Instrument", "Reason"], [[e["name"], e["reason"]] for e in annex["excluded"]]))
    else:
        out.append(Paragraph("No instrument was excluded."))

    out.append(Heading(2, "E. Sensitivity of the ranking"))
    sens = report["sensitivity"]
    if sens is None:
        out.append(Paragraph("The sensitivity of the ranking was not computed."))
    else:
        out.append(Paragraph(f"The top {TOP}: {join_words([t['name'] for t in sens['top']])}. {sens['summary']}"))
        if sens["changes"]:
            out.append(
                Table(
                    ["Question", "Your answer", "Alternative", f"Top {TOP} would be"],
                    [
                        [c["text"], c["answer"], c["alternative"], "; ".join(t["name"] for t in c["top_after"])]
                        for c in sens["changes"]
                    ],
                )
            )

    out.append(Heading(2, "F. References"))
    if annex["references"]:
        out.append(ListBlock([r["text"] for r in annex["references"]], ordered=True))
    else:
        out.append(Paragraph("No sources are cited."))
    foot = report["footer"]
    q = foot["questionnaire"]
    out.append(
        Paragraph(
            f"Generated by migdev {foot['migdev_version']} with questionnaire {q['id']} version {q['version']}, "
            f"catalog fingerprint {foot['catalog_fingerprint']} ({foot['instruments_in_catalog']} instruments), "
            f"answers fingerprint {foot['answers_fingerprint']} from "
            + (foot["answers_file"] or "the interactive assessment")
            + ".",
            small=True,
        )
    )
    return out


def report_blocks(report: dict[str, Any], chart: Picture | None = None) -> list[Block]:
    """The whole report, main part then annex. ``chart`` is the ranking chart, when drawn."""
    out = title_block(report)
    out += [Heading(1, "Executive summary"), *[Paragraph(p) for p in report["summary"]]]
    out += _package(report)
    out += _ranking(report, chart)
    out += _framework(report)
    out += [Heading(1, "Next steps"), ListBlock(list(report["next_steps"]), ordered=True)]
    out += _method(report)
    out += _annex(report)
    return out
