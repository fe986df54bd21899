"""Reading a survey export (CSV or XLSX) as rows of text cells, one row at a time, within limits.

A table is its header (the first row) and an iterator over the data rows, so a file of any
number of rows is read in bounded memory. Each row carries its number as a spreadsheet shows
it (the header is row 1) and, for CSV, the physical lines it spans: a quoted cell may hold a
line break, and the caller decides whether its column may (see :mod:`survey_columns`).

CSV is parsed strictly: a quote that is never closed, or text right after a closing quote,
is a problem naming the lines, never a silent merge of rows.

XLSX is read with python-calamine after the workbook has been checked as a zip archive: the
sizes its directory declares, the sizes actually unpacked (zipfile stops at the declared size
and checks the checksum), no document type declarations (entity definitions) in any XML part
(refused by defusedxml, and by a byte scan of every part), and the extent of the first sheet
taken from its cells, never from its ``<dimension>`` element. The extent costs one search per
chunk of a sheet, for a reference past the width its first chunk shows or past the rows the cell
limit leaves; a sheet where the search finds one is read again, reference by reference.
"""

from __future__ import annotations

import csv
import functools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import DataError, MigdevError, Problem

MAX_CSV_BYTES = 1_000_000_000  # a CSV is streamed; this bounds the time it takes
MAX_XLSX_BYTES = 200_000_000  # the workbook file as stored
MAX_XLSX_UNPACKED = 500_000_000  # all parts of a workbook, unpacked
MAX_XLSX_PARTS = 10_000
MAX_SHARED_STRINGS = 100_000_000  # the shared-strings part, unpacked (the reader holds it whole)
MAX_XLSX_CELLS = 6_000_000  # rows x columns of the first sheet's extent (the reader holds them all)
MAX_CELL_CHARS = 32_767  # a spreadsheet cell's own limit
MAX_COLUMNS = 16_384
_CHUNK = 1 << 20

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class TableRow:
    row: int  # as a spreadsheet shows it: the header is row 1
    cells: list[str]
    lines: tuple[int, int] | None = None  # CSV: the physical lines the row spans
    problem: str | None = None  # the row could not be read as cells (CSV quoting)


@dataclass
class Table:
    name: str
    header: list[str]
    rows: Iterator[TableRow]
    kind: str = "csv"
    notes: list[str] = field(default_factory=list)


def _fail(name: str, message: str, line: int | None = None) -> DataError:
    return DataError([Problem(name, line, "", message)])


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).strip()


def open_table(path: Path) -> Table:
    """The file's header and an iterator over its rows, by suffix: .csv/.tsv/.txt or .xlsx/.xlsm."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise _fail(name, "file not found" if not path.exists() else "not a regular file")
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if suffix in CSV_SUFFIXES:
        if size > MAX_CSV_BYTES:
            raise _fail(name, f"file is too large ({size:,} bytes; the limit for CSV is {MAX_CSV_BYTES:,})")
        return _open_csv(path, name)
    if suffix in XLSX_SUFFIXES:
        if size > MAX_XLSX_BYTES:
            raise _fail(name, f"file is too large ({size:,} bytes; the limit for XLSX is {MAX_XLSX_BYTES:,})")
        return _open_xlsx(path, name)
    raise _fail(name, f"unsupported file type {suffix or '(none)'}; use .csv or .xlsx")


# --------------------------------------------------------------------------- CSV


def _open_csv(path: Path, name: str) -> Table:
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise _fail(name, f"cannot read file: {exc.strerror or exc}") from None
    try:
        first = handle.readline(1 << 20)
        handle.seek(0)
    except UnicodeDecodeError:
        handle.close()
        raise _fail(name, "not UTF-8 text; save the file as UTF-8", 1) from None
    # Kobo exports ";" by default, ODK Central ","; the header line decides.
    delimiter = max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        handle.close()
        raise _fail(name, f"the header row cannot be read: {_csv_message(exc)}", 1) from None
    if header is None:
        handle.close()
        raise _fail(name, "no header row")
    if reader.line_num > 1:
        handle.close()
        raise _fail(name, f"the header runs over lines 1-{reader.line_num}: a quote is not closed on line 1", 1)
    header = [c.strip() for c in header]
    return Table(name, header, _csv_rows(handle, reader, header, delimiter, name), "csv")


def _bad_utf8_line(handle: IO[str]) -> int | None:
    """The line of the first byte that is not UTF-8 (the text reader decodes ahead of the rows)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    try:
        with open(handle.name, "rb") as raw:
            while chunk := raw.read(_CHUNK):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    return line + chunk.count(b"\n", 0, max(exc.start, 0))
                line += chunk.count(b"\n")
    except (OSError, TypeError):
        return None
    return None


def _csv_message(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text; save the file as UTF-8"
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a cell is longer than {csv.field_size_limit():,} characters (an unclosed quote?)"
    if "unexpected end of data" in text:
        return "a quote is never closed"
    if "expected after" in text:
        return f"a quoted cell is followed by more text ({text}): an unbalanced quote?"
    return text


_BREAK = re.compile(r"\r\n|\r|\n")


def _swallowed(cells: list[str], header: list[str], delimiter: str) -> str | None:
    """Why a row spanning several lines looks like rows merged by an unbalanced quote, or None.

    A quoted cell may hold a line break (free text), but not a later line that holds the
    separator: that is another row read into the cell."""
    for i, cell in enumerate(cells):
        if ("\n" in cell or "\r" in cell) and any(delimiter in line for line in _BREAK.split(cell)[1:]):
            column = header[i] if i < len(header) else f"column {i + 1}"
            return f"the quoted cell in column {column!r} runs over the next lines, which hold {delimiter!r} as rows do"
    return None


def _csv_rows(handle: IO[str], reader: Any, header: list[str], delimiter: str, name: str) -> Iterator[TableRow]:
    row = 1
    last_line = reader.line_num
    try:
        while True:
            start = last_line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:  # the rest of the file cannot be read: never skipped silently
                raise _fail(name, "not UTF-8 text; save the file as UTF-8", _bad_utf8_line(handle)) from None
            except csv.Error as exc:
                end = max(reader.line_num, start)
                row += 1
                where = f"line {start}" if end == start else f"lines {start}-{end}"
                yield TableRow(row, [], (start, end), f"{where} cannot be read as cells: {_csv_message(exc)}")
                last_line = reader.line_num
                continue
            last_line = reader.line_num
            row += 1
            if not any(cells):
                continue  # a blank line is not a row (the row number still counts it)
            problem = None
            if last_line > start:
                why = _swallowed(cells, header, delimiter)
                if why is not None:
                    problem = f"lines {start}-{last_line} were read as one row: {why} (an unbalanced quote?)"
            # a line break at a cell's end stays: the reader decides whether that column may hold one
            if last_line > start:
                yield TableRow(row, [c.strip(" \t") for c in cells], (start, last_line), problem)
            else:
                yield TableRow(row, list(map(str.strip, cells)), (start, last_line))
    finally:
        handle.close()


# --------------------------------------------------------------------------- XLSX

# The cell and row references of a sheet: the reader sizes the sheet from them (never from
# <dimension>), so their largest column and row are found before it runs. Writers spell
# attributes as name="value", so any ="B7"-like value is read (other attributes only make the
# bound stricter); a chunk with another spelling (r='B7', r= "B7") is read with a slower pattern.
_REF_COLUMNS = re.compile(rb'="([A-Za-z]+)[0-9]+"')
_REF_ROWS = re.compile(rb'="[A-Za-z]*([0-9]+)"')
_ODD_VALUE = re.compile(rb'=[^"]')
_ANY_REF = re.compile(rb"""r\s*=\s*["']([A-Za-z]*)([0-9]+)["']""")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _extent(body: bytes, max_col: int, max_row: int) -> tuple[int, int]:
    """The largest column and row referenced in ``body`` and so far."""
    if _ODD_VALUE.search(body):
        pairs = _ANY_REF.findall(body)
        letters = {p[0] for p in pairs if p[0]}
        rows = [p[1] for p in pairs]
    else:
        letters = set(_REF_COLUMNS.findall(body))
        rows = _REF_ROWS.findall(body)
    if letters:
        max_col = max(max_col, *(_column_number(x.upper()) for x in letters))
    if rows:
        longest = max(map(len, rows))
        top = max(rows)  # lexical order is numeric order among references of equal length
        if len(top) < longest:
            top = max(r for r in rows if len(r) == longest)
        max_row = max(max_row, int(top))
    return max_col, max_row


# Reading every reference costs more than the reader itself on a large sheet, so a sheet is
# first checked with one search per chunk for anything that could break the limits (see
# _within); only a sheet where it finds something is read again, reference by reference.


def _column_name(number: int) -> str:
    name = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        name = chr(65 + rest) + name
    return name


def _letters_above(number: int) -> bytes:
    """A pattern for column letters (either case) naming a column after column ``number``."""
    name = _column_name(number)
    width = len(name)
    branches = [b"[A-Za-z]{%d,}+" % (width + 1)]  # more letters: a later column
    for i, letter in enumerate(name):
        if letter == "Z":
            continue
        same = b"".join(b"[%s%s]" % (c.encode(), c.lower().encode()) for c in name[:i])
        after = chr(ord(letter) + 1)
        rest = b"[A-Za-z]{%d}" % (width - i - 1) if width - i - 1 else b""
        branches.append(same + b"[%s-Z%s-z]" % (after.encode(), after.lower().encode()) + rest)
    return b"(?:" + b"|".join(branches) + b")"


def _digits_above(number: int) -> bytes:
    """A pattern for a decimal number (leading zeros allowed) greater than ``number``."""
    digits = str(number).encode()
    width = len(digits)
    branches = [b"[1-9][0-9]{%d,}" % width]  # more digits: a larger number
    for i in range(width):
        low = digits[i] - 48 + 1
        if low > 9:
            continue
        rest = b"[0-9]{%d}" % (width - i - 1) if width - i - 1 else b""
        branches.append(digits[:i] + b"[%d-9]" % low + rest)
    return b"0*+(?=[0-9]{%d})(?:" % width + b"|".join(branches) + b")"  # the look-ahead saves time


@functools.lru_cache(maxsize=64)
def _beyond(max_col: int, max_row: int) -> re.Pattern[bytes]:
    """A match where a reference (as ``_extent`` reads it) lies past ``max_col`` or ``max_row``,
    or where a value is spelled otherwise than ="..." (which only ``_ANY_REF`` reads)."""
    columns = _letters_above(max_col) + b"[0-9]++"
    rows = b"[A-Za-z]*+" + _digits_above(max_row)
    # one pattern, one pass; re finds a one-character prefix ("=") fastest
    return re.compile(b'=(?:[^"]|"(?:' + columns + b"|" + rows + b')")')


def _within(max_col: int) -> re.Pattern[bytes]:
    """A match where a reference lies past ``max_col``, or past the row at which a sheet that
    wide would hold more than MAX_XLSX_CELLS cells, or where a value is spelled otherwise."""
    return _beyond(max_col, MAX_XLSX_CELLS // max(max_col, 1))


def _check_prolog(data: bytes, name: str, part: str) -> None:
    """Refuse a document type declaration (entities) with defusedxml's parser on the part's start."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import XMLParser

    parser = XMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(data)
    except DefusedXmlException:
        raise _fail(name, f"not a safe XLSX workbook: {part} declares a document type or entities") from None
    except Exception:  # noqa: BLE001  # a chunk ends inside a tag, or bad XML: the reader reports the latter
        pass


def _scan_workbook(path: Path, name: str) -> None:
    """Check the archive within the limits before the reader unpacks it (see the module docstring)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail(name, f"not an XLSX workbook (not a zip archive: {exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_XLSX_PARTS:
            raise _fail(name, f"not a readable XLSX workbook: {len(infos):,} parts (the limit is {MAX_XLSX_PARTS:,})")
        declared = sum(i.file_size for i in infos)
        if declared > MAX_XLSX_UNPACKED:
            raise _fail(
                name, f"the workbook unpacks to {declared:,} bytes; the limit is {MAX_XLSX_UNPACKED:,} (export CSV)"
            )
        for info in infos:
            if info.filename.endswith("sharedStrings.xml") and info.file_size > MAX_SHARED_STRINGS:
                raise _fail(
                    name, f"{info.filename} unpacks to {info.file_size:,} bytes; the limit is {MAX_SHARED_STRINGS:,}"
                )
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
            raise _fail(name, "not an XLSX workbook (no workbook or no worksheet in it)")
        unpacked = 0
        for info in infos:
            if not info.filename.endswith((".xml", ".rels")):
                continue
            if not info.filename.startswith("xl/worksheets/"):
                unpacked = _scan_part(archive, info, name, unpacked, "part")
                continue
            try:
                unpacked = _scan_part(archive, info, name, unpacked, "quick")
            except _Unproven:  # something may lie past the limits: every reference is read
                unpacked = _scan_part(archive, info, name, unpacked, "exact")


class _Unproven(Exception):
    """The quick check of a sheet found something that may lie past the limits."""


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, unpacked: int, check: str) -> int:
    """Unpack one part within the limits, refusing declarations; return the bytes unpacked so far.

    ``check`` is "part" for a part that is not a sheet. A sheet's references are read one by
    one ("exact"), or ("quick") those of its first chunk only, every later chunk being searched
    once for a reference past that width or past the rows the cell limit leaves. Finding one,
    or a first chunk already past the limits, raises _Unproven: the sheet is then read again,
    exactly, and the messages name its true extent."""
    max_row = max_col = 0
    tail = b""
    within: re.Pattern[bytes] | None = None
    try:
        with archive.open(info) as part:
            first = True
            while chunk := part.read(_CHUNK):
                unpacked += len(chunk)
                if unpacked > MAX_XLSX_UNPACKED:
                    raise _fail(name, f"the workbook unpacks to more than {MAX_XLSX_UNPACKED:,} bytes")
                if first:
                    if chunk.startswith((b"\xfe\xff", b"\xff\xfe", b"<\x00", b"\x00<")):
                        raise _fail(name, f"not a readable XLSX workbook: {info.filename} is not UTF-8")
                    _check_prolog(chunk[:65536], name, info.filename)
                    first = False
                window = tail + chunk
                if _DECLARATION.search(window):
                    raise _fail(name, f"not a safe XLSX workbook: {info.filename} declares a document type or entities")
                if check == "part":
                    tail = window[-16:]  # a declaration split between two chunks
                    continue
                cut = window.rfind(b">") + 1  # references are read from whole tags only
                body, tail = window[:cut], window[cut:][-4096:]
                if within is None:
                    max_col, max_row = _extent(body, max_col, max_row)
                    if check == "quick":
                        if max_col > MAX_COLUMNS or max_row * max(max_col, 1) > MAX_XLSX_CELLS:
                            raise _Unproven
                        within = _within(max_col)
                elif within.search(body):
                    raise _Unproven
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise _fail(name, f"not a readable XLSX workbook ({info.filename}: {exc})") from None
    if check != "exact":
        return unpacked
    if max_col > MAX_COLUMNS:
        raise _fail(name, f"{info.filename} has a cell in column {max_col:,}; the limit is {MAX_COLUMNS:,}")
    if max_row * max(max_col, 1) > MAX_XLSX_CELLS:
        raise _fail(
            name,
            f"{info.filename} reaches row {max_row:,}: more than {MAX_XLSX_CELLS:,} cells "
            "(export the submissions as CSV)",
        )
    return unpacked


def _open_xlsx(path: Path, name: str) -> Table:
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - a base dependency
        raise MigdevError(f"{name}: reading XLSX needs python-calamine: pip install python-calamine") from None
    _scan_workbook(path, name)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        # Kobo puts the main table first and repeat groups on later sheets.
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # noqa: BLE001  # calamine's errors carry no common base class
        text = " ".join(str(exc).split())[:200]
        raise _fail(name, f"not a readable XLSX workbook: {text}") from None
    if sheet.height * max(sheet.width, 1) > MAX_XLSX_CELLS:
        raise _fail(name, f"the first sheet has more than {MAX_XLSX_CELLS:,} cells (export the submissions as CSV)")
    start = sheet.start
    rows = sheet.iter_rows()
    first_row = (start[0] + 1) if start else 1
    header = next(rows, None)
    if header is None:
        raise _fail(name, "no header row")
    return Table(name, [cell_text(c) for c in header], _xlsx_rows(rows, first_row), "xlsx")


class _NumberTexts(dict[float, str]):
    """The text of each number read so far (a survey repeats few: 0 and 1, codes), at most 4,096."""

    def __missing__(self, value: float) -> str:
        if len(self) >= 4096:
            self.clear()
        text = self[value] = str(int(value)) if value.is_integer() else str(value)  # as cell_text
        return text


def _xlsx_rows(rows: Iterator[list[Any]], first_row: int) -> Iterator[TableRow]:
    numbers = _NumberTexts()  # floats only: True == 1.0, and a bool reads "true"
    for offset, values in enumerate(rows, start=first_row + 1):
        cells = [
            v.strip() if (kind := v.__class__) is str else numbers[v] if kind is float else cell_text(v) for v in values
        ]
        if any(cells):
            yield TableRow(offset, cells)
