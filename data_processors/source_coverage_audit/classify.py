"""Audit classification: plain functions over plain data, no I/O.

Per scheduled final game, from "which checked tables have it" and whether the coverage
system has a record of it: real (not synthetic) log events, or rows in a quality-tracked
table written by a coverage-integrated run (``quality_calculated_at`` set). A processor that
found nothing wrong logs no event, but its rows carry the quality columns, so a clean game
is ``normal``; ``data_exists_no_log`` means data written outside the coverage system::

    normal              every table has data and the log has events          info
    completely_missing  no data anywhere and no log events                   critical
    logged_but_no_data  log events but no data in any table                  critical
    data_exists_no_log  every table has data, the log has nothing            warning
    partial_data        some tables have the game and others don't           warning

Example::

    >>> classify(['a', 'b'], ['a'], log_events=3)[:2]
    ('partial_data', 'warning')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from shared_services.constants.source_coverage import SourceCoverageSeverity

__all__ = ["AuditStatus", "STATUS_SEVERITY", "AuditFinding", "classify"]


class AuditStatus:
    """The five audit statuses (plain strings)."""

    NORMAL = "normal"
    COMPLETELY_MISSING = "completely_missing"
    LOGGED_BUT_NO_DATA = "logged_but_no_data"
    DATA_EXISTS_NO_LOG = "data_exists_no_log"
    PARTIAL_DATA = "partial_data"

    ALL = (NORMAL, COMPLETELY_MISSING, LOGGED_BUT_NO_DATA, DATA_EXISTS_NO_LOG, PARTIAL_DATA)


STATUS_SEVERITY: dict[str, SourceCoverageSeverity] = {
    AuditStatus.NORMAL: SourceCoverageSeverity.INFO,
    AuditStatus.COMPLETELY_MISSING: SourceCoverageSeverity.CRITICAL,
    AuditStatus.LOGGED_BUT_NO_DATA: SourceCoverageSeverity.CRITICAL,
    AuditStatus.DATA_EXISTS_NO_LOG: SourceCoverageSeverity.WARNING,
    AuditStatus.PARTIAL_DATA: SourceCoverageSeverity.WARNING,
}


def classify(
    checked_tables: Sequence[str],
    tables_with_data: Sequence[str],
    log_events: int,
    quality_tracked: bool = False,
) -> tuple[str, str, str]:
    """(status, severity, reason) for one game.

    Example::

        >>> classify(['a'], [], log_events=0)
        ('completely_missing', 'critical', 'no log events and no data in any checked table')
    """
    have = [t for t in checked_tables if t in set(tables_with_data)]
    missing = [t for t in checked_tables if t not in set(tables_with_data)]
    has_log = log_events > 0 or quality_tracked
    record = f"{log_events} log event(s)" if log_events else "quality-tracked rows"
    if not have:
        if has_log:
            status, reason = AuditStatus.LOGGED_BUT_NO_DATA, f"{record} but no data in any checked table"
        else:
            status, reason = AuditStatus.COMPLETELY_MISSING, "no log events and no data in any checked table"
    elif missing:
        status = AuditStatus.PARTIAL_DATA
        reason = f"missing from {', '.join(missing)}" + ("" if has_log else "; no log events either")
    elif not has_log:
        status, reason = AuditStatus.DATA_EXISTS_NO_LOG, "data in every checked table but no coverage record (no log events, no quality-tracked rows)"
    else:
        status, reason = AuditStatus.NORMAL, f"data in every checked table and {record}"
    return status, STATUS_SEVERITY[status].value, reason


@dataclass
class AuditFinding:
    """The audit's verdict on one scheduled final game."""

    game_id: str
    game_date: date
    status: str
    severity: str
    description: str
    tables_with_data: list[str] = field(default_factory=list)
    missing_tables: list[str] = field(default_factory=list)
    game_key: str = ""
    season: str | None = None
    log_events: int = 0
    quality_tracked: bool = False
    #: What the audit did: 'none', 'logged' (new synthetic event), 'unchanged' (already
    #: flagged with this status), 'resolved' (flagged earlier, now normal), 'superseded'.
    action: str = "none"

    @property
    def is_issue(self) -> bool:
        return self.status != AuditStatus.NORMAL

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["game_date"] = self.game_date.isoformat()
        return data
