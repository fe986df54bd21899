"""The recommended package: 3 or 4 complementary instruments from the top of the ranking,
sequenced in phases (pure, deterministic).

1. Candidates are the ten best-ranked instruments whose fit is not weak (all ranked
   instruments when fewer than three qualify).
2. Strong fits are considered before possible ones, each in rank order. The main objective
   (named, or the only one chosen) is covered first: the first pick is the first candidate
   built for it. Each next pick is the candidate that covers most of what is still uncovered
   (the main objective counts three, another chosen objective two, a named bottleneck one);
   on equal cover one built for the main objective, then the earlier candidate. Once three
   are picked, only a candidate that covers something new is added, up to four.
3. Two instruments whose preconditions need contradictory answers (one needs trust to be high,
   the other low) are never in one package.
4. Two instruments of the same kind (:func:`same_kind`: two grant schemes, two bonds...) are
   not in one package unless three picks cannot be reached otherwise.
5. At most two picks are schemes that take years or large sums ("Scale").
6. Where the ground is not laid (low or mixed trust, no diaspora institution with a budget,
   an unorganised diaspora; a scheme that takes years also needs trust and knowledge of the
   diaspora) and no picked instrument lays it, the enabling instrument the lead implementer
   can run that closes most open gaps, then relieves most still-unrelieved named bottlenecks,
   then ranks best, replaces the fourth pick or joins.
7. Phases: "Lay the ground" (the enabling environment: mapping, dialogue, institutions,
   skills and financial literacy), "Scale" (investment schemes that cost over EUR 1
   million, and anything that takes more than three years), "Pilot" (the rest).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .instrument_models import Instrument
from .models import Answer, Condition, Leaf
from .questionnaire_models import Questionnaire
from .vocab import AREAS, BOTTLENECKS, DONT_KNOW, IMPLEMENTERS

PHASES = {1: "Lay the ground", 2: "Pilot", 3: "Scale"}
POOL = 10
SIZE = 4
MAX_SCALE = 2  # schemes that take years or large sums: at most two in one package
# Financial mechanisms an instrument's name announces; two of one kind do the same thing.
KINDS = (
    ("grant", r"\bgrants?\b|\bmatching\b|\bco-financ"),
    ("bond", r"\bbonds?\b"),
    ("guarantee", r"\bguarantees?\b"),
    ("credit", r"\bloans?\b|\bcredit\b|\bcrowdlending\b"),
)


@dataclass(frozen=True)
class PackageItem:
    id: str
    name: str
    phase: int
    phase_name: str
    why: str
    before_start: list[str]
    lead_actors: list[str]


def phase_of(inst: Instrument) -> int:
    if inst.area == "enabling_environment":
        return 1
    if inst.time_to_results == "long" or (inst.cost_level == "high" and inst.area == "investment"):
        return 3
    return 2


def _chosen(answers: Mapping[str, Answer], qid: str) -> list[str]:
    return [v for v in answers.get(qid, ()) if v != DONT_KNOW]


def _leaves(condition: Condition) -> list[Leaf]:
    """The tests on single answers that must all hold for the condition to hold."""
    if isinstance(condition, Leaf):
        return [condition]
    if hasattr(condition, "all"):
        return [leaf for part in condition.all for leaf in _leaves(part)]
    return []


def _allowed(leaf: Leaf, values: list[str]) -> set[str]:
    if leaf.equals is not None:
        return {leaf.equals}
    if leaf.any_of is not None:
        return set(leaf.any_of)
    if leaf.none_of is not None:
        return set(values) - set(leaf.none_of)
    return set(leaf.all_of or []) if len(leaf.all_of or []) == 1 else set()


def conflict(a: Instrument, b: Instrument, questionnaire: Questionnaire) -> bool:
    """Whether two instruments' preconditions need contradictory answers to a single-choice question."""
    for pa in a.preconditions:
        for pb in b.preconditions:
            if pa.check is None or pb.check is None:
                continue
            for la in _leaves(pa.check):
                for lb in _leaves(pb.check):
                    question = questionnaire.question(la.question)
                    if la.question != lb.question or question is None or question.type == "multiple":
                        continue
                    values = [c.value for c in question.choices]
                    if not _allowed(la, values) & _allowed(lb, values):
                        return True
    return False


def _gaps(answers: Mapping[str, Answer]) -> set[str]:
    """The bottlenecks the answers show to be open before anything else can work."""
    gaps = set()
    if {"low", "mixed"} & set(_chosen(answers, "trust")):
        gaps.add("trust")
    if {"none", "unit_without_budget"} & set(_chosen(answers, "institutional_capacity")):
        gaps.add("weak_institutions")
    if "unorganised" in _chosen(answers, "diaspora_organisation"):
        gaps |= {"information", "networks"}
    return gaps


def _main(answers: Mapping[str, Answer], objectives: list[str]) -> str | None:
    """The main objective: the one named as main, or the only one chosen."""
    named = _chosen(answers, "main_objective")
    if named:
        return named[0]
    return objectives[0] if len(objectives) == 1 else None


def _join(items: list[str]) -> str:
    items = [i[0].lower() + i[1:] for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _why(
    inst: Instrument,
    objectives: list[str],
    bottlenecks: list[str],
    phase: int,
    ground: bool,
    gaps: set[str],
    main: str | None = None,
) -> str:
    parts = []
    served = [o for o in objectives if o in inst.serves.main] or [o for o in objectives if o in inst.serves.secondary]
    if main is not None and main in served and len(objectives) > 1:
        others = [o for o in served if o != main]
        text = f"Serves your main aim, {_join([AREAS[main]])}"
        parts.append(text + (f", and {_join([AREAS[o] for o in others])}" if others else ""))
    elif served:
        parts.append(f"Serves your aim of {_join([AREAS[o] for o in served])}")
    relieved = [b for b in bottlenecks if b in inst.addresses]
    if relieved:
        parts.append(f"relieves {_join([BOTTLENECKS[b] for b in relieved])}, which you named")
    closes = [g for g in BOTTLENECKS if g in gaps and g in inst.addresses]
    if not parts and ground and closes:
        return f"It lays the ground the later steps need: it tackles {_join([BOTTLENECKS[g] for g in closes])} first."
    text = "; ".join(parts) if parts else f"One of the best-ranked instruments for {_join([AREAS[inst.area]])}"
    text = text[0].upper() + text[1:] + "."
    if ground and closes:
        text += f" It lays the ground the later steps need: it tackles {_join([BOTTLENECKS[g] for g in closes])} first."
    elif ground:
        text += " It lays the ground the later steps need."
    elif phase == 3:
        text += " It takes years or large sums, so it scales what the earlier steps prove."
    return text


def _before_start(inst: Instrument, unchecked: list[str]) -> list[str]:
    open_first = [p.text for p in inst.preconditions if p.text in unchecked]
    rest = [p.text for p in inst.preconditions if p.text not in unchecked]
    out = [f"{first_sentence(t)} (not confirmed yet)" for t in open_first] + [first_sentence(t) for t in rest]
    return out[:3]


def kind_of(inst: Instrument) -> str | None:
    """The financial mechanism an instrument's name announces (see KINDS), or None."""
    name = inst.name.lower()
    return next((kind for kind, pattern in KINDS if re.search(pattern, name)), None)


def same_kind(a: Instrument, b: Instrument) -> bool:
    """Whether two instruments do the same thing: the same financial mechanism (two grant or
    matching schemes, two bonds, two guarantees, two credit schemes), or built for the same aim
    and area and only for people at one particular stage of migration, before departure, on
    arrival or on return (two schemes for returnees). The settled diaspora is the audience of
    most instruments, so serving only it does not make two alike."""
    kind = kind_of(a)
    if kind is not None and kind == kind_of(b):
        return True
    return (
        str(a.area) == str(b.area)
        and set(a.serves.main) == set(b.serves.main)
        and len(a.stages) == 1
        and list(a.stages) == list(b.stages)
        and a.stages[0] != "long_term"
    )


class Pairs:
    """Whether two instruments conflict (:func:`conflict`) and whether they are of the same kind
    (:func:`same_kind`), worked out once per pair (the sensitivity check asks again and again)."""

    def __init__(self, instruments: Mapping[str, Instrument], questionnaire: Questionnaire) -> None:
        self.instruments = instruments
        self.questionnaire = questionnaire
        self._known: dict[tuple[str, str], tuple[bool, bool]] = {}

    def __call__(self, a: str, b: str) -> tuple[bool, bool]:
        found = self._known.get((a, b))
        if found is None:
            x, y = self.instruments[a], self.instruments[b]
            found = self._known[(a, b)] = (conflict(x, y, self.questionnaire), same_kind(x, y))
        return found


def recommend(
    rows: list[tuple[str, int, str]],
    instruments: Mapping[str, Instrument],
    answers: Mapping[str, Answer],
    questionnaire: Questionnaire,
    unchecked: Mapping[str, list[str]] | None = None,
    pairs: Pairs | None = None,
) -> list[PackageItem]:
    """The package for a ranking given as (id, rank, fit) rows in rank order (``pairs``: a
    :class:`Pairs` of the same instruments, to share between calls)."""
    pair = pairs if pairs is not None else Pairs(instruments, questionnaire)
    # strong fits first, then possible ones; weak ones only when fewer than three remain
    top = [row for row in rows if row[2] != "weak"][:POOL]
    pool = [iid for iid, _, fit in top if fit == "strong"] + [iid for iid, _, fit in top if fit != "strong"]
    if len(pool) < 3:
        pool += [iid for iid, _, _ in rows[:POOL] if iid not in pool]
    if not pool:
        return []
    # ranked beyond the pool, not weak: where a pilot is looked for when the pool has none
    reserve = [iid for iid, _, fit in rows if fit != "weak" and iid not in pool]
    if "under_1y" in _chosen(answers, "time_horizon"):
        # results are due within a year: nothing that usually takes more than three years
        quick = [iid for iid in pool if instruments[iid].time_to_results != "long"]
        if len(quick) >= 3:
            pool = quick
            reserve = [iid for iid in reserve if instruments[iid].time_to_results != "long"]
    objectives = _chosen(answers, "objectives")
    bottlenecks = _chosen(answers, "bottlenecks")
    main = _main(answers, objectives)
    if main is not None and main not in objectives:
        objectives.append(main)  # the package covers the main objective even if it was not ticked
    rank = {iid: r for iid, r, _ in rows}

    def covers(iid: str) -> tuple[set[str], set[str]]:
        inst = instruments[iid]
        return set(objectives) & set(inst.serves.main), set(bottlenecks) & set(inst.addresses)

    def fits_with(iid: str, picked: list[str], alike: bool = False) -> bool:
        """No contradictory conditions with a pick; nor the same kind as one, unless ``alike``."""
        return not any((clash := pair(iid, p))[0] or (not alike and clash[1]) for p in picked)

    # the main objective is covered first: by the best-ranked candidate that serves it and can be
    # piloted (one that takes years or large sums scales what a pilot proves; it comes later)
    serving = [iid for iid in pool if main in instruments[iid].serves.main] or pool[:1]
    first = min(serving, key=lambda i: (phase_of(instruments[i]) == 3, rank[i], pool.index(i)))
    picked = [first]
    got_o, got_b = covers(first)
    while len(picked) < SIZE:
        scaling = sum(phase_of(instruments[i]) == 3 for i in picked)
        best: tuple[int, bool, str] | None = None
        # a second instrument of a kind already picked only when three cannot be reached otherwise
        for alike in (False, True):
            for iid in pool:
                if iid in picked or not fits_with(iid, picked, alike):
                    continue
                if scaling >= MAX_SCALE and phase_of(instruments[iid]) == 3:
                    continue
                o, b = covers(iid)
                gain = sum(3 if x == main else 2 for x in o - got_o) + len(b - got_b)
                # on equal cover, one that serves the main objective, then the earlier candidate
                serves_main = main in instruments[iid].serves.main
                if best is None or (gain, serves_main) > best[:2]:
                    best = (gain, serves_main, iid)
            if best is not None or len(picked) >= 3:
                break
        if best is None or (best[0] == 0 and len(picked) >= 3):
            break
        picked.append(best[2])
        o, b = covers(best[2])
        got_o, got_b = got_o | o, got_b | b
    if not any(phase_of(instruments[i]) == 2 for i in picked):
        # something to pilot: the best candidate that can be, in place of the last pick if need be
        candidates = [*pool, *reserve]
        pilot = next((i for i in candidates if phase_of(instruments[i]) == 2 and fits_with(i, picked[:1])), None)
        if pilot is not None:
            keep = picked if len(picked) < SIZE else picked[:-1]
            picked = [*(i for i in keep if fits_with(pilot, [i])), pilot]
            for iid in pool:  # back to three with what fits the rest, if some pick had to give way
                if len(picked) >= 3:
                    break
                if iid not in picked and fits_with(iid, picked):
                    picked.append(iid)
    ground_id = None
    gaps = _gaps(answers)
    if any(phase_of(instruments[i]) == 3 for i in picked):
        # a scheme that takes years or large sums needs trust and knowledge of the diaspora
        # first (trust before a bond, a mapping before a campaign)
        gaps |= {"trust", "information"}
    if not any(phase_of(instruments[i]) == 1 for i in picked) and gaps:
        # the instrument that lays the ground: one the lead implementer can run that closes most
        # open gaps, then most named bottlenecks nothing picked relieves yet, then the best-ranked
        lead = _chosen(answers, "lead_implementer")
        open_needs = set(bottlenecks) - got_b
        quick_only = "under_1y" in _chosen(answers, "time_horizon")
        ground = [
            iid
            for iid, _, _ in rows
            if phase_of(instruments[iid]) == 1
            and (not lead or lead[0] in instruments[iid].implementers)
            and not (quick_only and instruments[iid].time_to_results == "long")
        ]
        ground.sort(
            key=lambda i: (
                -len(gaps & set(instruments[i].addresses)),
                -len(open_needs & set(instruments[i].addresses)),
                rank[i],
            )
        )
        for iid in ground:
            # the ground step takes the last place, never the only pilot's
            pilots = [i for i in picked if phase_of(instruments[i]) == 2]
            last = next((i for i in reversed(picked) if i != picked[0] and pilots != [i]), picked[-1])
            keep = picked if len(picked) < SIZE else [i for i in picked if i != last]
            if iid not in picked and fits_with(iid, keep):
                picked, ground_id = [*keep, iid], iid
                break
    picked.sort(key=lambda i: (phase_of(instruments[i]), rank[i]))
    lead = _chosen(answers, "lead_implementer")
    out = []
    for iid in picked:
        inst = instruments[iid]
        phase = phase_of(inst)
        leads = sorted(inst.implementers, key=lambda x: (x not in lead, list(IMPLEMENTERS).index(x)))
        out.append(
            PackageItem(
                id=iid,
                name=inst.name,
                phase=phase,
                phase_name=PHASES[phase],
                why=_why(inst, objectives, bottlenecks, phase, iid == ground_id, gaps, main),
                before_start=_before_start(inst, (unchecked or {}).get(iid, [])),
                lead_actors=[IMPLEMENTERS[x] for x in leads],
            )
        )
    return out


@functools.lru_cache(maxsize=4096)
def first_sentence(text: str) -> str:
    """The first sentence of a text (a precondition is often long): up to the first ". " or "; "
    that stands outside brackets, so a list inside brackets is never cut in half."""
    text = " ".join(text.split())
    depth = 0
    for i, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char in ".;" and depth == 0 and text[i + 1 : i + 2] == " ":
            return text[:i] + "."
    return text
