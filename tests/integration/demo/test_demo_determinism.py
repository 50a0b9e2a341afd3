"""The demo is deterministic per seed: two runs with the same seed write the same phase 3
tables and the same summary counts (timestamps and run ids aside).

The first run is this module's own, in-process ``run_demo(days=2, seed=7)``; the second is the
session's ``coverage-demo --days 2 --force --json`` (``forced_demo``, tests/support/demo_runs.py:
the command line, seed 7 by default, in a folder of its own), so the comparison also covers the
command's path to the same run. A module of its own so that under ``--dist loadscope`` it can
run on one xdist worker while the other runs the rest.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from google.cloud import bigquery

from data_processors.demo.runner import DemoSummary, run_demo
from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.demo_runs import CLI_DEMO_DAYS

DAYS = CLI_DEMO_DAYS   # as the shared coverage-demo runs (tests/support/demo_runs.py)
SEED = 7               # coverage-demo's default seed
# Columns that legitimately differ between two runs: timestamps and run ids.
VOLATILE = {"processed_at", "quality_calculated_at", "processor_run_id"}


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoSummary, Any, str]:
    """(our run's summary, the forced command-line run's --json output, its warehouse URL)."""
    # our own run FIRST: under xdist the other worker may be making the shared runs meanwhile,
    # instead of this worker waiting for them
    own = run_demo(days=DAYS, seed=SEED, out_dir=tmp_path_factory.mktemp("demo_a"), progress=None)
    forced = request.getfixturevalue("forced_demo")
    assert forced.forced.returncode == 0, forced.forced.stderr
    return own, json.loads(forced.forced.stdout), f"duckdb:///{forced.out / 'demo.duckdb'}"


def _without_timestamp(metadata: Any) -> str:
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    if not isinstance(metadata, dict):
        return "null"
    return json.dumps({k: v for k, v in metadata.items() if k != "assessment_timestamp"}, sort_keys=True)


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    if hasattr(value, "__len__"):
        return json.dumps([str(v) for v in value])
    return "null" if pd.isna(value) else str(value)


def _table(url: str, table: str, start: str, end: str) -> pd.DataFrame:
    client = DuckDBClient(url.removeprefix("duckdb:///"))
    try:
        config = bigquery.QueryJobConfig(query_parameters=[
            bigquery.ScalarQueryParameter("s", "DATE", start), bigquery.ScalarQueryParameter("e", "DATE", end)])
        frame = client.query(f"SELECT * FROM `{table}` WHERE game_date BETWEEN @s AND @e",
                             job_config=config).to_dataframe()
    finally:
        client.close()
    frame = frame.drop(columns=[c for c in VOLATILE if c in frame.columns])
    frame["quality_metadata"] = [_without_timestamp(m) for m in frame["quality_metadata"]]
    for column in frame.columns:
        frame[column] = frame[column].map(_plain)
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


@pytest.mark.parametrize("table", ["nba_analytics.player_game_summary",
                                   "nba_analytics.team_offense_game_summary"])
def test_same_seed_gives_the_same_phase3_tables(runs: Any, table: str) -> None:
    summary, _, second_url = runs
    start, end = summary.start.isoformat(), summary.end.isoformat()
    a = _table(summary.warehouse_url, table, start, end)
    b = _table(second_url, table, start, end)
    assert len(a) > 0
    pd.testing.assert_frame_equal(a, b)


def test_same_seed_gives_the_same_summary_counts(runs: Any) -> None:
    first, printed, _ = runs
    second = {k: v for k, v in printed.items() if k not in ("report_path", "wall_seconds", "faults_missed")}
    # the command prints summary.counts() as JSON (default=str): compare in that form
    assert json.loads(json.dumps(first.counts(), default=str)) == second
    assert first.report_path != printed["report_path"]  # two runs, not one read twice
