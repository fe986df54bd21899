"""Without a terminal: no colour codes in pipes, NO_COLOR honoured, width from COLUMNS; and
the CLI module starts without importing the prompt library, rich or the export code."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import migdev_command, without_related
from migdev_cli.cli import app

runner = CliRunner()


SGR = re.compile(r"\x1b\[([0-9;]*)m")
ANSWERS = """\
questionnaire: core
answers:
  programme_type: [bds_m4p, access_to_finance]
  budget: 100k_to_1m
  stage: [arrival, long_term]
"""


def colour_codes(output: str) -> list[str]:
    """SGR sequences that set a foreground or background colour (bold or italic are not colour)."""
    found = []
    for match in SGR.finditer(output):
        params = [int(p) for p in match.group(1).split(";") if p]
        if any(30 <= p <= 38 or 40 <= p <= 48 or 90 <= p <= 97 or 100 <= p <= 107 for p in params):
            found.append(match.group())
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without anything that changes colour, width or the catalog."""
    drop = ("NO_COLOR", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "COLUMNS", "LINES", "TTY_COMPATIBLE")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("MIGDEV_")}
    if "MIGDEV_CACHE_DIR" in os.environ:  # the test's private cache (see conftest)
        env["MIGDEV_CACHE_DIR"] = os.environ["MIGDEV_CACHE_DIR"]
    env["TERM"] = "xterm-256color"  # a colour terminal type: only the pipe should turn colour off
    env.update(extra)
    return env


def migdev(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    cmd = migdev_command()
    return subprocess.run(
        [*cmd, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,  # stdout is a pipe
    )


@pytest.fixture
def answers_file(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- colour


@pytest.mark.parametrize(
    "args",
    [["instruments", "list"], ["instruments", "show", "diaspora-bond"], ["questionnaire", "show"]],
    ids=["list", "show", "questionnaire"],
)
def test_cli_runner_output_has_no_escape_codes(args: list[str]) -> None:
    result = runner.invoke(app, args, env={"NO_COLOR": None, "FORCE_COLOR": None, "TERM": "xterm-256color"})
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output


def test_cli_runner_assess_table_has_no_escape_codes(answers_file: Path) -> None:
    result = runner.invoke(app, ["assess", "--answers", str(answers_file)], env={"FORCE_COLOR": None})
    assert result.exit_code == 0, result.output
    assert "Recommended instruments" in result.stdout
    assert "\x1b" not in result.output


def test_piped_subprocess_has_no_escape_codes(answers_file: Path) -> None:
    for args in (["instruments", "list"], ["questionnaire", "show"], ["assess", "--answers", str(answers_file)]):
        result = migdev(*args, env=clean_env())
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout, args
        assert "\x1b" not in result.stderr, args


def test_force_color_alone_colours_the_pipe() -> None:
    """Guards the next test: FORCE_COLOR does turn colour on (questionnaire ids are cyan)."""
    result = migdev("questionnaire", "show", env=clean_env(FORCE_COLOR="1"))
    assert result.returncode == 0, result.stderr
    assert colour_codes(result.stdout)


def test_no_color_wins_over_force_color() -> None:
    result = migdev("questionnaire", "show", env=clean_env(FORCE_COLOR="1", NO_COLOR="1"))
    assert result.returncode == 0, result.stderr
    assert colour_codes(result.stdout) == []


def test_no_color_with_cli_runner() -> None:
    result = runner.invoke(app, ["questionnaire", "show"], env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert colour_codes(result.output) == []


# --------------------------------------------------------------------------- width


def widest(output: str) -> int:
    return max(len(line) for line in output.splitlines())


def test_width_follows_columns_cli_runner() -> None:
    widths = {}
    for columns in (60, 200):
        result = runner.invoke(app, ["instruments", "list"], env={"COLUMNS": str(columns)})
        assert result.exit_code == 0, result.output
        widths[columns] = widest(result.stdout)
        assert widths[columns] <= columns, (columns, widths[columns])
    assert widths[60] < widths[200]


def test_width_follows_columns_subprocess(answers_file: Path) -> None:
    for args in (["instruments", "list"], ["assess", "--answers", str(answers_file)]):
        widths = {}
        for columns in (60, 200):
            result = migdev(*args, env=clean_env(COLUMNS=str(columns)))
            assert result.returncode == 0, result.stderr
            widths[columns] = widest(result.stdout)
            assert widths[columns] <= columns, (args, columns, widths[columns])
        assert widths[60] < widths[200], args


# --------------------------------------------------------------------------- lazy imports

NOT_AT_IMPORT = [
    "questionary",
    "prompt_toolkit",
    "rich",
    "openpyxl",
    "migdev_cli.render",
    "migdev_cli.export",
    "migdev_cli.session",
    "migdev_cli.prompts",
    "migdev_cli.interview_state",
]


def test_importing_the_cli_module_stays_lean() -> None:
    code = "import migdev_cli.cli, sys; print('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    modules = set(result.stdout.split())
    assert "migdev_cli.cli" in modules
    loaded = sorted(m for m in modules if any(m == bad or m.startswith(bad + ".") for bad in NOT_AT_IMPORT))
    assert loaded == [], f"imported at module level: {loaded}"


def test_help_does_not_import_the_prompt_library() -> None:
    code = "import sys; from migdev_cli.cli import main; sys.argv = ['migdev', '--help']; main()"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, timeout=60, env=clean_env()
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Usage" in result.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time")
    }
    assert "typer" in imported  # the importtime report was read
    for bad in ("questionary", "prompt_toolkit", "openpyxl", "migdev_cli.export", "migdev_cli.session"):
        assert bad not in imported, f"`migdev --help` imported {bad}"


def _modules_after(args: list[str], env: dict[str, str]) -> set[str]:
    """Run a migdev command in a fresh interpreter; the modules it had imported by the end."""
    code = (
        "import sys, atexit\n"
        "atexit.register(lambda: sys.stderr.write('MODULES ' + ' '.join(sorted(sys.modules))))\n"
        "from migdev_cli.cli import main\n"
        f"sys.argv = ['migdev', *{args!r}]\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return set(result.stderr.rsplit("MODULES ", 1)[1].split())


@pytest.mark.cold_cache
@pytest.mark.parametrize("command", ["list", "assess"])
def test_unchanged_files_are_read_without_pydantic_or_yaml(command: str, answers_file: Path) -> None:
    """The first run validates (pydantic) and parses (PyYAML); a second run on the same files
    takes the validated documents from the cache and imports neither."""
    args = ["instruments", "list"] if command == "list" else ["assess", "--answers", str(answers_file)]
    env = clean_env()
    first = _modules_after(args, env)
    assert {"pydantic", "yaml"} <= first
    second = _modules_after(args, env)
    assert "migdev_cli.cache" in second
    heavy = sorted(m for m in second if m.split(".")[0] in ("pydantic", "pydantic_core", "yaml"))
    assert heavy == [], f"a run from the cache imported {heavy}"


# --------------------------------------------------------------------------- closed pipes


def _many_instruments(root: Path, count: int) -> Path:
    """A data directory with ``count`` copies of one built-in instrument (new ids, no related)."""
    from migdev_cli.catalog import builtin_data_dir

    text = (builtin_data_dir() / "instruments" / "diaspora-bond.yaml").read_text(encoding="utf-8")
    text = without_related(text)
    (root / "instruments").mkdir(parents=True)
    for n in range(count):
        copy = text.replace("id: diaspora-bond", f"id: diaspora-bond-{n:04d}", 1)
        (root / "instruments" / f"bond-{n:04d}.yaml").write_text(copy, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def many_instruments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,500 instruments and a cache for them, shared by the listings below (written once)."""
    return _many_instruments(tmp_path_factory.mktemp("many") / "data", 1500)


@pytest.mark.parametrize("args", [["instruments", "list"], ["instruments", "list", "--json"]])
def test_a_reader_that_stops_early_ends_the_command_quietly(args: list[str], many_instruments: Path) -> None:
    """`migdev instruments list | head -2`: no traceback and no 'internal error' once the
    reader has gone (the listing is far larger than the pipe's buffer)."""
    data = many_instruments
    cmd = migdev_command()
    env = clean_env()
    env["MIGDEV_CACHE_DIR"] = str(data.parent / "cache")
    full = [*cmd, "--data-dir", str(data), "--no-builtin", *args]
    assert subprocess.run(full, env=env, capture_output=True, timeout=120).returncode == 0  # warms the cache
    proc = subprocess.Popen(full, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    assert proc.stdout is not None and proc.stderr is not None
    got = b""
    while got.count(b"\n") < 2:  # byte by byte, as `head` reads no further than it needs
        chunk = os.read(proc.stdout.fileno(), 1)
        assert chunk, "the listing ended early"
        got += chunk
    proc.stdout.close()  # the reader stops after two lines (the count and the header)
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "internal error" not in err and "Traceback" not in err, err
    assert proc.returncode in (0, 1)


@pytest.fixture(scope="module")
def first_ranked(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The ranking of ANSWERS, from the real command's JSON (run once for the widths below)."""
    path = tmp_path_factory.mktemp("ranked") / "answers.yaml"
    path.write_text(ANSWERS, encoding="utf-8")
    return json.loads(migdev("assess", "--answers", str(path), "--json", env=clean_env()).stdout)


@pytest.mark.parametrize("columns", [30, 50])
def test_a_narrow_terminal_still_shows_the_instrument_names(
    columns: int, answers_file: Path, first_ranked: dict
) -> None:
    ranking = first_ranked
    # The name's first word, up to a hyphen: a long hyphenated word may wrap inside the narrow column.
    first = re.split(r"[\s-]", ranking["ranking"][0]["name"])[0]
    result = migdev("assess", "--answers", str(answers_file), env=clean_env(COLUMNS=str(columns)))
    assert result.returncode == 0, result.stderr
    table = result.stdout.split("Excluded instruments")[0]
    assert re.search(rf"│ +1 │ {re.escape(first)}\b", table), table[:2000]
    assert widest(result.stdout) <= columns
