"""SQL semantics, schema enforcement and job bookkeeping of the embedded DuckDB warehouse."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.factory import make_client
from tests.support.warehouse_files import build_closed_warehouse, open_copy

P = bigquery.ScalarQueryParameter
A = bigquery.ArrayQueryParameter


def cfg(*params: object) -> bigquery.QueryJobConfig:
    return bigquery.QueryJobConfig(query_parameters=list(params))


def rows(client: DuckDBClient, sql: str, *params: object) -> list[tuple]:
    return [tuple(r.values()) for r in client.query(sql, job_config=cfg(*params)).result()]


@pytest.fixture(scope="module")
def client_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed warehouse file (project ``proj``) with dataset ``ds``, built ONCE per module."""
    path = tmp_path_factory.mktemp("client_template") / "proj.duckdb"
    return build_closed_warehouse(path, lambda template: template.create_dataset("ds"), project="proj")


@pytest.fixture
def client(client_template: Path, tmp_path: Path) -> Iterator[DuckDBClient]:
    """A warehouse of its own for each test (a copy of the template): project ``proj``, dataset ``ds``."""
    c = open_copy(client_template, tmp_path / "proj.duckdb", project="proj")
    yield c
    c.close()


SCHEMA = [
    bigquery.SchemaField("id", "STRING", mode="REQUIRED"),
    bigquery.SchemaField("n", "INT64"),
    bigquery.SchemaField("f", "FLOAT64"),
    bigquery.SchemaField("amount", "NUMERIC"),
    bigquery.SchemaField("ok", "BOOL"),
    bigquery.SchemaField("d", "DATE"),
    bigquery.SchemaField("ts", "TIMESTAMP"),
    bigquery.SchemaField("dtm", "DATETIME"),
    bigquery.SchemaField("tags", "STRING", mode="REPEATED"),
    bigquery.SchemaField("meta", "JSON"),
    bigquery.SchemaField(
        "rec", "RECORD", fields=[bigquery.SchemaField("a", "INT64"), bigquery.SchemaField("b", "STRING")]
    ),
]


def load(client: DuckDBClient, data: list[dict], table: str = "ds.t", **config: object) -> int:
    config.setdefault("schema", SCHEMA)
    job = client.load_table_from_json(data, table, job_config=bigquery.LoadJobConfig(**config))
    return job.result().output_rows


# --------------------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    ("type_", "value", "expected"),
    [
        ("STRING", "it's", "it's"),
        ("INT64", 42, 42),
        ("INTEGER", 7, 7),
        ("FLOAT64", 1.5, 1.5),
        ("FLOAT", 2.5, 2.5),
        ("BOOL", True, True),
        ("BOOLEAN", False, False),
        ("NUMERIC", decimal.Decimal("1.25"), decimal.Decimal("1.25")),
        ("DATE", dt.date(2025, 1, 15), dt.date(2025, 1, 15)),
        ("TIMESTAMP", dt.datetime(2025, 1, 15, 3, tzinfo=dt.UTC), dt.datetime(2025, 1, 15, 3, tzinfo=dt.UTC)),
        ("INT64", None, None),
    ],
)
def test_scalar_parameters(client: DuckDBClient, type_: str, value: object, expected: object) -> None:
    assert rows(client, "SELECT @v AS v", P("v", type_, value)) == [(expected,)]


@pytest.mark.parametrize(
    ("type_", "values"),
    [
        ("STRING", ["a", "b'c"]),
        ("INT64", [1, 2]),
        ("FLOAT64", [0.5, 1.5]),
        ("BOOL", [True, False]),
        ("NUMERIC", [decimal.Decimal("1.5"), decimal.Decimal("2")]),
        ("DATE", [dt.date(2025, 1, 1), dt.date(2025, 1, 2)]),
        ("TIMESTAMP", [dt.datetime(2025, 1, 1, tzinfo=dt.UTC)]),
        ("STRING", []),
    ],
)
def test_array_parameters_unnest(client: DuckDBClient, type_: str, values: list) -> None:
    got = rows(client, "SELECT x FROM UNNEST(@xs) AS x ORDER BY x", A("xs", type_, values))
    assert [r[0] for r in got] == sorted(values)


def test_missing_parameter_is_bad_request_naming_it(client: DuckDBClient) -> None:
    with pytest.raises(gexc.BadRequest, match="game_ids"):
        client.query("SELECT 1 FROM UNNEST(@game_ids)", job_config=cfg(P("other", "INT64", 1)))


def test_timestamp_parameter_naive_is_utc(client: DuckDBClient) -> None:
    got = rows(client, "SELECT @t AS t", P("t", "TIMESTAMP", dt.datetime(2025, 1, 1, 12)))
    assert got == [(dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC),)]


# --------------------------------------------------------------------------- SQL semantics
def test_bigquery_functions(client: DuckDBClient) -> None:
    client.query(
        "CREATE TABLE ds.e AS SELECT * FROM (VALUES "
        "('g1', 'critical', TIMESTAMP '2025-01-15 23:30:00+00', 'nbac'), "
        "('g1', 'info', TIMESTAMP '2025-01-15 10:00:00+00', NULL), "
        "('g1', 'critical', TIMESTAMP '2025-01-14 10:00:00+00', 'nbac'), "
        "('g2', 'warning', TIMESTAMP '2025-01-15 11:00:00+00', 'espn')) AS v(game_id, severity, ts, src)"
    )
    got = rows(
        client,
        "SELECT game_id, COUNTIF(severity = 'critical') AS crit, LOGICAL_OR(severity = 'warning') AS warn, "
        "ARRAY_AGG(DISTINCT src IGNORE NULLS) AS srcs, MIN(DATE(ts)) AS first_day, "
        "FORMAT_DATE('%Y%m%d', MAX(DATE(ts))) AS last_key, SAFE_CAST('x' AS INT64) AS bad "
        "FROM ds.e GROUP BY game_id ORDER BY game_id",
    )
    assert got == [
        ("g1", 2, False, ["nbac"], dt.date(2025, 1, 14), "20250115", None),
        ("g2", 0, True, ["espn"], dt.date(2025, 1, 15), "20250115", None),
    ]
    latest = rows(
        client,
        "SELECT game_id, severity FROM ds.e WHERE ts > TIMESTAMP_SUB(@now, INTERVAL 4 HOUR) "
        "QUALIFY ROW_NUMBER() OVER (PARTITION BY game_id ORDER BY ts DESC) = 1 ORDER BY game_id",
        P("now", "TIMESTAMP", dt.datetime(2025, 1, 16, 1, tzinfo=dt.UTC)),
    )
    assert latest == [("g1", "critical")]
    recent = rows(client, "SELECT COUNT(*) FROM ds.e WHERE ts > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 4 HOUR)")
    assert recent == [(0,)]


def test_date_arithmetic_stays_date(client: DuckDBClient) -> None:
    job = client.query(
        "SELECT DATE_ADD(@d, INTERVAL 1 DAY) AS nxt, DATE_SUB(@d, INTERVAL 7 DAY) AS prev",
        job_config=cfg(P("d", "DATE", dt.date(2025, 1, 31))),
    )
    assert [tuple(r.values()) for r in job.result()] == [(dt.date(2025, 2, 1), dt.date(2025, 1, 24))]
    assert [f.field_type for f in job.schema] == ["DATE", "DATE"]


def test_unnest_with_offset_is_zero_based(client: DuckDBClient) -> None:
    got = rows(
        client,
        "SELECT x, off FROM UNNEST(@xs) AS x WITH OFFSET AS off ORDER BY off",
        A("xs", "STRING", ["a", "b"]),
    )
    assert got == [("a", 0), ("b", 1)]


def test_table_name_forms(client: DuckDBClient) -> None:
    load(client, [{"id": "a"}])
    for name in ["ds.t", "`ds.t`", "proj.ds.t", "`proj.ds.t`", "`other-project.ds.t`", "`proj`.`ds`.`t`"]:
        assert rows(client, f"SELECT id FROM {name}") == [("a",)], name
    assert client.get_table("proj.ds.t").num_rows == 1
    assert client.get_table(bigquery.TableReference.from_string("proj.ds.t")).num_rows == 1


def test_create_view_and_schema_via_query(client: DuckDBClient) -> None:
    client.query("CREATE SCHEMA IF NOT EXISTS ds2").result()
    load(client, [{"id": "a", "n": 1}, {"id": "b", "n": 2}])
    client.query("CREATE OR REPLACE VIEW ds2.v AS SELECT id FROM `ds.t` WHERE n > 1").result()
    assert rows(client, "SELECT * FROM ds2.v") == [("b",)]
    assert client.get_table("ds2.v").table_type == "VIEW"


def test_a_script_uses_the_dataset_it_creates(client: DuckDBClient) -> None:
    # The dataset of CREATE SCHEMA is known to the script's later statements (it was looked up
    # in the catalog, where it did not exist yet: NotFound).
    client.query("CREATE SCHEMA ds2; CREATE TABLE ds2.t (a INT64); INSERT INTO ds2.t (a) VALUES (1); "
                 "SELECT a FROM ds2.t").result()
    assert rows(client, "SELECT a FROM ds2.t") == [(1,)]
    client.query("CREATE SCHEMA ds3; DROP SCHEMA ds3").result()
    with pytest.raises(gexc.NotFound, match="Dataset proj:ds4"):
        client.query("CREATE SCHEMA ds3; SELECT * FROM ds4.t").result()  # another one is still checked


def test_row_access_and_iterator(client: DuckDBClient) -> None:
    result = client.query("SELECT 1 AS a, 'x' AS b").result()
    assert result.total_rows == 1
    (row,) = list(result)
    assert (row.a, row["b"], row[0], row.get("b"), list(row.keys())) == (1, "x", 1, "x", ["a", "b"])


# --------------------------------------------------------------------------- DML
def test_dml_affected_rows_including_merge(client: DuckDBClient) -> None:
    load(client, [{"id": "a", "n": 1}, {"id": "b", "n": 2}, {"id": "c", "n": 3}])
    job = client.query("INSERT INTO ds.t (id, n) VALUES (@id, 4)", job_config=cfg(P("id", "STRING", "d")))
    assert job.num_dml_affected_rows == 1 and job.statement_type == "INSERT"
    job = client.query("UPDATE ds.t SET n = n * 10 WHERE n >= @m", job_config=cfg(P("m", "INT64", 3)))
    assert job.num_dml_affected_rows == 2
    job = client.query("DELETE FROM `proj.ds.t` WHERE id = 'a'")
    assert job.num_dml_affected_rows == 1
    job = client.query(
        "MERGE `ds.t` T USING (SELECT id, n FROM UNNEST(@ids) AS id CROSS JOIN (SELECT 99 AS n)) S "
        "ON T.id = S.id WHEN MATCHED THEN UPDATE SET n = S.n "
        "WHEN NOT MATCHED THEN INSERT (id, n) VALUES (S.id, S.n)",
        job_config=cfg(A("ids", "STRING", ["b", "z"])),
    )
    assert job.num_dml_affected_rows == 2
    assert job.statement_type == "MERGE"
    assert rows(client, "SELECT id, n FROM ds.t ORDER BY id") == [("b", 99), ("c", 30), ("d", 40), ("z", 99)]
    select = client.query("SELECT 1 AS x")
    assert select.num_dml_affected_rows is None


# --------------------------------------------------------------------------- dtypes
EXPECTED_DTYPES = {
    "id": "str",
    "n": "Int64",
    "f": "float64",
    "amount": "object",
    "ok": "boolean",
    "d": "dbdate",
    "ts": "datetime64[us, UTC]",
    "dtm": "datetime64[us]",
    "tags": "object",
    "meta": "str",
    "rec": "object",
}


def test_to_dataframe_dtypes_including_empty(client: DuckDBClient) -> None:
    load(client, [
        {"id": "a", "n": 1, "f": 0.5, "amount": "1.10", "ok": True, "d": "2025-01-15",
         "ts": "2025-01-15T10:00:00Z", "dtm": "2025-01-15T10:00:00", "tags": ["x"], "meta": {"k": 1},
         "rec": {"a": 1, "b": "z"}},
        {"id": "b"},
    ])
    job = client.query("SELECT * FROM ds.t ORDER BY id")
    frame = job.to_dataframe()
    assert {c: str(t) for c, t in frame.dtypes.items()} == EXPECTED_DTYPES
    assert frame["amount"][0] == decimal.Decimal("1.1")
    assert list(frame["tags"][0]) == ["x"] and list(frame["tags"][1]) == []
    assert frame["meta"][0] == '{"k":1}'
    assert pd.isna(frame["n"][1]) and pd.isna(frame["ok"][1])
    empty = client.query("SELECT * FROM ds.t WHERE id = 'nobody'").result().to_dataframe()
    assert len(empty) == 0
    assert {c: str(t) for c, t in empty.dtypes.items()} == EXPECTED_DTYPES
    first = next(iter(job.result()))
    assert first.meta == {"k": 1} and first.rec == {"a": 1, "b": "z"}
    assert first.ts == dt.datetime(2025, 1, 15, 10, tzinfo=dt.UTC)


# --------------------------------------------------------------------------- schema enforcement
def test_load_coerces_like_bigquery(client: DuckDBClient) -> None:
    load(client, [{"id": "a", "n": "12", "f": 3, "ok": "TRUE", "ts": 0, "amount": 2, "meta": "plain"},
                  {"id": "b", "ts": "2025-01-15T05:00:00-05:00", "tags": None}])
    got = rows(client, "SELECT id, n, f, ok, ts, amount, meta, tags FROM ds.t ORDER BY id")
    assert got == [
        ("a", 12, 3.0, True, dt.datetime(1970, 1, 1, tzinfo=dt.UTC), decimal.Decimal("2"), "plain", []),
        ("b", None, None, None, dt.datetime(2025, 1, 15, 10, tzinfo=dt.UTC), None, None, []),
    ]


@pytest.mark.parametrize(
    ("bad_row", "words"),
    [
        ({"n": 5}, ["row 1", "id"]),  # REQUIRED missing
        ({"id": None}, ["row 1", "id"]),  # REQUIRED null
        ({"id": "x", "n": "12.5"}, ["row 1", "n", "12.5"]),
        ({"id": "x", "n": True}, ["row 1", "n"]),
        ({"id": "x", "ok": "yes"}, ["row 1", "ok", "yes"]),
        ({"id": "x", "d": "15/01/2025"}, ["row 1", "d", "15/01/2025"]),
        ({"id": "x", "ts": "yesterday"}, ["row 1", "ts", "yesterday"]),
        ({"id": "x", "tags": "nbac"}, ["row 1", "tags"]),
        ({"id": "x", "tags": ["a", None]}, ["row 1", "tags"]),
        ({"id": "x", "rec": {"a": 1, "zz": 2}}, ["row 1", "rec.zz"]),
        ({"id": "x", "unknown_col": 1}, ["row 1", "unknown_col"]),
        ({"id": "x", "f": float("nan")}, ["row 1", "f"]),
    ],
)
def test_bad_rows_rejected_and_nothing_written(client: DuckDBClient, bad_row: dict, words: list[str]) -> None:
    load(client, [{"id": "existing"}])
    with pytest.raises(gexc.BadRequest) as info:
        load(client, [{"id": "good"}, bad_row, {"id": "good2"}])
    for word in words:
        assert word in str(info.value)
    assert rows(client, "SELECT id FROM ds.t") == [("existing",)]


def test_json_dumps_failures_surface_like_the_real_client(client: DuckDBClient) -> None:
    with pytest.raises(TypeError):
        load(client, [{"id": "x", "d": dt.date(2025, 1, 1)}])


def test_load_uses_existing_table_schema_and_checks_given_schema(client: DuckDBClient) -> None:
    load(client, [{"id": "a"}])
    job = client.load_table_from_json([{"id": "b", "n": 2}], "ds.t")
    assert job.output_rows == 1
    with pytest.raises(gexc.BadRequest, match="extra"):
        load(client, [{"id": "c"}], schema=[*SCHEMA, bigquery.SchemaField("extra", "STRING")])
    with pytest.raises(gexc.BadRequest, match="no schema"):
        client.load_table_from_json([{"id": "a"}], "ds.brand_new")
    with pytest.raises(gexc.NotFound):
        load(client, [{"id": "a"}], table="nodataset.t")


def test_write_dispositions(client: DuckDBClient) -> None:
    load(client, [{"id": "a"}], write_disposition="WRITE_EMPTY")
    load(client, [{"id": "b"}])  # default WRITE_APPEND
    assert rows(client, "SELECT COUNT(*) FROM ds.t") == [(2,)]
    with pytest.raises(gexc.Conflict, match="Already Exists: Table"):
        load(client, [{"id": "c"}], write_disposition="WRITE_EMPTY")
    load(client, [{"id": "z"}], write_disposition="WRITE_TRUNCATE")
    assert rows(client, "SELECT id FROM ds.t") == [("z",)]


def test_load_from_dataframe(client: DuckDBClient) -> None:
    frame = pd.DataFrame({
        "id": ["a", "b"],
        "n": pd.array([1, None], dtype="Int64"),
        "f": [1.5, float("nan")],
        "ts": pd.to_datetime(["2025-01-01T00:00:00Z", None], utc=True),
        "d": pd.Series([dt.date(2025, 1, 1), None], dtype="dbdate"),
        "tags": [["x", "y"], []],
    })
    job = client.load_table_from_dataframe(frame, "ds.t", job_config=bigquery.LoadJobConfig(schema=SCHEMA))
    assert job.result().output_rows == 2
    got = rows(client, "SELECT id, n, f, ts, d, tags FROM ds.t ORDER BY id")
    assert got == [
        ("a", 1, 1.5, dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.date(2025, 1, 1), ["x", "y"]),
        ("b", None, None, None, None, []),
    ]
    inferred = client.load_table_from_dataframe(pd.DataFrame({"k": [1, 2], "s": ["p", "q"]}), "ds.inferred")
    assert inferred.output_rows == 2
    assert [(f.name, f.field_type) for f in client.get_table("ds.inferred").schema] == [("k", "INTEGER"), ("s", "STRING")]


# --------------------------------------------------------------------------- partition filter
def _partitioned(client: DuckDBClient) -> None:
    table = bigquery.Table("proj.ds.p", schema=[
        bigquery.SchemaField("game_id", "STRING"), bigquery.SchemaField("game_date", "DATE")])
    table.time_partitioning = bigquery.TimePartitioning(field="game_date")
    table.require_partition_filter = True
    client.create_table(table)
    load(client, [{"game_id": "g1", "game_date": "2025-01-15"}], table="ds.p", schema=table.schema)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM ds.p",
        "SELECT * FROM ds.p WHERE game_id = 'g1'",
        "UPDATE ds.p SET game_id = 'x' WHERE game_id = 'g1'",
        "DELETE FROM `proj.ds.p` WHERE game_id = 'g1'",
        "WITH x AS (SELECT game_id FROM ds.p) SELECT * FROM x",
        # scripts: every statement is checked, not only the first
        "SELECT * FROM ds.p WHERE game_date = '2025-01-15'; SELECT * FROM ds.p",
        "SELECT 1; DELETE FROM ds.p WHERE game_id = 'g1'",
    ],
)
def test_require_partition_filter_rejects(client: DuckDBClient, sql: str) -> None:
    _partitioned(client)
    with pytest.raises(gexc.BadRequest, match=(
        r"Cannot query over table 'ds\.p' without a filter over column\(s\) 'game_date' "
        "that can be used for partition elimination"
    )):
        client.query(sql)


@pytest.mark.parametrize(
    "sql, returned, dml, stored",
    [
        ("SELECT * FROM ds.p WHERE game_date = @d", [("g1", dt.date(2025, 1, 15))], None, ["g1"]),
        ("SELECT s.game_id FROM ds.p s JOIN UNNEST(@ids) AS i ON i = s.game_id AND s.game_date >= @d",
         [("g1",)], None, ["g1"]),
        ("DELETE FROM ds.p WHERE game_date BETWEEN @d AND @d", [], 1, []),
        ("INSERT INTO ds.p (game_id, game_date) VALUES ('g2', @d)", [], 1, ["g1", "g2"]),
    ],
)
def test_require_partition_filter_passes(client: DuckDBClient, sql: str, returned: list[tuple],
                                         dml: int | None, stored: list[str]) -> None:
    _partitioned(client)
    job = client.query(sql, job_config=cfg(P("d", "DATE", "2025-01-15"), A("ids", "STRING", ["g1"])))
    assert [tuple(r.values()) for r in job.result()] == returned
    assert job.num_dml_affected_rows == dml
    assert rows(client, "SELECT game_id FROM ds.p WHERE game_date >= '2000-01-01' ORDER BY 1") == [
        (g,) for g in stored]


def test_a_script_with_one_unfiltered_statement_runs_none_of_its_statements(client: DuckDBClient) -> None:
    _partitioned(client)
    script = ("INSERT INTO ds.p (game_id, game_date) VALUES ('g2', DATE '2025-01-16'); "
              "DELETE FROM ds.p WHERE game_id = 'g1'")
    with pytest.raises(gexc.BadRequest, match="without a filter over column"):
        client.query(script)
    assert rows(client, "SELECT game_id FROM ds.p WHERE game_date >= '2000-01-01'") == [("g1",)]


# --------------------------------------------------------------------------- safety
def test_hostile_values_are_data(client: DuckDBClient) -> None:
    hostile = "'; DROP TABLE ds.t; --"
    load(client, [{"id": "safe"}, {"id": hostile}])
    got = rows(client, "SELECT id FROM ds.t WHERE id = @v", P("v", "STRING", hostile))
    assert got == [(hostile,)]
    client.query("INSERT INTO ds.t (id) VALUES (@v)", job_config=cfg(P("v", "STRING", "x'); DELETE FROM ds.t; --")))
    assert rows(client, "SELECT COUNT(*) FROM ds.t") == [(3,)]
    assert client.get_table("ds.t").num_rows == 3


def test_duckdb_errors_become_google_errors(client: DuckDBClient) -> None:
    with pytest.raises(gexc.NotFound, match="Not found: Table"):
        client.query("SELECT * FROM ds.missing")
    with pytest.raises(gexc.BadRequest):
        client.query("SELEC 1")
    with pytest.raises(gexc.BadRequest):
        client.query("SELECT no_such_column FROM (SELECT 1 AS x)")
    with pytest.raises(gexc.NotFound):
        client.get_table("ds.missing")
    with pytest.raises(gexc.NotFound):
        client.delete_table("ds.missing")
    client.delete_table("ds.missing", not_found_ok=True)


# --------------------------------------------------------------------------- catalog
def test_create_table_and_get_table_metadata(client: DuckDBClient) -> None:
    table = bigquery.Table("proj.ds.full", schema=SCHEMA)
    table.time_partitioning = bigquery.TimePartitioning(field="ts", expiration_ms=730 * 86_400_000)
    table.clustering_fields = ["id", "n"]
    table.require_partition_filter = True
    table.description = "desc"
    created = client.create_table(table)
    assert isinstance(created, bigquery.Table)
    got = client.get_table("ds.full")
    assert [f.to_api_repr()["name"] for f in got.schema] == [f.name for f in SCHEMA]
    assert got.schema[8].mode == "REPEATED" and got.schema[9].field_type == "JSON"
    assert [f.name for f in got.schema[10].fields] == ["a", "b"]
    assert (got.time_partitioning.field, got.time_partitioning.expiration_ms) == ("ts", 730 * 86_400_000)
    assert got.clustering_fields == ["id", "n"] and got.require_partition_filter is True
    assert got.description == "desc" and got.num_rows == 0
    with pytest.raises(gexc.Conflict):
        client.create_table(table)
    assert client.create_table(table, exists_ok=True).table_id == "full"
    with pytest.raises(gexc.NotFound):
        client.create_table(bigquery.Table("proj.nope.t", schema=SCHEMA))
    client.delete_table("proj.ds.full")
    with pytest.raises(gexc.NotFound):
        client.get_table("ds.full")
    # metadata of a dropped table does not leak into a new one with the same name
    client.create_table(bigquery.Table("proj.ds.full", schema=SCHEMA[:1]))
    assert client.get_table("ds.full").require_partition_filter is None


def test_create_dataset_forms(client: DuckDBClient) -> None:
    with pytest.raises(gexc.Conflict):
        client.create_dataset("ds")
    client.create_dataset(bigquery.DatasetReference("proj", "ds"), exists_ok=True)
    made = client.create_dataset(bigquery.Dataset("proj.other"))
    assert made.dataset_id == "other"


# --------------------------------------------------------------------------- jobs
def test_job_ids_conflict_and_generated(client: DuckDBClient) -> None:
    first = client.load_table_from_json([{"id": "a"}], "ds.t", job_config=bigquery.LoadJobConfig(schema=SCHEMA),
                                        job_id="same")
    assert (first.job_id, first.state, first.errors, first.output_rows) == ("same", "DONE", None, 1)
    assert first.destination.table_id == "t"
    with pytest.raises(gexc.Conflict, match="Already Exists: Job proj:"):
        client.query("DELETE FROM ds.t WHERE TRUE", job_id="same")
    assert rows(client, "SELECT COUNT(*) FROM ds.t") == [(1,)]
    generated = client.query("SELECT 1", job_id_prefix="audit_")
    assert generated.job_id.startswith("audit_") and len(generated.job_id) > 10
    assert client.get_job(generated.job_id) is generated
    with pytest.raises(gexc.BadRequest):
        client.query("SELECT 1", job_id="bad id with spaces")


def test_job_ids_persist_across_clients_on_one_file(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with DuckDBClient(str(path)) as one:
        one.create_dataset("ds")
        one.load_table_from_json([{"id": "a"}], "ds.t", job_config=bigquery.LoadJobConfig(schema=SCHEMA),
                                 job_id="flush_1")
        one.query("UPDATE ds.t SET n = 1 WHERE TRUE", job_id="update_1")
    with make_client(f"duckdb:///{path}") as two:
        job = two.get_job("flush_1")
        assert (job.job_type, job.output_rows, job.destination.table_id) == ("load", 1, "t")
        assert two.get_job("update_1").num_dml_affected_rows == 1
        with pytest.raises(gexc.Conflict):
            two.load_table_from_json([{"id": "b"}], "ds.t", job_id="flush_1")
        assert two.get_table("ds.t").num_rows == 1
        assert two.get_table("ds.t").schema[8].mode == "REPEATED"
        with pytest.raises(gexc.NotFound):
            two.get_job("unknown")
    assert sorted(os.listdir(tmp_path)) == ["w.duckdb"]


def test_two_live_clients_on_one_file_share_job_ids(tmp_path: Path) -> None:
    path = str(tmp_path / "live.duckdb")
    with DuckDBClient(path) as one, DuckDBClient(path) as two:
        one.query("SELECT 1", job_id="shared")
        with pytest.raises(gexc.Conflict):
            two.query("SELECT 1", job_id="shared")


def test_concurrent_loads_from_threads(client: DuckDBClient) -> None:
    load(client, [{"id": "seed"}])
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for j in range(5):
                client.load_table_from_json([{"id": f"{i}-{j}"}], "ds.t", job_id=f"t{i}_{j}")
                client.query("SELECT COUNT(*) FROM ds.t").result()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert rows(client, "SELECT COUNT(*) FROM ds.t") == [(21,)]


def test_utc_session_and_closed_client(tmp_path: Path) -> None:
    c = DuckDBClient(str(tmp_path / "tz.duckdb"))
    # current_setting is DuckDB's (BigQuery has no such function): read on the connection itself.
    assert c._conn.raw.execute("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]
    assert rows(c, "SELECT DATE(TIMESTAMP '2025-01-15 23:30:00-05:00')") == [(dt.date(2025, 1, 16),)]
    c.close()
    c.close()
    with pytest.raises(RuntimeError):
        c.query("SELECT 1")


def test_positional_parameters(client: DuckDBClient) -> None:
    got = rows(client, "SELECT ? AS a, ? AS b", P(None, "INT64", 1), P(None, "STRING", "x"))
    assert got == [(1, "x")]


def test_an_unexpected_error_inside_a_load_rolls_back_and_leaves_the_client_usable(monkeypatch) -> None:
    from shared_services.bigquery.duckdb_client import DuckDBClient as Client

    client = Client(":memory:")
    client.create_dataset("ds")
    schema = [bigquery.SchemaField("id", "STRING", mode="REQUIRED")]
    config = bigquery.LoadJobConfig(schema=schema)
    client.load_table_from_json([{"id": "kept"}], "ds.t", job_config=config).result()

    def broken(*args, **kwargs):  # fault injection: a bug, not a DuckDB error
        raise RuntimeError("bookkeeping failed")

    monkeypatch.setattr(client, "_record_job", broken)
    with pytest.raises(RuntimeError, match="bookkeeping failed"):
        client.load_table_from_json([{"id": "lost"}], "ds.t", job_config=config)
    monkeypatch.undo()
    # rolled back: the row is not there, and the connection is not stuck in a transaction
    assert [r.id for r in client.query("SELECT id FROM ds.t ORDER BY id").result()] == ["kept"]
    client.load_table_from_json([{"id": "next"}], "ds.t", job_config=config).result()
    assert client.query("SELECT COUNT(*) AS n FROM ds.t").to_dataframe()["n"][0] == 2


def test_a_table_id_with_a_bad_project_names_the_project_rule():
    from shared_services.bigquery.identifiers import (
        InvalidIdentifierError,
        validate_project_id,
        validate_table_id,
    )

    with pytest.raises(InvalidIdentifierError, match=r"its project id 'p' is not one; a project id is 6 to 30"):
        validate_table_id("p.nba_reference.source_coverage_log")
    with pytest.raises(InvalidIdentifierError, match=r"letters, digits and underscores"):
        validate_table_id("my-project.nba reference.log")  # the dataset is what is wrong: the general message
    with pytest.raises(InvalidIdentifierError, match=r"invalid project id 'P': a project id is 6 to 30"):
        validate_project_id("P")
    assert validate_project_id("my-project") == "my-project"
    assert validate_table_id("my-project.nba_reference.source_coverage_log") == "my-project.nba_reference.source_coverage_log"


@pytest.mark.parametrize("name", ["ds.t", "DS.T", "ds.v", "Ds.V", "ds.missing", "other.t", "other.mixed_Case",
                                  "OTHER.MIXED_CASE", "nope.t"])
def test_relation_kind_answers_as_information_schema_does(tmp_path, name):
    """``_relation_kind`` reads DuckDB's table and view lists; information_schema.tables (what it
    read before) is the reference, for tables, views, missing names, other datasets and case."""
    client = DuckDBClient(str(tmp_path / "w.duckdb"))
    try:
        for dataset in ("ds", "other"):
            client.create_dataset(dataset)
        client.query("CREATE TABLE ds.t AS SELECT 1 AS x").result()
        client.query("CREATE VIEW ds.v AS SELECT x FROM ds.t").result()
        client.query("CREATE TABLE other.Mixed_Case AS SELECT 1 AS x").result()
        dataset, table = name.split(".")
        rows = client._conn.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_catalog = current_database() "
            "AND lower(table_schema) = lower($s) AND lower(table_name) = lower($t)",
            {"s": dataset, "t": table}).fetchall()
        expected = None if not rows else ("VIEW" if "VIEW" in rows[0][0] else "TABLE")
        assert client._current_snapshot() is None  # the catalog queries, not a snapshot, answer
        assert client._relation_kind(dataset, table) == expected
    finally:
        client.close()


def _meta_columns(client: DuckDBClient) -> dict[str, list[str]]:
    rows = client._conn.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = '_embedded_meta' ORDER BY table_name, column_index").fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def test_an_older_warehouse_file_gets_the_newer_catalog_columns_when_opened(tmp_path):
    """A file written before ``error_reason`` / ``error_message`` / ``error_api_reason`` /
    ``view_query`` existed gets
    them on open (one probe query decides whether any DDL is needed); a current file keeps its
    catalog as it is, rows included."""
    path = str(tmp_path / "w.duckdb")
    fresh = DuckDBClient(path)
    current = _meta_columns(fresh)
    assert {"error_reason", "error_message", "error_api_reason"} <= set(current["jobs"])
    assert "view_query" in current["tables"]
    fresh.create_dataset("ds")
    fresh.query("CREATE TABLE ds.t AS SELECT 1 AS x").result()
    jobs_before = fresh._conn.execute("SELECT count(*) FROM _embedded_meta.jobs").fetchone()[0]
    for table, column in (("jobs", "error_reason"), ("jobs", "error_message"), ("jobs", "error_api_reason"),
                          ("tables", "view_query")):
        fresh._conn.execute(f"ALTER TABLE _embedded_meta.{table} DROP COLUMN {column}")
    fresh.close()
    reopened = DuckDBClient(path)
    try:
        assert _meta_columns(reopened) == current
        assert reopened._conn.execute("SELECT count(*) FROM _embedded_meta.jobs").fetchone()[0] == jobs_before
        assert reopened.query("SELECT x FROM ds.t").to_dataframe()["x"].tolist() == [1]
    finally:
        reopened.close()
    again = DuckDBClient(path)
    try:
        assert _meta_columns(again) == current
    finally:
        again.close()


class _CountingConnection:
    """The client's connection, counting the statements it is given (catalog lookups included)."""

    def __init__(self, inner):
        self._inner = inner
        self.statements = 0

    def execute(self, *args, **kwargs):
        self.statements += 1
        return self._inner.execute(*args, **kwargs)

    def execute_untracked(self, *args, **kwargs):
        self.statements += 1
        return self._inner.execute_untracked(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_catalog_lookups_are_asked_once_per_catalog_generation_and_see_every_change(tmp_path):
    """A relation's kind, a dataset and a catalog row are read once while nothing changed the
    catalog; a change through another client of the same file (or a rolled-back one through
    this client) is seen at the next lookup."""
    path = str(tmp_path / "w.duckdb")
    a, b = DuckDBClient(path), DuckDBClient(path)
    try:
        a.create_dataset("ds")
        counting = a._con = _CountingConnection(a._con)
        assert a._relation_kind("ds", "t") is None and a._meta_row("ds", "t") is None
        assert a._dataset_exists("ds") and not a._dataset_exists("nope")
        asked = counting.statements
        assert a._relation_kind("ds", "t") is None and a._meta_row("ds", "t") is None
        assert a._dataset_exists("ds") and not a._dataset_exists("nope")
        assert counting.statements == asked  # the same answers, nothing asked again
        b.create_table(bigquery.Table(f"{b.project}.ds.t", schema=[bigquery.SchemaField("x", "INTEGER")]))
        assert a._relation_kind("ds", "t") == "TABLE"
        row = a._meta_row("ds", "t")
        assert row is not None and [f["name"] for f in json.loads(row["schema_json"])] == ["x"]
        row["schema_json"] = "changed by the caller"
        assert a._meta_row("ds", "t")["schema_json"] != "changed by the caller"  # each caller its own copy
        b.query("CREATE VIEW ds.v AS SELECT x FROM ds.t").result()
        assert a._relation_kind("ds", "v") == "VIEW"
        b.delete_table("ds.t")
        assert a._relation_kind("ds", "t") is None and a._meta_row("ds", "t") is None
        b.create_dataset("nope")
        assert a._dataset_exists("nope")
        with pytest.raises(RuntimeError):
            with a._transaction():
                a._conn.execute('CREATE TABLE "ds"."inside" (x INTEGER)')
                assert a._relation_kind("ds", "inside") == "TABLE"
                raise RuntimeError("roll back")
        assert a._relation_kind("ds", "inside") is None
    finally:
        a._con = getattr(a._con, "_inner", a._con)
        a.close()
        b.close()
