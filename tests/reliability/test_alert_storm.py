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


def test_spills_notify_once_an_hour_per_table_across_processes(tmp_path):
    """An outage with thirty processors spilling: one error notification per table an hour,
    however many spill (each still logged and spooled), decided through the spool directory so
    separate processes agree; the next hour notifies again, with the backlog's size; another
    table has its own notice; a notice is never lost when the marker cannot be written."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    from shared_services.events.dead_letter import DeadLetterSpool
    from shared_services.events.sink import EventSink

    spool = DeadLetterSpool(tmp_path / "spool")
    notes: list[dict] = []
    hour = 1_764_000_000.0 - 1_764_000_000.0 % 3600

    def sink(table="ds.log", at=hour + 60):
        return EventSink(None, table=table, spool=spool, notify=lambda **kw: notes.append(kw), clock=lambda: at)

    for n in range(30):
        assert sink().write([{"event_id": f"e{n}", "description": "x"}]).spilled_path is not None
    assert len(spool.files()) == 30 and len(notes) == 1
    assert "further spills of ds.log this hour are logged, not notified" in notes[0]["message"]
    # another process, the same hour: no notice either
    script = ("import sys; from shared_services.events.dead_letter import DeadLetterSpool; "
              f"print(DeadLetterSpool(sys.argv[1]).claim_notice('ds.log', {hour + 1800}))")
    root = Path(__file__).resolve().parents[2]
    claimed = subprocess.run([sys.executable, "-c", script, str(spool.directory)], cwd=root, capture_output=True,
                             text=True, check=True).stdout.strip()
    assert claimed == "False"
    sink(table="ds.other").write([{"event_id": "o1"}])
    assert len(notes) == 2 and "ds.other" in notes[1]["message"]
    sink(at=hour + 3600 + 5).write([{"event_id": "next-hour"}])
    assert len(notes) == 3 and "32 batch(es) wait in" in notes[2]["message"]
    # markers of long ago are cleared as new ones are made
    assert len(list(spool.directory.glob(".notice-*"))) == 3
    sink(at=hour + 3 * 86400).write([{"event_id": "days-later"}])
    assert sorted(p.name.split("-")[-1] for p in spool.directory.glob(".notice-ds.log-*")) == [
        str(int((hour + 3 * 86400) // 3600))]
    # the marker's name taken by anything counts as claimed; a marker that cannot be made at all
    # (here: no directory) lets the notice go out all the same
    taken = DeadLetterSpool(tmp_path / "taken")
    taken.directory.mkdir()
    (taken.directory / f".notice-ds.log-{int(hour // 3600)}").mkdir()
    assert taken.claim_notice("ds.log", hour) is False
    assert DeadLetterSpool(tmp_path / "missing").claim_notice("ds.log", hour) is True
    # without a time: now; a marker whose name is not a slot is left alone; markers two days
    # old (48 hours) are kept, older ones removed
    fresh = DeadLetterSpool(tmp_path / "fresh")
    fresh.directory.mkdir()
    now_slot = int(time.time() // 3600)
    for name in (".notice-ds.log-x", f".notice-ds.log-{now_slot - 48}", f".notice-ds.log-{now_slot - 49}"):
        (fresh.directory / name).touch()
    assert fresh.claim_notice("ds.log") is True and fresh.claim_notice("ds.log") is False
    assert sorted(p.name for p in fresh.directory.glob(".notice-*")) == sorted(
        [".notice-ds.log-x", f".notice-ds.log-{now_slot - 48}", f".notice-ds.log-{now_slot}"])
