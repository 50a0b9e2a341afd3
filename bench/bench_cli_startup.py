"""Command start-up: ``--help``, ``--version`` and a usage error, each in a fresh interpreter.

ours: the command as installed (its light module in ``data_processors/commands`` /
``shared_services/commands``; pandas, the SDK and DuckDB load only when it works).
baseline: the same command with its work module imported first, which is how every command
started before (its console script imported the work module: pandas, google-cloud-bigquery,
DuckDB, pyarrow, sqlglot). Both are measured here, now, on this machine.

Printed per command and case: the median wall time of ``--repeat`` runs, CPU (user + system)
of the child, and the number of heavy top-level libraries the process imported (from
Python's own import log, ``-X importtime``).

    .venv/bin/python bench/bench_cli_startup.py            # every command, 5 runs each
    .venv/bin/python bench/bench_cli_startup.py --quick    # coverage-audit's usage error, one run
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import _common  # noqa: F401  (repository root on sys.path)
from _common import ROOT, print_header, ratio

from data_processors.nba_coverage import COMMANDS

#: The libraries a command should load only when it works.
HEAVY = ("pandas", "numpy", "pyarrow", "google.cloud.bigquery", "google.api_core", "duckdb", "sqlglot")
CASES = {"--help": ["--help"], "--version": ["--version"], "usage error": ["--no-such-flag"]}
#: The module whose import the baseline adds: where each command's work lives.
WORK_MODULES = {
    "setup": "shared_services.bigquery.provisioning",
    "preflight": "shared_services.bigquery.preflight",
    "replay": "shared_services.events.replay",
    "demo": "data_processors.demo.runner",
    "player-game-summary": "data_processors.analytics.player_game_summary.player_game_summary_processor",
    "team-offense": "data_processors.analytics.team_offense_game_summary.team_offense_game_summary_processor",
    "rolling-averages": "data_processors.precompute.player_rolling_average_processor",
    "predictions": "data_processors.predictions.prediction_generator",
    "audit": "data_processors.source_coverage_audit.processor",
    "health": "data_processors.reporting.health",
    "report": "data_processors.reporting.html_report",
    "stale": "data_processors.precompute.staleness",
}


def _run(short: str, argv: list[str], baseline: bool) -> tuple[float, float, int]:
    """(wall seconds, child CPU seconds, heavy libraries imported) of one fresh interpreter."""
    preload = f"import {WORK_MODULES[short]}; " if baseline else ""
    code = (f"import sys; {preload}from data_processors.nba_coverage import load_command; "
            f"sys.exit(load_command({short!r}).main({argv!r}))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=300)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    imported = {line.rpartition("|")[2].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    heavy = sum(1 for name in HEAVY if name in imported)
    return wall, cpu, heavy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run: coverage-audit's usage error, one run")
    parser.add_argument("--repeat", type=int, default=5, help="runs per command and case (default 5)")
    args = parser.parse_args(argv)
    shorts = ["audit"] if args.quick else list(COMMANDS)
    cases = {"usage error": CASES["usage error"]} if args.quick else CASES
    repeat = 1 if args.quick else max(1, args.repeat)
    print_header("command start-up: --help, --version, a usage error (fresh interpreter each)")
    print(f"   {len(shorts)} command(s) x {len(cases)} case(s) x {repeat} run(s), ours and baseline; "
          f"heavy = how many of {', '.join(HEAVY)} were imported")
    totals: dict[bool, list[float]] = {False: [], True: []}
    for short in shorts:
        for case, case_argv in cases.items():
            row = {}
            for baseline in (False, True):
                runs = [_run(short, case_argv, baseline) for _ in range(repeat)]
                wall = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[1] for r in runs)
                row[baseline] = (wall, cpu, max(r[2] for r in runs))
                totals[baseline].append(cpu)
            (ours_wall, ours_cpu, ours_heavy), (base_wall, base_cpu, base_heavy) = row[False], row[True]
            print(f"   coverage-{short} {case}: ours {ours_wall:.3f} s wall, {ours_cpu:.3f} s CPU, heavy {ours_heavy}; "
                  f"baseline {base_wall:.3f} s wall, {base_cpu:.3f} s CPU, heavy {base_heavy}; "
                  f"CPU {ratio(base_cpu, ours_cpu)}")
    ours, base = sum(totals[False]), sum(totals[True])
    print(f"-- CPU of {len(totals[False])} start-ups: ours {ours:.2f} s, baseline {base:.2f} s ({ratio(base, ours)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
