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
