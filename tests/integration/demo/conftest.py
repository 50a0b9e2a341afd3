"""One demo week per test session, shared by the demo and heal tests (a run costs ~30 s CPU)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from data_processors.demo.runner import DemoSummary, run_demo
from shared_services.utils import notification_system

DAYS = 7
SEED = 7


class _Recorder:
    def __init__(self) -> None:
        self.items: list[tuple[Any, Any]] = []

    def __call__(self, result: Any, notification: Any) -> None:
        self.items.append((result, notification))


@pytest.fixture(scope="session")
def demo_week(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoSummary, list[Any], str | None]]:
    """The default demo (7 days, seed 7) with a (bogus) Slack webhook and SMTP host set.

    Yields (summary, notifications seen by a listener, SLACK_WEBHOOK_URL after the run).
    Tests that write to its warehouse must work on a copy (:func:`demo_copy`).
    """
    out = tmp_path_factory.mktemp("demo_week")
    saved = {k: os.environ.get(k) for k in ("SLACK_WEBHOOK_URL", "SMTP_HOST", "ALERT_EMAIL_TO")}
    os.environ.update(SLACK_WEBHOOK_URL="http://127.0.0.1:9/must-not-be-called",
                      SMTP_HOST="127.0.0.1", ALERT_EMAIL_TO="oncall@example.invalid")
    recorder = _Recorder()
    notification_system.register_listener(recorder)
    try:
        summary = run_demo(days=DAYS, seed=SEED, out_dir=out, progress=None)
        webhook_after = os.environ.get("SLACK_WEBHOOK_URL")
    finally:
        notification_system.unregister_listener(recorder)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield summary, recorder.items, webhook_after
