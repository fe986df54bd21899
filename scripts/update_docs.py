"""Regenerate what is derived from the data: schema/*.schema.json and the README instrument table.

Run after changing the models or the catalog: ``python scripts/update_docs.py``.
Tests fail when these files are stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from migdev_cli.browse import README_END, README_START, readme_table
from migdev_cli.catalog import builtin_data_dir, load_catalog
from migdev_cli.schemas import SCHEMAS, json_schema

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    for kind in SCHEMAS:
        path = ROOT / "schema" / f"{kind}.schema.json"
        path.write_text(json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    table = readme_table(load_catalog([builtin_data_dir()]))
    readme.write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")
    print("updated schema/ and the README instrument table")


if __name__ == "__main__":
    main()
