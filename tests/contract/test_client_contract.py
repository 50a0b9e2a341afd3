"""One contract, two adapters: the embedded DuckDBClient and the real BigQuery client over HTTP.

Every test runs against both (see ``adapter`` in conftest). On the HTTP adapter the stand-in
records the requests, so the tests also check what crosses the wire.

What this does NOT prove: the stand-in (:mod:`tests.support.bq_standin`) delegates storage and
SQL to the same embedded :class:`DuckDBClient`, so both adapters share one implementation and
these tests check the REST wire encoding and the real client's handling of it, not that
the embedded SQL behaves like BigQuery's. The cases independent of the embedded
implementation are in ``test_literal_rest_responses.py`` (literal BigQuery REST responses,
parsed by the real client).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from tests.contract.conftest import Adapter

pytestmark = [
    pytest.mark.filterwarnings("ignore:Retrieving DataFrames via google-cloud-bigquery"),
]

EVENT_SCHEMA = [
    bigquery.SchemaField("event_id", "STRING", mode="REQUIRED"),
    bigquery.SchemaField("event_timestamp", "TIMESTAMP", mode="REQUIRED"),
    bigquery.SchemaField("game_date", "DATE"),
    bigquery.SchemaField("points", "INT64"),
    bigquery.SchemaField("score", "FLOAT64"),
    bigquery.SchemaField("is_resolved", "BOOL"),
    bigquery.SchemaField("sources", "STRING", mode="REPEATED"),
    bigquery.SchemaField("metadata", "JSON"),
]

ROWS = [
    {
        "event_id": "e1",
        "event_timestamp": "2025-01-15T03:00:00+00:00",
        "game_date": "2025-01-14",
        "points": 31,
        "score": 0.75,
        "is_resolved": False,
        "sources": ["nbac", "bdl"],
        "metadata": {"tries": 2},
    },
    {
        "event_id": "e2",
        "event_timestamp": "2025-01-15T04:30:00Z",
        "game_date": "2025-01-14",
        "points": None,
        "score": None,
        "is_resolved": True,
        "sources": [],
        "metadata": None,
    },
    {
        "event_id": "e3",
        "event_timestamp": "2025-01-16 01:00:00",
        "game_date": "2025-01-15",
        "points": 12,
        "score": 1.0,
        "is_resolved": None,
        "sources": ["espn"],
        "metadata": ["a", 1],
    },
]


def _setup(adapter: Adapter, partition_filter: bool = False) -> str:
    client = adapter.client
    client.create_dataset(f"{adapter.project}.nba_reference")
    table = bigquery.Table(f"{adapter.project}.nba_reference.events", schema=EVENT_SCHEMA)
    table.time_partitioning = bigquery.TimePartitioning(field="event_timestamp", expiration_ms=86_400_000)
    table.clustering_fields = ["event_id"]
    table.require_partition_filter = partition_filter
    table.description = "test events"
    client.create_table(table)
    return "nba_reference.events"


def _load(adapter: Adapter, rows: list[dict], job_id: str, disposition: str = "WRITE_APPEND") -> int:
    config = bigquery.LoadJobConfig(schema=EVENT_SCHEMA, write_disposition=disposition)
    job = adapter.client.load_table_from_json(rows, f"{adapter.project}.nba_reference.events", job_config=config, job_id=job_id)
    return job.result().output_rows


def test_create_dataset_and_table_properties(adapter: Adapter) -> None:
    _setup(adapter)
    with pytest.raises(gexc.Conflict):
        adapter.client.create_dataset(f"{adapter.project}.nba_reference")
    adapter.client.create_dataset(f"{adapter.project}.nba_reference", exists_ok=True)

    table = adapter.client.get_table(f"{adapter.project}.nba_reference.events")
    assert [(f.name, f.field_type, f.mode) for f in table.schema] == [
        ("event_id", "STRING", "REQUIRED"),
        ("event_timestamp", "TIMESTAMP", "REQUIRED"),
        ("game_date", "DATE", "NULLABLE"),
        ("points", "INTEGER", "NULLABLE"),
        ("score", "FLOAT", "NULLABLE"),
        ("is_resolved", "BOOLEAN", "NULLABLE"),
        ("sources", "STRING", "REPEATED"),
        ("metadata", "JSON", "NULLABLE"),
    ]
    assert table.time_partitioning.field == "event_timestamp"
    assert table.time_partitioning.expiration_ms == 86_400_000
    assert table.clustering_fields == ["event_id"]
    assert table.description == "test events"
    assert table.num_rows == 0
    with pytest.raises(gexc.Conflict):
        adapter.client.create_table(bigquery.Table(f"{adapter.project}.nba_reference.events", schema=EVENT_SCHEMA))
    if adapter.standin:
        insert = adapter.standin.find("POST", "/datasets/nba_reference/tables")[0]
        assert insert.json["timePartitioning"]["field"] == "event_timestamp"
        assert insert.json["clustering"]["fields"] == ["event_id"]


def test_load_then_query_with_parameters(adapter: Adapter) -> None:
    _setup(adapter)
    assert _load(adapter, ROWS, "load_contract_1") == 3
    config = bigquery.QueryJobConfig(
        query_parameters=[
            bigquery.ScalarQueryParameter("since", "TIMESTAMP", dt.datetime(2025, 1, 15, tzinfo=dt.UTC)),
            bigquery.ArrayQueryParameter("ids", "STRING", ["e1", "e3", "nope"]),
            bigquery.ScalarQueryParameter("min_date", "DATE", dt.date(2025, 1, 1)),
        ]
    )
    sql = (
        f"SELECT event_id, points, game_date, sources, metadata, event_timestamp "
        f"FROM `{adapter.project}.nba_reference.events` "
        "WHERE event_timestamp >= @since AND event_id IN UNNEST(@ids) AND game_date >= @min_date "
        "ORDER BY event_id"
    )
    job = adapter.client.query(sql, job_config=config, job_id="query_contract_1", job_retry=None)
    rows = list(job.result())
    assert [(r.event_id, r["points"], r[2], list(r.sources), r.metadata) for r in rows] == [
        ("e1", 31, dt.date(2025, 1, 14), ["nbac", "bdl"], {"tries": 2}),
        ("e3", 12, dt.date(2025, 1, 15), ["espn"], ["a", 1]),
    ]
    assert rows[0].event_timestamp == dt.datetime(2025, 1, 15, 3, tzinfo=dt.UTC)
    assert job.job_id == "query_contract_1"
    if adapter.standin:
        (upload,) = adapter.standin.find("POST", "/upload/bigquery/v2/projects/test-project/jobs")
        load = upload.upload_metadata["configuration"]["load"]
        assert load["sourceFormat"] == "NEWLINE_DELIMITED_JSON"
        assert load["writeDisposition"] == "WRITE_APPEND"
        assert [f["name"] for f in load["schema"]["fields"]] == [f.name for f in EVENT_SCHEMA]
        assert load["schema"]["fields"][6]["mode"] == "REPEATED"
        assert upload.upload_metadata["jobReference"]["jobId"] == "load_contract_1"
        assert [json.loads(line) for line in upload.upload_data.decode().splitlines()] == ROWS
        query_request = [r for r in adapter.standin.find("POST", "/projects/test-project/jobs")
                         if r.json and "query" in r.json["configuration"]][-1]
        query_config = query_request.json["configuration"]["query"]
        assert query_request.json["jobReference"]["jobId"] == "query_contract_1"
        assert query_config["useLegacySql"] is False
        assert query_config["parameterMode"] == "NAMED"
        params = {p["name"]: p for p in query_config["queryParameters"]}
        assert params["ids"]["parameterType"] == {"type": "ARRAY", "arrayType": {"type": "STRING"}}
        assert [v["value"] for v in params["ids"]["parameterValue"]["arrayValues"]] == ["e1", "e3", "nope"]
        assert params["since"]["parameterType"]["type"] == "TIMESTAMP"
        assert params["min_date"]["parameterValue"]["value"] == "2025-01-01"


def test_dataframe_dtypes_are_the_same(adapter: Adapter) -> None:
    _setup(adapter)
    _load(adapter, ROWS, "load_dtypes")
    sql = "SELECT * FROM nba_reference.events ORDER BY event_id"
    frame = adapter.client.query(sql).to_dataframe()
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        "event_id": "str",
        "event_timestamp": "datetime64[us, UTC]",
        "game_date": "dbdate",
        "points": "Int64",
        "score": "float64",
        "is_resolved": "boolean",
        "sources": "object",
        "metadata": "str",
    }
    assert list(frame["sources"][0]) == ["nbac", "bdl"]
    assert json.loads(frame["metadata"][0]) == {"tries": 2}
    empty = adapter.client.query(sql.replace("ORDER BY", "WHERE FALSE ORDER BY")).result().to_dataframe()
    assert len(empty) == 0
    assert {c: str(t) for c, t in empty.dtypes.items()} == {c: str(t) for c, t in frame.dtypes.items()}


def test_dml_reports_affected_rows(adapter: Adapter) -> None:
    _setup(adapter)
    _load(adapter, ROWS, "load_dml")
    config = bigquery.QueryJobConfig(query_parameters=[bigquery.ScalarQueryParameter("d", "DATE", "2025-01-14")])
    job = adapter.client.query(
        "UPDATE nba_reference.events SET is_resolved = TRUE WHERE game_date = @d", job_config=config
    )
    job.result()
    assert job.num_dml_affected_rows == 2


def test_duplicate_job_id_is_conflict(adapter: Adapter) -> None:
    _setup(adapter)
    _load(adapter, ROWS[:1], "flush_batch_1")
    with pytest.raises(gexc.Conflict):
        _load(adapter, ROWS[1:], "flush_batch_1")
    rows = list(adapter.client.query("SELECT event_id FROM nba_reference.events").result())
    assert [r.event_id for r in rows] == ["e1"]
    adapter.client.query("SELECT 1 AS x", job_id="q_dup", job_retry=None).result()
    with pytest.raises(gexc.Conflict):
        adapter.client.query("SELECT 2 AS x", job_id="q_dup", job_retry=None)


def test_get_job(adapter: Adapter) -> None:
    _setup(adapter)
    _load(adapter, ROWS, "load_for_get_job")
    job = adapter.client.get_job("load_for_get_job")
    assert job.job_id == "load_for_get_job"
    assert job.output_rows == 3
    assert job.state == "DONE"
    with pytest.raises(gexc.NotFound):
        adapter.client.get_job("never_ran")


def test_missing_table_is_not_found(adapter: Adapter) -> None:
    adapter.client.create_dataset("ds")
    with pytest.raises(gexc.NotFound):
        adapter.client.get_table(f"{adapter.project}.ds.nope")
    with pytest.raises(gexc.NotFound):
        adapter.client.query("SELECT * FROM `ds.nope`").result()
    with pytest.raises(gexc.NotFound):
        adapter.client.create_table(bigquery.Table(f"{adapter.project}.no_dataset.t", schema=EVENT_SCHEMA))


def test_dataset_and_table_ids_given_to_the_api_are_case_sensitive(adapter: Adapter) -> None:
    """``ds.T`` is another table than ``ds.t`` on BigQuery (its REST ids are case-sensitive);
    DuckDB resolved it to ``ds.t``, so a processor's ``get_table`` or load in the wrong case
    worked here and failed in production (docs/bigquery-rules.md)."""
    client, project = adapter.client, adapter.project
    client.create_dataset("nba_reference")
    client.create_table(bigquery.Table(f"{project}.nba_reference.events", schema=EVENT_SCHEMA))
    client.load_table_from_json(ROWS[:1], f"{project}.nba_reference.events",
                                job_config=bigquery.LoadJobConfig(schema=EVENT_SCHEMA)).result()
    for wrong in ("nba_reference.Events", "NBA_Reference.events"):
        with pytest.raises(gexc.NotFound, match="case-sensitive"):
            client.get_table(f"{project}.{wrong}")
        with pytest.raises(gexc.NotFound, match="case-sensitive"):
            client.delete_table(f"{project}.{wrong}")
        client.delete_table(f"{project}.{wrong}", not_found_ok=True)  # not found: nothing dropped
    with pytest.raises(gexc.NotFound, match="case-sensitive"):
        client.get_dataset("NBA_REFERENCE")
    with pytest.raises(gexc.NotFound, match="case-sensitive"):
        list(client.list_tables("Nba_Reference"))  # the real client asks when iterated
    # A load or a create that BigQuery would make a second table of is refused (one DuckDB
    # table cannot be both); with CREATE_NEVER it finds no table, as on BigQuery.
    with pytest.raises(gexc.BadRequest, match="differs only in letter case"):
        client.load_table_from_json(ROWS[1:2], f"{project}.nba_reference.EVENTS",
                                    job_config=bigquery.LoadJobConfig(schema=EVENT_SCHEMA)).result()
    never = bigquery.LoadJobConfig(schema=EVENT_SCHEMA, create_disposition="CREATE_NEVER")
    with pytest.raises(gexc.NotFound, match="case-sensitive"):
        client.load_table_from_json(ROWS[1:2], f"{project}.nba_reference.EVENTS", job_config=never).result()
    with pytest.raises(gexc.BadRequest, match="differs only in letter case"):
        client.create_table(bigquery.Table(f"{project}.nba_reference.EVENTS", schema=EVENT_SCHEMA))
    with pytest.raises(gexc.BadRequest, match="differs only in letter case"):
        client.create_dataset("NBA_reference")
    assert client.get_table(f"{project}.nba_reference.events").num_rows == 1  # untouched
    assert [t.table_id for t in client.list_tables("nba_reference")] == ["events"]


def test_unknown_field_in_load_is_bad_request(adapter: Adapter) -> None:
    _setup(adapter)
    bad = [ROWS[0], {**ROWS[1], "surprise": 1}]
    with pytest.raises(gexc.BadRequest) as info:
        _load(adapter, bad, "load_unknown_field")
    assert "surprise" in str(info.value)
    assert "row 1" in str(info.value)
    assert adapter.client.get_table("nba_reference.events").num_rows == 0


def test_hostile_parameter_values_round_trip_as_data(adapter: Adapter) -> None:
    _setup(adapter)
    hostile = ["'; DROP TABLE nba_reference.events; --", 'x" OR 1=1 --', "@ids", "$1"]
    rows = [{**ROWS[0], "event_id": value} for value in hostile]
    _load(adapter, rows, "load_hostile")
    config = bigquery.QueryJobConfig(
        query_parameters=[
            bigquery.ScalarQueryParameter("one", "STRING", hostile[0]),
            bigquery.ArrayQueryParameter("many", "STRING", hostile[1:]),
        ]
    )
    result = adapter.client.query(
        "SELECT event_id, @one AS echoed FROM nba_reference.events "
        "WHERE event_id = @one OR event_id IN UNNEST(@many) ORDER BY event_id",
        job_config=config,
    ).result()
    found = [(r.event_id, r.echoed) for r in result]
    assert sorted(v for v, _ in found) == sorted(hostile)
    assert {e for _, e in found} == {hostile[0]}
    assert adapter.client.get_table("nba_reference.events").num_rows == 4


def test_require_partition_filter(adapter: Adapter) -> None:
    _setup(adapter, partition_filter=True)
    _load(adapter, ROWS, "load_rpf")
    with pytest.raises(gexc.BadRequest) as info:
        adapter.client.query("SELECT COUNT(*) AS n FROM nba_reference.events").result()
    assert (
        "Cannot query over table 'nba_reference.events' without a filter over column(s) "
        "'event_timestamp' that can be used for partition elimination"
    ) in str(info.value)
    config = bigquery.QueryJobConfig(query_parameters=[bigquery.ScalarQueryParameter("d", "DATE", "2025-01-15")])
    rows = adapter.client.query(
        "SELECT COUNT(*) AS n FROM nba_reference.events WHERE DATE(event_timestamp) >= @d", job_config=config
    ).result()
    assert [r.n for r in rows] == [3]


@pytest.mark.filterwarnings("ignore:Unable to determine Arrow type for field")  # the real client's own
def test_an_interval_result_crosses_the_wire_as_bigquerys_canonical_text(adapter: Adapter) -> None:
    """A datetime difference is an INTERVAL column (operators, "Datetime subtraction"); over
    HTTP it travels as canonical text (``0-0 1 12:34:56.789``) that the real client parses
    into the same ``relativedelta`` the embedded warehouse returns."""
    from dateutil.relativedelta import relativedelta

    job = adapter.client.query(
        "SELECT TIMESTAMP '2021-06-01 12:34:56.789+00' - TIMESTAMP '2021-05-31 00:00:00+00' AS d, "
        "INTERVAL 14 MONTH AS m, TIMESTAMP '2021-05-31 00:00:00+00' - TIMESTAMP '2021-05-31 00:00:01.5+00' AS n")
    rows = [tuple(r.values()) for r in job.result()]
    assert rows == [(relativedelta(days=1, hours=12, minutes=34, seconds=56, microseconds=789000),
                     relativedelta(years=1, months=2), relativedelta(seconds=-1, microseconds=-500000))]
    assert [f.field_type for f in job.result().schema] == ["INTERVAL"] * 3


def test_a_query_over_bigquerys_length_limit_is_refused_with_its_message(adapter: Adapter) -> None:
    """BigQuery refuses a query longer than 1,024k characters, comments and white space counted
    (quotas and limits, "Query jobs": "Maximum SQL query character length"): "The query is too
    large. The maximum standard SQL query length is 1024.00K characters, including comments
    and white space characters." A query over 1,000,000 bytes of UTF-8 is refused by the
    page's other row, "Maximum unresolved GoogleSQL query length" (``test_query_limits``),
    with the same words; over 1,024,000 characters with these alone."""
    from shared_services.bigquery.duckdb_client import MAX_QUERY_CHARACTERS, QUERY_TOO_LARGE

    at_limit = "SELECT 1 AS x /* " + "x" * (MAX_QUERY_CHARACTERS - 20) + " */"
    assert len(at_limit) == MAX_QUERY_CHARACTERS
    for over in (at_limit + " ", "SELECT 1 -- " + "x" * (2 * MAX_QUERY_CHARACTERS)):
        with pytest.raises(gexc.BadRequest) as info:
            adapter.client.query(over).result()
        assert QUERY_TOO_LARGE in str(info.value) and "bytes of UTF-8" not in str(info.value)
    dry = bigquery.QueryJobConfig(dry_run=True)
    with pytest.raises(gexc.BadRequest, match="The query is too large"):
        adapter.client.query(at_limit + " ", job_config=dry)
