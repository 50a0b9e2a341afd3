"""Alerts: critical now, warnings as one digest, info logged only, no storms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.events.model import build_event_row
from shared_services.events.sink import EventSink, RetryPolicy
from shared_services.processors.quality_mixin import QualityMixin
from tests.support.local_servers import webhook_recorder
from tests.support.recording_client import RecordingClient


class Processor(QualityMixin):
    PHASE = "phase_3"
    FLUSH_RETRY_POLICY = RetryPolicy(max_attempts=2, initial_delay=0.0)

    def __init__(self, client, run_id="run"):
        self.bq_client = client
        self.run_id = run_id


def stored(client):
    sql = (f"SELECT * FROM `{COVERAGE_LOG_TABLE}` WHERE event_timestamp >= TIMESTAMP('2000-01-01') "
           "ORDER BY event_timestamp")
    return client.query(sql).to_dataframe()


def test_outage_of_780_critical_events_sends_one_alert_and_one_lookback_query(warehouse, notifications):
    client = RecordingClient(warehouse)
    processor = Processor(client)
    for game in range(10):
        for player in range(26):
            for phase in range(3):
                processor.log_quality_event(
                    "source_missing", "critical", "NBA.com down", game_id=f"g{game}",
                    player_id=f"p{player}", primary_source="nbac_gamebook_player_stats",
                    phase=f"phase_{phase + 3}")
    assert notifications.count("error") == 1
    assert client.calls["query"] == 1
    processor.flush_events()
    rows = stored(warehouse)
    assert len(rows) == 780
    assert rows["alert_sent"].sum() == 1
    sent = rows[rows["alert_sent"]].iloc[0]
    assert sent["alert_channel"] == "log" and pd.notna(sent["alert_sent_at"])
    assert rows.loc[~rows["alert_sent"], "alert_sent_at"].isna().all()
    assert rows["requires_alert"].all()


def test_a_second_run_inside_the_window_sends_nothing(warehouse, notifications):
    first = Processor(warehouse, "run-1")
    first.log_quality_event("source_missing", "critical", "down", primary_source="nbac")
    first.flush_events()
    second = Processor(warehouse, "run-2")
    second.log_quality_event("source_missing", "critical", "still down", primary_source="nbac")
    # another key is not suppressed
    second.log_quality_event("source_missing", "critical", "espn down", primary_source="espn")
    second.flush_events()
    assert notifications.titles("error") == ["Source coverage: source_missing"] * 2
    rows = stored(warehouse)
    assert rows.set_index("description")["alert_sent"].to_dict() == {
        "down": True, "still down": False, "espn down": True}


def seed_alert_history(client, hours_ago, delivered=True):
    """Write one critical event, ``hours_ago`` old, straight into the log.

    ``delivered=False`` is an alert that could not go out (``alert_sent = FALSE``).
    """
    when = datetime.now(UTC) - timedelta(hours=hours_ago)
    row = build_event_row("source_missing", "critical", "earlier outage", primary_source="nbac",
                          alert_sent=delivered, alert_sent_at=when if delivered else None, now=when)
    assert EventSink(client).write([row]).written == 1


def test_an_alert_older_than_the_window_does_not_suppress(warehouse, notifications):
    seed_alert_history(warehouse, hours_ago=5)
    fresh = Processor(warehouse, "new")
    fresh.log_quality_event("source_missing", "critical", "again", primary_source="nbac")
    assert notifications.count("error") == 1


def test_an_alert_inside_the_window_in_the_log_suppresses(warehouse, notifications):
    seed_alert_history(warehouse, hours_ago=3)
    fresh = Processor(warehouse, "new")
    fresh.log_quality_event("source_missing", "critical", "again", primary_source="nbac")
    assert notifications.count("error") == 0


def test_an_undelivered_critical_inside_the_window_does_not_silence_the_next_alert(warehouse, notifications):
    seed_alert_history(warehouse, hours_ago=1, delivered=False)
    fresh = Processor(warehouse, "new")
    fresh.log_quality_event("source_missing", "critical", "again", primary_source="nbac")
    assert notifications.titles("error") == ["Source coverage: source_missing"]
    assert fresh.coverage_stats["lookback_queries"] == 1


def test_an_undelivered_warning_digest_does_not_silence_the_next_digest(warehouse, notifications):
    when = datetime.now(UTC) - timedelta(hours=1)
    row = build_event_row("thin_sample", "warning", "earlier", primary_source="nbac", now=when)
    assert row["alert_sent"] is False and EventSink(warehouse).write([row]).written == 1
    fresh = Processor(warehouse, "new")
    fresh.log_quality_event("thin_sample", "warning", "again", primary_source="nbac")
    fresh.flush_events()
    assert notifications.count("warning") == 1


def test_warnings_become_one_digest_per_flush_and_info_is_not_sent(warehouse, notifications):
    processor = Processor(warehouse)
    for i in range(5):
        processor.log_quality_event("thin_sample", "warning", f"thin {i}", game_id=f"g{i}", primary_source="nbac")
    processor.log_quality_event("fallback_used", "warning", "fell back", game_id="g9", primary_source="nbac")
    processor.log_quality_event("fallback_used", "info", "just info")
    assert notifications.items == []  # nothing until the flush
    processor.flush_events()
    assert notifications.count("warning") == 1
    assert notifications.count("info") == 0
    digest = notifications.items[0][1]
    assert "6 warning(s)" in digest.title
    assert "thin_sample" in digest.message and "fallback_used" in digest.message
    rows = stored(warehouse).set_index("description")
    assert rows.loc["thin 3", "alert_sent"] and rows.loc["fell back", "alert_sent"]
    assert not rows.loc["just info", "alert_sent"] and not rows.loc["just info", "requires_alert"]


def test_critical_alert_reaches_a_real_slack_webhook(warehouse, monkeypatch):
    with webhook_recorder() as server:
        monkeypatch.setenv("SLACK_WEBHOOK_URL", server.url_for("/hook"))
        processor = Processor(warehouse)
        processor.log_quality_event("source_missing", "critical", "no data for 0022400561",
                                    game_id="0022400561", primary_source="nbac")
        processor.flush_events()
        assert len(server.requests_for("/hook")) == 1
        assert "no data for 0022400561" in server.requests_for("/hook")[0].body.decode()
    row = stored(warehouse).iloc[0]
    assert row["alert_channel"] == "log,slack"


def test_lookback_failure_fails_open_without_querying_per_event(tmp_path, notifications):
    # A warehouse without the log table: the lookback fails once, alerts still go out.
    from shared_services.bigquery.duckdb_client import DuckDBClient

    embedded = DuckDBClient(str(tmp_path / "empty.duckdb"))
    client = RecordingClient(embedded)
    try:
        processor = Processor(client)
        for key in ("a", "b", "c"):
            processor.log_quality_event("source_missing", "critical", key, primary_source=key)
        assert notifications.count("error") == 3
        assert client.calls["query"] == 1
    finally:
        embedded.close()


def test_lookback_query_is_parameterized_and_partition_filtered(warehouse):
    client = RecordingClient(warehouse)
    processor = Processor(client)
    processor.log_quality_event("source_missing", "critical", "x", primary_source="o'brien; DROP TABLE x --")
    sql = client.queries[0]
    assert "@since" in sql and "event_timestamp >=" in sql
    assert "o'brien" not in sql
