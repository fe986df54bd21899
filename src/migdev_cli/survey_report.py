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
import pickle
import tempfile
from collections.abc import Iterator
from typing import IO, Self

from .consolidate import METHOD, Consolidated
from .escaping import json_safe
from .survey_scoring import Batch, SurveyScorer


def _string(text: str | None) -> str:
    """``text`` as a JSON string (what json.dumps gives, with json_safe's escapes), quickly for plain text."""
    if text is None:
        return "null"
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json_safe(json.dumps(text, ensure_ascii=False))


class JsonSpool:
    """Every respondent's result, kept in a temporary file until the document is written.

    What is kept is compact (:class:`Compact`: small integer arrays, about a tenth of the text);
    the JSON text is made once, as the document is written."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile("w+b")
        self.count = 0
        self.scorer: SurveyScorer | None = None
        self._strings: dict[str | None, str] = {}  # stakeholder groups and organisations as JSON

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, batch: Batch) -> None:
        """Keep the respondents of one batch."""
        self.scorer = batch.scorer
        people = batch.people
        known = self._strings
        if len(known) > 10_000:
            known.clear()
        for text in {*people.stakeholders, *people.organisations}.difference(known):
            known[text] = _string(text)
        heads = [
            f'"row": {row}, "id": {_string(id_)}, "stakeholder": {known[group]}, "organisation": {known[org]}, '
            for row, id_, group, org in zip(
                people.rows, people.ids, people.stakeholders, people.organisations, strict=True
            )
        ]
        # our own temporary file, read back by this process only
        pickle.dump((heads, batch.compact()), self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += len(batch)

    def texts(self) -> Iterator[str]:
        """The respondents' JSON objects, one per line, a batch at a time, in file order."""
        self.file.flush()
        self.file.seek(0)
        while True:
            try:
                heads, compact = pickle.load(self.file)
            except EOFError:
                return
            assert self.scorer is not None
            yield compact.json_text(self.scorer, heads)


def write_json(result: Consolidated, spool: JsonSpool, out: IO[str], top: int | None = None) -> None:
    """The ``--json`` document (see the module docstring)."""
    head = json.dumps(result.summary(top), indent=2, ensure_ascii=False)
    out.write(json_safe(head[: head.rindex("}")].rstrip()))
    out.write(',\n  "per_respondent": [')
    first = True
    for text in spool.texts():
        out.write(("\n    " if first else ",\n    ") + text[:-1].replace("\n", ",\n    "))
        first = False
    out.write("\n  ],\n" if not first else "],\n")
    out.write('  "method": ' + json.dumps(METHOD, indent=2).replace("\n", "\n  ") + "\n}\n")


def write_jsonl(result: Consolidated, spool: JsonSpool, out: IO[str], top: int | None = None) -> None:
    """The ``--jsonl`` stream: the consolidated result, then one line per respondent."""
    out.write(json_safe(json.dumps({**result.summary(top), "method": METHOD}, ensure_ascii=False)) + "\n")
    out.writelines(spool.texts())
