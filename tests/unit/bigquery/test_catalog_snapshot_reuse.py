"""The catalog snapshot the rule checks read is reused only while the catalog cannot have changed.

``DuckDBClient._check_rules`` reads the catalog (datasets, relations, ``_embedded_meta.tables``)
before every statement. The snapshot is taken again only when the DuckDB instance's catalog
generation moved: every statement run through a client's connection except a plain query or
``BEGIN`` moves it, and so does the end of a transaction that changed something. These tests
change the catalog in each of those ways (raw SQL on the connection, another client's
committed transaction, a DDL statement through ``query()``) and check that the next statement
is judged against the changed catalog; and that queries alone do not retake it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery import duckdb_client
from shared_services.bigquery.duckdb_client import DuckDBClient

SELECT_PLAIN = "SELECT game_id FROM ds.plain WHERE game_id = @g"
G = bigquery.ScalarQueryParameter("g", "STRING", "x")
REQUIRE_FILTER = ("UPDATE _embedded_meta.tables SET partition_field = 'game_date', partition_type = 'DAY', "
                  "require_partition_filter = TRUE WHERE table_id = 'plain'")


#: Every test starts without verdicts another test left (an identical catalog and statement
#: elsewhere would otherwise save the rule walk a test here counts or expects).
pytestmark = pytest.mark.usefixtures("no_rule_verdicts")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "snapshots.duckdb"


@pytest.fixture
def client(path: Path) -> Iterator[DuckDBClient]:
    c = DuckDBClient(str(path), project="proj")
    c.create_dataset("ds")
    c.create_table(bigquery.Table("proj.ds.plain", schema=[
        bigquery.SchemaField("game_id", "STRING"), bigquery.SchemaField("game_date", "DATE")]))
    yield c
    c.close()


@pytest.fixture
def snapshots(client: DuckDBClient, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per catalog snapshot taken (from none: the one the set-up left is dropped)."""
    client._snapshot = None
    taken: list[int] = []
    real = duckdb_client._CatalogSnapshot

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self, client: DuckDBClient) -> None:
            taken.append(1)
            super().__init__(client)

    monkeypatch.setattr(duckdb_client, "_CatalogSnapshot", Counting)
    return taken


def ask(client: DuckDBClient) -> int:
    job = client.query(SELECT_PLAIN, job_config=bigquery.QueryJobConfig(query_parameters=[G]))
    return job.result().total_rows or 0


def test_queries_alone_reuse_one_snapshot_and_ddl_takes_a_new_one(client: DuckDBClient,
                                                                  snapshots: list[int]) -> None:
    for _ in range(4):
        assert ask(client) == 0
    assert len(snapshots) == 1
    client.query("CREATE TABLE ds.other (x INT64)").result()
    assert len(snapshots) == 1  # the CREATE's own check: the queries did not move the generation
    assert ask(client) == 0
    assert len(snapshots) == 2  # the CREATE did


def test_raw_sql_on_the_connection_is_seen(client: DuckDBClient) -> None:
    assert ask(client) == 0
    client._conn.execute(REQUIRE_FILTER)
    with pytest.raises(gexc.BadRequest, match="partition elimination"):
        ask(client)


def test_another_clients_transaction_is_seen_once_it_commits(client: DuckDBClient, path: Path) -> None:
    other = DuckDBClient(str(path), project="proj")
    try:
        assert ask(client) == 0
        other._conn.execute("BEGIN TRANSACTION")
        other._conn.execute(REQUIRE_FILTER)
        assert ask(client) == 0  # not committed: this client's statements do not see it yet
        other._conn.execute("COMMIT")
        with pytest.raises(gexc.BadRequest, match="partition elimination"):
            ask(client)
    finally:
        other.close()


def test_a_rolled_back_change_leaves_the_statement_accepted(client: DuckDBClient) -> None:
    assert ask(client) == 0
    client._conn.execute("BEGIN TRANSACTION")
    client._conn.execute(REQUIRE_FILTER)
    client._conn.execute("ROLLBACK")
    assert ask(client) == 0


def test_a_table_dropped_and_made_again_with_a_required_filter_is_seen(client: DuckDBClient) -> None:
    assert ask(client) == 0
    client.delete_table("ds.plain")
    table = bigquery.Table("proj.ds.plain", schema=[
        bigquery.SchemaField("game_id", "STRING"), bigquery.SchemaField("game_date", "DATE")])
    table.time_partitioning = bigquery.TimePartitioning(field="game_date")
    table.require_partition_filter = True
    client.create_table(table)
    with pytest.raises(gexc.BadRequest, match="partition elimination"):
        ask(client)


def test_a_generated_job_id_is_not_looked_up_but_a_duplicate_is_still_refused(
        client: DuckDBClient, monkeypatch: pytest.MonkeyPatch, job_id_lookups: list[str]) -> None:
    """The job table's key refuses a duplicate id even without the look-up before the run."""
    looked_up = job_id_lookups
    first = client.query("SELECT 1 AS x")
    assert looked_up == []
    monkeypatch.setattr(duckdb_client.uuid, "uuid4", lambda: first.job_id)  # the next id collides
    with pytest.raises(gexc.Conflict, match=f"Already Exists: Job proj:US.{first.job_id}"):
        client.query("INSERT INTO ds.plain (game_id) VALUES ('a')")
    monkeypatch.undo()
    assert ask(client) == 0  # the INSERT was rolled back with its job
    assert client.get_job(first.job_id).statement_type == "SELECT"
    with pytest.raises(gexc.Conflict):  # a caller's own id is looked up before the run
        client.query("INSERT INTO ds.plain (game_id) VALUES ('b')", job_id=first.job_id)
    assert ask(client) == 0


def test_dml_on_data_tables_keeps_the_snapshot_and_dml_on_the_catalog_is_seen(
        client: DuckDBClient, snapshots: list[int]) -> None:
    assert ask(client) == 0
    client.query("INSERT INTO ds.plain (game_id) VALUES ('a')").result()
    client.query("DELETE FROM ds.plain WHERE game_id = 'a'").result()
    client.load_table_from_json([{"game_id": "b"}], "ds.plain").result()   # a load into a table
    config = bigquery.LoadJobConfig(write_disposition="WRITE_TRUNCATE")
    client.load_table_from_json([{"game_id": "c"}], "ds.plain", job_config=config).result()
    assert ask(client) == 0
    assert len(snapshots) == 1  # rows changed, the catalog did not
    # The embedded catalog's own schema is no dataset (BigQuery has none of that name): a
    # query or load cannot reach it, so rows-only DML and loads never change the catalog.
    with pytest.raises(gexc.NotFound, match="_embedded_meta"):
        client.query(REQUIRE_FILTER).result()
    with pytest.raises(gexc.NotFound, match="(?i)_embedded_meta"):
        client.load_table_from_json([{"dataset_id": "ds", "table_id": "x", "created_at": "2025-01-01T00:00:00Z"}],
                                    "_EMBEDDED_META.tables").result()
    client.query("INSERT INTO ds.plain (game_id) VALUES ('a')").result()
    for hidden in (  # nor through an alias of that name, or a CREATE SCHEMA of it in the script
            "UPDATE _embedded_meta.tables SET require_partition_filter = TRUE "
            "FROM ds.plain AS _embedded_meta WHERE TRUE",
            "CREATE SCHEMA IF NOT EXISTS _embedded_meta; "
            "UPDATE _embedded_meta.tables SET require_partition_filter = TRUE WHERE TRUE"):
        with pytest.raises(gexc.NotFound, match="_embedded_meta"):
            client.query(hidden).result()
    assert ask(client) == 0 and len(snapshots) == 1
    client._conn.execute(REQUIRE_FILTER)  # the adapter's own catalog write (tracked) is seen
    with pytest.raises(gexc.BadRequest, match="partition elimination"):
        ask(client)


def test_table_and_dataset_lookups_answer_from_a_current_snapshot_only(client: DuckDBClient) -> None:
    """get_table / delete_table / get_dataset read the snapshot while it is current, the
    warehouse once anything changed."""
    assert ask(client) == 0                       # a current snapshot
    assert client.get_table("ds.plain").table_id == "plain"
    client._conn.execute("CREATE TABLE ds.raw_t (x BIGINT)")
    client._conn.execute("CREATE SCHEMA raw_ds")
    assert client.get_table("ds.raw_t").table_id == "raw_t"
    assert client.get_dataset("raw_ds").dataset_id == "raw_ds"
    assert ask(client) == 0                       # a new current snapshot, with raw_t in it
    client._conn.execute("DROP TABLE ds.raw_t")
    with pytest.raises(gexc.NotFound):
        client.get_table("ds.raw_t")
    client.delete_table("ds.raw_t", not_found_ok=True)
    assert ask(client) == 0
    client.delete_table("ds.plain")
    with pytest.raises(gexc.NotFound):
        client.get_table("ds.plain")


def test_a_catalog_row_from_the_snapshot_equals_the_one_read_alone(client: DuckDBClient) -> None:
    """``_meta_row`` answers from a current snapshot: every column, ``created_at`` included."""
    table = bigquery.Table("proj.ds.Parted", schema=[
        bigquery.SchemaField("game_id", "STRING", mode="REQUIRED"), bigquery.SchemaField("game_date", "DATE")])
    table.time_partitioning = bigquery.TimePartitioning(field="game_date", expiration_ms=86_400_000)
    table.clustering_fields = ["game_id"]
    table.require_partition_filter = True
    table.description = "a 'quoted' description"
    client.create_table(table)
    client.query("CREATE VIEW ds.v AS SELECT game_id FROM ds.plain").result()
    names = [("ds", "parted"), ("DS", "PARTED"), ("ds", "plain"), ("ds", "v"), ("ds", "missing")]
    client._catalog_snapshot()
    assert client._current_snapshot() is not None
    from_snapshot = [client._meta_row(ds, tbl) for ds, tbl in names]
    client._snapshot = None
    client._lookups.clear()
    alone = [client._meta_row(ds, tbl) for ds, tbl in names]
    assert from_snapshot == alone
    assert alone[0] is not None and alone[0]["created_at"] is not None and alone[-1] is None
    assert client.get_table("ds.Parted").created is not None
    # Spelled otherwise, it is another table on BigQuery: not found here either.
    with pytest.raises(gexc.NotFound, match="table names are case-sensitive: the table is ds.Parted"):
        client.get_table("ds.parted")


def test_a_table_with_a_non_ascii_name_keeps_its_catalog_row(client: DuckDBClient) -> None:
    """BigQuery table names may be Unicode; the row is found however DuckDB folds its case."""
    table = bigquery.Table("proj.ds.İstanbul_Straße", schema=[bigquery.SchemaField("game_date", "DATE")])
    table.time_partitioning = bigquery.TimePartitioning(field="game_date")
    client.create_table(table)
    client._catalog_snapshot()
    got = client.get_table("ds.İstanbul_Straße")
    assert got.time_partitioning is not None and got.time_partitioning.field == "game_date"
