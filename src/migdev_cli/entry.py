"""The ``migdev`` command's entry point.

Importing typer and the CLI creates many objects and little garbage, yet Python's cycle
collector runs again and again as they are made, scanning them all each time. So it is
paused while the CLI loads, and the loaded objects are then frozen (``gc.freeze``), so later
collections leave them alone; the same is done for the catalog once it is loaded. This
saves about a tenth of a typical command's start-up, and more for large catalogs.
"""

from __future__ import annotations

from .collector import paused


def main() -> None:
    with paused(freeze=True):  # a few hundred objects of import-time garbage are frozen with them
        from .cli import main as run
    run(freeze_loaded=True)
