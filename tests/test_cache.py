"""The document cache: a second load that neither parses nor validates (nor imports pydantic),
gives exactly the same catalog, follows every change of content, never hides a problem, and
survives a broken or unwritable cache."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import DATA
from migdev_cli import loader
from migdev_cli.cache import DocumentCache, checksum
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
    if content is None:  # keep the stamp and a matching check, break every entry: wrong shapes
        stored = json.loads(cache_file.read_text(encoding="utf-8").split("\n", 1)[0])
        entries = json.loads(cache_file.read_text(encoding="utf-8").split("\n", 1)[1])
        broken = [{"id": 5}, "[", None, 7, {}, {"bogus": 1}, {"id": "x", "steps": "not a list"}]
        for i, key in enumerate(entries):
            entries[key] = [entries[key][0], broken[i % len(broken)]] if i % 9 else "x"
        body = json.dumps(entries)
        stored["check"] = checksum(body.encode())
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
    from migdev_cli.models import Questionnaire
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
    from migdev_cli.answers import load_answers

    catalog = load_catalog([DATA])
    read, write = os.pipe()
    os.write(write, ANSWERS.encode())
    os.close(write)
    load_answers(Path(f"/dev/fd/{read}"), catalog.questionnaires)
    os.close(read)
    assert len(list(cache.glob("documents-*.json"))) == 1  # the catalog's only
    (cache / "parsed-0123.json").write_text("{}", encoding="utf-8")  # the earlier format
    catalog_cache = next(cache.glob("documents-*.json"))
    for i in range(40):  # many answers files, each cached; the catalog is used in between
        path = tmp_path / f"answers-{i}.yaml"
        path.write_text(ANSWERS, encoding="utf-8")
        load_answers(path, catalog.questionnaires)
        load_catalog([DATA])
    assert catalog_cache.exists()
    assert len(list(cache.glob("documents-*.json"))) == 32
    assert not list(cache.glob("parsed-*.json"))
