"""Alert deduplication decisions: pure functions over plain data, no I/O.

The key is ``(event_type, primary_source)``. An alert for a key is suppressed while an alert
for the same key was sent within the window: either earlier in this run, or (as found by the
run's single lookback query) in the log table.

Example::

    >>> from datetime import datetime, timedelta, UTC
    >>> now = datetime(2025, 1, 15, 12, tzinfo=UTC)
    >>> ledger = AlertLedger(window=timedelta(hours=4))
    >>> ledger.should_alert(('source_missing', 'nbac'), now)
    True
    >>> ledger.record(('source_missing', 'nbac'), now)
    >>> ledger.should_alert(('source_missing', 'nbac'), now + timedelta(hours=1))
    False
    >>> ledger.should_alert(('source_missing', 'nbac'), now + timedelta(hours=5))
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

__all__ = ["AlertKey", "alert_key", "AlertLedger", "DEFAULT_DEDUP_WINDOW"]

AlertKey = tuple[str, str]
DEFAULT_DEDUP_WINDOW = timedelta(hours=4)


def alert_key(row: Mapping[str, Any]) -> AlertKey:
    """The dedup key of an event row; a missing primary source is the empty string.

    Example::

        >>> alert_key({'event_type': 'source_missing', 'primary_source': None})
        ('source_missing', '')
    """
    return (str(row.get("event_type") or ""), str(row.get("primary_source") or ""))


@dataclass
class AlertLedger:
    """When each key was last alerted, from this run and from the log lookback."""

    window: timedelta = DEFAULT_DEDUP_WINDOW
    last_sent: dict[AlertKey, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.window < timedelta(0):
            raise ValueError(f"dedup window must not be negative, got {self.window}")

    def merge(self, history: Iterable[tuple[AlertKey, datetime]]) -> None:
        """Add alerts found in the log table (keeps the latest time per key)."""
        for key, sent_at in history:
            if sent_at is None:
                continue
            previous = self.last_sent.get(key)
            if previous is None or sent_at > previous:
                self.last_sent[key] = sent_at

    def should_alert(self, key: AlertKey, now: datetime) -> bool:
        """True when no alert for ``key`` was sent within the window before ``now``."""
        previous = self.last_sent.get(key)
        return previous is None or now - previous >= self.window

    def record(self, key: AlertKey, sent_at: datetime) -> None:
        """Remember that an alert for ``key`` went out at ``sent_at``."""
        self.last_sent[key] = sent_at
