"""How the report cites: an instrument's evidence rating as data, and numbered references."""

from __future__ import annotations

import re
from typing import Any

from .instrument_models import Instrument
from .report_wording import EVIDENCE_LABELS, EVIDENCE_SHORT

_SPACE = re.compile(r"\s+")


class References:
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


def evidence_of(inst: Instrument, refs: References | None = None) -> dict[str, Any]:
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
