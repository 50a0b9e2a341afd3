"""Fixtures shared by the embedded warehouse's rule-check tests."""

from __future__ import annotations

import pytest

from shared_services.bigquery import duckdb_client


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements whose rules were actually walked (check_comparisons runs once per walk)."""
    seen: list[str] = []
    real = duckdb_client.check_comparisons

    def counting(tree, types_of, param_types):  # type: ignore[no-untyped-def]
        seen.append(tree.sql())
        return real(tree, types_of, param_types)

    monkeypatch.setattr(duckdb_client, "check_comparisons", counting)
    return seen
