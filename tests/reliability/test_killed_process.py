"""Reliability: a process killed (SIGKILL, no handler runs) after its flushes returned.

What a flush committed is durable though nothing was checkpointed: the embedded warehouse
syncs the write-ahead log at each COMMIT and checkpoints only when the WAL passes
``EMBEDDED_CHECKPOINT_THRESHOLD`` or the warehouse is closed. A kill leaves the WAL; the next
open replays it, every event once. What was still buffered (never flushed) is lost with the
process: SIGKILL gives no handler a chance, which is why flushes are size-capped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.provisioning import ensure_schema
from tests.support.event_log import log_rows

ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import os, signal, sys
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.processors.quality_mixin import QualityMixin

class Killed(QualityMixin):
    PHASE = "phase_3"
    OUTPUT_TABLE = "nba_analytics.player_game_summary"
    REQUIRED_FIELDS = ("points",)
    EVENT_BUFFER_MAX = 4000

    def __init__(self, client):
        self.bq_client = client
        self.run_id = "killed"

processor = Killed(DuckDBClient(sys.argv[1]))
flushed = int(sys.argv[2])
for i in range(flushed):                       # auto-flushed at every 4,000 events
    processor.log_quality_event("fallback_used", "info", f"event {i}", game_id=f"g{i % 97}",
                                game_date="2025-01-15", fallback_sources_tried=["a", "b"])
processor.flush_events()
for i in range(25):                            # buffered, never flushed
    processor.log_quality_event("thin_sample", "info", f"pending {i}", game_id="g0")
print("flushed", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_events_flushed_before_a_sigkill_are_all_there_once_when_the_warehouse_reopens(tmp_path):
    db = tmp_path / "w.duckdb"
    client = DuckDBClient(str(db))
    ensure_schema(client)
    client.close()
    flushed = 10_000  # 3 load jobs, about 5 MB of WAL: below the checkpoint threshold
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COVERAGE_DEAD_LETTER_DIR": str(tmp_path / "spool")}
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(db), str(flushed)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert proc.stdout.strip() == "flushed"
    wal = Path(f"{db}.wal")
    # Nothing was checkpointed: the rows exist only in the WAL the kill left behind.
    assert wal.exists() and wal.stat().st_size > 1_000_000
    client = DuckDBClient(str(db))
    try:
        stored = log_rows(client)
    finally:
        client.close()
    assert len(stored) == flushed and stored["event_id"].is_unique
    assert sorted(stored["description"]) == sorted(f"event {i}" for i in range(flushed))
    assert set(stored["game_date"].astype(str)) == {"2025-01-15"}
    assert not stored["description"].str.startswith("pending").any()
    assert not wal.exists() or wal.stat().st_size == 0  # replayed and checkpointed on close
    reopened = DuckDBClient(str(db))  # and the file opens cleanly again
    try:
        assert len(log_rows(reopened)) == flushed
    finally:
        reopened.close()


_KILLED_WRITE = """
import os, signal, sys
from google.cloud import bigquery
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.writer import replace_rows

client = DuckDBClient(sys.argv[1])
schema = [bigquery.SchemaField("k", "STRING", mode="REQUIRED"), bigquery.SchemaField("game_date", "DATE")]
table = bigquery.Table(f"{client.project}.nba_analytics.box", schema=schema)
table.time_partitioning = bigquery.TimePartitioning(field="game_date")
client.create_table(table)
# killed after the staging load, before the transaction (and before the finally that drops it)
DuckDBClient.query = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
replace_rows(client, "nba_analytics.box", [{"k": "a", "game_date": "2025-01-15"}], schema, ["k"], "game_date")
"""


def test_a_write_killed_midway_leaves_a_staging_table_that_coverage_health_names(warehouse, tmp_path):
    from datetime import UTC, date, datetime, timedelta

    from data_processors.reporting.health import STAGING_MAX_AGE, collect_health_inputs, run_checks

    path = warehouse.path
    DuckDBClient.close(warehouse)                    # the child process opens the file alone
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COVERAGE_DEAD_LETTER_DIR": str(tmp_path / "spool")}
    proc = subprocess.run([sys.executable, "-c", _KILLED_WRITE, path], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    client = DuckDBClient(path)
    try:
        [staging] = [t.table_id for t in client.list_tables("nba_analytics") if t.table_id.startswith("_staging_")]
        assert client.query("SELECT COUNT(*) AS n FROM nba_analytics.box WHERE game_date = '2025-01-15'"
                            ).to_dataframe()["n"].tolist() == [0]     # nothing of the write landed
        created = client.get_table(f"nba_analytics.{staging}").created
        day = date(2025, 1, 15)
        young = collect_health_inputs(client, day, now=created + STAGING_MAX_AGE - timedelta(minutes=1))
        old = collect_health_inputs(client, day, now=created + STAGING_MAX_AGE)
    finally:
        client.close()
    assert young.staging_leftovers == [] and old.staging_leftovers == [f"nba_analytics.{staging}"]
    [check] = [c for c in run_checks(old) if c.name == "staging_tables"]
    assert (check.status, check.value) == ("warn", "1 table(s)")
    assert f"nba_analytics.{staging}" in check.detail and "bq rm -f -t DATASET.TABLE" in check.detail
    assert created <= datetime.now(UTC)
