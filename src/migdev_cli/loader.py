"""Safe YAML reading and validation with ``file:line: field: message`` problems.

The happy path is fast: libyaml's C parser with PyYAML's *safe* constructor (no tag
constructs a Python object). Line numbers are looked up only when a problem has to be
reported, by composing the node tree again and following the failing field's path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import DataError, Problem
from .suggest import did_you_mean

MAX_BYTES = 2_000_000  # one catalog or answers file
MAX_DEPTH = 40  # nesting of mappings and lists
MAX_NODES = 200_000  # values after expanding aliases (an alias bomb has billions)

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that refuses duplicate keys and keeps dates as text."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                ) from None
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (first defined on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _refuse(loader: yaml.BaseLoader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None, f"could not determine a constructor for the tag {node.tag!r}", node.start_mark
    )


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _BaseLoader.construct_yaml_str)
# Sets, ordered maps and binary are legal safe YAML but mean nothing in our files.
for _tag in ("set", "omap", "pairs", "binary"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse)

_FLOW_OPEN = re.compile(r"[\[{]")


def _flow_depth(text: str) -> int:
    """Cheap upper bound of flow-style nesting, checked before the parser sees the text."""
    depth = best = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
    return best


def _expanded_size(data: Any, limit: int) -> tuple[int, int]:
    """(number of values once aliases are expanded, nesting depth), memoised by identity.

    Aliases make the loaded data a graph that shares objects; counting with a memo
    never expands it, so an alias bomb is measured without being built.
    """
    memo: dict[int, tuple[int, int]] = {}

    def walk(obj: Any, depth: int) -> tuple[int, int]:
        if depth > MAX_DEPTH:
            return limit + 1, depth
        if not isinstance(obj, (dict, list)):
            return 1, 0
        key = id(obj)
        if key in memo:
            return memo[key]
        items = obj.values() if isinstance(obj, dict) else obj
        total, deepest = 1, 0
        for item in items:
            size, sub = walk(item, depth + 1)
            total += size
            deepest = max(deepest, sub + 1)
            if total > limit:
                break
        memo[key] = (total, deepest)
        return total, deepest

    return walk(data, 0)


def read_text(path: Path, display: str | None = None) -> str:
    """Read a file as UTF-8 text within the size limit, or raise DataError."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DataError(
                [Problem(name, None, "", f"file is too large ({size:,} bytes; the limit is {MAX_BYTES:,})")]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError([Problem(name, None, "", f"cannot read file: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError(
            [Problem(name, line, "", f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")]
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def parse_yaml(text: str, name: str) -> Any:
    """Parse one YAML document safely; raise DataError with file:line on any problem."""
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        raise DataError([Problem(name, 1, "", "file is empty")])
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DataError([Problem(name, line, "", "binary content (NUL byte) in a YAML file")])
    if _flow_depth(text) > MAX_DEPTH:
        raise DataError([Problem(name, 1, "", f"nested more than {MAX_DEPTH} levels deep")])
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from the safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = exc.problem or str(exc)
        if "could not determine a constructor" in message:
            tag = re.findall(r"'([^']+)'", message)
            message = f"tag {tag[-1] if tag else ''} not allowed; only plain YAML values are accepted"
        if exc.context and exc.context not in message and "constructor" not in message:
            message = f"{message} ({exc.context})"
        raise DataError([Problem(name, line, "", f"YAML syntax: {message}")]) from None
    except yaml.YAMLError as exc:
        raise DataError([Problem(name, None, "", f"YAML syntax: {exc}")]) from None
    except RecursionError:
        raise DataError([Problem(name, 1, "", f"nested more than {MAX_DEPTH} levels deep")]) from None
    size, depth = _expanded_size(data, MAX_NODES)
    if size > MAX_NODES:
        raise DataError(
            [
                Problem(
                    name,
                    1,
                    "",
                    f"too many values (over {MAX_NODES:,} once aliases are expanded, or nested over "
                    f"{MAX_DEPTH} levels); refusing to load it",
                )
            ]
        )
    if depth > MAX_DEPTH:
        raise DataError([Problem(name, 1, "", f"nested more than {MAX_DEPTH} levels deep")])
    if data is None:
        raise DataError([Problem(name, 1, "", "file is empty")])
    return data


def read_yaml(path: Path, display: str | None = None) -> tuple[Any, str]:
    """Read and parse a YAML file; returns (data, text)."""
    name = display or str(path)
    text = read_text(path, name)
    return parse_yaml(text, name), text


# --------------------------------------------------------------------------- line lookup

_CONDITION_TAGS = {"question", "all", "any", "not"}


def _data_path(loc: tuple[Any, ...], data: Any) -> list[Any]:
    """Turn a pydantic error location into a path through the YAML data.

    Discriminated unions add their tag to the location; tags are dropped when they
    do not name a step through the data.
    """
    path: list[Any] = []
    current = data
    for i, part in enumerate(loc):
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if (
            isinstance(part, str)
            and part in _CONDITION_TAGS
            and isinstance(current, dict)
            and (nxt is None or nxt == part or nxt in current)
        ):
            continue
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
        else:
            path.append(part)
            break
        path.append(part)
    return path


def line_of(text: str, path: list[Any]) -> int | None:
    """The 1-based line of the value (or key) at ``path``, composing the YAML on demand."""
    try:
        node = yaml.compose(text, Loader=_BaseLoader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part) or (part is True and key_node.value in ("yes", "true")):
                    node = value_node
                    line = key_node.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def field_name(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(err: dict[str, Any], known_keys: set[str]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        return f"unknown key {key!r}{did_you_mean(key, known_keys)}"
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        value = err.get("input")
        return f"unknown value {value!r}{did_you_mean(str(value), expected)}; allowed: {', '.join(expected)}"
    if kind == "string_pattern_mismatch":
        return f"{err.get('input')!r} is not a valid identifier (lower-case letters, digits, - or _)"
    if kind == "missing":
        return "required field is missing"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def model_keys(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every field name (and alias) reachable from a model, for 'did you mean'."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        keys.add(field.alias or name)
        for sub in _models_in(field.annotation):
            keys |= model_keys(sub, seen)
    return keys


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out.extend(_models_in(arg))
    return out


M = TypeVar("M", bound=BaseModel)


def problems_from_validation(
    exc: ValidationError, data: Any, text: str, name: str, model: type[BaseModel]
) -> list[Problem]:
    known = model_keys(model)
    problems: list[Problem] = []
    seen: set[tuple[int | None, str, str]] = set()
    for err in exc.errors(include_url=False):
        if err["type"] == "model_type" and not err["loc"]:
            kind = type(data).__name__
            kind = {"list": "a list", "str": "text", "int": "a number"}.get(kind, kind)
            problems.append(Problem(name, 1, "", f"expected a mapping of keys to values, found {kind}"))
            continue
        path = _data_path(tuple(err["loc"]), data)
        line = line_of(text, path)
        key = (line, field_name(path), _message(err, known))
        if key not in seen:
            seen.add(key)
            problems.append(Problem(name, line, key[1], key[2]))
    return problems


def validate(model: type[M], data: Any, text: str, name: str) -> M:
    """Validate data against a model, or raise DataError naming every problem with its line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise DataError(problems_from_validation(exc, data, text, name, model)) from None


def load_model(model: type[M], path: Path, display: str | None = None) -> tuple[M, Any, str]:
    """Read, parse and validate one file; returns (model, raw data, text)."""
    name = display or str(path)
    data, text = read_yaml(path, name)
    return validate(model, data, text, name), data, text
