"""Types decided by the catalog reach the real client as BigQuery would send them.

A string literal a set operation pairs with a DATE column is a DATE on BigQuery (conversion
rules, "Supertypes and literals"), and a condition that is not BOOL is refused there (query
syntax, ``WHERE bool_expression``). Both are decided against the catalog per query (see
tests/unit/bigquery/test_conditions_and_supertypes.py); here the real
``google.cloud.bigquery.Client`` reads the result schema and the refusal over the wire.
"""

from __future__ import annotations

import datetime as dt

import pytest
from google.api_core import exceptions as gexc

from tests.contract.conftest import Adapter


def _table(adapter: Adapter) -> str:
    client = adapter.client
    client.query("CREATE SCHEMA ds").result()
    client.query("CREATE TABLE ds.games (game_date DATE, is_final INT64)").result()
    client.query("INSERT INTO ds.games VALUES (DATE '2025-01-15', 1), (DATE '2025-01-16', 0)").result()
    return "ds.games"


def test_a_set_operations_string_literal_comes_back_as_a_date(adapter: Adapter) -> None:
    table = _table(adapter)
    result = adapter.client.query(
        f"SELECT game_date FROM {table} UNION ALL SELECT '2025-02-01' ORDER BY game_date").result()
    assert [(f.name, f.field_type) for f in result.schema] == [("game_date", "DATE")]
    assert [row[0] for row in result] == [dt.date(2025, 1, 15), dt.date(2025, 1, 16), dt.date(2025, 2, 1)]


def test_an_int64_condition_is_refused_over_the_wire_in_bigquerys_words(adapter: Adapter) -> None:
    table = _table(adapter)
    with pytest.raises(gexc.BadRequest, match="WHERE clause should return type BOOL, but returns INT64"):
        adapter.client.query(f"SELECT game_date FROM {table} WHERE is_final").result()
    rows = adapter.client.query(f"SELECT game_date FROM {table} WHERE is_final = 1").result()
    assert [row[0] for row in rows] == [dt.date(2025, 1, 15)]
