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


def test_a_terminal_load_error_is_spilled_not_raised_and_not_retried(warehouse, notifications):
    # BadRequest (a schema error, say) is not transient: no retry, but nothing lost either.
    client = FlakyLoadClient(warehouse, failures=-1,
                             error_factory=lambda: gexc.BadRequest("Provided Schema does not match"))
    processor = Processor(client)
    ids = {processor.log_quality_event("source_missing", "critical", f"e{i}", game_id=f"g{i}")
           for i in range(7)}
    assert processor.flush_events() == 0          # did not raise into the processor
    assert client.calls["load_attempts"] == 1     # terminal: tried once
    assert processor.pending_event_count == 0
    [batch] = list(DeadLetterSpool().pending())
    assert {r["event_id"] for r in batch.rows} == ids
    assert "BadRequest" in batch.path.with_suffix(".reason").read_text(encoding="utf-8")
    outcome = processor.coverage_stats["last_outcome"]
    assert outcome.spilled_path == batch.path and "BadRequest" in (outcome.error or "")
    assert any("could not be written" in t for t in notifications.titles("error"))

    replayed = replay_dead_letters(warehouse, DeadLetterSpool())
    assert replayed.rows_loaded == 7 and set(log_rows(warehouse)["event_id"]) == ids


def test_the_sink_spills_a_terminal_error_itself(warehouse, tmp_path):
    from shared_services.events.model import build_event_row
    from shared_services.events.sink import EventSink, RetryPolicy

    client = FlakyLoadClient(warehouse, failures=-1, error_factory=lambda: gexc.BadRequest("bad row"))
    spool = DeadLetterSpool(tmp_path / "spool")
    rows = [build_event_row("fallback_used", "info", f"r{i}") for i in range(3)]
    sent = []
    outcome = EventSink(client, spool=spool, policy=RetryPolicy(max_attempts=3, initial_delay=0.0),
                        notify=lambda **kw: sent.append(kw)).write(rows)
    assert outcome.written == 0 and outcome.attempts == 1
    assert outcome.error == "BadRequest: 400 bad row"
    assert [len(b.rows) for b in spool.pending()] == [3]
    assert len(sent) == 1 and sent[0]["details"]["dead_letter_file"] == str(outcome.spilled_path)


def test_a_failed_replay_keeps_the_file_pending_and_a_later_replay_loads_it(warehouse, tmp_path):
    from shared_services.events.model import build_event_row
    from shared_services.events.sink import RetryPolicy

    spool = DeadLetterSpool(tmp_path / "spool")
    rows = [build_event_row("fallback_used", "info", f"r{i}") for i in range(4)]
    path = spool.spill("nba_reference.source_coverage_log", "coverage_job_1", rows, "outage")
    no_wait = RetryPolicy(max_attempts=2, initial_delay=0.0)
    for error in (lambda: gexc.ServiceUnavailable("still down"), lambda: gexc.BadRequest("rejected")):
        down = FlakyLoadClient(warehouse, failures=-1, error_factory=error)
        report = replay_dead_letters(down, spool, policy=no_wait)
        assert report.files_replayed == [] and list(report.files_failed) == [str(path)]
        assert report.files_failed[str(path)].split(":")[0] in ("ServiceUnavailable", "BadRequest")
        assert [b.path for b in spool.pending()] == [path]       # still there, not "replayed"
        assert not spool.replayed_directory.exists() or not any(spool.replayed_directory.iterdir())
        assert log_rows(warehouse).empty
    report = replay_dead_letters(warehouse, spool, policy=no_wait)
    assert report.files_replayed == [str(path)] and report.rows_loaded == 4
    assert list(spool.pending()) == []
    assert (spool.replayed_directory / path.name).is_file()
    assert len(log_rows(warehouse)) == 4


def test_one_failing_file_does_not_stop_the_replay_of_the_others(warehouse, tmp_path, monkeypatch):
    from google.cloud import bigquery

    from shared_services.events.model import build_event_row
    from shared_services.events.sink import RetryPolicy

    # An allow-listed table whose schema is not the log's: its load fails (BadRequest, the
    # schema does not match), the file stays in the spool; the other files still load.
    warehouse.create_table(bigquery.Table(f"{warehouse.project}.nba_reference.wrong_shape_log",
                                          schema=[bigquery.SchemaField("event_id", "INT64")]))
    monkeypatch.setenv("COVERAGE_REPLAY_TABLES", "nba_reference.wrong_shape_log")
    spool = DeadLetterSpool(tmp_path / "spool")
    first = [build_event_row("fallback_used", "info", f"a{i}") for i in range(2)]
    third = [build_event_row("fallback_used", "info", f"c{i}") for i in range(3)]
    spool.spill("nba_reference.source_coverage_log", "job_a", first)
    bad = spool.spill("nba_reference.wrong_shape_log", "job_b", [build_event_row("fallback_used", "info", "b")])
    spool.spill("nba_reference.source_coverage_log", "job_c", third)
    report = replay_dead_letters(warehouse, spool, policy=RetryPolicy(max_attempts=2, initial_delay=0.0))
    assert list(report.files_failed) == [str(bad)]
    assert len(report.files_replayed) == 2 and report.rows_loaded == 5
    assert [b.path for b in spool.pending()] == [bad]
    assert len(log_rows(warehouse)) == 5


def test_replay_retries_with_the_given_policy_and_sleep_under_the_original_job_id(warehouse, tmp_path):
    from shared_services.events.model import build_event_row
    from shared_services.events.sink import RetryPolicy

    spool = DeadLetterSpool(tmp_path / "spool")
    rows = [build_event_row("fallback_used", "info", f"r{i}") for i in range(3)]
    spool.spill("nba_reference.source_coverage_log", "coverage_original_7", rows)
    client = FlakyLoadClient(warehouse, failures=2, error_factory=lambda: gexc.ServiceUnavailable("503"))
    slept: list[float] = []
    report = replay_dead_letters(client, spool, policy=RetryPolicy(max_attempts=3, initial_delay=0.25),
                                 sleep=slept.append)
    assert report.rows_loaded == 3 and not report.files_failed
    assert client.calls["load_attempts"] == 3 and len(slept) == 2 and all(0 <= s <= 0.5 for s in slept)
    assert warehouse.get_job("coverage_original_7").output_rows == 3   # the spilled job id


def test_replay_reports_a_batch_whose_job_already_ran_as_present_not_loaded(warehouse, tmp_path):
    # The job id of the spilled file already ran (its load succeeded on BigQuery's side, the
    # response was lost); the rows are not found by event id, so replay meets Conflict.
    from google.cloud import bigquery

    from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE
    from shared_services.events.model import build_event_row

    earlier = [build_event_row("fallback_used", "info", "earlier")]
    config = bigquery.LoadJobConfig(schema=COVERAGE_LOG_SCHEMA)
    warehouse.load_table_from_json(earlier, COVERAGE_LOG_TABLE, job_config=config, job_id="job_seen").result()
    spool = DeadLetterSpool(tmp_path / "spool")
    spool.spill(COVERAGE_LOG_TABLE, "job_seen", [build_event_row("fallback_used", "info", f"n{i}") for i in range(2)])
    report = replay_dead_letters(warehouse, spool)
    assert (report.rows_loaded, report.rows_already_present) == (0, 2)
    assert len(log_rows(warehouse)) == 1


def test_replay_loads_an_allow_listed_log_table_and_quarantines_any_other(warehouse, tmp_path, monkeypatch):
    from google.cloud import bigquery

    from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA
    from shared_services.events.model import build_event_row

    warehouse.create_table(bigquery.Table(f"{warehouse.project}.nba_reference.coverage_log_v2",
                                          schema=list(COVERAGE_LOG_SCHEMA)))
    monkeypatch.setenv("COVERAGE_REPLAY_TABLES", "nba_reference.coverage_log_v2")
    spool = DeadLetterSpool(tmp_path / "spool")
    spool.spill("nba_reference.coverage_log_v2", "job_v2", [build_event_row("fallback_used", "info", "v2")])
    planted = spool.spill("nba_reference.custom_events", "job_custom", [build_event_row("fallback_used", "info", "x")])
    report = replay_dead_letters(warehouse, spool)
    assert report.rows_loaded == 1 and not report.files_failed
    assert list(report.files_quarantined) == [str(planted)]
    got = [r["description"] for r in warehouse.query(
        "SELECT description FROM nba_reference.coverage_log_v2 WHERE event_timestamp IS NOT NULL "
        "AND event_timestamp > TIMESTAMP '2000-01-01'").result()]
    assert got == ["v2"]
