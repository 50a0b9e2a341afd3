"""The nightly coverage audit: schedule (what should exist) vs log and data (what does).

Set-based and cost-aware: one query for the schedule, one per checked table
(``UNNEST(@game_keys)``), one for the log, whatever the number of games or days; every query
filters each partitioned table on its partition column. Writes are one load job (all new
synthetic ``silent_failure`` events) and at most one UPDATE (resolutions).

Example::

    audit = SourceCoverageAuditProcessor(bq_client=make_client('duckdb:///demo.duckdb'))
    result = audit.run_daily_audit()                       # yesterday, America/Los_Angeles
    result = audit.run_audit(date(2025, 1, 1), date(2025, 1, 31))
    for finding in result.findings:
        print(finding.game_id, finding.status, finding.missing_tables)
"""

from __future__ import annotations

import logging
import os
import time as time_module
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import bigquery

from data_processors.source_coverage_audit.audit_date import PACIFIC, default_audit_date
from data_processors.source_coverage_audit.classify import AuditFinding, AuditStatus, classify
from data_processors.source_coverage_audit.config import (
    DEFAULT_AUDIT_TABLES,
    AuditConfigError,
    AuditTable,
    game_key,
    load_audit_tables,
    validate_audit_tables,
)
from shared_services.bigquery.identifiers import quote_column, quote_table_id, validate_table_id
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE, SCHEDULE
from shared_services.bigquery.statements import (
    SAMPLE_DATE,
    SAMPLE_TIME,
    LibraryStatement,
    StatementContext,
    statement_factory,
)
from shared_services.bigquery.writer import WRITE_CONFLICT_RETRY, retry_write_conflicts
from shared_services.constants.source_coverage import (
    SourceCoverageEventType,
    SourceCoverageSeverity,
)
from shared_services.events.model import build_event_row
from shared_services.events.sink import EventSink, LoadOutcome
from shared_services.quality.season import season_label
from shared_services.utils.dates import parse_game_date
from shared_services.utils.flags import FLAG_NO, FLAG_YES, parse_flag

__all__ = ["SourceCoverageAuditProcessor", "AuditResult", "PACIFIC", "audit_flag_id", "default_audit_date"]

logger = logging.getLogger(__name__)

PROCESSOR_NAME = "SourceCoverageAuditProcessor"
ENV_DRY_RUN = "AUDIT_DRY_RUN"


#: Namespace of the audit flags' deterministic event ids.
AUDIT_FLAG_NAMESPACE = uuid.UUID("5b0c5d1e-8d0e-4c55-9a5e-3f1c2d6a7b90")


def audit_flag_id(game_id: str, status: str, now: datetime) -> str:
    """The event id of the audit's flag for (game, status, audit day in UTC).

    Deterministic, so overlapping audits and a replayed spill name the same flag with the same
    id: the load job id (derived from the ids) and replay's existing-id check skip what is
    already written. A new day's audit of a game that broke again gets a new id.

    Example::

        first = audit_flag_id('0022400561', 'completely_missing', datetime(2025, 1, 16, 10, tzinfo=UTC))
        first == audit_flag_id('0022400561', 'completely_missing', datetime(2025, 1, 16, 23, tzinfo=UTC))  # True
    """
    day = now.astimezone(UTC).date().isoformat()
    return str(uuid.uuid5(AUDIT_FLAG_NAMESPACE, f"silent_failure|{game_id}|{status}|{day}"))


@dataclass
class AuditResult:
    """What one audit found and did."""

    start_date: date
    end_date: date
    findings: list[AuditFinding] = field(default_factory=list)
    dry_run: bool = False
    queries_issued: int = 0
    events_written: int = 0
    events_spilled: int = 0
    resolved: int = 0
    alerts_sent: int = 0

    @property
    def games_checked(self) -> int:
        return len(self.findings)

    @property
    def issues_found(self) -> int:
        return sum(1 for f in self.findings if f.is_issue)

    def by_status(self) -> dict[str, int]:
        counts = Counter(f.status for f in self.findings)
        return {status: counts.get(status, 0) for status in AuditStatus.ALL}

    def worst_severity(self) -> str | None:
        order = {"info": 0, "warning": 1, "critical": 2}
        issues = [f.severity for f in self.findings if f.is_issue]
        return max(issues, key=order.__getitem__) if issues else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat(),
            "dry_run": self.dry_run,
            "games_checked": self.games_checked,
            "issues_found": self.issues_found,
            "by_status": self.by_status(),
            "queries_issued": self.queries_issued,
            "events_written": self.events_written,
            "events_spilled": self.events_spilled,
            "resolved": self.resolved,
            "alerts_sent": self.alerts_sent,
            "findings": [f.to_dict() for f in self.findings],
        }


def _env_flag(name: str) -> bool:
    """A yes/no environment variable; anything else (``maybe``, ``ture``) is refused rather
    than read as "no": for ``AUDIT_DRY_RUN`` a typo must not make the run write."""
    flag = parse_flag(os.environ.get(name, ""))
    if flag is not None:
        return flag
    raise AuditConfigError(f"${name}: {os.environ[name]!r} is not a yes/no value "
                           f"(one of {', '.join(FLAG_YES)} or {', '.join(v for v in FLAG_NO if v)})")


class SourceCoverageAuditProcessor:
    """Daily audit that makes silent failures visible (see the module docstring)."""

    #: How far before the audited range log events are looked for (processing may run early).
    LOG_LOOKBEHIND = timedelta(days=1)
    #: Tables may file a late game under the next date; widen each table's date filter.
    TABLE_DATE_SLACK = timedelta(days=1)
    #: ``resolution_method`` of flags resolved because the game is now normal (SCHEMA.md:
    #: backfill / source_recovered / ...). The heal sets 'backfill' for its re-audit.
    RECOVERED_METHOD = "source_recovered"
    #: How the audit's UPDATEs of the log (resolving flags, recording an alert) run again when
    #: BigQuery cancels one for another job's concurrent update of the same rows (another
    #: audit, a heal): "Could not serialize access to table ... due to concurrent update".
    WRITE_CONFLICT_RETRY = WRITE_CONFLICT_RETRY

    def __init__(
        self,
        bq_client: Any = None,
        dry_run: bool = False,
        tables: Iterable[AuditTable | dict[str, Any] | str] | None = None,
        clock: Callable[[], datetime] | None = None,
        log_table: str = COVERAGE_LOG_TABLE,
        schedule_table: str = SCHEDULE.table_id,
        sleep: Callable[[float], None] = time_module.sleep,
    ) -> None:
        self.tables = validate_audit_tables(tables if tables is not None else DEFAULT_AUDIT_TABLES)
        self.log_table = validate_table_id(log_table)
        self.schedule_table = validate_table_id(schedule_table)
        self.dry_run = bool(dry_run) or _env_flag(ENV_DRY_RUN)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.sleep = sleep  # (the back-off between the attempts of a cancelled UPDATE)
        if bq_client is None:
            from shared_services.bigquery.factory import make_client

            bq_client = make_client()
        self.bq_client = bq_client
        self.queries_issued = 0

    # -- entry points ---------------------------------------------------------------------
    def run_daily_audit(self, target_date: date | str | None = None) -> AuditResult:
        """Audit one date (default: yesterday in America/Los_Angeles)."""
        day = default_audit_date(self._now()) if target_date is None else parse_game_date(target_date, "target_date")
        return self.run_audit(day, day)

    def run_audit(self, start_date: date | str, end_date: date | str) -> AuditResult:
        """Audit every final game scheduled from ``start_date`` to ``end_date`` inclusive."""
        start = parse_game_date(start_date, "start_date")
        end = parse_game_date(end_date, "end_date")
        if end < start:
            raise ValueError(f"end_date {end} is before start_date {start}")
        self.queries_issued = 0
        now = self._now()
        result = AuditResult(start, end, dry_run=self.dry_run)
        schedule = self._scheduled_final_games(start, end)
        if schedule:
            presence, tracked = self._table_presence(schedule, start, end)
            log_state = self._log_state(schedule, start, now)
            result.findings = self._findings(schedule, presence, tracked, log_state)
            self._apply(result, log_state, now)
        result.queries_issued = self.queries_issued
        self._notify_summary(result)
        logger.info("audit %s..%s: %d games, %d issues %s%s", start, end, result.games_checked,
                    result.issues_found, result.by_status(), " (dry run)" if self.dry_run else "")
        return result

    # -- reading (fixed number of queries) ------------------------------------------------
    def _now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the audit clock must return a timezone-aware datetime")
        return now

    def _query(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        """The job's rows as dicts (column name -> value, as ``Row`` objects hold them).

        Rows, not a DataFrame: the audit reads a few thousand small rows once, and a
        DataFrame's dtypes would only be undone again (NA / NaN back to None, arrays back to
        lists). A DML statement (the resolutions, the alert record) gives no rows."""
        self.queries_issued += 1
        config = bigquery.QueryJobConfig(query_parameters=list(params))
        rows = self.bq_client.query(sql, job_config=config).result()
        names = [f.name for f in rows.schema or ()]
        # By position: ``Row.values()`` deep-copies every row.
        return [{name: row[index] for index, name in enumerate(names)} for row in rows]

    def _update(self, sql: str, params: Sequence[Any]) -> None:
        """Run one of the audit's UPDATEs of the log, again when BigQuery cancelled it for a
        concurrent update (the UPDATEs are idempotent: they set the same values on the same
        events); :class:`~shared_services.bigquery.writer.WriteConflictError` when every attempt was."""
        retry_write_conflicts(lambda: self._query(sql, params), self.log_table, "the audit's UPDATE",
                              "another audit, a heal", policy=self.WRITE_CONFLICT_RETRY, sleep=self.sleep)

    def scheduled_games_sql(self) -> str:
        """The schedule read: final games from ``@start_date`` to ``@end_date``."""
        return (
            "SELECT game_id, game_date, season_year, home_team_tricode, away_team_tricode\n"
            f"FROM {quote_table_id(self.schedule_table)}\n"
            "WHERE game_date BETWEEN @start_date AND @end_date\n"
            "  AND game_status = 3\n"
            "ORDER BY game_date, game_id"
        )

    def _scheduled_final_games(self, start: date, end: date) -> list[dict[str, Any]]:
        """The schedule's final games in order, each game once (its first row), with
        ``game_date`` parsed and ``key::<table>`` the game's key in each checked table."""
        rows = self._query(self.scheduled_games_sql(), [
            bigquery.ScalarQueryParameter("start_date", "DATE", start),
            bigquery.ScalarQueryParameter("end_date", "DATE", end),
        ])
        games: list[dict[str, Any]] = []
        seen: set[Any] = set()
        for row in rows:
            if row["game_id"] in seen:
                continue
            seen.add(row["game_id"])
            day = row["game_date"] = parse_game_date(row["game_date"], "schedule.game_date")
            game_id, away, home = str(row["game_id"]), _text(row["away_team_tricode"]), _text(row["home_team_tricode"])
            for spec in self.tables:
                row[f"key::{spec.table}"] = game_key(spec.key_format, game_id, day, away, home)
            games.append(row)
        return games

    def table_presence_sql(self, spec: AuditTable) -> str:
        """One table's presence check (BigQuery SQL, ``@game_keys`` array parameter)."""
        tracked = "COUNTIF(quality_calculated_at IS NOT NULL)" if spec.tracks_quality else "0"
        # Configured columns in back-ticks: a reserved keyword (`range`) is a name only when quoted.
        key, day = quote_column(spec.id_column), quote_column(spec.date_column)
        return (
            f"SELECT {key} AS game_key, COUNT(*) AS row_count, {tracked} AS tracked_rows\n"
            f"FROM {quote_table_id(spec.table)}\n"
            f"WHERE {day} BETWEEN @start_date AND @end_date\n"
            f"  AND {key} IN UNNEST(@game_keys)\n"
            f"GROUP BY {key}"
        )

    def _table_presence(
        self, schedule: list[dict[str, Any]], start: date, end: date
    ) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """Per table: the game keys it has, and those of them with quality-tracked rows."""
        presence: dict[str, set[str]] = {}
        tracked: dict[str, set[str]] = {}
        for index, spec in enumerate(self.tables):
            column = f"key::{spec.table}"
            keys = sorted({game[column] for game in schedule})
            try:
                rows = self._query(self.table_presence_sql(spec), [
                    bigquery.ScalarQueryParameter("start_date", "DATE", start - self.TABLE_DATE_SLACK),
                    bigquery.ScalarQueryParameter("end_date", "DATE", end + self.TABLE_DATE_SLACK),
                    bigquery.ArrayQueryParameter("game_keys", "STRING", keys),
                ])
            except gexc.BadRequest as exc:
                if spec in DEFAULT_AUDIT_TABLES:
                    raise
                # A configured table the query cannot read as described (a column it does not
                # have, a date column that is not a DATE): the configuration's mistake, exit 2.
                reason = str(getattr(exc, "message", exc)).splitlines()[0][:300]
                raise AuditConfigError(
                    f"audit table tables[{index}] {spec.table}: cannot be read with id_column "
                    f"{spec.id_column!r} and date_column {spec.date_column!r} (a DATE column): {reason}"
                ) from None
            presence[spec.table] = {str(row["game_key"]) for row in rows}
            tracked[spec.table] = {str(row["game_key"]) for row in rows if row["tracked_rows"] > 0}
        return presence, tracked

    def log_state_sql(self) -> str:
        """The log check: real events per game and open audit flags (one query)."""
        return (
            "SELECT\n"
            "  game_id,\n"
            "  COUNTIF(NOT COALESCE(is_synthetic, FALSE)) AS real_events,\n"
            "  ARRAY_AGG(CASE WHEN COALESCE(is_synthetic, FALSE) AND event_type = 'silent_failure'\n"
            "                  AND NOT COALESCE(is_resolved, FALSE)\n"
            "             THEN CONCAT(event_id, '|', COALESCE(resolution_details, '')) END IGNORE NULLS) AS open_flags\n"
            f"FROM {quote_table_id(self.log_table)}\n"
            "WHERE event_timestamp >= @log_start AND event_timestamp < @log_end\n"
            "  AND game_id IN UNNEST(@game_keys)\n"
            "GROUP BY game_id"
        )

    def _log_state(self, schedule: list[dict[str, Any]], start: date, now: datetime) -> dict[str, dict[str, Any]]:
        """Per schedule game_id: real event count and open synthetic flags [(event_id, status)]."""
        key_columns = [f"key::{spec.table}" for spec in self.tables]
        owner: dict[str, str] = {}
        for row in schedule:
            game_id = str(row["game_id"])
            owner[game_id] = game_id
            for column in key_columns:
                owner.setdefault(str(row[column]), game_id)
        log_start = datetime.combine(start, time(), tzinfo=UTC) - self.LOG_LOOKBEHIND
        # Events are written when processing (or an audit) ran, which can be long after the
        # game: look up to now. The log is clustered by game_id, which keeps this cheap.
        log_end = now + timedelta(days=1)
        rows = self._query(self.log_state_sql(), [
            bigquery.ScalarQueryParameter("log_start", "TIMESTAMP", log_start),
            bigquery.ScalarQueryParameter("log_end", "TIMESTAMP", log_end),
            bigquery.ArrayQueryParameter("game_keys", "STRING", sorted(owner)),
        ])
        state: dict[str, dict[str, Any]] = {gid: {"real_events": 0, "open_flags": []} for gid in set(owner.values())}
        for row in rows:
            target = state[owner[str(row["game_id"])]]
            target["real_events"] += int(row["real_events"] or 0)
            for flag in row["open_flags"] or ():
                event_id, _, status = str(flag).partition("|")
                if (event_id, status) not in target["open_flags"]:  # one flag, however many copies
                    target["open_flags"].append((event_id, status))
        return state

    # -- deciding --------------------------------------------------------------------------
    def _findings(self, schedule: list[dict[str, Any]], presence: dict[str, set[str]],
                  tracked_keys: dict[str, set[str]], log_state: dict[str, dict[str, Any]]) -> list[AuditFinding]:
        names = [spec.table for spec in self.tables]
        findings = []
        for row in schedule:
            game_id = str(row["game_id"])
            with_data = [spec.table for spec in self.tables if row[f"key::{spec.table}"] in presence[spec.table]]
            events = log_state[game_id]["real_events"]
            tracked = any(row[f"key::{t}"] in tracked_keys[t] for t in names)
            status, severity, reason = classify(names, with_data, events, tracked)
            alt_keys = sorted({row[f"key::{t}"] for t in names} - {game_id})
            findings.append(AuditFinding(
                game_id=game_id,
                game_date=row["game_date"],
                status=status,
                severity=severity,
                description=f"Game {game_id} ({row['game_date']}): {status.replace('_', ' ')}: {reason}",
                tables_with_data=with_data,
                missing_tables=[t for t in names if t not in with_data],
                game_key=alt_keys[0] if alt_keys else game_id,
                season=_season(row),
                log_events=events,
                quality_tracked=tracked,
            ))
        return findings

    # -- writing (one load job, at most one UPDATE) ------------------------------------------
    def _apply(self, result: AuditResult, log_state: dict[str, dict[str, Any]], now: datetime) -> None:
        new_rows: list[dict[str, Any]] = []
        recovered: list[str] = []
        superseded: list[str] = []
        new_critical: list[AuditFinding] = []
        for finding in result.findings:
            open_flags = log_state[finding.game_id]["open_flags"]
            open_statuses = {status for _, status in open_flags}
            if finding.status == AuditStatus.NORMAL:
                if open_flags:
                    recovered.extend(event_id for event_id, _ in open_flags)
                    finding.action = "resolved"
                continue
            if finding.status in open_statuses:
                finding.action = "unchanged"
                # Duplicates (overlapping audits, a replayed spill) count as one: keep the
                # oldest flag of this status open, resolve the others as superseded.
                keep = min(e for e, s in open_flags if s == finding.status)
                superseded.extend(e for e, _ in open_flags if e != keep)
                continue
            superseded.extend(event_id for event_id, _ in open_flags)
            finding.action = "logged"
            if finding.severity == SourceCoverageSeverity.CRITICAL:
                new_critical.append(finding)
            row = build_event_row(
                SourceCoverageEventType.SILENT_FAILURE, finding.severity, finding.description,
                now=now, is_synthetic=True, phase="audit", processor_name=PROCESSOR_NAME,
                table_name=", ".join(finding.missing_tables) or None,
                game_id=finding.game_id, game_date=finding.game_date, season=finding.season,
                resolution="requires_investigation", resolution_details=finding.status,
                downstream_impact="predictions_blocked" if finding.severity == "critical" else "predictions_degraded",
            )
            row["event_id"] = audit_flag_id(finding.game_id, finding.status, now)
            new_rows.append(row)
        result.resolved = len(set(recovered))
        if self.dry_run:
            for finding in result.findings:
                if finding.action in ("logged", "resolved"):
                    logger.info("[dry run] would %s %s: %s", "log" if finding.action == "logged" else "resolve",
                                finding.game_id, finding.status)
            return
        already_logged = False
        if new_rows:
            # Write first: the flags' ids are deterministic, so an overlapping audit computes the
            # same batch and load job id, and only one of them writes (the other meets Conflict
            # on the job id). Only the one that wrote sends the grouped alert.
            outcome: LoadOutcome = EventSink(self.bq_client, table=self.log_table).write(new_rows, PROCESSOR_NAME)
            result.events_written = 0 if outcome.already_loaded else outcome.written
            result.events_spilled = len(new_rows) if outcome.spilled_path else 0
            already_logged = outcome.already_loaded
        if new_critical and not already_logged:
            sent = self._notify("notify_error",
                                title=f"Silent processing failures: {len(new_critical)} game(s) "
                                      f"{result.start_date}..{result.end_date}",
                                message="\n".join(f"- {f.description}" for f in new_critical[:50])
                                + (f"\n... and {len(new_critical) - 50} more" if len(new_critical) > 50 else ""),
                                details={"games": [f.game_id for f in new_critical][:200],
                                         "statuses": dict(Counter(f.status for f in new_critical))})
            if sent:
                result.alerts_sent += 1
                critical_ids = {f.game_id for f in new_critical}
                alerted = [row["event_id"] for row in new_rows if row["game_id"] in critical_ids]
                self._mark_alerted(alerted, ",".join(sent), now)
        if recovered or superseded:
            self._resolve(sorted(set(recovered)), sorted(set(superseded) - set(recovered)), result.start_date, now)

    def mark_alerted_sql(self) -> str:
        """Record the grouped alert on the flags this audit wrote (after the write)."""
        # BigQuery docs, "Transform data with DML" > Limitations: only rows streamed with
        # tabledata.insertAll are blocked from DML for ~30 min; these rows came from a load job,
        # so UPDATE works at once. > "UPDATE, DELETE, MERGE DML concurrency": mutating DML on
        # one table is queued, so overlapping audits' UPDATEs serialize. The partition filter on
        # event_timestamp is required by the table (the embedded warehouse enforces it too).
        return (
            f"UPDATE {quote_table_id(self.log_table)}\n"
            "SET alert_sent = TRUE, alert_sent_at = @now, alert_channel = @channel\n"
            "WHERE event_timestamp >= @log_start\n"
            "  AND event_id IN UNNEST(@event_ids)"
        )

    def _mark_alerted(self, event_ids: list[str], channel: str, now: datetime) -> None:
        if not event_ids:
            return
        log_start = now - timedelta(days=1)  # the flags were written with event_timestamp = now
        try:
            self._update(self.mark_alerted_sql(), [
                bigquery.ScalarQueryParameter("now", "TIMESTAMP", now),
                bigquery.ScalarQueryParameter("channel", "STRING", channel),
                bigquery.ScalarQueryParameter("log_start", "TIMESTAMP", log_start),
                bigquery.ArrayQueryParameter("event_ids", "STRING", event_ids),
            ])
        except Exception as exc:  # the alert went out; only its record is missing (e.g. spilled flags)
            logger.warning("could not record the alert on %d flag(s): %s", len(event_ids), exc)

    def resolve_sql(self) -> str:
        return (
            f"UPDATE {quote_table_id(self.log_table)}\n"
            "SET is_resolved = TRUE,\n"
            "    resolved_at = @now,\n"
            "    resolution_method = CASE WHEN event_id IN UNNEST(@recovered_ids)\n"
            "                             THEN @recovered_method ELSE 'superseded' END,\n"
            "    resolved_by = @resolved_by\n"
            "WHERE event_timestamp >= @log_start\n"
            "  AND event_id IN UNNEST(@event_ids)\n"
            "  AND NOT COALESCE(is_resolved, FALSE)"
        )

    def _resolve(self, recovered: list[str], superseded: list[str], start: date, now: datetime) -> None:
        log_start = datetime.combine(start, time(), tzinfo=UTC) - self.LOG_LOOKBEHIND
        self._update(self.resolve_sql(), [
            bigquery.ScalarQueryParameter("now", "TIMESTAMP", now),
            bigquery.ArrayQueryParameter("recovered_ids", "STRING", recovered),
            bigquery.ScalarQueryParameter("recovered_method", "STRING", self.RECOVERED_METHOD),
            bigquery.ArrayQueryParameter("event_ids", "STRING", recovered + superseded),
            bigquery.ScalarQueryParameter("resolved_by", "STRING", PROCESSOR_NAME),
            bigquery.ScalarQueryParameter("log_start", "TIMESTAMP", log_start),
        ])

    # -- notifying ---------------------------------------------------------------------------
    def _notify(self, name: str, **kwargs: Any) -> list[str]:
        from shared_services.utils import notification_system

        try:
            result = getattr(notification_system, name)(processor_name=PROCESSOR_NAME, **kwargs)
        except Exception:
            logger.exception("audit notification failed")
            return []
        return list(getattr(result, "delivered", None) or [])

    def _notify_summary(self, result: AuditResult) -> None:
        if self.dry_run:
            return
        games = result.games_checked
        rate = f"{(games - result.issues_found) / games * 100:.1f}%" if games else "n/a (no final games)"
        self._notify(
            "notify_info",
            title=f"Source coverage audit {result.start_date}..{result.end_date}",
            message=f"Checked {games} final game(s), found {result.issues_found} issue(s); healthy: {rate}",
            details={"by_status": result.by_status(), "events_written": result.events_written,
                     "resolved": result.resolved, "queries": result.queries_issued},
        )


@statement_factory("audit")
def _preflight_statements(context: StatementContext) -> Iterator[LibraryStatement]:
    """What the audit sends, for coverage-preflight: its default tables, or the ones of
    ``options['audit_config']`` (the file ``coverage-audit --config`` reads)."""
    config = context.options.get("audit_config")
    tables = load_audit_tables(config) if config else None
    audit = SourceCoverageAuditProcessor(bq_client=_NO_CLIENT, tables=tables)
    dates = (bigquery.ScalarQueryParameter("start_date", "DATE", SAMPLE_DATE),
             bigquery.ScalarQueryParameter("end_date", "DATE", SAMPLE_DATE))
    keys = bigquery.ArrayQueryParameter("game_keys", "STRING", ["0022400561"])
    ids = ["00000000-0000-4000-8000-000000000000"]
    yield LibraryStatement("audit.schedule", audit.scheduled_games_sql(), dates)
    for spec in audit.tables:
        yield LibraryStatement(f"audit.presence.{spec.table}", audit.table_presence_sql(spec), (*dates, keys))
    yield LibraryStatement("audit.log_state", audit.log_state_sql(), (
        bigquery.ScalarQueryParameter("log_start", "TIMESTAMP", SAMPLE_TIME),
        bigquery.ScalarQueryParameter("log_end", "TIMESTAMP", SAMPLE_TIME), keys))
    yield LibraryStatement("audit.resolve", audit.resolve_sql(), (
        bigquery.ScalarQueryParameter("now", "TIMESTAMP", SAMPLE_TIME),
        bigquery.ArrayQueryParameter("recovered_ids", "STRING", ids),
        bigquery.ArrayQueryParameter("event_ids", "STRING", ids),
        bigquery.ScalarQueryParameter("resolved_by", "STRING", PROCESSOR_NAME),
        bigquery.ScalarQueryParameter("recovered_method", "STRING", audit.RECOVERED_METHOD),
        bigquery.ScalarQueryParameter("log_start", "TIMESTAMP", SAMPLE_TIME)))
    yield LibraryStatement("audit.mark_alerted", audit.mark_alerted_sql(), (
        bigquery.ScalarQueryParameter("now", "TIMESTAMP", SAMPLE_TIME),
        bigquery.ScalarQueryParameter("channel", "STRING", "slack"),
        bigquery.ScalarQueryParameter("log_start", "TIMESTAMP", SAMPLE_TIME),
        bigquery.ArrayQueryParameter("event_ids", "STRING", ids)))


#: The registry builds SQL only; it never queries (the constructor just needs a client).
_NO_CLIENT = object()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _season(row: dict[str, Any]) -> str:
    """The schedule's season (``season_year`` 2019 is '2019-20', whatever the game's date: the
    2020 bubble played 2019-20 games into October 2020), or the game date's when it has none."""
    year = row["season_year"]
    if year is not None:
        return f"{int(year)}-{(int(year) + 1) % 100:02d}"
    return season_label(row["game_date"])
