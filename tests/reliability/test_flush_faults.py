"""Reliability: flush faults retry to exactly once; permanent failures spill and replay exactly once."""

from __future__ import annotations

from google.api_core import exceptions as gexc

from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.replay import replay_dead_letters
from tests.support.event_log import Processor, log_rows
from tests.support.recording_client import FlakyLoadClient


def test_transient_failures_are_retried_and_every_event_lands_once(warehouse):
    client = FlakyLoadClient(warehouse, failures=3, error_factory=lambda: gexc.ServiceUnavailable("503 backend"))
    processor = Processor(client)
    for i in range(20):
        processor.log_quality_event("fallback_used", "info", f"e{i}")
    assert processor.flush_events() == 20
    assert client.calls["load_attempts"] == 4
    stored = log_rows(warehouse)
    assert len(stored) == 20 and stored["event_id"].is_unique
    assert not list(DeadLetterSpool().pending())


def test_conflict_on_our_job_id_means_already_loaded_not_loaded_twice(warehouse):
    # The load happens, then the response is lost (503): the retry meets Conflict and checks.
    client = FlakyLoadClient(warehouse, failures=1, after_load=True,
                             error_factory=lambda: gexc.ServiceUnavailable("response lost"))
    processor = Processor(client)
    for i in range(5):
        processor.log_quality_event("fallback_used", "info", f"e{i}")
    assert processor.flush_events() == 5
    assert len(log_rows(warehouse)) == 5
    assert processor.coverage_stats["last_outcome"].already_loaded is True


def test_permanent_failure_spills_everything_and_replay_loads_each_once(warehouse, notifications, tmp_path):
    client = FlakyLoadClient(warehouse, failures=-1, error_factory=lambda: gexc.ServiceUnavailable("down"))
    processor = Processor(client)
    ids = {processor.log_quality_event("source_missing", "warning", f"e{i}", game_id=f"g{i}") for i in range(30)}
    assert processor.flush_events() == 0          # nothing written ...
    assert processor.pending_event_count == 0     # ... but nothing pending either: it is spilled
    assert log_rows(warehouse).empty
    spool = DeadLetterSpool()
    batches = list(spool.pending())
    assert len(batches) == 1 and {r["event_id"] for r in batches[0].rows} == ids
    assert any("could not be written" in t for t in notifications.titles("error"))

    first = replay_dead_letters(warehouse, spool)
    second = replay_dead_letters(warehouse, spool)
    assert first.rows_loaded == 30 and not first.files_failed
    assert second.rows_loaded == 0 and second.files_replayed == []
    stored = log_rows(warehouse)
    assert set(stored["event_id"]) == ids and len(stored) == 30
