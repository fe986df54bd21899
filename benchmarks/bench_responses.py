"""How much does ranking a survey's responses cost, against one single assessment?

Run: ``python benchmarks/bench_responses.py [N] [--seed S]``

It generates N (default 10,000) random valid responses to the built-in core
questionnaire (seeded, so every run scores the same responses; only questions whose
conditions hold are answered, "don't know" where allowed), then times:

* ranking them: per-respondent rankings plus the consolidated ranking, disagreement and
  stakeholder breakdown (:func:`migdev_cli.responses.consolidate`, a fresh Scorer each
  time, so no cache is warm), without file I/O (the best of a few runs);
* one single assessment as ``migdev assess`` runs it: ``Scorer(...).assess(values)``,
  with the sensitivity check (the best of several runs).

It prints both and their ratio. The aim is a ratio below 20: 10,000 responses cost less
than 20 single assessments. This is a measurement, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from migdev_cli.answers import Value, is_visible  # noqa: E402
from migdev_cli.catalog import builtin_data_dir, load_catalog  # noqa: E402
from migdev_cli.models import Questionnaire  # noqa: E402
from migdev_cli.responses import Respondent, consolidate  # noqa: E402
from migdev_cli.scoring import Scorer  # noqa: E402
from migdev_cli.vocab import DONT_KNOW  # noqa: E402
from migdev_cli.xlsform import STAKEHOLDER_CHOICES  # noqa: E402


def random_values(questionnaire: Questionnaire, rng: random.Random) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for question in questionnaire.questions:
        if not is_visible(question, values):
            continue
        if not question.required and rng.random() < 0.2:
            continue
        if question.allow_dont_know and rng.random() < 0.1:
            values[question.id] = [DONT_KNOW] if question.type == "multiple" else DONT_KNOW
            continue
        choices = [c.value for c in question.choices]
        if question.type == "multiple":
            picked = set(rng.sample(choices, rng.randint(1, min(3, len(choices)))))
            values[question.id] = [c for c in choices if c in picked]
        else:
            values[question.id] = rng.choice(choices)
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000, help="number of responses (default 10000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=7, help="single assessments to time (best is used)")
    parser.add_argument("--bulk-repeat", type=int, default=3, help="times to rank all responses (best is used)")
    args = parser.parse_args()

    catalog = load_catalog([builtin_data_dir()], strict_refs=False)
    questionnaire = catalog.questionnaire("core")
    instruments = list(catalog.instruments.values())
    rng = random.Random(args.seed)
    groups = list(STAKEHOLDER_CHOICES)
    respondents = [
        Respondent(row=i + 2, values=random_values(questionnaire, rng), stakeholder=rng.choice(groups))
        for i in range(args.n)
    ]

    runs = []
    for _ in range(args.bulk_repeat):
        start = time.perf_counter()
        result = consolidate(Scorer(questionnaire, instruments), respondents, asks_stakeholder=True)
        runs.append(time.perf_counter() - start)
    many = min(runs)

    single_values = respondents[0].values
    singles = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        Scorer(questionnaire, instruments).assess(single_values)
        singles.append(time.perf_counter() - start)
    single = min(singles)

    ratio = many / single
    print(f"catalog: {len(instruments)} instruments, {len(questionnaire.questions)} questions")
    print(f"ranking {args.n:,} responses (per respondent + consolidated, best of {args.bulk_repeat}): {many:.3f} s")
    print(f"one single assessment with sensitivity (best of {args.repeat}): {single * 1000:.1f} ms")
    print(f"  (median {statistics.median(singles) * 1000:.1f} ms)")
    print(f"ratio: {args.n:,} responses cost {ratio:.1f} single assessments (aim: below 20)")
    print(f"top of the consolidated ranking: {result.consolidated[0].id} (mean {result.consolidated[0].mean_score})")


if __name__ == "__main__":
    main()
