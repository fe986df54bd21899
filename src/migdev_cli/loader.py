"""Safe YAML reading and validation with ``file:line: field: message`` problems.

The happy path is fast: libyaml's C parser with PyYAML's *safe* constructor (no tag
constructs a Python object; see :mod:`migdev_cli.safe_yaml`, imported only when a file is
parsed). Line numbers are looked up only when a problem has to be
reported, by composing the node tree again and following the failing field's path.
"""

from __future__ import annotations

import bisect
import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import DataError, Problem
from .escaping import visible
from .suggest import did_you_mean

if TYPE_CHECKING:
    import yaml

MAX_BYTES = 2_000_000  # one catalog or answers file
MAX_DEPTH = 40  # nesting of mappings and lists
MAX_NODES = 200_000  # values after expanding aliases (an alias bomb has billions)
MAX_PROBLEMS = 100  # problems listed per file; the rest are counted

_BRACKETS = re.compile(r"[\[\]{}]")
# A line whose indentation and compact indicators ("- - - x", "? - x") reach this column may
# nest block collections deeper than the limit; only such files get the exact (slower) check.
_DEEP_INDENT = re.compile(rf"^[ \t?:-]{{{MAX_DEPTH}}}", re.MULTILINE)


_BREAK = re.compile(r"\r\n|\r|\n")
_ODD_BREAK = re.compile("[\u0085\u2028\u2029]")


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


def _mark_line(text: str, mark: Any) -> int | None:
    if mark is None:
        return None
    index = getattr(mark, "index", None)
    return line_at(text, index) if isinstance(index, int) else mark.line + 1


def _flow_too_deep(text: str) -> int | None:
    """Index of the bracket that opens flow nesting beyond the limit, checked before parsing.

    An upper bound: brackets inside quotes and comments count too; the parser's own
    recursion must never see deeper input than this.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return match.start()
        elif depth:
            depth -= 1
    return None


def _block_too_deep(text: str) -> int | None:
    """Index where block nesting exceeds the limit, from the parser's events (no recursion).

    libyaml's composer recurses once per level: "- - - ... x" a million levels deep (2 MB)
    crashes the interpreter, so depth is measured on the event stream first, but only for
    files indented far enough to be able to nest that deep.
    """
    if not _DEEP_INDENT.search(text):
        return None
    import yaml

    from .safe_yaml import BaseLoader

    depth = 0
    try:
        for event in yaml.parse(text, Loader=BaseLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return int(event.start_mark.index)  # type: ignore[union-attr]  # parser events are always marked
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # the real parse reports the syntax error with its line
    return None


def _too_deep(name: str, text: str, index: int | None) -> DataError:
    line = line_at(text, index) if index is not None else 1
    return DataError([Problem(name, line, "", f"nested more than {MAX_DEPTH} levels deep")])


def _expanded_size(data: Any, limit: int) -> tuple[int, int]:
    """(number of values once aliases are expanded, nesting depth), memoised by identity.

    Aliases make the loaded data a graph that shares objects; counting with a memo
    never expands it, so an alias bomb is measured without being built.
    """
    memo: dict[int, tuple[int, int]] = {}

    def walk(obj: Any, depth: int) -> tuple[int, int]:
        if not isinstance(obj, (dict, list)):
            return 1, 0
        if depth > MAX_DEPTH:  # stop descending; the caller sees the depth
            return 1, MAX_DEPTH + 1
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


def read_bytes(path: Path, display: str | None = None) -> bytes:
    """Read a file within the size limit (never more than the limit into memory), or raise DataError."""
    name = display or str(path)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            raw = b"" if size > MAX_BYTES else handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise DataError([Problem(name, None, "", f"cannot read file: {exc.strerror or exc}")]) from None
    if size > MAX_BYTES or len(raw) > MAX_BYTES:  # (or it grew while being read)
        size = max(size, len(raw))
        raise DataError([Problem(name, 1, "", f"file is too large ({size:,} bytes; the limit is {MAX_BYTES:,})")])
    return raw


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 bytes as text (a leading byte-order mark dropped), or raise DataError."""
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


def text_of(source: str | bytes, name: str) -> str:
    """A file's text from its text or its bytes (see decode_text)."""
    return source if isinstance(source, str) else decode_text(source, name)


def read_text(path: Path, display: str | None = None) -> str:
    """Read a file as UTF-8 text within the size limit, or raise DataError."""
    name = display or str(path)
    return decode_text(read_bytes(path, name), name)


def parse_yaml(text: str, name: str) -> Any:
    """Parse one YAML document safely; raise DataError with file:line on any problem."""
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        raise DataError([Problem(name, 1, "", "file is empty")])
    if "\x00" in text:
        line = line_at(text, text.index("\x00"))
        raise DataError([Problem(name, line, "", "binary content (NUL byte) in a YAML file")])
    deep = _flow_too_deep(text)
    if deep is None:
        deep = _block_too_deep(text)
    if deep is not None:
        raise _too_deep(name, text, deep)
    import yaml

    from .safe_yaml import Loader

    try:
        data = yaml.load(text, Loader=Loader)  # noqa: S506 - Loader derives from the safe loader
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (control characters)
        char = chr(exc.character) if isinstance(exc.character, int) else ""
        at = text.find(char) if char else -1
        line = line_at(text, at) if at >= 0 else 1
        code = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "a character"
        raise DataError(
            [
                Problem(
                    name,
                    line,
                    "",
                    f"YAML syntax: unacceptable character {code}: {exc.reason}; "
                    'write it as an escape inside double quotes (e.g. "\\x07")',
                )
            ]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = _mark_line(text, mark)
        message = exc.problem or str(exc)
        if "could not determine a constructor" in message:
            tag = re.findall(r"'([^']+)'", message)
            shown = tag[-1].replace("tag:yaml.org,2002:", "!!") if tag else ""
            message = f"tag {shown} not allowed; only plain YAML values are accepted"
        if exc.context and exc.context not in message and "constructor" not in message:
            opened = _mark_line(text, exc.context_mark) if exc.context.startswith("while") else None
            where = f" that starts on line {opened}" if opened and opened != line else ""
            message = f"{message} ({exc.context}{where})"
        odd = _ODD_BREAK.search(text)
        if odd:  # pasted text: YAML ends a line there, an editor does not
            message += (
                f"; note: line {line_at(text, odd.start())} holds a Unicode line separator "
                f"(U+{ord(odd.group()):04X}), which YAML reads as a line break"
            )
        raise DataError([Problem(name, line, "", f"YAML syntax: {message}")]) from None
    except yaml.YAMLError as exc:
        raise DataError([Problem(name, 1, "", f"YAML syntax: {exc}")]) from None
    except RecursionError:
        raise DataError([Problem(name, 1, "", f"nested more than {MAX_DEPTH} levels deep")]) from None
    except UnicodeError:  # lone surrogates in text that did not come from a UTF-8 file
        raise DataError([Problem(name, 1, "", "not UTF-8 text; save the file as UTF-8")]) from None
    size, depth = _expanded_size(data, MAX_NODES)
    if depth > MAX_DEPTH:
        raise DataError([Problem(name, 1, "", f"nested more than {MAX_DEPTH} levels deep")])
    if size > MAX_NODES:
        raise DataError(
            [
                Problem(
                    name,
                    1,
                    "",
                    f"too many values (over {MAX_NODES:,} once aliases are expanded); refusing to load it",
                )
            ]
        )
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


def printable(value: Any, limit: int = 80) -> str:
    """Text from a data file made safe for an error message: control characters (an escape
    sequence in a key would reach the terminal) shown as \\xNN, and shortened."""
    text = visible(value, keep="")
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


# The identifier patterns of models.py, in words.
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


def short_repr(value: Any, limit: int = 80) -> str:
    """repr() of a value from the data, cut short: a 2 MB value must not fill the terminal."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


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


M = TypeVar("M")


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


@functools.cache
def _adapter(model: type) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(model)


def validate(model: type[M], data: Any, text: str, name: str) -> M:
    """Validate data against a model, or raise DataError naming every problem with its line.

    pydantic is imported here (and for `migdev schema`) only: it is needed only when a file
    is read afresh, not from the cache."""
    from pydantic import ValidationError

    try:
        return _adapter(model).validate_python(data)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise DataError(problems_from_validation(exc, data, text, name, model)) from None
