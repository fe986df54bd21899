"""Problems in a YAML file, in words and with their lines.

Where a field lies in a file (:func:`line_of`, composing the YAML only when a problem has
to be reported), pydantic's errors as ``file:line: field: message`` problems, and the cap
on how many problems one file reports. Touches no file; yaml is imported only to find a
line.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import TYPE_CHECKING, Any

from .errors import Problem
from .escaping import printable, short_repr
from .suggest import did_you_mean

if TYPE_CHECKING:
    import yaml

MAX_PROBLEMS = 100  # problems listed per file; the rest are counted

_BREAK = re.compile(r"\r\n|\r|\n")


@functools.lru_cache(maxsize=4)
def _line_starts(text: str) -> tuple[list[int], int]:
    """Where each line after the first starts, and where the content ends (trailing breaks cut)."""
    return [m.end() for m in _BREAK.finditer(text)], len(text.rstrip("\r\n"))


def line_at(text: str, index: int) -> int:
    """The 1-based line, as an editor counts it (LF, CRLF or CR), of a character index.

    YAML also breaks lines at U+0085, U+2028 and U+2029, so its own line numbers drift from
    the editor's after text pasted with those; marks are converted through their index. An
    index at the end of the file is shown on the last line that has content.
    """
    starts, end = _line_starts(text)
    return bisect.bisect_right(starts, max(0, min(index, end))) + 1


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


@functools.lru_cache(maxsize=4)
def _composed(text: str) -> tuple[yaml.Node | None, dict[int, dict[str, tuple[yaml.Node, yaml.Node]]]]:
    """The node tree of a text, composed once however many problems it has (a file with
    20,000 unknown keys would otherwise compose it 20,000 times), and a per-mapping key index."""
    import yaml

    from .safe_yaml import BaseLoader

    try:
        return yaml.compose(text, Loader=BaseLoader), {}
    except (yaml.YAMLError, RecursionError, UnicodeError):
        return None, {}


def _key_spellings(part: Any) -> set[str]:
    if part is True:
        return {"True", "yes", "Yes", "YES", "true", "TRUE", "on", "On", "ON", "y", "Y"}
    if part is False:
        return {"False", "no", "No", "NO", "false", "FALSE", "off", "Off", "OFF", "n", "N"}
    if part is None:
        return {"None", "~", "null", "Null", "NULL", ""}
    return {str(part)}


def line_of(text: str, path: list[Any]) -> int | None:
    """The 1-based line of the value (or key) at ``path``, composing the YAML on demand."""
    import yaml

    node, index = _composed(text)
    if node is None:
        return None
    line = line_at(text, node.start_mark.index)
    for part in path:
        if isinstance(node, yaml.MappingNode):
            keys = index.get(id(node))
            if keys is None:
                keys = {}
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode):
                        keys.setdefault(key_node.value, (key_node, value_node))
                index[id(node)] = keys
            found = next((keys[k] for k in _key_spellings(part) if k in keys), None)
            if found is None:
                return line
            node = found[1]
            line = line_at(text, found[0].start_mark.index)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = line_at(text, node.start_mark.index)
        else:
            return line
    return line


def field_name(path: list[Any]) -> str:
    out = ""
    for part in path:
        index = isinstance(part, int) and not isinstance(part, bool)
        out += f"[{part}]" if index else (f".{printable(part)}" if out else printable(part))
    return out


def cap_problems(problems: list[Problem], name: str, total: int | None = None) -> list[Problem]:
    """At most MAX_PROBLEMS problems per file, and a last line that counts the rest.

    ``total`` is given when the caller stopped collecting early (then the count is approximate).
    """
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = (total if total is not None else len(problems)) - MAX_PROBLEMS
    about = "about " if total is not None else ""
    last = problems[MAX_PROBLEMS - 1].line
    more = Problem(name, last, "", f"... and {about}{rest:,} more problems in this file (fix these first)")
    return [*problems[:MAX_PROBLEMS], more]


# --------------------------------------------------------------------------- pydantic errors

_IDENTIFIER_RULES = {
    r"^[a-z0-9]+(-[a-z0-9]+)*$": "lower-case letters and digits, words joined by single hyphens",
    r"^[a-z][a-z0-9_]*$": "a lower-case letter, then lower-case letters, digits or _",
    r"^[a-z0-9][a-z0-9_]*$": "lower-case letters, digits or _, not starting with _",
}


def _message(err: dict[str, Any], known_keys: set[str]) -> str:
    kind = err["type"]
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        key = str(err["loc"][-1])
        return f"unknown key {short_repr(key)}{did_you_mean(key, known_keys)}"
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        value = err.get("input")
        return f"unknown value {short_repr(value)}{did_you_mean(str(value), expected)}; allowed: {', '.join(expected)}"
    if kind == "string_pattern_mismatch":
        pattern = str(err.get("ctx", {}).get("pattern", ""))
        rule = _IDENTIFIER_RULES.get(pattern, f"it must match {pattern}")
        return f"{short_repr(err.get('input'))} is not a valid identifier ({rule})"
    if kind == "missing":
        return "required field is missing"
    if kind in ("model_type", "dataclass_type", "dict_type"):
        return f"expected a mapping of keys to values, found {_kind(err.get('input'))}"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def _kind(value: Any) -> str:
    """What a YAML value is, in words."""
    if value is None:
        return "nothing (null or an empty value)"
    if isinstance(value, bool):
        return "true/false"
    names = {"list": "a list", "str": "text", "int": "a number", "float": "a number", "dict": "a mapping"}
    return names.get(type(value).__name__, type(value).__name__)


def model_keys(model: type, seen: set[type] | None = None) -> set[str]:
    """Every field name (or the key it is written under) reachable from a model, for 'did you mean'."""
    import typing

    from .serialize import file_keys

    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    hints = typing.get_type_hints(model)
    keys: set[str] = set()
    for name, key in file_keys(model):
        keys.add(key)
        for sub in _models_in(hints[name]):
            keys |= model_keys(sub, seen)
    return keys


def _models_in(annotation: Any) -> list[type]:
    import dataclasses
    import typing

    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return [annotation]
    out: list[type] = []
    for arg in typing.get_args(annotation):
        out.extend(_models_in(arg))
    return out


def problems_from_validation(exc: Any, data: Any, text: str, name: str, model: type) -> list[Problem]:
    """One problem per pydantic error, with the line of the failing field."""
    known = model_keys(model)
    problems: list[Problem] = []
    seen: set[tuple[int | None, str, str]] = set()
    for err in exc.errors(include_url=False):
        if err["type"] in ("model_type", "dataclass_type") and not err["loc"]:
            problems.append(Problem(name, 1, "", f"expected a mapping of keys to values, found {_kind(data)}"))
            continue
        loc = tuple(err["loc"])
        message = _message(err, known)
        if loc and loc[-1] == "[key]" and not isinstance(err.get("input"), str):
            # a mapping key that is not text; pydantic names it by position or as text
            loc = (*loc[:-2], err.get("input"))
            message = (
                f"the key {short_repr(err.get('input'))} is not text: YAML reads unquoted yes, no, true, "
                "false, on and off as true or false, and null or ~ as nothing; put the key in quotes"
            )
        path = _data_path(loc, data)
        line = line_of(text, path)
        key = (line, field_name(path), message)
        if key not in seen:
            seen.add(key)
            problems.append(Problem(name, line, key[1], key[2]))
            if len(problems) > MAX_PROBLEMS:
                break  # the rest are counted, not looked up
    if len(problems) > MAX_PROBLEMS:
        return cap_problems(problems, name, total=len(exc.errors(include_url=False)))
    return problems
