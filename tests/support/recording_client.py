"""Wrappers around a REAL client for tests: count calls, or fail on purpose.

These are not mocks: every call that is not deliberately failed goes to the wrapped real
client (the embedded DuckDB warehouse), so results come from real storage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any


class RecordingClient:
    """Delegates to ``inner`` and records every port call (method name and SQL text)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()
        self.queries: list[str] = []

    @property
    def project(self) -> str:
        return self._inner.project

    def reset(self) -> None:
        self.calls.clear()
        self.queries.clear()

    def query(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        self.calls["query"] += 1
        self.queries.append(sql)
        return self._inner.query(sql, *args, **kwargs)

    def load_table_from_json(self, rows: Any, destination: Any, *args: Any, **kwargs: Any) -> Any:
        self.calls["load_table_from_json"] += 1
        self.calls[f"load:{destination}"] += 1
        return self._inner.load_table_from_json(rows, destination, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if callable(attribute):
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                self.calls[name] += 1
                return attribute(*args, **kwargs)
            return wrapper
        return attribute


class FlakyLoadClient(RecordingClient):
    """Fails the first ``failures`` loads with ``error_factory()``; ``-1`` fails forever.

    With ``after_load=True`` the real load happens first and the error is raised afterwards,
    like a response lost on the way back from BigQuery.
    """

    def __init__(self, inner: Any, failures: int, error_factory: Callable[[], BaseException],
                 after_load: bool = False) -> None:
        super().__init__(inner)
        self.failures_left = failures
        self.error_factory = error_factory
        self.after_load = after_load

    def load_table_from_json(self, rows: Any, destination: Any, *args: Any, **kwargs: Any) -> Any:
        self.calls["load_attempts"] += 1
        if self.failures_left != 0:
            if self.failures_left > 0:
                self.failures_left -= 1
            if self.after_load:
                super().load_table_from_json(rows, destination, *args, **kwargs).result()
            raise self.error_factory()
        return super().load_table_from_json(rows, destination, *args, **kwargs)
