"""The event sink's retry policy and already-ran check, as a caller sees them (survivors of
the mutation run on ``shared_services/events/sink.py``).

The 409 case uses the real ``google.cloud.bigquery.Client`` against literal REST responses
(:class:`tests.support.canned_bigquery.CannedBigQuery`), like the contract tests it borrows
its helpers from.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared_services.events.sink import RetryPolicy
from tests.contract.test_literal_rest_responses import (
    PROJECT,
    UPLOAD,
    _load_done,
    _rows,
    _sink,
)
from tests.support.canned_bigquery import CannedBigQuery


@pytest.fixture
def server() -> Iterator[CannedBigQuery]:
    with CannedBigQuery(PROJECT) as canned:
        yield canned


@pytest.mark.parametrize("kwargs, message", [
    ({"max_attempts": 0}, "RetryPolicy.max_attempts must be >= 1, got 0"),
    ({"initial_delay": -1.0}, "RetryPolicy delays must be >= 0 and multiplier >= 1"),
    ({"max_delay": -1.0}, "RetryPolicy delays must be >= 0 and multiplier >= 1"),
    ({"multiplier": 0.9}, "RetryPolicy delays must be >= 0 and multiplier >= 1"),
])
def test_a_bad_retry_policy_names_the_setting(kwargs, message):
    with pytest.raises(ValueError) as raised:
        RetryPolicy(**kwargs)
    assert str(raised.value) == message


def test_an_earlier_failed_embedded_job_is_named_with_its_error_type(warehouse):
    from google.api_core import exceptions as gexc

    from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE
    from shared_services.events.sink import load_rows_exactly_once

    job_id = "coverage_earlier_attempt"
    with pytest.raises(gexc.BadRequest):      # a first load under our id failed (no event_id)
        warehouse.load_table_from_json([{"event_type": "x"}], COVERAGE_LOG_TABLE, job_id=job_id).result()
    rows = [{"event_id": "e1", "event_timestamp": "2025-01-15T03:00:00+00:00", "event_type": "source_missing",
             "severity": "critical"}]
    outcome = load_rows_exactly_once(warehouse, COVERAGE_LOG_TABLE, rows, COVERAGE_LOG_SCHEMA, job_id,
                                     policy=RetryPolicy(max_attempts=2, initial_delay=0.0), sleep=lambda _s: None)
    assert (outcome.written, outcome.job_id) == (1, f"{job_id}_r1")
    [seen] = outcome.errors_seen
    assert seen.startswith(f"earlier job {job_id} failed: BadRequest: ")


def test_a_sink_without_client_spills_with_the_batch_id_count_and_reason(tmp_path):
    from shared_services.events.dead_letter import DeadLetterSpool
    from shared_services.events.sink import EventSink, batch_job_id

    notes: list[dict] = []
    sink = EventSink(None, table="ds.log", spool=DeadLetterSpool(tmp_path / "spool"),
                     notify=lambda **kw: notes.append(kw))
    rows = _rows(3)
    outcome = sink.write(rows, processor_name="P")
    assert outcome.job_id == batch_job_id("ds.log", rows)
    assert (outcome.rows, outcome.written) == (3, 0)
    assert outcome.error == "RuntimeError: no bq_client is configured on this processor"
    assert outcome.spilled_path is not None and outcome.spilled_path.exists()
    assert outcome.spilled_path.with_suffix(".reason").read_text(encoding="utf-8") == outcome.error + "\n"
    assert notes == [{
        "title": "Source coverage events could not be written",
        "message": (f"3 events for ds.log were spilled to {outcome.spilled_path}; "
                    f"run coverage-replay once the warehouse is back. 1 batch(es) wait in {tmp_path / 'spool'}; "
                    "further spills of ds.log this hour are logged, not notified."),
        "details": {"error": outcome.error, "job_id": outcome.job_id, "attempts": 0,
                    "dead_letter_file": str(outcome.spilled_path)},
        "processor_name": "P",
    }]
    empty = sink.write([])
    assert (empty.job_id, empty.rows, empty.written, empty.spilled_path) == (batch_job_id("ds.log", []), 0, 0, None)


def test_the_sink_retries_with_its_own_policy_and_sleep(warehouse, tmp_path):
    from google.api_core import exceptions as gexc

    from shared_services.events.dead_letter import DeadLetterSpool
    from shared_services.events.sink import EventSink
    from tests.support.recording_client import FlakyLoadClient

    client = FlakyLoadClient(warehouse, failures=-1, error_factory=lambda: gexc.ServiceUnavailable("down"))
    slept: list[float] = []
    sink = EventSink(client, spool=DeadLetterSpool(tmp_path / "spool"),
                     policy=RetryPolicy(max_attempts=3, initial_delay=1.0, max_delay=2.0),
                     sleep=slept.append, notify=lambda **_kw: None)
    outcome = sink.write(_rows(2))
    assert outcome.attempts == 3 and client.calls["load_attempts"] == 3    # the default policy makes 5
    assert len(slept) == 2 and 0 <= slept[0] <= 1.0 and 0 <= slept[1] <= 2.0
    assert outcome.spilled_path is not None and outcome.error == "ServiceUnavailable: 503 down"


def test_the_job_id_names_the_table_and_ends_in_32_hex_digits():
    import re

    from shared_services.events.sink import batch_job_id

    # BigQuery job ids: letters, digits, '_' and '-' only (jobs.insert, JobReference.jobId)
    assert re.fullmatch(r"coverage_nba_reference_source_coverage_log_[0-9a-f]{32}",
                        batch_job_id("nba_reference.source_coverage_log", [{"event_id": "a"}]))
    assert re.fullmatch(r"replay_my_project_ds_t_1_[0-9a-f]{32}",
                        batch_job_id("my-project.ds.t$1", [{"event_id": "a"}], prefix="replay"))


def test_the_job_id_follows_the_event_ids_when_rows_have_them():
    from shared_services.events.sink import batch_job_id

    # the same events with changed columns (say, alert_sent set after a retry) are the same batch
    assert batch_job_id("ds.t", [{"event_id": "a", "alert_sent": False}]) == batch_job_id(
        "ds.t", [{"event_id": "a", "alert_sent": True}])
    assert batch_job_id("ds.t", [{"event_id": "a"}]) != batch_job_id("ds.t", [{"event_id": "b"}])


def test_rows_without_event_ids_are_identified_by_their_content_in_any_key_order():
    from datetime import UTC, datetime

    from shared_services.events.sink import batch_job_id

    first = [{"game_id": "1", "n": 2}, {"game_id": "2", "n": 3}]
    assert batch_job_id("ds.t", first) == batch_job_id("ds.t", [{"n": 2, "game_id": "1"}, {"n": 3, "game_id": "2"}])
    assert batch_job_id("ds.t", first) != batch_job_id("ds.t", [{"game_id": "1", "n": 2}, {"game_id": "2", "n": 4}])
    stamped = [{"at": datetime(2025, 1, 15, tzinfo=UTC)}]       # not JSON-native: still an id
    assert batch_job_id("ds.t", stamped) == batch_job_id("ds.t", [{"at": datetime(2025, 1, 15, tzinfo=UTC)}])
    assert batch_job_id("ds.t", stamped) != batch_job_id("ds.t", [{"at": datetime(2025, 1, 16, tzinfo=UTC)}])


_EVENT = {"event_timestamp": "2025-01-15T03:00:00+00:00", "event_type": "source_missing", "severity": "critical"}


def _events(n: int) -> list[dict]:
    return [{"event_id": f"e{i}", **_EVENT} for i in range(n)]


def test_one_clean_load_reports_rows_written_attempts_and_our_job_id(warehouse):
    from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE
    from shared_services.events.sink import load_rows_exactly_once

    outcome = load_rows_exactly_once(warehouse, COVERAGE_LOG_TABLE, _events(2), COVERAGE_LOG_SCHEMA, "job_clean")
    assert (outcome.job_id, outcome.rows, outcome.written, outcome.attempts) == ("job_clean", 2, 2, 1)
    assert (outcome.already_loaded, outcome.errors_seen, outcome.error, outcome.ok) == (False, [], None, True)


def test_transient_errors_are_recorded_and_the_last_is_raised_when_attempts_run_out(warehouse):
    from google.api_core import exceptions as gexc

    from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE
    from shared_services.events.sink import LoadOutcome, load_rows_exactly_once
    from tests.support.recording_client import FlakyLoadClient

    flaky = FlakyLoadClient(warehouse, failures=1, error_factory=lambda: gexc.ServiceUnavailable("down"))
    outcome = load_rows_exactly_once(flaky, COVERAGE_LOG_TABLE, _events(3), COVERAGE_LOG_SCHEMA, "job_t",
                                     policy=RetryPolicy(max_attempts=3, initial_delay=0.0), sleep=lambda _s: None)
    assert (outcome.written, outcome.attempts, outcome.job_id) == (3, 2, "job_t")
    assert outcome.errors_seen == ["ServiceUnavailable: 503 down"]

    broken = FlakyLoadClient(warehouse, failures=-1, error_factory=lambda: gexc.ServiceUnavailable("still down"))
    kept = LoadOutcome(job_id="job_u", rows=1)
    with pytest.raises(gexc.ServiceUnavailable, match="still down"):
        load_rows_exactly_once(broken, COVERAGE_LOG_TABLE, _events(1), COVERAGE_LOG_SCHEMA, "job_u",
                               policy=RetryPolicy(max_attempts=3, initial_delay=0.0), sleep=lambda _s: None,
                               outcome=kept)
    assert kept.attempts == 3 and kept.errors_seen == ["ServiceUnavailable: 503 still down"] * 3
    assert kept.written == 0


def test_when_every_id_belongs_to_an_earlier_failed_job_it_gives_up_naming_the_job(warehouse):
    from google.api_core import exceptions as gexc

    from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE
    from shared_services.events.sink import LoadOutcome, load_rows_exactly_once

    for job_id in ("job_v", "job_v_r1", "job_v_r2"):        # three earlier loads, all failed
        with pytest.raises(gexc.BadRequest):
            warehouse.load_table_from_json([{"event_type": "x"}], COVERAGE_LOG_TABLE, job_id=job_id).result()
    kept = LoadOutcome(job_id="job_v", rows=1)
    with pytest.raises(gexc.RetryError) as raised:
        load_rows_exactly_once(warehouse, COVERAGE_LOG_TABLE, _events(1), COVERAGE_LOG_SCHEMA, "job_v",
                               policy=RetryPolicy(max_attempts=3, initial_delay=0.0), sleep=lambda _s: None,
                               outcome=kept)
    assert str(raised.value).startswith("gave up on load job job_v after 3 attempts")
    assert [e.split(" failed: ")[0] for e in kept.errors_seen] == [
        "earlier job job_v", "earlier job job_v_r1", "earlier job job_v_r2"]
    assert kept.written == 0


def test_the_load_sends_the_tables_explicit_schema_never_autodetect(server, tmp_path):
    server.on("POST", UPLOAD, lambda r: _load_done(r, len(r.upload_rows)))
    _sink(server, tmp_path).write(_rows(2))
    [upload] = server.find("POST", UPLOAD)
    load = upload.upload_metadata["configuration"]["load"]
    # without a schema the real client turns on autodetect, and BigQuery would guess the types
    assert not load.get("autodetect")
    assert [(f["name"], f["type"], f.get("mode")) for f in load["schema"]["fields"]] == [
        ("event_id", "STRING", "REQUIRED"), ("event_timestamp", "TIMESTAMP", "REQUIRED")]


def test_an_already_loaded_retry_id_is_reported_as_the_job_that_loaded(warehouse):
    from google.api_core import exceptions as gexc

    from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE
    from shared_services.events.sink import load_rows_exactly_once

    rows = _events(2)
    with pytest.raises(gexc.BadRequest):                    # the first job under our id failed ...
        warehouse.load_table_from_json([{"event_type": "x"}], COVERAGE_LOG_TABLE, job_id="job_w").result()
    warehouse.load_table_from_json(rows, COVERAGE_LOG_TABLE, job_id="job_w_r1").result()  # ... its retry ran
    outcome = load_rows_exactly_once(warehouse, COVERAGE_LOG_TABLE, rows, COVERAGE_LOG_SCHEMA, "job_w",
                                     policy=RetryPolicy(max_attempts=3, initial_delay=0.0), sleep=lambda _s: None)
    assert (outcome.already_loaded, outcome.job_id, outcome.written, outcome.attempts) == (True, "job_w_r1", 2, 2)


def test_a_batch_whose_earlier_job_failed_loads_under_the_next_id_at_once_and_quietly(warehouse, caplog):
    """Every replay of a batch whose load job had failed meets its own id: nothing transient
    to wait out, so no sleep and no warning (an operator read "attempt 1 failed ... retrying"
    on every such replay); the attempt still counts towards the policy's budget."""
    import logging

    from google.api_core import exceptions as gexc

    from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE
    from shared_services.events.sink import load_rows_exactly_once

    with pytest.raises(gexc.BadRequest):
        warehouse.load_table_from_json([{"event_type": "x"}], COVERAGE_LOG_TABLE, job_id="job_q").result()
    sleeps: list[float] = []
    with caplog.at_level(logging.INFO, logger="shared_services.events.sink"):
        outcome = load_rows_exactly_once(warehouse, COVERAGE_LOG_TABLE, _events(2), COVERAGE_LOG_SCHEMA, "job_q",
                                         policy=RetryPolicy(max_attempts=2, initial_delay=5.0), sleep=sleeps.append)
    assert (outcome.written, outcome.job_id, outcome.attempts) == (2, "job_q_r1", 2)
    assert sleeps == []
    assert [r.levelname for r in caplog.records] == ["INFO"]
    assert "earlier job job_q failed" in caplog.records[0].getMessage()
    assert "loading under job_q_r1" in caplog.records[0].getMessage()


def test_only_a_quota_error_is_quota_exhausted():
    from google.api_core import exceptions as gexc

    from shared_services.events.sink import is_quota_exhausted, is_transient

    quota = gexc.Forbidden("Quota exceeded: Your table exceeded quota for imports or query appends per table.",
                           errors=[{"reason": "quotaExceeded", "location": "load_job_per_table.long"}])
    rate = gexc.Forbidden("Exceeded rate limits: too many table update operations for this table",
                          errors=[{"reason": "rateLimitExceeded"}])
    assert is_quota_exhausted(quota) and not is_transient(quota)
    assert not is_quota_exhausted(rate) and is_transient(rate)
    # the reason decides, whatever the message says
    assert is_quota_exhausted(gexc.Forbidden("Your project exceeded quota for free query bytes scanned",
                                             errors=[{"reason": "quotaExceeded"}]))
    assert not is_quota_exhausted(gexc.TooManyRequests("Quota exceeded: rate", errors=[{"reason": "rateLimitExceeded"}]))
    # without one, BigQuery's "Quota exceeded" prefix does
    assert is_quota_exhausted(gexc.Forbidden("Quota exceeded: Your project exceeded quota for ..."))
    assert not is_quota_exhausted(gexc.Forbidden("Access Denied: Table ds.t: Quota exceeded",
                                                 errors=[{"reason": "accessDenied"}]))
    # a query's result has been seen to carry it as a 400 ("BadRequest: 400 GET .../queries/...:
    # Quota exceeded: Your table exceeded quota for imports or query appends per table")
    assert is_quota_exhausted(gexc.BadRequest("Quota exceeded: Your table exceeded quota for imports ..."))
    assert not is_quota_exhausted(gexc.BadRequest("Error while reading data: Quota exceeded is a string here"))
    assert not is_quota_exhausted(RuntimeError("Quota exceeded: not a Google error"))
