"""A call the translation rewrites, inside another of the same kind, is rewritten too.

Several rewrites (division by zero, SQRT / LN / LOG domains, POW / EXP errors, SAFE_ADD ...,
SAFE., IEEE_DIVIDE, DIV's grouping, the result-type casts) walked their calls outermost first
and copied the outer call's arguments: the inner call was then rewritten in a tree the query no
longer held. Until stop 36 ``1 / (1 / 0)`` was 0.0 (BigQuery: "division by zero"),
``SQRT(SQRT(-4))`` NaN and ``POW(POW(0, -1), 2)`` inf (BigQuery: errors), and nested SAFE_ADD /
SAFE. / IEEE_DIVIDE calls were refused. Expected values and messages are BigQuery's (mathematical
functions; operators, "Arithmetic operators").
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.query_results import one


@pytest.fixture(scope="module")
def client() -> Iterator[DuckDBClient]:
    c = DuckDBClient(":memory:")
    yield c
    c.close()


@pytest.mark.parametrize(("expression", "message"), [
    ("1 / (1 / 0)", "division by zero: 1 / 0"),
    ("SQRT(SQRT(-4))", "Argument to SQRT cannot be negative"),
    ("LN(LN(0.5))", "Argument to LOG cannot be zero or negative"),
    ("POW(POW(0, -1), 2)", "Floating point error in function: POW(0, -1)"),
])
def test_an_inner_call_fails_as_on_bigquery(client: DuckDBClient, expression: str, message: str) -> None:
    with pytest.raises(gexc.BadRequest) as raised:
        client.query(f"SELECT {expression}").result()
    assert message in raised.value.message


@pytest.mark.parametrize(("expression", "value"), [
    ("SAFE.SQRT(SAFE.SQRT(-4))", None),
    ("SAFE.LOG(SAFE.SQRT(4), 2)", 1.0),
    ("SAFE_ADD(SAFE_ADD(1, 2), 3)", 6),
    ("SAFE_ADD(SAFE_ADD(9223372036854775807, 1), 3)", None),
    ("IEEE_DIVIDE(IEEE_DIVIDE(1, 0), 2)", float("inf")),
    ("10 / (4 / 2)", 5.0),
    ("SQRT(SQRT(16))", 2.0),
])
def test_an_inner_call_gives_bigquerys_value(client: DuckDBClient, expression: str, value: object) -> None:
    assert one(client, f"SELECT {expression}") == value
