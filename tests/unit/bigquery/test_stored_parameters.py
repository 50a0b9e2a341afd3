"""The embedded client reads a config's parameters from their stored REST form.

``QueryJobConfig.query_parameters`` rebuilds every array value through the BigQuery client's
converters; ``duckdb_client._stored_parameters`` rebuilds ``STRING`` arrays in one pass and
hands everything else to the client's own ``from_api_repr``. What the query sees must be the
same: the (types, values) the client derives from them equal the property's, for any mix.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_services.bigquery import duckdb_client
from shared_services.bigquery.duckdb_client import DuckDBClient

text = st.text(max_size=12)
names = st.one_of(st.none(), st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True))


def _param(draw: Any, name: str | None) -> Any:
    kind = draw(st.sampled_from(["STRING", "INT64", "FLOAT64", "BOOL", "DATE", "TIMESTAMP", "JSON",
                                 "ARRAY<STRING>", "ARRAY<INT64>", "ARRAY<DATE>"]))
    values = {
        "STRING": st.one_of(st.none(), text),
        "INT64": st.one_of(st.none(), st.integers(-2**63, 2**63 - 1)),
        "FLOAT64": st.one_of(st.none(), st.floats(allow_nan=False)),
        "BOOL": st.one_of(st.none(), st.booleans()),
        "DATE": st.one_of(st.none(), st.dates()),
        "TIMESTAMP": st.one_of(st.none(), st.datetimes(timezones=st.just(dt.UTC))),
        "JSON": st.one_of(st.none(), st.dictionaries(text, st.integers(), max_size=2)),
    }
    if kind.startswith("ARRAY<"):
        element = kind[6:-1]
        return bigquery.ArrayQueryParameter(name, element, draw(st.lists(values[element], max_size=5)))
    return bigquery.ScalarQueryParameter(name, kind, draw(values[kind]))


@st.composite
def configs(draw: Any) -> bigquery.QueryJobConfig:
    count = draw(st.integers(0, 6))
    return bigquery.QueryJobConfig(query_parameters=[_param(draw, draw(names)) for _ in range(count)])


@settings(max_examples=150, deadline=None)
@given(configs())
def test_any_parameters_give_what_the_public_property_gives(config: bigquery.QueryJobConfig) -> None:
    """The same ``(types, values)``, or the same refusal (named beside unnamed parameters)."""
    def outcome(read: Any) -> Any:
        try:
            return read()
        except gexc.BadRequest as err:
            return f"BadRequest: {err.message}"

    stored = outcome(lambda: DuckDBClient._parameters(config))
    assert stored == outcome(lambda: DuckDBClient._parameters_of(list(config.query_parameters)))
    names = [bool(p.name) for p in config.query_parameters]
    assert isinstance(stored, str) == (len(set(names)) > 1)  # refused exactly when mixed


def test_struct_and_unusual_stored_forms_go_through_the_property() -> None:
    struct = bigquery.StructQueryParameter("s", bigquery.ScalarQueryParameter("x", "INT64", 1))
    config = bigquery.QueryJobConfig(query_parameters=[struct])
    with pytest.raises(gexc.BadRequest, match="STRUCT / RANGE"):
        DuckDBClient._parameters(config)
    ids = bigquery.ArrayQueryParameter("ids", "STRING", ["a", "b"])
    config = bigquery.QueryJobConfig(query_parameters=[ids])
    assert duckdb_client._stored_parameters(config)[0].values == ["a", "b"]
    config._properties["query"]["queryParameters"][0]["parameterValue"] = {"arrayValues": "not a list"}
    with pytest.raises(Exception):  # noqa: B017,PT011 - the client's own property decides, as before
        duckdb_client._stored_parameters(config)


def test_a_query_with_a_big_string_array_returns_the_rows_it_names() -> None:
    with DuckDBClient(":memory:") as client:
        client.create_dataset("ds")
        client.query("CREATE TABLE ds.t (id STRING)").result()
        client.query("INSERT INTO ds.t (id) VALUES ('a'), ('b'), ('c'), (NULL)").result()
        wanted = ["b", "c", *[f"x{i}" for i in range(3000)], "it's"]
        config = bigquery.QueryJobConfig(query_parameters=[bigquery.ArrayQueryParameter("ids", "STRING", wanted)])
        rows = client.query("SELECT id FROM ds.t WHERE id IN UNNEST(@ids) ORDER BY id", job_config=config).result()
        assert [r.id for r in rows] == ["b", "c"]
