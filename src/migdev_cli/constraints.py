"""Validation rules written into the models' type annotations, without importing pydantic.

The models (:mod:`migdev_cli.models`) are plain dataclasses, so the commands that read
validated data from the cache (listing, assessing) never import pydantic, which costs
more than everything else they do. When a file has to be validated, pydantic reads these
annotation objects through its ``__get_pydantic_core_schema__`` hook; only then is
``pydantic_core`` imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Constrained:
    """Limits on a value: ``pattern``, ``min_length``, ``max_length``, ``strip_whitespace``, ``ge``, ``le``.

    They are the keyword names of pydantic-core's string, list and integer schemas.
    """

    def __init__(self, **limits: Any) -> None:
        self.limits = limits

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        schema.update(self.limits)
        return schema

    def __repr__(self) -> str:
        return f"Constrained({', '.join(f'{k}={v!r}' for k, v in self.limits.items())})"


class Before:
    """A function applied to the raw value before it is checked (e.g. YAML's ``yes`` read as True)."""

    def __init__(self, function: Callable[[Any], Any]) -> None:
        self.function = function

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_before_validator_function(self.function, handler(source))


class Tagged:
    """A union whose member is chosen by a function of the raw value, with one clear error otherwise.

    ``choices`` maps each tag to a class, and is called lazily because the classes of a
    recursive union are defined after it.
    """

    def __init__(
        self, choices: Callable[[], dict[str, type]], tag: Callable[[Any], str | None], error: str, message: str
    ) -> None:
        self.choices = choices
        self.tag = tag
        self.error = error
        self.message = message

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.tagged_union_schema(
            {tag: handler.generate_schema(cls) for tag, cls in self.choices().items()},
            discriminator=self.tag,
            custom_error_type=self.error,
            custom_error_message=self.message,
        )


class Described:
    """A description of a field for the JSON Schema (editors show it)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __get_pydantic_json_schema__(self, schema: Any, handler: Any) -> Any:
        out = handler(schema)
        out["description"] = self.text
        return out


def with_aliases(cls: type, handler: Any, aliases: dict[str, str]) -> Any:
    """A dataclass's schema in which fields are read and written under other keys
    (``not`` is a Python keyword, so the field is ``not_``)."""
    schema = handler(cls)
    inner = schema
    while inner.get("type") != "dataclass-args":
        inner = inner["schema"]
    for entry in inner["fields"]:
        if entry["name"] in aliases:
            entry["validation_alias"] = entry["serialization_alias"] = aliases[entry["name"]]
    return schema


# Every model shares these pydantic settings: unknown keys are errors, and numbers are
# accepted where text is expected (YAML reads a version ``1.0`` or a year as a number).
CONFIG = {"extra": "forbid", "coerce_numbers_to_str": True}
