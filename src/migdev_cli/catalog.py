"""A catalog: instruments and questionnaires from one or more data directories.

A data directory holds ``instruments/*.yaml`` and ``questionnaires/*.yaml``. The built-in
catalog ships inside the package; an organisation's own directory (``--data-dir`` or
``MIGDEV_DATA_DIR``) is laid over it by id, or used alone.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .cache import DocumentCache, cache_dir
from .errors import DataError, NotFound, Problem
from .instrument_models import Instrument
from .loader import field_name, line_of, load_file, parse_yaml, text_of
from .models import AllOf, AnyOf, Condition, Leaf, Not
from .questionnaire_models import Questionnaire
from .suggest import did_you_mean


def builtin_data_dir() -> Path:
    """The shipped catalog: inside the wheel, or the repository's data/ in a source checkout."""
    packaged = Path(__file__).parent / "data"
    if (packaged / "instruments").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "data"


@dataclass(frozen=True)
class Origin:
    """Where a document came from, for messages: display name, raw data and text.

    ``parsed`` is None when the document came from the cache; ``data`` then parses the
    text on demand. ``source`` is the text, or the file's bytes, decoded on first use.
    """

    file: str
    parsed: Any
    source: str | bytes

    @functools.cached_property
    def text(self) -> str:
        return text_of(self.source, self.file)

    @property
    def data(self) -> Any:
        return self.parsed if self.parsed is not None else parse_yaml(self.text, self.file)

    def line(self, path: list[Any]) -> int | None:
        return line_of(self.text, path)


@dataclass
class Catalog:
    instruments: dict[str, Instrument] = field(default_factory=dict)
    questionnaires: dict[str, Questionnaire] = field(default_factory=dict)
    origins: dict[tuple[str, str], Origin] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    directories: list[Path] = field(default_factory=list)
    layers: dict[tuple[str, str], Path] = field(default_factory=dict)  # the directory each document came from

    def instrument(self, iid: str) -> Instrument:
        try:
            return self.instruments[iid]
        except KeyError:
            raise NotFound(f"unknown instrument {iid!r}{did_you_mean(iid, self.instruments)}") from None

    def questionnaire(self, qid: str | None = None) -> Questionnaire:
        if qid is None:
            if "core" in self.questionnaires:
                return self.questionnaires["core"]
            if not self.questionnaires:
                raise NotFound("the catalog has no questionnaire (data/questionnaires/*.yaml)")
            return self.questionnaires[sorted(self.questionnaires)[0]]
        try:
            return self.questionnaires[qid]
        except KeyError:
            known = ", ".join(sorted(self.questionnaires)) or "none"
            raise NotFound(
                f"unknown questionnaire {qid!r}{did_you_mean(qid, self.questionnaires)}; known: {known}"
            ) from None

    def fingerprint(self) -> str:
        """A short hash of every loaded document's text, for reproducibility footers."""
        digest = hashlib.sha256()
        for key in sorted(self.origins):
            digest.update(repr(key).encode())
            digest.update(self.origins[key].text.encode())
        return digest.hexdigest()[:12]

    def sorted_instruments(self) -> list[Instrument]:
        return sorted(self.instruments.values(), key=lambda i: (i.area, i.name.lower(), i.id))


def data_dirs(data_dir: Path | None, only: bool) -> list[Path]:
    """The directories to load, built-in first. ``only`` drops the built-in catalog."""
    if data_dir is None:
        return [builtin_data_dir()]
    if not data_dir.is_dir():
        raise DataError([Problem(str(data_dir), None, "", "data directory not found")])
    return [data_dir] if only else [builtin_data_dir(), data_dir]


def _files(directory: Path, kind: str) -> list[Path]:
    sub = directory / kind
    if not sub.is_dir():
        return []
    try:
        with os.scandir(sub) as entries:
            # not only regular files: a link to a device or a FIFO is reported, not skipped
            names = sorted(e.name for e in entries if e.name.endswith((".yaml", ".yml")) and not e.is_dir())
    except OSError:
        return []
    return [sub / name for name in names]


def _display(path: Path, cwd: str | None = None) -> str:
    """The path relative to the working directory when it lies below it."""
    if cwd is None:
        try:
            cwd = os.getcwd()
        except OSError:  # the working directory was removed
            return str(path)
    text = str(path)
    prefix = cwd.rstrip(os.sep) + os.sep
    return text[len(prefix) :] if path.is_absolute() and text.startswith(prefix) else text


# --------------------------------------------------------------------------- cached documents

M = TypeVar("M")


def load_document(model: type[M], path: Path, name: str, cache: DocumentCache) -> tuple[M, Origin]:
    doc, data, source = load_file(model, path, name, cache)
    return doc, Origin(name, data, source)


def load_catalog(directories: list[Path], *, strict_refs: bool = True) -> Catalog:
    """Load every directory in order (later ones override earlier ones by id).

    Every problem in every file is collected; if any is an error, DataError lists them all.
    """
    return _load_catalog(directories, strict_refs=strict_refs)


def _load_catalog(directories: list[Path], *, strict_refs: bool) -> Catalog:
    catalog = Catalog(directories=list(directories))
    problems: list[Problem] = []
    try:
        cwd: str | None = os.getcwd()
    except OSError:
        cwd = None
    for directory in directories:
        if not (directory / "instruments").is_dir() and not (directory / "questionnaires").is_dir():
            problems.append(
                Problem(_display(directory), None, "", "not a data directory: expected instruments/ or questionnaires/")
            )
            continue
        layer: dict[tuple[str, str], str] = {}
        cache = DocumentCache(cache_dir(), directory)
        model: type[Questionnaire | Instrument]
        for kind, model, store in (
            ("questionnaires", Questionnaire, catalog.questionnaires),
            ("instruments", Instrument, catalog.instruments),
        ):
            for path in _files(directory, kind):
                name = _display(path, cwd) if cwd else str(path)
                try:
                    doc, origin = load_document(model, path, name, cache)
                except DataError as exc:
                    problems.extend(exc.problems)
                    continue
                key = (kind, doc.id)
                if key in layer:
                    problems.append(
                        Problem(
                            name, line_of(origin.text, ["id"]), "id", f"duplicate id {doc.id!r}, also in {layer[key]}"
                        )
                    )
                    continue
                layer[key] = name
                store[doc.id] = doc  # type: ignore[assignment]  # a store holds its own model
                catalog.origins[key] = origin
                catalog.layers[key] = directory
        cache.save()
    problems.extend(check_references(catalog, strict_refs=strict_refs))
    catalog.warnings = [p for p in problems if p.severity == "warning"]
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataError(errors)
    return catalog


# --------------------------------------------------------------------------- references


def leaves(condition: Condition, path: list[Any]) -> Iterator[tuple[Leaf, list[Any]]]:
    """Every leaf of a condition tree with its path in the YAML document."""
    if isinstance(condition, Leaf):
        yield condition, path
    elif isinstance(condition, AllOf):
        for i, sub in enumerate(condition.all):
            yield from leaves(sub, [*path, "all", i])
    elif isinstance(condition, AnyOf):
        for i, sub in enumerate(condition.any):
            yield from leaves(sub, [*path, "any", i])
    elif isinstance(condition, Not):
        yield from leaves(condition.not_, [*path, "not"])


def check_leaf(
    leaf: Leaf, path: list[Any], origin: Origin, questions: dict[str, list[str]], earlier: list[str] | None
) -> list[Problem]:
    """A condition may only name known (and, in a questionnaire, earlier) questions and their choices."""
    qpath = [*path, "question"]
    if leaf.question not in questions:
        return [
            Problem(
                origin.file,
                origin.line(qpath),
                field_name(qpath),
                f"unknown question {leaf.question!r}{did_you_mean(leaf.question, questions)}",
            )
        ]
    if earlier is not None and leaf.question not in earlier:
        return [
            Problem(
                origin.file,
                origin.line(qpath),
                field_name(qpath),
                f"a condition may only refer to an earlier question; {leaf.question!r} is not asked before this one",
            )
        ]
    problems = []
    allowed = questions[leaf.question]
    for value in leaf.values:
        if value not in allowed:
            problems.append(
                Problem(
                    origin.file,
                    origin.line(path),
                    field_name(path),
                    f"question {leaf.question!r} has no choice {value!r}{did_you_mean(value, allowed)}; "
                    f"choices: {', '.join(allowed)}",
                )
            )
    return problems


def check_references(catalog: Catalog, *, strict_refs: bool = True) -> list[Problem]:
    problems: list[Problem] = []
    all_questions: dict[str, list[str]] = {}
    for qid, questionnaire in catalog.questionnaires.items():
        origin = catalog.origins[("questionnaires", qid)]
        every = {q.id: q.values for q in questionnaire.questions}
        earlier: dict[str, list[str]] = {}  # question id -> its values, in the order asked
        for si, section in enumerate(questionnaire.sections):
            for qi, question in enumerate(section.questions):
                qpath: list[Any] = ["sections", si, "questions", qi]
                if question.id in earlier:
                    problems.append(
                        Problem(
                            origin.file,
                            origin.line([*qpath, "id"]),
                            field_name([*qpath, "id"]),
                            f"duplicate question id {question.id!r}",
                        )
                    )
                if question.when is not None:
                    for leaf, path in leaves(question.when, [*qpath, "when"]):
                        problems.extend(check_leaf(leaf, path, origin, every, list(earlier)))
                for ci, choice in enumerate(question.choices):
                    for ri, rule in enumerate(choice.rules):
                        for iid in rule.match.id or []:
                            if iid not in catalog.instruments:
                                rpath = [*qpath, "choices", ci, "rules", ri, "match", "id"]
                                problems.append(
                                    Problem(
                                        origin.file,
                                        origin.line(rpath),
                                        field_name(rpath),
                                        f"no instrument {iid!r} in this catalog; the rule has no effect"
                                        f"{did_you_mean(iid, catalog.instruments)}",
                                        severity="warning",
                                    )
                                )
                earlier.setdefault(question.id, question.values)
        for question in questionnaire.questions:
            all_questions.setdefault(question.id, question.values)

    for iid, instrument in catalog.instruments.items():
        origin = catalog.origins[("instruments", iid)]
        for ri, related in enumerate(instrument.related):
            if related == iid:
                problems.append(
                    Problem(origin.file, origin.line(["related", ri]), f"related[{ri}]", "refers to itself")
                )
            elif related not in catalog.instruments:
                problems.append(
                    Problem(
                        origin.file,
                        origin.line(["related", ri]),
                        f"related[{ri}]",
                        f"unknown instrument {related!r}{did_you_mean(related, catalog.instruments)}",
                        severity="error" if strict_refs else "warning",
                    )
                )
        for pi, precondition in enumerate(instrument.preconditions):
            if precondition.check is None:
                continue
            if not catalog.questionnaires:
                continue
            for leaf, path in leaves(precondition.check, ["preconditions", pi, "check"]):
                problems.extend(check_leaf(leaf, path, origin, all_questions, None))
    return problems


def load(data_dir: Path | None = None, only: bool = False) -> Catalog:
    """Load the catalog the CLI options describe."""
    return load_catalog(data_dirs(data_dir, only))
