"""The questionnaire as an XLSForm, for KoBoToolbox and ODK field surveys.

An XLSForm is a workbook with three sheets: ``survey`` (one row per question, with
``begin_group``/``end_group`` rows around each section), ``choices`` (the answer lists)
and ``settings`` (form id, version and title). What we map:

* single -> ``select_one LIST``, multiple -> ``select_multiple LIST``, boolean ->
  ``select_one yes_no`` (``yes_no_dont_know`` where "don't know" is allowed);
  "don't know" is the extra choice ``dont_know``;
* ``help`` -> ``hint``; ``required`` -> ``required``; ``when`` -> ``relevant``
  (see :func:`relevant`);
* for a multiple question that allows "don't know", a ``constraint`` that it is chosen alone;
* a first group ``respondent`` asks who answers: ``stakeholder`` (select_one from the
  ``stakeholder`` list) and an optional free-text ``organisation``. The consolidated
  report breaks the ranking down by ``stakeholder``;
* only the stakeholders' questions are asked: a question marked ``asked_of: designer`` is
  answered once, by the programme's designer, in the answers file given with
  ``assess --responses FILE --answers programme.yaml`` (a section left without questions is
  left out; a condition on a designer's question is not known to the form, so the question
  it governs is asked and migdev applies the condition when it scores).

Kobo and ODK Central put the group names in front of the question names in their
exports (``programme/budget``, ``programme-budget``); :mod:`migdev_cli.survey_columns`
strips them again. openpyxl is imported only inside the functions that write.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

from .conditions import questions_in
from .errors import MigdevError
from .fileio import write_atomic
from .models import AllOf, AnyOf, Condition, Leaf, Not
from .questionnaire_models import Question, Questionnaire
from .vocab import DONT_KNOW, DONT_KNOW_LABEL

RESPONDENT_GROUP = "respondent"
STAKEHOLDER = "stakeholder"  # question name and choice list name
ORGANISATION = "organisation"
STAKEHOLDER_CHOICES: dict[str, str] = {
    "ministry": "Ministry or national agency",
    "municipality": "Municipality or regional authority",
    "diaspora_association": "Diaspora or migrant association",
    "entrepreneur": "Entrepreneur, investor or business association",
    "financial_institution": "Bank, microfinance institution or money-transfer operator",
    "donor": "Donor or development agency",
    "ngo": "NGO or civil society",
    "other": "Other",
}
RESERVED_NAMES = (STAKEHOLDER, ORGANISATION, RESPONDENT_GROUP, "start", "end")

SURVEY_COLUMNS = ("type", "name", "label", "hint", "required", "relevant", "constraint", "constraint_message")


def _ref(qid: str) -> str:
    return "${" + qid + "}"


def _quote(value: str) -> str:
    # Choice values match ^[a-z0-9][a-z0-9_]*$, so they never contain a quote.
    return f"'{value}'"


def _join(op: str, parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return "(" + f" {op} ".join(parts) + ")"


def _leaf_holds(leaf: Leaf, question: Question) -> str:
    """The XPath of the leaf's operator, assuming the question is answered."""
    multiple = question.type == "multiple"

    def chosen(v: str) -> str:
        return f"selected({_ref(leaf.question)}, {_quote(v)})" if multiple else f"{_ref(leaf.question)} = {_quote(v)}"

    if leaf.equals is not None:
        if multiple:  # equals on a multiple question: exactly that one choice
            return f"({chosen(leaf.equals)} and count-selected({_ref(leaf.question)}) = 1)"
        return chosen(leaf.equals)
    if leaf.any_of is not None:
        return _join("or", [chosen(v) for v in leaf.any_of])
    if leaf.all_of is not None:
        return _join("and", [chosen(v) for v in leaf.all_of])
    return f"not({_join('or', [chosen(v) for v in leaf.none_of or []])})"


def _known(leaf: Leaf, question: Question) -> list[str]:
    """XPath tests that the leaf's question has an answer the leaf can judge."""
    tests = [f"{_ref(leaf.question)} != ''"]
    if question.allow_dont_know and DONT_KNOW not in leaf.values:
        if question.type == "multiple":
            tests.append(f"not(selected({_ref(leaf.question)}, {_quote(DONT_KNOW)}))")
        else:
            tests.append(f"{_ref(leaf.question)} != {_quote(DONT_KNOW)}")
    return tests


def _xpath(condition: Condition, questionnaire: Questionnaire, want: bool) -> str:
    """XPath that is true when the condition evaluates to ``want`` (True or False).

    Our conditions are three-valued (see :mod:`migdev_cli.conditions`): a leaf whose
    question is unanswered, or answered "don't know", is unknown, and a question is shown
    only when its condition is *true*. XPath is two-valued, so each node is translated
    twice, "is true" and "is false": ``not`` swaps them, ``all`` is "all true" / "any
    false", ``any`` is "any true" / "all false". A positive leaf (``equals``, ``any_of``,
    ``all_of``) is true only for an answered question ("don't know" is never combined with
    other choices), so it needs no answered-test: ``{question: stage, any_of: [return]}`` becomes
    ``selected(${stage}, 'return')``.
    """
    if isinstance(condition, Leaf):
        question = questionnaire.question(condition.question)
        if question is None:
            raise MigdevError(f"condition refers to unknown question {condition.question!r}")
        holds = _leaf_holds(condition, question)
        if want and condition.none_of is None:
            return holds
        body = holds if want else f"not({holds})"
        return _join("and", [*_known(condition, question), body])
    if isinstance(condition, AllOf):
        parts = [_xpath(c, questionnaire, want) for c in condition.all]
        return _join("and" if want else "or", parts)
    if isinstance(condition, AnyOf):
        parts = [_xpath(c, questionnaire, want) for c in condition.any]
        return _join("or" if want else "and", parts)
    if isinstance(condition, Not):
        return _xpath(condition.not_, questionnaire, not want)
    raise TypeError(f"not a condition: {condition!r}")


def relevant(condition: Condition, questionnaire: Questionnaire) -> str:
    """The ``relevant`` expression of a question asked only ``when`` the condition is true."""
    expr = _xpath(condition, questionnaire, True)
    if expr.startswith("(") and expr.endswith(")") and _balanced(expr[1:-1]):
        return expr[1:-1]
    return expr


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return False
    return depth == 0


def _choice_rows(question: Question) -> list[tuple[str, str]]:
    rows = [(c.value, c.label) for c in question.choices]
    if question.allow_dont_know:
        rows.append((DONT_KNOW, DONT_KNOW_LABEL))
    return rows


def _list_name(question: Question, ids: set[str]) -> str:
    """Booleans with the standard labels share ``yes_no`` (or ``yes_no_dont_know``)."""
    if question.type == "boolean" and [c.label for c in question.choices] == ["Yes", "No"]:
        name = "yes_no_dont_know" if question.allow_dont_know else "yes_no"
        if name not in ids:
            return name
    return question.id


def xlsform_rows(questionnaire: Questionnaire) -> dict[str, list[list[str]]]:
    """The three sheets as rows of text (header row first)."""
    ids = {q.id for q in questionnaire.questions} | {s.id for s in questionnaire.sections}
    clash = sorted(ids & set(RESERVED_NAMES))
    if clash:
        raise MigdevError(
            f"questionnaire {questionnaire.id!r}: the XLSForm needs the names {', '.join(RESERVED_NAMES)} "
            f"for its own questions; rename {', '.join(clash)}"
        )

    def row(**cells: str) -> list[str]:
        return [cells.get(col, "") for col in SURVEY_COLUMNS]

    survey: list[list[str]] = [list(SURVEY_COLUMNS)]
    choices: list[list[str]] = [["list_name", "name", "label"]]
    survey.append(row(type="start", name="start"))
    survey.append(row(type="end", name="end"))
    survey.append(row(type="begin_group", name=RESPONDENT_GROUP, label="About the respondent"))
    survey.append(
        row(
            type=f"select_one {STAKEHOLDER}",
            name=STAKEHOLDER,
            label="Which kind of stakeholder do you represent?",
            hint="The consolidated report compares the rankings of the stakeholder groups.",
            required="yes",
        )
    )
    survey.append(
        row(type="text", name=ORGANISATION, label="Your organisation (optional)", hint="For the survey team only.")
    )
    survey.append(row(type="end_group", name=RESPONDENT_GROUP))
    choices.extend([STAKEHOLDER, value, label] for value, label in STAKEHOLDER_CHOICES.items())

    written_lists: set[str] = {STAKEHOLDER}
    designer = {q.id for q in questionnaire.questions if q.asked_of == "designer"}
    for section in questionnaire.sections:
        asked = [q for q in section.questions if q.id not in designer]
        if not asked:
            continue
        survey.append(row(type="begin_group", name=section.id, label=section.title))
        for question in asked:
            list_name = _list_name(question, ids)
            known = question.when is not None and not set(questions_in(question.when)) & designer
            kind = "select_multiple" if question.type == "multiple" else "select_one"
            cells = {
                "type": f"{kind} {list_name}",
                "name": question.id,
                "label": question.text,
                "hint": question.help,
                "required": "yes" if question.required else "",
                "relevant": relevant(question.when, questionnaire) if known and question.when is not None else "",
            }
            alone = question.exclusive_values
            rules, messages = [], []
            if alone:
                rules += [f"(not(selected(., {_quote(v)})) or count-selected(.) = 1)" for v in alone]
                labels = ", ".join(f"'{question.label_of(v)}'" for v in alone)
                messages.append(f"{labels} cannot be combined with other answers.")
            if question.type == "multiple" and question.max_choices is not None:
                rules.append(f"count-selected(.) <= {question.max_choices}")
                messages.append(f"Choose at most {question.max_choices}.")
            if rules:
                cells["constraint"] = " and ".join(rules)
                cells["constraint_message"] = " ".join(messages)
            survey.append(row(**cells))
            if list_name not in written_lists:
                written_lists.add(list_name)
                choices.extend([list_name, value, label] for value, label in _choice_rows(question))
        survey.append(row(type="end_group", name=section.id))

    settings = [
        ["form_title", "form_id", "version"],
        [questionnaire.title, form_id(questionnaire), questionnaire.version],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


def form_id(questionnaire: Questionnaire) -> str:
    return f"migdev_{questionnaire.id}"


def xlsform_bytes(questionnaire: Questionnaire) -> bytes:
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
    except ImportError:
        raise MigdevError("writing an XLSForm needs openpyxl: reinstall migdev (pip install .)") from None

    sheets = xlsform_rows(questionnaire)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for values in rows:
            sheet.append([_storable(value) for value in values])
        for row in sheet.iter_rows():
            for cell in row:
                _as_text(cell)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not epoch.isdigit() or int(epoch) > MAX_EPOCH:
            raise MigdevError(
                f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 "
                f"(at most {MAX_EPOCH}, the end of 9999); got {epoch[:40]!r}"
            )
        return _stamped(buffer.getvalue(), int(epoch))
    return buffer.getvalue()


MAX_EPOCH = 253402300799
FORMULA_START = ("=", "+", "-", "@")  # what a spreadsheet may take for the start of a formula


_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _storable(value: Any) -> Any:
    """Control characters a workbook (XML 1.0) cannot hold, written as visible escapes (\\x07)."""
    if isinstance(value, str) and _NOT_IN_XML.search(value):
        return _NOT_IN_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value


def _as_text(cell: Any) -> None:
    """Catalog or questionnaire text that begins like a formula is written as text, never as a
    live formula (openpyxl writes a string starting with ``=`` as one): a text cell, marked
    with Excel's quote prefix so that editing it keeps it text."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def _stamped(data: bytes, epoch: int) -> bytes:
    """The workbook with every time in it set to ``epoch`` (the reproducible-builds convention
    SOURCE_DATE_EPOCH), so the same questionnaire gives the same bytes: openpyxl stamps the
    time of saving into the document properties and into every entry of the zip archive."""
    import zipfile
    from datetime import UTC, datetime

    when = datetime.fromtimestamp(epoch, tz=UTC)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    # zip entries can only record 1980 to 2107
    zipped = datetime.fromtimestamp(min(max(epoch, 315532800), 4354819198), tz=UTC).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            body = source.read(entry)
            if entry.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\g<2>", body)
            info = zipfile.ZipInfo(entry.filename, date_time=zipped)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            target.writestr(info, body)
    return out.getvalue()


def questionnaire_to_xlsform(questionnaire: Questionnaire, path: Path, *, force: bool = False) -> None:
    """Write the questionnaire as an XLSForm workbook (atomically; no overwrite without ``force``)."""
    write_atomic(Path(path), xlsform_bytes(questionnaire), force=force)
