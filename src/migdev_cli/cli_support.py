"""Command-line conventions: global options before or after the command, shell completion
(bash, zsh, fish), the examples that end each command's help, and what the commands share (the
catalog the global options name, JSON output, checking an option's value against a vocabulary).

Imported with the CLI, so it imports only the standard library and typer at module level; the
catalog and the vocabularies are loaded only when the shell asks for a completion.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer

from .errors import UsageError

# Global options: accepted before or after the command (`migdev instruments list --data-dir DIR`).
_GLOBAL_VALUED, _GLOBAL_FLAGS = ("--data-dir",), ("--no-builtin",)
_ROOT_VALUED = (*_GLOBAL_VALUED, "--show-completion", "--install-completion")
_COMPLETION_SHELLS = ("bash", "zsh", "fish")


def globals_first(args: list[str]) -> list[str]:
    """``args`` with the global options found after the command moved before it (nothing after ``--``)."""
    head: list[str] = []  # the root's options and the command's name
    moved: list[str] = []
    tail: list[str] = []
    command_seen = False
    i = 0
    while i < len(args):
        arg, following = args[i], args[i + 1] if i + 1 < len(args) else None
        if arg == "--":
            (tail if command_seen else head).extend(args[i:])
            break
        if not command_seen:
            if arg in _ROOT_VALUED and following not in (None, "--"):
                head += [arg, following]
                i += 2
                continue
            head.append(arg)
            command_seen = not arg.startswith("-")
        elif arg in _GLOBAL_VALUED and following not in (None, "--"):
            moved += [arg, following]
            i += 2
            continue
        elif arg in _GLOBAL_FLAGS or arg.startswith(tuple(f"{o}=" for o in _GLOBAL_VALUED)):
            moved.append(arg)
        else:
            tail.append(arg)
        i += 1
    return head[:-1] + moved + head[-1:] + tail if moved else args  # moved only once the command was seen


def your_shell(args: list[str]) -> list[str]:
    """``--show-completion`` / ``--install-completion`` without a shell's name: the login shell's ($SHELL)."""
    shell = Path(os.environ.get("SHELL", "")).name
    for n, arg in enumerate(args):
        if arg in ("--show-completion", "--install-completion") and shell in _COMPLETION_SHELLS:
            if n + 1 == len(args) or args[n + 1].startswith("-"):
                return [*args[: n + 1], shell, *args[n + 1 :]]
    return args


def examples(*commands: str) -> str:
    """A command's help epilog: one or two examples, kept as written (``\\b`` stops click rewrapping)."""
    return "\b\nExamples:\n" + "\n".join(f"  {command}" for command in commands)


def _completion_shell(value: str | None) -> str | None:
    if value is not None and value not in _COMPLETION_SHELLS:
        raise typer.BadParameter(f"{value!r}: choose bash, zsh or fish")
    return value


def show_completion(value: str | None) -> None:
    if _completion_shell(value):
        from typer._completion_shared import get_completion_script

        typer.echo(get_completion_script(prog_name="migdev", complete_var="_MIGDEV_COMPLETE", shell=str(value)))
        raise typer.Exit()


def install_completion(value: str | None) -> None:
    if _completion_shell(value):
        from typer._completion_shared import install

        shell, path = install(shell=value, prog_name="migdev", complete_var="_MIGDEV_COMPLETE")
        typer.echo(f"{shell} completion installed in {path}; it works in new terminals.")
        raise typer.Exit()


def _completion_catalog(ctx: typer.Context) -> Any:
    """The catalog for a completion: --data-dir and --no-builtin as typed so far; None when it cannot load."""
    from .catalog import load

    params = ctx.find_root().params
    data_dir = params.get("data_dir") or os.environ.get("MIGDEV_DATA_DIR") or None
    try:
        return load(Path(data_dir) if data_dir else None, bool(params.get("no_builtin")) and data_dir is not None)
    except Exception:  # a completion never prints an error
        return None


def complete_instrument_ids(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    catalog = _completion_catalog(ctx)
    if catalog is None:
        return []
    return [(i.id, i.name) for i in catalog.sorted_instruments() if i.id.startswith(incomplete)]


def complete_questionnaire_ids(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    catalog = _completion_catalog(ctx)
    if catalog is None:
        return []
    return [(q.id, q.title) for qid, q in sorted(catalog.questionnaires.items()) if qid.startswith(incomplete)]


def complete_from(vocabulary: str) -> Any:
    """A completion callback offering the ids of one of vocab's dictionaries (imported only when completing)."""

    def complete(incomplete: str) -> list[tuple[str, str]]:
        from . import vocab

        return [(k, v) for k, v in getattr(vocab, vocabulary).items() if k.startswith(incomplete)]

    return complete


# --------------------------------------------------------------------------- shared by the commands


def root_obj(ctx: typer.Context) -> dict[str, Any]:
    """The global options as the root command stored them (``data_dir``, ``no_builtin``)."""
    return ctx.find_root().obj or {}


def catalog_for(ctx: typer.Context) -> Any:
    """The catalog that --data-dir and --no-builtin name."""
    from .catalog import load

    obj = root_obj(ctx)
    return load(obj.get("data_dir"), obj.get("no_builtin", False))


def print_json(data: Any) -> None:
    """``data`` as indented JSON on standard output."""
    from .escaping import json_safe

    typer.echo(json_safe(json.dumps(data, indent=2, ensure_ascii=False)))


def check_choice(option: str, value: str | None, allowed: dict[str, str]) -> None:
    """A usage error (with a suggestion) when ``value`` is given and not one of ``allowed``."""
    from .suggest import did_you_mean

    if value is not None and value not in allowed:
        raise UsageError(
            f"{option}: unknown value {value!r}{did_you_mean(value, allowed)}; allowed: {', '.join(allowed)}"
        )
