"""The document cache: validated catalog and answers files kept as JSON, so an unchanged
file is neither parsed nor validated again."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import zlib
from pathlib import Path
from typing import Any, TypeVar

from . import __version__
from .errors import MigdevError
from .fileio import write_atomic

ENV_CACHE_DIR = "MIGDEV_CACHE_DIR"  # where validated files are cached; empty: no cache
ENV_NO_CACHE = "MIGDEV_NO_CACHE"

# Parsing YAML and validating it costs more than the rest of `migdev instruments list`,
# and importing pydantic alone costs more than the libraries a listing needs. The cache
# keeps, per data directory (or answers file), the validated document of every file as
# JSON (serialize.to_data), keyed by a SHA-256 digest of the file's bytes;
# serialize.from_data rebuilds it without pydantic. It holds no Python objects (JSON only),
# it is written only for files that loaded without problems, and any doubt means reading the
# file afresh: a different code stamp, a checksum of the entries that does not match (a
# damaged or edited cache file), or an entry that does not rebuild.

CACHE_FORMAT = 2
_CODE = ("cache.py", "constraints.py", "loader.py", "models.py", "safe_yaml.py", "serialize.py", "vocab.py")


def cache_dir() -> Path | None:
    """MIGDEV_CACHE_DIR, else $XDG_CACHE_HOME/migdev or ~/.cache/migdev; None when disabled."""
    if os.environ.get(ENV_NO_CACHE):
        return None
    if ENV_CACHE_DIR in os.environ:
        chosen = os.environ[ENV_CACHE_DIR]
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "migdev"


@functools.cache
def _code_stamp() -> str:
    """Changes whenever the code that parses, validates or rebuilds could change: then the cache is dropped.

    That is our modules and the installed PyYAML, pydantic and pydantic-core (found, not imported)."""
    import importlib.util

    files = [Path(__file__).parent / module for module in _CODE]
    for package in ("yaml", "pydantic", "pydantic_core"):
        spec = importlib.util.find_spec(package)
        files.append(Path(spec.origin) if spec and spec.origin else Path(package))
    parts = [str(CACHE_FORMAT), __version__]
    for path in files:
        try:
            stat = path.stat()
            parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append(str(path))
    return "|".join(parts)


def checksum(body: bytes) -> int:
    """A checksum of the entries, to notice a damaged or hand-edited cache file (CRC-32 is
    made for catching damage, and is much faster than a cryptographic hash on many megabytes)."""
    return zlib.crc32(body)


class DocumentCache:
    """Validated documents of one data directory's files (or of one answers file), keyed by content digest."""

    def __init__(self, root: Path | None, scope: Path) -> None:
        self.scope = scope
        self.path: Path | None = None
        self.resolved = ""
        self.stamp = _code_stamp()
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
        self.path = root / f"documents-{name}.json"
        try:
            header, body = self.path.read_bytes().split(b"\n", 1)
            stored = json.loads(header)
            if (
                stored.get("stamp") == self.stamp
                and stored.get("scope") == self.resolved
                and stored.get("check") == checksum(body)
            ):
                entries = json.loads(body)
                if isinstance(entries, dict):
                    self.entries = entries
        except (OSError, ValueError, AttributeError):
            pass

    @staticmethod
    def digest(raw: bytes) -> str:
        return hashlib.sha256(raw).hexdigest()[:40]  # SHA-256 runs in hardware on most CPUs

    def get(self, key: str, digest: str) -> Any | None:
        entry = self.entries.get(key)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == digest and isinstance(entry[1], dict):
            self.seen[key] = entry
            return entry[1]
        return None

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
        """Write the entries used in this run (atomically), or only mark an unchanged cache file
        as used; a cache that cannot be written is skipped."""
        if self.path is None:
            return
        try:
            if not (self.changed or self.seen.keys() != self.entries.keys()):
                if self.seen:
                    os.utime(self.path)  # recently used: pruning keeps it
                return
            # A header line (with a checksum of the entries, so a damaged file is noticed) and the entries.
            body = json.dumps(self.seen, ensure_ascii=False, separators=(",", ":"))
            header = json.dumps({"stamp": self.stamp, "scope": self.resolved, "check": checksum(body.encode())})
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, header + "\n" + body, force=True)
            self._prune()
        except (OSError, ValueError, MigdevError):
            pass

    def _prune(self, keep: int = 32) -> None:
        """Keep the caches of the 32 most recently used directories and answers files only
        (tests create many), and drop files of the earlier cache format."""
        assert self.path is not None
        for old in self.path.parent.glob("parsed-*.json"):
            old.unlink(missing_ok=True)
        files = sorted(self.path.parent.glob("documents-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            old.unlink(missing_ok=True)


M = TypeVar("M")


def load_cached(model: type[M], path: Path, name: str, cache: DocumentCache) -> tuple[M, Any, str | bytes]:
    """Read one file and take its validated document from the cache when the file is unchanged;
    otherwise parse and validate it (every problem reported with its line) and cache the result.

    Returns (document, parsed data or None when it came from the cache, source): the source
    is the file's text, or its bytes when it came from the cache (decoded only if needed)."""
    from .loader import decode_text, parse_yaml, read_bytes, validate
    from .serialize import from_data, to_data

    raw = read_bytes(path, name)
    key = path.name if cache.scope == path else f"{path.parent.name}/{path.name}"
    digest = cache.digest(raw)
    cached = cache.get(key, digest)
    if cached is not None:
        try:
            return from_data(model, cached), None, raw
        except (TypeError, KeyError, ValueError, AttributeError):
            pass  # a damaged entry: read the file afresh
    text = decode_text(raw, name)
    data = parse_yaml(text, name)
    doc = validate(model, data, text, name)
    cache.put(key, digest, to_data(doc))
    return doc, data, text
