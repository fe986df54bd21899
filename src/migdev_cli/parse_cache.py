"""The parse cache: parsed catalog files kept as JSON, so YAML is parsed only when a file changes."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from . import __version__
from .errors import MigdevError
from .fileio import write_atomic

ENV_CACHE_DIR = "MIGDEV_CACHE_DIR"  # where parsed catalog files are cached; empty: no cache
ENV_NO_CACHE = "MIGDEV_NO_CACHE"

# Parsing YAML is most of the time `migdev instruments list` spends on the catalog (PyYAML
# builds its Python objects in Python; validation is fast). The parse cache keeps, per data
# directory, the parsed data of every file as JSON keyed by a digest of the file's bytes.
# It holds no Python objects (JSON only), every document read from it is validated again,
# and it is only written for files that loaded without problems; any doubt means a re-parse.

CACHE_FORMAT = 1


def cache_dir() -> Path | None:
    """MIGDEV_CACHE_DIR, else $XDG_CACHE_HOME/migdev or ~/.cache/migdev; None when disabled."""
    if os.environ.get(ENV_NO_CACHE):
        return None
    if ENV_CACHE_DIR in os.environ:
        chosen = os.environ[ENV_CACHE_DIR]
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "migdev"


def _code_stamp() -> str:
    """Changes whenever the code that parses or validates could change: then the cache is dropped."""
    import yaml

    here = Path(__file__).parent
    parts = [str(CACHE_FORMAT), __version__, yaml.__version__]
    for module in ("loader.py", "models.py", "vocab.py"):
        try:
            stat = (here / module).stat()
            parts.append(f"{module}:{stat.st_size}:{stat.st_mtime_ns}")
        except OSError:
            parts.append(module)
    return "|".join(parts)


class ParseCache:
    """Parsed documents of one data directory's files, as JSON text keyed by content digest."""

    def __init__(self, root: Path | None, directory: Path) -> None:
        self.path: Path | None = None
        self.directory = ""
        self.stamp = _code_stamp()
        self.entries: dict[str, list[str]] = {}  # file key -> [digest, JSON of the parsed data]
        self.seen: dict[str, list[str]] = {}
        self.changed = False
        if root is None:
            return
        try:
            self.directory = str(directory.resolve())
        except OSError:
            return
        self.path = root / f"parsed-{hashlib.sha256(self.directory.encode()).hexdigest()[:24]}.json"
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if stored.get("stamp") == self.stamp and stored.get("directory") == self.directory:
                entries = stored.get("entries", {})
                if isinstance(entries, dict):
                    self.entries = entries
        except (OSError, ValueError, AttributeError):
            pass

    @staticmethod
    def digest(raw: bytes) -> str:
        return hashlib.blake2b(raw, digest_size=20).hexdigest()

    def get(self, key: str, digest: str) -> str | None:
        entry = self.entries.get(key)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == digest and isinstance(entry[1], str):
            self.seen[key] = entry
            return entry[1]
        return None

    def put(self, key: str, digest: str, data: Any) -> None:
        """Keep data only if JSON gives back exactly what YAML gave (no dates, sets or non-text keys)."""
        try:
            encoded = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            if json.loads(encoded) != data:
                return
        except (TypeError, ValueError, RecursionError):
            return
        self.entries[key] = self.seen[key] = [digest, encoded]
        self.changed = True

    def save(self) -> None:
        """Write the entries used in this run (atomically); a cache that cannot be written is skipped."""
        if self.path is None or not (self.changed or self.seen.keys() != self.entries.keys()):
            return
        payload = {"stamp": self.stamp, "directory": self.directory, "entries": self.seen}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(payload, ensure_ascii=False, separators=(",", ":")), force=True)
            self._prune()
        except (OSError, MigdevError):
            pass

    def _prune(self, keep: int = 32) -> None:
        """Keep the caches of the most recently used directories only (tests create many)."""
        assert self.path is not None
        files = sorted(self.path.parent.glob("parsed-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            old.unlink(missing_ok=True)
