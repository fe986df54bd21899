"""Regenerate what is derived from the data and the CLI: schema/*.schema.json, the instrument
table (in whichever of README.md and docs/*.md holds its markers) and docs/commands.md.

Run after changing the models, the catalog or a command's help: ``python scripts/update_docs.py``.
Tests fail when these files are stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from migdev_cli.browse import README_END, README_START, readme_table
from migdev_cli.catalog import builtin_data_dir, load_catalog
from migdev_cli.helpdoc import commands_markdown
from migdev_cli.schemas import SCHEMAS, json_schema

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    for kind in SCHEMAS:
        path = ROOT / "schema" / f"{kind}.schema.json"
        path.write_text(json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    table = readme_table(load_catalog([builtin_data_dir()]))
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        if README_START in text:
            start, end = text.index(README_START) + len(README_START), text.index(README_END)
            doc.write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")
    (ROOT / "docs" / "commands.md").write_text(commands_markdown(), encoding="utf-8")
    print("updated schema/, the instrument table and docs/commands.md")


if __name__ == "__main__":
    main()
