"""Models to plain data (JSON types) and back, without pydantic.

:func:`to_data` gives what ``--json`` prints and what the cache keeps; :func:`from_data`
rebuilds the objects from data that was validated before (the cache). It trusts the
shape of that data and does not check text limits again; the models' ``__post_init__``
checks still run. Data from a user's file goes through :func:`migdev_cli.loader.validate`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

from .constraints import Tagged

T = TypeVar("T")
Convert = Callable[[Any], Any]

_KEYS: dict[type, tuple[tuple[str, str], ...]] = {}  # class -> (field name, key in the data)
_BUILDERS: dict[type, tuple[tuple[str, str, Convert | None], ...]] = {}


def file_keys(cls: type) -> tuple[tuple[str, str], ...]:
    """Each field of a model with the key it is written under in files (``not_`` is ``not``)."""
    keys = _KEYS.get(cls)
    if keys is None:
        aliases = getattr(cls, "ALIASES", {})
        keys = _KEYS[cls] = tuple((f.name, aliases.get(f.name, f.name)) for f in dataclasses.fields(cls))
    return keys


def to_data(value: Any, *, exclude_none: bool = False) -> Any:
    """A model (or a list or dict of them) as JSON-ready data, fields under their file keys."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for name, key in file_keys(type(value)):
            item = getattr(value, name)
            if item is None and exclude_none:
                continue
            out[key] = to_data(item, exclude_none=exclude_none)
        return out
    if isinstance(value, list | tuple):
        return [to_data(v, exclude_none=exclude_none) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v, exclude_none=exclude_none) for k, v in value.items()}
    return value


def from_data(cls: type[T], data: Any) -> T:
    """Rebuild a model from :func:`to_data` output. Raises TypeError, KeyError or ValueError
    when the data does not fit (a damaged cache): the caller then validates afresh."""
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__}: expected a mapping")
    builder = _BUILDERS.get(cls) or _compile(cls)
    kwargs = {}
    for name, key, convert in builder:
        if key in data:
            item = data[key]
            kwargs[name] = item if convert is None or item is None else convert(item)
    if len(kwargs) != len(data):
        raise KeyError(f"{cls.__name__}: unexpected keys")
    return cls(**kwargs)


def _compile(cls: type) -> tuple[tuple[str, str, Convert | None], ...]:
    hints = typing.get_type_hints(cls, include_extras=True)
    builder = tuple((name, key, _converter(hints[name])) for name, key in file_keys(cls))
    _BUILDERS[cls] = builder
    return builder


def _converter(annotation: Any) -> Convert | None:
    """How to rebuild a value of this type from plain data; None when it is plain already."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        for meta in annotation.__metadata__:
            if isinstance(meta, Tagged):
                choices, tag = meta.choices(), meta.tag
                return lambda v: from_data(choices[tag(v)], v)  # type: ignore[index]
        return _converter(annotation.__origin__)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"cannot rebuild an untagged union {annotation!r}")
        return _converter(members[0])  # None is passed through by the caller
    if origin is list:
        inner = _converter(typing.get_args(annotation)[0])
        return None if inner is None else (lambda v: [inner(x) for x in v])
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return lambda v: from_data(annotation, v)
    return None  # str, int, bool, Literal, dict[str, Any]: plain data already
