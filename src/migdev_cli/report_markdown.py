"""Report blocks as CommonMark with GFM tables.

Every piece of catalog or answer text goes through :func:`md_inline`, so no text can break
a table, start a list, open emphasis or a code span, or inject HTML. Emphasis comes only
from the blocks' runs, never from the text.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from .escaping import visible
from .report_blocks import Block, Heading, Inline, ListBlock, PageBreak, Paragraph, Picture, Table, runs

_SPACE = re.compile(r"\s+")
# Characters that are markup somewhere in CommonMark, GFM or pandoc's Markdown, escaped
# wherever they occur. Any ASCII punctuation may be backslash-escaped in CommonMark.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$^{}])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# A block marker at the start: ordered or bullet list item, thematic break, setext underline.
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?= |$)")
_BULLET = re.compile(r"^([-+])(?=[ -]|$)|^(=)")


def md_inline(value: Any) -> str:
    """Any text as inline Markdown that renders literally, on one line.

    Control characters are made visible (``\\x07``), every run of whitespace (including
    newlines) becomes one space, markup characters and ``|`` are backslash-escaped, entity
    references are disarmed, and a leading list, quote or heading marker is escaped. The
    result is safe in a paragraph, a list item, a heading and a GFM table cell.
    """
    text = visible(value, keep="\t\n\r")
    text = _SPACE.sub(" ", text).strip()
    text = _SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _ORDERED.sub(r"\1\\\2", text)
    return _BULLET.sub(lambda m: "\\" + m.group(), text)


def md_table(header: list[str], rows: list[list[Any]], align: list[str] | None = None) -> list[str]:
    """A GFM table; every cell is data and is escaped (header labels are ours)."""
    align = align or ["l"] * len(header)
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---:" if a == "r" else "---" for a in align) + " |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(md_inline(cell) for cell in row) + " |")
    return lines


_MARK = {"bold": "**", "italic": "*", "code": "`"}


def md_runs(value: Inline) -> str:
    """Runs as inline Markdown: each run's text escaped, its style as markup around it.

    Spaces at a run's edges stay outside the markup (``**x** y``, never ``**x **y``).
    """
    out = []
    for style, text in runs(value):
        lead = " " if text[:1].isspace() else ""
        trail = " " if text[-1:].isspace() and text.strip() else ""
        body = md_inline(text)
        if not body:
            out.append(lead)
            continue
        if style == "code" and "`" not in text:
            body = "`" + _SPACE.sub(" ", text).strip() + "`"
        elif style in ("bold", "italic"):
            body = _MARK[style] + body + _MARK[style]
        out.append(lead + body + trail)
    return "".join(out).strip()


def render_blocks(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out += ["#" * (block.level + 1) + " " + md_inline(block.text), ""]
        elif isinstance(block, Paragraph):
            out += [md_runs(block.content), ""]
        elif isinstance(block, ListBlock):
            for n, item in enumerate(block.items, 1):
                out.append((f"{n}. " if block.ordered else "- ") + md_runs(item))
            out.append("")
        elif isinstance(block, Table):
            align = block.align or ["l"] * len(block.header)
            out += [*md_table([md_inline(h) for h in block.header], block.rows, align), ""]
        elif isinstance(block, Picture):
            if block.file:
                out += [f"![{md_inline(block.caption)}]({quote(block.file)})", ""]
        elif isinstance(block, PageBreak):
            continue
    return "\n".join(out).rstrip("\n") + "\n"
