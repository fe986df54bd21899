"""CLI conventions: -h, help text and examples everywhere, global options anywhere, shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migdev_cli.cli import app
from migdev_cli.cli_support import globals_first


def _commands() -> list[tuple[list[str], object]]:
    """Every command and group with its path of names, the root first."""
    from typer.main import get_command

    found = []

    def walk(path: list[str], cmd) -> None:
        found.append((path, cmd))
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk([*path, name], sub)

    walk([], get_command(app))
    return found


def test_every_command_option_and_argument_has_help_text():
    undocumented = []
    for path, cmd in _commands():
        name = " ".join(["migdev", *path])
        if not (cmd.help or "").strip():
            undocumented.append(name)
        for param in cmd.params:
            if not (getattr(param, "help", None) or "").strip():
                undocumented.append(f"{name} {param.name}")
    assert undocumented == []


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_dash_h_and_help_work_everywhere_and_end_with_examples(runner, flag):
    for path, _ in _commands():
        result = runner.invoke(app, [*path, flag])
        assert result.exit_code == 0, (path, result.output)
        assert result.stdout.startswith("Usage: "), path
        examples = result.stdout.rstrip().split("Examples:")
        assert len(examples) == 2, path
        lines = [line.strip() for line in examples[1].strip().splitlines()]
        assert 1 <= len(lines) <= 2 and all(line.startswith("migdev ") for line in lines), (path, lines)


def test_help_examples_run_as_written(runner, tmp_path: Path, monkeypatch):
    """The examples that only read (no interview, no files of the user's) succeed."""
    monkeypatch.chdir(tmp_path)
    seen: set[str] = set()
    for _, cmd in _commands():
        for line in (cmd.epilog or "").splitlines()[2:]:
            args = line.split()[1:]
            if (
                line in seen
                or ">" in args
                or any(a.endswith((".yaml", ".csv", "/")) for a in args)
                or args == ["assess"]
            ):
                continue
            result = runner.invoke(app, args)
            assert result.exit_code == 0, (line, result.output)
            seen.add(line)
    assert len(seen) >= 6


def test_global_options_before_or_after_the_command(runner, data_dir: Path):
    before = runner.invoke(app, ["--data-dir", str(data_dir), "--no-builtin", "instruments", "list", "--json"])
    after = runner.invoke(app, ["instruments", "list", "--json", "--data-dir", str(data_dir), "--no-builtin"])
    equals = runner.invoke(app, ["instruments", "--no-builtin", "list", f"--data-dir={data_dir}", "--json"])
    assert before.exit_code == after.exit_code == equals.exit_code == 0, after.output
    assert sorted(i["id"] for i in json.loads(before.stdout)) == ["diaspora-bond", "transnational-mentoring"]
    assert json.loads(after.stdout) == json.loads(equals.stdout) == json.loads(before.stdout)


def test_a_missing_global_value_after_the_command_is_a_usage_error(runner):
    result = runner.invoke(app, ["instruments", "list", "--data-dir"])
    assert result.exit_code == 2
    assert "--data-dir" in result.output


@given(
    st.lists(st.sampled_from(["list", "show", "x", "--json", "--top", "3", "--data-dir", "D", "--no-builtin", "--"]))
)
def test_moving_global_options_keeps_every_argument(args: list[str]):
    moved = globals_first(args)
    assert sorted(moved) == sorted(args)
    if "--" in args:  # nothing after `--` moves
        assert moved[moved.index("--") :] == args[args.index("--") :]
    end = moved.index("--") if "--" in moved else len(moved)
    command = next(
        (n for n in range(end) if not moved[n].startswith("-") and (n == 0 or moved[n - 1] != "--data-dir")), None
    )
    if command is not None:  # the global flags now stand before the command
        assert "--no-builtin" not in moved[command + 1 : end]


def _complete(shell: str, words: str, tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGDEV_DATA")}
    env.update(_MIGDEV_COMPLETE=f"complete_{shell}", MIGDEV_CACHE_DIR=str(tmp_path / "cache"))
    if shell == "bash":
        env.update(COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - (0 if words.endswith(" ") else 1)))
    else:
        env.update(_TYPER_COMPLETE_ARGS=words, _TYPER_COMPLETE_FISH_ACTION="get-args")
    code = "from migdev_cli.cli import main; main()"
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout


def test_completion_of_commands_options_and_ids(tmp_path: Path, catalog):
    assert _complete("bash", "migdev instr", tmp_path).split() == ["instruments"]
    assert "--search" in _complete("bash", "migdev instruments list --", tmp_path).split()
    diaspora = sorted(i for i in catalog.instruments if i.startswith("diaspora-b"))
    assert sorted(_complete("bash", "migdev instruments show diaspora-b", tmp_path).split()) == diaspora
    assert "core" in _complete("fish", "migdev assess --questionnaire ", tmp_path)
    assert '"trade":"Trade"' in _complete("zsh", "migdev instruments list --area tr", tmp_path)


def test_completion_follows_data_dir_typed_after_the_command(tmp_path: Path, data_dir: Path):
    words = f"migdev instruments show --data-dir {data_dir} --no-builtin "
    assert sorted(_complete("bash", words, tmp_path).split()) == ["diaspora-bond", "transnational-mentoring"]
    # an unreadable catalog completes nothing, quietly
    assert _complete("bash", "migdev instruments show --data-dir /nonexistent ", tmp_path).strip() == ""


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_a_script_for_each_shell(runner, shell):
    result = runner.invoke(app, ["--show-completion", shell])
    assert result.exit_code == 0
    assert "_MIGDEV_COMPLETE" in result.stdout and f"complete_{shell}" in result.stdout


def test_show_completion_rejects_other_shells(runner):
    result = runner.invoke(app, ["--show-completion", "tcsh"])
    assert result.exit_code == 2
    assert "bash, zsh or fish" in result.output


def test_show_completion_defaults_to_the_login_shell(runner, monkeypatch):
    monkeypatch.setenv("SHELL", "/usr/bin/zsh")
    result = runner.invoke(app, ["--show-completion"])
    assert result.exit_code == 0 and "complete_zsh" in result.stdout
    monkeypatch.setenv("SHELL", "/bin/tcsh")  # not one migdev completes: the shell must be named
    assert runner.invoke(app, ["--show-completion"]).exit_code == 2


def test_install_completion_writes_to_the_shells_start_up_file(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGDEV_DATA")}
    env.update(HOME=str(tmp_path), SHELL="/bin/bash")
    code = "from migdev_cli.cli import main; main()"
    proc = subprocess.run(
        [sys.executable, "-c", code, "--install-completion"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "bash completion installed" in proc.stdout
    assert "migdev" in (tmp_path / ".bashrc").read_text()


def test_a_plain_install_has_what_every_main_flow_needs():
    """The field survey is a main flow: openpyxl (XLSForm export, XLSX responses) is no extra."""
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    names = {dep.split(">")[0].split("=")[0].split("<")[0].strip().lower() for dep in project["dependencies"]}
    assert {"openpyxl", "typer", "rich", "pydantic", "pyyaml", "questionary"} <= names
