"""The benchmark scripts still run, in-process, in their seconds-long ``--quick`` mode.

Wall-clock figures are never checked; the printed COUNTS are (load jobs, queries, rows,
findings), because they are what the benchmarks claim. Each script's ``main()`` is called in
this process (no interpreter start-up, no second import of pandas/DuckDB/BigQuery); the
environment variables and root logging handlers the scripts change are restored afterwards.
"""

from __future__ import annotations

import ast
import gc
import importlib
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


@pytest.fixture
def run_bench(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., str]]:
    """``run_bench('bench_audit', '--quick')`` -> everything it printed (exit code checked).

    A script that collects garbage between its timed runs freezes the process's objects first
    (``bench/_common.py``'s ``frozen_heap``), which includes everything this test process holds.
    """
    monkeypatch.syspath_prepend(str(BENCH))
    saved_env = dict(os.environ)
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level

    def run(script: str, *argv: str) -> str:
        module = importlib.import_module(script)
        assert module.main(list(argv)) == 0
        return capsys.readouterr().out

    try:
        yield run
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


def _one(pattern: str, text: str) -> re.Match[str]:
    found = re.findall(pattern, text, flags=re.MULTILINE)
    assert len(found) == 1, f"expected one line matching {pattern!r}, found {len(found)}:\n{text[-3000:]}"
    match = re.search(pattern, text, flags=re.MULTILINE)
    assert match is not None
    return match


def test_bench_audit_quick_prints_a_fixed_query_count_and_one_load_job(run_bench):
    out = run_bench("bench_audit", "--quick")
    games, days = (int(g) for g in _one(r"schedule: (\d+) final games, (\d+) game days", out).groups())
    assert (games, days) == (30, 5)  # the --quick size
    # ours: 1 schedule + 4 tables + 1 log query per run, whatever the span
    assert _one(r"season \S+: .*?, (\d+) queries per run \(RecordingClient, last run: "
                r"(\d+) queries, (\d+) load job\(s\)\)", out).groups() == ("6", "6", "0")
    assert _one(r"one day \S+: .*?, (\d+) queries per run", out).group(1) == "6"
    # the findings are the planted conditions, game for game
    planted = ast.literal_eval(_one(r"planted conditions: (\{.*\})", out).group(1))
    findings = ast.literal_eval(_one(r"^   findings: (\{.*\})", out).group(1))
    assert sum(findings.values()) == games == sum(planted.values())
    assert findings["normal"] == planted.get("healthy", 0) + planted.get("clean", 0)
    assert findings["logged_but_no_data"] == planted.get("logged_no_data", 0)
    assert findings["data_exists_no_log"] == planted.get("legacy_no_log", 0)
    assert findings["partial_data"] == planted.get("partial", 0)
    issues = games - findings["normal"]
    # writing: two extra queries (the resolve UPDATE, and the UPDATE recording the one grouped
    # alert on the flags this audit wrote), ONE load job for all synthetic events
    first = _one(r"first run: .*?, (\d+) queries, (\d+) load job\(s\); (\d+) synthetic events", out)
    assert first.groups() == ("8", "1", str(issues))
    rerun = _one(r"re-run: .*?, (\d+) queries, (\d+) load job\(s\); (\d+) new events", out)
    assert rerun.groups() == ("6", "0", "0")
    # the baseline: per day one query, per game 1 + 4 (log + each checked table)
    assert _one(r"season: [\d.]+ s, (\d+) queries", out).group(1) == str(days + games * 5)
    assert "(full season measured)" in out  # no budget given: the baseline is not sampled


def test_bench_event_flush_quick_prints_one_load_job_per_flush(run_bench):
    out = run_bench("bench_event_flush", "--quick")
    events = int(_one(r"^-- ([\d,]+) events \(", out).group(1).replace(",", ""))
    assert events == 300  # the --quick size
    flush = _one(r"flush_events .*?, (\d+) load job\(s\), (\d+) query .*?, ([\d,]+) rows written", out)
    assert flush.groups() == ("1", "1", "300")
    backfill = _one(r"season backfill: (\d+) games x (\d+) events = ([\d,]+) events", out)
    games, per_game = int(backfill.group(1)), int(backfill.group(2))
    assert (games, per_game) == (20, 26)
    total = f"{games * per_game:,}"
    assert _one(r"ours, one run .*?: (\d+) load jobs .*?, ([\d,]+) rows", out).groups() == ("1", total)
    assert _one(r"sketch pattern, flush per game run: (\d+) load jobs, ([\d,]+) rows", out).groups() == (
        str(games), total)


def test_bench_quality_quick_prints_identical_results_and_every_ratio(run_bench):
    """bench_quality --quick: the checkers agree and each ratio of issue 15 is printed as a number.

    Counts and agreement are asserted; times are not (they depend on the machine's load).
    """
    out = run_bench("bench_quality", "--quick")
    assert "medians of 3" in out
    for rows in ("2,000", "5,000"):  # the --quick sizes
        block = out.split(f"-- assess_quality at {rows} rows x 30 columns", 1)[1].split("\n-- ", 1)[0]
        ours = re.search(r"(\d+) field\(s\) over tolerance, missing optional \['shot_zones'\]", block)
        pandera = re.search(r"pandera  same checks .* (\d+) field\(s\) failing; same fields as ours: True", block)
        assert ours and pandera and ours.group(1) == pandera.group(1), block
        assert int(ours.group(1)) >= 10  # the planted null rates do cross the tolerances
        assert "null rates identical to the vectorised reference: True" in block
        # The isna-only schema misses the planted inf / placeholder values: a different verdict.
        assert re.search(r"isna only .* same fields as ours: False", block), block
        assert re.search(rf"ratio at {rows} rows .*pandera same checks / ours [\d,.]+x; "
                         r"pandera isna only / ours [\d,.]+x; sketch / ours [\d,.]+x", block), block
    columns = out.split("-- add_quality_columns at 50,000 rows (3 numeric columns", 1)[1]
    assert "same values on every row: True" in columns
    memory = re.search(r"ours memory ([\d.]+)x the frame", columns)
    assert re.search(r"ours / plain assignment time [\d.]+x \(goal <= 5x\)", columns), columns
    # Allocation is deterministic: 44 bytes per row of quality columns for a 24-byte-per-row frame.
    assert memory and 1.8 <= float(memory.group(1)) < 2.0, columns


def test_bench_cli_startup_quick_counts_the_heavy_libraries_each_start_imported(run_bench):
    """bench_cli_startup --quick: the command loads none of them, the old way (work module first) several."""
    out = run_bench("bench_cli_startup", "--quick")
    line = _one(r"^   coverage-audit usage error: ours .*? heavy (\d+); baseline .*? heavy (\d+);", out)
    assert int(line.group(1)) == 0
    assert int(line.group(2)) >= 3        # pandas, numpy, pyarrow, google-cloud-bigquery, ...
    assert _one(r"^-- CPU of (\d+) start-ups", out).group(1) == "1"


def test_a_benchmark_run_in_process_leaves_the_suites_freeze_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """``frozen_heap`` thaws only a freeze it made: run inside this test process (whose objects
    tests/conftest.py froze once), it must not hand the suite's ~250,000 objects back to every
    full collection for the rest of the run."""
    monkeypatch.syspath_prepend(str(BENCH))
    frozen_heap = importlib.import_module("_common").frozen_heap
    assert gc.get_freeze_count() > 0, "tests/conftest.py freezes the process's objects before the first module"
    with frozen_heap():
        pass
    assert gc.get_freeze_count() > 0


def test_a_benchmark_process_thaws_what_it_froze() -> None:
    """In a benchmark's own process (nothing frozen before), the block's freeze ends with it."""
    code = ("import gc\nfrom _common import frozen_heap\nwith frozen_heap():\n    inside = gc.get_freeze_count()\n"
            "print(inside > 0, gc.get_freeze_count())")
    done = subprocess.run([sys.executable, "-c", code], cwd=BENCH, capture_output=True, text=True, timeout=120,
                          check=True)
    assert done.stdout.split() == ["True", "0"]
