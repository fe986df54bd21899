"""A growing corpus of hostile inputs, each run through the installed `migdev` in a bounded
subprocess (500 MB of address space, 15 s of CPU, 100 MB per file written, 10 s of wall time).

Every case ends either with exit 1 and a first line on stderr that names the file, or is
processed correctly (exit 0, checked); never a traceback, "internal error", a raw control
character on the terminal, or a hang. Cases cover answers files, catalogs, the document
cache (planted, shared or damaged), and the names of files written. Add a case for every new
way in; large files and bombs are generated here, never committed.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX resource limits, FIFOs and devices")

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
GOOD = (
    "questionnaire: core\nprogramme: {name: Pilot}\nanswers:\n  budget: under_100k\n"
    "  objectives: [business_creation]\n  lead_implementer: tc_programme\n"
    "  component_location: origin\n  bottlenecks: [finance]\n"
)
MEMORY = 500 << 20
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class Case:
    args: list[str]
    names: str | None = None  # an error: the first line on stderr names this file (escaped as shown)
    says: str = ""  # ... and says this
    check: Callable[[subprocess.CompletedProcess[str], Path], None] | None = None  # processed: exit 0, then this


CASES: dict[str, Callable[[Path], Case]] = {}


def case(build: Callable[[Path], Case]) -> Callable[[Path], Case]:
    CASES[build.__name__.removeprefix("case_").replace("_", "-")] = build
    return build


def _limits() -> None:  # in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (15, 15))
    resource.setrlimit(resource.RLIMIT_FSIZE, (100 << 20, 100 << 20))


def _migdev() -> list[str]:
    exe = Path(sys.executable).with_name("migdev")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "migdev_cli"]


def run_bounded(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGDEV_")}
    env |= {"MIGDEV_CACHE_DIR": str(cwd / "cache"), "MIGDEV_STATE_DIR": str(cwd / "state"), "COLUMNS": "120"}
    return subprocess.run(
        [*_migdev(), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=10,
        preexec_fn=_limits,
    )


def answers(tmp: Path, text: str | bytes, name: str = "answers.yaml") -> Case:
    path = tmp / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return Case(["assess", "--answers", name, "--json"], names=name)


def report(tmp: Path, text: str) -> Case:
    """The JSON report of an answers file (it holds the programme)."""
    (tmp / "answers.yaml").write_text(text, encoding="utf-8")
    return Case(["export", "--answers", "answers.yaml", "--output", "-", "--format", "json"])


def processed(case: Case, check: Callable[[subprocess.CompletedProcess[str], Path], None] | None = None) -> Case:
    case.names = None
    case.check = check or (lambda result, tmp: None)
    return case


def ranking(result: subprocess.CompletedProcess[str], tmp: Path) -> None:
    assert json.loads(result.stdout)["ranking"]


def cache_file_of(scope: Path, tmp: Path) -> Path:
    """Where the cache keeps the documents of ``scope`` (made now, so that something can be planted there)."""
    from migdev_cli.cache import DocumentCache

    (tmp / "cache").mkdir(mode=0o700, exist_ok=True)
    path = DocumentCache(tmp / "cache", scope).path
    assert path is not None
    return path


def catalog_dir(tmp: Path) -> Path:
    root = tmp / "catalog"
    (root / "instruments").mkdir(parents=True)
    shutil.copytree(DATA / "questionnaires", root / "questionnaires")
    return root


# --------------------------------------------------------------------------- answers files


@case
def case_aliases_of_a_long_text(tmp: Path) -> Case:
    """160 KB that expands to 100 MB of text: refused before the cache or validation expands it."""
    lines = ["questionnaire: core", "programme: {name: &n " + "x" * 150_000 + "}", "answers:"]
    lines += [f"  junk{i}: [{', '.join(['*n'] * 50)}]" for i in range(15)]
    built = answers(tmp, "\n".join(lines) + "\n")
    built.says = "too much text"
    return built


@case
def case_aliases_under_unknown_questions_are_not_cached(tmp: Path) -> Case:
    """Within the limits but wrong: reported, and nothing of it lands in the cache."""
    text = "questionnaire: core\nanswers:\n  budget: under_100k\n  junk: &a " + "y" * 100_000 + "\n"
    text += "  more: [" + ", ".join(["*a"] * 30) + "]\n"
    built = answers(tmp, text)
    built.says = "unknown question"

    def nothing_cached(result: subprocess.CompletedProcess[str], tmp: Path) -> None:
        assert all(b"yyyy" not in p.read_bytes() for p in (tmp / "cache").glob("documents-*.json"))

    built.check = nothing_cached
    return built


@case
def case_alias_bomb(tmp: Path) -> Case:
    lines = ["questionnaire: core", "answers:", '  a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        lines.append(f"  {chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]")
    built = answers(tmp, "\n".join(lines) + "\n")
    built.says = "too many values"
    return built


@case
def case_merge_key_bomb(tmp: Path) -> Case:
    text = "questionnaire: core\nbase: &b {a: 1}\n" + "".join(f"k{i}: &k{i} {{<<: *b}}\n" for i in range(20))
    return answers(tmp, text + "answers: {}\n")


@case
def case_brackets_in_a_comment(tmp: Path) -> Case:
    return processed(answers(tmp, GOOD + "# " + "[" * 200 + "\n"), ranking)


@case
def case_brackets_in_a_quoted_name(tmp: Path) -> Case:
    text = GOOD.replace("{name: Pilot}", "{name: '" + "[{" * 100 + "'}")

    def name_kept(result: subprocess.CompletedProcess[str], tmp: Path) -> None:
        assert json.loads(result.stdout)["programme"]["name"] == "[{" * 100

    return processed(report(tmp, text), name_kept)


@case
def case_deep_flow_nesting(tmp: Path) -> Case:
    return answers(tmp, "questionnaire: core\nanswers: " + "[" * 500 + "]" * 500 + "\n")


@case
def case_a_million_brackets(tmp: Path) -> Case:
    return answers(tmp, "questionnaire: core\nanswers: " + "[" * 1_000_000 + "\n")


@case
def case_deep_block_nesting(tmp: Path) -> Case:
    return answers(tmp, "questionnaire: core\nanswers:\n  budget: " + "- " * 600_000 + "x\n")


@case
def case_huge_number(tmp: Path) -> Case:
    return answers(tmp, "questionnaire: core\nanswers:\n  budget: " + "9" * 50_000 + "\n")


@case
def case_python_tag(tmp: Path) -> Case:
    built = answers(tmp, "questionnaire: !!python/object/apply:os.system ['touch pwned']\nanswers: {}\n")
    built.says = "not allowed"
    return built


@case
def case_surrogate_escape(tmp: Path) -> Case:
    return answers(tmp, 'questionnaire: core\nprogramme: {name: "a\\ud800"}\nanswers: {}\n')


@case
def case_not_utf8(tmp: Path) -> Case:
    return answers(tmp, GOOD.encode() + b"# caf\xe9\n")


@case
def case_nul_byte(tmp: Path) -> Case:
    return answers(tmp, GOOD + "\x00\n")


@case
def case_list_as_a_key(tmp: Path) -> Case:
    return answers(tmp, "questionnaire: core\nanswers:\n  ? [a, b]\n  : x\n")


@case
def case_twenty_thousand_unknown_questions(tmp: Path) -> Case:
    text = "questionnaire: core\nanswers:\n" + "".join(f"  q{i}: x\n" for i in range(20_000))
    built = answers(tmp, text)

    def capped(result: subprocess.CompletedProcess[str], tmp: Path) -> None:
        assert len(result.stderr.splitlines()) <= 102

    built.check = capped
    return built


@case
def case_over_the_size_limit(tmp: Path) -> Case:
    built = answers(tmp, GOOD + ("# " + "z" * 98 + "\n") * 21_000)
    built.says = "too large"
    return built


@case
def case_sparse_ten_gigabytes(tmp: Path) -> Case:
    built = answers(tmp, GOOD)
    os.truncate(tmp / "answers.yaml", 10 << 30)
    built.says = "too large"
    return built


@case
def case_link_to_dev_zero(tmp: Path) -> Case:
    (tmp / "answers.yaml").symlink_to("/dev/zero")
    return Case(["assess", "--answers", "answers.yaml"], names="answers.yaml", says="too large")


@case
def case_fifo_without_a_writer(tmp: Path) -> Case:
    os.mkfifo(tmp / "answers.yaml")
    return Case(["assess", "--answers", "answers.yaml"], names="answers.yaml", says="empty")


@case
def case_a_directory(tmp: Path) -> Case:
    (tmp / "answers.yaml").mkdir()
    return Case(["assess", "--answers", "answers.yaml"], names="answers.yaml")


@case
def case_escape_sequences_in_the_file_name(tmp: Path) -> Case:
    built = answers(tmp, "questionnaire: core\nanswers: {budgt: x}\n", "a\x1b]52;c;eA==\x07\x1b[2J.yaml")
    built.names = "a\\x1b]52;c;eA==\\x07\\x1b[2J.yaml"
    return built


@case
def case_control_characters_in_the_programme(tmp: Path) -> Case:
    text = GOOD.replace("{name: Pilot}", '{name: "P\\x85\\e[2J\\x07\\u202eQ"}')

    def escaped(result: subprocess.CompletedProcess[str], tmp: Path) -> None:
        assert json.loads(result.stdout)["programme"]["name"] == "P\x85\x1b[2J\x07\u202eQ"

    return processed(report(tmp, text), escaped)


@case
def case_programme_name_too_long(tmp: Path) -> Case:
    built = answers(tmp, GOOD.replace("{name: Pilot}", "{name: " + "n" * 6000 + "}"))
    built.says = "programme.name"
    return built


# --------------------------------------------------------------------------- the cache


@case
def case_fifo_planted_at_the_cache_files(tmp: Path) -> Case:
    (tmp / "answers.yaml").write_text(GOOD, encoding="utf-8")
    os.mkfifo(cache_file_of(tmp / "answers.yaml", tmp))
    os.mkfifo(cache_file_of(DATA, tmp))
    return processed(Case(["assess", "--answers", "answers.yaml", "--json"]), ranking)


@case
def case_link_to_dev_zero_at_the_cache_file(tmp: Path) -> Case:
    (tmp / "answers.yaml").write_text(GOOD, encoding="utf-8")
    cache_file_of(tmp / "answers.yaml", tmp).symlink_to("/dev/zero")
    cache_file_of(DATA, tmp).symlink_to("/dev/urandom")
    return processed(Case(["assess", "--answers", "answers.yaml", "--json"]), ranking)


@case
def case_sparse_huge_cache_file(tmp: Path) -> Case:
    (tmp / "answers.yaml").write_text(GOOD, encoding="utf-8")
    planted = cache_file_of(DATA, tmp)
    planted.write_bytes(b'{"migdev-cache": 3}\n')
    os.truncate(planted, 5 << 30)
    return processed(Case(["assess", "--answers", "answers.yaml", "--json"]), ranking)


@case
def case_deeply_nested_cache_file(tmp: Path) -> Case:
    planted = cache_file_of(DATA, tmp)
    planted.write_bytes(b'{"migdev-cache": 3, "stamp": "x"}\n' + b"[" * 5_000_000)
    return processed(Case(["instruments", "list", "--json"]), lambda r, t: json.loads(r.stdout))


@case
def case_key_is_a_fifo(tmp: Path) -> Case:
    (tmp / "cache").mkdir(mode=0o700)
    os.mkfifo(tmp / "cache" / "key")
    return processed(Case(["instruments", "list", "--json"]), lambda r, t: json.loads(r.stdout))


@case
def case_cache_others_may_write_to(tmp: Path) -> Case:
    (tmp / "cache").mkdir()
    (tmp / "cache").chmod(0o777)

    def warned(result: subprocess.CompletedProcess[str], tmp: Path) -> None:
        assert result.stderr.count("warning: cache directory") == 1 and "others may write" in result.stderr
        assert list((tmp / "cache").iterdir()) == []

    return processed(Case(["instruments", "list", "--json"]), warned)


@case
def case_cache_is_a_file(tmp: Path) -> Case:
    (tmp / "cache").write_text("not a directory", encoding="utf-8")

    def silent(result: subprocess.CompletedProcess[str], tmp: Path) -> None:
        assert json.loads(result.stdout)
        assert (tmp / "cache").read_text(encoding="utf-8") == "not a directory"

    return processed(Case(["instruments", "list", "--json"]), silent)


@case
def case_cache_of_another_user(tmp: Path) -> Case:
    if not IS_ROOT:
        pytest.skip("needs root to give a directory away")
    (tmp / "cache").mkdir(mode=0o700)
    os.chown(tmp / "cache", 65534, 65534)

    def warned(result: subprocess.CompletedProcess[str], tmp: Path) -> None:
        assert "belongs to another user" in result.stderr and list((tmp / "cache").iterdir()) == []

    return processed(Case(["instruments", "list", "--json"]), warned)


# --------------------------------------------------------------------------- catalogs


@case
def case_catalog_file_is_a_fifo(tmp: Path) -> Case:
    root = catalog_dir(tmp)
    os.mkfifo(root / "instruments" / "fifo.yaml")
    return Case(["validate", "catalog"], names="fifo.yaml", says="not a regular file")


@case
def case_catalog_file_links_to_a_device(tmp: Path) -> Case:
    root = catalog_dir(tmp)
    (root / "instruments" / "zero.yaml").symlink_to("/dev/zero")
    return Case(["validate", "catalog"], names="zero.yaml", says="not a regular file")


@case
def case_catalog_text_with_brackets_and_formulas(tmp: Path) -> Case:
    root = catalog_dir(tmp)
    core = root / "questionnaires" / "core.yaml"
    text = core.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    core.write_text(text.replace(title, 'title: \'=HYPERLINK("http://x") ' + "[" * 60 + "'"), encoding="utf-8")

    def formula_as_text(result: subprocess.CompletedProcess[str], tmp: Path) -> None:
        from openpyxl import load_workbook

        workbook = load_workbook(tmp / "form.xlsx")
        cells = [c for row in workbook["settings"].iter_rows() for c in row if str(c.value).startswith("=")]
        assert cells and all(c.data_type == "s" for c in cells)

    return processed(Case(["--data-dir", "catalog", "--no-builtin", "questionnaire", "xlsform", "form.xlsx"]),
                     formula_as_text)  # fmt: skip


@case
def case_control_characters_in_xlsform_text(tmp: Path) -> Case:
    """XML 1.0 (a workbook) cannot hold most C0 controls: they are written as visible escapes."""
    root = catalog_dir(tmp)
    core = root / "questionnaires" / "core.yaml"
    text = core.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    core.write_text(text.replace(title, 'title: "Core \\x07 \\0 \\e[2J"'), encoding="utf-8")

    def escaped(result: subprocess.CompletedProcess[str], tmp: Path) -> None:
        from openpyxl import load_workbook

        values = [c.value for row in load_workbook(tmp / "form.xlsx")["settings"].iter_rows() for c in row]
        assert "Core \\x07 \\x00 \\x1b[2J" in values

    return processed(Case(["--data-dir", "catalog", "--no-builtin", "questionnaire", "xlsform", "form.xlsx"]), escaped)


# --------------------------------------------------------------------------- files written


@case
def case_output_name_with_escape_sequences(tmp: Path) -> Case:
    (tmp / "answers.yaml").write_text(GOOD, encoding="utf-8")
    name = "r\x1b]0;title\x07.md"

    def written(result: subprocess.CompletedProcess[str], tmp: Path) -> None:
        assert (tmp / name).read_text(encoding="utf-8").startswith("#")
        assert "r\\x1b]0;title\\x07.md" in result.stderr

    return processed(Case(["export", "--answers", "answers.yaml", "--output", name]), written)


@case
def case_output_into_a_missing_directory_with_escapes(tmp: Path) -> Case:
    (tmp / "answers.yaml").write_text(GOOD, encoding="utf-8")
    return Case(["export", "--answers", "answers.yaml", "--output", "no\x1b[2J/r.md"], names="no\\x1b[2J/r.md")


@case
def case_force_onto_a_link_to_a_setuid_file(tmp: Path) -> Case:
    (tmp / "answers.yaml").write_text(GOOD, encoding="utf-8")
    (tmp / "victim").write_text("x", encoding="utf-8")
    (tmp / "victim").chmod(0o6777)
    (tmp / "report.md").symlink_to(tmp / "victim")

    def plain_mode(result: subprocess.CompletedProcess[str], tmp: Path) -> None:
        report = tmp / "report.md"
        assert not report.is_symlink() and report.stat().st_mode & 0o7022 == 0
        assert (tmp / "victim").read_text(encoding="utf-8") == "x"

    return processed(Case(["export", "--answers", "answers.yaml", "--output", "report.md", "--force"]), plain_mode)


# --------------------------------------------------------------------------- the run


def test_the_corpus_keeps_growing() -> None:
    assert len(CASES) >= 35


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input(name: str, tmp_path: Path) -> None:
    built = CASES[name](tmp_path)
    result = run_bounded(built.args, tmp_path)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output, output[-2000:]
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert not (tmp_path / "pwned").exists()
    if built.names is not None:
        assert result.returncode == 1, (result.returncode, result.stderr[-2000:])  # a crash would be negative
        first = result.stderr.splitlines()[0]
        assert built.names in first and built.says in first, result.stderr[-2000:]
    else:
        assert result.returncode == 0, result.stderr[-2000:]
    if built.check is not None:
        built.check(result, tmp_path)
