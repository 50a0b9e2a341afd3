"""A query sqlglot cannot write for DuckDB with the same meaning is refused, not run otherwise.

sqlglot, which translates BigQuery SQL into DuckDB SQL here, reports some constructs as
"unsupported" and, by default, only logs a warning and writes something else. Before stop 32
those queries ran: ``APPROX_TOP_COUNT(x, 2)`` returned a list of values where BigQuery returns
``[{value, count}]`` ("APPROX_TOP_K cannot be transpiled to DuckDB due to incompatible return
types"), ``PERCENTILE_CONT(x, 0.5 RESPECT NULLS) OVER ()`` returned the percentile without its
NULLs. Now such a statement is a ``BadRequest`` carrying sqlglot's reason, raised after the
statement rules, whose refusals name the problem better.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.t (k STRING, n INT64, f FLOAT64)").result()
    c.query("INSERT INTO ds.t VALUES ('a', 1, 1.5), ('a', 2, NULL), ('b', 3, 2.5)").result()
    yield c
    c.close()


@pytest.mark.parametrize("sql, reason", [
    ("SELECT APPROX_TOP_COUNT(k, 1) FROM ds.t", "APPROX_TOP_K cannot be transpiled to DuckDB"),
    ("SELECT PERCENTILE_CONT(f, 0.5 RESPECT NULLS) OVER () FROM ds.t",
     "RESPECT NULLS is not supported for non-window functions"),
])
def test_a_query_sqlglot_cannot_write_alike_is_refused_with_its_reason(client: DuckDBClient, sql: str,
                                                                      reason: str) -> None:
    for config in (None, bigquery.QueryJobConfig(dry_run=True)):
        with pytest.raises(gexc.BadRequest, match="Not emulated by the embedded warehouse") as refused:
            client.query(sql, job_config=config).result()
        assert reason in str(refused.value)


def test_each_reason_is_said_once(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest) as refused:
        client.query("SELECT PERCENTILE_CONT(f, 0 RESPECT NULLS) OVER () AS a, PERCENTILE_CONT(f, 0.5 RESPECT NULLS) "
                     "OVER () AS b, PERCENTILE_CONT(f, 0.7 RESPECT NULLS) OVER () AS c, "
                     "PERCENTILE_CONT(f, 0.9 RESPECT NULLS) OVER () AS d FROM ds.t").result()
    assert str(refused.value).count("RESPECT NULLS is not supported") == 1
    assert "... and" not in str(refused.value)


def test_a_statement_rule_is_named_first(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="No matching signature for operator = for argument types: INT64, STRING"):
        client.query("SELECT APPROX_TOP_COUNT(k, 1) FROM ds.t WHERE n = 'x'").result()


def test_a_view_of_such_a_query_is_refused(client: DuckDBClient) -> None:
    table = bigquery.Table("embedded.ds.top")
    table.view_query = "SELECT APPROX_TOP_COUNT(k, 1) AS top FROM ds.t"
    with pytest.raises(gexc.BadRequest, match="APPROX_TOP_K cannot be transpiled"):
        client.create_table(table)
    with pytest.raises(gexc.NotFound):
        client.get_table("ds.top")


def test_what_sqlglot_writes_alike_still_runs(client: DuckDBClient) -> None:
    rows = [tuple(r.values()) for r in client.query(
        "SELECT PERCENTILE_CONT(f, 0.5) OVER () AS m, APPROX_COUNT_DISTINCT(k) OVER () AS d FROM ds.t LIMIT 1").result()]
    assert rows == [(2.0, 2)]


def test_ddl_options_the_warehouse_ignores_log_nothing(client: DuckDBClient, caplog: pytest.LogCaptureFixture) -> None:
    """A dataset's location is the warehouse's no-op (one place, one file); sqlglot logged
    "Unsupported property locationproperty" for it, which a program that had not set up logging
    printed on its console (stop 33). What a DDL statement may do is the statement rules' to say."""
    with caplog.at_level("DEBUG", logger="sqlglot"):
        client.query("CREATE SCHEMA IF NOT EXISTS located OPTIONS (location = 'US')").result()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("sqlglot")] == []
    assert client.get_dataset("located").dataset_id == "located"
