"""The catalog's instrument models: an instrument with its actors, preconditions, risks,
indicators, examples, evidence and the objectives it serves.

The validation rules and the shared types come from :mod:`migdev_cli.models`; cross-file checks
live in :mod:`migdev_cli.catalog`.
"""

from __future__ import annotations

from dataclasses import field
from typing import Annotated, Literal

from .constraints import CONFIG
from .models import (
    NONEMPTY,
    Actor,
    Area,
    Bottleneck,
    Condition,
    CostLevel,
    EvidenceLevel,
    ExampleKind,
    Implementer,
    Model,
    Objective,
    ProgrammeType,
    Slug,
    Stage,
    TargetGroup,
    Text,
    TimeToResults,
    Year,
    model,
)


@model
class Actors(Model):
    __pydantic_config__ = CONFIG

    origin: list[Actor] = field(default_factory=list)
    destination: list[Actor] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.origin and not self.destination:
            raise ValueError("name at least one actor on the origin or destination side")


@model
class Precondition(Model):
    __pydantic_config__ = CONFIG

    text: Text
    # When the answers make this condition false, the instrument is screened out.
    check: Condition | None = None


@model
class Risk(Model):
    __pydantic_config__ = CONFIG

    risk: Text
    mitigation: Text


@model
class Indicator(Model):
    __pydantic_config__ = CONFIG

    name: Text
    unit: Text
    level: Literal["output", "outcome", "impact"]


@model
class Example(Model):
    __pydantic_config__ = CONFIG

    name: Text
    country: Text
    period: Text
    facts: Annotated[list[Text], NONEMPTY]
    source: Text
    # Were the facts checked against a source other than the document that first reported them?
    facts_checked: bool
    # A documented programme (case), a proposal nobody is reported to have carried out
    # (recommendation), or a design method or guideline (method).
    kind: ExampleKind
    note: Text | None = None


@model
class Study(Model):
    """A study behind an instrument's evidence rating."""

    __pydantic_config__ = CONFIG

    authors: Text
    year: Year
    design: Text
    finding: Text
    source: Text


@model
class Evidence(Model):
    """How well the instrument is shown to work, on the scale in vocab.EVIDENCE_LEVELS.

    Shown beside the score; it never changes the score."""

    __pydantic_config__ = CONFIG

    level: EvidenceLevel
    # Are the programme figures on the sheet reported by the implementer itself?
    self_reported: bool
    studies: list[Study] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.level in ("rigorous", "analogue") and not self.studies:
            raise ValueError(f"evidence level {self.level!r} needs at least one study")


@model
class Serves(Model):
    """The objectives an instrument serves: mainly, and on the side."""

    __pydantic_config__ = CONFIG

    main: Annotated[list[Objective], NONEMPTY]
    secondary: list[Objective] = field(default_factory=list)

    def __post_init__(self) -> None:
        both = sorted(set(self.main) & set(self.secondary))
        if both:
            raise ValueError(f"an objective is either main or secondary, not both: {', '.join(both)}")


@model
class Instrument(Model):
    __pydantic_config__ = CONFIG

    id: Slug
    name: Text
    area: Area
    summary: Text
    objectives: Annotated[list[Text], NONEMPTY]
    steps: Annotated[list[Text], NONEMPTY]
    target_groups: Annotated[list[TargetGroup], NONEMPTY]
    stages: Annotated[list[Stage], NONEMPTY]
    actors: Actors
    preconditions: Annotated[list[Precondition], NONEMPTY]
    programme_types: Annotated[list[ProgrammeType], NONEMPTY]
    cost_level: CostLevel
    time_to_results: TimeToResults
    serves: Serves
    addresses: Annotated[list[Bottleneck], NONEMPTY]
    implementers: Annotated[list[Implementer], NONEMPTY]
    gender: Text | None = None
    risks: Annotated[list[Risk], NONEMPTY]
    indicators: Annotated[list[Indicator], NONEMPTY]
    examples: Annotated[list[Example], NONEMPTY]
    related: list[Slug] = field(default_factory=list)
    sources: list[Text] = field(default_factory=list)
    evidence: Evidence

    def attribute_values(self, attribute: str) -> set[str]:
        """The instrument's values for a selector attribute (see vocab.SELECTOR_VOCABULARIES)."""
        if attribute == "area":
            return {self.area}
        if attribute == "target_group":
            return set(self.target_groups)
        if attribute == "stage":
            return set(self.stages)
        if attribute == "actor":
            return set(self.actors.origin) | set(self.actors.destination)
        if attribute == "origin_actor":
            return set(self.actors.origin)
        if attribute == "destination_actor":
            return set(self.actors.destination)
        if attribute == "programme_type":
            return set(self.programme_types)
        if attribute == "cost_level":
            return {self.cost_level}
        if attribute == "time_to_results":
            return {self.time_to_results}
        if attribute == "serves_main":
            return set(self.serves.main)
        if attribute == "serves":
            return set(self.serves.main) | set(self.serves.secondary)
        if attribute == "serves_secondary":
            return set(self.serves.secondary)
        if attribute == "addresses":
            return set(self.addresses)
        if attribute == "implementer":
            return set(self.implementers)
        if attribute == "works_in":
            sides = (("origin", self.actors.origin), ("destination", self.actors.destination))
            return {side for side, named in sides if named}
        if attribute == "id":
            return {self.id}
        raise KeyError(attribute)
