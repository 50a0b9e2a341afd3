"""ORDER BY after SELECT DISTINCT sees only the SELECT list, as BigQuery's analyzer resolves it.

The query syntax page says nothing of it; ZetaSQL (resolver_query.cc, "post-DISTINCT";
analyzer/testdata/orderby.test) gives the rule and the messages. Until stop 34 DuckDB ran
``SELECT DISTINCT player FROM t ORDER BY pts``: each player ordered by one of its rows' points; and
DuckDB's ``SELECT DISTINCT ON (...)``, which GoogleSQL does not have.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (player STRING, team STRING, pts INT64)").result()
    c.query("INSERT INTO ds.box VALUES ('a', 'LAL', 20), ('a', 'LAL', 25), ('b', 'BOS', 10), ('c', 'BOS', 30)").result()
    yield c
    c.close()


REFUSED = [
    ("SELECT DISTINCT player FROM ds.box ORDER BY pts",
     "ORDER BY clause expression references column pts which is not visible after SELECT DISTINCT"),
    ("SELECT DISTINCT b.player FROM ds.box AS b ORDER BY b.pts",
     "ORDER BY clause expression references b.pts which is not visible after SELECT DISTINCT"),
    ("SELECT DISTINCT UPPER(player) AS p FROM ds.box ORDER BY player",
     "references column player which is not visible after SELECT DISTINCT"),
    ("SELECT DISTINCT player FROM ds.box ORDER BY player, pts + 1",
     "references column pts which is not visible"),
    ("SELECT DISTINCT player FROM ds.box GROUP BY player ORDER BY MAX(pts)",
     "Aggregate function MAX not allowed in ORDER BY clause after SELECT DISTINCT"),
    ("SELECT DISTINCT player FROM ds.box ORDER BY ROW_NUMBER() OVER (ORDER BY player)",
     "Analytic function not allowed in ORDER BY clause after SELECT DISTINCT"),
    ("SELECT n FROM (SELECT DISTINCT team AS n FROM ds.box ORDER BY pts LIMIT 1)",
     "references column pts which is not visible"),
    # a visible column before an invisible one, in one key or after an ordinal or a subquery
    ("SELECT DISTINCT player FROM ds.box ORDER BY CONCAT(player, team)", "references column team which is not visible"),
    ("SELECT DISTINCT player FROM ds.box ORDER BY 1, pts", "references column pts which is not visible"),
    # (the column nested deeper than the subquery's own aggregate, which is checked first)
    ("SELECT DISTINCT player FROM ds.box ORDER BY (SELECT MAX(x) FROM UNNEST([1]) AS x) + ((((((pts))))))",
     "references column pts which is not visible"),
    # a SELECT * skips its own check only: the DISTINCT inside is still checked
    ("SELECT DISTINCT * FROM (SELECT DISTINCT player FROM ds.box ORDER BY pts LIMIT 1) ORDER BY player",
     "references column pts which is not visible"),
    # DuckDB's SELECT DISTINCT ON: no such clause in GoogleSQL
    ("SELECT DISTINCT ON (player) player FROM ds.box ORDER BY player", "Syntax error: .*no SELECT DISTINCT ON"),
]


@pytest.mark.parametrize(("sql", "message"), REFUSED)
def test_an_order_by_key_the_select_list_does_not_have_is_refused(client: DuckDBClient, sql: str,
                                                                   message: str) -> None:
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(sql).result()


ACCEPTED = [
    ("SELECT DISTINCT player FROM ds.box ORDER BY player DESC", [("c",), ("b",), ("a",)]),
    ("SELECT DISTINCT player AS p FROM ds.box ORDER BY p", [("a",), ("b",), ("c",)]),
    # a column selected under an alias is still visible by its name (as after GROUP BY)
    ("SELECT DISTINCT player AS p FROM ds.box ORDER BY player DESC", [("c",), ("b",), ("a",)]),
    ("SELECT DISTINCT b.player FROM ds.box AS b ORDER BY b.player", [("a",), ("b",), ("c",)]),
    ("SELECT DISTINCT team, player FROM ds.box ORDER BY 1, UPPER(player) DESC",
     [("BOS", "c"), ("BOS", "b"), ("LAL", "a")]),
    ("SELECT DISTINCT team FROM ds.box ORDER BY (SELECT MAX(x) FROM UNNEST([1, 2]) AS x), team",
     [("BOS",), ("LAL",)]),
    ("SELECT player FROM ds.box ORDER BY pts", [("b",), ("a",), ("a",), ("c",)]),  # no DISTINCT
    ("SELECT DISTINCT player FROM ds.box", [("a",), ("b",), ("c",)]),  # no ORDER BY (rows sorted below)
    ("SELECT DISTINCT * FROM (SELECT player, team FROM ds.box) ORDER BY team, player",
     [("b", "BOS"), ("c", "BOS"), ("a", "LAL")]),
    # a selected STRUCT's field (sqlglot reads s.p as a column p of a table s)
    ("SELECT DISTINCT s FROM (SELECT STRUCT(player AS p) AS s FROM ds.box) ORDER BY s.p DESC",
     [({"p": "c"},), ({"p": "b"},), ({"p": "a"},)]),
]


@pytest.mark.parametrize(("sql", "expected"), ACCEPTED)
def test_an_order_by_of_the_select_list_runs(client: DuckDBClient, sql: str, expected: list) -> None:
    got = rows(client, sql)
    assert (got if "ORDER BY" in sql else sorted(got)) == expected
