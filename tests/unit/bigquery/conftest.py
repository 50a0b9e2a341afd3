"""Fixtures shared by the embedded warehouse's rule-check tests."""

from __future__ import annotations

import pytest

from shared_services.bigquery import duckdb_client


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements whose rules were actually walked (check_comparisons runs once per walk)."""
    seen: list[str] = []
    real = duckdb_client.check_comparisons

    def counting(tree, types_of, param_types, coerced=None):  # type: ignore[no-untyped-def]
        seen.append(tree.sql())
        return real(tree, types_of, param_types, coerced)

    monkeypatch.setattr(duckdb_client, "check_comparisons", counting)
    return seen


@pytest.fixture
def job_id_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The job ids ``DuckDBClient._assert_job_id_free`` was asked about (it still checks each)."""
    looked_up: list[str] = []
    real = duckdb_client.DuckDBClient._assert_job_id_free

    def counting(self: duckdb_client.DuckDBClient, job_id: str) -> None:
        looked_up.append(job_id)
        real(self, job_id)

    monkeypatch.setattr(duckdb_client.DuckDBClient, "_assert_job_id_free", counting)
    return looked_up
