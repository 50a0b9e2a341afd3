"""The audit's default date (yesterday in America/Los_Angeles), without importing the audit.

``coverage-health`` and ``coverage-audit`` need it before they open a warehouse; this module
imports only the standard library.

Example::

    >>> from datetime import UTC, datetime
    >>> default_audit_date(datetime(2025, 1, 16, 7, 30, tzinfo=UTC))   # 23:30 PT on the 15th
    datetime.date(2025, 1, 14)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["PACIFIC", "default_audit_date"]

PACIFIC = ZoneInfo("America/Los_Angeles")


def default_audit_date(now: datetime) -> date:
    """Yesterday in America/Los_Angeles (NBA game dates are local dates).

    Example::

        >>> from datetime import UTC
        >>> default_audit_date(datetime(2025, 1, 16, 7, 30, tzinfo=UTC))   # 23:30 PT on the 15th
        datetime.date(2025, 1, 14)
    """
    if now.tzinfo is None:
        raise ValueError("the audit clock must return a timezone-aware datetime")
    return now.astimezone(PACIFIC).date() - timedelta(days=1)
