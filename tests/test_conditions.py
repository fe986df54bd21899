"""The condition language: three-valued evaluation and load-time validation."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from migdev_cli.answers import as_answers
from migdev_cli.conditions import describe, evaluate
from migdev_cli.models import Condition

cond = TypeAdapter(Condition).validate_python


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ({"question": "a", "equals": "x"}, {"a": "x"}, True),
        ({"question": "a", "equals": "x"}, {"a": "y"}, False),
        ({"question": "a", "equals": "x"}, {}, None),
        ({"question": "a", "equals": "x"}, {"a": "dont_know"}, None),
        ({"question": "a", "equals": "dont_know"}, {"a": "dont_know"}, True),
        ({"question": "m", "any_of": ["x", "z"]}, {"m": ["y", "z"]}, True),
        ({"question": "m", "any_of": ["x"]}, {"m": ["y", "z"]}, False),
        ({"question": "m", "all_of": ["y", "z"]}, {"m": ["y", "z", "w"]}, True),
        ({"question": "m", "all_of": ["y", "x"]}, {"m": ["y", "z"]}, False),
        ({"question": "m", "none_of": ["x"]}, {"m": ["y"]}, True),
        ({"question": "m", "none_of": ["y"]}, {"m": ["y"]}, False),
        ({"question": "b", "equals": True}, {"b": "yes"}, True),  # YAML's yes reads as a boolean
        ({"all": [{"question": "a", "equals": "x"}, {"question": "b", "equals": "y"}]}, {"a": "x"}, None),
        ({"all": [{"question": "a", "equals": "x"}, {"question": "b", "equals": "y"}]}, {"a": "z"}, False),
        ({"any": [{"question": "a", "equals": "x"}, {"question": "b", "equals": "y"}]}, {"a": "x"}, True),
        ({"any": [{"question": "a", "equals": "x"}, {"question": "b", "equals": "y"}]}, {"a": "z"}, None),
        ({"not": {"question": "a", "equals": "x"}}, {"a": "x"}, False),
        ({"not": {"question": "a", "equals": "x"}}, {}, None),
    ],
)
def test_evaluate_is_three_valued(condition, answers, expected):
    assert evaluate(cond(condition), as_answers(answers)) is expected


@pytest.mark.parametrize(
    "bad",
    [
        {"question": "a"},  # no operator
        {"question": "a", "equals": "x", "any_of": ["y"]},  # two operators
        {"question": "a", "any_of": []},  # empty list
        {"all": []},
        {"questoin": "a", "equals": "x"},  # misspelt key
        {"question": "a", "equals": "x", "extra": 1},
        "a == x",  # a string expression is not a condition
    ],
)
def test_malformed_conditions_are_rejected(bad):
    with pytest.raises(ValidationError):
        cond(bad)


def test_describe_uses_question_text_and_labels(questionnaire):
    text = describe(cond({"question": "trust", "none_of": ["low"]}), questionnaire)
    assert "trust the origin country" in text
    assert "'Low (for example a diaspora formed by conflict)'" in text
