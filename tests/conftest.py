"""Root test configuration and the shared fixtures (``warehouse``, ``notifications``).

``tests`` is a package (``tests/__init__.py``), so pytest imports this file as
``tests.conftest`` and puts the project root on ``sys.path`` first. That is what lets test
modules and local conftests ``import tests.support...`` and ``import shared_services`` without
an installed package.
"""


from collections.abc import Iterator
from typing import Any

import pytest

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.utils import notification_system

_CHANNEL_ENV = (
    "SLACK_WEBHOOK_URL", "SLACK_WEBHOOK_URL_ERROR", "SLACK_WEBHOOK_URL_WARNING",
    "SLACK_WEBHOOK_URL_INFO", "SMTP_HOST", "ALERT_EMAIL_TO",
)


@pytest.fixture
def warehouse(tmp_path: Any) -> Iterator[DuckDBClient]:
    """A fresh DuckDB warehouse file with every dataset, table and view created."""
    client = DuckDBClient(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(client)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No real channels, a private dead-letter dir, a known environment label."""
    for name in _CHANNEL_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "dead_letter"))
    monkeypatch.setenv("COVERAGE_ENVIRONMENT", "test")


class NotificationLog:
    """Every notification sent while the fixture is active."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, Any]] = []

    def __call__(self, result: Any, notification: Any) -> None:
        self.items.append((result, notification))

    def levels(self) -> list[str]:
        return [str(n.level) for _, n in self.items]

    def count(self, level: str) -> int:
        return sum(1 for lvl in self.levels() if lvl == level)

    def titles(self, level: str | None = None) -> list[str]:
        return [n.title for _, n in self.items if level is None or str(n.level) == level]


@pytest.fixture
def notifications() -> Iterator[NotificationLog]:
    log = NotificationLog()
    notification_system.register_listener(log)
    yield log
    notification_system.unregister_listener(log)
