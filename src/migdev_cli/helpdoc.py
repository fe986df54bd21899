"""The command reference (docs/commands.md), generated from the CLI's own help.

Every command's ``--help`` text, as the terminal shows it at 80 columns, under a heading per
command. ``scripts/update_docs.py`` writes it; a test fails when the file is stale.
"""

from __future__ import annotations

from typing import Any

WIDTH = 80

INTRO = """\
# Command reference

Generated from the commands' own `--help` by `python scripts/update_docs.py`; do not edit by hand.
Every command also takes `-h`. The global options `--data-dir DIR` and `--no-builtin` may stand
before or after the command (`migdev instruments list --data-dir DIR`).
"""


def command_paths(root: Any) -> list[tuple[list[str], Any]]:
    """Every group and command below ``root`` (a click command), with its path of names, root first."""
    found: list[tuple[list[str], Any]] = []

    def walk(path: list[str], command: Any) -> None:
        found.append((path, command))
        for name in sorted(getattr(command, "commands", {}) or {}):
            walk([*path, name], command.commands[name])

    walk([], root)
    return found


def help_text(root: Any, path: list[str], width: int = WIDTH) -> str:
    """The ``--help`` text of the command at ``path``, formatted for ``width`` columns."""
    from typer._click import Context

    settings = {**(root.context_settings or {}), "terminal_width": width, "max_content_width": width}
    ctx = Context(root, info_name="migdev", **settings)
    command = root
    for name in path:
        command = command.commands[name]
        ctx = Context(command, info_name=name, parent=ctx, terminal_width=width, max_content_width=width)
    return command.get_help(ctx).rstrip()


def commands_markdown() -> str:
    """docs/commands.md: a contents list, then each command's help in a text block."""
    from typer.main import get_command

    from .cli import app

    root = get_command(app)
    paths = command_paths(root)
    names = [" ".join(["migdev", *path]) for path, _ in paths]
    lines = [INTRO, "## Contents", ""]
    for name in names:
        anchor = name.replace(" ", "-")
        lines.append(f"- [`{name}`](#{anchor})")
    for name, (path, _) in zip(names, paths, strict=True):
        lines += ["", f"## {name}", "", "```text", help_text(root, path), "```"]
    return "\n".join(lines) + "\n"
