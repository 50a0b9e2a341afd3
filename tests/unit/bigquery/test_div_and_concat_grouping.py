"""``DIV(X, Y)`` and ``CONCAT(...)`` keep their arguments' grouping.

sqlglot writes ``DIV(pts + 1, 2)`` as DuckDB's ``pts + 1 // 2`` and ``CONCAT(a, b = c)`` as
``a || b = c``, and DuckDB reads them by its operator precedence. Until stop 35: ``DIV(7 + 1, 2)``
was 7 (BigQuery: 4), ``DIV(10, 2 + 3)`` 8 (2), ``2 * DIV(9, 2)`` 9 (8), a player's
``DIV(points + 1, 2)`` his points plus 0; ``CONCAT(player, 1 = 1)`` a conversion error. Mathematical
functions, "DIV": "Returns the result of integer division of X by Y"; CONCAT: "All values must be
BYTES or data types that can be cast to STRING". Expected values are plain integer arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one, rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (player STRING, pts INT64)").result()
    c.query("INSERT INTO ds.box VALUES ('a', 20), ('b', 7)").result()
    yield c
    c.close()


def _div(x: int, y: int) -> int:
    """GoogleSQL's DIV: the quotient rounded toward zero."""
    quotient = abs(x) // abs(y)
    return quotient if (x >= 0) == (y > 0) else -quotient


@pytest.mark.parametrize(("expression", "expected"), [
    ("DIV(7 + 1, 2)", _div(7 + 1, 2)),
    ("DIV(10, 2 + 3)", _div(10, 2 + 3)),
    ("2 * DIV(9, 2)", 2 * _div(9, 2)),
    ("DIV(9, 2) * 2", _div(9, 2) * 2),
    ("2 - DIV(9, 2)", 2 - _div(9, 2)),
    ("-DIV(9, 2)", -_div(9, 2)),
    ("DIV(-7, 2)", _div(-7, 2)),
    ("DIV(DIV(100, 3), 2)", _div(_div(100, 3), 2)),
    ("MOD(7 + 1, 3)", (7 + 1) % 3),
])
def test_div_keeps_its_arguments_grouping(client: DuckDBClient, expression: str, expected: int) -> None:
    assert one(client, f"SELECT {expression}") == expected


def test_div_of_a_column_expression(client: DuckDBClient) -> None:
    assert rows(client, "SELECT player, DIV(pts + 1, 2), DIV(pts, 2) + 1 FROM ds.box ORDER BY player") \
        == [("a", _div(21, 2), _div(20, 2) + 1), ("b", _div(8, 2), _div(7, 2) + 1)]
    with pytest.raises(gexc.BadRequest, match="division by zero"):
        client.query("SELECT DIV(pts + 1, 0) FROM ds.box").result()


def test_concat_of_a_comparison_and_a_comparison_of_concat(client: DuckDBClient) -> None:
    assert rows(client, "SELECT CONCAT(player, 1 = 1), CONCAT(player, 'x') = 'ax' FROM ds.box WHERE player = 'a'") \
        == [("atrue", True)]


@pytest.mark.parametrize(("sql", "message"), [
    ("SELECT DIV(7, 0)", "division by zero: 7 / 0"),
    ("SELECT MOD(7, 0)", "division by zero: MOD(7, 0)"),
])
def test_an_integer_division_by_zero_is_said_in_bigquerys_words(client: DuckDBClient, sql: str, message: str) -> None:
    """ZetaSQL's arithmetics.h; DuckDB's text advised "SET error_on_division_by_zero=false"."""
    with pytest.raises(gexc.BadRequest) as raised:
        client.query(sql).result()
    assert raised.value.message == message


@pytest.mark.parametrize(("expression", "expected"), [
    ("DIV(DIV(7 + 1, 2) + 1, 3)", _div(_div(7 + 1, 2) + 1, 3)),
    ("DIV(10, DIV(4 + 2, 2) + 1)", _div(10, _div(4 + 2, 2) + 1)),
    ("DIV(DIV(DIV(50 - 1, 2) + 3, 2) * 2, 5 + 2)", _div(_div(_div(50 - 1, 2) + 3, 2) * 2, 5 + 2)),
])
def test_a_div_inside_another_keeps_its_grouping(client: DuckDBClient, expression: str, expected: int) -> None:
    """Until stop 36 only the outer call was grouped: the inner one was rewritten in a copy the
    tree no longer held, so ``DIV(DIV(7 + 1, 2) + 1, 3)`` was 2 (BigQuery: 1) and
    ``DIV(10, DIV(4 + 2, 2) + 1)`` 1 (BigQuery: 2), silently."""
    assert one(client, f"SELECT {expression}") == expected


def test_a_long_concatenation_chain_is_written_once(client: DuckDBClient) -> None:
    """A chain of 600 ``||`` keeps its values in order; each operator's operands used to be
    copied, so the chain cost a copy per operand (900 operands took 16 s to translate)."""
    values = [f"'{i % 10}'" for i in range(600)]
    assert one(client, "SELECT " + " || ".join(values)) == "".join(str(i % 10) for i in range(600))
