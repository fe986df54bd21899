"""The click group every migdev command runs in: global options first, and every error mapped to
its exit code and a message on stderr, without a traceback (in ``MigdevGroup.invoke``, the one place).

Imported with the CLI, so it imports only the standard library and typer at module level.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import typer
from typer.core import TyperGroup

from .cli_support import globals_first, your_shell
from .errors import DataError, ExitCode, Interrupted, MigdevError, MigdevWarning
from .escaping import visible

# click's own exceptions (usage errors, exit, abort) keep their meaning; typer may vendor click.
_CLICK_ERRORS: tuple[type[Exception], ...] = tuple(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
) + (
    typer.Exit,
    typer.Abort,
)


class MigdevGroup(TyperGroup):
    """Maps every migdev error to its exit code and a message on stderr, without a traceback."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if ctx.parent is None:
            args = your_shell(globals_first(args))
        return super().parse_args(ctx, args)

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: str | None = None) -> None:
        # Shell completion asks the program itself (_MIGDEV_COMPLETE=...); typer's completion
        # classes, which match the scripts of --show-completion, are registered only then.
        if os.environ.get(complete_var or f"_{prog_name}_COMPLETE".replace("-", "_").upper()):
            from typer._completion_classes import completion_init

            completion_init()
        super()._main_shell_completion(ctx_args, prog_name, complete_var)

    def invoke(self, ctx: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("always", MigdevWarning)
            python_shows = warnings.showwarning

            def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
                """migdev's own warnings as one line on stderr; others as Python shows them."""
                if issubclass(category, MigdevWarning):
                    typer.echo(f"warning: {visible(message, keep='')}", err=True)
                else:
                    python_shows(message, category, *args, **kwargs)

            warnings.showwarning = show
            return self._invoke(ctx)

    def _invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except MigdevError as exc:
            # problems start with file:line; an interruption is not an error
            prefix = "" if isinstance(exc, (DataError, Interrupted)) else "error: "
            for line in exc.lines():  # a file name or a value from a file may hold control characters
                typer.echo(visible(prefix + line, keep=""), err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except BrokenPipeError:
            # The reader stopped early (`migdev instruments list | head`): stop quietly. Point
            # stdout at /dev/null so that flushing it at exit does not fail again.
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            raise typer.Exit(ExitCode.ERROR) from None
        except _CLICK_ERRORS:
            raise
        except Exception as exc:  # a bug: one line, details on request
            if os.environ.get("MIGDEV_DEBUG"):
                raise
            shown = visible(f"{type(exc).__name__}: {exc}", keep="")
            typer.echo(f"internal error: {shown} (set MIGDEV_DEBUG=1 for details)", err=True)
            raise typer.Exit(ExitCode.ERROR) from None
