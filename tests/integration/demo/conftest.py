"""One demo week per test session, shared by the demo and heal tests (a run costs ~30 s CPU).

The run itself is the root conftest's ``shared_demo_week`` (built once per session even under
pytest-xdist; see tests/support/demo_runs.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from data_processors.demo.runner import DemoSummary
from tests.support.demo_runs import DemoWeek


@pytest.fixture(scope="session")
def demo_week(shared_demo_week: DemoWeek) -> tuple[DemoSummary, list[Any], str | None]:
    """The default demo (7 days, seed 7) with a (bogus) Slack webhook and SMTP host set.

    Returns (summary, notifications seen by a listener, SLACK_WEBHOOK_URL after the run).
    Tests that write to its warehouse must work on a copy (test_demo_heal.py's ``_copy``).
    """
    return shared_demo_week.summary, shared_demo_week.notifications, shared_demo_week.webhook_after
