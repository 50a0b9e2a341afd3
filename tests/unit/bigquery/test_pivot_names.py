"""PIVOT's columns named as BigQuery names them, and UNPIVOT's in BigQuery's order.

Query syntax, "PIVOT operator": "You can include multiple aggregation functions in the PIVOT. In
this case, you must specify a prefix for each aggregation. These prefixes are used to construct
the column names" (its examples: ``total_sales_Q1``, ``sales_first_quarter``), and the rules for
a value without an alias: a string as it is, a number with ``_`` before it (``minus_`` for a
negative one, ``_point_`` for the decimal point), TRUE / FALSE. The Produce table and the
expected tables are the page's own.

Until stop 35 DuckDB named them value first (``Q1_total_sales``, ``first_quarter_sales``) and a
number as its digits (``2020``): ``SELECT pivoted_sales.sales_first_quarter`` was "column not
found" here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.Produce (product STRING, sales INT64, quarter STRING, year INT64)").result()
    c.query("INSERT INTO ds.Produce VALUES ('Kale', 51, 'Q1', 2020), ('Kale', 23, 'Q2', 2020), "
            "('Kale', 45, 'Q3', 2020), ('Kale', 3, 'Q4', 2020), ('Kale', 70, 'Q1', 2021), ('Kale', 85, 'Q2', 2021), "
            "('Apple', 77, 'Q1', 2020), ('Apple', 0, 'Q2', 2020), ('Apple', 1, 'Q1', 2021)").result()
    yield c
    c.close()


def table(client: DuckDBClient, sql: str) -> tuple[list[str], set[tuple[object, ...]]]:
    result = client.query(sql).result()
    return [f.name for f in result.schema], {tuple(r.values()) for r in result}


def test_prefixes_come_before_the_value(client: DuckDBClient) -> None:
    names, got = table(client, "SELECT * FROM (SELECT product, sales, quarter FROM ds.Produce) "
                               "PIVOT(SUM(sales) AS total_sales, COUNT(*) AS num_records FOR quarter IN ('Q1', 'Q2'))")
    assert names == ["product", "total_sales_Q1", "num_records_Q1", "total_sales_Q2", "num_records_Q2"]
    assert got == {("Kale", 121, 2, 108, 2), ("Apple", 78, 2, 0, 1)}


def test_a_value_alias_and_the_table_alias(client: DuckDBClient) -> None:
    names, got = table(client, "SELECT pivoted_sales.product, pivoted_sales.sales_first_quarter, "
                               "pivoted_sales.sales_second_quarter FROM (SELECT product, sales, quarter FROM ds.Produce) "
                               "PIVOT(SUM(sales) AS sales FOR quarter IN ('Q1' AS first_quarter, 'Q2' AS second_quarter)) "
                               "AS pivoted_sales")
    assert names == ["product", "sales_first_quarter", "sales_second_quarter"]
    assert got == {("Apple", 78, 0), ("Kale", 121, 108)}


def test_without_a_prefix_the_value_names_the_column(client: DuckDBClient) -> None:
    names, got = table(client, "SELECT * FROM ds.Produce PIVOT(SUM(sales) FOR quarter IN ('Q1', 'Q2', 'Q3', 'Q4'))")
    assert names == ["product", "year", "Q1", "Q2", "Q3", "Q4"]
    assert ("Kale", 2020, 51, 23, 45, 3) in got and ("Apple", 2021, 1, None, None, None) in got


@pytest.mark.parametrize(("pivot", "expected"), [
    ("SUM(sales) FOR year IN (2020, -1)", ["_2020", "minus_1"]),
    ("SUM(sales) AS s FOR year IN (2020)", ["s__2020"]),
    ("SUM(sales) FOR half IN (1010.5)", ["_1010_point_5"]),
    ("SUM(sales) FOR recent IN (TRUE, FALSE)", ["TRUE", "FALSE"]),
])
def test_numbers_and_booleans_are_named_by_the_pages_rules(client: DuckDBClient, pivot: str,
                                                             expected: list[str]) -> None:
    names, _ = table(client, f"SELECT * FROM (SELECT sales, year, year / 2 AS half, year > 2020 AS recent "
                             f"FROM ds.Produce) PIVOT({pivot})")
    assert names[-len(expected):] == expected


def test_a_second_pivot_of_the_statement(client: DuckDBClient) -> None:
    # (the UNPIVOT of the statement is put in order, below); a pivot without prefixes before one
    # with them leaves the second renamed
    names, got = table(client, "SELECT a.Q1, b.s_Q1 FROM (SELECT * FROM (SELECT product, sales, quarter FROM ds.Produce) "
                               "PIVOT(SUM(sales) FOR quarter IN ('Q1'))) AS a JOIN (SELECT * FROM (SELECT product, sales, "
                               "quarter FROM ds.Produce) PIVOT(SUM(sales) AS s FOR quarter IN ('Q1'))) AS b USING (product)")
    assert names == ["Q1", "s_Q1"] and got == {(121, 121), (78, 78)}


def test_unpivot_gives_the_values_before_the_name_column(client: DuckDBClient) -> None:
    """Query syntax, "UNPIVOT operator": ``product | sales | quarter`` and ``product |
    first_half_sales | second_half_sales | semesters``; DuckDB put the name column first."""
    produce = "(SELECT 'Kale' AS product, 51 AS Q1, 23 AS Q2, 45 AS Q3, 3 AS Q4)"
    names, got = table(client, f"SELECT * FROM {produce} UNPIVOT(sales FOR quarter IN (Q1, Q2, Q3, Q4))")
    assert names == ["product", "sales", "quarter"]
    assert got == {("Kale", 51, "Q1"), ("Kale", 23, "Q2"), ("Kale", 45, "Q3"), ("Kale", 3, "Q4")}
    names, got = table(client, f"SELECT * FROM {produce} UNPIVOT((first_half_sales, second_half_sales) FOR semesters "
                               "IN ((Q1, Q2) AS 'semester_1', (Q3, Q4) AS 'semester_2')) AS u")
    assert names == ["product", "first_half_sales", "second_half_sales", "semesters"]
    assert got == {("Kale", 51, 23, "semester_1"), ("Kale", 45, 3, "semester_2")}
