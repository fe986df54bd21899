"""The document cache: a plain store of validated catalog and answers documents, kept as
JSON so that an unchanged file is neither parsed nor validated again.

:func:`migdev_cli.loader.load_file` decides what to look up and what to store; this module
only keeps it, privately. Parsing YAML and validating it costs more than the rest of
`migdev instruments list`, and importing pydantic alone costs more than the libraries a
listing needs. Per data directory (or answers file) one cache file keeps the validated
document of every file (serialize.to_data), keyed by a SHA-256 digest of the file's bytes;
serialize.from_data rebuilds it without pydantic.

The cache is private. Its directory is created 0700 and not used (with a one-line warning)
when another user owns it or others may write to it; its files are written 0600; only
regular files of our own are read, within a size limit; and every cache file carries an
HMAC-SHA256 of its content under a random key kept (0600) beside it, so a file that another
user (or a damaged disk) made or changed is ignored. Any doubt means reading the files
afresh: another code stamp (derived from the package's own files and the installed PyYAML
and pydantic), another directory, a digest that does not match, an entry that does not
rebuild. Pruning touches only cache files that migdev wrote.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any

from . import __version__
from .errors import MigdevError, MigdevWarning
from .escaping import visible
from .fileio import is_own_regular_file, private_dir_problem, read_private, write_atomic

ENV_CACHE_DIR = "MIGDEV_CACHE_DIR"  # where validated files are cached; empty: no cache
ENV_NO_CACHE = "MIGDEV_NO_CACHE"

CACHE_FORMAT = 3
MAX_CACHE_BYTES = 256_000_000  # one cache file (a catalog of thousands of instruments is tens of MB)
KEEP = 32  # cache files kept: the most recently used directories and answers files
_KEY_FILE = "key"
_KEY_BYTES = 32
_MAGIC = b'{"migdev-cache": '
_OLD_MAGIC = b'{"stamp": "2|'  # format 2 (a public checksum, readable by others): removed, never read
_FILE_NAME = re.compile(r"documents-[0-9a-f]{24}\.json")
_warned: set[str] = set()


def cache_dir() -> Path | None:
    """MIGDEV_CACHE_DIR, else $XDG_CACHE_HOME/migdev or ~/.cache/migdev, when it is private;
    None when the cache is disabled, cannot be created, or is not private (then a warning)."""
    if os.environ.get(ENV_NO_CACHE):
        return None
    if ENV_CACHE_DIR in os.environ:
        chosen = os.environ[ENV_CACHE_DIR]
        if not chosen:
            return None
        root = Path(chosen)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = Path(base) / "migdev"
    problem = private_dir_problem(root)
    if problem is None:
        return root
    if not problem.startswith("cannot") and str(root) not in _warned:  # an unwritable cache is simply skipped
        _warned.add(str(root))
        warnings.warn(
            MigdevWarning(f"cache directory {visible(root, keep='')} not used: {problem}; files are read afresh"),
            stacklevel=2,
        )
    return None


@functools.cache
def _code_stamp() -> str:
    """Changes whenever the code that parses, validates or rebuilds could change: then the cache is dropped.

    Derived from every module of the package (so no list of them is kept by hand) and the
    installed PyYAML, pydantic and pydantic-core (found, not imported)."""
    import importlib.util

    package = Path(__file__).parent
    try:
        with os.scandir(package) as entries:
            files = sorted(package / e.name for e in entries if e.name.endswith(".py"))
    except OSError:
        files = []
    for name in ("yaml", "pydantic", "pydantic_core"):
        spec = importlib.util.find_spec(name)
        files.append(Path(spec.origin) if spec and spec.origin else Path(name))
    parts = [str(CACHE_FORMAT), __version__]
    for path in files:
        try:
            info = path.stat()
            parts.append(f"{path}:{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            parts.append(str(path))
    return hashlib.sha256("|".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _key(root: Path) -> bytes | None:
    """The user's random key for this cache directory, made (0600) on first use; None when
    it cannot be read or made (then nothing is cached)."""
    path = root / _KEY_FILE
    key = read_private(path, _KEY_BYTES)
    if key is not None and len(key) == _KEY_BYTES and not os.lstat(path).st_mode & 0o077:
        return key  # (a key others could read is replaced: every entry signed with it is dropped)
    if os.path.lexists(path) and not is_own_regular_file(path):
        return None  # a link, FIFO or someone else's file: leave it, cache nothing
    try:
        write_atomic(path, os.urandom(_KEY_BYTES), force=True, mode=0o600)
    except MigdevError:
        return None
    key = read_private(path, _KEY_BYTES)  # another process may have written its own at the same time
    return key if key is not None and len(key) == _KEY_BYTES else None


def _mac(key: bytes, stamp: str, scope: str, body: bytes) -> str:
    message = b"\n".join([stamp.encode(), scope.encode("utf-8", "surrogateescape"), body])
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class DocumentCache:
    """Validated documents of one data directory's files (or of one answers file), keyed by content digest."""

    def __init__(self, root: Path | None, scope: Path) -> None:
        self.scope = scope
        self.path: Path | None = None
        self.resolved = ""
        self.stamp = _code_stamp()
        self.key: bytes | None = None
        self.entries: dict[str, list[Any]] = {}  # file key -> [digest, validated document]
        self.seen: dict[str, list[Any]] = {}
        self.changed = False
        if root is None:
            return
        try:
            self.resolved = str(scope.resolve())
            name = hashlib.sha256(os.fsencode(self.resolved)).hexdigest()[:24]
        except (OSError, RuntimeError, ValueError):  # e.g. a symlink loop: reading the file reports it
            return
        self.key = _key(root)
        if self.key is None:
            return
        self.path = root / f"documents-{name}.json"
        self.entries = self._read(self.path, self.key)

    def _read(self, path: Path, key: bytes) -> dict[str, list[Any]]:
        raw = read_private(path, MAX_CACHE_BYTES)
        if raw is None or not raw.startswith(_MAGIC):
            return {}
        try:
            header, body = raw.split(b"\n", 1)
            stored = json.loads(header)
            if not (
                isinstance(stored, dict)
                and stored.get("stamp") == self.stamp
                and stored.get("scope") == self.resolved
                and isinstance(stored.get("mac"), str)
                and hmac.compare_digest(stored["mac"], _mac(key, self.stamp, self.resolved, body))
            ):
                return {}
            entries = json.loads(body.decode("utf-8", "surrogatepass"))  # file names that are not UTF-8
        except (ValueError, RecursionError, MemoryError):
            return {}
        return entries if isinstance(entries, dict) else {}

    @staticmethod
    def digest(raw: bytes) -> str:
        return hashlib.sha256(raw).hexdigest()[:40]  # SHA-256 runs in hardware on most CPUs

    def get(self, key: str, digest: str) -> Any | None:
        """The stored document of a file with this digest, or None."""
        entry = self.entries.get(key)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == digest and isinstance(entry[1], dict):
            return entry[1]
        return None

    def keep(self, key: str) -> None:
        """The stored document was used: keep it when the cache file is written again."""
        if key in self.entries:
            self.seen[key] = self.entries[key]

    def put(self, key: str, digest: str, document: Any) -> None:
        """Keep a document only if JSON gives back exactly what it holds (no dates, sets or non-text keys)."""
        if self.path is None:
            return
        try:
            if json.loads(json.dumps(document, ensure_ascii=False, allow_nan=False)) != document:
                return
        except (TypeError, ValueError, RecursionError):
            return
        self.entries[key] = self.seen[key] = [digest, document]
        self.changed = True

    def save(self) -> None:
        """Write the entries used in this run (atomically, 0600), or only mark an unchanged cache
        file as used; a cache that cannot be written is skipped."""
        if self.path is None or self.key is None:
            return
        try:
            if not (self.changed or self.seen.keys() != self.entries.keys()):
                if self.seen:
                    os.utime(self.path, follow_symlinks=False)  # recently used: pruning keeps it
                return
            body = json.dumps(self.seen, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
            if len(body) > MAX_CACHE_BYTES:  # it would never be read back
                return
            mac = _mac(self.key, self.stamp, self.resolved, body)
            header = json.dumps({"migdev-cache": CACHE_FORMAT, "stamp": self.stamp, "scope": self.resolved, "mac": mac})
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomic(self.path, header.encode() + b"\n" + body, force=True, mode=0o600)
            self._prune()
        except (OSError, ValueError, MigdevError):
            pass

    def _prune(self) -> None:
        """Keep the cache files of the KEEP most recently used directories and answers files
        (tests create many), and remove those of the earlier format (readable by others, and
        never read again). Only files migdev wrote are touched: the exact name, a regular file
        of our own, starting with a cache header."""
        assert self.path is not None
        ours = []
        with os.scandir(self.path.parent) as entries:
            for entry in entries:
                path = self.path.parent / entry.name
                if not (_FILE_NAME.fullmatch(entry.name) and is_own_regular_file(path)):
                    continue
                head = read_private(path, len(_MAGIC), head=True) or b""
                if head.startswith(_OLD_MAGIC):
                    path.unlink(missing_ok=True)
                elif head.startswith(_MAGIC):
                    ours.append((entry.stat(follow_symlinks=False).st_mtime, path))
        ours.sort(reverse=True)
        for _, old in ours[KEEP:]:
            old.unlink(missing_ok=True)
