"""Does the ranking decide? Measured over the real programme contexts of the scenario tests.

Run: ``python benchmarks/bench_ranking.py``

For every scenario in ``tests/test_scenarios.py`` (a real programme, answered as its
designers would have), it prints the scenario's rank-1 and rank-10 scores, the tied rows
in its top 5, whether the expected instrument is in the top 3 and the contra-indicated
ones are out of the top 5, and how many single changed answers make an instrument drop
out of the recommended package. Then, over all scenarios:

* the median gap between rank 1 and rank 10 (aim: at least 12 points);
* the tied rows in the top 5 (a row that shares its rank with the row above; aim: at
  most one per scenario);
* the share of single changed answers that alter the package (an instrument drops out).

This is a measurement, not a test: nothing is asserted.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from migdev_cli.answers import as_answers  # noqa: E402
from migdev_cli.catalog import builtin_data_dir, load_catalog  # noqa: E402
from migdev_cli.scoring import Scorer  # noqa: E402
from test_scenarios import SCENARIOS  # noqa: E402


def main() -> None:
    catalog = load_catalog([builtin_data_dir()])
    scorer = Scorer(catalog.questionnaire("core"), catalog.instruments.values())
    gaps: list[float] = []
    ties: list[int] = []
    tried = altered = hits = clean = 0
    print(f"{'scenario':40} {'#1':>5} {'#10':>5} {'gap':>5} {'ties':>4} {'top3':>4} {'out5':>4} {'pkg':>7}")
    for name, scenario in sorted(SCENARIOS.items()):
        result = scorer.assess(as_answers(scenario.full()))
        scores = [r.score for r in result.ranking]
        gap = scores[0] - scores[min(9, len(scores) - 1)]
        top5 = [r for r in result.ranking if r.rank <= 5][:5]
        tied = sum(1 for a, b in zip(top5, top5[1:], strict=False) if a.rank == b.rank)
        top3 = {r.id for r in result.ranking if r.rank <= 3}
        hit = bool(scenario.top3 & top3)
        out = not scenario.out5 & {r.id for r in top5}
        sens = result.sensitivity
        assert sens is not None
        gaps.append(gap)
        ties.append(tied)
        tried += sens.tried
        altered += sens.package_changes
        hits += hit
        clean += out
        print(
            f"{name:40} {scores[0]:5.1f} {scores[min(9, len(scores) - 1)]:5.1f} {gap:5.1f} {tied:4} "
            f"{'yes' if hit else 'NO':>4} {'yes' if out else 'NO':>4} {sens.package_changes:3}/{sens.tried:<3}"
        )
    n = len(SCENARIOS)
    print()
    print(f"scenarios: {n}; expected instrument in the top 3: {hits}/{n}; ", end="")
    print(f"contra-indicated out of the top 5: {clean}/{n}")
    print(f"median gap between rank 1 and rank 10: {statistics.median(gaps):.1f} points (min {min(gaps):.1f})")
    print(f"tied rows in the top 5: {sum(ties)} in all, at most {max(ties)} in one scenario")
    print(f"single changed answers that alter the package: {altered} of {tried} ({altered / tried:.0%})")


if __name__ == "__main__":
    main()
