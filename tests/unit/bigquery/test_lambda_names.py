"""The translation's helper lambdas never capture a column of the query.

Some rewrites compute a value once in a one-element list and read it in a DuckDB lambda
(``list_transform([x], lambda c: ...)``). A lambda's parameter shadows a column of the same name,
so a user column named like it was read as the lambda's value. Until stop 35,
``STRING(c, 'America/New_York')`` of a TIMESTAMP column named ``c`` wrote the offset ``+00``
(BigQuery: ``-05``). The parameters are now named ``bq_...``. Expected texts are the ones the
same query gives for a column with another name.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import rows


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    yield c
    c.close()


@pytest.mark.parametrize("name", ["c", "o", "t", "r", "s", "i", "x"])
def test_a_column_named_like_a_helper_lambda_parameter(client: DuckDBClient, name: str) -> None:
    got = rows(client, f"""SELECT STRING({name}, 'America/New_York'), FORMAT_TIMESTAMP('%Ez', {name}, 'Asia/Kolkata'),
        CAST({name} AS STRING), POW(UNIX_SECONDS({name}) / 1e9, 2) > 0
        FROM (SELECT TIMESTAMP '2025-01-15 12:00:00.5+00' AS {name})""")
    assert got == [("2025-01-15 07:00:00.500-05", "+05:30", "2025-01-15 12:00:00.500+00", True)]
    assert rows(client, f"SELECT APPROX_QUANTILES({name}, 2) FROM UNNEST([1, 5, 9]) AS {name}") == [([1, 5, 9],)]
