"""Shared fixtures and helpers: real files in tmp dirs, an isolated state and cache directory
for every test, a fixed width, the built-in data, and the command line of the real entry point."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import strategies as st
from typer.testing import CliRunner

from migdev_cli.catalog import builtin_data_dir, load_catalog
from migdev_cli.scoring import Scorer
from migdev_cli.vocab import DONT_KNOW

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cold_cache: the test's document cache starts empty")


@pytest.fixture(scope="session")
def _warm_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A document cache holding the built-in catalog, validated once for the whole run."""
    warm = tmp_path_factory.mktemp("warm-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MIGDEV_CACHE_DIR", str(warm))
        patch.delenv("MIGDEV_NO_CACHE", raising=False)
        load_catalog([builtin_data_dir()])
    return warm


@pytest.fixture(autouse=True)
def _isolated(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    _warm_cache: Path,
) -> None:
    """No test reads the user's environment or writes to their state or cache directory (each
    test gets its own document cache: a copy of one that holds the built-in catalog, so that
    each test does not parse and validate it again; empty for tests marked `cold_cache`)."""
    monkeypatch.setenv("MIGDEV_STATE_DIR", str(tmp_path_factory.mktemp("state")))
    cache = tmp_path_factory.mktemp("cache")
    if request.node.get_closest_marker("cold_cache") is None:
        shutil.copytree(_warm_cache, cache, dirs_exist_ok=True)
    monkeypatch.setenv("MIGDEV_CACHE_DIR", str(cache))
    # The prompt library asks a terminal for its cursor position and, in a pseudo-terminal
    # that never answers, waits for a timeout on every prompt; child processes inherit this.
    monkeypatch.setenv("PROMPT_TOOLKIT_NO_CPR", "1")
    monkeypatch.delenv("MIGDEV_DATA_DIR", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.fixture(scope="session")
def catalog():
    return load_catalog([builtin_data_dir()])


@pytest.fixture(scope="session")
def questionnaire(catalog):
    return catalog.questionnaire("core")


@pytest.fixture(scope="session")
def scorer(catalog, questionnaire):
    return Scorer(questionnaire, catalog.instruments.values())


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def migdev_command() -> list[str]:
    """The installed ``migdev`` script beside this interpreter, else ``python -m migdev_cli``."""
    exe = Path(sys.executable).with_name("migdev")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "migdev_cli"]


def make_data_dir(root: Path, instruments: list[str] | None = None) -> Path:
    """A data directory with the built-in questionnaire and the named built-in instruments."""
    data = root / "data"
    (data / "instruments").mkdir(parents=True)
    shutil.copytree(builtin_data_dir() / "questionnaires", data / "questionnaires")
    for iid in instruments or []:
        text = (builtin_data_dir() / "instruments" / f"{iid}.yaml").read_text(encoding="utf-8")
        (data / "instruments" / f"{iid}.yaml").write_text(without_related(text), encoding="utf-8")
    return data


def without_related(text: str) -> str:
    """Remove the `related:` list so a partial copy of the catalog has no dangling references."""
    out, skipping = [], False
    for line in text.splitlines():
        if line.startswith("related:"):
            out.append("related: []")
            skipping = line.strip() == "related:"
            continue
        if skipping and (line.startswith("  ") or line.startswith("-")):
            continue
        skipping = False
        out.append(line)
    return "\n".join(out) + "\n"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return make_data_dir(tmp_path, ["diaspora-bond", "transnational-mentoring"])


FULL_ANSWERS = """\
questionnaire: core
programme: {name: Diaspora for SMEs, country: Senegal, date: 2026-11-23}
answers:
  programme_type: [access_to_finance, bds_m4p]
  budget: 100k_to_1m
  cofinancing: dont_know
  time_horizon: 1_to_3y
  stage: [long_term, return]
  skill_profile: low_skilled
  diaspora_size: large_dispersed
  diaspora_location: mixed
  diaspora_organisation: [hometown_associations]
  trust: mixed
  gender_focus: women_targeted
  returnee_situation: voluntary_with_savings
  investment_climate: moderate
  finance_access: collateral_gap
  institutional_capacity: agency_with_strategy
  local_authorities: partly_decentralised
  legal_framework: [dual_citizenship]
  destination_partners: [development_agency, diaspora_ngos]
  diaspora_demand: "no"
"""


@pytest.fixture
def answers_file(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(FULL_ANSWERS, encoding="utf-8")
    return path


# The recommendations report's top-level headings, in order (the main part, then the annex).
REPORT_MAIN = [
    "Executive summary",
    "Recommended instruments",
    "Ranking of the instruments",
    "Results framework for the package",
    "Next steps",
    "Method and caveats",
    "Annex",
]


def once_per_questionnaire(build):
    """The strategy built once for each questionnaire: hypothesis checks a strategy the first time
    it draws from it, which costs more than the draw itself when a new one is built every time."""
    built: dict[int, tuple[object, st.SearchStrategy]] = {}

    def cached(questionnaire):
        kept = built.get(id(questionnaire))
        if kept is None or kept[0] is not questionnaire:
            kept = built[id(questionnaire)] = (questionnaire, build(questionnaire))
        return kept[1]

    cached.__doc__ = build.__doc__
    return cached


@once_per_questionnaire
def answers_strategy(questionnaire):
    """Any valid answers: each question answered with a valid value, or left out."""
    parts = {}
    for q in questionnaire.questions:
        values = [c.value for c in q.choices]
        if q.type == "multiple":
            value = st.lists(st.sampled_from(values), min_size=1, max_size=q.max_choices, unique=True)
        else:
            value = st.sampled_from(values)
        if q.allow_dont_know:
            value = value | st.just([DONT_KNOW] if q.type == "multiple" else DONT_KNOW)
        parts[q.id] = st.none() | value
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})
