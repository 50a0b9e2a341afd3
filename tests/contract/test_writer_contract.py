"""replace_rows over both adapters: the transaction script BigQuery accepts (issue 11, section 1).

On the HTTP adapter the real ``google.cloud.bigquery.Client`` sends the load and the script to
the local stand-in, so the wire shows exactly one load job and one query job per batch.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlglot
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.writer import merge_sql, replace_rows, replace_sql
from tests.contract.conftest import Adapter

pytestmark = [pytest.mark.filterwarnings("ignore:Retrieving DataFrames via google-cloud-bigquery")]

S = bigquery.SchemaField
ROLLING = [S("player_id", "STRING", mode="REQUIRED"), S("analysis_date", "DATE", mode="REQUIRED"),
           S("pts_avg", "FLOAT64"), S("games", "INT64")]
EVENTS = [S("event_id", "STRING", mode="REQUIRED"), S("event_timestamp", "TIMESTAMP", mode="REQUIRED"),
          S("note", "STRING")]


def _table(adapter: Adapter, table_id: str, schema: list, partition: str, require: bool = True) -> str:
    client = adapter.client
    client.create_dataset(f"{adapter.project}.{table_id.split('.')[0]}", exists_ok=True)
    table = bigquery.Table(f"{adapter.project}.{table_id}", schema=schema)
    table.time_partitioning = bigquery.TimePartitioning(field=partition)
    table.require_partition_filter = require
    client.create_table(table)
    return table_id


def _rows(adapter: Adapter, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in adapter.client.query(sql).result()]


def _load_jobs(adapter: Adapter) -> int:
    if adapter.standin is not None:
        return len(adapter.standin.find("POST", "/upload/bigquery/v2/projects/"))
    row = adapter.client._conn.execute(
        "SELECT count(*) FROM _embedded_meta.jobs WHERE job_type = 'load'").fetchone()
    return int(row[0])


def _tables(adapter: Adapter, dataset: str) -> list[str]:
    # The stand-in serves no tables.list; ask the warehouse behind it.
    storage = adapter.standin.backend if adapter.standin is not None else adapter.client
    return sorted(t.table_id for t in storage.list_tables(dataset))


def test_composite_keys_replace_idempotently_with_one_load_per_batch(adapter: Adapter) -> None:
    target = _table(adapter, "nba_precompute.player_rolling_averages", ROLLING, "analysis_date")
    day1, day2 = dt.date(2025, 1, 14), dt.date(2025, 1, 15)
    batch = [
        {"player_id": "p1", "analysis_date": day1, "pts_avg": 10.0, "games": 5},
        {"player_id": "p1", "analysis_date": day2, "pts_avg": 11.0, "games": 6},
        {"player_id": "p2", "analysis_date": day2, "pts_avg": 20.0, "games": 6},
    ]
    assert replace_rows(adapter.client, target, batch, ROLLING, ["player_id", "analysis_date"], "analysis_date") == 3
    assert _load_jobs(adapter) == 1
    again = [{"player_id": "p1", "analysis_date": day2, "pts_avg": 12.5, "games": 7}]
    assert replace_rows(adapter.client, target, again, ROLLING, ["player_id", "analysis_date"], "analysis_date") == 1
    assert _load_jobs(adapter) == 2
    sql = (f"SELECT player_id, analysis_date, pts_avg FROM `{adapter.project}.{target}` "
           "WHERE analysis_date >= '2025-01-01' ORDER BY player_id, analysis_date")
    # p1 on day 1 is another key (same player, other date): it stays; p1 on day 2 is replaced.
    assert _rows(adapter, sql) == [("p1", day1, 10.0), ("p1", day2, 12.5), ("p2", day2, 20.0)]
    assert _tables(adapter, "nba_precompute") == ["player_rolling_averages"]  # staging dropped


def test_timestamp_partitioned_target_with_required_filter(adapter: Adapter) -> None:
    target = _table(adapter, "nba_reference.events", EVENTS, "event_timestamp")
    first = [{"event_id": "e1", "event_timestamp": "2025-01-15T03:00:00Z", "note": "a"},
             {"event_id": "e2", "event_timestamp": "2025-01-16T03:00:00Z", "note": "b"}]
    replace_rows(adapter.client, target, first, EVENTS, ["event_id"], "event_timestamp")
    replace_rows(adapter.client, target, [{"event_id": "e1", "event_timestamp": "2025-01-15T04:00:00Z",
                                           "note": "a2"}], EVENTS, ["event_id"], "event_timestamp")
    sql = (f"SELECT event_id, note FROM `{adapter.project}.{target}` "
           "WHERE DATE(event_timestamp) >= '2025-01-01' ORDER BY event_id")
    assert _rows(adapter, sql) == [("e1", "a2"), ("e2", "b")]


def test_reserved_keywords_as_column_names_replace_rows_on_both_adapters(adapter: Adapter) -> None:
    # `rows`, `range`, `new` and `hash` are GoogleSQL reserved keywords: a name only when quoted.
    # The embedded warehouse refuses them unquoted, as BigQuery does (docs/bigquery-rules.md).
    reserved = [S("rows", "STRING", mode="REQUIRED"), S("range", "DATE", mode="REQUIRED"), S("new", "INT64"),
                S("hash", "STRING")]
    target = _table(adapter, "nba_precompute.reserved_names", reserved, "range")
    day = dt.date(2025, 1, 15)
    replace_rows(adapter.client, target, [{"rows": "a", "range": day, "new": 1, "hash": "x"},
                                          {"rows": "b", "range": day, "new": 2, "hash": "y"}],
                 reserved, ["rows", "range"], "range")
    replace_rows(adapter.client, target, [{"rows": "a", "range": day, "new": 3, "hash": "z"}],
                 reserved, ["rows", "range"], "range")
    sql = f"SELECT `rows`, `new`, `hash` FROM `{adapter.project}.{target}` WHERE `range` = '2025-01-15' ORDER BY 1"
    assert _rows(adapter, sql) == [("a", 3, "z"), ("b", 2, "y")]


def test_a_failing_script_leaves_the_target_unchanged(adapter: Adapter) -> None:
    # The target says `games` is REQUIRED, the caller's schema does not: the load into staging
    # succeeds, the DELETE runs, the INSERT fails - and the transaction rolls the DELETE back.
    strict = [S("player_id", "STRING", mode="REQUIRED"), S("analysis_date", "DATE", mode="REQUIRED"),
              S("pts_avg", "FLOAT64"), S("games", "INT64", mode="REQUIRED")]
    target = _table(adapter, "nba_precompute.player_rolling_averages", strict, "analysis_date")
    day = dt.date(2025, 1, 15)
    replace_rows(adapter.client, target, [{"player_id": "p1", "analysis_date": day, "pts_avg": 1.0, "games": 1}],
                 strict, ["player_id", "analysis_date"], "analysis_date")
    bad = [{"player_id": "p1", "analysis_date": day, "pts_avg": 2.0, "games": None}]
    with pytest.raises(gexc.GoogleAPICallError):
        replace_rows(adapter.client, target, bad, ROLLING, ["player_id", "analysis_date"], "analysis_date")
    sql = (f"SELECT player_id, pts_avg FROM `{adapter.project}.{target}` WHERE analysis_date = '2025-01-15'")
    assert _rows(adapter, sql) == [("p1", 1.0)]
    assert _tables(adapter, "nba_precompute") == ["player_rolling_averages"]


def test_a_batch_over_four_thousand_dates_is_refused_as_bigquery_refuses_it(adapter: Adapter) -> None:
    """BigQuery rejects a job that modifies more than 4,000 partitions ("Partitioned tables";
    the message of a MERGE script: GoogleCloudPlatform/cortex-dag-generator#5). A backfill
    batch of 4,001 analysis dates: the script's INSERT would write 4,001 partitions, so the
    script fails whole, the target keeps what it had and the staging table is gone. 4,000
    dates are written."""
    target = _table(adapter, "nba_precompute.player_rolling_averages", ROLLING, "analysis_date")
    first = dt.date(2000, 1, 1)
    batch = [{"player_id": "p1", "analysis_date": first + dt.timedelta(days=i), "pts_avg": 1.0, "games": 1}
             for i in range(4_001)]
    keys = ["player_id", "analysis_date"]
    assert replace_rows(adapter.client, target, batch[:4_000], ROLLING, keys, "analysis_date") == 4_000
    with pytest.raises(gexc.BadRequest, match="Too many partitions produced by query, allowed 4000, query "
                                              "produces at least 4001 partitions"):
        replace_rows(adapter.client, target, [dict(r, pts_avg=2.0) for r in batch], ROLLING, keys, "analysis_date")
    sql = (f"SELECT COUNT(*), SUM(pts_avg) FROM `{adapter.project}.{target}` "
           "WHERE analysis_date BETWEEN '2000-01-01' AND '2011-12-31'")
    assert _rows(adapter, sql) == [(4_000, 4_000.0)]
    assert _tables(adapter, "nba_precompute") == ["player_rolling_averages"]


def test_null_key_is_a_value_error_and_nothing_is_sent(adapter: Adapter) -> None:
    target = _table(adapter, "nba_precompute.player_rolling_averages", ROLLING, "analysis_date")
    nullable = [S("player_id", "STRING"), *ROLLING[1:]]
    with pytest.raises(ValueError, match="key column 'player_id'"):
        replace_rows(adapter.client, target, [{"player_id": None, "analysis_date": "2025-01-15"}], nullable,
                     ["player_id", "analysis_date"], "analysis_date")
    assert _load_jobs(adapter) == 0


def test_the_script_is_a_bigquery_transaction_and_never_a_merge() -> None:
    sql = replace_sql("ds.t", "ds._staging_t_1", ["player_id", "game_date", "pts"],
                      ["player_id", "game_date"], "game_date")
    statements = sqlglot.parse(sql, read="bigquery")
    kinds = [type(s).__name__ for s in statements]
    assert kinds == ["Transaction", "Delete", "Insert", "Commit"]
    assert "MERGE" not in sql.upper()
    delete = statements[1]
    assert "S.`player_id` = T.`player_id` AND S.`game_date` = T.`game_date`" in delete.sql("bigquery")
    assert "T.`game_date` BETWEEN @low AND @high" in delete.sql("bigquery")
    assert merge_sql is replace_sql  # the old name still works for existing imports
    ts = replace_sql("ds.t", "ds.s", ["id", "ts"], ["id"], "ts", partition_is_timestamp=True)
    assert "DATE(T.`ts`) BETWEEN @low AND @high" in ts
    # Reserved keywords as column names (BigQuery refuses them unquoted): every use quoted.
    reserved = replace_sql("ds.t", "ds.s", ["rows", "range", "new"], ["rows"], "range")
    assert "S.`rows` = T.`rows`" in reserved and "T.`range` BETWEEN" in reserved
    assert "INSERT INTO `ds.t` (`rows`, `range`, `new`)\nSELECT `rows`, `range`, `new` FROM `ds.s`;" in reserved
