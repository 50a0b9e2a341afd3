"""Retry policy, transient classification, JSON-safe rows and the event row model (no I/O)."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from google.api_core import exceptions as gexc
from google.cloud.bigquery import SchemaField

from shared_services.events.model import EVENT_KEYWORDS, build_event_row
from shared_services.events.serialization import RowSerializationError, json_safe_row
from shared_services.events.sink import RetryPolicy, batch_job_id, is_transient


def test_backoff_grows_exponentially_is_capped_and_jittered():
    policy = RetryPolicy(max_attempts=6, initial_delay=1.0, max_delay=5.0)
    assert list(policy.delays(random.Random(1), jitter=False)) == [1.0, 2.0, 4.0, 5.0, 5.0]
    jittered = list(policy.delays(random.Random(1)))
    assert len(jittered) == 5
    assert all(0 <= d <= cap for d, cap in zip(jittered, [1, 2, 4, 5, 5], strict=True))
    assert jittered != [1.0, 2.0, 4.0, 5.0, 5.0]
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    # the boundaries are valid: one attempt (no retry), no delay at all
    assert list(RetryPolicy(max_attempts=1).delays(random.Random(0))) == []
    assert list(RetryPolicy(max_attempts=3, initial_delay=0.0, max_delay=0.0, multiplier=1.0).delays(
        random.Random(0), jitter=False)) == [0.0, 0.0]
    for bad in ({"initial_delay": -1.0}, {"max_delay": -0.5}, {"multiplier": 0.5}):
        with pytest.raises(ValueError, match="delays must be >= 0 and multiplier >= 1"):
            RetryPolicy(**bad)
    # full jitter: anywhere from 0 up to the cap, also for caps below one second
    short = list(RetryPolicy(max_attempts=30, initial_delay=0.2, max_delay=0.2).delays(random.Random(2)))
    assert all(0 <= d <= 0.2 for d in short) and min(short) < 0.05


@pytest.mark.parametrize("exc, transient", [
    (gexc.TooManyRequests("429"), True),
    (gexc.InternalServerError("500"), True),
    (gexc.ServiceUnavailable("503"), True),
    (gexc.Forbidden("403", errors=[{"reason": "rateLimitExceeded"}]), True),
    (gexc.Forbidden("403", errors=[{"reason": "accessDenied"}]), False),
    (gexc.Forbidden("Exceeded rate limits: rateLimitExceeded"), True),  # reason only in the text
    (gexc.BadRequest("schema"), False),
    (gexc.NotFound("table"), False),
    (ConnectionResetError("reset"), True),
    (ValueError("bug"), False),
])
def test_only_transient_errors_are_retried(exc, transient):
    assert is_transient(exc) is transient


def test_job_id_is_deterministic_per_batch():
    rows = [{"event_id": "a"}, {"event_id": "b"}]
    assert batch_job_id("ds.t", rows) == batch_job_id("ds.t", [dict(r) for r in rows])
    assert batch_job_id("ds.t", rows) != batch_job_id("ds.t", rows[:1])
    assert batch_job_id("ds.t", rows) != batch_job_id("ds.u", rows)


SCHEMA = [
    SchemaField("id", "STRING", mode="REQUIRED"), SchemaField("n", "INT64"), SchemaField("x", "FLOAT64"),
    SchemaField("ok", "BOOL"), SchemaField("d", "DATE"), SchemaField("ts", "TIMESTAMP"),
    SchemaField("tags", "STRING", mode="REPEATED"), SchemaField("meta", "JSON"), SchemaField("amount", "NUMERIC"),
]


def test_json_safe_row_converts_what_processors_pass():
    row = json_safe_row({
        "id": np.str_("p1"), "n": np.int64(7), "x": np.float32(0.5), "ok": np.bool_(True),
        "d": pd.Timestamp("2025-01-15 22:00", tz="US/Pacific"), "ts": datetime(2025, 1, 15, 3),
        "tags": np.array(["a", "b"]), "meta": {"when": date(2025, 1, 1), "v": Decimal("1.5"), "nan": float("nan")},
        "amount": Decimal("10.25"),
    }, SCHEMA)
    assert row == {"id": "p1", "n": 7, "x": 0.5, "ok": True, "d": "2025-01-15",
                   "ts": "2025-01-15T03:00:00.000000+00:00", "tags": ["a", "b"],
                   "meta": {"when": "2025-01-01", "v": 1.5, "nan": None}, "amount": "10.25"}
    json.dumps(row)  # loadable
    nulls = json_safe_row({"id": "p", "x": float("nan"), "ts": pd.NaT, "n": pd.NA, "tags": None}, SCHEMA)
    assert nulls == {"id": "p", "x": None, "ts": None, "n": None, "tags": []}


@pytest.mark.parametrize("row, message", [
    ({"id": "p", "bogus": 1}, "bogus"),
    ({"id": None}, "'id' is REQUIRED"),
    ({"id": "p", "n": "seven"}, "'n'"),
    ({"id": "p", "n": 1.5}, "'n'"),
    ({"id": "p", "d": "15/01/2025"}, "'d'"),
    # Python's fromisoformat reads these; the library's dates (and BigQuery's) are YYYY-MM-DD only
    ({"id": "p", "d": "20250115"}, r"'d' \(DATE\): cannot store '20250115': expected YYYY-MM-DD"),
    ({"id": "p", "d": "2025-W03-3"}, r"'d' \(DATE\): cannot store '2025-W03-3': expected YYYY-MM-DD"),
    ({"id": "p", "d": "2025-1-5"}, "expected YYYY-MM-DD"),
    # pandas alone reads these as times ('now' as the current time): not timestamps
    ({"id": "p", "ts": "now"}, r"'ts' \(TIMESTAMP\): cannot store 'now': 'now' is not a timestamp; expected "),
    ({"id": "p", "ts": "today"}, "'today' is not a timestamp"),
    ({"id": "p", "ts": "Jan 15 2025"}, "'Jan 15 2025' is not a timestamp"),
    ({"id": "p", "ts": "15/01/2025 03:00"}, "is not a timestamp"),
    ({"id": "p", "tags": "a,b"}, "REPEATED"),
    ({"id": "p", "ok": "maybe"}, "'ok'"),
])
def test_bad_values_name_the_field(row, message):
    with pytest.raises(RowSerializationError, match=message):
        json_safe_row(row, SCHEMA)


def test_event_row_is_complete_validated_and_json_safe(monkeypatch):
    monkeypatch.setenv("COVERAGE_ENVIRONMENT", "prod")
    now = datetime(2025, 1, 16, 5, tzinfo=UTC)
    row = build_event_row("source_missing", "critical", "nothing", quality_before={"tier": "gold", "score": 99.0},
                          game_id="g", game_date=date(2025, 1, 15), now=now)
    assert row["environment"] == "prod" and row["requires_alert"] is True and row["alert_sent"] is False
    assert row["event_timestamp"] == "2025-01-16T05:00:00.000000+00:00" == row["created_at"]
    assert row["quality_tier_before"] == "gold" and row["game_date"] == "2025-01-15"
    assert row["fallback_sources_tried"] == [] and row["is_synthetic"] is False
    json.dumps(row)
    assert "event_id" not in EVENT_KEYWORDS and "primary_source" in EVENT_KEYWORDS
    with pytest.raises(TypeError, match="quality_after"):
        build_event_row("source_missing", "info", "x", quality_after="gold")
