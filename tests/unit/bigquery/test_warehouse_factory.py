"""make_client: the URL forms, the environment default, clear errors."""

from __future__ import annotations

from typing import Any

import google.auth
import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from shared_services.bigquery import make_client, parse_warehouse_url
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.factory import METADATA_PROBE_SECONDS, MetadataProbe
from shared_services.bigquery.port import BigQueryClientLike


def test_duckdb_file_and_memory(tmp_path):
    client = make_client(f"duckdb:///{tmp_path}/x.duckdb")
    assert isinstance(client, DuckDBClient) and isinstance(client, BigQueryClientLike)
    client.query("CREATE SCHEMA IF NOT EXISTS ds").result()
    client.close()
    assert (tmp_path / "x.duckdb").exists()
    memory = make_client("duckdb:///:memory:")
    assert [r.one for r in memory.query("SELECT 1 AS one").result()] == [1]


def test_environment_then_default(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COVERAGE_WAREHOUSE", f"duckdb:///{tmp_path}/env.duckdb")
    make_client().close()
    assert (tmp_path / "env.duckdb").exists()
    monkeypatch.delenv("COVERAGE_WAREHOUSE")
    make_client().close()
    assert (tmp_path / "coverage.duckdb").exists()


@pytest.mark.parametrize("url", [
    "", "postgres://x", "duckdb://relative.duckdb", "duckdb:///", "bigquery://", "bigquery://UPPER_case",
    "bigquery://my-project/extra", "bigquery://my-project?region=US", "duckdb:///x.duckdb?mode=ro",
])
def test_malformed_urls_show_the_accepted_forms(url):
    with pytest.raises(ValueError, match="accepted forms"):
        parse_warehouse_url(url)


def test_bigquery_url_builds_a_real_client_with_default_credentials(monkeypatch):
    # google.auth.default() needs Google's cloud; it is the one thing replaced here.
    asked: list[Any] = []

    def default(scopes=None, request=None):   # google.auth.default's own parameters
        asked.append(request)
        return AnonymousCredentials(), None

    monkeypatch.setattr(google.auth, "default", default)
    client = make_client("bigquery://my-project-123?location=EU")
    assert isinstance(client, bigquery.Client)
    # the metadata server gets at most METADATA_PROBE_SECONDS (the deadline is 60 s by default)
    [probe] = asked
    assert isinstance(probe, MetadataProbe) and probe.budget == METADATA_PROBE_SECONDS == 3.0
    assert client.project == "my-project-123" and client.location == "EU"
    assert parse_warehouse_url("bigquery://my-project-123").location is None


def test_a_missing_folder_is_a_clear_error_not_a_new_file(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        make_client(f"duckdb:///{tmp_path}/no/such/dir/x.duckdb")
    assert not (tmp_path / "no").exists()


def _shape(client: DuckDBClient) -> dict[str, Any]:
    from shared_services.bigquery.schemas import DATASETS

    shape: dict[str, Any] = {}
    for dataset in DATASETS:
        for ref in client.list_tables(dataset):
            table = client.get_table(f"{ref.dataset_id}.{ref.table_id}")
            partitioning = table.time_partitioning
            shape[f"{ref.dataset_id}.{ref.table_id}"] = (
                table.table_type,
                [(f.name, f.field_type, f.mode) for f in table.schema],
                partitioning.field if partitioning else None,
                partitioning.expiration_ms if partitioning else None,
                table.clustering_fields, table.require_partition_filter, table.num_rows,
            )
    return shape


def test_the_copied_warehouse_fixture_equals_a_fresh_ensure_schema(warehouse, tmp_path):
    # tests/conftest.py builds the schema once per session and copies the file per test:
    # the copy must be exactly what ensure_schema() makes, and empty.
    from shared_services.bigquery.provisioning import ensure_schema
    from shared_services.bigquery.schemas import TABLES, VIEWS

    fresh = DuckDBClient(str(tmp_path / "fresh.duckdb"))
    try:
        ensure_schema(fresh)
        expected = _shape(fresh)
    finally:
        fresh.close()
    assert len(expected) == len(TABLES) + len(VIEWS)
    assert _shape(warehouse) == expected
    assert {v[-1] for v in expected.values() if v[0] == "TABLE"} == {0}
