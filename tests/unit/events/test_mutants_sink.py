"""The event sink's retry policy and already-ran check, as a caller sees them (survivors of
the mutation run on ``shared_services/events/sink.py``).

The 409 case uses the real ``google.cloud.bigquery.Client`` against literal REST responses
(:class:`tests.support.canned_bigquery.CannedBigQuery`), like the contract tests it borrows
its helpers from.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shared_services.events.sink import RetryPolicy
from tests.contract.test_literal_rest_responses import (
    PROJECT,
    UPLOAD,
    _load_done,
    _requested_job_id,
    _rows,
    _sink,
    job_resource,
)
from tests.support.canned_bigquery import CannedBigQuery, CannedRequest, error_body


@pytest.fixture
def server() -> Iterator[CannedBigQuery]:
    with CannedBigQuery(PROJECT) as canned:
        yield canned


@pytest.mark.parametrize("kwargs, message", [
    ({"max_attempts": 0}, "RetryPolicy.max_attempts must be >= 1, got 0"),
    ({"initial_delay": -1.0}, "RetryPolicy delays must be >= 0 and multiplier >= 1"),
    ({"max_delay": -1.0}, "RetryPolicy delays must be >= 0 and multiplier >= 1"),
    ({"multiplier": 0.9}, "RetryPolicy delays must be >= 0 and multiplier >= 1"),
])
def test_a_bad_retry_policy_names_the_setting(kwargs, message):
    with pytest.raises(ValueError) as raised:
        RetryPolicy(**kwargs)
    assert str(raised.value) == message


def test_the_error_of_an_earlier_failed_job_under_our_id_is_kept(server, tmp_path):
    ids: list[str] = []

    def upload(request: CannedRequest) -> tuple[int, Any]:
        ids.append(_requested_job_id(request))
        if len(ids) == 1:
            return 409, error_body(409, "ALREADY_EXISTS", "duplicate", f"Already Exists: Job {ids[0]}")
        return _load_done(request, len(request.upload_rows))

    server.on("POST", UPLOAD, upload)
    failed = {"reason": "invalid", "message": "Error while reading data, error message: JSON parsing error"}
    server.on("GET", r"/jobs/[^/]+$", lambda r: (200, job_resource(ids[0], "load", {}, error=failed)))
    outcome = _sink(server, tmp_path).write(_rows(2))
    assert outcome.written == 2 and outcome.attempts == 2 and outcome.job_id == f"{ids[0]}_r1"
    # the real client's job object does not raise for a job that failed: its errorResult says so
    assert outcome.errors_seen == [
        f"earlier job {ids[0]} failed: {{'reason': 'invalid', "
        "'message': 'Error while reading data, error message: JSON parsing error'}"]
