"""Reading and writing files so that nothing is lost and nothing unbounded is read.

Reading: a size limit checked before and while reading; UTF-8 decoding with the line of a bad
byte. Writing: atomic replace, no silent overwrite, no permissions copied from a planted link.
Private places (the cache and the state directory): created 0700, refused when another user
owns them or others may write to them, and only regular files of our own read from them.
"""

from __future__ import annotations

import glob
import os
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from .errors import DataError, MigdevError, OutputExists, Problem
from .escaping import visible

MAX_BYTES = 2_000_000  # one catalog or answers file


# --------------------------------------------------------------------------- reading


def read_bytes(path: Path, display: str | None = None, limit: int = MAX_BYTES, *, regular_only: bool = False) -> bytes:
    """Read a file within the size limit (never more than the limit into memory), or raise DataError.

    Opening never waits: a FIFO that no program writes to reads as empty. With
    ``regular_only`` (catalog files) a FIFO, device or socket is refused; an answers file
    may be a pipe (``--answers <(...)``)."""
    name = display or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb", closefd=True) as handle:
            info = os.fstat(fd)
            if regular_only and not stat.S_ISREG(info.st_mode):
                raise DataError([Problem(name, None, "", "not a regular file (a FIFO, device or socket); not read")])
            if hasattr(os, "O_NONBLOCK"):
                os.set_blocking(fd, True)  # a pipe with a writer: wait for what it writes
            size = info.st_size
            raw = b"" if size > limit else handle.read(limit + 1)
    except OSError as exc:
        raise DataError([Problem(name, None, "", f"cannot read file: {exc.strerror or exc}")]) from None
    if size > limit or len(raw) > limit:  # (or it grew while being read)
        size = max(size, len(raw))
        raise DataError([Problem(name, 1, "", f"file is too large ({size:,} bytes; the limit is {limit:,})")])
    return raw


def decode_text(raw: bytes, name: str) -> str:
    """UTF-8 bytes as text (a leading byte-order mark dropped), or raise DataError."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError(
            [Problem(name, line, "", f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")]
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def text_of(source: str | bytes, name: str) -> str:
    """A file's text from its text or its bytes (see decode_text)."""
    return source if isinstance(source, str) else decode_text(source, name)


def read_text(path: Path, display: str | None = None) -> str:
    """Read a file as UTF-8 text within the size limit, or raise DataError."""
    name = display or str(path)
    return decode_text(read_bytes(path, name), name)


# --------------------------------------------------------------------------- private places


def private_dir_problem(directory: Path, *, create: bool = True) -> str | None:
    """Why ``directory`` cannot hold private files, or None when it can.

    It is created 0700 when missing (with ``create``). It must be a directory owned by the
    user running migdev that neither the group nor others may write to, not reached through a
    link another user made, nor inside a directory anyone may write to without the sticky bit
    (as /tmp has); an existing directory's mode is left as it is (it may be the user's own).
    """
    if create:
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            return f"cannot create it: {exc.strerror or exc}"
    me = os.geteuid() if hasattr(os, "geteuid") else None
    try:
        link = os.lstat(directory)
        info = os.stat(directory)
    except OSError as exc:
        return f"cannot use it: {exc.strerror or exc}"
    if stat.S_ISLNK(link.st_mode) and me is not None and link.st_uid not in (me, 0):
        return f"it is a link made by another user (uid {link.st_uid})"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a directory"
    if me is not None and info.st_uid != me:
        return f"it belongs to another user (uid {info.st_uid})"
    if info.st_mode & 0o022:
        return f"others may write to it (mode {info.st_mode & 0o777:o})"
    for parent in Path(os.path.abspath(directory)).parents:  # another user could swap it for their own
        try:
            above = os.stat(parent)
        except OSError:
            continue
        if above.st_mode & 0o002 and not above.st_mode & stat.S_ISVTX:
            return f"others may write to {visible(parent, keep='')}, which holds it"
    return None


def read_private(path: Path, limit: int, *, head: bool = False) -> bytes | None:
    """The bytes of a regular file of our own (a link, FIFO or device is not followed or
    opened for reading), or None when there is none or it is larger than ``limit``; with
    ``head``, its first ``limit`` bytes whatever its size."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (info.st_size > limit and not head):
            return None
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
        return data[:limit] if head else data if size <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def is_own_regular_file(path: Path) -> bool:
    """A regular file (not a link) that belongs to the user running migdev."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and (not hasattr(os, "geteuid") or info.st_uid == os.geteuid())


# --------------------------------------------------------------------------- writing


def write_atomic(path: Path, text: str | bytes, *, force: bool = False, mode: int | None = None) -> None:
    """Write ``text`` (or bytes) to a temporary file beside ``path``, then rename it into place.

    A reader (or a crash) sees either the old file or the new one, never a partial one.
    Without ``force`` an existing file is left alone and OutputExists is raised. ``mode``
    gives the new file's permissions (else those of the regular file it replaces, or the
    umask's default).
    """
    try:
        data = text.encode("utf-8") if isinstance(text, str) else text
    except UnicodeEncodeError:  # a lone surrogate: the file could not be read back
        shown = visible(path, keep="")
        raise MigdevError(f"{shown}: cannot write: the text holds a character UTF-8 cannot encode") from None
    write_atomic_with(path, lambda handle: handle.write(data), force=force, mode=mode)


def write_atomic_with(
    path: Path, fill: Callable[[IO[bytes]], object], *, force: bool = False, mode: int | None = None
) -> None:
    """As :func:`write_atomic`, the content written by ``fill`` into the open temporary file (so
    that a long document is streamed to the file, never held in memory whole)."""
    shown = visible(path, keep="")
    if not str(path) or str(path) in (".", os.sep) or path.name in ("", ".", ".."):
        raise MigdevError(f"{visible(repr(str(path)), keep='')} is not a file name")
    if os.path.lexists(path) and not force:  # lexists: a dangling symlink counts as existing
        raise OutputExists(f"{shown} already exists; use --force to overwrite it")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        problem = "is not a directory" if directory.exists() else "does not exist"
        raise MigdevError(f"{shown}: {visible(directory, keep='')} {problem}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise MigdevError(f"{shown}: cannot write: {exc.strerror or exc}") from None
    except (UnicodeError, ValueError) as exc:  # a name the file system cannot hold
        raise MigdevError(f"{shown}: cannot write: {visible(exc, keep='')}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            try:
                fill(handle)
            except UnicodeEncodeError:  # a lone surrogate: the file could not be read back
                raise MigdevError(f"{shown}: cannot write: the text holds a character UTF-8 cannot encode") from None
            handle.flush()
            os.fsync(handle.fileno())
        if not force and os.path.lexists(path):
            raise OutputExists(f"{shown} already exists; use --force to overwrite it")
        os.chmod(tmp, _mode(path) if mode is None else mode)
        os.replace(tmp, path)
        _sweep(directory, path.name)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise MigdevError(f"{shown}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


STALE_SECONDS = 3600


def _mode(path: Path) -> int:
    """The permissions the written file gets: those of the regular file it replaces (never
    set-user-ID, set-group-ID or sticky; never those of a link's target), else what a plain
    open() would give (0666 less the umask). The temporary file starts private (0600)."""
    try:
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode):
            return info.st_mode & 0o777
    except OSError:
        pass
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _sweep(directory: Path, name: str) -> None:
    """Remove temporary files of earlier writes to ``name`` that were killed before they could
    clean up (SIGKILL, power loss). Only files over an hour old: a write in progress is younger."""
    now = time.time()
    for old in directory.glob(f".{glob.escape(name)}.{'?' * 8}.tmp"):
        try:
            if now - old.lstat().st_mtime > STALE_SECONDS:
                old.unlink()
        except OSError:
            pass
