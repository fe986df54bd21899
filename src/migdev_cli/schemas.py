"""JSON Schemas of the YAML files, generated from the pydantic models (for editors)."""

from __future__ import annotations

from typing import Any

from .models import AnswersFile, Instrument, Questionnaire

SCHEMAS = {"instrument": Instrument, "questionnaire": Questionnaire, "answers": AnswersFile}


def json_schema(kind: str) -> dict[str, Any]:
    schema = SCHEMAS[kind].model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"migdev {kind} file"
    return schema
