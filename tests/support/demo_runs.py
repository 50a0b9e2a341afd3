"""The demo runs the suite shares (each costs tens of seconds of CPU): built once per session.

:func:`demo_week` is the default demo (7 days, seed 7) run in-process with a (bogus) Slack
webhook and SMTP host set, a notification listener, and a pass-through recorder on
``DuckDBClient.query`` (every statement the demo sends, for the registry drift test). Under
pytest-xdist one worker runs it (:func:`tests.support.shared_once.build_once`); every worker
gets its own copy of the output folder, so tests open its warehouse without sharing a file
lock with the other worker.

Example::

    summary, notifications, webhook_after = demo_week(tmp_path_factory)
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from data_processors.demo.runner import DemoSummary, run_demo
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.utils import notification_system
from tests.support.shared_once import build_once, private_copy

DAYS = 7
SEED = 7

Signature = tuple[tuple[str, str], ...]


def statement_signature(parameters: Any) -> Signature:
    """The sorted (name, type) pairs of a query's parameters (arrays as ``ARRAY<type>``)."""
    out = []
    for p in parameters or []:
        kind = getattr(p, "type_", None) or f"ARRAY<{getattr(p, 'array_type', '?')}>"
        out.append((p.name, str(kind).upper()))
    return tuple(sorted(out))


@dataclasses.dataclass
class DemoWeek:
    """What the shared demo run produced (pickled between xdist workers)."""

    summary: DemoSummary
    notifications: list[tuple[Any, Any]]
    webhook_after: str | None
    #: every (sql, parameter signature) the run passed to ``DuckDBClient.query``, in order
    statements: list[tuple[str, Signature]]


class _Recorder:
    def __init__(self) -> None:
        self.items: list[tuple[Any, Any]] = []

    def __call__(self, result: Any, notification: Any) -> None:
        self.items.append((result, notification))


def _run_week(out: Path) -> DemoWeek:
    saved = {k: os.environ.get(k) for k in ("SLACK_WEBHOOK_URL", "SMTP_HOST", "ALERT_EMAIL_TO")}
    os.environ.update(SLACK_WEBHOOK_URL="http://127.0.0.1:9/must-not-be-called",
                      SMTP_HOST="127.0.0.1", ALERT_EMAIL_TO="oncall@example.invalid")
    recorder = _Recorder()
    sent: list[tuple[str, Signature]] = []
    original = DuckDBClient.query

    def recording_query(self: DuckDBClient, query: str, job_config: Any = None, *args: Any, **kwargs: Any) -> Any:
        sent.append((query, statement_signature(job_config.query_parameters if job_config else [])))
        return original(self, query, job_config, *args, **kwargs)

    notification_system.register_listener(recorder)
    DuckDBClient.query = recording_query  # type: ignore[method-assign]
    try:
        summary = run_demo(days=DAYS, seed=SEED, out_dir=out, progress=None)
        webhook_after = os.environ.get("SLACK_WEBHOOK_URL")
    finally:
        DuckDBClient.query = original  # type: ignore[method-assign]
        notification_system.unregister_listener(recorder)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return DemoWeek(summary, recorder.items, webhook_after, sent)


def relocated(summary: DemoSummary, old: Path, new: Path) -> DemoSummary:
    """``summary`` with its warehouse URL and report path moved from folder ``old`` to ``new``."""
    return dataclasses.replace(summary, warehouse_url=summary.warehouse_url.replace(str(old), str(new)),
                               report_path=summary.report_path.replace(str(old), str(new)))


def demo_week(factory: pytest.TempPathFactory) -> DemoWeek:
    """The shared demo week, its outputs copied to a folder of this worker's own."""
    week, folder = build_once(factory, "demo_week", _run_week)
    mine = private_copy(folder, factory.mktemp("demo_week"))
    assert Path(week.summary.warehouse_url.removeprefix("duckdb:///")).parent == folder
    return dataclasses.replace(week, summary=relocated(week.summary, folder, mine))
