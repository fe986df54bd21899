"""The models: instruments, questionnaires and answers, as frozen dataclasses.

Their type annotations carry the validation rules (:mod:`migdev_cli.constraints`), which
pydantic reads when a file is validated (:func:`migdev_cli.loader.validate`). Checks
that span several fields run in ``__post_init__``, so they hold for every object, however
it was made. Unknown keys are rejected everywhere (``extra="forbid"``). Allowed values come
from :mod:`migdev_cli.vocab`, so the model, the filters and the questionnaire share them.
Cross-file checks (duplicate ids, references, conditions that point at questions) live in
:mod:`migdev_cli.catalog`, because they need more than one document.

Nothing here imports pydantic: reading validated data back from the cache needs none.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Annotated, Any, Literal

from . import vocab
from .constraints import CONFIG, Before, Constrained, Described, Tagged, with_aliases


class Model:
    """Field-wise equality and a readable repr, written once here rather than generated for
    every class (which makes importing the models, and so every command, slower)."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))  # type: ignore[arg-type]
        return f"{type(self).__name__}({shown})"


if TYPE_CHECKING:  # tells the type checker that @model makes keyword-only frozen dataclasses
    from typing import TypeVar, dataclass_transform

    _C = TypeVar("_C")

    @dataclass_transform(kw_only_default=True, frozen_default=True, eq_default=False)
    def model(cls: type[_C], /) -> type[_C]: ...
else:
    model = dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)

Slug = Annotated[str, Constrained(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
QuestionId = Annotated[str, Constrained(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)]
Text = Annotated[str, Constrained(strip_whitespace=True, min_length=1, max_length=5000)]
ShortText = Annotated[str, Constrained(strip_whitespace=True, min_length=1, max_length=60)]
Points = Annotated[int, Constrained(ge=-2, le=2)]
Weight = Annotated[int, Constrained(ge=0, le=10)]

Area = Literal[tuple(vocab.AREAS)]  # type: ignore[valid-type]
TargetGroup = Literal[tuple(vocab.TARGET_GROUPS)]  # type: ignore[valid-type]
Stage = Literal[tuple(vocab.STAGES)]  # type: ignore[valid-type]
Actor = Literal[tuple(vocab.ACTORS)]  # type: ignore[valid-type]
ProgrammeType = Literal[tuple(vocab.PROGRAMME_TYPES)]  # type: ignore[valid-type]
CostLevel = Literal[tuple(vocab.COST_LEVELS)]  # type: ignore[valid-type]
TimeToResults = Literal[tuple(vocab.TIME_TO_RESULTS)]  # type: ignore[valid-type]
EvidenceLevel = Literal[tuple(vocab.EVIDENCE_LEVELS)]  # type: ignore[valid-type]
ExampleKind = Literal[tuple(vocab.EXAMPLE_KINDS)]  # type: ignore[valid-type]
Objective = Literal[tuple(vocab.OBJECTIVES)]  # type: ignore[valid-type]
Implementer = Literal[tuple(vocab.IMPLEMENTERS)]  # type: ignore[valid-type]
Bottleneck = Literal[tuple(vocab.BOTTLENECKS)]  # type: ignore[valid-type]
Year = Annotated[int, Constrained(ge=1900, le=2100)]

NONEMPTY = Constrained(min_length=1)


def _yes_no(value: Any) -> Any:
    """YAML 1.1 reads ``yes``/``no``/``true`` as booleans; choice values are strings."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def _yes_no_list(value: Any) -> Any:
    return [_yes_no(x) for x in value] if isinstance(value, list) else value


ChoiceValue = Annotated[str, Constrained(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=80), Before(_yes_no)]
ChoiceValues = Annotated[list[ChoiceValue], NONEMPTY, Before(_yes_no_list)]


# --------------------------------------------------------------------------- conditions


@model
class Leaf(Model):
    """A test on one earlier answer. Exactly one operator is given."""

    __pydantic_config__ = CONFIG

    question: QuestionId
    equals: ChoiceValue | None = None
    any_of: ChoiceValues | None = None
    all_of: ChoiceValues | None = None
    none_of: ChoiceValues | None = None

    def __post_init__(self) -> None:
        given = [op for op in ("equals", "any_of", "all_of", "none_of") if getattr(self, op) is not None]
        if len(given) != 1:
            raise ValueError(
                "a condition on a question needs exactly one of equals, any_of, all_of, none_of"
                + (f" (got {', '.join(given)})" if given else "")
            )

    @property
    def values(self) -> list[str]:
        if self.equals is not None:
            return [self.equals]
        return list(self.any_of or self.all_of or self.none_of or [])


@model
class AllOf(Model):
    __pydantic_config__ = CONFIG

    all: Annotated[list[Condition], NONEMPTY]


@model
class AnyOf(Model):
    __pydantic_config__ = CONFIG

    any: Annotated[list[Condition], NONEMPTY]


@model
class Not(Model):
    __pydantic_config__ = CONFIG
    ALIASES = {"not_": "not"}  # the key in the files (``not`` is a Python keyword)

    not_: Condition

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return with_aliases(cls, handler, cls.ALIASES)


def condition_kind(v: Any) -> str | None:
    """Which kind of condition a mapping (or object) is, by its key."""
    if isinstance(v, dict):
        for key in ("all", "any", "not", "question"):
            if key in v:
                return key
        return None
    return {AllOf: "all", AnyOf: "any", Not: "not", Leaf: "question"}.get(type(v))


Condition = Annotated[
    Leaf | AllOf | AnyOf | Not,
    Tagged(
        lambda: {"question": Leaf, "all": AllOf, "any": AnyOf, "not": Not},
        condition_kind,
        "condition",
        "a condition is a mapping with one of: question (plus an operator), all, any, not",
    ),
]

# --------------------------------------------------------------------------- instruments


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


# --------------------------------------------------------------------------- questionnaire


def _one_or_many(v: Any) -> Any:
    return [v] if isinstance(v, str) else v


OneOrMany = Annotated[list[str], NONEMPTY, Before(_one_or_many)]


@model
class Selector(Model):
    """Which instruments a rule applies to. Keys combine with AND; a list means any of."""

    __pydantic_config__ = CONFIG

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
    serves_main: OneOrMany | None = None
    serves: OneOrMany | None = None
    serves_secondary: OneOrMany | None = None
    addresses: OneOrMany | None = None
    implementer: OneOrMany | None = None
    works_in: OneOrMany | None = None

    def __post_init__(self) -> None:
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

    def items(self) -> list[tuple[str, list[str]]]:
        """The attributes this selector tests, with their values."""
        return [(key, values) for key in SELECTOR_KEYS if (values := getattr(self, key)) is not None]

    def matching(self, instruments: list[Instrument]) -> list[Instrument]:
        """The instruments this selector picks out (every tested attribute shares a value)."""
        tests = self.items()
        return [i for i in instruments if all(not i.attribute_values(k).isdisjoint(v) for k, v in tests)]

    def describe(self) -> str:
        parts = []
        for attribute, values in self.items():
            labels = vocab.SELECTOR_VOCABULARIES.get(attribute, {})
            parts.append(" or ".join(labels.get(v, v) for v in values))
        return " and ".join(parts)


SELECTOR_KEYS = tuple(f.name for f in fields(Selector))


@model
class Rule(Model):
    """What choosing an answer does to the instruments a selector picks out."""

    __pydantic_config__ = CONFIG

    match: Selector
    points: Points = 0
    exclude: Text | None = None
    because: Text | None = None

    def __post_init__(self) -> None:
        if self.points == 0 and self.exclude is None:
            raise ValueError("a rule needs non-zero points (-2 to 2) or an exclude reason")
        if self.points != 0 and self.exclude is not None:
            raise ValueError("a rule either gives points or excludes, not both")


@model
class Choice(Model):
    __pydantic_config__ = CONFIG

    value: ChoiceValue
    label: Text
    help: Text | None = None
    # In a multiple question: this choice cannot be combined with others ("None of these").
    exclusive: bool = False
    rules: list[Rule] = field(default_factory=list)


QuestionType = Literal["single", "multiple", "boolean"]
BOOLEAN_CHOICES = ("yes", "no")


@model
class Question(Model):
    __pydantic_config__ = CONFIG

    id: QuestionId
    type: QuestionType
    text: Text
    short: Annotated[ShortText | None, Described("A few words naming the criterion")] = None
    help: Text
    choices: list[Choice] = field(default_factory=list)
    allow_dont_know: bool = False
    required: bool = True
    weight: Weight = 1
    when: Condition | None = None
    max_choices: Annotated[
        int | None, Constrained(ge=1), Described("A multiple question: how many choices may be ticked at most")
    ] = None
    asked_of: Annotated[
        Literal["designer", "stakeholder"],
        Described("Who answers it in a field survey: the programme's designer or every stakeholder"),
    ] = "stakeholder"
    # Points for an instrument that no rule of the chosen answer(s) raises: a mismatch costs
    # as a match earns. ``miss_because`` says why; "{answer}" stands for the answer's label.
    miss: Points = 0
    miss_because: Text | None = None

    def __post_init__(self) -> None:
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
        if self.max_choices is not None and len(values) > self.max_choices:
            return f"choose at most {self.max_choices} (you chose {len(values)})"
        return None

    @property
    def name(self) -> str:
        return self.short or self.text


@model
class Section(Model):
    __pydantic_config__ = CONFIG

    id: QuestionId
    title: Text
    questions: Annotated[list[Question], NONEMPTY]


@model
class Questionnaire(Model):
    __pydantic_config__ = CONFIG

    id: QuestionId
    title: Text
    version: Text
    description: Text | None = None
    sections: Annotated[list[Section], NONEMPTY]
    # Questions of earlier versions that were dropped, each with why: answers to them are
    # read and set aside with a warning, so that older answers files stay readable.
    retired: Annotated[dict[QuestionId, Text], Described("Dropped questions of earlier versions, each with why")] = (
        field(default_factory=dict)
    )

    def __post_init__(self) -> None:
        live = sorted({q.id for q in self.questions} & set(self.retired))
        if live:
            raise ValueError(f"retired question(s) {', '.join(live)} still asked")

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)

    def section_of(self, qid: str) -> Section:
        return next(s for s in self.sections if any(q.id == qid for q in s.questions))


# --------------------------------------------------------------------------- answers

# An answer inside the program: the chosen values, always a tuple (one value for a single or
# boolean question). Files, prompts and survey tables convert at their edge (migdev_cli.answers).
Answer = tuple[str, ...]


@model
class Programme(Model):
    __pydantic_config__ = CONFIG

    name: Text | None = None
    country: Text | None = None
    date: Text | None = None


@model
class AnswersFile(Model):
    """The documented answers file: ``questionnaire``, optional ``programme`` and ``answers``."""

    __pydantic_config__ = CONFIG

    questionnaire: QuestionId
    programme: Programme = field(default_factory=Programme)
    answers: dict[str, Any] = field(default_factory=dict)
