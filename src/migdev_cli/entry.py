"""The ``migdev`` command's entry point, and the one decision about Python's cycle collector.

A migdev command is a short-lived process that makes many long-lived objects (typer's and the
CLI's modules, the catalog, survey results) and little cyclic garbage, yet the cycle collector
runs again and again while they are made, scanning them all each time, and once more when the
interpreter exits. So the ``migdev`` process switches it off before anything else is imported,
and freezes (``gc.freeze``) what is alive when the command ends, so that the collection at exit
has nothing to scan. Reference counting still frees every object that is not in a cycle.
Library callers and tests (which import ``migdev_cli.cli``) keep Python's default. The
measurements are in docs/development.md.
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    try:
        from .cli import main as run

        run()
    finally:
        gc.freeze()
