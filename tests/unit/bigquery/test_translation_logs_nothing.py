"""A statement the embedded warehouse refuses (or rewrites) prints nothing but its error.

sqlglot logs a warning when it falls back to a plain command ("'IF 1 > 0 THEN SELECT 1' contains
unsupported syntax. Falling back to parsing as a 'Command'") or cannot read a JSON path; a
program that has not set up logging printed it on its console beside the BadRequest that says
the same in the library's words. Until stop 35 these lines reached stderr; sqlglot's warnings
for what the program parses itself still do.
"""

from __future__ import annotations

import logging

import pytest
import sqlglot
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient


@pytest.mark.parametrize(("sql", "message"), [
    ("IF 1 > 0 THEN SELECT 1; END IF;", "IF statements are not supported by the embedded warehouse"),
    ("SELECT JSON_VALUE(JSON '{}', ' LAX $.a')", "JSONPath mode"),
])
def test_a_refused_statement_logs_no_sqlglot_warning(caplog: pytest.LogCaptureFixture, sql: str,
                                                     message: str) -> None:
    client = DuckDBClient(":memory:")
    try:
        with caplog.at_level(logging.DEBUG, logger="sqlglot"), pytest.raises(gexc.BadRequest, match=message):
            client.query(sql).result()
    finally:
        client.close()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("sqlglot")] == []


def test_the_programs_own_parses_still_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="sqlglot"):
        sqlglot.parse("IF 1 > 0 THEN SELECT 1; END IF;", read="bigquery")
    assert any("Falling back to parsing as a 'Command'" in r.getMessage() for r in caplog.records)
