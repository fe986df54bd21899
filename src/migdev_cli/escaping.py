"""Making untrusted text safe to show: control characters become visible escapes.

Catalogs, answers and survey exports come from other people. A control character in them
(an escape sequence, a carriage return, a bidirectional override) could rewrite or hide what
the terminal shows, so every such character is shown as ``\\x1b`` or ``\\u202e`` instead.
"""

from __future__ import annotations

import re
from typing import Any

# C0 and C1 controls, DEL, Unicode line/paragraph separators and bidirectional overrides
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: Any, keep: str = "\t\n") -> str:
    """``value`` as text with unsafe characters escaped; characters in ``keep`` stay as they are."""
    text = str(value)
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escape(m), text)


def json_safe(text: str) -> str:
    """JSON text with C1 controls and bidi overrides written as \\u escapes (still valid JSON).

    ``json.dumps`` escapes C0 controls itself, but not these.
    """
    return re.sub(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", lambda m: f"\\u{ord(m.group()):04x}", text)


def printable(value: Any, limit: int = 80) -> str:
    """Text from a data file made safe for an error message: control characters (an escape
    sequence in a key would reach the terminal) shown as \\xNN, and shortened."""
    text = visible(value, keep="")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def short_repr(value: Any, limit: int = 80) -> str:
    """repr() of a value from the data, cut short: a 2 MB value must not fill the terminal."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"
