"""STRUCTs compared as BigQuery compares them: field by field in order, NULL fields per the
operators page, and only by equality.

Operators, "Comparison operators": "Struct operands support only these comparison operators:
equal (=), not equal (!= and <>), and IN"; "When testing a struct for equality, it's possible
that one or more fields are NULL. In such cases: If all non-NULL field values are equal, the
comparison returns NULL. If any non-NULL field values aren't equal, the comparison returns
FALSE", with the table reproduced in ``test_the_reference_table_of_null_fields``. Data types,
"Orderable data types": every type except ARRAY, STRUCT, GEOGRAPHY and JSON; MIN / MAX take
"any orderable data type" (ZetaSQL: "MAX is not defined for arguments of type ...").

Until stop 35 DuckDB compared STRUCTs by field NAME and took NULL fields as equal: a box score
``line`` of ``(20, 5)`` was not equal to ``STRUCT(20, 5)`` (FALSE: the literal's fields have no
names), ``STRUCT(1, NULL) = STRUCT(1, NULL)`` was TRUE, and ORDER BY / MAX / ``<`` of a STRUCT or
MAX of an ARRAY ran.
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
    c.query("CREATE TABLE ds.box (player STRING, pts INT64, line STRUCT<pts INT64, reb INT64>, "
            "tags ARRAY<STRING>)").result()
    c.query("INSERT INTO ds.box VALUES ('a', 20, STRUCT(20, 5), ['x']), ('b', 25, STRUCT(25, NULL), []), "
            "('c', NULL, NULL, NULL)").result()
    yield c
    c.close()


@pytest.mark.parametrize(("left", "right", "expected"), [
    ("STRUCT(1, NULL)", "STRUCT(1, NULL)", None),
    ("STRUCT(1, NULL)", "STRUCT(2, NULL)", False),
    ("STRUCT(1, 2)", "STRUCT(1, NULL)", None),
])
def test_the_reference_table_of_null_fields(client: DuckDBClient, left: str, right: str, expected: object) -> None:
    assert rows(client, f"SELECT {left} = {right}") == [(expected,)]


def test_fields_are_matched_by_position_not_by_name(client: DuckDBClient) -> None:
    assert rows(client, "SELECT STRUCT(1 AS a) = STRUCT(1 AS b), STRUCT(1 AS a, 2 AS b) = STRUCT(2 AS b, 1 AS a), "
                        "(1, 2) = (1, 2), (1, NULL) = (1, NULL)") == [(True, False, True, None)]
    # a column's named fields against a literal's unnamed (or differently named) ones
    assert rows(client, "SELECT player FROM ds.box WHERE line = STRUCT(20, 5)") == [("a",)]
    assert rows(client, "SELECT player FROM ds.box WHERE line = STRUCT(20 AS reb, 5 AS pts)") == [("a",)]


def test_a_null_field_makes_the_row_unknown_in_a_where(client: DuckDBClient) -> None:
    # b's line is (25, NULL): equal to neither literal, and unknown for the one its points match
    assert rows(client, "SELECT player FROM ds.box WHERE line = STRUCT(25, 1)") == []
    assert rows(client, "SELECT player FROM ds.box WHERE line != STRUCT(25, 1)") == [("a",)]
    assert rows(client, "SELECT player, line = STRUCT(25, NULL), line != STRUCT(20, 5) FROM ds.box ORDER BY player") \
        == [("a", False, False), ("b", None, True), ("c", None, None)]


def test_in_lists_nested_structs_and_tuples(client: DuckDBClient) -> None:
    assert rows(client, "SELECT player FROM ds.box WHERE line IN (STRUCT(1, 1), STRUCT(20, 5)) ORDER BY player") \
        == [("a",)]
    assert rows(client, "SELECT player FROM ds.box WHERE (player, pts) IN (('a', 20), ('b', 25)) ORDER BY player") \
        == [("a",), ("b",)]
    # a NULL in the list: TRUE stays TRUE, FALSE becomes NULL
    assert rows(client, "SELECT player, line IN (STRUCT(20, 5), NULL) FROM ds.box ORDER BY player") \
        == [("a", True), ("b", None), ("c", None)]
    # b's (25, NULL) differs from (20, 5) in a non-NULL field: FALSE, so NOT IN holds
    assert rows(client, "SELECT player FROM ds.box WHERE line NOT IN (STRUCT(20, 5)) ORDER BY player") == [("b",)]
    assert rows(client, "SELECT STRUCT(1, STRUCT(2, NULL)) = STRUCT(1, STRUCT(2, NULL)), "
                        "STRUCT(1, STRUCT(2, 3)) = STRUCT(1, STRUCT(2, 3)), "
                        "STRUCT(1, STRUCT(2, 3)) = STRUCT(1, STRUCT(4, NULL))") == [(None, True, False)]


REFUSED = [
    ("SELECT STRUCT(1, 2) = STRUCT(1, 2, 3)", "No matching signature for operator ="),
    ("SELECT player FROM ds.box WHERE line < STRUCT(30, 1)", "Less than is not defined for arguments of type STRUCT"),
    ("SELECT player FROM ds.box WHERE line >= line", "Less than is not defined for arguments of type STRUCT"),
    ("SELECT player FROM ds.box ORDER BY line", "ORDER BY does not support expressions of type STRUCT"),
    ("SELECT player FROM ds.box ORDER BY STRUCT(pts, player)", "ORDER BY does not support expressions of type STRUCT"),
    ("SELECT MAX(line) FROM ds.box", "MAX is not defined for arguments of type STRUCT"),
    ("SELECT MIN(tags) FROM ds.box", "MIN is not defined for arguments of type ARRAY"),
    ("SELECT MAX(STRUCT(pts, player)) OVER () FROM ds.box", "MAX is not defined for arguments of type STRUCT"),
]


@pytest.mark.parametrize(("sql", "message"), REFUSED)
def test_refused_as_bigquery_refuses_it(client: DuckDBClient, sql: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest, match=message):
        client.query(sql).result()


def test_grouping_and_distinct_take_a_struct(client: DuckDBClient) -> None:
    # "Groupable data types": all but GEOGRAPHY and JSON
    assert len(rows(client, "SELECT DISTINCT line FROM ds.box")) == 3
    assert sorted(r[1] for r in rows(client, "SELECT line, COUNT(*) FROM ds.box GROUP BY line")) == [1, 1, 1]
    assert rows(client, "SELECT MAX(line.pts) FROM ds.box") == [(25,)]


def test_every_comparison_of_a_statement_is_rewritten(client: DuckDBClient) -> None:
    # a plain IN list, an IN (SELECT ...) and an UPDATE's SET reached before the STRUCT comparison
    # (a walk goes breadth first: the last operand of an AND chain comes first)
    assert rows(client, "SELECT player FROM ds.box WHERE line = STRUCT(20, 5) AND TRUE AND player IN ('a', 'b')") \
        == [("a",)]
    assert rows(client, "SELECT player FROM ds.box WHERE line = STRUCT(20, 5) AND TRUE AND player IN (SELECT 'a')") \
        == [("a",)]
    job = client.query("UPDATE ds.box SET line = STRUCT(21, 5) WHERE line = STRUCT(20, 5)")
    job.result()
    try:
        assert job.num_dml_affected_rows == 1
        assert rows(client, "SELECT player FROM ds.box WHERE line = STRUCT(21, 5)") == [("a",)]
    finally:
        client.query("UPDATE ds.box SET line = STRUCT(20, 5) WHERE player = 'a'").result()
