"""The words the report uses: the labels of levels, phases, fit bands, evidence, costs and
implementers, and short prose from longer text (a first clause, a joined list)."""

from __future__ import annotations

from . import vocab
from .package import first_sentence

LEVELS = {"output": "Output", "outcome": "Outcome", "impact": "Impact"}
PHASES = {1: "Lay the ground", 2: "Pilot", 3: "Scale"}
FIT_LABELS = {"strong": "Strong fit", "possible": "Possible fit", "weak": "Weak fit"}
# The evidence scale (vocab.EVIDENCE_LEVELS) and short names for tables.
EVIDENCE_LABELS: dict[str, str] = vocab.EVIDENCE_LEVELS
EVIDENCE_SHORT = {"rigorous": "Rigorous", "analogue": "Analogue", "monitoring": "Monitoring", "anecdotal": "Anecdotal"}
COST_ORDER = list(vocab.COST_LEVELS)
TIME_ORDER = list(vocab.TIME_TO_RESULTS)
# Who can lead an instrument.
IMPLEMENTER_LABELS: dict[str, str] = vocab.IMPLEMENTERS


def label(vocabulary: dict[str, str], value: str) -> dict[str, str]:
    """A vocabulary value with its label, as the JSON report gives it."""
    return {"value": value, "label": vocabulary.get(value, value)}


def lower_first(text: str) -> str:
    """'Designed for: X.' -> 'designed for: X' (acronyms such as 'IOM' keep their case)."""
    text = text.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and (text[1].islower() or (text[0] == "A" and text[1] == " ")):
        return text[0].lower() + text[1:]
    return text


def brief(text: str, limit: int = 22) -> str:
    """The first sentence, cut at its first clause (or at ``limit`` words, marked …) when long."""
    sentence = first_sentence(text).rstrip(".")
    if len(sentence.split()) <= limit:
        return sentence
    for mark in (";", ":", " – ", " — ", ","):
        parts = sentence.split(mark)
        for n in range(1, len(parts)):
            head = mark.join(parts[:n])
            if head.count("(") != head.count(")"):
                continue  # the mark stands inside brackets: cutting there would leave one open
            words = len(head.split())
            if words > limit:
                break  # longer clauses only get longer
            if words >= 5:
                return head
    if len(sentence.split()) <= 2 * limit:  # no clause to stop at: the whole sentence, never half of one
        return sentence
    return " ".join(sentence.split()[:limit]) + "…"


def join_words(items: list[str], last: str = "and") -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def actor_label(value: str) -> str:
    """The label of an implementer or an actor."""
    for vocabulary in (IMPLEMENTER_LABELS, vocab.ACTORS):
        if value in vocabulary:
            return vocabulary[value]
    return value


_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def counted(n: int) -> str:
    """A small count in words, as a sentence may start with it ("Two of the four ..."); figures from 11."""
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else f"{n:,}"
