"""What the run's one lookback query tells an operator when it cannot help (survivors of the
mutation run on ``AlertDispatcher._load_history``).

Both cases fail open (alerts still go out, deduplicated within this run only); the WARNING line
is how an operator learns that duplicates across runs are possible, and why.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from shared_services.alerts.dispatcher import AlertDispatcher
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE

T0 = datetime(2025, 1, 15, 12, tzinfo=UTC)
LOGGER = "shared_services.alerts.dispatcher"


def _critical(source: str) -> dict:
    return {"severity": "critical", "requires_alert": True, "event_type": "source_missing",
            "primary_source": source, "description": f"{source} down"}


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelname == "WARNING"]


def test_no_client_is_one_warning_naming_the_missing_bq_client(caplog):
    sent: list[dict] = []
    dispatcher = AlertDispatcher(lambda: None, clock=lambda: T0, notify_error=lambda **kw: sent.append(kw))
    with caplog.at_level("WARNING", logger=LOGGER):
        dispatcher.on_event(_critical("a"))
        dispatcher.on_event(_critical("b"))
    [message] = _warnings(caplog)                     # once per run, not per event
    assert message.startswith("no bq_client:")
    assert len(sent) == 2 and dispatcher.lookback_queries == 0


def test_a_failed_lookback_is_one_warning_with_the_error(tmp_path: Path, caplog):
    # An empty warehouse: the query fails with NotFound naming the log's dataset.
    client = DuckDBClient(str(tmp_path / "empty.duckdb"))
    sent: list[dict] = []
    dispatcher = AlertDispatcher(lambda: client, clock=lambda: T0, notify_error=lambda **kw: sent.append(kw))
    try:
        with caplog.at_level("WARNING", logger=LOGGER):
            dispatcher.on_event(_critical("a"))
            dispatcher.on_event(_critical("b"))
    finally:
        client.close()
    [message] = _warnings(caplog)
    assert message.startswith("alert dedup lookback failed (")
    dataset = COVERAGE_LOG_TABLE.split(".")[-2]
    assert "Not found" in message and dataset in message   # the cause: no log dataset there
    assert len(sent) == 2 and dispatcher.lookback_queries == 1
