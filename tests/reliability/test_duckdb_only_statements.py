"""SQL that only DuckDB runs never reaches it: the embedded warehouse stands in for BigQuery,
which has no filesystem, no extensions and no settings a query can change.

Before, ``COPY ds.t TO '/path'`` wrote a file on this machine, ``COPY ds.t FROM '/path'`` read
one into a table, ``SET threads = 4`` changed the warehouse's settings and ``PRAGMA`` /
``CHECKPOINT`` / ``CREATE SEQUENCE`` ran, all through ``client.query()``. GoogleSQL statements
that are neither queries, DML, DDL nor transactions are refused by name instead of with a
DuckDB parser error.
"""

from __future__ import annotations

import re

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture
def client(tmp_path):
    with DuckDBClient(str(tmp_path / "w.duckdb")) as c:
        c.create_dataset("ds")
        c.query("CREATE TABLE ds.t (a INT64)").result()
        c.query("INSERT INTO ds.t (a) VALUES (1)").result()
        yield c


def _settings(client: DuckDBClient) -> list[tuple]:
    return client._conn.execute("SELECT name, value FROM duckdb_settings() ORDER BY name").fetchall()


@pytest.mark.parametrize("sql", [
    "COPY ds.t TO '{path}'",
    "COPY ds.t FROM '{path}'",
    "PRAGMA database_list",
    "CHECKPOINT",
    "INSTALL httpfs",
    "LOAD httpfs",
    "ATTACH '{path}' AS x",
    "DETACH x",
    "VACUUM",
    "DESCRIBE ds.t",
    "SHOW TABLES",
    "USE ds",
    "CREATE SEQUENCE ds.s",
    "CREATE MACRO m(a) AS a",
    "CREATE INDEX i ON ds.t (a)",
    "DROP SEQUENCE ds.s",
])
def test_duckdb_only_statements_are_syntax_errors_and_touch_nothing(client, tmp_path, sql):
    path = tmp_path / "leak.csv"
    if "FROM" in sql:
        path.write_text("a\n2\n")
    settings = _settings(client)
    with pytest.raises(gexc.BadRequest, match=r"(Syntax error: .* is not a GoogleSQL statement|Syntax error)"):
        client.query(sql.format(path=path)).result()
    assert not path.exists() or path.read_text() == "a\n2\n"  # nothing written
    assert [tuple(r) for r in client.query("SELECT a FROM ds.t").result()] == [(1,)]  # nothing read in
    assert _settings(client) == settings


@pytest.mark.parametrize(("sql", "name"), [
    ("SET threads = 4", "SET"),
    ("DECLARE x INT64 DEFAULT 1; SELECT x", "DECLARE"),
    ("CALL ds.proc()", "CALL"),
    ("EXECUTE IMMEDIATE 'SELECT 1'", "EXECUTE IMMEDIATE"),
    ("EXPORT DATA OPTIONS (uri = 'gs://b/x*.csv', format = 'CSV') AS SELECT * FROM ds.t", "EXPORT DATA"),
    ("LOAD DATA INTO ds.t FROM FILES (format = 'CSV', uris = ['gs://b/x.csv'])", "LOAD DATA"),
    ("GRANT `roles/bigquery.dataViewer` ON TABLE ds.t TO 'user:a@example.com'", "GRANT"),
    ("CREATE SNAPSHOT TABLE ds.snap CLONE ds.t", "CREATE SNAPSHOT"),
    ("CREATE PROCEDURE ds.p() BEGIN SELECT 1; END", "CREATE PROCEDURE"),
    ("ASSERT (SELECT COUNT(*) FROM ds.t) = 1 AS 'one row'", "ASSERT"),
    ("BEGIN SELECT 1; END;", "BEGIN ... END"),
])
def test_googlesql_statements_not_run_here_are_refused_by_name(client, sql, name):
    settings = _settings(client)
    with pytest.raises(gexc.BadRequest,
                       match=rf"^400 {re.escape(name)} (statements|blocks) are not supported by the embedded warehouse"):
        client.query(sql).result()
    assert _settings(client) == settings


@pytest.mark.parametrize("sql", [
    "SELECT 1; -- a closing comment",
    "(SELECT a FROM ds.t)",
    "BEGIN TRANSACTION; INSERT INTO ds.t (a) VALUES (2); COMMIT TRANSACTION;",
    "CREATE TEMP FUNCTION f(x INT64) AS (x + 1); SELECT f(a) FROM ds.t",
    "CREATE SCHEMA ds2",
    "CREATE VIEW ds.v AS SELECT a FROM ds.t; DROP VIEW ds.v",
    "TRUNCATE TABLE ds.t",
])
def test_queries_dml_ddl_and_transactions_still_run(client, sql):
    client.query(sql).result()


def test_begin_alone_is_begin_transaction(client):
    # "BEGIN [TRANSACTION];" (procedural language): it used to fail as a COMMIT without one.
    client.query("BEGIN; INSERT INTO ds.t (a) VALUES (2); COMMIT;").result()
    assert [tuple(r) for r in client.query("SELECT a FROM ds.t ORDER BY a").result()] == [(1,), (2,)]
    with pytest.raises(gexc.BadRequest, match="The script ends inside a transaction"):
        client.query("BEGIN; INSERT INTO ds.t (a) VALUES (3);").result()
    assert [tuple(r) for r in client.query("SELECT a FROM ds.t ORDER BY a").result()] == [(1,), (2,)]


@pytest.mark.parametrize(("sql", "name"), [
    ("SELECT 1; COPY ds.t TO '{path}'", "COPY"),                       # after a query
    ("CREATE TABLE ds.u (a INT64); CREATE SEQUENCE ds.s", "CREATE SEQUENCE"),  # after allowed DDL
    ("ALTER TABLE ds.t ADD COLUMN b STRING; PRAGMA database_list", "PRAGMA"),  # after an ALTER
    ("DROP TABLE ds.t; DROP SEQUENCE ds.s", "DROP SEQUENCE"),
])
def test_every_statement_of_a_script_is_checked_and_named(client, tmp_path, sql, name):
    path = tmp_path / "leak.csv"
    with pytest.raises(gexc.BadRequest, match=rf"^400 Syntax error: {name} is not a GoogleSQL statement"):
        client.query(sql.format(path=path)).result()
    assert not path.exists()
    assert [tuple(r) for r in client.query("SELECT * FROM ds.t").result()] == [(1,)]  # nothing ran
