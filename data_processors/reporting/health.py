"""``coverage-health``: the design's daily checks, as a table of pass / warn / fail, for cron.

The checks (pure functions over plain data; the query layer below feeds them):

=====================  =====================================================================
``tier_mix``           Share of the day's phase 3 rows (player + team game summaries) that are
                       bronze or worse, against a season-aware tolerance
                       (:func:`bronze_tolerance`): 30 % in the first 14 days after the season
                       start (October 15; pre-season and off-season dates count as "first
                       weeks"), 20 % from day 14 to day 29, 10 % from day 30 on.
                       Above the tolerance: **fail**. No rows at all: **warn** (nothing to
                       judge; the audit reports missing games).
``poor_rows``          Any poor or unusable row among the day's phase 3 rows: **fail**.
``stale_criticals``    Any unresolved critical event (real or audit) older than 72 hours at
                       ``now``, among events of the last 30 days: **fail**.
``primary_success``    Over the 7 days ending on the date, the share of
                       ``player_game_summary`` rows whose ``data_sources`` contains the primary
                       source (``nbac_gamebook_player_stats``) — measured on what was
                       delivered, so a fallback later replaced by the primary does not count
                       against it. Below 90 %: **warn**; below 75 %: **fail**; no rows: warn.
``critical_volume``    More than 5 critical events (real and audit) about games of the date:
                       **fail**.
``staging_tables``     Staging tables (``_staging_<table>_<16 hex>``) older than an hour in the
                       datasets the library writes: a write drops its staging table when it
                       ends, so one left behind belongs to a process killed mid-write
                       (SIGKILL, out of memory). Clutter, not lost data (the write committed
                       nothing or everything): **warn**, with the tables to drop. A dataset
                       the account may not list: warn ("not checked").
``spool_backlog``      Event batches waiting in this host's dead-letter spool
                       (``$COVERAGE_DEAD_LETTER_DIR``, default ``./coverage_dead_letter``) are
                       not in the log yet, so the checks above undercount them: any waiting,
                       **warn**; one waiting 24 hours or more (replay is not running, or keeps
                       failing: a quota, a damaged row), **fail**. No spool here: pass.
=====================  =====================================================================

Exit status (as every command): 0 when no check fails (warnings are printed but do not page),
1 when any check fails (or any warns, with ``--fail-on warning``), 2 bad usage, 3 environment
error. A fail counts as a critical finding and a warn as a warning, so ``--fail-on`` takes
the same ``critical|warning|never`` as every command (``fail`` / ``warn`` still work).

Command line (cron: see docs/operations.md)::

    coverage-health [--warehouse URL] [--date YYYY-MM-DD] [--fail-on critical|warning|never] [--json]

Python::

    inputs = collect_health_inputs(client, date(2025, 1, 15))
    results = run_checks(inputs)
    exit_status(results)       # 0, or 1 if any check failed
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from data_processors.commands.health import COMMAND, main  # noqa: F401  (re-exported)
from data_processors.reporting.html_report import TierTable, fetch_tier_counts, tier_counts_sql
from shared_services.bigquery.identifiers import quote_table_id
from shared_services.bigquery.schemas import (
    COVERAGE_LOG_TABLE,
    PLAYER_GAME_SUMMARY,
    TABLES,
    TEAM_OFFENSE_GAME_SUMMARY,
)
from shared_services.bigquery.statements import SAMPLE_DATE, SAMPLE_TIME, register_statement
from shared_services.cli import Outcome
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.quality.season import as_game_date, season_start
from shared_services.utils.dates import parse_game_date

__all__ = [
    "PASS",
    "WARN",
    "FAIL",
    "CheckResult",
    "HealthInputs",
    "bronze_tolerance",
    "check_tier_mix",
    "check_poor_rows",
    "check_stale_criticals",
    "check_primary_success",
    "check_critical_volume",
    "check_spool_backlog",
    "check_staging_leftovers",
    "run_checks",
    "exit_status",
    "collect_health_inputs",
    "render_checks",
    "health_outcome",
    "main",
]

PASS, WARN, FAIL = "pass", "warn", "fail"
_RANK = {PASS: 0, WARN: 1, FAIL: 2}

#: The phase 3 tables whose tier mix is checked.
PHASE3_TABLES: tuple[TierTable, ...] = (
    TierTable(PLAYER_GAME_SUMMARY.table_id, "game_date", "player game summary"),
    TierTable(TEAM_OFFENSE_GAME_SUMMARY.table_id, "game_date", "team offense game summary"),
)
PRIMARY_SOURCE = "nbac_gamebook_player_stats"
BRONZE_OR_WORSE = ("bronze", "poor", "unusable")
STALE_AFTER = timedelta(hours=72)
CRITICAL_LOOKBACK = timedelta(days=30)
PRIMARY_WINDOW_DAYS = 7
PRIMARY_WARN_BELOW = 0.90
PRIMARY_FAIL_BELOW = 0.75
MAX_CRITICALS_PER_DAY = 5
#: A spilled event batch this old fails ``spool_backlog``: replay is not running, or keeps failing.
SPOOL_MAX_AGE = timedelta(hours=24)
#: A staging table this old is a leftover (``staging_tables``): a write, with its retries for
#: a busy table, ends within a few minutes.
STAGING_MAX_AGE = timedelta(hours=1)
#: A write's staging table: ``_staging_<target table>_<16 hex digits>`` (see shared_services.bigquery.writer).
_STAGING_NAME = re.compile(r"_staging_.+_[0-9a-f]{16}")


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict: ``status`` is 'pass', 'warn' or 'fail'."""

    name: str
    status: str
    value: str
    threshold: str
    detail: str = ""


@dataclass
class HealthInputs:
    """Plain data the checks read (what :func:`collect_health_inputs` fetched)."""

    day: date
    now: datetime
    tier_counts: dict[str, int] = field(default_factory=dict)
    open_criticals: list[dict[str, Any]] = field(default_factory=list)
    primary_rows: int = 0
    total_rows_7d: int = 0
    criticals_on_day: int = 0
    #: The dead-letter spool: its directory, how many batches wait there, when the oldest was spilled.
    spool_directory: str = ""
    spool_pending: int = 0
    spool_oldest: datetime | None = None
    #: Staging tables older than :data:`STAGING_MAX_AGE` (``dataset.table``), and the datasets
    #: that could not be listed (no permission).
    staging_leftovers: list[str] = field(default_factory=list)
    staging_unlisted: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Pure checks
# --------------------------------------------------------------------------------------------
def bronze_tolerance(day: date | str) -> float:
    """Tolerated share of bronze-or-worse rows on ``day``: 0.30 / 0.20 / 0.10 (see module doc).

    Example::

        >>> bronze_tolerance('2024-10-20'), bronze_tolerance('2024-11-05'), bronze_tolerance('2025-01-15')
        (0.3, 0.2, 0.1)
    """
    moment = as_game_date(day)
    elapsed = (moment - season_start(moment)).days
    if elapsed < 14:
        return 0.30
    if elapsed < 30:
        return 0.20
    return 0.10


def check_tier_mix(tier_counts: Mapping[str, int], day: date | str) -> CheckResult:
    """Bronze-or-worse share of the day's rows against :func:`bronze_tolerance`.

    Example::

        >>> check_tier_mix({'gold': 85, 'bronze': 15}, '2025-01-15').status
        'fail'
    """
    tolerance = bronze_tolerance(day)
    total = sum(int(n) for n in tier_counts.values())
    threshold = f"<= {tolerance:.0%} bronze or worse"
    if total == 0:
        return CheckResult("tier_mix", WARN, "no rows", threshold, "no phase 3 rows for the date")
    weak = sum(int(tier_counts.get(t, 0)) for t in BRONZE_OR_WORSE)
    share = weak / total
    status = FAIL if share > tolerance else PASS
    return CheckResult("tier_mix", status, f"{share:.1%} ({weak}/{total})", threshold,
                       ", ".join(f"{k} {v}" for k, v in tier_counts.items() if v))


def check_poor_rows(tier_counts: Mapping[str, int]) -> CheckResult:
    """Any poor or unusable row fails.

    Example::

        >>> check_poor_rows({'gold': 10, 'poor': 1}).status
        'fail'
    """
    bad = int(tier_counts.get("poor", 0)) + int(tier_counts.get("unusable", 0))
    return CheckResult("poor_rows", FAIL if bad else PASS, f"{bad} row(s)", "0 poor or unusable",
                       f"poor {tier_counts.get('poor', 0)}, unusable {tier_counts.get('unusable', 0)}")


def check_stale_criticals(open_criticals: Sequence[Mapping[str, Any]], now: datetime,
                          max_age: timedelta = STALE_AFTER) -> CheckResult:
    """Unresolved critical events older than ``max_age`` at ``now`` fail.

    Each item needs ``event_timestamp`` (aware datetime); ``event_id`` / ``game_id`` are shown.

    Example::

        >>> now = datetime(2025, 1, 20, tzinfo=UTC)
        >>> check_stale_criticals([{'event_timestamp': now - timedelta(hours=80)}], now).status
        'fail'
    """
    stale = [e for e in open_criticals
             if e.get("event_timestamp") is not None and now - e["event_timestamp"] > max_age]
    hours = int(max_age.total_seconds() // 3600)
    detail = ", ".join(str(e.get("game_id") or e.get("event_id") or "?") for e in stale[:10])
    return CheckResult("stale_criticals", FAIL if stale else PASS,
                       f"{len(stale)} of {len(open_criticals)} open", f"none open > {hours} h",
                       detail + (" ..." if len(stale) > 10 else ""))


def check_primary_success(primary_rows: int, total_rows: int,
                          warn_below: float = PRIMARY_WARN_BELOW,
                          fail_below: float = PRIMARY_FAIL_BELOW) -> CheckResult:
    """Share of 7-day phase 3 player rows delivered from the primary source.

    Example::

        >>> check_primary_success(85, 100).status, check_primary_success(70, 100).status
        ('warn', 'fail')
    """
    threshold = f">= {warn_below:.0%} (fail < {fail_below:.0%})"
    if total_rows <= 0:
        return CheckResult("primary_success", WARN, "no rows", threshold, "no player rows in the window")
    rate = primary_rows / total_rows
    status = FAIL if rate < fail_below else WARN if rate < warn_below else PASS
    return CheckResult("primary_success", status, f"{rate:.1%} ({primary_rows}/{total_rows})", threshold,
                       f"rows from {PRIMARY_SOURCE} over {PRIMARY_WINDOW_DAYS} days")


def check_critical_volume(count: int, limit: int = MAX_CRITICALS_PER_DAY) -> CheckResult:
    """More than ``limit`` critical events about the day's games fail.

    Example::

        >>> check_critical_volume(6).status
        'fail'
    """
    return CheckResult("critical_volume", FAIL if count > limit else PASS, str(count), f"<= {limit}",
                       "critical events (processors and audit) about games of the date")


def check_untracked_rows(tier_counts: Mapping[str, int]) -> CheckResult:
    """Rows without a quality tier were written outside the coverage system: warn.

    Example::

        >>> check_untracked_rows({'gold': 10, 'unknown': 26}).status
        'warn'
    """
    untracked = int(tier_counts.get("unknown", 0))
    return CheckResult("untracked_rows", WARN if untracked else PASS, f"{untracked} row(s)", "0 without quality",
                       "phase 3 rows without quality columns (written outside the integrated processors)")


def check_spool_backlog(pending: int, oldest: datetime | None, now: datetime, directory: str = "") -> CheckResult:
    """Spilled event batches not replayed yet: warn; one 24 hours old or more: fail.

    Example::

        >>> now = datetime(2025, 1, 16, 9, tzinfo=UTC)
        >>> check_spool_backlog(2, now - timedelta(hours=3), now).status, check_spool_backlog(0, None, now).status
        ('warn', 'pass')
    """
    threshold = f"none {SPOOL_MAX_AGE.total_seconds() / 3600:.0f} h old"
    if not pending or oldest is None:
        return CheckResult("spool_backlog", PASS, "0 batch(es)", threshold, f"dead-letter spool {directory}".strip())
    hours = max(0.0, (now - oldest).total_seconds() / 3600)
    status = FAIL if now - oldest >= SPOOL_MAX_AGE else WARN
    return CheckResult("spool_backlog", status, f"{pending} batch(es), {int(hours)} h", threshold,
                       f"events spilled to {directory or 'the spool'} are not in the log yet (these checks undercount "
                       "them): run coverage-replay; if it fails, its one-line errors say why")


def check_staging_leftovers(leftovers: Sequence[str], unlisted: Sequence[str] = ()) -> CheckResult:
    """Staging tables left by writes that were killed, or datasets not listed: warn.

    Example::

        >>> check_staging_leftovers([]).status, check_staging_leftovers(['ds._staging_t_0123456789abcdef']).status
        ('pass', 'warn')
    """
    threshold = f"none {STAGING_MAX_AGE.total_seconds() / 3600:.0f} h old"
    if leftovers:
        shown = ", ".join(leftovers[:5]) + (f" and {len(leftovers) - 5} more" if len(leftovers) > 5 else "")
        return CheckResult("staging_tables", WARN, f"{len(leftovers)} table(s)", threshold,
                           f"left by writes that were killed (nothing of them is in the data tables): {shown}; "
                           "drop each with bq rm -f -t DATASET.TABLE")
    if unlisted:
        return CheckResult("staging_tables", WARN, "not checked", threshold,
                           f"could not list the tables of {', '.join(unlisted)} (bigquery.tables.list permission)")
    return CheckResult("staging_tables", PASS, "0 table(s)", threshold, "the write path's staging tables")


def run_checks(inputs: HealthInputs) -> list[CheckResult]:
    """Every check, in a fixed order."""
    return [
        check_tier_mix(inputs.tier_counts, inputs.day),
        check_poor_rows(inputs.tier_counts),
        check_untracked_rows(inputs.tier_counts),
        check_stale_criticals(inputs.open_criticals, inputs.now),
        check_primary_success(inputs.primary_rows, inputs.total_rows_7d),
        check_critical_volume(inputs.criticals_on_day),
        check_spool_backlog(inputs.spool_pending, inputs.spool_oldest, inputs.now, inputs.spool_directory),
        check_staging_leftovers(inputs.staging_leftovers, inputs.staging_unlisted),
    ]


def exit_status(results: Sequence[CheckResult], fail_on: str = FAIL) -> int:
    """0 when no result is at or above ``fail_on`` ('fail' or 'warn'), else 1.

    Example::

        >>> exit_status([CheckResult('a', 'warn', '', '')]), exit_status([CheckResult('a', 'warn', '', '')], 'warn')
        (0, 1)
    """
    if fail_on not in (FAIL, WARN):
        raise ValueError(f"fail_on must be 'fail' or 'warn', got {fail_on!r}")
    return 1 if any(_RANK[r.status] >= _RANK[fail_on] for r in results) else 0


def render_checks(results: Sequence[CheckResult], day: date) -> str:
    """A plain-text table of the results."""
    header = f"{'check':<16} {'status':<6} {'value':<22} {'threshold':<30} detail"
    lines = [f"Coverage health for {day.isoformat()}", header, "-" * len(header)]
    for r in results:
        lines.append(f"{r.name:<16} {r.status.upper():<6} {r.value:<22} {r.threshold:<30} {r.detail}")
    worst = max((r.status for r in results), key=_RANK.__getitem__, default=PASS)
    lines.append(f"overall: {worst.upper()}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Query layer (three queries, partition-filtered)
# --------------------------------------------------------------------------------------------
PRIMARY_SQL = f"""
SELECT
  COUNT(*) AS total_rows,
  COUNTIF(EXISTS(SELECT 1 FROM UNNEST(data_sources) AS source WHERE source = @primary)) AS primary_rows
FROM {quote_table_id(PLAYER_GAME_SUMMARY.table_id)}
WHERE game_date BETWEEN @window_start AND @day
""".strip()  # noqa: S608 - table id validated; values are query parameters

CRITICALS_SQL = f"""
SELECT event_id, event_timestamp, game_id, game_date, is_synthetic, is_resolved
FROM {quote_table_id(COVERAGE_LOG_TABLE)}
WHERE event_timestamp >= @log_start AND event_timestamp < @log_end
  AND severity = 'critical'
""".strip()  # noqa: S608 - table id validated; values are query parameters

# The statements collect_health_inputs sends, for coverage-preflight (shared_services.bigquery.statements).
register_statement("health.primary_share", PRIMARY_SQL, [
    bigquery.ScalarQueryParameter("primary", "STRING", "nbac_gamebook_player_stats"),
    bigquery.ScalarQueryParameter("window_start", "DATE", SAMPLE_DATE),
    bigquery.ScalarQueryParameter("day", "DATE", SAMPLE_DATE),
])
register_statement("health.critical_events", CRITICALS_SQL, [
    bigquery.ScalarQueryParameter("log_start", "TIMESTAMP", SAMPLE_TIME),
    bigquery.ScalarQueryParameter("log_end", "TIMESTAMP", SAMPLE_TIME),
])
register_statement("health.tier_counts", tier_counts_sql(PHASE3_TABLES), [
    bigquery.ScalarQueryParameter("start_date", "DATE", SAMPLE_DATE),
    bigquery.ScalarQueryParameter("end_date", "DATE", SAMPLE_DATE),
])


def collect_health_inputs(client: Any, day: date | str, now: datetime | None = None,
                          spool: DeadLetterSpool | None = None) -> HealthInputs:
    """Fetch what the checks need: tier counts, 7-day primary share, critical events, and the
    batches waiting in ``spool`` (default: this host's, ``$COVERAGE_DEAD_LETTER_DIR``).

    Example::

        inputs = collect_health_inputs(make_client(), '2025-01-15')
    """
    target = parse_game_date(day, "date")
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    inputs = HealthInputs(target, moment)
    per_table = fetch_tier_counts(client, target, target, PHASE3_TABLES)
    combined: dict[str, int] = {}
    for counts in per_table.values():
        for tier, n in counts.items():
            combined[tier] = combined.get(tier, 0) + n
    inputs.tier_counts = combined

    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("primary", "STRING", PRIMARY_SOURCE),
        bigquery.ScalarQueryParameter("window_start", "DATE", target - timedelta(days=PRIMARY_WINDOW_DAYS - 1)),
        bigquery.ScalarQueryParameter("day", "DATE", target),
    ])
    row = next(iter(client.query(PRIMARY_SQL, job_config=config).result()))
    inputs.total_rows_7d = int(row["total_rows"] or 0)
    inputs.primary_rows = int(row["primary_rows"] or 0)

    # Events about the date are written from the day before it; stale ones within 30 days of now.
    log_start = min(moment - CRITICAL_LOOKBACK, datetime.combine(target, time(), tzinfo=UTC) - timedelta(days=1))
    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("log_start", "TIMESTAMP", log_start),
        bigquery.ScalarQueryParameter("log_end", "TIMESTAMP", moment + timedelta(days=1)),
    ])
    frame = client.query(CRITICALS_SQL, job_config=config).to_dataframe()
    for record in frame.to_dict("records"):
        stamp = pd.Timestamp(record["event_timestamp"])
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        event = {"event_id": record["event_id"], "game_id": record["game_id"],
                 "event_timestamp": stamp.to_pydatetime()}
        resolved = record.get("is_resolved")
        if not (resolved is True or (resolved is not None and not pd.isna(resolved) and bool(resolved))):
            if stamp.to_pydatetime() >= moment - CRITICAL_LOOKBACK:
                inputs.open_criticals.append(event)
        game_date = record.get("game_date")
        if game_date is not None and not pd.isna(game_date) and parse_game_date(game_date) == target:
            inputs.criticals_on_day += 1

    spool = spool or DeadLetterSpool()
    inputs.spool_directory = str(spool.directory)
    stamps = []
    for path in spool.files():
        try:
            stamps.append(path.stat().st_mtime)
        except OSError:  # replayed or quarantined meanwhile
            continue
    inputs.spool_pending = len(stamps)
    inputs.spool_oldest = datetime.fromtimestamp(min(stamps), UTC) if stamps else None
    inputs.staging_leftovers, inputs.staging_unlisted = _staging_leftovers(client, moment)
    return inputs


def _staging_leftovers(client: Any, now: datetime) -> tuple[list[str], list[str]]:
    """Staging tables older than :data:`STAGING_MAX_AGE` in the datasets of the library's
    tables (one ``tables.list`` per dataset, one ``tables.get`` per staging table found), and
    the datasets the account may not list. A dataset that does not exist holds none."""
    leftovers: list[str] = []
    unlisted: list[str] = []
    for dataset in sorted({spec.dataset for spec in TABLES}):
        try:
            names = [ref.table_id for ref in client.list_tables(dataset)]
        except gexc.NotFound:
            continue
        except gexc.Forbidden:
            unlisted.append(dataset)
            continue
        for name in names:
            if not _STAGING_NAME.fullmatch(name):
                continue
            try:
                created = client.get_table(f"{dataset}.{name}").created
            except gexc.NotFound:  # its write ended meanwhile
                continue
            if created is not None and now - created >= STAGING_MAX_AGE:
                leftovers.append(f"{dataset}.{name}")
    return leftovers, unlisted


_SEVERITY = {FAIL: "critical", WARN: "warning", PASS: "info"}


def health_outcome(client: Any, day: date) -> Outcome:
    """Run the checks for ``day`` on ``client``: what ``coverage-health`` prints and exits with.

    Example::

        health_outcome(make_client('duckdb:///demo_out/demo.duckdb'), date(2025, 1, 11)).found
    """
    results = run_checks(collect_health_inputs(client, day))
    data = {"date": day.isoformat(), "checks": [asdict(r) for r in results],
            "overall": max((r.status for r in results), key=_RANK.__getitem__, default=PASS)}
    return Outcome(text=render_checks(results, day), data=data,
                   found=[_SEVERITY[r.status] for r in results])


if __name__ == "__main__":  # pragma: no cover
    from shared_services.cli import run_as_module

    run_as_module(main)
