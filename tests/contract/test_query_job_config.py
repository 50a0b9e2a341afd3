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
