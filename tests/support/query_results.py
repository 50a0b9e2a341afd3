"""What a query returns, read the two ways the statement tests read it.

Example::

    one(client, "SELECT 1")            # 1
    rows(client, "SELECT 1, 'a'")      # [(1, 'a')]
"""

from __future__ import annotations

from typing import Any


def one(client: Any, sql: str) -> object:
    """The single value of a query that returns one row of one column (fails otherwise)."""
    (row,) = list(client.query(sql).result())
    (value,) = row.values()
    return value


def rows(client: Any, sql: str) -> list[tuple]:
    """Every row of a query, each as a tuple of its values."""
    return [tuple(r.values()) for r in client.query(sql).result()]
