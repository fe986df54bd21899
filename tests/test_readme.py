"""The README and docs/ cannot drift from the data, the CLI or CI, and every link in them resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from migdev_cli.browse import README_END, README_START, readme_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# Pages that other parts of the project write in docs/. Until they exist, a link to one of them
# is skipped (reported as a skipped test), not failed; every other missing target fails.
PAGES_WRITTEN_ELSEWHERE = {"method.md", "reports.md", "surveys.md", "catalog.md", "limits.md", "development.md"}


def test_instrument_tables_are_generated_from_the_catalog(catalog):
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        if README_START in text:
            section = text[text.index(README_START) + len(README_START) : text.index(README_END)]
            assert section.strip() == readme_table(catalog).strip(), f"{doc.name}: run python scripts/update_docs.py"


def test_command_reference_is_generated_from_the_cli():
    from migdev_cli.helpdoc import commands_markdown

    text = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    assert text == commands_markdown(), "docs/commands.md is stale: run python scripts/update_docs.py"


def test_quick_start_has_two_commands_and_ci_runs_the_test_command():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", quick, flags=re.S)
    assert len(commands) == 2
    install_run, test = commands
    assert "pip install ." in install_run and "migdev assess" in install_run
    test_tail = test.split("&& pip install", 1)[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install" + test_tail in ci


def test_readme_is_short_and_names_python_and_the_everyday_commands():
    assert len(README) <= 10_000
    assert "Python 3.11 or later" in README and "(`cd` into it" in README
    for command in ("migdev assess", "migdev assess --resume", "migdev export --answers", "migdev assess --responses"):
        assert command in README, command
    assert "migdev questionnaire xlsform" in README
    assert not re.search(r"\d+(\.\d+)? ?ms\b", README), "benchmark figures belong beside the benchmarks"


def test_every_command_is_in_the_command_reference():
    from typer.main import get_command

    from migdev_cli.cli import app
    from migdev_cli.helpdoc import command_paths

    reference = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    for path, _ in command_paths(get_command(app)):
        assert f"\n## {' '.join(['migdev', *path])}\n" in reference, path


def _links() -> list[tuple[str, str]]:
    """(document, target) for every relative link in README.md and docs/*.md, code excluded."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    found = []
    for doc in DOCS:
        for token in md.parse(doc.read_text(encoding="utf-8")):
            for child in token.children or []:
                href = child.attrGet("href") if child.type == "link_open" else None
                if href and not re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) and not href.startswith("#"):
                    found.append((str(doc.relative_to(ROOT)), str(href)))
    return found


LINKS = _links()


def test_the_docs_link_to_each_other():
    targets = {target for _, target in LINKS}
    for page in PAGES_WRITTEN_ELSEWHERE | {"answers.md", "commands.md"}:
        assert f"docs/{page}" in targets, page


@pytest.mark.parametrize(("doc", "target"), LINKS, ids=[f"{d}->{t}" for d, t in LINKS])
def test_relative_link_resolves(doc: str, target: str):
    path = (ROOT / doc).parent / target.split("#", 1)[0]
    if not path.exists() and path.name in PAGES_WRITTEN_ELSEWHERE and path.parent == ROOT / "docs":
        pytest.skip(f"{target}: a page written elsewhere in the project, not here yet")
    assert path.exists(), f"{doc}: link to {target} does not resolve"
