"""The library's own storage paths over both adapters: setup, event flush, Conflict handling.

On the HTTP adapter the real ``google.cloud.bigquery.Client`` talks to the local stand-in, so
these check the production code path on the wire: one NDJSON load with the log's explicit
schema, WRITE_APPEND and a deterministic job id.
"""

from __future__ import annotations

import json

import pytest

from shared_services.bigquery.provisioning import ensure_schema
from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE, TABLES, VIEWS
from shared_services.events.sink import RetryPolicy
from shared_services.processors.quality_mixin import QualityMixin
from tests.contract.conftest import Adapter

pytestmark = [pytest.mark.filterwarnings("ignore:Retrieving DataFrames via google-cloud-bigquery")]


class Processor(QualityMixin):
    PHASE = "phase_3"
    FLUSH_RETRY_POLICY = RetryPolicy(max_attempts=2, initial_delay=0.0)

    def __init__(self, client):
        self.bq_client = client
        self.run_id = "contract-run"


def test_setup_is_idempotent_on_both_adapters(adapter: Adapter) -> None:
    first = ensure_schema(adapter.client)
    assert sorted(first.tables_created) == sorted(t.table_id for t in TABLES)
    second = ensure_schema(adapter.client)
    assert second.tables_created == [] and second.datasets_created == []
    assert sorted(second.tables_existing) == sorted(t.table_id for t in TABLES)
    log = adapter.client.get_table(f"{adapter.project}.{COVERAGE_LOG_TABLE}")
    assert log.time_partitioning.field == "event_timestamp"
    assert log.require_partition_filter is True
    assert log.clustering_fields == ["severity", "event_type", "game_id"]
    assert [f.name for f in log.schema] == [f.name for f in COVERAGE_LOG_SCHEMA]
    assert second.views_created == [v.view_id for v in VIEWS]


def test_event_flush_is_one_ndjson_load_with_our_schema_and_job_id(adapter: Adapter, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "spool"))
    ensure_schema(adapter.client)
    processor = Processor(adapter.client)
    ids = [processor.log_quality_event("fallback_used", "info", f"player {n}", game_id="0022400561",
                                       game_date="2025-01-15", fallback_sources_tried=["a_empty", "b"])
           for n in range(13)]
    assert processor.flush_events() == 13
    sql = (f"SELECT event_id, game_date, fallback_sources_tried FROM `{adapter.project}.{COVERAGE_LOG_TABLE}` "
           "WHERE event_timestamp >= TIMESTAMP('2000-01-01') ORDER BY event_id")
    rows = list(adapter.client.query(sql).result())
    assert sorted(r.event_id for r in rows) == sorted(ids)
    assert all(list(r.fallback_sources_tried) == ["a_empty", "b"] for r in rows)
    job_id = processor.coverage_stats["last_outcome"].job_id
    assert job_id.startswith("coverage_nba_reference_source_coverage_log_")
    if adapter.standin:
        uploads = adapter.standin.find("POST", "/upload/bigquery/v2/projects/test-project/jobs")
        log_uploads = [u for u in uploads
                       if u.upload_metadata["configuration"]["load"]["destinationTable"]["tableId"] == "source_coverage_log"]
        assert len(log_uploads) == 1
        load = log_uploads[0].upload_metadata["configuration"]["load"]
        assert load["sourceFormat"] == "NEWLINE_DELIMITED_JSON"
        assert load["writeDisposition"] == "WRITE_APPEND"
        assert [f["name"] for f in load["schema"]["fields"]] == [f.name for f in COVERAGE_LOG_SCHEMA]
        assert log_uploads[0].upload_metadata["jobReference"]["jobId"] == job_id
        sent = [json.loads(line) for line in log_uploads[0].upload_data.decode().splitlines()]
        assert sorted(r["event_id"] for r in sent) == sorted(ids)
        assert all(r["game_date"] == "2025-01-15" for r in sent)


def test_a_retried_flush_meets_conflict_and_does_not_load_twice(adapter: Adapter, monkeypatch, tmp_path) -> None:
    from google.api_core import exceptions as gexc

    from tests.support.recording_client import FlakyLoadClient

    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "spool"))
    ensure_schema(adapter.client)
    flaky = FlakyLoadClient(adapter.client, failures=1, after_load=True,
                            error_factory=lambda: gexc.ServiceUnavailable("response lost"))
    processor = Processor(flaky)
    for n in range(4):
        processor.log_quality_event("fallback_used", "info", f"e{n}")
    assert processor.flush_events() == 4
    sql = (f"SELECT COUNT(*) AS n FROM `{adapter.project}.{COVERAGE_LOG_TABLE}` "
           "WHERE event_timestamp >= TIMESTAMP('2000-01-01')")
    assert list(adapter.client.query(sql).result())[0].n == 4
    assert processor.coverage_stats["last_outcome"].already_loaded is True


def test_the_flushed_batch_sends_the_json_rows_of_the_buffered_events(adapter: Adapter, monkeypatch, tmp_path) -> None:
    """Lean (tuple) and dict events alike: the upload is byte for byte the NDJSON of the row
    dicts the buffer describes, in order, with their batch id (what the dict buffer sent)."""
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "spool"))
    ensure_schema(adapter.client)
    processor = Processor(adapter.client)
    processor.log_quality_event("fallback_used", "info", "Dončić \ud83c", {"tier": "gold", "score": 98.0},
                                game_date="2025-01-15", fallback_sources_tried=["a_empty", "b"])
    processor.log_quality_event("thin_sample", "warning", "only 4", game_id="0022400561")
    processor.log_quality_event("fallback_used", "info", "int score", quality_after={"tier": "bronze", "score": 71})
    processor.log_quality_event("new_player_no_history", "info", "", player_id="1626", season=None)
    with processor._coverage_state().buffer.locked() as entries:
        assert {type(entry) for entry in entries} == {tuple, dict}  # both kinds are flushed together
    pending = processor._coverage_state().buffer.snapshot()
    assert processor.flush_events() == 4
    sql = (f"SELECT COUNT(DISTINCT batch_id) AS b, COUNT(*) AS n FROM `{adapter.project}.{COVERAGE_LOG_TABLE}` "
           "WHERE event_timestamp >= TIMESTAMP('2000-01-01')")
    counts = list(adapter.client.query(sql).result())[0]
    assert (counts.b, counts.n) == (1, 4)
    if adapter.standin:
        uploads = [u for u in adapter.standin.find("POST", "/upload/bigquery/v2/projects/test-project/jobs")
                   if u.upload_metadata["configuration"]["load"]["destinationTable"]["tableId"] == "source_coverage_log"]
        assert len(uploads) == 1
        sent = uploads[0].upload_data.decode()
        batch_id = json.loads(sent.splitlines()[0])["batch_id"]
        # The warning, buffered as a lean tuple, was replaced by its marked copy at the flush
        # (the digest went out on the log channel): the snapshot above predates the marks.
        warning = json.loads(sent.splitlines()[1])
        assert (warning["severity"], warning["alert_sent"], warning["alert_channel"]) == ("warning", True, "log")
        assert warning["alert_sent_at"] >= warning["event_timestamp"]  # same canonical UTC text form
        marks = {k: warning[k] for k in ("alert_sent", "alert_sent_at", "alert_channel")}
        expected = [{**row, "batch_id": row["batch_id"] or batch_id, **(marks if row["severity"] == "warning" else {})}
                    for row in pending]
        assert sent == "\n".join(json.dumps(row, ensure_ascii=False) for row in expected)
