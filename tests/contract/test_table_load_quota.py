"""BigQuery's daily quota of load jobs per table, on both adapters.

BigQuery's quotas page, "Load jobs": "Load jobs per table per day: 1,500 jobs. Load jobs,
including failed load jobs, count toward the limit on the number of table operations per day
for the destination table"; "Standard tables": the limit "cannot be changed", DML is excluded,
and "Quotas and limits are associated with table names": dropping and creating the table
again does not reset it. Over it BigQuery answers 403, reason ``quotaExceeded``: "Quota
exceeded: Your table exceeded quota for imports or query appends per table"
(troubleshoot-quotas, "Table imports or query appends quota errors"). The real platform met it
on a table written by a load per event (``nba_orchestration.circuit_breaker_state``); DuckDB
has no such limit, so a processor loading per game or per row ran here and failed there.

The 1,500 earlier jobs are written into the warehouse's job table (where each load records
itself, as ``get_job`` reads it) with their times: 1,500 real loads would take seconds, and a
day cannot pass in a test. The loads under test are real jobs, sent through the real client
on the HTTP adapter.
"""

from __future__ import annotations

from typing import Any

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import META_SCHEMA
from shared_services.bigquery.limits import MAX_TABLE_LOADS_PER_DAY
from tests.contract.conftest import Adapter
from tests.support.warehouse_files import record_earlier_loads as record_loads

#: BigQuery's words (troubleshoot-quotas).
QUOTA_MESSAGE = "Quota exceeded: Your table exceeded quota for imports or query appends per table."
SCHEMA = [bigquery.SchemaField("x", "INT64")]


def _backend(adapter: Adapter) -> Any:
    return adapter.standin.backend if adapter.standin is not None else adapter.client


def record_earlier_loads(adapter: Adapter, table: str, count: int, hours_ago: float, failed: bool = False) -> None:
    """``count`` load jobs into ``table`` recorded ``hours_ago`` (ids ``earlier_<hours>_<failed>_<n>``)."""
    record_loads(_backend(adapter), table, count, hours_ago, f"earlier_{hours_ago}_{failed}".replace(".", "_"),
                 failed=failed)


def _load(adapter: Adapter, table: str, value: int, job_id: str | None = None) -> Any:
    config = bigquery.LoadJobConfig(schema=SCHEMA, write_disposition="WRITE_APPEND")
    return adapter.client.load_table_from_json([{"x": value}], table, job_config=config, job_id=job_id).result()


def _rows(adapter: Adapter, table: str) -> list[int]:
    return sorted(row[0] for row in adapter.client.query(f"SELECT x FROM {table}").result())


def _refused(adapter: Adapter, table: str, value: int, job_id: str | None = None) -> gexc.GoogleAPICallError:
    with pytest.raises(gexc.Forbidden) as info:
        _load(adapter, table, value, job_id)
    return info.value


@pytest.fixture
def ds(adapter: Adapter) -> Adapter:
    adapter.client.create_dataset(f"{adapter.project}.ds")
    _load(adapter, "ds.t", 0)  # the table exists: its first load job
    return adapter


def test_the_fifteen_hundredth_load_of_a_day_runs_and_the_next_is_refused_in_bigquerys_words(ds: Adapter) -> None:
    """1,498 earlier loads (an hour ago) and the table's first: the 1,500th runs, the 1,501st
    is a 403 with BigQuery's message and reason, and writes nothing."""
    assert MAX_TABLE_LOADS_PER_DAY == 1_500
    record_earlier_loads(ds, "ds.t", 1_498, hours_ago=1)
    _load(ds, "ds.t", 1)
    error = _refused(ds, "ds.t", 2)
    assert QUOTA_MESSAGE in str(error)
    assert "1,500 load jobs into ds.t in the last 24 hours" in str(error)
    assert [e.get("reason") for e in error.errors] == ["quotaExceeded"]
    assert _rows(ds, "ds.t") == [0, 1]
    _refused(ds, "ds.t", 3)  # and again: the quota does not refill by itself within the test


def test_a_refused_load_is_a_failed_job_with_bigquerys_reason() -> None:
    """``get_job`` of the refused load: failed, ``errorResult.reason`` ``quotaExceeded`` (the
    embedded adapter: through the stand-in, a job refused at jobs.insert is not created)."""
    from shared_services.bigquery.duckdb_client import DuckDBClient

    client = DuckDBClient(":memory:", project="p")
    adapter = Adapter("duckdb", client, None)
    client.create_dataset("p.ds")
    _load(adapter, "ds.t", 0)
    record_earlier_loads(adapter, "ds.t", 1_499, hours_ago=2)
    _refused(adapter, "ds.t", 1, job_id="over_quota")
    job = client.get_job("over_quota")
    assert job.error_result["reason"] == "quotaExceeded"
    assert QUOTA_MESSAGE in job.error_result["message"]
    with pytest.raises(gexc.Forbidden, match="Quota exceeded"):
        job.result()
    client.close()


def test_loads_older_than_a_day_do_not_count_and_failed_ones_do(ds: Adapter) -> None:
    """A day later the earlier loads are out of the window; a failed load counts as BigQuery
    counts it: 1,499 loads 25 hours ago do not stop one now; 1,498 failed ones an hour ago do,
    from the 1,501st on (with the table's first and one more that runs)."""
    record_earlier_loads(ds, "ds.t", 1_499, hours_ago=25)
    _load(ds, "ds.t", 1)
    record_earlier_loads(ds, "ds.t", 1_497, hours_ago=1, failed=True)
    _load(ds, "ds.t", 2)  # the table's first, this stop's first, 1,497 failed, and this one: 1,500
    assert QUOTA_MESSAGE in str(_refused(ds, "ds.t", 3))
    assert _rows(ds, "ds.t") == [0, 1, 2]


def test_a_real_failed_load_counts_towards_the_quota(ds: Adapter) -> None:
    """A load BigQuery fails for its data is a job all the same: with 1,497 earlier loads, the
    table's first, and one load refused for a bad value, one more runs and then none."""
    record_earlier_loads(ds, "ds.t", 1_497, hours_ago=3)
    config = bigquery.LoadJobConfig(schema=SCHEMA, write_disposition="WRITE_APPEND")
    with pytest.raises(gexc.BadRequest):
        ds.client.load_table_from_json([{"x": "not a number"}], "ds.t", job_config=config).result()
    _load(ds, "ds.t", 1)
    _refused(ds, "ds.t", 2)


def test_refused_loads_do_not_count_so_retrying_cannot_lock_a_table_out(ds: Adapter) -> None:
    """A load the quota refused was never admitted: refused ten times, the table runs its next
    load as soon as one earlier load leaves the 24 hours (here: moved back a day)."""
    record_earlier_loads(ds, "ds.t", 1_499, hours_ago=23)
    for attempt in range(10):
        _refused(ds, "ds.t", 100 + attempt)
    _backend(ds)._conn.execute_untracked(
        f"UPDATE {META_SCHEMA}.jobs SET created_at = created_at - INTERVAL 2 HOUR "  # noqa: S608
        "WHERE job_id = 'earlier_23_False_0'")
    _load(ds, "ds.t", 1)
    _refused(ds, "ds.t", 2)
    assert _rows(ds, "ds.t") == [0, 1]


def test_the_quota_is_per_table_excludes_dml_and_survives_dropping_the_table(ds: Adapter) -> None:
    """Another table of the dataset still loads; DML into the table at its quota still runs
    (excluded from the count); dropping the table and loading it again (the load creates it)
    is refused: the quota goes with the name."""
    record_earlier_loads(ds, "ds.t", 1_499, hours_ago=1)
    _refused(ds, "ds.t", 1)
    _load(ds, "ds.other", 5)
    assert _rows(ds, "ds.other") == [5]
    ds.client.query("INSERT INTO ds.t (x) VALUES (9)").result()
    ds.client.query("UPDATE ds.t SET x = x + 1 WHERE x = 9").result()
    assert _rows(ds, "ds.t") == [0, 10]
    ds.client.delete_table(f"{ds.project}.ds.t")
    _refused(ds, "ds.t", 1)
    with pytest.raises(gexc.NotFound):
        ds.client.get_table(f"{ds.project}.ds.t")  # nothing created either
