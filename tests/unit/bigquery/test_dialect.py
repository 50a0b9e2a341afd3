"""The embedded warehouse's BigQuery dialect (shared_services/bigquery/dialect.py) parses
exactly as sqlglot's, without copying each derived table once per enclosing query."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from shared_services.bigquery.dialect import CoverageBigQuery
from shared_services.bigquery.statements import library_statements

TRICKY = [
    "SELECT * FROM t, t.arr",                                  # implicit UNNEST (needs the pass)
    "SELECT x FROM ds.t AS a, a.items AS i WHERE i.v > 1",
    "SELECT * FROM `p.ds.t` t1, t1.arr",
    "SELECT * FROM ds.a JOIN ds.b ON a.k = b.k, b.tags",
    "SELECT * FROM (SELECT arr FROM ds.t) AS q, q.arr",
    "SELECT * FROM (SELECT 1 AS x) AS q",
    "WITH c AS (SELECT * FROM ds.t) SELECT * FROM c, c.arr AS e",
    "SELECT x FROM ds.t WHERE x IN UNNEST(@xs)",
    "MERGE ds.t T USING ds.s S ON T.k = S.k WHEN MATCHED THEN UPDATE SET v = S.v",
    "BEGIN TRANSACTION; DELETE FROM ds.t WHERE d = @d; COMMIT TRANSACTION;",
]


def _both(sql: str) -> tuple[list[exp.Expression | None], list[exp.Expression | None]]:
    return sqlglot.parse(sql, read=CoverageBigQuery), sqlglot.parse(sql, read="bigquery")


@pytest.mark.parametrize("sql", TRICKY)
def test_trees_are_sqlglots_own(sql: str) -> None:
    ours, stock = _both(sql)
    assert ours == stock
    assert [t.sql(dialect="duckdb") for t in ours if t] == [t.sql(dialect="duckdb") for t in stock if t]


def test_every_registered_statement_parses_to_sqlglots_tree() -> None:
    statements = list(library_statements("my-project"))
    assert len(statements) > 40
    for statement in statements:
        ours, stock = _both(statement.sql)
        assert ours == stock, statement.name


def _nested(levels: int) -> str:
    sql = "SELECT d FROM ds.t"
    for level in range(levels):
        sql = f"SELECT d FROM ({sql}) AS q{level}"
    return sql


@pytest.mark.parametrize("levels", [1, 10, 30])
def test_nested_derived_tables_are_not_copied_while_parsing(levels: int, monkeypatch) -> None:
    copies = []
    original = exp.Expression.copy

    def counting_copy(self, *args, **kwargs):
        copies.append(type(self).__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(exp.Expression, "copy", counting_copy)
    ours = sqlglot.parse_one(_nested(levels), read=CoverageBigQuery)
    ours_copies = len(copies)
    stock = sqlglot.parse_one(_nested(levels), read="bigquery")
    assert ours == stock
    assert ours_copies == 0
    # sqlglot's own pass copies each query's FROM source (a whole derived table) at least once
    assert len(copies) >= levels + 1 and copies.count("Subquery") >= levels
