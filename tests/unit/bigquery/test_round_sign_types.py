"""ROUND and TRUNC of an INT64 are FLOAT64s, SIGN of a FLOAT64 / NUMERIC keeps that type
(mathematical functions, the "Return Data Type" tables of ROUND, TRUNC and SIGN). DuckDB kept an
integer's ROUND an integer and gave every SIGN as one, so ``CREATE TABLE ... AS SELECT
ROUND(SUM(pts))`` made an INT64 column where BigQuery makes a FLOAT64 one (and a later load of
1.5 into it is refused here, taken there), and a query's rows held 3 where BigQuery's hold 3.0.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    c.query("CREATE SCHEMA ds").result()
    c.query("CREATE TABLE ds.box (player STRING, pts INT64, plus_minus FLOAT64, share NUMERIC)").result()
    c.query("INSERT INTO ds.box VALUES ('a', 21, -3.5, NUMERIC '0.25'), ('a', 9, 2.0, NUMERIC '-0.5')").result()
    yield c
    c.close()


def _typed(client: DuckDBClient, expression: str) -> tuple[str, object]:
    job = client.query(f"SELECT {expression} AS r FROM ds.box WHERE player = 'a' LIMIT 1")
    result = job.result()
    (row,) = list(result)
    return result.schema[0].field_type, row[0]


@pytest.mark.parametrize(("expression", "field_type", "value"), [
    ("ROUND(pts)", "FLOAT", 21.0),
    ("ROUND(pts, -1)", "FLOAT", 20.0),
    ("TRUNC(pts)", "FLOAT", 21.0),
    ("SAFE.ROUND(pts)", "FLOAT", 21.0),
    ("SIGN(plus_minus)", "FLOAT", -1.0),
    ("ROUND(FARM_FINGERPRINT(player)) = FARM_FINGERPRINT(player)", "BOOLEAN", True),
    ("ROUND(DATE_DIFF(DATE '2025-01-03', DATE '2025-01-01', DAY))", "FLOAT", 2.0),
    ("TRUNC(EXTRACT(YEAR FROM DATE '2025-01-01'))", "FLOAT", 2025.0),
    ("SIGN(share)", "NUMERIC", Decimal("1")),
    # unchanged: BigQuery's types are DuckDB's here
    ("SIGN(pts)", "INTEGER", 1),
    ("pts / 2", "FLOAT", 10.5),                       # INT64 / INT64 is a FLOAT64 on both
    ("ROUND(plus_minus)", "FLOAT", -4.0),
    ("ROUND(share, 1)", "NUMERIC", Decimal("0.3")),
])
def test_the_result_has_bigquerys_type(client: DuckDBClient, expression: str, field_type: str,
                                       value: object) -> None:
    got_type, got = _typed(client, expression)
    assert (got_type, got, type(got)) == (field_type, value, type(value))


def test_a_table_created_from_a_rounded_integer_has_a_float64_column(client: DuckDBClient) -> None:
    client.query("CREATE TABLE ds.avg_pts AS SELECT player, ROUND(SUM(pts) / 1) AS total, "
                 "ROUND(SUM(pts)) AS rounded FROM ds.box GROUP BY player").result()
    types = {f.name: f.field_type for f in client.get_table("ds.avg_pts").schema}
    assert types == {"player": "STRING", "total": "FLOAT", "rounded": "FLOAT"}
    client.query("INSERT INTO ds.avg_pts VALUES ('b', 1.5, 2.5)").result()
    (row,) = client.query("SELECT rounded FROM ds.avg_pts WHERE player = 'b'").result()
    assert row[0] == 2.5


def test_every_call_is_typed_and_parameters_count(client: DuckDBClient) -> None:
    """A call whose argument's type is not read (first) does not stop the others being typed;
    an INT64 parameter is an INT64."""
    from google.cloud import bigquery

    result = client.query("SELECT ROUND(RANGE_BUCKET(pts, [10, 20])) AS a, ROUND(pts) AS b FROM ds.box LIMIT 1").result()
    assert result.schema[1].field_type == "FLOAT"  # (RANGE_BUCKET's type is not read: the first is DuckDB's)
    config = bigquery.QueryJobConfig(query_parameters=[bigquery.ScalarQueryParameter("p", "INT64", 7)])
    result = client.query("SELECT ROUND(@p) AS r", job_config=config).result()
    assert (result.schema[0].field_type, list(result)[0][0]) == ("FLOAT", 7.0)


@pytest.mark.parametrize(("expression", "value"), [
    ("SQRT(share * 8)", Decimal("1.414213562")),     # DuckDB: 1.4142135623730951, a DOUBLE
    ("POW(share, 2)", Decimal("0.0625")),
    ("EXP(share)", Decimal("1.284025417")),
    ("LN(share)", Decimal("-1.386294361")),
    ("LOG(share, 2)", Decimal("-2")),
    ("SAFE_DIVIDE(share, 3)", Decimal("0.083333333")),
    ("AVG(share) OVER (PARTITION BY player)", Decimal("0.25")),
    ("share / 3", Decimal("0.083333333")),           # "Result types for Division": NUMERIC
    ("pts / share", Decimal("84")),                   # INT64 / NUMERIC is a NUMERIC
    ("(share / 3) * 3", Decimal("0.249999999")),      # nine decimal places at each step, as there
])
def test_numeric_mathematics_gives_a_numeric(client: DuckDBClient, expression: str, value: Decimal) -> None:
    """SQRT / POW / EXP / LN / LOG / SAFE_DIVIDE / AVG of a NUMERIC, and ``/`` with a NUMERIC
    operand, are NUMERICs (mathematical functions' and AVG's return type tables; operators,
    "Result types for Division"): nine decimal places, not a DOUBLE's digits."""
    job = client.query(f"SELECT {expression} AS r FROM ds.box WHERE pts = 21")
    result = job.result()
    (row,) = list(result)
    assert (result.schema[0].field_type, row[0]) == ("NUMERIC", value)
