"""Pausing Python's cycle collector while many long-lived objects are made.

Loading the CLI, a catalog or thousands of survey results creates many objects and few or
no garbage cycles, yet the collector runs again and again as they are made, scanning them
all each time. Pausing it for such a block costs nothing; freezing what the block made
(``gc.freeze``) keeps later collections from scanning it at all (see entry.py).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(*, freeze: bool = False) -> Iterator[None]:
    """No automatic collections inside the block; with ``freeze``, every object alive when the
    block ends is exempt from later collections. The collector's earlier state is restored."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if freeze:
            gc.freeze()
    finally:
        if was_enabled:
            gc.enable()
