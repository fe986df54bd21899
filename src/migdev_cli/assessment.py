"""What an assessment gives back: the ranking with each score's explanation, the instruments
screened out, the recommended package and the sensitivity check's findings (plain data).

:class:`migdev_cli.scoring.Scorer` builds them; the terminal output, the reports and ``--json``
read them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .answers import Answer, to_plain
from .package import PackageItem
from .questionnaire_models import Question

TOP = 3
# The recommendation is robust when at most this share of single changed answers alters the package.
ROBUST_SHARE = 0.2


def answer_label(question: Question, value: Answer) -> str:
    """An answer in words: the labels of its choices."""
    return ", ".join(question.label_of(v) for v in value)


@dataclass(frozen=True)
class Contribution:
    question: str
    text: str
    answer: str
    points: float
    effect: str  # "raised" or "lowered"
    because: str


@dataclass(frozen=True)
class Ranked:
    rank: int
    id: str
    name: str
    area: str
    score: float
    coverage: float
    reasons: list[str]
    contributions: list[Contribution]
    unchecked: list[str] = field(default_factory=list)  # preconditions an answer of "don't know" left open
    fit: str = "possible"  # strong, possible or weak: see fit_band
    warnings: list[str] = field(default_factory=list)  # what is not known yet and matters for this instrument


@dataclass(frozen=True)
class Excluded:
    id: str
    name: str
    area: str
    reason: str


@dataclass(frozen=True)
class Change:
    question: str
    text: str
    answer: str
    alternative: str
    alternative_value: Answer
    top_after: list[str]
    package_after: list[str] = field(default_factory=list)
    alters_package: bool = False  # an instrument of the package drops out of it


@dataclass
class Sensitivity:
    top: list[str]
    changes: list[Change]
    package: list[str] = field(default_factory=list)
    tried: int = 0  # single changed answers tried
    decisive: list[str] = field(default_factory=list)  # question ids the package depends on most
    decisive_names: list[str] = field(default_factory=list)

    @property
    def stable(self) -> bool:
        return not self.changes

    @property
    def package_changes(self) -> int:
        return sum(1 for c in self.changes if c.alters_package)

    @property
    def robust(self) -> bool:
        return self.package_changes <= ROBUST_SHARE * self.tried

    def summary(self) -> str:
        if self.stable:
            return f"Robust: no single changed answer would alter the package or the top {TOP}."
        n, m = self.package_changes, len(self.changes) - self.package_changes
        head = "Robust" if self.robust else "Not robust"
        parts = [f"{n} of {self.tried} single changed answers would alter the package"]
        if m:
            parts.append(f"{m} more would push an instrument out of the top {TOP}")
        text = f"{head}: " + ", and ".join(parts) + "."
        if self.decisive_names:
            text += " It depends most on: " + ", ".join(self.decisive_names) + "."
        return text


@dataclass
class Assessment:
    questionnaire: str
    version: str
    answers: dict[str, Answer]
    ranking: list[Ranked]
    excluded: list[Excluded]
    ignored: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    sensitivity: Sensitivity | None = None
    package: list[PackageItem] = field(default_factory=list)
    # the questionnaire's questions by id: how each answer is written out (see answers.to_plain)
    questions: dict[str, Question] = field(default_factory=dict, repr=False, compare=False)

    def top_ids(self, n: int = TOP) -> list[str]:
        return [r.id for r in self.ranking if r.rank <= n]

    def plain_answers(self) -> dict[str, str | list[str]]:
        """The answers that count as files and JSON write them (see answers.to_plain)."""
        return {qid: to_plain(self.questions[qid], answer) for qid, answer in self.answers.items()}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "questionnaire": {"id": self.questionnaire, "version": self.version},
            "package": [asdict(p) for p in self.package],
            "ranking": [asdict(r) for r in self.ranking],
            "excluded": [asdict(e) for e in self.excluded],
            "ignored_answers": self.ignored,
            "unanswered": self.unanswered,
        }
        if self.sensitivity is not None:
            data["sensitivity"] = {
                "robust": self.sensitivity.robust,
                "decisive": self.sensitivity.decisive,
                "summary": self.sensitivity.summary(),
                "top": self.sensitivity.top,
                "package": self.sensitivity.package,
                "tried": self.sensitivity.tried,
                "stable": self.sensitivity.stable,
                "changes": [
                    {**asdict(c), "alternative_value": to_plain(self.questions[c.question], c.alternative_value)}
                    for c in self.sensitivity.changes
                ],
            }
        return data
