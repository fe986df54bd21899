"""Loading a catalog or answers file, in one direction: read, look up in the cache, parse,
validate, check, store in the cache.

:func:`load_file` drives it; :mod:`migdev_cli.cache` is only a store. The happy path is
fast: an unchanged file comes from the cache without parsing or validating (nor importing
yaml or pydantic). Otherwise libyaml's C parser runs with PyYAML's *safe* constructor (no
tag constructs a Python object; see :mod:`migdev_cli.safe_yaml`), within limits on size,
nesting and expanded size checked before anything is expanded; line numbers are looked up
only when a problem has to be reported (:mod:`migdev_cli.problems`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import DataError, Problem
from .escaping import printable, short_repr
from .fileio import MAX_BYTES, decode_text, read_bytes, read_text, text_of
from .problems import (
    _IDENTIFIER_RULES,
    MAX_PROBLEMS,
    cap_problems,
    field_name,
    line_at,
    line_of,
    model_keys,
    problems_from_validation,
)

if TYPE_CHECKING:
    from .cache import DocumentCache

# The loader's own names, and those that moved to fileio, problems and escaping (still importable from here).
__all__ = [
    "MAX_BYTES",
    "MAX_CHARS",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_PROBLEMS",
    "_IDENTIFIER_RULES",
    "cap_problems",
    "decode_text",
    "field_name",
    "line_at",
    "line_of",
    "load_file",
    "model_keys",
    "parse_yaml",
    "printable",
    "read_bytes",
    "read_text",
    "read_yaml",
    "short_repr",
    "text_of",
    "validate",
]

MAX_DEPTH = 40  # nesting of mappings and lists
MAX_NODES = 200_000  # values after expanding aliases (an alias bomb has billions)
MAX_CHARS = 4_000_000  # characters of text and keys after expanding aliases (twice the largest file)

_BRACKETS = re.compile(r"[\[\]{}]")
# A line whose indentation and compact indicators ("- - - x", "? - x") reach this column may
# nest block collections deeper than the limit; only such files get the exact (slower) check.
_DEEP_INDENT = re.compile(rf"^[ \t?:-]{{{MAX_DEPTH}}}", re.MULTILINE)
_ODD_BREAK = re.compile("[\u0085\u2028\u2029]")

M = TypeVar("M")


def _mark_line(text: str, mark: Any) -> int | None:
    if mark is None:
        return None
    index = getattr(mark, "index", None)
    return line_at(text, index) if isinstance(index, int) else mark.line + 1


def _may_nest_too_deep(text: str) -> bool:
    """A cheap upper bound, checked before parsing: more than MAX_DEPTH brackets open at once
    (counting those inside quotes and comments), or a line indented far enough to nest
    block collections that deep. Only such files get the exact check (:func:`_too_deep_at`)."""
    if _DEEP_INDENT.search(text):
        return True
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif depth:
            depth -= 1
    return False


def _too_deep_at(text: str) -> int | None:
    """Index where nesting exceeds the limit, from the parser's events (no recursion).

    libyaml's composer recurses once per level: "- - - ... x" or "[[[[...", a million levels
    deep (2 MB), crashes the interpreter, so depth is measured on the event stream first;
    brackets inside quotes and comments are not events, so they do not count.
    """
    import yaml

    from .safe_yaml import BaseLoader

    depth = 0
    try:
        for event in yaml.parse(text, Loader=BaseLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return int(event.start_mark.index) if event.start_mark is not None else 0
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # the real parse reports the syntax error with its line
    return None


def _too_deep(name: str, text: str, index: int | None) -> DataError:
    line = line_at(text, index) if index is not None else 1
    return DataError([Problem(name, line, "", f"nested more than {MAX_DEPTH} levels deep")])


def _expanded_size(data: Any, limit: int, char_limit: int = MAX_CHARS) -> tuple[int, int, int]:
    """(values, nesting depth, characters of text and keys) once aliases are expanded,
    memoised by identity; counting stops soon after a limit is passed.

    Aliases make the loaded data a graph that shares objects; counting with a memo never
    expands it, so an alias bomb (of many values, or of a long text repeated) is measured
    without being built.
    """
    memo: dict[int, tuple[int, int, int]] = {}

    def walk(obj: Any, depth: int) -> tuple[int, int, int]:
        if isinstance(obj, str):
            return 1, 0, len(obj)
        if not isinstance(obj, (dict, list)):
            return 1, 0, 0
        if depth > MAX_DEPTH:  # stop descending; the caller sees the depth
            return 1, MAX_DEPTH + 1, 0
        key = id(obj)
        if key in memo:
            return memo[key]
        items = obj.values() if isinstance(obj, dict) else obj
        total, deepest = 1, 0
        chars = sum(len(k) for k in obj if isinstance(k, str)) if isinstance(obj, dict) else 0
        for item in items:
            size, sub, text = walk(item, depth + 1)
            total += size
            chars += text
            deepest = max(deepest, sub + 1)
            if total > limit or chars > char_limit:
                break
        memo[key] = (total, deepest, chars)
        return total, deepest, chars

    return walk(data, 0)


def parse_yaml(text: str, name: str) -> Any:
    """Parse one YAML document safely; raise DataError with file:line on any problem."""
    if not text.strip() or all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        raise DataError([Problem(name, 1, "", "file is empty")])
    if "\x00" in text:
        line = line_at(text, text.index("\x00"))
        raise DataError([Problem(name, line, "", "binary content (NUL byte) in a YAML file")])
    if _may_nest_too_deep(text):
        deep = _too_deep_at(text)
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
        marked = _mark_line(text, mark)
        message = exc.problem or str(exc)
        if "could not determine a constructor" in message:
            tag = re.findall(r"'([^']+)'", message)
            shown = tag[-1].replace("tag:yaml.org,2002:", "!!") if tag else ""
            message = f"tag {shown} not allowed; only plain YAML values are accepted"
        if exc.context and exc.context not in message and "constructor" not in message:
            opened = _mark_line(text, exc.context_mark) if exc.context.startswith("while") else None
            where = f" that starts on line {opened}" if opened and opened != marked else ""
            message = f"{message} ({exc.context}{where})"
        if mark is not None and text[mark.index : mark.index + 1] == "\t":
            message += "; a tab stands there: YAML indents with spaces only"
        odd = _ODD_BREAK.search(text)
        if odd:  # pasted text: YAML ends a line there, an editor does not
            message += (
                f"; note: line {line_at(text, odd.start())} holds a Unicode line separator "
                f"(U+{ord(odd.group()):04X}), which YAML reads as a line break"
            )
        raise DataError([Problem(name, marked, "", f"YAML syntax: {message}")]) from None
    except yaml.YAMLError as exc:
        raise DataError([Problem(name, 1, "", f"YAML syntax: {exc}")]) from None
    except RecursionError:
        raise DataError([Problem(name, 1, "", f"nested more than {MAX_DEPTH} levels deep")]) from None
    except UnicodeError:  # lone surrogates in text that did not come from a UTF-8 file
        raise DataError([Problem(name, 1, "", "not UTF-8 text; save the file as UTF-8")]) from None
    size, depth, chars = _expanded_size(data, MAX_NODES)
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
    if chars > MAX_CHARS:
        raise DataError(
            [
                Problem(
                    name,
                    1,
                    "",
                    f"too much text (over {MAX_CHARS:,} characters once aliases are expanded); refusing to load it",
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


# --------------------------------------------------------------------------- validation and the driver


@functools.cache
def _adapter(model: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(model)


def validate(model: type[M], data: Any, text: str, name: str) -> M:
    """Validate data against a model, or raise DataError naming every problem with its line.

    pydantic is imported here (and for `migdev schema`) only: it is needed only when a file
    is read afresh, not from the cache."""
    from pydantic import ValidationError

    try:
        adapter = _adapter(model)  # type: ignore[arg-type]  # a model class is hashable
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise DataError(problems_from_validation(exc, data, text, name, model)) from None


Check = Callable[[Any, "str | bytes"], None]


def load_file(
    model: type[M],
    path: Path,
    name: str,
    cache: DocumentCache,
    check: Check | None = None,
    *,
    regular_only: bool = True,
) -> tuple[M, Any, str | bytes]:
    """Read one file; take its validated document from the cache when the file is unchanged,
    otherwise parse and validate it (every problem reported with its line); run ``check``
    (which raises DataError) on the document; and only then keep it in the cache.

    Returns (document, parsed data or None when it came from the cache, source): the source
    is the file's text, or its bytes when it came from the cache (decoded only if needed).
    A document that fails validation or ``check`` is never cached. Only a regular file is
    read, unless ``regular_only`` is False (an answers file may be a pipe)."""
    from .serialize import from_data

    raw = read_bytes(path, name, regular_only=regular_only)
    key = path.name if cache.scope == path else f"{path.parent.name}/{path.name}"
    digest = cache.digest(raw)
    cached = cache.get(key, digest)
    if cached is not None:
        try:
            doc = from_data(model, cached)
        except Exception:  # an entry that does not fit the model: read the file afresh
            doc = None
        if doc is not None:
            if check is not None:
                check(doc, raw)
            cache.keep(key)
            return doc, None, raw
    text = decode_text(raw, name)
    data = parse_yaml(text, name)
    doc = validate(model, data, text, name)
    if check is not None:
        check(doc, text)
    from .serialize import to_data

    cache.put(key, digest, to_data(doc))
    return doc, data, text
