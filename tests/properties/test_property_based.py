"""Property-based tests (hypothesis) where the input space is too large for examples.

* Event rows survive the JSON-safe conversion AND a real load into the embedded warehouse
  unchanged, for any valid value: unicode text, int64 extremes, NaN (loads as NULL),
  dates 0001-01-01..9999-12-31, microsecond timestamps.
* ``aggregate_quality_tiers`` is order-independent, returns one of its inputs, and is never
  better than its worst input (the rank order is stated here, not imported).
* The audit's ``classify()`` is a function of (tables with data, has a log record) only.

The examples are few (``max_examples``) and deterministic (``derandomize``) so the suite stays
quick and a failure reproduces; raise ``HYPOTHESIS_MAX_EXAMPLES`` to search harder.
"""

from __future__ import annotations

import math
import os
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from google.cloud import bigquery
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_processors.source_coverage_audit.classify import classify
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.events.model import build_event_row
from shared_services.events.serialization import json_safe_rows
from shared_services.events.sink import EventSink
from shared_services.utils.source_coverage_utils import aggregate_quality_tiers

EXAMPLES = int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "40"))
PROPERTY = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# -- event rows: conversion + load round trip -----------------------------------------------

SCHEMA = [
    bigquery.SchemaField("id", "STRING", mode="REQUIRED"),
    bigquery.SchemaField("text", "STRING"),
    bigquery.SchemaField("n", "INT64"),
    bigquery.SchemaField("x", "FLOAT64"),
    bigquery.SchemaField("ok", "BOOL"),
    bigquery.SchemaField("d", "DATE"),
    bigquery.SchemaField("ts", "TIMESTAMP"),
    bigquery.SchemaField("tags", "STRING", mode="REPEATED"),
]

# Valid BigQuery STRING values: any unicode scalar value (no lone surrogates).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
FLOATS = st.floats(allow_infinity=False, width=64)  # NaN included: it loads as NULL
DATES = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
TIMESTAMPS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                          timezones=st.just(UTC))

ROW = st.fixed_dictionaries({
    "text": st.none() | TEXT,
    "n": st.none() | INT64,
    "x": st.none() | FLOATS,
    "ok": st.none() | st.booleans(),
    "d": st.none() | DATES,
    "ts": st.none() | TIMESTAMPS,
    "tags": st.lists(TEXT, max_size=4),
})


@pytest.fixture(scope="module")
def store():
    client = DuckDBClient(":memory:", project="prop")
    client.create_dataset("ds")
    client.create_table(bigquery.Table("prop.ds.t", schema=SCHEMA))
    yield client
    client.close()


def _expected(row: dict[str, Any]) -> dict[str, Any]:
    """What a reader must get back: the same values; NaN reads as NULL."""
    out = dict(row)
    if out["x"] is not None and math.isnan(out["x"]):
        out["x"] = None
    return out


@PROPERTY
@given(rows=st.lists(ROW, min_size=1, max_size=8))
def test_rows_round_trip_through_conversion_and_load_unchanged(store, rows):
    for row in rows:
        row["id"] = uuid.uuid4().hex
    safe = json_safe_rows(rows, SCHEMA)
    job = store.load_table_from_json(safe, "ds.t", job_config=bigquery.LoadJobConfig(schema=SCHEMA))
    assert job.result().output_rows == len(rows)
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ArrayQueryParameter("ids", "STRING", [r["id"] for r in rows])])
    got = {r["id"]: dict(r.items())
           for r in store.query("SELECT * FROM ds.t WHERE id IN UNNEST(@ids)", job_config=config).result()}
    for row in rows:
        back = got[row["id"]]
        back["tags"] = list(back["tags"])
        assert back == _expected(row)


@PROPERTY
@given(description=TEXT.filter(bool), game_id=TEXT, player_id=st.none() | TEXT, game_date=DATES)
def test_event_rows_round_trip_through_the_sink_into_the_log(warehouse, description, game_id, player_id,
                                                             game_date):
    row = build_event_row("fallback_used", "info", description, game_id=game_id, player_id=player_id,
                          game_date=game_date)
    assert EventSink(warehouse).write([row]).written == 1
    # rows, not to_dataframe(): pandas cannot hold a DATE after 2262 (db-dtypes raises, with the
    # real client too); the stored values themselves must be exact
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("id", "STRING", row["event_id"])])
    [got] = list(warehouse.query(
        f"SELECT description, game_id, player_id, game_date FROM `{COVERAGE_LOG_TABLE}` "
        "WHERE event_timestamp >= TIMESTAMP('2000-01-01') AND event_id = @id", job_config=config).result())
    assert tuple(got.values()) == (description, game_id, player_id, game_date)


# -- aggregate_quality_tiers -------------------------------------------------------------------

RANK = ["unusable", "poor", "bronze", "silver", "gold"]  # worst first (SCORING.md)
TIER_LISTS = st.lists(st.sampled_from(RANK), min_size=1, max_size=12)


@PROPERTY
@given(tiers=TIER_LISTS, data=st.data())
def test_aggregate_tier_is_order_independent_and_never_better_than_the_worst(tiers, data):
    result = str(aggregate_quality_tiers(tiers).value)
    shuffled = data.draw(st.permutations(tiers))
    assert str(aggregate_quality_tiers(shuffled).value) == result
    assert result in tiers
    assert RANK.index(result) <= min(RANK.index(t) for t in tiers)
    assert RANK.index(result) == min(RANK.index(t) for t in tiers)


# -- audit classification ---------------------------------------------------------------------

TABLE_NAMES = [f"ds.table_{i}" for i in range(6)]


def _reference(any_data: bool, all_data: bool, has_log: bool) -> tuple[str, str]:
    """The documented table (classify.py docstring), written out."""
    if not any_data:
        return ("logged_but_no_data", "critical") if has_log else ("completely_missing", "critical")
    if not all_data:
        return ("partial_data", "warning")
    return ("normal", "info") if has_log else ("data_exists_no_log", "warning")


@PROPERTY
@given(data=st.data())
def test_classification_depends_only_on_tables_with_data_and_having_a_log(data):
    checked = data.draw(st.lists(st.sampled_from(TABLE_NAMES), min_size=1, max_size=4, unique=True))
    with_data = data.draw(st.lists(st.sampled_from(TABLE_NAMES), max_size=8))  # may hold unchecked ones
    log_events = data.draw(st.integers(min_value=0, max_value=10_000))
    tracked = data.draw(st.booleans())
    status = classify(checked, with_data, log_events, tracked)[:2]

    present = set(with_data) & set(checked)
    has_log = log_events > 0 or tracked
    assert status == _reference(bool(present), present == set(checked), has_log)
    # same inputs in another shape: order, duplicates, unchecked tables, another log count
    other_shape = data.draw(st.permutations(sorted(present) * 2 + ["ds.not_checked"]))
    other_count = data.draw(st.integers(min_value=1, max_value=10_000)) if log_events else 0
    assert classify(checked, other_shape, other_count, tracked)[:2] == status
    if has_log:  # events or quality-tracked rows: either record counts the same
        assert classify(checked, with_data, 0, True)[:2] == classify(checked, with_data, 1, False)[:2] == status
