"""The document cache: a second load that neither parses nor validates (nor imports pydantic),
gives exactly the same catalog, follows every change of content, never hides a problem, and
survives a broken or unwritable cache."""

from __future__ import annotations

import json
import os
import re
import shutil
import zlib
from pathlib import Path

import pytest

from conftest import DATA
from migdev_cli import cache as cache_module
from migdev_cli import loader
from migdev_cli.cache import DocumentCache
from migdev_cli.catalog import load_catalog
from migdev_cli.errors import DataError


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("MIGDEV_CACHE_DIR", str(root))
    monkeypatch.delenv("MIGDEV_NO_CACHE", raising=False)
    return root


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    return root


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = loader.parse_yaml

    def spy(text: str, name: str):  # type: ignore[no-untyped-def]
        parsed.append(name)
        return real(text, name)

    monkeypatch.setattr(loader, "parse_yaml", spy)
    return parsed


def test_second_load_is_served_from_the_cache(cache: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = count_parses(monkeypatch)
    first = load_catalog([data_dir])
    assert len(parsed) == len(first.instruments) + len(first.questionnaires)
    assert list(cache.glob("documents-*.json"))
    parsed.clear()
    second = load_catalog([data_dir])
    assert parsed == []
    assert second.instruments == first.instruments
    assert second.questionnaires == first.questionnaires
    assert second.fingerprint() == first.fingerprint()
    key = ("instruments", "diaspora-bond")
    assert second.origins[key].data == first.origins[key].data  # parsed on demand


def test_a_changed_file_is_parsed_again_even_with_the_same_size_and_mtime(
    cache: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = data_dir / "instruments" / "diaspora-bond.yaml"
    load_catalog([data_dir])
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    changed = text.replace("cost_level: high", "cost_level: low ")  # same length
    assert len(changed) == len(text) and changed != text
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert load_catalog([data_dir]).instruments["diaspora-bond"].cost_level == "low"


def test_problems_are_never_cached(cache: Path, data_dir: Path) -> None:
    path = data_dir / "instruments" / "diaspora-bond.yaml"
    load_catalog([data_dir])
    text = path.read_text(encoding="utf-8").replace("cost_level: high", "cost_level: cheap")
    path.write_text(text, encoding="utf-8")
    messages = []
    for _ in range(2):
        with pytest.raises(DataError) as caught:
            load_catalog([data_dir])
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert re.search(r"diaspora-bond\.yaml:\d+: cost_level: unknown value 'cheap'", messages[0])


@pytest.mark.parametrize(
    "content",
    ["", "not json", "[]", '{"stamp": 1}\n{}', '{"entries": "x"}', "edited", None],
    ids=["empty", "garbage", "list", "wrong-stamp", "wrong-entries", "edited-body", "tampered-entries"],
)
def test_a_broken_cache_is_ignored(cache: Path, data_dir: Path, content: str | None) -> None:
    expected = load_catalog([data_dir])
    (cache_file,) = cache.glob("documents-*.json")
    if content is None:  # keep the stamp and a matching digest, break every entry: wrong shapes
        stored = json.loads(cache_file.read_text(encoding="utf-8").split("\n", 1)[0])
        entries = json.loads(cache_file.read_text(encoding="utf-8").split("\n", 1)[1])
        broken = [{"id": 5}, "[", None, 7, {}, {"bogus": 1}, {"id": "x", "steps": "not a list"}]
        for i, key in enumerate(entries):
            entries[key] = [entries[key][0], broken[i % len(broken)]] if i % 9 else "x"
        body = json.dumps(entries)
        key = (cache / "key").read_bytes()
        stored["mac"] = cache_module._mac(key, stored["stamp"], stored["scope"], body.encode())
        content = json.dumps(stored) + "\n" + body
    if content == "edited":  # a hand edit (or a damaged disk block) no longer matches the check
        content = cache_file.read_text(encoding="utf-8").replace('"high"', '"low"')
    cache_file.write_text(content, encoding="utf-8")
    again = load_catalog([data_dir])
    assert again.instruments == expected.instruments
    assert again.questionnaires == expected.questionnaires


def test_an_unwritable_cache_does_not_matter(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("MIGDEV_CACHE_DIR", str(blocker / "cache"))
    assert len(load_catalog([data_dir]).instruments) >= 30


@pytest.mark.parametrize("env", [{"MIGDEV_NO_CACHE": "1"}, {"MIGDEV_CACHE_DIR": ""}])
def test_the_cache_can_be_switched_off(
    env: dict[str, str], tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MIGDEV_CACHE_DIR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    load_catalog([data_dir])
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_only_exact_json_round_trips_are_kept(tmp_path: Path) -> None:
    cache = DocumentCache(tmp_path, tmp_path)
    for odd in ({True: "x"}, {1: "x"}, {"a": float("nan")}, {"a": (1, 2)}, {"a": {None: 1}}):
        cache.put("odd", "d", odd)
        assert cache.get("odd", "d") is None
    cache.put("ok", "d", {"a": [1, "b", None, True, 1.5]})
    assert cache.get("ok", "d") is not None
    assert cache.get("ok", "other digest") is None


def test_the_cache_keeps_a_bounded_number_of_directories(cache: Path, tmp_path: Path) -> None:
    for i in range(40):
        root = tmp_path / f"d{i}"
        (root / "questionnaires").mkdir(parents=True)
        shutil.copy(DATA / "questionnaires" / "core.yaml", root / "questionnaires" / "core.yaml")
        load_catalog([root])
    assert len(list(cache.glob("documents-*.json"))) <= 32


def test_every_condition_kind_survives_the_round_trip_through_json() -> None:
    """The cache keeps to_data output as JSON and rebuilds it with from_data, without
    pydantic: nested all/any/not conditions (``not`` is stored under its file key) come back equal."""
    from migdev_cli.questionnaire_models import Questionnaire
    from migdev_cli.serialize import from_data, to_data

    when = {
        "all": [
            {"not": {"question": "a", "equals": "yes"}},
            {"any": [{"question": "b", "any_of": ["x", "y"]}, {"not": {"not": {"question": "b", "none_of": ["x"]}}}]},
        ]
    }
    data = {
        "id": "round_trip",
        "title": "Round trip",
        "version": "1",
        "sections": [
            {
                "id": "s",
                "title": "S",
                "questions": [
                    {"id": "a", "type": "boolean", "text": "A?", "help": "h"},
                    {
                        "id": "b",
                        "type": "multiple",
                        "text": "B?",
                        "help": "h",
                        "choices": [
                            {"value": "x", "label": "X", "rules": [{"match": {"area": "trade"}, "points": 2}]},
                            {"value": "y", "label": "Y", "exclusive": True},
                        ],
                    },
                    {
                        "id": "c",
                        "type": "single",
                        "text": "C?",
                        "help": "h",
                        "when": when,
                        "choices": [
                            {"value": "u", "label": "U"},
                            {"value": "v", "label": "V"},
                        ],
                    },
                ],
            }
        ],
    }
    questionnaire = loader.validate(Questionnaire, data, "", "round_trip.yaml")
    stored = json.loads(json.dumps(to_data(questionnaire)))
    assert stored["sections"][0]["questions"][2]["when"]["all"][0] == {
        "not": {"question": "a", "equals": "yes", "any_of": None, "all_of": None, "none_of": None}
    }
    assert from_data(Questionnaire, stored) == questionnaire
    assert from_data(Questionnaire, stored) != loader.validate(
        Questionnaire, {**data, "version": "2"}, "", "round_trip.yaml"
    )


ANSWERS = "questionnaire: core\nanswers:\n  budget: under_100k\n"


def test_answers_files_with_odd_paths_get_clear_errors_or_work(cache: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from migdev_cli.cli import app

    runner = CliRunner()
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    result = runner.invoke(app, ["assess", "--answers", str(loop)])
    assert result.exit_code == 1
    assert "internal error" not in result.output and "loop.yaml" in result.stderr
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/answers-\xff.yaml"))  # a name that is not UTF-8
    odd.write_text(ANSWERS, encoding="utf-8")
    for _ in range(2):  # the second run reads it from the cache
        result = runner.invoke(app, ["assess", "--answers", str(odd), "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["ranking"] and "budget" not in report["unanswered"]


def test_a_pipe_is_not_cached_and_used_caches_are_kept(cache: Path, tmp_path: Path) -> None:
    from migdev_cli.answers_file import load_answers

    catalog = load_catalog([DATA])
    read, write = os.pipe()
    os.write(write, ANSWERS.encode())
    os.close(write)
    load_answers(Path(f"/dev/fd/{read}"), catalog.questionnaires)
    os.close(read)
    assert len(list(cache.glob("documents-*.json"))) == 1  # the catalog's only
    (cache / "documents-0123.json").write_text("{}", encoding="utf-8")  # not a name migdev writes
    catalog_cache = next(cache.glob("documents-*.json"))
    for i in range(40):  # many answers files, each cached; the catalog is used in between
        path = tmp_path / f"answers-{i}.yaml"
        path.write_text(ANSWERS, encoding="utf-8")
        load_answers(path, catalog.questionnaires)
        load_catalog([DATA])
    assert catalog_cache.exists()
    assert len(list(cache.glob("documents-*.json"))) == 32 + 1
    assert (cache / "documents-0123.json").exists()


# --------------------------------------------------------------------------- a private cache

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def cache_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("documents-*.json"))


def test_the_cache_is_private(cache: Path, data_dir: Path) -> None:
    load_catalog([data_dir])
    assert cache.stat().st_mode & 0o777 == 0o700
    for path in [*cache_files(cache), cache / "key"]:
        assert path.stat().st_mode & 0o777 == 0o600, path


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o1777])
def test_a_cache_others_may_write_to_is_not_used(cache: Path, data_dir: Path, mode: int) -> None:
    from typer.testing import CliRunner

    from migdev_cli.cli import app

    cache.mkdir()
    cache.chmod(mode)
    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), "--no-builtin", "instruments", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "others may write to it" in warnings[0] and str(cache) in warnings[0]
    assert list(cache.iterdir()) == []


@pytest.mark.skipif(not IS_ROOT, reason="needs root to give a directory away")
def test_a_cache_of_another_user_is_not_used(cache: Path, data_dir: Path) -> None:
    from typer.testing import CliRunner

    from migdev_cli.cli import app

    cache.mkdir(mode=0o700)
    os.chown(cache, 65534, 65534)
    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), "--no-builtin", "instruments", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert "belongs to another user" in result.stderr
    assert list(cache.iterdir()) == []


def forge(cache_file: Path, edit: str, replacement: str, key: bytes) -> None:
    """Rewrite a cache file's entries, signed with ``key`` and with every public checksum an
    attacker could compute (a CRC-32 of the entries) made to match."""
    header, body = cache_file.read_bytes().split(b"\n", 1)
    stored = json.loads(header)
    assert edit.encode() in body
    body = body.replace(edit.encode(), replacement.encode())
    stored["mac"] = cache_module._mac(key, stored["stamp"], stored["scope"], body)
    stored["check"] = zlib.crc32(body)
    cache_file.write_bytes(json.dumps(stored).encode() + b"\n" + body)


def test_an_entry_changed_without_the_key_is_ignored(cache: Path, data_dir: Path) -> None:
    """Another user who could write a cache file (but not read the key) cannot change what migdev shows."""
    name = load_catalog([data_dir]).instruments["diaspora-bond"].name
    for cache_file in cache_files(cache):
        if name.encode() in cache_file.read_bytes():
            forge(cache_file, name, "Forged name", key=b"k" * 32)
    assert load_catalog([data_dir]).instruments["diaspora-bond"].name == name


def test_a_changed_key_invalidates_every_entry(cache: Path, data_dir: Path) -> None:
    name = load_catalog([data_dir]).instruments["diaspora-bond"].name
    key = (cache / "key").read_bytes()
    (cache_file,) = cache_files(cache)
    forge(cache_file, name, "Signed with the key", key=key)
    assert load_catalog([data_dir]).instruments["diaspora-bond"].name == "Signed with the key"  # the key is what counts
    (cache / "key").write_bytes(b"x" * 32)
    assert load_catalog([data_dir]).instruments["diaspora-bond"].name == name


def test_deeply_nested_entries_are_discarded(cache: Path, data_dir: Path) -> None:
    expected = load_catalog([data_dir])
    (cache_file,) = cache_files(cache)
    stored = json.loads(cache_file.read_bytes().split(b"\n", 1)[0])
    body = b"[" * 200_000 + b"]" * 200_000
    stored["mac"] = cache_module._mac((cache / "key").read_bytes(), stored["stamp"], stored["scope"], body)
    cache_file.write_bytes(json.dumps(stored).encode() + b"\n" + body)
    assert load_catalog([data_dir]).instruments == expected.instruments


@pytest.mark.parametrize("planted", ["symlink", "fifo", "directory"])
def test_a_planted_key_means_no_cache(cache: Path, data_dir: Path, tmp_path: Path, planted: str) -> None:
    cache.mkdir(mode=0o700)
    target = tmp_path / "elsewhere"
    target.write_bytes(b"k" * 32)
    {"symlink": lambda p: p.symlink_to(target), "fifo": os.mkfifo, "directory": os.mkdir}[planted](cache / "key")
    assert "diaspora-bond" in load_catalog([data_dir]).instruments
    assert cache_files(cache) == []
    assert target.read_bytes() == b"k" * 32


def test_pruning_touches_only_files_migdev_wrote(cache: Path, tmp_path: Path) -> None:
    """A cache pointed at a directory of the user's own files deletes none of them."""
    cache.mkdir(mode=0o700)
    own = {
        "notes.json": '{"a": 1}',
        "parsed-0123.json": "{}",
        "documents-0123456789abcdef01234567.json": '{"stamp": "mine"}\n{}',
        "documents-x.json": "{}",
    }
    for name, text in own.items():
        (cache / name).write_text(text, encoding="utf-8")
    link = cache / "documents-fedcba9876543210fedcba98.json"
    link.symlink_to(tmp_path / "outside.json")
    (tmp_path / "outside.json").write_text("{}", encoding="utf-8")
    for i in range(40):
        root = tmp_path / f"d{i}"
        (root / "questionnaires").mkdir(parents=True)
        shutil.copy(DATA / "questionnaires" / "core.yaml", root / "questionnaires" / "core.yaml")
        load_catalog([root])
    for name, text in own.items():
        assert (cache / name).read_text(encoding="utf-8") == text
    assert link.is_symlink() and (tmp_path / "outside.json").exists()
    written = [p for p in cache_files(cache) if p.read_bytes().startswith(b'{"migdev-cache"')]
    assert len(written) == cache_module.KEEP


def test_a_failing_answers_file_is_never_cached(cache: Path, tmp_path: Path) -> None:
    """The answers are checked against the questionnaire before the file is cached."""
    from migdev_cli.answers_file import load_answers

    catalog = load_catalog([DATA])
    before = set(cache_files(cache))
    path = tmp_path / "answers.yaml"
    path.write_text(ANSWERS + "  no_such_question: x\n  budget2: y\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(DataError, match="unknown question"):
            load_answers(path, catalog.questionnaires)
    assert set(cache_files(cache)) == before
    path.write_text(ANSWERS, encoding="utf-8")
    load_answers(path, catalog.questionnaires)
    assert len(set(cache_files(cache)) - before) == 1


def test_an_answers_file_whose_name_is_not_utf8_is_cached_too(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from migdev_cli.answers_file import load_answers

    catalog = load_catalog([DATA])
    odd = Path(os.fsdecode(bytes(tmp_path) + b"/answers-\xff.yaml"))
    odd.write_text(ANSWERS, encoding="utf-8")
    parsed = count_parses(monkeypatch)
    first = load_answers(odd, catalog.questionnaires)
    assert load_answers(odd, catalog.questionnaires) == first
    assert len(parsed) == 1


def test_a_cache_inside_a_directory_anyone_may_write_to_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another user could rename the cache directory away and put their own in its place."""
    from migdev_cli.cache import cache_dir

    open_dir = tmp_path / "open"
    open_dir.mkdir()
    open_dir.chmod(0o777)
    monkeypatch.setenv("MIGDEV_CACHE_DIR", str(open_dir / "cache"))
    with pytest.warns(UserWarning, match="others may write to .*open, which holds it"):
        assert cache_dir() is None
    open_dir.chmod(0o1777)  # sticky, as /tmp: only the owner may rename what is inside
    assert cache_dir() == open_dir / "cache"


@pytest.mark.skipif(not IS_ROOT, reason="needs root to make a link as another user")
def test_a_cache_reached_through_another_users_link_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from migdev_cli.cache import cache_dir

    own = tmp_path / "mine"
    own.mkdir(mode=0o700)
    link = tmp_path / "cache"
    link.symlink_to(own)
    os.lchown(link, 65534, 65534)
    monkeypatch.setenv("MIGDEV_CACHE_DIR", str(link))
    with pytest.warns(UserWarning, match="a link made by another user"):
        assert cache_dir() is None


def test_cache_files_of_the_earlier_format_are_removed(cache: Path, data_dir: Path) -> None:
    """They were readable by others and are never read again."""
    cache.mkdir(mode=0o700)
    old = cache / "documents-00112233445566778899aabb.json"
    old.write_text('{"stamp": "2|0.1.0|cache.py:1:2", "scope": "/x", "check": 1}\n{}', encoding="utf-8")
    old.chmod(0o644)
    load_catalog([data_dir])
    assert not old.exists()


def test_a_key_others_could_read_is_replaced(cache: Path, data_dir: Path) -> None:
    name = load_catalog([data_dir]).instruments["diaspora-bond"].name
    key = cache / "key"
    leaked = key.read_bytes()
    key.chmod(0o644)
    (cache_file,) = cache_files(cache)
    forge(cache_file, name, "Signed with a leaked key", key=leaked)
    assert load_catalog([data_dir]).instruments["diaspora-bond"].name == name
    assert key.read_bytes() != leaked and key.stat().st_mode & 0o777 == 0o600
