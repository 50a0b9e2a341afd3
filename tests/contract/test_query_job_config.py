"""QueryJobConfig settings the embedded warehouse would ignore are refused by name.

BigQuery honors every setting of a query job (jobs#JobConfigurationQuery,
https://cloud.google.com/bigquery/docs/reference/rest/v2/Job): a ``destination`` receives the
result, a ``default_dataset`` resolves unqualified table names. Ignoring one here would pass a
processor's tests while it does something else in production, so each is a ``BadRequest``
naming the QueryJobConfig property, on both adapters (the real client sends the setting over
the wire to the stand-in). Settings that do not change what a query returns or writes
(billing limit, cache, priority, labels, the job's time limit) are taken.
"""

from __future__ import annotations

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from tests.contract.conftest import Adapter

REFUSED = [
    ({"default_dataset": "{project}.ds"}, "QueryJobConfig.default_dataset", "qualify each table name"),
    ({"destination": "{project}.ds.out", "write_disposition": "WRITE_TRUNCATE"},
     "QueryJobConfig.destination, QueryJobConfig.write_disposition", "INSERT INTO ... SELECT"),
    ({"create_disposition": "CREATE_NEVER"}, "QueryJobConfig.create_disposition", ""),
    ({"clustering_fields": ["a"]}, "QueryJobConfig.clustering_fields", ""),
    ({"time_partitioning": bigquery.TimePartitioning()}, "QueryJobConfig.time_partitioning", ""),
    ({"create_session": True}, "QueryJobConfig.create_session", ""),
    ({"udf_resources": [bigquery.UDFResource("inlineCode", "var f = 1;")]}, "QueryJobConfig.udf_resources", ""),
    ({"script_options": bigquery.ScriptOptions(statement_timeout_ms=5)}, "QueryJobConfig.script_options", ""),
]


def _config(project: str, settings: dict) -> bigquery.QueryJobConfig:
    return bigquery.QueryJobConfig(**{k: v.format(project=project) if isinstance(v, str) else v
                                      for k, v in settings.items()})


@pytest.mark.parametrize(("settings", "named", "hint"), REFUSED, ids=lambda v: str(v)[:40])
def test_a_setting_the_warehouse_would_ignore_is_refused_by_name(adapter: Adapter, settings, named, hint) -> None:
    client = adapter.client
    client.create_dataset(f"{adapter.project}.ds")
    client.query(f"CREATE TABLE `{adapter.project}.ds.t` (a INT64)").result()
    with pytest.raises(gexc.BadRequest, match="embedded warehouse") as caught:
        client.query(f"INSERT INTO `{adapter.project}.ds.t` (a) VALUES (1)",
                     job_config=_config(adapter.project, settings)).result()
    message = str(caught.value)
    assert named in message and hint in message
    # Refused before anything ran: the INSERT wrote nothing.
    assert [tuple(r.values()) for r in client.query(f"SELECT a FROM `{adapter.project}.ds.t`").result()] == []


def test_settings_that_do_not_change_the_result_are_taken(adapter: Adapter) -> None:
    config = bigquery.QueryJobConfig(
        query_parameters=[bigquery.ScalarQueryParameter("n", "INT64", 41)], labels={"team": "nba"},
        priority="BATCH", use_query_cache=False, maximum_bytes_billed=10**9, job_timeout_ms=60_000)
    rows = adapter.client.query("SELECT @n + 1 AS answer", job_config=config).result()
    assert [r.answer for r in rows] == [42]


def test_query_and_wait_returns_the_rows_and_refuses_what_query_refuses(adapter: Adapter) -> None:
    """``Client.query_and_wait`` (jobs.query on the wire): the rows, ``max_results`` honored,
    and a setting the warehouse would ignore refused on this path too."""
    client = adapter.client
    rows = client.query_and_wait("SELECT x FROM UNNEST([1, 2, 3]) AS x ORDER BY x", max_results=2)
    assert [r.x for r in rows] == [1, 2]
    assert rows.total_rows == 3
    with pytest.raises(gexc.BadRequest, match=r"QueryJobConfig\.default_dataset: not supported"):
        client.query_and_wait("SELECT 1", job_config=bigquery.QueryJobConfig(default_dataset=f"{adapter.project}.ds"))


def test_result_max_results_and_start_index_select_rows_as_on_bigquery(adapter: Adapter) -> None:
    """One job per call: the real client keeps a job's first page and serves it again to a
    later ``result()`` of the same job whatever its ``start_index`` (its cache, not the API)."""
    sql = "SELECT x FROM UNNEST([1, 2, 3, 4]) AS x ORDER BY x"
    first_two = adapter.client.query(sql).result(max_results=2)
    assert [r.x for r in first_two] == [1, 2] and first_two.total_rows == 4
    assert [r.x for r in adapter.client.query(sql).result(start_index=1, max_results=2)] == [2, 3]
    assert [r.x for r in adapter.client.query(sql).result(start_index=3)] == [4]
    assert [r.x for r in adapter.client.query(sql).result()] == [1, 2, 3, 4]


def test_the_clients_default_job_configs_are_merged_then_checked(adapter: Adapter) -> None:
    """``default_query_job_config`` / ``default_load_job_config`` on the client: a job's own
    settings win, the defaults fill in the rest, and a default the warehouse would ignore is
    refused like a job's own."""
    kwargs = {"default_query_job_config": bigquery.QueryJobConfig(default_dataset=f"{adapter.project}.ds"),
              "default_load_job_config": bigquery.LoadJobConfig(destination_table_description="box scores")}
    if adapter.standin is None:
        client = type(adapter.client)(":memory:", project=adapter.project, **kwargs)
    else:
        client = adapter.standin.make_client(**kwargs)
    try:
        with pytest.raises(gexc.BadRequest, match=r"QueryJobConfig\.default_dataset"):
            client.query("SELECT 1").result()
        # A job's own setting wins over the default's: default_dataset set back to None.
        own = bigquery.QueryJobConfig(query_parameters=[bigquery.ScalarQueryParameter("n", "INT64", 7)])
        own.default_dataset = None
        assert [r.n for r in client.query("SELECT @n AS n", job_config=own).result()] == [7]
        client.create_dataset(f"{adapter.project}.ds")
        schema = [bigquery.SchemaField("a", "INT64")]
        with pytest.raises(gexc.BadRequest, match=r"LoadJobConfig\.destination_table_description"):
            client.load_table_from_json([{"a": 1}], f"{adapter.project}.ds.t",
                                        job_config=bigquery.LoadJobConfig(schema=schema)).result()
    finally:
        client.close()


@pytest.mark.parametrize(("settings", "named"), [
    ({"destination_table_description": "box scores"}, "LoadJobConfig.destination_table_description"),
    ({"range_partitioning": bigquery.RangePartitioning(field="a", range_=bigquery.PartitionRange(0, 10, 1))},
     "LoadJobConfig.range_partitioning"),
    ({"decimal_target_types": ["NUMERIC"]}, "LoadJobConfig.decimal_target_types"),
])
def test_a_load_setting_the_warehouse_would_ignore_is_refused_by_name(adapter: Adapter, settings, named) -> None:
    client = adapter.client
    client.create_dataset(f"{adapter.project}.ds")
    config = bigquery.LoadJobConfig(schema=[bigquery.SchemaField("a", "INT64")], **settings)
    with pytest.raises(gexc.BadRequest, match=rf"{named}.*: not supported by the embedded warehouse"):
        client.load_table_from_json([{"a": 1}], f"{adapter.project}.ds.t", job_config=config).result()
    with pytest.raises(gexc.NotFound):  # refused before the table was created
        client.get_table(f"{adapter.project}.ds.t")


def test_a_method_of_bigquerys_client_the_warehouse_lacks_says_so() -> None:
    from shared_services.bigquery.duckdb_client import DuckDBClient

    client = DuckDBClient(":memory:")
    with pytest.raises(AttributeError, match=r"DuckDBClient\.insert_rows_json: google.cloud.bigquery.Client has "
                                             r"it, the embedded warehouse does not; .*load_table_from_json"):
        client.insert_rows_json("ds.t", [{"a": 1}])
    assert not hasattr(client, "list_rows")  # still an AttributeError: getattr(..., None) patterns work
    with pytest.raises(AttributeError, match=r"has no attribute 'no_such_thing'"):
        client.no_such_thing  # noqa: B018
    client.close()


def test_a_keyword_bigquerys_client_does_not_take_is_a_type_error(adapter: Adapter) -> None:
    """A misspelt keyword fails on BigQuery's client; it must not pass unnoticed here (it used
    to: ``job_conifg`` ran the query without its parameters). Keywords the client takes and
    that change nothing here (``timeout``, ``location``) are taken."""
    client = adapter.client
    config = bigquery.QueryJobConfig(query_parameters=[bigquery.ScalarQueryParameter("n", "INT64", 1)])
    with pytest.raises(TypeError, match="job_conifg"):
        client.query("SELECT @n AS n", job_conifg=config)
    with pytest.raises(TypeError, match="exist_ok"):
        client.create_dataset(f"{adapter.project}.ds", exist_ok=True)
    assert [r.n for r in client.query("SELECT @n AS n", job_config=config, timeout=30, location=None).result()] == [1]


def test_list_tables_max_results_limits_the_tables(adapter: Adapter) -> None:
    client = adapter.client
    client.create_dataset(f"{adapter.project}.ds")
    for name in ("a", "b", "c"):
        client.query(f"CREATE TABLE `{adapter.project}.ds.{name}` (x INT64)").result()
    assert [t.table_id for t in client.list_tables(f"{adapter.project}.ds", max_results=2)] == ["a", "b"]
    assert [t.table_id for t in client.list_tables(f"{adapter.project}.ds")] == ["a", "b", "c"]
