"""What the recommendations report says, as plain data (the JSON report is this, as is).

:func:`build_report` gathers everything from an assessment, the catalog and the
questionnaire: the title block, a prose executive summary, the recommended package, the
ranking with fit band, score and evidence level, a combined results framework, next steps,
the method with the sensitivity result, and the annex (fact sheets, context, exclusions,
the full sensitivity list, numbered references). The sections are built in
``report_package`` (the package and its results framework), ``report_summary`` (the prose),
``report_annex`` (fact sheets, context) and ``report_evidence`` (evidence and references), in the
words of ``report_wording``; the method and sensitivity are here. :mod:`migdev_cli.report_layout`
puts it in order as a document; nothing here prints or formats markup.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from pathlib import Path
from typing import Any

from . import __version__, vocab
from .answers import asked
from .assessment import Assessment
from .catalog import Catalog
from .models import Programme
from .questionnaire_models import Questionnaire
from .report_annex import context, fact_sheet
from .report_evidence import References, evidence_of
from .report_package import recommended_package, results_framework
from .report_summary import next_steps, summary
from .report_wording import FIT_LABELS, label
from .scoring import NEUTRAL

FORMAT_VERSION = 2


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

    source, package = recommended_package(result, catalog)
    in_package = {p["id"]: p for p in package}
    sensitivity = _sensitivity(result, names, questionnaire)
    framework = results_framework(package, catalog)

    refs = References()
    sheet_ids = [p["id"] for p in package]
    if top is not None:
        sheet_ids += [r.id for r in result.ranking if r.rank <= top and r.id not in in_package]
    by_id = {r.id: r for r in result.ranking}
    fact_sheets = [
        fact_sheet(by_id[iid], catalog.instrument(iid), questionnaire, result.answers, refs)
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
                "area": label(vocab.AREAS, r.area),
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
        "summary": summary(result, source, package, where, sensitivity),
        "package_source": source,
        "package": package,
        "ranking": ranking,
        "results_framework": framework,
        "next_steps": next_steps(package, sensitivity, framework),
        "method": _method(questionnaire, result),
        "sensitivity": sensitivity,
        "annex": {
            "fact_sheets": fact_sheets,
            "others": others,
            "context": context(questionnaire, result),
            "excluded": [
                {"id": e.id, "name": e.name, "area": label(vocab.AREAS, e.area), "reason": e.reason}
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
