"""Replay's report of files it could not take (survivors of the mutation run on
``replay_dead_letters``): a file another replay holds is skipped and left pending; a partial
leftover of a killed spill is quarantined with its reason; present rows add up over files.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.replay import replay_dead_letters
from shared_services.events.sink import RetryPolicy
from tests.reliability.test_spool_replay import event_rows, spill
from tests.support.event_log import log_rows


def test_a_file_another_replay_holds_is_skipped_and_stays_pending(tmp_path, warehouse):
    spool = DeadLetterSpool(tmp_path / "spool")
    held = spill(spool, "held", 2)
    free = spill(spool, "free", 3)
    handle = os.open(held, os.O_RDONLY)          # another replay's lock (flock is per open file)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        report = replay_dead_letters(warehouse, spool)
    finally:
        os.close(handle)
    assert report.files_skipped == [str(held)]
    assert report.files_replayed == [str(free)] and report.rows_loaded == 3
    assert report.files_failed == {} and report.files_quarantined == {}
    assert spool.files() == [held]
    later = replay_dead_letters(warehouse, spool)  # released: the next replay takes it
    assert later.files_replayed == [str(held)] and later.rows_loaded == 2 and later.files_skipped == []
    assert len(log_rows(warehouse)) == 5


def test_a_partial_leftover_is_quarantined_with_its_reason(tmp_path, warehouse):
    spool = DeadLetterSpool(tmp_path / "spool")
    complete = spill(spool, "cut", 4)
    content = complete.read_bytes()
    complete.unlink()
    partial = spool.directory / ".spill-cut.tmp"
    partial.write_bytes(content[: len(content) // 2])
    old = time.time() - 3600
    os.utime(partial, (old, old))
    report = replay_dead_letters(warehouse, spool)
    assert report.files_quarantined == {str(partial): "incomplete spill left by a killed process"}
    assert list(report.temporaries) == [str(partial)] and report.temporaries[str(partial)].startswith("quarantined: ")
    assert report.files_replayed == [] and report.rows_loaded == 0


def test_rows_already_present_add_up_over_files(tmp_path, warehouse):
    spool = DeadLetterSpool(tmp_path / "spool")
    first, second = spill(spool, "one", 2), spill(spool, "two", 3)
    copies = [(p.name, p.read_bytes()) for p in (first, second)]
    assert replay_dead_letters(warehouse, spool).rows_loaded == 5
    for name, content in copies:                # the same files spilled again (say, restored)
        (spool.directory / name).write_bytes(content)
    again = replay_dead_letters(warehouse, spool)
    assert (again.rows_loaded, again.rows_already_present) == (0, 5)
    assert sorted(again.files_replayed) == sorted(str(spool.directory / n) for n, _ in copies)
    assert len(log_rows(warehouse)) == 5


def _leftover(spool: DeadLetterSpool, name: str, job_id: str, count: int) -> Path:
    """A complete spill left as ``.tmp`` by a process killed between fsync and rename, an hour ago."""
    complete = spill(spool, job_id, count)
    content = complete.read_bytes()
    complete.unlink()
    temp = spool.directory / name
    temp.write_bytes(content)
    old = time.time() - 3600
    os.utime(temp, (old, old))
    return temp


def test_a_leftover_another_process_holds_does_not_stop_the_recovery_of_the_next(tmp_path, warehouse, caplog):
    spool = DeadLetterSpool(tmp_path / "spool")
    held = _leftover(spool, ".spill-a-held.tmp", "held", 2)     # sorted first
    free = _leftover(spool, ".spill-b-free.tmp", "free", 3)
    handle = os.open(held, os.O_RDONLY)          # another process is finishing it
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with caplog.at_level("WARNING", logger="shared_services.events.replay"):
            report = replay_dead_letters(warehouse, spool)
    finally:
        os.close(handle)
    [moved] = report.files_replayed                 # the recovered file, under its final name
    assert report.temporaries == {str(free): f"recovered: {moved}"} and report.rows_loaded == 3
    assert held.exists() and not free.exists()
    assert sorted(log_rows(warehouse)["description"]) == [f"free {i}" for i in range(3)]
    # the operator's line names the leftover and what became of it
    [line] = [r.getMessage() for r in caplog.records if r.name == "shared_services.events.replay"]
    assert line == f"leftover spill {free} recovered ({moved})"


def test_an_explicit_table_list_replaces_the_default_allow_list(tmp_path, warehouse, monkeypatch):
    from google.cloud import bigquery

    from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA

    monkeypatch.delenv("COVERAGE_REPLAY_TABLES", raising=False)
    other = "nba_reference.coverage_log_v2"
    warehouse.create_table(bigquery.Table(f"{warehouse.project}.{other}", schema=list(COVERAGE_LOG_SCHEMA)))
    spool = DeadLetterSpool(tmp_path / "spool")
    default = spill(spool, "to_default", 2)                       # the coverage log itself
    to_v2 = spool.spill(other, "to_v2", event_rows(1, "v2"))
    report = replay_dead_letters(warehouse, spool, tables=[other])
    assert report.files_replayed == [str(to_v2)] and report.rows_loaded == 1
    assert list(report.files_quarantined) == [str(default)]
    assert f"allow-list {[other]}" in report.files_quarantined[str(default)]
    assert len(log_rows(warehouse)) == 0


def test_a_held_file_sorted_first_does_not_stop_the_files_after_it(tmp_path, warehouse):
    spool = DeadLetterSpool(tmp_path / "spool")
    held, free = spill(spool, "a_held", 2), spill(spool, "b_free", 3)
    assert spool.files() == [held, free]
    handle = os.open(held, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        report = replay_dead_letters(warehouse, spool)
    finally:
        os.close(handle)
    assert report.files_skipped == [str(held)] and report.files_replayed == [str(free)]
    assert report.rows_loaded == 3


def test_a_planted_file_sorted_first_is_quarantined_and_the_next_file_still_loads(tmp_path, warehouse, caplog):
    spool = DeadLetterSpool(tmp_path / "spool")
    planted = spool.spill("nba_analytics.player_game_summary", "job_x", event_rows(1, "planted"))
    good = spill(spool, "good", 2)
    assert spool.files() == [planted, good]
    with caplog.at_level("ERROR", logger="shared_services.events.replay"):
        report = replay_dead_letters(warehouse, spool)
    assert list(report.files_quarantined) == [str(planted)]
    assert report.files_replayed == [str(good)] and report.rows_loaded == 2
    # one ERROR line: the file, where it went, why
    reason = report.files_quarantined[str(planted)]
    assert "nba_analytics.player_game_summary" in reason and "allow-list" in reason
    [line] = [r.getMessage() for r in caplog.records if r.name == "shared_services.events.replay"]
    assert line == f"quarantined {planted} -> {spool.quarantine_directory / planted.name}: {reason}"


def test_a_file_that_cannot_be_read_fails_with_its_error_stays_and_the_rest_load(tmp_path, warehouse):
    # A read error of the disk (EIO): /proc/self/mem is a regular file whose offset 0 cannot be read.
    spool = DeadLetterSpool(tmp_path / "spool")
    good = spill(spool, "good", 2)
    unreadable = spool.directory / "a__unreadable.ndjson"
    unreadable.symlink_to("/proc/self/mem")
    assert spool.files() == [unreadable, good]
    report = replay_dead_letters(warehouse, spool)
    assert list(report.files_failed) == [str(unreadable)]
    assert report.files_failed[str(unreadable)].startswith("OSError: [Errno 5]")
    assert report.files_quarantined == {} and unreadable.is_symlink()      # left for the next run
    assert report.files_replayed == [str(good)] and report.rows_loaded == 2


def test_a_file_whose_rows_do_not_fit_the_log_is_quarantined_with_the_reason_and_the_next_loads(tmp_path, warehouse):
    spool = DeadLetterSpool(tmp_path / "spool")
    rows = event_rows(2, "bad")
    del rows[1]["event_timestamp"]                # the log's partition column is REQUIRED
    bad = spool.spill(COVERAGE_LOG_TABLE, "a_bad", rows)
    good = spill(spool, "b_good", 3)
    assert spool.files() == [bad, good]
    report = replay_dead_letters(warehouse, spool)
    assert list(report.files_quarantined) == [str(bad)]
    reason = report.files_quarantined[str(bad)]
    assert reason.startswith("rows do not fit the coverage log: ") and "event_timestamp" in reason
    assert not bad.exists() and (spool.quarantine_directory / bad.name).is_file()
    assert report.files_replayed == [str(good)] and report.rows_loaded == 3
    assert sorted(log_rows(warehouse)["description"]) == [f"b_good {i}" for i in range(3)]


def test_a_file_that_fails_to_load_sorted_first_is_logged_kept_and_the_next_file_loads(
        tmp_path, warehouse, monkeypatch, caplog):
    from google.cloud import bigquery

    # An allow-listed table whose schema is not the log's: its load fails (BadRequest).
    wrong = "nba_reference.a_wrong_shape_log"
    warehouse.create_table(bigquery.Table(f"{warehouse.project}.{wrong}",
                                          schema=[bigquery.SchemaField("event_id", "INT64")]))
    monkeypatch.setenv("COVERAGE_REPLAY_TABLES", wrong)
    spool = DeadLetterSpool(tmp_path / "spool")
    bad = spool.spill(wrong, "job_bad", event_rows(1, "bad"))
    good = spill(spool, "job_good", 2)
    assert spool.files() == [bad, good]
    with caplog.at_level("ERROR", logger="shared_services.events.replay"):
        report = replay_dead_letters(warehouse, spool, policy=RetryPolicy(max_attempts=1, initial_delay=0.0))
    assert list(report.files_failed) == [str(bad)] and report.files_failed[str(bad)].startswith("BadRequest: ")
    assert report.files_replayed == [str(good)] and report.rows_loaded == 2
    assert spool.files() == [bad]                                  # kept for the next run
    [line] = [r.getMessage() for r in caplog.records if r.name == "shared_services.events.replay"]
    cause = report.files_failed[str(bad)].removeprefix("BadRequest: ")
    assert line.startswith(f"replay of {bad} failed: {cause.splitlines()[0]}") and "\n" not in line


def test_the_allow_list_reads_the_mapping_it_is_given_comma_separated(monkeypatch):
    from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
    from shared_services.events.replay import allowed_replay_tables

    monkeypatch.setenv("COVERAGE_REPLAY_TABLES", "ops.from_the_process")   # not the mapping given
    given = {"COVERAGE_REPLAY_TABLES": " ops.log_a,ops.log_b , ,"}
    assert allowed_replay_tables(given) == {COVERAGE_LOG_TABLE, "ops.log_a", "ops.log_b"}
    assert allowed_replay_tables({}) == {COVERAGE_LOG_TABLE}
