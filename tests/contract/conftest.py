"""Fixtures for the client contract suite: the same tests run against both adapters.

``adapter`` is parametrized: ``duckdb`` is the embedded :class:`DuckDBClient`; ``bigquery_http``
is the REAL ``google.cloud.bigquery.Client`` talking HTTP to the local stand-in server
(:mod:`tests.support.bq_standin`), which records every request. The stand-in delegates to the
embedded implementation, so the pair checks the wire encoding, not BigQuery's semantics; see
``test_literal_rest_responses.py`` for the cases independent of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from shared_services.bigquery.duckdb_client import DuckDBClient
from tests.support.bq_standin import BigQueryStandIn

PROJECT = "test-project"


@dataclass
class Adapter:
    """A client under test, plus the stand-in (``None`` for the embedded adapter)."""

    name: str
    client: Any
    standin: BigQueryStandIn | None

    @property
    def project(self) -> str:
        return PROJECT


@pytest.fixture(params=["duckdb", "bigquery_http"])
def adapter(request: pytest.FixtureRequest) -> Iterator[Adapter]:
    if request.param == "duckdb":
        client = DuckDBClient(":memory:", project=PROJECT)
        yield Adapter("duckdb", client, None)
        client.close()
        return
    standin = BigQueryStandIn(project=PROJECT).start()
    client = standin.make_client()
    try:
        yield Adapter("bigquery_http", client, standin)
    finally:
        client.close()
        standin.stop()
