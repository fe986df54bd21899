"""Writing files so that nothing is lost: atomic replace, and no silent overwrite."""

from __future__ import annotations

import glob
import os
import tempfile
import time
from pathlib import Path

from .errors import MigdevError, OutputExists


def write_atomic(path: Path, text: str | bytes, *, force: bool = False) -> None:
    """Write ``text`` (or bytes) to a temporary file beside ``path``, then rename it into place.

    A reader (or a crash) sees either the old file or the new one, never a partial one.
    Without ``force`` an existing file is left alone and OutputExists is raised.
    """
    if not str(path) or str(path) in (".", os.sep) or path.name in ("", ".", ".."):
        raise MigdevError(f"{str(path)!r} is not a file name")
    if os.path.lexists(path) and not force:  # lexists: a dangling symlink counts as existing
        raise OutputExists(f"{path} already exists; use --force to overwrite it")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        problem = "is not a directory" if directory.exists() else "does not exist"
        raise MigdevError(f"{path}: {directory} {problem}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise MigdevError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        data = text.encode("utf-8") if isinstance(text, str) else text
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if not force and os.path.lexists(path):
            raise OutputExists(f"{path} already exists; use --force to overwrite it")
        os.chmod(tmp, _mode(path))
        os.replace(tmp, path)
        _sweep(directory, path.name)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise MigdevError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


STALE_SECONDS = 3600


def _mode(path: Path) -> int:
    """The permissions the written file gets: those of the file it replaces, else what a plain
    open() would give (0666 less the umask). The temporary file starts private (0600)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _sweep(directory: Path, name: str) -> None:
    """Remove temporary files of earlier writes to ``name`` that were killed before they could
    clean up (SIGKILL, power loss). Only files over an hour old: a write in progress is younger."""
    now = time.time()
    for old in directory.glob(f".{glob.escape(name)}.{'?' * 8}.tmp"):
        try:
            if now - old.stat().st_mtime > STALE_SECONDS:
                old.unlink()
        except OSError:
            pass
