"""Pydantic models for instruments, questionnaires and answers.

Unknown keys are rejected everywhere (``extra="forbid"``). Allowed values come from
:mod:`migdev_cli.vocab`, so the model, the filters and the questionnaire share them.
Cross-file checks (duplicate ids, references, conditions that point at questions)
live in :mod:`migdev_cli.loader`, because they need more than one document.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)

from . import vocab

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
QuestionId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)]
ChoiceValue = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]

Area = Literal[tuple(vocab.AREAS)]  # type: ignore[valid-type]
TargetGroup = Literal[tuple(vocab.TARGET_GROUPS)]  # type: ignore[valid-type]
Stage = Literal[tuple(vocab.STAGES)]  # type: ignore[valid-type]
Actor = Literal[tuple(vocab.ACTORS)]  # type: ignore[valid-type]
ProgrammeType = Literal[tuple(vocab.PROGRAMME_TYPES)]  # type: ignore[valid-type]
CostLevel = Literal[tuple(vocab.COST_LEVELS)]  # type: ignore[valid-type]
TimeToResults = Literal[tuple(vocab.TIME_TO_RESULTS)]  # type: ignore[valid-type]


def _yes_no(value: Any) -> Any:
    """YAML 1.1 reads ``yes``/``no``/``true`` as booleans; choice values are strings."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


# --------------------------------------------------------------------------- conditions


class Leaf(Strict):
    """A test on one earlier answer. Exactly one operator is given."""

    question: QuestionId
    equals: ChoiceValue | None = None
    any_of: list[ChoiceValue] | None = Field(default=None, min_length=1)
    all_of: list[ChoiceValue] | None = Field(default=None, min_length=1)
    none_of: list[ChoiceValue] | None = Field(default=None, min_length=1)

    @field_validator("equals", mode="before")
    @classmethod
    def _equals_bool(cls, v: Any) -> Any:
        return _yes_no(v)

    @field_validator("any_of", "all_of", "none_of", mode="before")
    @classmethod
    def _list_bool(cls, v: Any) -> Any:
        return [_yes_no(x) for x in v] if isinstance(v, list) else v

    @model_validator(mode="after")
    def _one_operator(self) -> Leaf:
        given = [op for op in ("equals", "any_of", "all_of", "none_of") if getattr(self, op) is not None]
        if len(given) != 1:
            raise ValueError(
                "a condition on a question needs exactly one of equals, any_of, all_of, none_of"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    @property
    def values(self) -> list[str]:
        if self.equals is not None:
            return [self.equals]
        return list(self.any_of or self.all_of or self.none_of or [])


class AllOf(Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(Strict):
    any: list[Condition] = Field(min_length=1)


class Not(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, coerce_numbers_to_str=True)
    not_: Condition = Field(alias="not")


def _condition_kind(v: Any) -> str | None:
    if isinstance(v, dict):
        for key in ("all", "any", "not", "question"):
            if key in v:
                return key
        return None
    if isinstance(v, BaseModel):
        return {AllOf: "all", AnyOf: "any", Not: "not", Leaf: "question"}.get(type(v))
    return None


Condition = Annotated[
    Annotated[Leaf, Tag("question")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Not, Tag("not")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping with one of: question (plus an operator), all, any, not",
    ),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()

# --------------------------------------------------------------------------- instruments


class Actors(Strict):
    origin: list[Actor] = Field(default_factory=list)
    destination: list[Actor] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some(self) -> Actors:
        if not self.origin and not self.destination:
            raise ValueError("name at least one actor on the origin or destination side")
        return self


class Precondition(Strict):
    text: Text
    # When the answers make this condition false, the instrument is screened out.
    check: Condition | None = None


class Risk(Strict):
    risk: Text
    mitigation: Text


class Indicator(Strict):
    name: Text
    unit: Text
    level: Literal["output", "outcome", "impact"]


class Example(Strict):
    name: Text
    country: Text
    period: Text
    facts: list[Text] = Field(min_length=1)
    source: Text
    verified: bool
    note: Text | None = None


class Instrument(Strict):
    id: Slug
    name: Text
    area: Area
    summary: Text
    objectives: list[Text] = Field(min_length=1)
    steps: list[Text] = Field(min_length=1)
    target_groups: list[TargetGroup] = Field(min_length=1)
    stages: list[Stage] = Field(min_length=1)
    actors: Actors
    preconditions: list[Precondition] = Field(min_length=1)
    programme_types: list[ProgrammeType] = Field(min_length=1)
    cost_level: CostLevel
    time_to_results: TimeToResults
    gender: Text | None = None
    risks: list[Risk] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)
    examples: list[Example] = Field(min_length=1)
    related: list[Slug] = Field(default_factory=list)
    sources: list[Text] = Field(default_factory=list)

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
        if attribute == "id":
            return {self.id}
        raise KeyError(attribute)


# --------------------------------------------------------------------------- questionnaire


def _one_or_many(v: Any) -> Any:
    return [v] if isinstance(v, str) else v


OneOrMany = Annotated[list[str], Field(min_length=1)]


class Selector(Strict):
    """Which instruments a rule applies to. Keys combine with AND; a list means any of."""

    id: OneOrMany | None = None
    area: OneOrMany | None = None
    target_group: OneOrMany | None = None
    stage: OneOrMany | None = None
    actor: OneOrMany | None = None
    origin_actor: OneOrMany | None = None
    destination_actor: OneOrMany | None = None
    programme_type: OneOrMany | None = None
    cost_level: OneOrMany | None = None
    time_to_results: OneOrMany | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return _one_or_many(v)

    @model_validator(mode="after")
    def _check_values(self) -> Selector:
        given = self.items()
        if not given:
            raise ValueError("a selector needs at least one of: id, " + ", ".join(vocab.SELECTOR_VOCABULARIES))
        for attribute, values in given:
            allowed = vocab.SELECTOR_VOCABULARIES.get(attribute)
            if allowed is None:
                continue
            for value in values:
                if value not in allowed:
                    from .suggest import did_you_mean

                    raise ValueError(
                        f"unknown {attribute} {value!r}{did_you_mean(value, allowed)}; allowed: {', '.join(allowed)}"
                    )
        return self

    def items(self) -> list[tuple[str, list[str]]]:
        return [(k, v) for k, v in self.__dict__.items() if v is not None]

    def matches(self, instrument: Instrument) -> bool:
        return all(instrument.attribute_values(k) & set(v) for k, v in self.items())

    def describe(self) -> str:
        parts = []
        for attribute, values in self.items():
            labels = vocab.SELECTOR_VOCABULARIES.get(attribute, {})
            parts.append(" or ".join(labels.get(v, v) for v in values))
        return " and ".join(parts)


class Rule(Strict):
    """What choosing an answer does to the instruments a selector picks out."""

    match: Selector
    points: int = Field(default=0, ge=-2, le=2)
    exclude: Text | None = None
    because: Text | None = None

    @model_validator(mode="after")
    def _does_something(self) -> Rule:
        if self.points == 0 and self.exclude is None:
            raise ValueError("a rule needs non-zero points (-2 to 2) or an exclude reason")
        if self.points != 0 and self.exclude is not None:
            raise ValueError("a rule either gives points or excludes, not both")
        return self


class Choice(Strict):
    value: ChoiceValue
    label: Text
    help: Text | None = None
    # In a multiple question: this choice cannot be combined with others ("None of these").
    exclusive: bool = False
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("value", mode="before")
    @classmethod
    def _value_bool(cls, v: Any) -> Any:
        return _yes_no(v)


QuestionType = Literal["single", "multiple", "boolean"]
BOOLEAN_CHOICES = ("yes", "no")


class Question(Strict):
    id: QuestionId
    type: QuestionType
    text: Text
    short: Text | None = Field(default=None, max_length=60, description="A few words naming the criterion")
    help: Text
    choices: list[Choice] = Field(default_factory=list)
    allow_dont_know: bool = False
    required: bool = True
    weight: int = Field(default=1, ge=0, le=5)
    when: Condition | None = None

    @model_validator(mode="after")
    def _choices(self) -> Question:
        values = [c.value for c in self.choices]
        if self.type == "boolean":
            extra = [v for v in values if v not in BOOLEAN_CHOICES]
            if extra:
                raise ValueError(f"a boolean question's choices are yes and no, not {', '.join(extra)}")
            given = {c.value: c for c in self.choices}
            filled = [given.get(v) or Choice(value=v, label=v.capitalize()) for v in BOOLEAN_CHOICES]
            object.__setattr__(self, "choices", filled)
        elif len(self.choices) < 2:
            raise ValueError(f"a {self.type} question needs at least two choices")
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            raise ValueError(f"duplicate choice value {', '.join(dupes)}")
        if vocab.DONT_KNOW in values:
            raise ValueError(f"{vocab.DONT_KNOW!r} is reserved; set allow_dont_know: true instead")
        return self

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    def label_of(self, value: str) -> str:
        if value == vocab.DONT_KNOW:
            return vocab.DONT_KNOW_LABEL
        choice = self.choice(value)
        return choice.label if choice else value

    @property
    def values(self) -> list[str]:
        return [c.value for c in self.choices] + ([vocab.DONT_KNOW] if self.allow_dont_know else [])

    @property
    def exclusive_values(self) -> list[str]:
        """Values that must be chosen alone in a multiple question (including "don't know")."""
        if self.type != "multiple":
            return []
        return [c.value for c in self.choices if c.exclusive] + ([vocab.DONT_KNOW] if self.allow_dont_know else [])

    def combination_error(self, values: list[str]) -> str | None:
        """Why these values cannot be chosen together, or None."""
        alone = [v for v in values if v in self.exclusive_values]
        if alone and len(values) > 1:
            return f"'{self.label_of(alone[0])}' cannot be combined with other choices"
        return None

    @property
    def name(self) -> str:
        return self.short or self.text


class Section(Strict):
    id: QuestionId
    title: Text
    questions: list[Question] = Field(min_length=1)


class Questionnaire(Strict):
    id: QuestionId
    title: Text
    version: Text
    description: Text | None = None
    sections: list[Section] = Field(min_length=1)

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)

    def section_of(self, qid: str) -> Section:
        return next(s for s in self.sections if any(q.id == qid for q in s.questions))


# --------------------------------------------------------------------------- answers

AnswerValue = str | list[str]


class Programme(Strict):
    name: Text | None = None
    country: Text | None = None
    date: Text | None = None


class AnswersFile(Strict):
    """The documented answers file: ``questionnaire``, optional ``programme`` and ``answers``."""

    questionnaire: QuestionId
    programme: Programme = Field(default_factory=Programme)
    answers: dict[str, Any] = Field(default_factory=dict)
