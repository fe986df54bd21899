"""What a field survey costs end to end, from the command line, against reading the file with ``csv``.

Run: ``python benchmarks/bench_responses.py [N] [--xlsx] [--million] [--seed S]``

It writes a KoBoToolbox-style export of N (default 100,000) random valid responses to the
built-in core questionnaire's stakeholder questions (seeded; ";" separated, group prefixes,
every multiple question both as one column and as one column per choice, Kobo's system
columns; only questions whose conditions hold are answered, "don't know" where allowed) and an
answers file with the programme's own answers to the designer's questions. Then, each in its
own process, it times and measures the peak memory (resident set) of:

* the floor: Python's ``csv`` module reading every row of the same file;
* ``migdev assess --responses FILE --answers programme.yaml --json`` (and ``--jsonl``, and the
  table), output to /dev/null.

The budgets: at most 10x the floor and under 500 MB for 100,000 responses. With ``--xlsx`` the
same rows are also written as an XLSX workbook and ``--json`` on it is compared with the CSV
(budget: at most 1.5x). With ``--million`` a file of 1,000,000 responses is run with ``--jsonl``
(budget: it completes, in bounded memory). This measures and asserts nothing; it is not part of
the test suite. Ratios are given for processor time (user + system, steadier on a shared machine)
and for wall time; the floor is the best of three runs. Figures are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from migdev_cli.answers import Plain, as_answers, is_visible  # noqa: E402
from migdev_cli.catalog import builtin_data_dir, load_catalog  # noqa: E402
from migdev_cli.questionnaire_models import Questionnaire  # noqa: E402
from migdev_cli.vocab import DONT_KNOW  # noqa: E402
from migdev_cli.xlsform import STAKEHOLDER_CHOICES  # noqa: E402

KOBO_SYSTEM = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by"]
KOBO_SYSTEM += ["__version__", "_tags", "_index"]


def random_values(questionnaire: Questionnaire, rng: random.Random, asked_of: str) -> dict[str, Plain]:
    """Random valid answers as a file or a table writes them (one value, or a list)."""
    values: dict[str, Plain] = {}
    for question in questionnaire.questions:
        if question.asked_of != asked_of or not is_visible(question, as_answers(values)):
            continue
        if not question.required and rng.random() < 0.2:
            continue
        if question.allow_dont_know and rng.random() < 0.1:
            values[question.id] = [DONT_KNOW] if question.type == "multiple" else DONT_KNOW
            continue
        choices = [c.value for c in question.choices]
        if question.type == "multiple":
            most = min(3, len(choices), question.max_choices or len(choices))
            picked = set(rng.sample(choices, rng.randint(1, most)))
            alone = [c for c in question.exclusive_values if c in picked]
            values[question.id] = alone[:1] or [c for c in choices if c in picked]
        else:
            values[question.id] = rng.choice(choices)
    return values


def kobo_rows(questionnaire: Questionnaire, n: int, seed: int, profiles: int = 0):
    """The header, then n rows, as a KoBoToolbox CSV export of our XLSForm holds them.

    With ``profiles`` > 0 every row's answers are one of that many random answer sets (a
    scenario to measure the pipeline around the scoring, not a claim about real surveys)."""
    rng = random.Random(seed)
    pool = [random_values(questionnaire, rng, "stakeholder") for _ in range(profiles)]
    columns: list[tuple[str, str, str | None]] = [("start", "", None), ("end", "", None)]
    columns += [("respondent/stakeholder", "", None), ("respondent/organisation", "", None)]
    for section in questionnaire.sections:
        for q in section.questions:
            if q.asked_of != "stakeholder":
                continue
            columns.append((f"{section.id}/{q.id}", q.id, None))
            if q.type == "multiple":
                columns += [(f"{section.id}/{q.id}/{v}", q.id, v) for v in q.values]
    header = [c[0] for c in columns] + KOBO_SYSTEM
    yield header
    groups = list(STAKEHOLDER_CHOICES)
    for i in range(n):
        values = rng.choice(pool) if pool else random_values(questionnaire, rng, "stakeholder")
        row = []
        for name, qid, choice in columns:
            if name == "start":
                row.append("2026-11-01T10:00:00.000+01:00")
            elif name == "end":
                row.append("2026-11-01T10:20:00.000+01:00")
            elif name == "respondent/stakeholder":
                row.append(rng.choice(groups))
            elif name == "respondent/organisation":
                row.append(f"Organisation {i % 997}")
            else:
                value = values.get(qid)
                if choice is None:
                    row.append("" if value is None else value if isinstance(value, str) else " ".join(value))
                else:
                    row.append("" if value is None else "1" if choice in value else "0")
        row += [str(100000 + i), f"{i:08x}-aaaa-bbbb-cccc-{i:012x}", "2026-11-01T10:20:05", "", "[]"]
        row += ["submitted_via_web", "", "vABCDEF", "[]", str(i + 1)]
        yield row


def write_csv(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)


def _column(n: int) -> str:
    name = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


def write_xlsx(path: Path, rows) -> None:
    """A minimal workbook (shared strings, numbers as numbers), as spreadsheet writers make them."""
    shared: dict[str, int] = {}
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'.encode())
            letters: list[str] = []
            for r, row in enumerate(rows, start=1):
                while len(letters) < len(row):
                    letters.append(_column(len(letters)))
                cells = []
                for c, value in enumerate(row):
                    if value == "":
                        continue
                    ref = f"{letters[c]}{r}"
                    if value.isdigit() and len(value) < 10:
                        cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                    else:
                        index = shared.setdefault(value, len(shared))
                        cells.append(f'<c r="{ref}" t="s"><v>{index}</v></c>')
                sheet.write(f'<row r="{r}">{"".join(cells)}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        strings = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
        archive.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><sst {ns} count="{len(shared)}">{strings}</sst>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} xmlns:r="{rel}"><sheets>'
            '<sheet name="Needs assessment" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/></Types>',
        )


class Run:
    """One process: wall time and processor time (user + system) in seconds, peak memory in MB."""

    def __init__(self, command: list[str], repeat: int = 1) -> None:
        best: tuple[float, float, float, int] | None = None
        for _ in range(repeat):
            start = time.perf_counter()
            with open(os.devnull, "wb") as sink:
                process = subprocess.Popen(command, stdout=sink, stderr=subprocess.DEVNULL)
                _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - start
            cpu = usage.ru_utime + usage.ru_stime
            if best is None or cpu < best[1]:
                best = (wall, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status))
        assert best is not None
        self.wall, self.cpu, self.rss, self.code = best


FLOOR = (
    "import csv, sys\n"
    "with open(sys.argv[1], encoding='utf-8-sig', newline='') as f:\n"
    "    n = sum(1 for _ in csv.reader(f, delimiter=';'))\n"
)


def migdev() -> list[str]:
    script = shutil.which("migdev")
    return [script] if script else [sys.executable, "-m", "migdev_cli"]


def report(label: str, run: Run, floor: Run) -> None:
    status = "" if run.code == 0 else f"  (exit {run.code})"
    print(
        f"  {label:<40} {run.cpu:7.2f} s {run.cpu / floor.cpu:6.1f}x {run.wall:8.2f} s {run.wall / floor.wall:6.1f}x"
        f" {run.rss:7.0f} MB{status}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="responses (default 100000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--xlsx", action="store_true", help="also compare the same rows as XLSX")
    parser.add_argument("--million", action="store_true", help="also run 1,000,000 responses with --jsonl")
    parser.add_argument("--keep", type=Path, help="write the generated files here and keep them")
    parser.add_argument(
        "--profiles",
        type=int,
        default=0,
        help="draw every response from this many answer sets (default 0: every response drawn afresh)",
    )
    args = parser.parse_args()

    catalog = load_catalog([builtin_data_dir()], strict_refs=False)
    questionnaire = catalog.questionnaire("core")
    work = args.keep or Path(tempfile.mkdtemp(prefix="migdev-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    programme = work / "programme.yaml"
    designer = random_values(questionnaire, random.Random(args.seed), "designer")
    lines = ["questionnaire: core", "answers:"]
    lines += [f"  {q}: {v!r}" if isinstance(v, str) else f"  {q}: [{', '.join(v)}]" for q, v in designer.items()]
    programme.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env_note = f"{len(catalog.instruments)} instruments, {len(questionnaire.questions)} questions"

    sizes = [args.n] + ([1_000_000] if args.million else [])
    try:
        for n in sizes:
            path = work / f"responses-{n}.csv"
            write_csv(path, kobo_rows(questionnaire, n, args.seed, args.profiles))
            drawn = f"drawn from {args.profiles:,} answer sets" if args.profiles else "each drawn afresh"
            print(f"{n:,} responses ({drawn}), {path.stat().st_size / 1e6:.0f} MB CSV ({env_note}):")
            floor = Run([sys.executable, "-c", FLOOR, str(path)], repeat=3)
            print(f"  {'':<40} {'CPU':>7}   {'ratio':>6} {'wall':>8}   {'ratio':>6} {'peak':>7}")
            report("floor: csv module reads every row", floor, floor)
            base = [*migdev(), "assess", "--responses", str(path), "--answers", str(programme)]
            outputs = [["--jsonl"]] if n >= 1_000_000 else [["--json"], ["--jsonl"], []]
            csv_json: Run | None = None
            for extra in outputs:
                result = Run(base + extra)
                if extra == ["--json"]:
                    csv_json = result
                report(f"assess --responses CSV {' '.join(extra) or '(table)'}", result, floor)
            if args.xlsx and csv_json is not None:
                xlsx = work / f"responses-{n}.xlsx"
                write_xlsx(xlsx, kobo_rows(questionnaire, n, args.seed, args.profiles))
                result = Run([*migdev(), "assess", "--responses", str(xlsx), "--answers", str(programme), "--json"])
                report("assess --responses XLSX --json", result, floor)
                cpu, wall = result.cpu / csv_json.cpu, result.wall / csv_json.wall
                print(f"  XLSX / CSV (--json): {cpu:.2f} CPU, {wall:.2f} wall (budget: at most 1.5)")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print("Budgets: 100,000 responses at most 10x the floor and under 500 MB; 1,000,000 complete in bounded memory.")


if __name__ == "__main__":
    main()
