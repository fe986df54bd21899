"""Report blocks as a Word document, written with python-docx.

Word's own heading styles (so the navigation pane shows the outline), tables whose column
widths follow their content, the chart as a picture, a page break before the annex, page
numbers in the footer and the programme name in the header. python-docx is imported only
here, inside the functions; without the ``report`` extra a MigdevError says how to install it.
"""

from __future__ import annotations

import io
import re
from typing import Any

from .errors import MigdevError
from .escaping import visible
from .report_blocks import Block, Heading, Inline, ListBlock, PageBreak, Paragraph, Picture, Table, runs

INSTALL_HINT = "pip install 'migdev[report]'"
PAGE_WIDTH_CM, PAGE_HEIGHT_CM, MARGIN_CM = 21.0, 29.7, 2.0
TEXT_WIDTH_CM = PAGE_WIDTH_CM - 2 * MARGIN_CM
TABLE_FONT_PT = 9
CELL_PADDING_CM = 0.5  # both cell margins and a little air
_SPACE = re.compile(r"\s+")


def require_docx() -> None:
    """Fail early, with the way to install it, when python-docx is missing."""
    import importlib.util

    if importlib.util.find_spec("docx") is None:
        raise MigdevError(f"Word output needs python-docx: {INSTALL_HINT}")


def _text(value: Any) -> str:
    """Text as Word can hold it: control characters made visible, whitespace runs as one space."""
    return _SPACE.sub(" ", visible(value, keep="")).strip()


def text_cm(text: str, bold: bool = False) -> float:
    """Roughly how wide ``text`` is at the table font size (cm): capitals and digits are wide,
    i, l and punctuation narrow."""
    width = 0.0
    for ch in text:
        if ch.isupper() or ch.isdigit() or ch in "mwMW":
            width += 0.2
        elif ch in " il.,;:'|!()[]ftj-":
            width += 0.095
        else:
            width += 0.165
    # measured on Cambria (Caladea in LibreOffice), the default template's body font
    return 1.05 * width * (1.1 if bold else 1.0) * TABLE_FONT_PT / 9


def column_widths(header: list[str], rows: list[list[str]], narrow: list[int], total: float) -> list[float]:
    """Widths (cm) that fit the content: no column narrower than its longest word (or, for
    ``narrow`` columns, its longest cell), the rest of the width shared by what wraps."""
    n = len(header)
    head = [_text(h) for h in header]
    body = [[_text(c) for c in row] for row in rows]
    minimum, wanted = [], []
    for col in range(n):
        cells = [(head[col], True)] + [(row[col], False) for row in body if col < len(row)]
        longest = max(text_cm(t, b) for t, b in cells)
        word = max((text_cm(w, b) for t, b in cells for w in t.split()), default=0.0)
        if col in narrow:  # body cells stay on one line; the header may wrap between words
            body_longest = max((text_cm(t) for t, bold in cells if not bold), default=0.0)
            word = max(word, min(body_longest, 5.0))
        minimum.append(min(word, 4.5) + CELL_PADDING_CM)
        wanted.append(min(longest, 12.0) + CELL_PADDING_CM)
    if sum(minimum) >= total:
        return [w * total / sum(minimum) for w in minimum]
    if sum(wanted) <= total:
        spare = total - sum(wanted)
        growing = [c for c in range(n) if c not in narrow] or list(range(n))
        weight = sum(wanted[c] for c in growing)
        return [w + (spare * w / weight if c in growing else 0.0) for c, w in enumerate(wanted)]
    extra = [w - m for w, m in zip(wanted, minimum, strict=True)]
    spare = total - sum(minimum)
    return [m + spare * e / sum(extra) for m, e in zip(minimum, extra, strict=True)]


class _Writer:
    def __init__(self, header_text: str) -> None:
        require_docx()
        from docx import Document
        from docx.shared import Cm

        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(PAGE_HEIGHT_CM)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(MARGIN_CM))
        self._header(section, header_text)
        self._footer(section)

    # ------------------------------------------------------------- page furniture

    def _header(self, section: Any, text: str) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        para = section.header.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = para.add_run(_text(text))
        run.font.size = Pt(8)

    def _field(self, para: Any, instruction: str) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        def element(tag: str, **attrs: str) -> Any:
            el = OxmlElement(tag)
            for key, value in attrs.items():
                el.set(qn(key), value)
            return el

        begin = para.add_run()
        begin._r.append(element("w:fldChar", **{"w:fldCharType": "begin"}))
        code = para.add_run()
        instr = element("w:instrText", **{"xml:space": "preserve"})
        instr.text = f" {instruction} "
        code._r.append(instr)
        separate = para.add_run()
        separate._r.append(element("w:fldChar", **{"w:fldCharType": "separate"}))
        para.add_run("1")
        end = para.add_run()
        end._r.append(element("w:fldChar", **{"w:fldCharType": "end"}))

    def _footer(self, section: Any) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        para = section.footer.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.add_run("Page ")
        self._field(para, "PAGE")
        para.add_run(" of ")
        self._field(para, "NUMPAGES")

    # ------------------------------------------------------------- blocks

    def _runs(self, para: Any, content: Inline, size: float | None = None) -> None:
        from docx.shared import Pt

        for style, text in runs(content):
            lead = " " if text[:1].isspace() else ""
            trail = " " if text[-1:].isspace() and text.strip() else ""
            run = para.add_run(lead + _text(text) + trail)
            run.bold = style == "bold" or None
            run.italic = style == "italic" or None
            if style == "code":
                run.font.name = "Consolas"
            if size:
                run.font.size = Pt(size)

    def heading(self, block: Heading) -> None:
        self.doc.add_heading(_text(block.text), level=min(block.level, 9))

    def paragraph(self, block: Paragraph) -> None:
        para = self.doc.add_paragraph()
        self._runs(para, block.content, 8 if block.small else None)

    def list(self, block: ListBlock) -> None:
        from docx.shared import Cm

        for n, item in enumerate(block.items, 1):
            if block.ordered:
                # Numbers as text: Word's "List Number" would continue from the previous list.
                para = self.doc.add_paragraph()
                para.paragraph_format.left_indent = Cm(0.75)
                para.paragraph_format.first_line_indent = Cm(-0.75)
                para.add_run(f"{n}.\t")
            else:
                para = self.doc.add_paragraph(style="List Bullet")
            para.paragraph_format.space_after = 0 if n < len(block.items) else None
            self._runs(para, item)

    def table(self, block: Table) -> None:
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Cm, Pt

        ncols = len(block.header)
        table = self.doc.add_table(rows=1 + len(block.rows), cols=ncols)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False
        widths = column_widths(block.header, block.rows, block.narrow, TEXT_WIDTH_CM)
        align = block.align or ["l"] * ncols
        for col, width in enumerate(widths):
            table.columns[col].width = Cm(width)
        for r, values in enumerate([block.header, *block.rows]):
            row = table.rows[r]
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row stays on one page
            for col in range(ncols):
                cell = row.cells[col]
                cell.width = Cm(widths[col])
                para = cell.paragraphs[0]
                para.paragraph_format.space_after = Pt(0)
                if align[col] == "r":
                    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                run = para.add_run(_text(values[col]) if col < len(values) else "")
                run.font.size = Pt(TABLE_FONT_PT)
                if r == 0:
                    run.bold = True
                    shading = OxmlElement("w:shd")
                    shading.set(qn("w:val"), "clear")
                    shading.set(qn("w:fill"), "D9E2F3")
                    cell._tc.get_or_add_tcPr().append(shading)
        header_row = table.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header_row.append(repeat)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(0)

    def picture(self, block: Picture) -> None:
        from docx.shared import Cm, Pt

        if block.png is None:
            return
        self.doc.add_picture(io.BytesIO(block.png), width=Cm(min(15.0, TEXT_WIDTH_CM)))
        caption = self.doc.add_paragraph()
        run = caption.add_run(_text(block.caption))
        run.italic = True
        run.font.size = Pt(8)

    def page_break(self) -> None:
        self.doc.add_page_break()  # type: ignore[no-untyped-call]

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


def render_docx(blocks: list[Block], header_text: str, *, title: str | None = None) -> bytes:
    """The blocks as a .docx file's bytes; ``header_text`` goes in every page's header."""
    writer = _Writer(header_text)
    core = writer.doc.core_properties
    core.title = _text(title or header_text)
    core.author = "migdev"
    for block in blocks:
        if isinstance(block, Heading):
            writer.heading(block)
        elif isinstance(block, Paragraph):
            writer.paragraph(block)
        elif isinstance(block, ListBlock):
            writer.list(block)
        elif isinstance(block, Table):
            writer.table(block)
        elif isinstance(block, Picture):
            writer.picture(block)
        elif isinstance(block, PageBreak):
            writer.page_break()
    return writer.save()
