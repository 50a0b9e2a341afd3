"""Reliability (issue 12, case 2): SIGTERM during run() flushes the buffered events, then exits 143."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.events.dead_letter import DeadLetterSpool
from tests.support.event_log import log_rows

ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import sys, time
from data_processors.analytics.analytics_base import AnalyticsProcessorBase
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.processors.quality_mixin import QualityMixin

class Slow(QualityMixin, AnalyticsProcessorBase):
    REQUIRED_FIELDS = ["points"]

    def transform_data(self):
        for i in range(300):
            self.log_quality_event("fallback_used", "info", f"event {i}", game_id=f"g{i}")
        print("ready", flush=True)
        time.sleep(120)           # a long step: the orchestrator's patience runs out here

client = DuckDBClient(sys.argv[1])
try:
    Slow(bq_client=client).run({})
finally:
    client.close()
"""


def _start(db: Path, tmp_path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COVERAGE_DEAD_LETTER_DIR": str(tmp_path / "spool")}
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(db)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read() if proc.stderr else ""
    return proc


def _warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    client = DuckDBClient(str(db))
    ensure_schema(client)
    client.close()
    return db


def test_sigterm_during_run_keeps_every_buffered_event_and_exits_143(tmp_path):
    db = _warehouse(tmp_path)
    proc = _start(db, tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err[-2000:]
    assert "Traceback" not in err
    client = DuckDBClient(str(db))
    try:
        stored = log_rows(client)
    finally:
        client.close()
    assert len(stored) == 300 and stored["event_id"].is_unique
    assert not DeadLetterSpool(tmp_path / "spool").files()


def test_a_second_sigterm_does_not_interrupt_the_flush(tmp_path):
    db = _warehouse(tmp_path)
    proc = _start(db, tmp_path)
    proc.send_signal(signal.SIGTERM)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    assert proc.returncode == 143
    client = DuckDBClient(str(db))
    try:
        assert len(log_rows(client)) == 300
    finally:
        client.close()


def test_the_flush_after_sigterm_makes_one_load_attempt_then_spills(warehouse):
    from google.api_core import exceptions as gexc

    from data_processors.analytics.analytics_base import AnalyticsProcessorBase, ProcessTerminated
    from shared_services.events.sink import RetryPolicy
    from shared_services.processors.quality_mixin import QualityMixin
    from tests.support.recording_client import FlakyLoadClient

    class Terminated(QualityMixin, AnalyticsProcessorBase):
        FLUSH_RETRY_POLICY = RetryPolicy(max_attempts=5, initial_delay=0.0)

        def transform_data(self):
            for i in range(50):
                self.log_quality_event("fallback_used", "info", f"e{i}")
            signal.raise_signal(signal.SIGTERM)      # delivered to this (main) thread
            raise AssertionError("not reached: SIGTERM stops the step")

    client = FlakyLoadClient(warehouse, failures=-1, error_factory=lambda: gexc.ServiceUnavailable("down"))
    previous = signal.getsignal(signal.SIGTERM)
    try:
        try:
            Terminated(bq_client=client).run({})
        except ProcessTerminated as exc:
            assert exc.code == 143
        else:
            raise AssertionError("run() should end with ProcessTerminated")
    finally:
        assert signal.getsignal(signal.SIGTERM) == previous       # handler restored
    assert client.calls["load_attempts"] == 1                     # no retries in the grace period
    [spilled] = DeadLetterSpool().files()
    assert len(DeadLetterSpool.read(spilled).rows) == 50
