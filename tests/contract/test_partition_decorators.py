"""Load jobs into one partition: ``ds.t$20250115`` (partition decorators).

BigQuery (load-data-partitioned-tables, "Write data to a specific partition"; decorator formats
in managing-partitioned-tables): WRITE_TRUNCATE replaces only that partition, WRITE_APPEND adds
to it, WRITE_EMPTY needs it empty, and for a column-partitioned table "the partition ID
specified in the decorator must match the data being written. Otherwise, an error occurs."
The embedded warehouse used to create a separate table named ``t$20250115``: the daily
replace-a-partition idiom left the real table untouched, silently. On both adapters (the real
client sends the decorated table id over the wire).
"""

from __future__ import annotations

import datetime as dt

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from tests.contract.conftest import Adapter

D15, D16 = dt.date(2025, 1, 15), dt.date(2025, 1, 16)
SCHEMA = [bigquery.SchemaField("d", "DATE"), bigquery.SchemaField("x", "INT64")]


def _daily(adapter: Adapter) -> str:
    client = adapter.client
    client.create_dataset(f"{adapter.project}.ds")
    table = bigquery.Table(f"{adapter.project}.ds.t", schema=SCHEMA)
    table.time_partitioning = bigquery.TimePartitioning(field="d")
    client.create_table(table)
    client.load_table_from_json([{"d": "2025-01-15", "x": 1}, {"d": "2025-01-16", "x": 2}],
                                f"{adapter.project}.ds.t").result()
    return f"{adapter.project}.ds.t"


def _rows(adapter: Adapter, table: str) -> list[tuple]:
    sql = f"SELECT * FROM `{table}` ORDER BY 1, 2"
    return [tuple(r.values()) for r in adapter.client.query(sql).result()]


def _load(adapter: Adapter, rows: list[dict], destination: str, write: str | None = None) -> None:
    config = bigquery.LoadJobConfig(schema=SCHEMA, write_disposition=write)
    adapter.client.load_table_from_json(rows, destination, job_config=config).result()


def test_write_truncate_replaces_only_the_decorated_partition(adapter: Adapter) -> None:
    table = _daily(adapter)
    _load(adapter, [{"d": "2025-01-15", "x": 9}, {"d": "2025-01-15", "x": 8}], f"{table}$20250115", "WRITE_TRUNCATE")
    assert _rows(adapter, table) == [(D15, 8), (D15, 9), (D16, 2)]
    assert [t.table_id for t in adapter.client.list_tables(f"{adapter.project}.ds")] == ["t"]  # no "t$20250115"


def test_write_append_adds_to_the_partition(adapter: Adapter) -> None:
    table = _daily(adapter)
    _load(adapter, [{"d": "2025-01-16", "x": 3}], f"{table}$20250116", "WRITE_APPEND")
    assert _rows(adapter, table) == [(D15, 1), (D16, 2), (D16, 3)]


@pytest.mark.parametrize("outside", [{"d": "2025-01-16", "x": 5}, {"d": None, "x": 5}])
def test_a_row_outside_the_partition_fails_the_load_and_changes_nothing(adapter: Adapter, outside) -> None:
    table = _daily(adapter)
    with pytest.raises(gexc.BadRequest, match="Some rows belong to different partitions rather than destination "
                                              "partition 20250115"):
        _load(adapter, [{"d": "2025-01-15", "x": 7}, outside], f"{table}$20250115", "WRITE_TRUNCATE")
    assert _rows(adapter, table) == [(D15, 1), (D16, 2)]  # the partition was not emptied either


def test_write_empty_looks_at_the_partition_only(adapter: Adapter) -> None:
    table = _daily(adapter)
    with pytest.raises(gexc.Conflict, match=r"partition \$20250115 is not empty"):
        _load(adapter, [{"d": "2025-01-15", "x": 7}], f"{table}$20250115", "WRITE_EMPTY")
    _load(adapter, [{"d": "2025-01-17", "x": 7}], f"{table}$20250117", "WRITE_EMPTY")
    assert _rows(adapter, table) == [(D15, 1), (D16, 2), (dt.date(2025, 1, 17), 7)]


def test_hourly_and_monthly_partitions_have_their_bounds(adapter: Adapter) -> None:
    client = adapter.client
    client.create_dataset(f"{adapter.project}.ds")
    hourly = bigquery.Table(f"{adapter.project}.ds.h", schema=[bigquery.SchemaField("ts", "TIMESTAMP")])
    hourly.time_partitioning = bigquery.TimePartitioning(field="ts", type_="HOUR")
    client.create_table(hourly)
    client.load_table_from_json([{"ts": "2025-01-15T10:30:00Z"}, {"ts": "2025-01-15T11:00:00Z"}],
                                f"{adapter.project}.ds.h").result()
    truncate = bigquery.LoadJobConfig(write_disposition="WRITE_TRUNCATE")
    client.load_table_from_json([{"ts": "2025-01-15T10:59:59.999999Z"}], f"{adapter.project}.ds.h$2025011510",
                                job_config=truncate).result()
    stamps = [r.ts for r in client.query(f"SELECT ts FROM `{adapter.project}.ds.h` ORDER BY ts").result()]
    assert [s.isoformat() for s in stamps] == ["2025-01-15T10:59:59.999999+00:00", "2025-01-15T11:00:00+00:00"]
    with pytest.raises(gexc.BadRequest, match="different partitions"):  # 11:00 is the next hour's
        client.load_table_from_json([{"ts": "2025-01-15T11:00:00Z"}], f"{adapter.project}.ds.h$2025011510").result()
    monthly = bigquery.Table(f"{adapter.project}.ds.m", schema=[bigquery.SchemaField("d", "DATE")])
    monthly.time_partitioning = bigquery.TimePartitioning(field="d", type_="MONTH")
    client.create_table(monthly)
    client.load_table_from_json([{"d": "2025-12-31"}], f"{adapter.project}.ds.m$202512").result()
    with pytest.raises(gexc.BadRequest, match="different partitions"):
        client.load_table_from_json([{"d": "2026-01-01"}], f"{adapter.project}.ds.m$202512").result()


@pytest.mark.parametrize(("decorator", "message"), [
    ("2025011", r"Invalid partition decorator \$2025011 .* \$yyyymmdd expected"),
    ("2025011510", r"Invalid partition decorator .* \$yyyymmdd expected"),
    ("20251315", r"Invalid partition decorator \$20251315: not a day"),
    ("2025'; DROP TABLE t; --", "Invalid partition decorator"),
    ("２０２５０１１５", "Invalid partition decorator"),  # full-width digits are digits to str.isdigit
])
def test_a_malformed_decorator_is_refused_and_nothing_is_written(adapter: Adapter, decorator, message) -> None:
    table = _daily(adapter)
    with pytest.raises(gexc.BadRequest, match=message):
        _load(adapter, [{"d": "2025-01-15", "x": 7}], f"{table}${decorator}", "WRITE_TRUNCATE")
    assert _rows(adapter, table) == [(D15, 1), (D16, 2)]


def test_a_decorator_needs_an_existing_partitioned_table(adapter: Adapter) -> None:
    client = adapter.client
    client.create_dataset(f"{adapter.project}.ds")
    client.create_table(bigquery.Table(f"{adapter.project}.ds.plain", schema=SCHEMA))
    with pytest.raises(gexc.BadRequest, match="is not partitioned"):
        _load(adapter, [{"d": "2025-01-15", "x": 7}], f"{adapter.project}.ds.plain$20250115")
    with pytest.raises(gexc.NotFound, match="missing"):
        _load(adapter, [{"d": "2025-01-15", "x": 7}], f"{adapter.project}.ds.missing$20250115")


def test_get_table_of_a_partition_counts_its_rows(adapter: Adapter) -> None:
    """tables.get of ``t$20250115`` (what the client asks before a load into a partition
    without a schema): the table's metadata, ``num_rows`` the partition's."""
    table = _daily(adapter)
    _load(adapter, [{"d": "2025-01-15", "x": 5}], f"{table}$20250115")
    assert adapter.client.get_table(f"{table}$20250115").num_rows == 2
    assert adapter.client.get_table(f"{table}$20250116").num_rows == 1
    assert adapter.client.get_table(table).num_rows == 3
    with pytest.raises(gexc.BadRequest, match="Invalid partition decorator"):
        adapter.client.get_table(f"{table}$2025")


def test_outside_load_jobs_a_decorator_is_refused_not_taken_for_a_table_name() -> None:
    """``delete_table('ds.t$20250115', not_found_ok=True)`` deletes a partition there; here it
    would have been a silent no-op (no table of that name)."""
    from shared_services.bigquery.duckdb_client import DuckDBClient

    client = DuckDBClient(":memory:")
    client.create_dataset("ds")
    for call in (lambda: client.delete_table("ds.t$20250115", not_found_ok=True),
                 lambda: client.create_table(bigquery.Table(f"{client.project}.ds.t$20250115", schema=SCHEMA))):
        with pytest.raises(gexc.BadRequest, match="partition decorators are supported by the embedded warehouse in "
                                                  "load jobs and get_table only"):
            call()
    client.close()
