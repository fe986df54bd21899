"""The interview's pure parts: which questions progress counts, and review entries that wrap."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import answers_strategy
from migdev_cli.answers import resolve
from migdev_cli.prompts import wrap_entry
from migdev_cli.session import to_ask


def test_progress_total_counts_conditional_questions_still_to_come(questionnaire):
    # Before any answer, a question shown only for some answers counts: it may still be asked.
    conditional = [q for q in questionnaire.questions if q.when is not None]
    assert conditional
    assert len(to_ask(questionnaire, {}, set())) == len(questionnaire.questions)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_progress_never_exceeds_its_total_and_ends_exact(questionnaire, data):
    answers = data.draw(answers_strategy(questionnaire))
    counted = to_ask(questionnaire, answers, set())
    shown = resolve(questionnaire, answers).visible(questionnaire)
    # every visible question is counted, so "question N of M" has N <= M
    assert {q.id for q in shown} <= {q.id for q in counted}
    # once every counted question is answered, the total is exactly the questions asked
    if all(q.id in answers for q in counted):
        assert [q.id for q in counted] == [q.id for q in shown]


@given(st.text(alphabet=st.sampled_from("abc de-fghij  "), max_size=300), st.integers(min_value=20, max_value=200))
def test_review_entries_wrap_within_the_width_and_lose_no_word(title, width):
    entry = wrap_entry(title, width)
    lines = entry.split("\n")
    assert all(len("   " + line.lstrip()) <= width - 1 for line in lines)
    assert "".join(entry.split()) == "".join(title.split())  # no character is lost
    # a word that fits on a line is never cut (only a word longer than the line must be)
    kept = set(entry.split())
    assert all(word in kept for word in title.split() if len(word) <= width - 4)


def test_a_prompt_breaks_between_words():
    """questionary lets the terminal cut a long question mid-word; the prompt is broken between
    words instead, and the instruction goes on a line of its own when it does not fit."""
    from migdev_cli.prompts import wrap_prompt

    message = "Which type of programme will host the migration component?"
    text = wrap_prompt(message, "(Space to tick, Enter)", 80)
    assert text == message + "\n"  # 2 + 59 + 1 + 22 columns would pass 77
    lines = wrap_prompt("word " * 40, "(arrow keys, Enter)", 40).split("\n")
    assert all(len(line) <= 37 for line in lines) and all(w == "word" for line in lines for w in line.split())
    short = wrap_prompt("Budget?", "(arrow keys, Enter)", 80)
    assert short == "Budget?"
