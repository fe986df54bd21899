"""Survey output as JSON written as a stream (the consolidated report document is built in
:mod:`migdev_cli.consolidated_report`).

Each respondent's result is appended to a spool (a temporary file) as it is made, so memory
stays bounded however many respondents a file has; once the whole file has been read without
an error, the document is written: the consolidated figures first, then the spooled
respondents. Nothing reaches the output when the file turns out to have a problem.

* JSON (``--json``): one document, the same keys as always; ``per_respondent`` holds one
  compact object per line.
* JSON Lines (``--jsonl``): the first line is the consolidated result (the JSON document
  without ``per_respondent``), then one line per respondent, in file order.
"""

from __future__ import annotations

import json
import tempfile
from typing import IO, Self

from .consolidate import METHOD, Consolidated
from .escaping import json_safe
from .survey_scoring import Batch


class Spool:
    """One line per respondent, kept in a temporary file until the document is written."""

    def __init__(self) -> None:
        self.file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
        self.count = 0

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lines(self) -> IO[str]:
        self.file.flush()
        self.file.seek(0)
        return self.file


def _string(text: str | None) -> str:
    """``text`` as a JSON string (what json.dumps gives, with json_safe's escapes), quickly for plain text."""
    if text is None:
        return "null"
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json_safe(json.dumps(text, ensure_ascii=False))


class JsonSpool(Spool):
    def add(self, batch: Batch) -> None:
        """One line per respondent of the batch."""
        self.file.writelines(
            [
                f'{{"row": {r.row}, "id": {_string(r.id)}, "stakeholder": {_string(r.stakeholder)}, '
                f'"organisation": {_string(r.organisation)}, {fragment}}}\n'
                for r, fragment in zip(batch.people, batch.json_fragments(), strict=True)
            ]
        )
        self.count += len(batch)


def write_json(result: Consolidated, spool: JsonSpool, out: IO[str], top: int | None = None) -> None:
    """The ``--json`` document (see the module docstring)."""
    head = json.dumps(result.summary(top), indent=2, ensure_ascii=False)
    out.write(json_safe(head[: head.rindex("}")].rstrip()))
    out.write(',\n  "per_respondent": [')
    first = True
    for line in spool.lines():
        out.write(("\n    " if first else ",\n    ") + line.rstrip("\n"))
        first = False
    out.write("\n  ],\n" if not first else "],\n")
    out.write('  "method": ' + json.dumps(METHOD, indent=2).replace("\n", "\n  ") + "\n}\n")


def write_jsonl(result: Consolidated, spool: JsonSpool, out: IO[str], top: int | None = None) -> None:
    """The ``--jsonl`` stream: the consolidated result, then one line per respondent."""
    out.write(json_safe(json.dumps({**result.summary(top), "method": METHOD}, ensure_ascii=False)) + "\n")
    out.writelines(spool.lines())
