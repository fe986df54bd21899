"""The questionnaire's models: sections, questions, their choices, and the rules by which a
choice moves the instruments a selector picks out.

The validation rules and the shared types come from :mod:`migdev_cli.models`; cross-file checks
(conditions that point at questions, selectors that name instruments) live in :mod:`migdev_cli.catalog`.
"""

from __future__ import annotations

from dataclasses import field, fields
from typing import Annotated, Any, Literal

from . import vocab
from .constraints import CONFIG, Before, Constrained, Described
from .instrument_models import Instrument
from .models import (
    NONEMPTY,
    ChoiceValue,
    Condition,
    Model,
    Points,
    QuestionId,
    ShortText,
    Text,
    Weight,
    model,
)


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
