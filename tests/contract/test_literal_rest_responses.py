"""The real BigQuery client parsing LITERAL BigQuery REST responses, and our code on top of it.

The contract tests next door run each case on the embedded warehouse and on the real client
against the local stand-in; but the stand-in executes through the same embedded
implementation, so there they check only the wire encoding. The cases here do not depend on
it: each response body is written out by hand in the documented REST formats (``Job``
resource, ``jobs.getQueryResults`` response with ``f``/``v`` cells and int64-microsecond
timestamps, error bodies with ``error.errors[].reason``), served by
:class:`tests.support.canned_bigquery.CannedBigQuery`, and parsed by the real
``google.cloud.bigquery.Client``. Where it makes sense the embedded warehouse must then give
the same Python values for the same data.

REST reference: cloud.google.com/bigquery/docs/reference/rest/v2 (jobs, jobs.getQueryResults,
"Error messages").
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from google.cloud import bigquery

from shared_services.alerts.dispatcher import AlertDispatcher
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.sink import EventSink, RetryPolicy
from tests.support.canned_bigquery import CannedBigQuery, CannedRequest, error_body

PROJECT = "canned-project"
NO_WAIT = RetryPolicy(max_attempts=3, initial_delay=0.0)


@pytest.fixture
def server() -> Iterator[CannedBigQuery]:
    with CannedBigQuery(PROJECT) as canned:
        yield canned


def job_resource(job_id: str, kind: str, statistics: dict[str, Any], error: dict[str, Any] | None = None,
                 configuration: dict[str, Any] | None = None) -> dict[str, Any]:
    """A finished ``Job`` resource as jobs.insert / jobs.get return it."""
    status: dict[str, Any] = {"state": "DONE"}
    if error:
        status["errorResult"] = error
        status["errors"] = [error]
    return {
        "kind": "bigquery#job",
        "etag": "\"aGVsbG8=\"",
        "id": f"{PROJECT}:US.{job_id}",
        "selfLink": f"https://bigquery.googleapis.com/bigquery/v2/projects/{PROJECT}/jobs/{job_id}?location=US",
        "user_email": "coverage@canned-project.iam.gserviceaccount.com",
        "jobReference": {"projectId": PROJECT, "jobId": job_id, "location": "US"},
        "configuration": configuration or {"jobType": kind.upper()},
        "status": status,
        "statistics": {"creationTime": "1736910000000", "startTime": "1736910000100",
                       "endTime": "1736910001200", kind: statistics},
    }


def _requested_job_id(request: CannedRequest) -> str:
    body = request.json if request.json is not None else request.upload_metadata
    return body["jobReference"]["jobId"]


# -- query results ----------------------------------------------------------------------------

SCHEMA_JSON = {"fields": [
    {"name": "event_id", "type": "STRING", "mode": "REQUIRED"},
    {"name": "event_timestamp", "type": "TIMESTAMP", "mode": "NULLABLE"},
    {"name": "game_date", "type": "DATE", "mode": "NULLABLE"},
    {"name": "points", "type": "INTEGER", "mode": "NULLABLE"},
    {"name": "score", "type": "FLOAT", "mode": "NULLABLE"},
    {"name": "is_resolved", "type": "BOOLEAN", "mode": "NULLABLE"},
    {"name": "sources", "type": "STRING", "mode": "REPEATED"},
    {"name": "amount", "type": "NUMERIC", "mode": "NULLABLE"},
]}
# cells exactly as BigQuery encodes them: every scalar a string, REPEATED as [{"v": ...}],
# NULL as null, TIMESTAMP as int64 microseconds (the client asks formatOptions.useInt64Timestamp)
ROWS_JSON = [
    {"f": [{"v": "e1"}, {"v": "1736910000000000"}, {"v": "2025-01-14"}, {"v": "31"}, {"v": "0.75"},
           {"v": "false"}, {"v": [{"v": "nbac"}, {"v": "bdl"}]}, {"v": "10.25"}]},
    {"f": [{"v": "é’🏀"}, {"v": "1736915400123456"}, {"v": None}, {"v": None}, {"v": None},
           {"v": "true"}, {"v": []}, {"v": None}]},
]
EXPECTED_ROWS = [
    ("e1", dt.datetime(2025, 1, 15, 3, 0, tzinfo=dt.UTC), dt.date(2025, 1, 14), 31, 0.75, False,
     ["nbac", "bdl"], decimal.Decimal("10.25")),
    ("é’🏀", dt.datetime(2025, 1, 15, 4, 30, 0, 123456, tzinfo=dt.UTC), None, None, None, True, [], None),
]


def _serve_select(server: CannedBigQuery, schema: dict[str, Any] = SCHEMA_JSON,
                  rows: list[dict[str, Any]] = ROWS_JSON) -> None:
    jobs: dict[str, dict[str, Any]] = {}

    def insert(request: CannedRequest) -> tuple[int, Any]:
        job_id = _requested_job_id(request)
        jobs[job_id] = job_resource(job_id, "query", {"statementType": "SELECT", "totalBytesProcessed": "1024",
                                                      "cacheHit": False},
                                    configuration=request.json["configuration"])
        return 200, jobs[job_id]

    def results(request: CannedRequest) -> tuple[int, Any]:
        job_id = request.path.rsplit("/", 1)[1]
        body: dict[str, Any] = {
            "kind": "bigquery#getQueryResultsResponse", "etag": "\"cmVzdWx0cw==\"",
            "schema": schema, "jobReference": jobs[job_id]["jobReference"],
            "totalRows": str(len(rows)), "totalBytesProcessed": "1024", "jobComplete": True, "cacheHit": False,
        }
        if request.query.get("maxResults") != ["0"]:
            body["rows"] = rows
        return 200, body

    server.on("POST", r"^/bigquery/v2/projects/[^/]+/jobs$", insert)
    server.on("GET", r"^/bigquery/v2/projects/[^/]+/queries/[^/]+$", results)
    server.on("GET", r"^/bigquery/v2/projects/[^/]+/jobs/[^/]+$",
              lambda r: (200, jobs[r.path.rsplit("/", 1)[1]]))


def test_the_real_client_parses_a_documented_query_response_into_python_values(server):
    _serve_select(server)
    client = server.make_client()
    rows = list(client.query("SELECT * FROM ds.events").result())
    assert [tuple(r.values()) for r in rows] == EXPECTED_ROWS
    assert rows[0]["event_id"] == rows[0].event_id == "e1"
    # the request carried the query text and asked for int64 timestamps
    [insert] = server.find("POST", r"/jobs$")
    assert insert.json["configuration"]["query"]["query"] == "SELECT * FROM ds.events"
    assert insert.json["configuration"]["query"]["useLegacySql"] is False
    reads = server.find("GET", r"/queries/")
    assert any(r.query.get("formatOptions.useInt64Timestamp", [""])[0].lower() == "true" for r in reads)


def test_the_embedded_warehouse_returns_what_the_real_client_parses(tmp_path):
    # The same two rows stored in the embedded warehouse read back as the same Python values.
    schema = [bigquery.SchemaField.from_api_repr(f) for f in SCHEMA_JSON["fields"]]
    embedded = DuckDBClient(":memory:", project=PROJECT)
    try:
        embedded.create_dataset("ds")
        embedded.create_table(bigquery.Table(f"{PROJECT}.ds.events", schema=schema))
        data = [dict(zip([f.name for f in schema], row, strict=True)) for row in EXPECTED_ROWS]
        for row in data:
            row["event_timestamp"] = row["event_timestamp"].isoformat()
            row["game_date"] = row["game_date"] and row["game_date"].isoformat()
            row["amount"] = row["amount"] and str(row["amount"])
        embedded.load_table_from_json(data, "ds.events", job_config=bigquery.LoadJobConfig(schema=schema)).result()
        got = [tuple(r.values()) for r in embedded.query("SELECT * FROM ds.events ORDER BY points DESC NULLS LAST").result()]
    finally:
        embedded.close()
    assert got == EXPECTED_ROWS
    assert [type(v) for v in got[0]] == [type(v) for v in EXPECTED_ROWS[0]]


# The INTERVAL examples of GoogleSQL's operators page ("Datetime subtraction", "Interval
# arithmetic operators"), in the canonical text BigQuery sends ("[sign]Y-M [sign]D [sign]H:M:S[.F]",
# data types, "Interval type").
INTERVAL_SQL = ('SELECT TIMESTAMP "2021-06-01 12:34:56.789" - TIMESTAMP "2021-05-31 00:00:00" AS time_diff, '
                "INTERVAL 35 SECOND * 4 AS mul2, INTERVAL 10 YEAR / 3 AS div1, INTERVAL 1 MONTH / 12 AS div2, "
                "TIMESTAMP '2021-05-31 00:00:00' - TIMESTAMP '2021-06-01 12:34:56.789' AS negative, "
                "CAST(NULL AS TIMESTAMP) - TIMESTAMP '2021-05-31 00:00:00' AS missing")
INTERVAL_TEXTS = ["0-0 0 36:34:56.789", "0-0 0 0:2:20", "3-4 0 0:0:0", "0-0 2 12:0:0", "0-0 0 -36:34:56.789", None]


@pytest.mark.filterwarnings("ignore:Unable to determine Arrow type for field")  # the real client's own
@pytest.mark.filterwarnings("ignore:Retrieving DataFrames via google-cloud-bigquery")
def test_an_interval_reads_as_the_relativedelta_the_real_client_parses_from_bigquerys_text(server):
    names = ["time_diff", "mul2", "div1", "div2", "negative", "missing"]
    _serve_select(server, {"fields": [{"name": n, "type": "INTERVAL", "mode": "NULLABLE"} for n in names]},
                  [{"f": [{"v": text} for text in INTERVAL_TEXTS]}])
    real = server.make_client().query(INTERVAL_SQL)
    [expected] = [tuple(r.values()) for r in real.result()]
    assert expected[0].days == 1 and expected[0].hours == 12  # the client's own parse of "36:34:56.789"
    embedded = DuckDBClient(":memory:", project=PROJECT)
    try:
        job = embedded.query(INTERVAL_SQL)
        [got] = [tuple(r.values()) for r in job.result()]
        assert got == expected
        assert [f.field_type for f in job.result().schema] == ["INTERVAL"] * len(names)
        # the DataFrame too: the real client's holds pandas DateOffsets (via Arrow), so does ours
        frame, real_frame = job.to_dataframe(), real.to_dataframe()
        assert list(frame.dtypes) == list(real_frame.dtypes) == [object] * len(names)
        assert frame.iloc[0, :5].tolist() == real_frame.iloc[0, :5].tolist()
        assert frame.iloc[0, 5] is None and real_frame.iloc[0, 5] is None
        # the other columns of a result with an INTERVAL keep their types (read through Arrow,
        # where DuckDB's SUM of INT64, a HUGEINT, would be a Decimal), NULLs stay None
        mixed = [tuple(r.values()) for r in embedded.query(
            "SELECT INTERVAL 2 DAY AS i, SUM(n) AS h, COUNT(*) AS c, CAST(NULL AS INT64) AS z, "
            "DATE '2025-01-15' AS d, 'x' AS s FROM UNNEST([5, 1]) AS n").result()]
        assert mixed == [(relativedelta(days=2), 6, 2, None, dt.date(2025, 1, 15), "x")]
        assert [type(v) for v in mixed[0][:3]] == [relativedelta, int, int]
        # DuckDB's own rows hold a month as 30 days: a year became 360 days
        raw = embedded._conn.raw.execute("SELECT INTERVAL 1 YEAR").fetchone()
        assert raw == (dt.timedelta(days=360),)
        assert [tuple(r.values()) for r in embedded.query("SELECT INTERVAL 1 YEAR AS y").result()] == \
            [(relativedelta(years=1),)]
    finally:
        embedded.close()


def test_dml_statistics_of_a_documented_job_resource(server):
    def insert(request: CannedRequest) -> tuple[int, Any]:
        return 200, job_resource(_requested_job_id(request), "query",
                                 {"statementType": "UPDATE", "numDmlAffectedRows": "3",
                                  "dmlStats": {"updatedRowCount": "3"}},
                                 configuration=request.json["configuration"])

    server.on("POST", r"/jobs$", insert)
    server.on("GET", r"/queries/", lambda r: (200, {
        "kind": "bigquery#getQueryResultsResponse", "jobReference": {"projectId": PROJECT,
                                                                    "jobId": r.path.rsplit("/", 1)[1],
                                                                    "location": "US"},
        "totalRows": "0", "jobComplete": True, "numDmlAffectedRows": "3", "schema": {"fields": []}}))
    job = server.make_client().query("UPDATE ds.t SET x = 1 WHERE TRUE")
    job.result()
    assert job.num_dml_affected_rows == 3 and job.statement_type == "UPDATE"


# -- the event sink against documented load responses and errors ----------------------------------

def _rows(n: int) -> list[dict[str, Any]]:
    return [{"event_id": f"e{i}", "event_timestamp": "2025-01-15T03:00:00.000000+00:00"} for i in range(n)]


SCHEMA = [bigquery.SchemaField("event_id", "STRING", mode="REQUIRED"),
          bigquery.SchemaField("event_timestamp", "TIMESTAMP", mode="REQUIRED")]


def _sink(server: CannedBigQuery, tmp_path: Any) -> EventSink:
    return EventSink(server.make_client(), table="ds.log", schema=SCHEMA, spool=DeadLetterSpool(tmp_path / "spool"),
                     policy=NO_WAIT, sleep=lambda _s: None, notify=lambda **_kw: None)


def _load_done(request: CannedRequest, rows: int) -> tuple[int, Any]:
    return 200, job_resource(_requested_job_id(request), "load",
                             {"inputFiles": "1", "inputFileBytes": "120", "outputRows": str(rows),
                              "outputBytes": "96", "badRecords": "0"},
                             configuration=request.upload_metadata["configuration"])


UPLOAD = r"^/upload/bigquery/v2/projects/[^/]+/jobs$"


def test_a_load_is_one_multipart_upload_of_ndjson_with_our_job_id(server, tmp_path):
    server.on("POST", UPLOAD, lambda r: _load_done(r, len(r.upload_rows)))
    outcome = _sink(server, tmp_path).write(_rows(3))
    assert (outcome.written, outcome.attempts, outcome.spilled_path) == (3, 1, None)
    [upload] = server.find("POST", UPLOAD)
    load = upload.upload_metadata["configuration"]["load"]
    assert load["sourceFormat"] == "NEWLINE_DELIMITED_JSON" and load["writeDisposition"] == "WRITE_APPEND"
    assert load["destinationTable"] == {"projectId": PROJECT, "datasetId": "ds", "tableId": "log"}
    assert upload.upload_metadata["jobReference"]["jobId"] == outcome.job_id
    assert [r["event_id"] for r in upload.upload_rows] == ["e0", "e1", "e2"]


def test_409_duplicate_on_our_job_id_means_already_loaded(server, tmp_path):
    seen: dict[str, str] = {}

    def conflict(request: CannedRequest) -> tuple[int, Any]:
        seen["job"] = job_id = _requested_job_id(request)
        return 409, error_body(409, "ALREADY_EXISTS", "duplicate", f"Already Exists: Job {PROJECT}:US.{job_id}")

    server.on("POST", UPLOAD, conflict)
    server.on("GET", r"/jobs/[^/]+$", lambda r: (200, job_resource(
        seen["job"], "load", {"inputFiles": "1", "outputRows": "2"})))
    outcome = _sink(server, tmp_path).write(_rows(2))
    assert outcome.already_loaded is True and outcome.written == 2 and outcome.spilled_path is None
    assert len(server.find("POST", UPLOAD)) == 1                    # not loaded a second time
    assert server.find("GET", r"/jobs/")[0].path.endswith(seen["job"])


def test_409_on_a_job_that_had_failed_loads_again_under_a_new_id(server, tmp_path):
    ids: list[str] = []

    def upload(request: CannedRequest) -> tuple[int, Any]:
        ids.append(_requested_job_id(request))
        if len(ids) == 1:
            return 409, error_body(409, "ALREADY_EXISTS", "duplicate", f"Already Exists: Job {ids[0]}")
        return _load_done(request, len(request.upload_rows))

    server.on("POST", UPLOAD, upload)
    failed = {"reason": "invalid", "message": "Error while reading data, error message: JSON parsing error"}
    server.on("GET", r"/jobs/[^/]+$", lambda r: (200, job_resource(ids[0], "load", {}, error=failed)))
    outcome = _sink(server, tmp_path).write(_rows(2))
    assert outcome.written == 2 and outcome.already_loaded is False and outcome.attempts == 2
    assert ids[1] == f"{ids[0]}_r1" and outcome.job_id == ids[1]
    # the real client's job object does not raise for a job that failed: its errorResult says
    # so, and the outcome keeps that error
    assert outcome.errors_seen == [
        f"earlier job {ids[0]} failed: {{'reason': 'invalid', "
        "'message': 'Error while reading data, error message: JSON parsing error'}"]


def test_403_rate_limit_exceeded_is_retried(server, tmp_path):
    calls: list[int] = []

    def upload(request: CannedRequest) -> tuple[int, Any]:
        calls.append(1)
        if len(calls) == 1:
            return 403, error_body(403, "PERMISSION_DENIED", "rateLimitExceeded",
                                   "Exceeded rate limits: too many table update operations for this table.",
                                   domain="usageLimits")
        return _load_done(request, len(request.upload_rows))

    server.on("POST", UPLOAD, upload)
    outcome = _sink(server, tmp_path).write(_rows(4))
    assert outcome.written == 4 and outcome.spilled_path is None
    assert len(calls) >= 2 and any("rateLimitExceeded" in e or "rate limits" in e for e in outcome.errors_seen)


def test_400_invalid_is_terminal_and_spilled(server, tmp_path):
    server.on("POST", UPLOAD, lambda r: (400, error_body(
        400, "INVALID_ARGUMENT", "invalid", "Provided Schema does not match Table canned-project:ds.log.")))
    outcome = _sink(server, tmp_path).write(_rows(2))
    assert outcome.written == 0 and outcome.attempts == 1
    assert outcome.error is not None and outcome.error.startswith("BadRequest")
    assert len(server.find("POST", UPLOAD)) == 1
    [batch] = list(DeadLetterSpool(tmp_path / "spool").pending())
    assert [r["event_id"] for r in batch.rows] == ["e0", "e1"]


def test_lookback_404_not_found_fails_open_with_one_query(server):
    server.on("POST", r"/jobs$", lambda r: (404, error_body(
        404, "NOT_FOUND", "notFound", "Not found: Table canned-project:nba_reference.source_coverage_log")))
    sent: list[dict[str, Any]] = []
    client = server.make_client()
    dispatcher = AlertDispatcher(lambda: client, notify_error=lambda **kw: sent.append(kw) or None,
                                 clock=lambda: dt.datetime(2025, 1, 15, 12, tzinfo=dt.UTC))
    for source in ("a", "b"):
        dispatcher.on_event({"severity": "critical", "requires_alert": True, "event_type": "source_missing",
                             "primary_source": source, "description": source})
    assert len(sent) == 2 and dispatcher.lookback_queries == 1
    [lookback] = server.find("POST", r"/jobs$")
    params = lookback.json["configuration"]["query"]["queryParameters"]
    assert [p["name"] for p in params] == ["since"] and params[0]["parameterType"]["type"] == "TIMESTAMP"



# -- replace_rows when BigQuery cancels its transaction for a concurrent update ---------------------

CANCELLED = ("Transaction is aborted due to concurrent update against table canned-project:ds.box. "
             "Transaction ID: 8f1e3c2a-4b7d-4e0f-9a61-2c5d7e9b0a13. Blocking job: canned-project:US.bqjob_r1a2b3c4")


def _serve_replace(server: CannedBigQuery, cancelled: int, refused: list[tuple[int, Any]] | None = None) -> list[str]:
    """Serve replace_rows: the staging load, ``cancelled`` query jobs BigQuery cancels (a job
    resource DONE with its ``errorResult``, as jobs.insert / jobs.get return a failed job, and
    getQueryResults answering with the error), then a script that succeeds, and the staging
    table's DELETE; before all that, jobs.insert answers with each of ``refused`` (status,
    body) in turn. Returns the ids of the query jobs BigQuery took, in order."""
    query_ids: list[str] = []
    jobs: dict[str, dict[str, Any]] = {}
    error = {"reason": "invalidQuery", "location": "query", "message": CANCELLED}
    answers = list(refused or [])

    def insert(request: CannedRequest) -> tuple[int, Any]:
        if answers:
            return answers.pop(0)
        job_id = _requested_job_id(request)
        query_ids.append(job_id)
        failed = len(query_ids) <= cancelled
        jobs[job_id] = job_resource(job_id, "query", {"statementType": "SCRIPT"},
                                    error=error if failed else None, configuration=request.json["configuration"])
        return 200, jobs[job_id]

    def results(request: CannedRequest) -> tuple[int, Any]:
        job_id = request.path.rsplit("/", 1)[1]
        if "errorResult" in jobs[job_id]["status"]:
            return 400, error_body(400, "INVALID_ARGUMENT", "invalidQuery", CANCELLED)
        return 200, {"kind": "bigquery#getQueryResultsResponse", "jobReference": jobs[job_id]["jobReference"],
                     "totalRows": "0", "jobComplete": True, "schema": {"fields": []}}

    server.on("POST", UPLOAD, lambda r: _load_done(r, len(r.upload_rows)))
    server.on("POST", r"^/bigquery/v2/projects/[^/]+/jobs$", insert)
    server.on("GET", r"/queries/[^/]+$", results)
    server.on("GET", r"/jobs/[^/]+$", lambda r: (200, jobs[r.path.rsplit("/", 1)[1]]))
    server.on("DELETE", r"/datasets/ds/tables/_staging_box_[0-9a-f]+$", lambda r: (204, None))
    return query_ids


BOX = [bigquery.SchemaField("game_id", "STRING", mode="REQUIRED"), bigquery.SchemaField("points", "INT64")]


def test_replace_rows_runs_a_cancelled_transaction_again_as_a_new_job(server):
    from shared_services.bigquery.writer import replace_rows

    query_ids = _serve_replace(server, cancelled=1)
    sleeps: list[float] = []
    written = replace_rows(server.make_client(), "ds.box", [{"game_id": "g1", "points": 3}], BOX, ["game_id"],
                           sleep=sleeps.append)
    assert written == 1 and len(sleeps) == 1
    assert len(query_ids) == 2 and query_ids[0] != query_ids[1]
    assert all(job_id.startswith("replace_") for job_id in query_ids)
    scripts = [r.json["configuration"]["query"]["query"] for r in server.find("POST", r"^/bigquery/v2/projects/[^/]+/jobs$")]
    assert scripts[0] == scripts[1] and scripts[0].startswith("BEGIN TRANSACTION;")
    assert len(server.find("POST", UPLOAD)) == 1                         # the staging load is not redone
    assert len(server.find("DELETE", r"/tables/_staging_box_")) == 1     # and its table is dropped once


def test_replace_rows_gives_up_with_a_write_conflict_error_naming_bigquerys_words(server):
    from shared_services.bigquery.writer import WriteConflictError, replace_rows

    query_ids = _serve_replace(server, cancelled=99)
    with pytest.raises(WriteConflictError) as caught:
        replace_rows(server.make_client(), "ds.box", [{"game_id": "g1", "points": 3}], BOX, ["game_id"],
                     conflict_retry=RetryPolicy(max_attempts=4, initial_delay=0.0), sleep=lambda _s: None)
    assert len(query_ids) == 4
    assert "refused the replace transaction 4 time(s)" in str(caught.value)
    assert "concurrent update against table canned-project:ds.box" in str(caught.value)
    assert len(server.find("DELETE", r"/tables/_staging_box_")) == 1


def test_replace_rows_runs_again_when_the_tables_dml_queue_is_full(server):
    # "403 Quota exceeded: Your table exceeded quota for total number of DML jobs writing to a
    # table, pending + running." (reason quotaExceeded), as jobs.insert answers it; it clears as
    # the table's other DML jobs finish, unlike the daily quotas the event sink spills for
    from shared_services.bigquery.writer import replace_rows

    queue_full = ("Quota exceeded: Your table exceeded quota for total number of DML jobs writing to a table, "
                  "pending + running.")
    query_ids = _serve_replace(server, cancelled=0, refused=[
        (403, error_body(403, "PERMISSION_DENIED", "quotaExceeded", queue_full))])
    sleeps: list[float] = []
    written = replace_rows(server.make_client(), "ds.box", [{"game_id": "g1", "points": 3}], BOX, ["game_id"],
                           sleep=sleeps.append)
    assert written == 1 and len(sleeps) == 1 and len(query_ids) == 1
    tried = [r.json["jobReference"]["jobId"] for r in server.find("POST", r"^/bigquery/v2/projects/[^/]+/jobs$")]
    assert len(tried) == 2 and tried[1] == query_ids[0] and tried[0] != tried[1]
