"""The demo is deterministic per seed: two runs with the same seed write the same phase 3
tables and the same summary counts (timestamps and run ids aside).

The first run is the session's shared demo week (``demo_week``, 7 days, seed 7); this module
makes the second, independent run with the same arguments. A module of its own so that under
``--dist loadscope`` it can run on one xdist worker while the other runs the rest.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from google.cloud import bigquery

from data_processors.demo.runner import DemoSummary, run_demo
from shared_services.bigquery.duckdb_client import DuckDBClient

DAYS = 7   # as the shared demo_week run (tests/support/demo_runs.py)
SEED = 7
# Columns that legitimately differ between two runs: timestamps and run ids.
VOLATILE = {"processed_at", "quality_calculated_at", "processor_run_id"}


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoSummary, DemoSummary]:
    # our own run FIRST: under xdist the other worker may be building the shared demo_week
    # meanwhile, instead of this worker waiting for it
    second = run_demo(days=DAYS, seed=SEED, out_dir=tmp_path_factory.mktemp("demo_b"), progress=None)
    first, _, _ = request.getfixturevalue("demo_week")
    assert (first.days, first.seed) == (DAYS, SEED)
    return first, second


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
    summary, second_run = runs
    start, end = summary.start.isoformat(), summary.end.isoformat()
    a = _table(summary.warehouse_url, table, start, end)
    b = _table(second_run.warehouse_url, table, start, end)
    assert len(a) > 0
    pd.testing.assert_frame_equal(a, b)


def test_same_seed_gives_the_same_summary_counts(runs: Any) -> None:
    first, second = runs
    assert first.counts() == second.counts()
    assert first.report_path != second.report_path  # two runs, not one read twice
