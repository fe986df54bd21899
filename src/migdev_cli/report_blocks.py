"""A report as a list of plain blocks, so that Markdown and Word say exactly the same thing.

The layout modules (:mod:`migdev_cli.report_layout`, :mod:`migdev_cli.consolidated_report`)
turn report data into these blocks; :mod:`migdev_cli.report_markdown` and
:mod:`migdev_cli.report_docx` render them. Every string in a block is data: renderers
escape it. Inline emphasis is carried as runs, never as markup inside the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Style = Literal["", "bold", "italic", "code"]
Run = tuple[Style, str]
Inline = str | list[Run]


def runs(value: Inline) -> list[Run]:
    """Plain text or runs, as runs."""
    return [("", value)] if isinstance(value, str) else list(value)


def plain_text(value: Inline) -> str:
    return "".join(text for _, text in runs(value))


@dataclass(frozen=True)
class Heading:
    level: int  # 0 is the title
    text: str


@dataclass(frozen=True)
class Paragraph:
    content: Inline
    small: bool = False  # footnotes and the like


@dataclass(frozen=True)
class ListBlock:
    items: list[Inline]
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    align: list[str] = field(default_factory=list)  # "l" or "r" per column
    # Columns that must keep their words whole (names, numbers); others wrap freely.
    narrow: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Picture:
    """The ranking chart. ``file`` is the PNG's name beside a Markdown report."""

    caption: str
    png: bytes | None = None
    file: str | None = None


@dataclass(frozen=True)
class PageBreak:
    """Where the annex starts: a page break in Word, nothing in Markdown."""


Block = Heading | Paragraph | ListBlock | Table | Picture | PageBreak

_WORD = re.compile(r"\S+")


def block_words(block: Block) -> int:
    """Words a reader sees in one block (table cells and headers included)."""
    if isinstance(block, Heading):
        texts = [block.text]
    elif isinstance(block, Paragraph):
        texts = [plain_text(block.content)]
    elif isinstance(block, ListBlock):
        texts = [plain_text(i) for i in block.items]
    elif isinstance(block, Table):
        texts = block.header + [cell for row in block.rows for cell in row]
    elif isinstance(block, Picture):
        texts = [block.caption]
    else:
        texts = []
    return sum(len(_WORD.findall(t)) for t in texts)


def main_part(blocks: list[Block]) -> list[Block]:
    """The blocks before the annex's page break (all of them when there is none)."""
    for n, block in enumerate(blocks):
        if isinstance(block, PageBreak):
            return blocks[:n]
    return blocks


def words(blocks: list[Block]) -> int:
    return sum(block_words(b) for b in blocks)
