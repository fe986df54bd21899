"""Startup benchmark: medians of wall-clock and CPU time for bare imports and migdev commands.

Run it with the interpreter migdev is installed in::

    .venv/bin/python benchmarks/bench_startup.py            # 7 runs each after a warm-up
    .venv/bin/python benchmarks/bench_startup.py --runs 15
    .venv/bin/python benchmarks/bench_startup.py --compare ../old-checkout/src

It prints every median and the ratios (of wall-clock medians) against the start-up targets:

* ``migdev --help``                       <= 1.3x ``python -c "import typer"``
* ``migdev instruments list``             <= 1.5x the bare import of typer, pydantic, yaml, rich.table
* ``migdev assess --answers FILE``        <= 1.5x the same bare import
* listing a 2,000-instrument catalog      <= 4.0x ``migdev instruments list`` (built-in catalog)

The CPU time (user + system of the child process) is printed beside each wall-clock median:
on a machine shared with other work it moves far less than the wall clock.

``--compare SRC`` runs every migdev command alternately from this installation and from the
source tree SRC (the ``src`` directory of another checkout, put first on ``PYTHONPATH``, so the
same ``migdev`` script imports that tree's package), so that both see the same load, and prints
both medians side by side: a way to measure a change to start-up against the code before it.

The migdev runs use the document cache (warm after the warm-up run), as a user's second and
later runs on the same files do; three extra rows show the runs with the cache switched off.
migdev's own modules are compiled to bytecode first, as ``pip install .`` does: an editable
install run with PYTHONDONTWRITEBYTECODE would otherwise compile them on every run.

It is a measurement, not a test: it never fails on time. Output goes to a pipe, as in scripts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
MIGDEV = Path(PY).with_name("migdev")


def migdev(*args: str) -> list[str]:
    return [str(MIGDEV), *args] if MIGDEV.exists() else [PY, "-m", "migdev_cli", *args]


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGDEV_")}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["COLUMNS"] = "120"
    return env


def timed_run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one run; exits if the command fails."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err.read().decode()[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


def medians(cmds: list[list[str]], runs: int, envs: list[dict[str, str]]) -> list[tuple[float, float]]:
    """Median wall-clock and CPU seconds of each command over ``runs`` runs after one warm-up run
    each (which fills the OS caches); with several commands, their runs alternate."""
    samples: list[list[tuple[float, float]]] = [[] for _ in cmds]
    for i in range(runs + 1):
        for cmd, env, got in zip(cmds, envs, samples, strict=True):
            measured = timed_run(cmd, env)
            if i:
                got.append(measured)
    return [(statistics.median(w for w, _ in got), statistics.median(c for _, c in got)) for got in samples]


# --------------------------------------------------------------------------- inputs


def builtin_data_dir() -> Path:
    from migdev_cli.catalog import builtin_data_dir as found

    return found()


def write_answers(path: Path, env: dict[str, str]) -> None:
    """A complete answers file for the core questionnaire: the first choice of every question."""
    shown = subprocess.run(migdev("questionnaire", "show", "--json"), env=env, capture_output=True, check=True)
    questionnaire = json.loads(shown.stdout)
    lines = [f"questionnaire: {questionnaire['id']}", "answers:"]
    for section in questionnaire["sections"]:
        for question in section["questions"]:
            first = question["choices"][0]["value"]
            value = f"[{first}]" if question["type"] == "multiple" else json.dumps(first)
            lines.append(f"  {question['id']}: {value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_synthetic_catalog(root: Path, count: int) -> int:
    """``count`` instruments copied from the built-in ones with new ids and ``related`` cleared,
    plus the built-in questionnaires."""
    source = builtin_data_dir()
    (root / "instruments").mkdir(parents=True)
    shutil.copytree(source / "questionnaires", root / "questionnaires")
    originals = sorted((source / "instruments").glob("*.yaml"))
    texts = [p.read_text(encoding="utf-8") for p in originals]
    for n in range(count):
        text = texts[n % len(texts)]
        old_id = re.search(r"^id: (\S+)", text, re.MULTILINE)
        assert old_id is not None
        new_id = f"{old_id.group(1)}-{n:04d}"
        text = text.replace(old_id.group(0), f"id: {new_id}", 1)
        text = re.sub(r"^related:\n(?:  - .*\n)+", "related: []\n", text, flags=re.MULTILINE)
        text = re.sub(r"^related: \[[^\]]*\]\n", "related: []\n", text, flags=re.MULTILINE)
        (root / "instruments" / f"{new_id}.yaml").write_text(text, encoding="utf-8")
    return count


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (after one warm-up)")
    parser.add_argument("--instruments", type=int, default=2000, help="size of the synthetic catalog")
    parser.add_argument("--json", dest="as_json", action="store_true", help="print the results as JSON too")
    parser.add_argument("--no-cold", action="store_true", help="skip the runs without the document cache")
    parser.add_argument("--compare", metavar="SRC", type=Path, help="also run each migdev command from this src/ tree")
    opts = parser.parse_args()
    env = environment()
    import compileall

    import migdev_cli

    compileall.compile_dir(str(Path(migdev_cli.__file__).parent), quiet=1)
    if opts.compare:
        compileall.compile_dir(str(opts.compare), quiet=1)

    with tempfile.TemporaryDirectory(prefix="migdev-bench-") as tmp:
        work = Path(tmp)
        answers = work / "answers.yaml"
        write_answers(answers, env)
        synth = work / "synthetic"
        write_synthetic_catalog(synth, opts.instruments)
        # Cache files (if any) must not leak between runs of different benchmarks' setups.
        env["MIGDEV_CACHE_DIR"] = str(work / "cache")
        env["XDG_CACHE_HOME"] = str(work / "xdg-cache")

        commands = {
            "python -c pass": [PY, "-c", "pass"],
            "import typer": [PY, "-c", "import typer"],
            "import typer, pydantic, yaml, rich.table": [
                PY,
                "-c",
                "import typer, pydantic, yaml; from rich.table import Table",
            ],
            "migdev --help": migdev("--help"),
            "migdev instruments list": migdev("instruments", "list"),
            "migdev assess --answers FILE": migdev("assess", "--answers", str(answers)),
            f"migdev instruments list ({opts.instruments:,} instruments)": migdev(
                "--data-dir", str(synth), "--no-builtin", "instruments", "list"
            ),
        }
        # For information (no target): the same runs with the cache switched off, i.e. what
        # the first run after a change to the catalog or the answers file costs.
        cold_env = {**env, "MIGDEV_NO_CACHE": "1"}
        cold = {
            "migdev instruments list, no cache": migdev("instruments", "list"),
            "migdev assess --answers FILE, no cache": migdev("assess", "--answers", str(answers)),
            f"migdev instruments list ({opts.instruments:,}), no cache": migdev(
                "--data-dir", str(synth), "--no-builtin", "instruments", "list"
            ),
        }
        results: dict[str, float] = {}
        cpu: dict[str, float] = {}
        other: dict[str, tuple[float, float]] = {}
        python = f"{platform.python_implementation()} {platform.python_version()}"
        machine = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
        print(f"medians of {opts.runs} runs after a warm-up; {python} on {machine}; {date.today()}")
        if opts.compare:
            print(f"  (the second pair of figures: the same command run from {opts.compare})")

        def measure(label: str, cmd: list[str], run_env: dict[str, str], note: str = "") -> None:
            cmds, envs = [cmd], [run_env]
            if opts.compare and label.startswith("migdev"):  # the same command, the other tree's package
                cmds.append(cmd)
                envs.append({**run_env, "PYTHONPATH": str(opts.compare), "MIGDEV_CACHE_DIR": str(work / "cache-other")})
            got = medians(cmds, opts.runs, envs)
            results[label], cpu[label] = got[0]
            line = f"  {label:<52} {got[0][0] * 1000:8.1f} ms  (cpu {got[0][1] * 1000:6.1f} ms)"
            if len(got) > 1:
                other[label] = got[1]
                line += f"  | {got[1][0] * 1000:8.1f} ms  (cpu {got[1][1] * 1000:6.1f} ms)"
            print(line + note, flush=True)

        for label, cmd in commands.items():
            measure(label, cmd, env)
        if not opts.no_cold:
            for label, cmd in cold.items():
                measure(label, cmd, cold_env, "  (information only)")

    four = "import typer, pydantic, yaml, rich.table"
    big = f"migdev instruments list ({opts.instruments:,} instruments)"
    pairs = [
        ("migdev --help / import typer", "migdev --help", "import typer", 1.3),
        ("instruments list / four-library import", "migdev instruments list", four, 1.5),
        ("assess --answers / four-library import", "migdev assess --answers FILE", four, 1.5),
        (f"{opts.instruments:,} instruments / built-in list", big, "migdev instruments list", 4.0),
    ]
    targets = [(label, results[a] / results[b], limit) for label, a, b, limit in pairs]
    print("\nratios of the wall-clock medians against the start-up targets (the same ratio of CPU times after it):")
    for (label, a, b, limit), (_, ratio, _) in zip(pairs, targets, strict=True):
        verdict = "PASS" if ratio <= limit else "MISS"
        print(f"  {label:<52} {ratio:6.2f}x  (target <= {limit:.1f}x)  {verdict}   cpu {cpu[a] / cpu[b]:5.2f}x")
    if opts.as_json:
        payload = {
            "medians_ms": {k: round(v * 1000, 1) for k, v in results.items()},
            "cpu_medians_ms": {k: round(v * 1000, 1) for k, v in cpu.items()},
            "compared_medians_ms": {k: [round(v * 1000, 1) for v in pair] for k, pair in other.items()},
            "ratios": {label: {"ratio": round(r, 3), "target": t, "pass": r <= t} for label, r, t in targets},
        }
        print(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
