"""Alert routing without storms: critical at once, warnings as one digest, info logged only.

One :class:`AlertDispatcher` lives on each processor instance (created lazily by the
``QualityMixin``). The first alert-worthy event of a run triggers the run's ONE lookback query
against the log table (parameterized, partition-filtered, cached); every later decision is
made in memory. An outage of 780 critical events of one key therefore sends one alert and
issues at most one query.

The dispatcher writes the outcome onto the event row itself: ``alert_sent``,
``alert_sent_at`` and ``alert_channel``. A warning buffered as a lean entry (a tuple in
schema order, :func:`~shared_services.events.model.event_row`'s ``compact`` form) cannot be
changed in place: its marks are handed back by :meth:`AlertDispatcher.take_entry_marks`, by
event id, for the buffer to apply (``EventBuffer.apply_alert_marks``) before the flush takes
its entries.

Example::

    dispatcher = AlertDispatcher(lambda: client, processor_name='PlayerGameSummaryProcessor')
    dispatcher.on_event(row)       # critical rows may notify now; warnings are queued
    dispatcher.on_entry(entry)     # a lean entry (info or warning): logged or queued
    dispatcher.send_digest()       # at flush: one notify_warning for the queued warnings
    buffer.apply_alert_marks(dispatcher.take_entry_marks())   # the lean warnings' marks
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from google.cloud import bigquery

from shared_services.alerts.dedup import DEFAULT_DEDUP_WINDOW, AlertKey, AlertLedger, alert_key
from shared_services.bigquery.identifiers import quote_table_id
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.bigquery.statements import SAMPLE_TIME, register_statement
from shared_services.constants.source_coverage import SourceCoverageSeverity
from shared_services.events.model import COLUMN_INDEX, utc_now
from shared_services.events.serialization import to_utc_iso
from shared_services.events.text import log_safe

__all__ = ["AlertDispatcher", "lookback_sql"]

logger = logging.getLogger(__name__)

#: A pending warning: a row dict, or a lean entry (a tuple of its values in schema order).
Pending = dict[str, Any] | tuple[Any, ...]
_WARNING = SourceCoverageSeverity.WARNING.value
#: A lean warning's marks: (alert_sent, alert_channel, alert_sent_at).
AlertMarks = tuple[bool, str | None, str | None]


def _field(row: Pending, name: str) -> Any:
    """``row.get(name)`` of a row dict or a lean entry."""
    return row.get(name) if type(row) is dict else row[COLUMN_INDEX[name]]  # type: ignore[union-attr, index]


def _key(row: Pending) -> AlertKey:
    """:func:`alert_key` of a row dict or a lean entry (its two columns read by position)."""
    if type(row) is dict:
        return alert_key(row)  # type: ignore[arg-type]
    return alert_key({"event_type": _field(row, "event_type"), "primary_source": _field(row, "primary_source")})


def lookback_sql(table: str) -> str:
    """The run's single dedup lookback query (BigQuery SQL, ``@since`` parameter).

    It filters on ``event_timestamp``, the log's partition column, so it scans only the
    partitions inside the window.
    """
    return f"""
SELECT
  event_type,
  COALESCE(primary_source, '') AS primary_source,
  MAX(COALESCE(alert_sent_at, event_timestamp)) AS last_sent_at
FROM {quote_table_id(table)}
WHERE event_timestamp >= @since
  AND alert_sent = TRUE
GROUP BY event_type, primary_source
""".strip()  # noqa: S608 - table id validated; values are query parameters


# The statement _load_history sends, for coverage-preflight (shared_services.bigquery.statements).
register_statement("alerts.dedup_lookback", lookback_sql(COVERAGE_LOG_TABLE),
                   [bigquery.ScalarQueryParameter("since", "TIMESTAMP", SAMPLE_TIME)])


class AlertDispatcher:
    """Decides and sends alerts for one processor run."""

    def __init__(
        self,
        client_getter: Callable[[], Any],
        table: str = COVERAGE_LOG_TABLE,
        window: timedelta = DEFAULT_DEDUP_WINDOW,
        processor_name: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        notify_error: Callable[..., Any] | None = None,
        notify_warning: Callable[..., Any] | None = None,
    ) -> None:
        self._client_getter = client_getter
        self.table = table
        self.ledger = AlertLedger(window=window)
        self.processor_name = processor_name
        self.clock = clock
        self._notify_error = notify_error
        self._notify_warning = notify_warning
        self._lock = threading.RLock()
        self._history_loaded = False
        self._pending_warnings: list[Pending] = []
        #: event id of a lean warning a digest covered -> its marks, until :meth:`take_entry_marks`.
        self._entry_marks: dict[str, AlertMarks] = {}
        #: How many lookback queries this dispatcher issued (0 or 1).
        self.lookback_queries = 0
        #: How many notifications this dispatcher sent (critical alerts + digests).
        self.alerts_sent = 0

    # -- the one lookback query ------------------------------------------------------
    def _load_history(self) -> None:
        if self._history_loaded:
            return
        self._history_loaded = True  # even if it fails: never one query per event
        client = self._client_getter()
        if client is None:
            logger.warning("no bq_client: alert dedup uses this run's alerts only")
            return
        since = self.clock() - self.ledger.window
        config = bigquery.QueryJobConfig(
            query_parameters=[bigquery.ScalarQueryParameter("since", "TIMESTAMP", since)]
        )
        self.lookback_queries += 1
        try:
            rows = client.query(lookback_sql(self.table), job_config=config).result()
            history: list[tuple[AlertKey, datetime]] = []
            for row in rows:
                sent_at = row["last_sent_at"]
                if sent_at is not None and sent_at.tzinfo is None:
                    sent_at = sent_at.replace(tzinfo=UTC)
                history.append(((row["event_type"], row["primary_source"]), sent_at))
            self.ledger.merge(history)
        except Exception as exc:
            # Fail open: better a duplicate alert than a silent outage.
            logger.warning("alert dedup lookback failed (%s); using this run's alerts only", exc)

    # -- decisions ---------------------------------------------------------------------
    def on_event(self, row: dict[str, Any]) -> None:
        """Route one freshly built event row (mutates its alert columns)."""
        severity = row.get("severity")
        if severity == SourceCoverageSeverity.INFO or not row.get("requires_alert"):
            self.on_quiet_event(row.get("event_type"), row.get("description"))
            return
        with self._lock:
            if severity == SourceCoverageSeverity.WARNING:
                self._pending_warnings.append(row)
                return
            self._load_history()
            key = alert_key(row)
            now = self.clock()
            if not self.ledger.should_alert(key, now):
                logger.debug("alert suppressed for %s (already alerted within window)", key)
                return
            delivered = self._send(
                self._notify_error,
                "notify_error",
                title=f"Source coverage: {row.get('event_type')}",
                message=str(row.get("description") or ""),
                details={k: row.get(k) for k in (
                    "event_id", "game_id", "game_date", "player_id", "primary_source",
                    "fallback_sources_tried", "downstream_impact", "processor_run_id")},
            )
            self.ledger.record(key, now)
            self._mark([row], delivered, now)

    def on_quiet_event(self, event_type: Any, description: Any) -> None:
        """:meth:`on_event` for an event that raises no alert (``requires_alert`` false):
        nothing to route or mark, only the INFO line, without building a row dict.

        Example::

            dispatcher.on_quiet_event('fallback_used', 'used bdl_player_boxscores')
        """
        if logger.isEnabledFor(logging.INFO):  # log_safe() only for a record that is written
            logger.info("coverage event %s: %s", event_type, log_safe(description, 500))

    def on_entry(self, entry: tuple[Any, ...]) -> None:
        """Route an event buffered as a lean entry (:func:`~shared_services.events.model.event_row`'s
        ``compact`` form: info or warning, never critical): a warning is queued for the digest
        (its marks come back from :meth:`take_entry_marks`), anything else gets the
        INFO line only.

        Example::

            dispatcher.on_entry(event_row('thin_sample', 'warning', 'x', None, None, {},
                                          labels=labels, compact=True))
        """
        if not entry[COLUMN_INDEX["requires_alert"]]:
            self.on_quiet_event(entry[COLUMN_INDEX["event_type"]], entry[COLUMN_INDEX["description"]])
            return
        if entry[COLUMN_INDEX["severity"]] != _WARNING:
            # A tuple cannot be marked where the buffer holds it: a critical event must be a dict.
            raise TypeError(f"only info and warning events can be lean entries, got severity "
                            f"{entry[COLUMN_INDEX['severity']]!r}")
        with self._lock:
            self._pending_warnings.append(entry)

    def take_entry_marks(self) -> dict[str, AlertMarks]:
        """The marks of the lean warnings the digests covered since the last call, by event
        id: ``{event_id: (alert_sent, alert_channel, alert_sent_at)}``, for
        ``EventBuffer.apply_alert_marks``; empties the record.

        Example::

            dispatcher.send_digest()
            buffer.apply_alert_marks(dispatcher.take_entry_marks())
        """
        with self._lock:
            marks, self._entry_marks = self._entry_marks, {}
            return marks

    def send_digest(self) -> int:
        """Send ONE warning digest for the queued warnings; returns how many rows it covered."""
        with self._lock:
            queued, self._pending_warnings = self._pending_warnings, []
            if not queued:
                return 0
            self._load_history()
            now = self.clock()
            grouped: dict[AlertKey, list[Pending]] = defaultdict(list)
            for row in queued:
                grouped[_key(row)].append(row)
            fresh = {k: rows for k, rows in grouped.items() if self.ledger.should_alert(k, now)}
            if not fresh:
                return 0
            lines = []
            for (event_type, source), rows in sorted(fresh.items()):
                games = sorted({str(game) for game in (_field(r, "game_id") for r in rows) if game})
                shown = ", ".join(games[:10]) + (" ..." if len(games) > 10 else "")
                lines.append(f"- {event_type} (source: {source or 'n/a'}): {len(rows)} event(s)"
                             + (f"; games {shown}" if shown else ""))
                lines.append(f"  e.g. {_field(rows[0], 'description')}")
            covered = [row for rows in fresh.values() for row in rows]
            delivered = self._send(
                self._notify_warning,
                "notify_warning",
                title=f"Source coverage digest: {len(covered)} warning(s)",
                message="\n".join(lines),
                details={"warning_count": len(covered), "keys": len(fresh)},
            )
            for key in fresh:
                self.ledger.record(key, now)
            self._mark(covered, delivered, now)
            return len(covered)

    # -- plumbing ------------------------------------------------------------------------
    def _send(self, notify: Callable[..., Any] | None, name: str, **kwargs: Any) -> list[str]:
        if notify is None:
            from shared_services.utils import notification_system

            notify = getattr(notification_system, name)
        try:
            result = notify(processor_name=self.processor_name, **kwargs)
        except Exception:
            logger.exception("alert delivery raised; the event is kept with alert_sent=false")
            return []
        self.alerts_sent += 1
        delivered = getattr(result, "delivered", None)
        return list(delivered) if delivered is not None else ["log"]

    def _mark(self, rows: list[Pending], delivered: list[str], now: datetime) -> None:
        """Write the delivery outcome onto each row dict; a lean entry's marks are kept by
        event id for :meth:`take_entry_marks` (caller holds ``self._lock``)."""
        sent = bool(delivered)
        sent_at = to_utc_iso(now) if sent else None  # once per call, not per row
        channel = ",".join(delivered) if sent else None
        marks: AlertMarks = (sent, channel, sent_at)
        for row in rows:
            if type(row) is dict:
                row["alert_sent"] = sent
                row["alert_sent_at"] = sent_at
                row["alert_channel"] = channel
            else:
                self._entry_marks[cast(tuple[Any, ...], row)[COLUMN_INDEX["event_id"]]] = marks
