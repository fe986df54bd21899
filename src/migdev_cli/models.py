"""The models' shared part: the base of every model, the constrained types their fields use, the
conditions (which screen instruments and decide which questions are asked), and the answers file.

The instruments are in :mod:`migdev_cli.instrument_models`, the questionnaire in
:mod:`migdev_cli.questionnaire_models`; all are frozen dataclasses.

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
from .constraints import CONFIG, Before, Constrained, Tagged, with_aliases


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
