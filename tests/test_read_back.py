"""Everything migdev writes, it reads back: answers files (saved or kept by an interview) with
hostile text in the questionnaire and the programme, and the cache entries made from them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from migdev_cli.answers_file import dump_answers, load_answers
from migdev_cli.errors import DataError
from migdev_cli.loader import validate
from migdev_cli.models import Programme
from migdev_cli.questionnaire_models import Questionnaire

# Control characters (C0, C1, DEL), line and paragraph separators, byte-order marks and
# non-characters, bidirectional overrides, lone surrogates, and what YAML gives meaning to.
HOSTILE = (
    [chr(c) for c in range(0x20)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + list("\u2028\u2029\ufeff\ufffe\uffff\u202a\u202e\u2066\u2069\ud800\udfff\U0010ffff")
    + list("#:'\"-&*!%@`{}[]|>,?\\ ")
)
hostile_text = st.text(alphabet=st.sampled_from(HOSTILE) | st.characters(), min_size=1, max_size=60)


def questionnaire_with(text: str, help_text: str, label: str) -> Questionnaire:
    return validate(
        Questionnaire,
        {
            "id": "hostile",
            "title": "Hostile",
            "version": "1",
            "sections": [
                {
                    "id": "s",
                    "title": "S",
                    "questions": [
                        {
                            "id": "q",
                            "type": "single",
                            "text": text,
                            "help": help_text,
                            "choices": [{"value": "a", "label": label}, {"value": "b", "label": "B"}],
                        },
                        {"id": "flag", "type": "boolean", "text": text + " again?", "help": "h"},
                    ],
                }
            ],
        },
        "",
        "hostile.yaml",
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile_text, help_text=hostile_text, label=hostile_text, name=hostile_text, country=hostile_text)
# YAML's other line breaks (NEL, LS, PS): PyYAML wrote them raw in quotes, and reading folded them
@example(text="0", help_text="0", label="0", name="0\u2028", country="0\x850").via("found by hypothesis")
def test_an_answers_file_with_hostile_text_reads_back(
    tmp_path: Path, text: str, help_text: str, label: str, name: str, country: str
) -> None:
    try:
        questionnaire = questionnaire_with(text, help_text, label)
        programme = validate(Programme, {"name": name, "country": country, "date": "2026-11-30"}, "", "p")
    except DataError:
        assume(False)  # text the models refuse (only whitespace) is not written either
        raise
    values = {"q": ("a",), "flag": ("no",)}
    path = tmp_path / "answers.yaml"
    path.write_bytes(dump_answers(questionnaire, programme, values).encode("utf-8"))
    for _ in range(2):  # afresh, then from the cache
        doc, read = load_answers(path, {questionnaire.id: questionnaire})
        assert read == values
        assert doc.programme == programme


@pytest.mark.parametrize("char", ["\x07", "\x1b", "\x85", "\u2028", "\ufeff", "\x00", "\ufffe"])
def test_a_question_with_a_control_character_can_be_resumed(tmp_path: Path, char: str) -> None:
    """The case that broke: question text with a control character (allowed as an escape in
    the catalog) was copied raw into a comment, and the saved interview could not be read."""
    questionnaire = questionnaire_with(f"Budget{char}?", "h", "A")
    path = tmp_path / "session.yaml"
    path.write_bytes(dump_answers(questionnaire, Programme(name="P"), {"q": ("a",)}).encode("utf-8"))
    assert load_answers(path, {"hostile": questionnaire})[1] == {"q": ("a",)}
