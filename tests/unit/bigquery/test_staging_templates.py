"""A staging table's query is translated, and its rule verdict kept, once per shape.

``replace_rows`` names a new staging table on every call (``ds._staging_<table>_<16 hex>``),
so every replace script is a new text. ``translate`` translates the text with the token
written as a placeholder and writes the token back; the result must be exactly what
translating the text itself gives. ``DuckDBClient`` reuses a passed verdict for the same
shape only when the catalog, with the token renamed alike, is the same; any other change
gets a fresh check, and an error names the real table.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery import duckdb_client
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.schemas import TABLES
from shared_services.bigquery.sql_translate import (
    STAGING_PLACEHOLDER,
    _translate,
    staging_template,
    translate,
)
from shared_services.bigquery.writer import replace_rows, replace_sql

pytestmark = pytest.mark.usefixtures("no_rule_verdicts")

DATES = {"low": "DATE", "high": "DATE"}


def _token() -> str:
    return secrets.token_hex(8)


def _replace_scripts() -> list[str]:
    """The replace script of every registered table (its keys, its partition column)."""
    scripts = []
    for spec in TABLES:
        columns = [f.name for f in spec.schema]
        keys = columns[:2]
        partition = spec.partition_field
        is_ts = bool(partition) and next(f.field_type for f in spec.schema if f.name == partition) == "TIMESTAMP"
        dataset, table = spec.table_id.split(".")
        scripts.append(replace_sql(spec.table_id, f"{dataset}._staging_{table}_{_token()}", columns, keys,
                                   partition, is_ts))
    return scripts


OTHER_SHAPES = [
    # the token in a literal and an alias too (the same token everywhere it occurs)
    "SELECT 'ds._staging_t_{t}' AS name, s.x FROM `ds._staging_t_{t}` AS s WHERE s.d BETWEEN @low AND @high",
    "WITH s AS (SELECT * FROM ds._staging_t_{t}) SELECT COUNT(*) FROM s WHERE s.d >= @low AND s.d <= @high",
    "INSERT INTO `ds.t` (x) SELECT x FROM `proj.ds._staging_t_{t}` WHERE x / 2.5 > 1 AND d = @low OR d = @high",
]


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert len(a.statements) == len(b.statements)
    for x, y in zip(a.statements, b.statements, strict=True):
        assert x.sql == y.sql
        assert x.ast == y.ast and x.ast.sql() == y.ast.sql()
        assert (x.source_ast is None) == (y.source_ast is None)
        if x.source_ast is not None:
            assert x.source_ast == y.source_ast and x.source_ast.sql() == y.source_ast.sql()
        assert x.parameter_names == y.parameter_names
        assert x.kind == y.kind


@pytest.mark.parametrize("catalog", [None, "__bq_warehouse__"])
def test_a_staging_text_translates_exactly_as_the_text_itself(catalog):
    texts = _replace_scripts() + [shape.format(t=_token()) for shape in OTHER_SHAPES]
    for sql in texts:
        assert staging_template(sql) is not None, sql
        first = translate(sql, DATES, catalog)
        assert first.template is not None and first.template[1] in sql
        _same(first, _translate(sql, DATES, catalog))
        # a second text of the same shape: served from the template, still its own names
        again = sql.replace(first.template[1], _token())
        second = translate(again, DATES, catalog)
        _same(second, _translate(again, DATES, catalog))
        assert STAGING_PLACEHOLDER not in second.statements[-1].sql


@pytest.mark.parametrize("sql", [
    "SELECT 1 FROM ds.t",
    "SELECT 1 FROM `ds._staging_t_{t}` -- a comment",
    "SELECT 1 FROM `ds._staging_t_{t}` JOIN `ds._staging_u_0123456789abcdef` USING (x)",
    "SELECT '{T}' FROM `ds._staging_t_{t}`",
    "SELECT 1 FROM `ds._staging_t_{t}` AS `x_{p}`",
    "SELECT 1 FROM `ds._staging_t_{t}extra`",
])
def test_texts_it_cannot_vouch_for_are_translated_as_they_are(sql):
    token = _token()
    text = sql.format(t=token, T=token.upper(), p=STAGING_PLACEHOLDER)
    assert staging_template(text) is None
    assert translate(text, {}).template is None


def test_an_error_in_a_staging_text_names_the_real_table():
    token = _token()
    sql = f"SELECT x FROM `ds._staging_t_{token}` WHERE d = @missing"
    with pytest.raises(gexc.BadRequest) as direct:
        _translate(sql, {})
    with pytest.raises(gexc.BadRequest) as cached:
        translate(sql, {})
    assert str(cached.value) == str(direct.value)
    bad = f"SELECT x FROM `ds._staging_t_{token}` WHERE ((("
    with pytest.raises(gexc.BadRequest) as syntax:
        translate(bad, {})
    assert STAGING_PLACEHOLDER not in str(syntax.value)


# -- rule verdicts ------------------------------------------------------------------------
@pytest.fixture
def client(tmp_path: Path) -> Iterator[DuckDBClient]:
    c = DuckDBClient(str(tmp_path / "staging.duckdb"), project="proj")
    c.create_dataset("ds")
    c.create_table(bigquery.Table("proj.ds.target", schema=[
        bigquery.SchemaField("id", "INT64"), bigquery.SchemaField("d", "DATE")]))
    yield c
    c.close()


def _replace(client: DuckDBClient, id_type: str = "INT64") -> str:
    """Stage one row (its id column of ``id_type``) and run the replace script; returns the token."""
    token = _token()
    staging = f"ds._staging_target_{token}"
    schema = [bigquery.SchemaField("id", id_type), bigquery.SchemaField("d", "DATE")]
    client.load_table_from_json([{"id": 1 if id_type == "INT64" else "1", "d": "2025-01-15"}], staging,
                                job_config=bigquery.LoadJobConfig(schema=schema)).result()
    try:
        script = replace_sql("ds.target", staging, ["id", "d"], ["id"], "d")
        params = [bigquery.ScalarQueryParameter("low", "DATE", "2025-01-15"),
                  bigquery.ScalarQueryParameter("high", "DATE", "2025-01-15")]
        client.query(script, job_config=bigquery.QueryJobConfig(query_parameters=params)).result()
    finally:
        client.delete_table(staging, not_found_ok=True)
    return token


def test_the_same_shape_on_the_same_catalog_is_walked_once(client, walks):
    first = _replace(client)
    after_first = len(walks)
    assert after_first > 0 and any(first in w for w in walks)
    _replace(client)
    _replace(client)
    assert len(walks) == after_first
    assert client.query("SELECT COUNT(*) AS n FROM ds.target WHERE d = '2025-01-15'").result().total_rows == 1


def test_a_staging_table_of_other_column_types_gets_a_fresh_check(client, walks):
    _replace(client)
    walked = len(walks)
    # the same text shape, but the staged id is a STRING: another catalog, so walked again
    try:
        _replace(client, id_type="STRING")
    except gexc.GoogleAPICallError:
        pass  # whether DuckDB then compares STRING with INT64 is not what this test is about
    assert len(walks) > walked


def test_a_changed_target_gets_a_fresh_check_and_its_error(client, walks):
    _replace(client)
    walked = len(walks)
    client.delete_table("ds.target")
    client.create_table(bigquery.Table("proj.ds.target", schema=[
        bigquery.SchemaField("id", "INT64"), bigquery.SchemaField("d", "TIMESTAMP")]))
    # the same shape: T.d (now a TIMESTAMP) BETWEEN two DATE parameters has no signature
    with pytest.raises(gexc.BadRequest, match="No matching signature") as refused:
        _replace(client)
    assert len(walks) > walked
    assert STAGING_PLACEHOLDER not in str(refused.value)
    # a refusal is not remembered: the same again is walked (and refused) again
    walked = len(walks)
    with pytest.raises(gexc.BadRequest, match="No matching signature"):
        _replace(client)
    assert len(walks) > walked


def test_a_catalog_holding_the_placeholder_is_not_renamed(client, walks):
    _replace(client)
    walked = len(walks)
    client.create_table(bigquery.Table(f"proj.ds.x_{STAGING_PLACEHOLDER}", schema=[
        bigquery.SchemaField("id", "INT64")]))
    _replace(client)  # the renamed catalog would not be one-to-one: checked as it is
    assert len(walks) > walked
    snapshot = client._catalog_snapshot()
    assert snapshot.renamed_digest(_token(), STAGING_PLACEHOLDER) is None


def test_replace_rows_through_the_cached_shape_writes_each_batch(client):
    schema = [bigquery.SchemaField("id", "INT64"), bigquery.SchemaField("d", "DATE")]
    for n in range(3):
        rows = [{"id": i, "d": "2025-01-15"} for i in range(n + 1)]
        assert replace_rows(client, "ds.target", rows, schema, ["id"], "d") == n + 1
    got = client.query("SELECT id FROM ds.target WHERE d = '2025-01-15' ORDER BY id").result()
    assert [r["id"] for r in got] == [0, 1, 2]


# -- the snapshot after delete_table -------------------------------------------------------
def _fresh(client: DuckDBClient) -> duckdb_client._CatalogSnapshot:
    return duckdb_client._CatalogSnapshot(client)


@pytest.mark.parametrize("drop", ["ds._staging_target_0123456789abcdef", "ds.view_of_target", "ds.no_meta_row"])
def test_the_snapshot_delete_table_leaves_is_what_a_fresh_read_gives(client, drop):
    client.load_table_from_json([{"id": 1, "d": "2025-01-15"}], "ds._staging_target_0123456789abcdef",
                                job_config=bigquery.LoadJobConfig(schema=[
                                    bigquery.SchemaField("id", "INT64"), bigquery.SchemaField("d", "DATE")])).result()
    client.query("CREATE VIEW ds.view_of_target AS SELECT id FROM ds.target").result()
    client._conn.execute("CREATE TABLE ds.no_meta_row (x INTEGER)")
    client._catalog_snapshot()  # current before the drop
    client.delete_table(drop)
    kept = client._current_snapshot()
    assert kept is not None, "the snapshot was patched, not dropped"
    fresh = _fresh(client)
    assert kept.digest == fresh.digest
    assert kept._facts == fresh._facts
    for ds, tbl in [("ds", "target"), ("ds", "_staging_target_0123456789abcdef"), ("ds", "view_of_target"),
                    ("DS", "NO_META_ROW")]:
        assert kept.relation_kind(ds, tbl) == fresh.relation_kind(ds, tbl)
        assert kept.view_sql(ds, tbl) == fresh.view_sql(ds, tbl)


def test_the_table_spelled_in_another_case_is_not_dropped(client):
    """``DS._Staging_...`` names another table on BigQuery (names are case-sensitive)."""
    client.load_table_from_json([{"id": 1, "d": "2025-01-15"}], "ds._staging_target_0123456789abcdef",
                                job_config=bigquery.LoadJobConfig(schema=[
                                    bigquery.SchemaField("id", "INT64"), bigquery.SchemaField("d", "DATE")])).result()
    with pytest.raises(gexc.NotFound, match="the table is ds._staging_target_0123456789abcdef"):
        client.delete_table("DS._Staging_Target_0123456789ABCDEF")
    client.delete_table("ds._Staging_Target_0123456789ABCDEF", not_found_ok=True)
    assert client.get_table("ds._staging_target_0123456789abcdef").num_rows == 1


def test_a_stale_snapshot_or_another_change_is_not_patched(client):
    client.create_table(bigquery.Table("proj.ds.other", schema=[bigquery.SchemaField("x", "INT64")]))
    client._catalog_snapshot()
    client._conn.execute("CREATE TABLE ds.raw_change (x INTEGER)")  # the snapshot is stale now
    stale = client._snapshot
    client.delete_table("ds.other")
    # The drop read the catalog afresh first (the name's spelling is checked against it), so
    # the snapshot it kept is that fresh one, patched: never the stale one.
    kept = client._current_snapshot()
    assert kept is not None and stale is not None and kept is not stale[1]
    fresh = duckdb_client._CatalogSnapshot(client)
    assert kept._facts == fresh._facts
    assert fresh.relation_kind("ds", "raw_change") == "TABLE" and fresh.relation_kind("ds", "other") is None


def test_a_non_ascii_name_in_the_catalog_is_read_again(client):
    client._conn.execute('CREATE TABLE ds."naïve" (x INTEGER)')
    client.create_table(bigquery.Table("proj.ds.other", schema=[bigquery.SchemaField("x", "INT64")]))
    client._catalog_snapshot()
    client.delete_table("ds.other")
    assert client._current_snapshot() is None
    assert client._catalog_snapshot().relation_kind("ds", "other") is None


def test_a_change_another_client_makes_during_the_drop_is_not_missed(client, tmp_path, monkeypatch):
    client.create_table(bigquery.Table("proj.ds.other", schema=[bigquery.SchemaField("x", "INT64")]))
    other = DuckDBClient(str(tmp_path / "staging.duckdb"), project="proj")  # the same DuckDB instance
    real = duckdb_client._TrackedConnection.execute

    def execute(self, query, parameters=None):  # type: ignore[no-untyped-def]
        result = real(self, query, parameters)
        if query.startswith("DROP") and self is client._conn:
            other._conn.execute("CREATE TABLE ds.made_meanwhile (x INTEGER)")
        return result

    client._catalog_snapshot()
    monkeypatch.setattr(duckdb_client._TrackedConnection, "execute", execute)
    client.delete_table("ds.other")
    monkeypatch.undo()
    assert client._current_snapshot() is None
    assert client._catalog_snapshot().relation_kind("ds", "made_meanwhile") == "TABLE"
    other.close()


# -- load job ids ---------------------------------------------------------------------------
def test_a_generated_load_job_id_is_not_looked_up_but_a_duplicate_is_still_refused(client, monkeypatch,
                                                                                   job_id_lookups):
    looked_up = job_id_lookups
    schema = [bigquery.SchemaField("id", "INT64"), bigquery.SchemaField("d", "DATE")]
    config = bigquery.LoadJobConfig(schema=schema)
    first = client.load_table_from_json([{"id": 1, "d": "2025-01-15"}], "ds.target", job_config=config).result()
    assert looked_up == []
    real_uuid4 = duckdb_client.uuid.uuid4
    monkeypatch.setattr(duckdb_client.uuid, "uuid4", lambda: first.job_id)  # the next id collides
    with pytest.raises(gexc.Conflict, match=f"Already Exists: Job proj:US.{first.job_id}"):
        client.load_table_from_json([{"id": 2, "d": "2025-01-15"}], "ds.target", job_config=config)
    with pytest.raises(gexc.Conflict):  # a new table's load: the table is not created either
        client.load_table_from_json([{"id": 3, "d": "2025-01-15"}], "ds.created_by_load", job_config=config)
    monkeypatch.setattr(duckdb_client.uuid, "uuid4", real_uuid4)
    with pytest.raises(gexc.Conflict):  # a caller's own id is looked up before the load
        client.load_table_from_json([{"id": 4, "d": "2025-01-15"}], "ds.target", job_config=config,
                                    job_id=first.job_id)
    assert looked_up == [first.job_id]
    rows = client.query("SELECT id FROM ds.target WHERE d = '2025-01-15'").result()
    assert [r["id"] for r in rows] == [1]
    with pytest.raises(gexc.NotFound):
        client.get_table("ds.created_by_load")
    assert client.get_job(first.job_id).output_rows == 1
