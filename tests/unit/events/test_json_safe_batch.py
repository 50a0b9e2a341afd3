"""``json_safe_batch`` (column by column) gives exactly what ``json_safe_rows`` (row by row) gives.

``replace_rows`` converts a processor's output rows with ``json_safe_batch``: the rows it
stands for must be equal to ``json_safe_rows``' - the same keys in the same order, the same
values of the same types - so the NDJSON the real client sends is byte for byte the same, and
a bad value must raise the same error naming the same row. Every case compares the two paths;
none states an expected value the code computed.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from google.cloud.bigquery import LoadJobConfig, SchemaField
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.events import serialization
from shared_services.events.serialization import (
    JsonRows,
    RowSerializationError,
    json_safe_batch,
    json_safe_rows,
)
from shared_services.quality.columns import FrozenDict, FrozenList

SCHEMA = [
    SchemaField("id", "INT64", mode="REQUIRED"),
    SchemaField("name", "STRING"),
    SchemaField("score", "FLOAT64"),
    SchemaField("ok", "BOOL"),
    SchemaField("day", "DATE"),
    SchemaField("at", "TIMESTAMP"),
    SchemaField("local", "DATETIME"),
    SchemaField("amount", "NUMERIC"),
    SchemaField("doc", "JSON"),
    SchemaField("tags", "STRING", mode="REPEATED"),
    SchemaField("counts", "INT64", mode="REPEATED"),
]

SHARED_DOC = FrozenDict({"sample_size": 13, "nested": FrozenDict({"x": [1.5, None]}), "ü": "ß"})
SHARED_TAGS = FrozenList(["nbac_gamebook_player_stats", "bdl_player_boxscores"])


def _nbsp_row(i: int) -> dict[str, object]:
    return {
        "id": np.int64(i), "name": f"Luka Dončić {i}\u00a0", "score": np.float64(i / 3),
        "ok": np.bool_(i % 2 == 0), "day": date(2025, 1, 10) + timedelta(days=i % 3),
        "at": "2025-01-15T03:04:05.123456+00:00" if i % 2 else pd.Timestamp("2025-01-15 03:00", tz="US/Eastern"),
        "local": datetime(2025, 1, 15, 12, i % 60), "amount": Decimal("1.10") * i,
        "doc": SHARED_DOC, "tags": SHARED_TAGS, "counts": np.array([i, i + 1]),
    }


CASES = {
    # a frame's records: shared quality containers, repeated strings, numpy scalars
    "frame records": [_nbsp_row(i) for i in range(12)],
    "missing values": [
        {"id": 1, "name": None, "score": float("nan"), "ok": pd.NA, "day": pd.NaT, "at": None,
         "local": pd.NaT, "amount": None, "doc": None, "tags": None, "counts": []},
        {"id": 2, "name": pd.NA, "score": float("inf"), "ok": None, "day": None, "at": pd.NaT,
         "local": None, "amount": Decimal("NaN"), "doc": {"n": float("nan")}, "tags": [], "counts": None},
    ],
    "only some columns (missing REPEATED become [])": [{"id": 1, "name": "a"}, {"id": 2, "name": "a"}],
    "timestamps in other forms": [
        {"id": i, "at": value} for i, value in enumerate([
            "2025-01-15 23:59:59Z", "2025-01-15T03:00:00.1-05:30", datetime(2025, 1, 15, 3),
            datetime(2025, 1, 15, 3, tzinfo=timezone(timedelta(hours=5))), pd.Timestamp("2025-01-15"),
            np.datetime64("2025-01-15T03:04:05"), date(2025, 1, 15), "2025-01-15T03:00:00+00:00",
            "2025-01-15T03:00:00+00:00"])
    ],
    "unicode and JSON shapes": [
        {"id": 1, "name": "\ufffd", "doc": [1, "two", {"three": 3.5}], "tags": ("a", "b")},
        {"id": 2, "name": "x" * 10_000, "doc": "just text", "tags": ["é", "日本"]},
        {"id": 3, "name": "\U0001f3c0", "doc": {1: "int key", "d": date(2025, 1, 1)}, "tags": ["é"]},
        {"id": 4, "name": "😀", "doc": 7, "tags": FrozenList(["a"])},
    ],
    "strings read as numbers and placeholders": [
        {"id": "7", "score": "1.5", "amount": "2.50", "ok": "TRUE", "counts": ["3", 4]},
        {"id": 8, "score": "N/A", "amount": "-", "ok": "false", "counts": [5]},
    ],
}


def _same_rows(rows: list[dict[str, object]], schema=SCHEMA) -> JsonRows:
    expected = json_safe_rows(rows, schema)
    batch = json_safe_batch(rows, schema)
    got = list(batch)
    assert got == expected
    # the same keys in the same order and the same value types: byte-identical NDJSON
    assert [list(r) for r in got] == [list(r) for r in expected]
    assert [json.dumps(r, ensure_ascii=False) for r in got] == [json.dumps(r, ensure_ascii=False) for r in expected]
    assert [[type(v) for v in r.values()] for r in got] == [[type(v) for v in r.values()] for r in expected]
    assert len(batch) == len(expected) and batch[0] == expected[0]
    return batch


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_batch_equals_the_rows_of_json_safe_rows(case):
    batch = _same_rows(CASES[case])
    columns = batch.to_columns()
    assert columns is not None, "these rows share their keys: the columns are handed over"
    # every column holds the rows' values in row order; a column no row holds is absent
    rows = list(batch)
    assert columns == {name: [row[name] for row in rows] for name in rows[0]}


def test_a_repeated_string_or_shared_container_is_converted_once(monkeypatch):
    rows = [_nbsp_row(i) for i in range(40)]
    _same_rows(rows)
    calls = []
    original = serialization._convert_entry
    monkeypatch.setattr(serialization, "_convert_entry",
                        lambda entry, value, where: calls.append(entry[0]) or original(entry, value, where))
    json_safe_batch(rows, SCHEMA)
    # the shared metadata and tag list: once each; the timestamp text (odd rows) once, the
    # 20 Timestamp objects (even rows) one each
    assert calls.count("doc") == 1
    assert calls.count("tags") == 1
    assert calls.count("at") == 1 + 20


def test_rows_with_different_keys_or_non_dict_rows_take_the_per_row_path():
    mixed = [{"id": 1, "name": "a"}, {"id": 2, "score": 1.0}]
    batch = _same_rows(mixed)
    assert batch.to_columns() is None
    mappings = [FrozenDict({"id": 1, "name": "a"})]
    assert _same_rows(mappings).to_columns() is None


@pytest.mark.parametrize("rows", [
    [{"id": 1, "score": "abc"}, {"id": 2, "score": 1.0}],
    [{"id": 1}, {"id": None}],
    [{"id": 1, "nope": 2}],
    [{"id": 1, "tags": "a string is not a list"}],
    [{"id": 1, "tags": ["a", None]}],
    [{"id": 1, "ok": 2}, {"id": 2, "ok": "maybe"}],
    [{"id": 1, "day": "2025-13-40"}],
    [{"name": "no id"}],
    [{"id": 1, "at": "not a time"}, {"id": 2, "at": "2025-01-15T00:00:00Z"}],
], ids=["float text", "required null", "unknown field", "repeated str", "repeated null",
        "bool", "bad date", "required missing", "bad timestamp"])
def test_a_bad_value_raises_the_same_error_naming_the_same_row(rows):
    with pytest.raises(RowSerializationError) as per_row:
        json_safe_rows(rows, SCHEMA)
    with pytest.raises(RowSerializationError) as batch:
        json_safe_batch(rows, SCHEMA)
    assert str(batch.value) == str(per_row.value)
    assert str(per_row.value).startswith("row ")


def test_the_batch_loads_the_same_table_as_the_rows(tmp_path):
    rows = json_safe_rows(CASES["frame records"] + CASES["unicode and JSON shapes"], SCHEMA)
    batch = json_safe_batch(CASES["frame records"] + CASES["unicode and JSON shapes"], SCHEMA)
    with DuckDBClient(str(tmp_path / "w.duckdb")) as client:
        client.create_dataset("ds")
        config = LoadJobConfig(schema=SCHEMA)
        assert client.load_table_from_json(rows, "ds.rows", job_config=config).result().output_rows == len(rows)
        assert client.load_table_from_json(batch, "ds.batch", job_config=config).result().output_rows == len(rows)
        con = client._conn
        tables = [con.execute(f"SELECT * FROM ds.{t} ORDER BY id").fetchall() for t in ("rows", "batch")]  # noqa: S608
    assert tables[0] == tables[1]
    assert len(tables[0]) == len(rows)


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.datetimes(min_value=datetime(1700, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)),
    st.dates(min_value=date(1, 1, 1)),
)
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=4), inner, max_size=3), max_leaves=8)


@settings(max_examples=150, deadline=None)
@given(
    names=st.lists(st.one_of(st.none(), st.text(max_size=6)), min_size=1, max_size=6),
    scores=st.lists(st.one_of(st.none(), st.floats(), st.integers(-5, 5), st.sampled_from(["N/A", "1.5", ""])),
                    min_size=6, max_size=6),
    stamps=st.lists(st.one_of(st.none(), st.sampled_from(["2025-01-15T03:00:00Z", "2025-01-15 03:00:00-05:00"]),
                              st.datetimes(timezones=st.just(UTC)).filter(lambda d: 1678 <= d.year <= 2261)),
                    min_size=6, max_size=6),
    doc=_json,
    tags=st.one_of(st.none(), st.lists(st.text(max_size=3), max_size=3)),
)
def test_any_values_give_the_same_rows_or_the_same_error(names, scores, stamps, doc, tags):
    shared_tags = None if tags is None else FrozenList(tags)
    rows = [{"id": i, "name": names[i % len(names)], "score": scores[i], "at": stamps[i], "doc": doc,
             "tags": shared_tags} for i in range(6)]
    try:
        expected = json_safe_rows(rows, SCHEMA)
    except RowSerializationError as err:
        with pytest.raises(RowSerializationError) as batch_error:
            json_safe_batch(rows, SCHEMA)
        assert str(batch_error.value) == str(err)
        return
    got = list(json_safe_batch(rows, SCHEMA))
    assert json.dumps(got) == json.dumps(expected)
    assert [[type(v) for v in r.values()] for r in got] == [[type(v) for v in r.values()] for r in expected]
    assert all(not isinstance(v, float) or math.isfinite(v) for r in got for v in r.values())


class _Dict(dict):  # noqa: FURB189 - a subclass on purpose: it takes json_safe_value's general path
    pass


class _List(list):  # noqa: FURB189
    pass


def _general_form(value):
    """``value`` with every container a subclass and every number a numpy scalar: none of it
    is an exact plain type, so json_safe_value converts it by its general rules."""
    if type(value) is dict:
        return _Dict({k: _general_form(v) for k, v in value.items()})
    if type(value) is list:
        return _List(_general_form(v) for v in value)
    if type(value) is bool:
        return np.bool_(value)
    if type(value) is int and -(2**63) <= value < 2**63:
        return np.int64(value)
    if type(value) is float:
        return np.float64(value)
    return value


@settings(max_examples=200, deadline=None)
@given(value=_json)
def test_json_safe_value_of_plain_values_equals_its_general_rules(value):
    fast = serialization.json_safe_value(value)
    general = serialization.json_safe_value(_general_form(value))
    assert json.dumps(fast) == json.dumps(general)
    assert fast == general
    assert _all_finite(fast)
    json.dumps(fast, allow_nan=False)  # strict JSON: no NaN / Infinity token anywhere


def _all_finite(value) -> bool:  # type: ignore[no-untyped-def]
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_all_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_all_finite(v) for v in value)
    return True
