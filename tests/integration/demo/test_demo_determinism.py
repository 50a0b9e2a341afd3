"""The demo is deterministic per seed: two runs with the same seed write the same phase 3
tables and the same summary counts (timestamps, paths and run ids aside).

The two runs are the session's shared ones (tests/support/demo_runs.py), both
``coverage-demo --days 2`` with the default seed 7, each in a folder of its own and each
reached by a different path:

* ``cli_demo``: a subprocess with stdout a pipe, as under cron; its counts are read from the
  ``summary.json`` it leaves in its folder;
* ``forced_demo``: ``--force --json`` in-process over a copy of that folder (every output
  removed first); its counts are what it printed.

So the suite runs no demo of its own for this: the comparison costs two folders' reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from google.cloud import bigquery

from data_processors.demo.runner import SUMMARY_FILE
from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.cli_runner import DemoRun
from tests.support.demo_runs import ForcedDemo, cli_demo, forced_demo
from tests.support.table_compare import comparable

SEED = 7               # coverage-demo's default seed
# Columns that legitimately differ between two runs: timestamps and run ids.
VOLATILE = {"processed_at", "quality_calculated_at", "processor_run_id"}
# Summary fields that legitimately differ between two runs in two folders.
VOLATILE_SUMMARY = ("report_path", "wall_seconds")


@pytest.fixture(scope="module")
def piped(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The piped run, in a copy of this module's own (other tests may write to theirs)."""
    run = cli_demo(tmp_path_factory)
    assert run.returncode == 0, run.stderr
    return run


@pytest.fixture(scope="module")
def forced(tmp_path_factory: pytest.TempPathFactory) -> ForcedDemo:
    """The forced run, in a copy of this module's own."""
    run = forced_demo(tmp_path_factory)
    assert run.forced.returncode == 0, run.forced.stderr
    return run


@pytest.fixture(scope="module")
def runs(piped: DemoRun, forced: ForcedDemo) -> tuple[dict[str, Any], str, dict[str, Any], str]:
    """(the piped run's summary.json, its warehouse URL, the forced run's --json output, its URL)."""
    written = json.loads((piped.folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    return written, piped.url, json.loads(forced.forced.stdout), f"duckdb:///{forced.out / 'demo.duckdb'}"


def _table(url: str, table: str, start: str, end: str) -> pd.DataFrame:
    client = DuckDBClient(url.removeprefix("duckdb:///"))
    try:
        config = bigquery.QueryJobConfig(query_parameters=[
            bigquery.ScalarQueryParameter("s", "DATE", start), bigquery.ScalarQueryParameter("e", "DATE", end)])
        frame = client.query(f"SELECT * FROM `{table}` WHERE game_date BETWEEN @s AND @e",
                             job_config=config).to_dataframe()
    finally:
        client.close()
    return comparable(frame, VOLATILE)


@pytest.mark.parametrize("table", ["nba_analytics.player_game_summary",
                                   "nba_analytics.team_offense_game_summary"])
def test_same_seed_gives_the_same_phase3_tables(runs: Any, table: str) -> None:
    piped, first_url, _, second_url = runs
    assert first_url != second_url  # two warehouses, not one read twice
    a = _table(first_url, table, piped["start"], piped["end"])
    b = _table(second_url, table, piped["start"], piped["end"])
    assert len(a) > 0
    pd.testing.assert_frame_equal(a, b)


def test_same_seed_gives_the_same_summary_counts(runs: Any) -> None:
    piped, _, printed, _ = runs
    assert piped["seed"] == printed["seed"] == SEED and piped["days"] == printed["days"] == 2
    assert piped["games"] > 0 and sum(piped["audit_by_status"].values()) == piped["games"]
    first = {k: v for k, v in piped.items() if k not in VOLATILE_SUMMARY}
    second = {k: v for k, v in printed.items() if k not in VOLATILE_SUMMARY}
    assert first == second
    assert piped["report_path"] != printed["report_path"]  # two runs, not one read twice


def test_summary_file_holds_what_json_printed(piped: DemoRun, forced: ForcedDemo) -> None:
    """The forced run's summary.json is its --json output; the piped run says where its file is."""
    written = json.loads((forced.out / SUMMARY_FILE).read_text(encoding="utf-8"))
    # the folder was copied after the run: the paths inside name where the run wrote them
    assert written == json.loads(forced.forced.stdout)
    assert written["faults_missed"] == [] and written["wall_seconds"] > 0
    summary = json.loads((piped.folder / SUMMARY_FILE).read_text(encoding="utf-8"))
    folder = Path(summary["report_path"]).parent
    assert f"This summary as JSON: {folder / SUMMARY_FILE}" in piped.stdout


def test_the_summary_file_is_written_whole_or_not_at_all(piped: DemoRun, forced: ForcedDemo) -> None:
    """Written to a temporary name and renamed: no partial file is left beside it."""
    for folder in (piped.folder, forced.out):
        assert not any(p.name.endswith(".partial") for p in folder.iterdir())
        assert (folder / SUMMARY_FILE).read_text(encoding="utf-8").endswith("}\n")
