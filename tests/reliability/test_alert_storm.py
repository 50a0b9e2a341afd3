"""Reliability: an outage across 10 games x 26 players x 3 processors sends one alert per key."""

from __future__ import annotations

from shared_services.events.sink import RetryPolicy
from shared_services.processors.quality_mixin import QualityMixin
from tests.support.recording_client import RecordingClient


class OutageProcessor(QualityMixin):
    FLUSH_RETRY_POLICY = RetryPolicy(max_attempts=2, initial_delay=0.0)

    def __init__(self, client, phase, run_id):
        self.bq_client = client
        self.PHASE = phase
        self.run_id = run_id

    def process_outage(self, primary_source="nbac_gamebook_player_stats"):
        for game in range(10):
            for player in range(26):
                self.log_quality_event(
                    "source_missing", "critical", f"NBA.com down for game {game}",
                    game_id=f"00224000{game:02d}", player_id=f"p{player}", primary_source=primary_source,
                    downstream_impact="predictions_blocked")
        self.flush_events()


def run_night(client, night):
    processors = [OutageProcessor(client, phase, f"{night}-{phase}") for phase in ("phase_3", "phase_4", "phase_5")]
    for processor in processors:
        processor.process_outage()
    return processors


def test_one_alert_per_key_then_none_on_a_second_run_inside_the_window(warehouse, notifications):
    client = RecordingClient(warehouse)
    first = run_night(client, "run-1")
    assert notifications.count("error") == 1
    assert sum(p.coverage_stats["alerts_sent"] for p in first) == 1
    # at most one lookback query per processor run, never one per event
    assert [p.coverage_stats["lookback_queries"] for p in first] == [1, 1, 1]
    assert client.calls["query"] == 3

    run_night(client, "run-2")
    assert notifications.count("error") == 1
    rows = warehouse.query(
        "SELECT COUNT(*) AS events, COUNTIF(alert_sent) AS alerted FROM nba_reference.source_coverage_log "
        "WHERE event_timestamp >= TIMESTAMP('2000-01-01')").to_dataframe().iloc[0]
    assert rows["events"] == 2 * 780 and rows["alerted"] == 1


def test_a_different_key_still_alerts(warehouse, notifications):
    run_night(warehouse, "run-1")
    OutageProcessor(warehouse, "phase_3", "espn").process_outage(primary_source="espn_game_boxscore")
    assert notifications.count("error") == 2
