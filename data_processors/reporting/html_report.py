"""``coverage-report``: one self-contained HTML page on source coverage for a date range.

The page (inline CSS and inline SVG, no scripts, no fonts, images or links to load) shows:

* the days of the range, each listing its games (a seven-column calendar on wide screens, a
  plain list of days under 700 px), each game marked with its audit
  status — the latest synthetic ``silent_failure`` event of the game when it is still open,
  otherwise ``normal`` — as a colour from a colour-blind-safe palette (Okabe-Ito tints), a
  symbol, a border style and a text label (never colour alone);
* the quality tier mix of each output table (player and team game summaries, rolling
  averages, predictions when the table exists), as a table and as a chart with one stacked
  bar per day (share of the day's rows per tier), so a slide from gold to bronze shows at a
  glance;
* fallback and reconstruction use from the log (``fallback_used`` / ``reconstruction``
  events): per primary source, and per source actually used (the last entry of
  ``fallback_sources_tried``), plus a chart of the events per day per primary source;
* unresolved critical events and how long each has been open (relative to ``now``);
* a legend.

It costs three queries whatever the range: schedule, log and tiers per day (one ``UNION ALL``
over the output tables that exist), each filtered on its table's partition column. Every
value from the warehouse is HTML-escaped; times are shown in UTC to the second.

Command line::

    coverage-report --start 2025-01-10 --end 2025-01-16 [--out report.html] [--warehouse URL]

Python::

    data = collect_report_data(client, date(2025, 1, 10), date(2025, 1, 16))
    html_text = render_report(data)
    write_report(client, date(2025, 1, 10), date(2025, 1, 16), 'report.html')
"""

from __future__ import annotations

import html
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from data_processors.commands.report import COMMAND, check_report_path, main  # noqa: F401  (re-exported)
from shared_services.bigquery.identifiers import quote_column, quote_table_id
from shared_services.bigquery.schemas import (
    COVERAGE_LOG_TABLE,
    PLAYER_GAME_SUMMARY,
    PLAYER_PROP_PREDICTIONS,
    PLAYER_ROLLING_AVERAGES,
    SCHEDULE,
    TEAM_OFFENSE_GAME_SUMMARY,
)
from shared_services.bigquery.statements import SAMPLE_DATE, SAMPLE_TIME, register_statement
from shared_services.constants.source_coverage import QualityTier
from shared_services.utils.dates import parse_game_date

__all__ = [
    "TierTable",
    "TIER_TABLES",
    "TIER_ROWS",
    "UNKNOWN_TIER",
    "TIER_COLOURS",
    "STATUS_STYLES",
    "ReportData",
    "fetch_tier_counts",
    "fetch_tier_counts_by_day",
    "collect_report_data",
    "tier_mix_by_day",
    "FallbackDays",
    "fallback_by_day",
    "game_statuses",
    "fallback_usage",
    "open_criticals",
    "format_age",
    "render_report",
    "write_report",
    "main",
    "check_report_path",
]

TIERS: tuple[str, ...] = tuple(t.value for t in QualityTier)
#: Rows whose ``quality_tier`` is NULL: always shown, so "none" is visible as a 0, not a gap.
UNKNOWN_TIER = "unknown"
TIER_ROWS: tuple[str, ...] = (*TIERS, UNKNOWN_TIER)


@dataclass(frozen=True)
class TierTable:
    """An output table whose quality tiers are counted, with its date (partition) column."""

    table: str
    date_column: str
    label: str


TIER_TABLES: tuple[TierTable, ...] = (
    TierTable(PLAYER_GAME_SUMMARY.table_id, "game_date", "Player game summary (phase 3)"),
    TierTable(TEAM_OFFENSE_GAME_SUMMARY.table_id, "game_date", "Team offense game summary (phase 3)"),
    TierTable(PLAYER_ROLLING_AVERAGES.table_id, "analysis_date", "Player rolling averages (phase 4)"),
    TierTable(PLAYER_PROP_PREDICTIONS.table_id, "game_date", "Predictions (phase 5)"),
)


@dataclass(frozen=True)
class StatusStyle:
    """How one audit status looks: label, symbol, meaning and CSS colours."""

    label: str
    symbol: str
    meaning: str
    background: str
    border: str
    border_style: str
    striped: bool = False


#: Okabe-Ito hues as light tints (dark text on them passes WCAG AA), plus symbol and border.
STATUS_STYLES: dict[str, StatusStyle] = {
    "normal": StatusStyle("normal", "\u2713", "data in every checked table and a coverage record (events or quality-tracked rows)",
                          "#d9eefa", "#0072b2", "solid"),
    "data_exists_no_log": StatusStyle("data, no log", "?", "data present but no coverage event: "
                                      "written outside the processors (warning)", "#faf5c8", "#7a6f00", "dashed"),
    "partial_data": StatusStyle("partial data", "\u25d0", "some checked tables have the game, others do not "
                                "(warning)", "#fce5bd", "#a85f00", "dashed"),
    "logged_but_no_data": StatusStyle("logged, no data", "!", "events were logged but no table has data "
                                      "(critical)", "#f3d9e8", "#8e3b6b", "double", True),
    "completely_missing": StatusStyle("missing", "\u2716", "final game with no data and no event: never "
                                      "processed (critical)", "#f8d6c4", "#a04000", "double", True),
    "not_final": StatusStyle("not final", "\u2026", "scheduled or live; not audited", "#ececec", "#555555",
                             "dotted"),
}


@dataclass
class ReportData:
    """Everything the page shows, as plain data (built by :func:`collect_report_data`)."""

    start: date
    end: date
    now: datetime
    games: list[dict[str, Any]] = field(default_factory=list)
    log_rows: list[dict[str, Any]] = field(default_factory=list)
    tiers: dict[str, dict[str, int]] = field(default_factory=dict)
    #: table -> day -> tier -> rows (the same rows as ``tiers``, split by the table's date column).
    tiers_by_day: dict[str, dict[date, dict[str, int]]] = field(default_factory=dict)
    queries_issued: int = 0


# --------------------------------------------------------------------------------------------
# Query layer (three queries, every one partition-filtered)
# --------------------------------------------------------------------------------------------
SCHEDULE_SQL = f"""
SELECT game_id, game_date, game_status, away_team_tricode, home_team_tricode
FROM {quote_table_id(SCHEDULE.table_id)}
WHERE game_date BETWEEN @start_date AND @end_date
ORDER BY game_date, game_id
""".strip()  # noqa: S608 - table id validated; values are query parameters

LOG_SQL = f"""
SELECT event_id, event_timestamp, event_type, severity, is_synthetic, game_id, game_date,
       primary_source, fallback_sources_tried, is_resolved, resolution_details, description,
       processor_name
FROM {quote_table_id(COVERAGE_LOG_TABLE)}
WHERE event_timestamp >= @log_start AND event_timestamp < @log_end
  AND (game_date BETWEEN @start_date AND @end_date OR game_date IS NULL)
  AND (event_type IN ('silent_failure', 'fallback_used', 'reconstruction')
       OR (severity = 'critical' AND NOT COALESCE(is_resolved, FALSE)))
ORDER BY event_timestamp, event_id
""".strip()  # noqa: S608 - table id validated; values are query parameters


def tier_counts_sql(tables: Sequence[TierTable]) -> str:
    """One ``UNION ALL`` counting rows per day and tier in each table over ``@start_date..@end_date``.

    BigQuery set operators match columns by position and name the result after the first
    SELECT; every branch here selects the same four columns, the day being each table's DATE
    partition column (GoogleSQL query syntax, "Set operators"; conversion rules: DATE has no
    implicit supertype but itself, so all branches must select DATE - they do, per schemas.py).
    GROUP BY names the column itself, not its alias, which every engine accepts.
    """
    parts = []
    for spec in tables:
        column = quote_column(spec.date_column)  # a reserved keyword is a name only when quoted
        parts.append(
            f"SELECT '{spec.table}' AS table_id, {column} AS day, quality_tier, COUNT(*) AS row_count\n"
            f"FROM {quote_table_id(spec.table)}\n"
            f"WHERE {column} BETWEEN @start_date AND @end_date\n"
            f"GROUP BY {column}, quality_tier"
        )
    return "\nUNION ALL\n".join(parts)


# The statements collect_report_data sends, for coverage-preflight (shared_services.bigquery.statements).
_SAMPLE_DATES = [bigquery.ScalarQueryParameter("start_date", "DATE", SAMPLE_DATE),
                 bigquery.ScalarQueryParameter("end_date", "DATE", SAMPLE_DATE)]
register_statement("report.schedule", SCHEDULE_SQL, _SAMPLE_DATES)
register_statement("report.log", LOG_SQL, [
    *_SAMPLE_DATES,
    bigquery.ScalarQueryParameter("log_start", "TIMESTAMP", SAMPLE_TIME),
    bigquery.ScalarQueryParameter("log_end", "TIMESTAMP", SAMPLE_TIME),
])
register_statement("report.tier_counts", tier_counts_sql(TIER_TABLES), _SAMPLE_DATES)


def _query(client: Any, sql: str, params: Sequence[Any]) -> pd.DataFrame:
    config = bigquery.QueryJobConfig(query_parameters=list(params))
    return client.query(sql, job_config=config).to_dataframe()


def _existing(client: Any, tables: Iterable[TierTable]) -> list[TierTable]:
    present = []
    for spec in tables:
        try:
            client.get_table(spec.table)
        except gexc.NotFound:
            continue
        present.append(spec)
    return present


def fetch_tier_counts_by_day(client: Any, start: date, end: date, tables: Sequence[TierTable] = TIER_TABLES,
                             ) -> dict[str, dict[date, dict[str, int]]]:
    """Rows per day and tier per existing table, dates ``start..end`` (ONE query; metadata aside).

    A table with no rows in the range maps to ``{}``; a NULL tier counts as ``'unknown'``.

    Example::

        fetch_tier_counts_by_day(client, date(2025, 1, 10), date(2025, 1, 16))
        # {'nba_analytics.player_game_summary': {date(2025, 1, 10): {'gold': 180, ...}, ...}, ...}
    """
    present = _existing(client, tables)
    counts: dict[str, dict[date, dict[str, int]]] = {spec.table: {} for spec in present}
    if not present:
        return counts
    frame = _query(client, tier_counts_sql(present), [
        bigquery.ScalarQueryParameter("start_date", "DATE", start),
        bigquery.ScalarQueryParameter("end_date", "DATE", end),
    ])
    for row in frame.itertuples(index=False):
        tier = UNKNOWN_TIER if _missing(row.quality_tier) else str(row.quality_tier)
        per_tier = counts[str(row.table_id)].setdefault(parse_game_date(row.day), {})
        per_tier[tier] = per_tier.get(tier, 0) + int(row.row_count)
    return {table: dict(sorted(days.items())) for table, days in counts.items()}


def _sum_days(by_day: Mapping[date, Mapping[str, int]]) -> dict[str, int]:
    totals = dict.fromkeys(TIERS, 0)
    for per_tier in by_day.values():
        for tier, rows in per_tier.items():
            totals[tier] = totals.get(tier, 0) + rows
    return totals


def fetch_tier_counts(client: Any, start: date, end: date,
                      tables: Sequence[TierTable] = TIER_TABLES) -> dict[str, dict[str, int]]:
    """Rows per tier per existing table, dates ``start..end`` (ONE query; metadata calls aside).

    Example::

        fetch_tier_counts(client, date(2025, 1, 10), date(2025, 1, 16))
        # {'nba_analytics.player_game_summary': {'gold': 1200, 'silver': 52, ...}, ...}
    """
    return {table: _sum_days(days) for table, days in fetch_tier_counts_by_day(client, start, end, tables).items()}


def collect_report_data(client: Any, start: date | str, end: date | str, now: datetime | None = None,
                        tables: Sequence[TierTable] = TIER_TABLES) -> ReportData:
    """Read what the page needs with three queries.

    Example::

        data = collect_report_data(client, '2025-01-10', '2025-01-16')
        data.queries_issued     # 3
    """
    first = parse_game_date(start, "start")
    last = parse_game_date(end, "end")
    if last < first:
        raise ValueError(f"end {last} is before start {first}")
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    data = ReportData(first, last, moment)
    dates = [bigquery.ScalarQueryParameter("start_date", "DATE", first),
             bigquery.ScalarQueryParameter("end_date", "DATE", last)]
    schedule = _query(client, SCHEDULE_SQL, dates)
    data.games = [
        {"game_id": _text(r.game_id), "game_date": parse_game_date(r.game_date),
         "game_status": None if _missing(r.game_status) else int(r.game_status),
         "away": _text(r.away_team_tricode), "home": _text(r.home_team_tricode)}
        for r in schedule.itertuples(index=False)
    ]
    # Events about these games are written from the day before the range (early runs) up to now.
    log_start = datetime.combine(first, time(), tzinfo=UTC) - timedelta(days=1)
    log = _query(client, LOG_SQL, [
        *dates,
        bigquery.ScalarQueryParameter("log_start", "TIMESTAMP", log_start),
        bigquery.ScalarQueryParameter("log_end", "TIMESTAMP", moment + timedelta(days=1)),
    ])
    data.log_rows = [_log_row(r) for r in log.to_dict("records")]
    # One day past the range: phase 4 dates its rows the morning after the games (analysis_date).
    data.tiers_by_day = fetch_tier_counts_by_day(client, first, last + timedelta(days=1), tables)
    data.tiers = {table: _sum_days(days) for table, days in data.tiers_by_day.items()}
    data.queries_issued = 3
    return data


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value


def _text(value: Any) -> str:
    return "" if _missing(value) else str(value)


def _timestamp(value: Any) -> datetime | None:
    if _missing(value):
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.to_pydatetime()


def _log_row(record: Mapping[str, Any]) -> dict[str, Any]:
    tried = record.get("fallback_sources_tried")
    return {
        "event_id": _text(record.get("event_id")),
        "event_timestamp": _timestamp(record.get("event_timestamp")),
        "event_type": _text(record.get("event_type")),
        "severity": _text(record.get("severity")),
        "is_synthetic": bool(record.get("is_synthetic")) if not _missing(record.get("is_synthetic")) else False,
        "game_id": _text(record.get("game_id")),
        "game_date": None if _missing(record.get("game_date")) else parse_game_date(record["game_date"]),
        "primary_source": _text(record.get("primary_source")),
        "fallback_sources_tried": [] if tried is None else [str(s) for s in list(tried)],
        "is_resolved": bool(record.get("is_resolved")) if not _missing(record.get("is_resolved")) else False,
        "resolution_details": _text(record.get("resolution_details")),
        "description": _text(record.get("description")),
        "processor_name": _text(record.get("processor_name")),
    }


# --------------------------------------------------------------------------------------------
# Pure summaries
# --------------------------------------------------------------------------------------------
def game_statuses(games: Sequence[Mapping[str, Any]], log_rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Audit status per game id: the latest synthetic flag if still open, else 'normal'.

    Games not final (status other than 3) are 'not_final'.

    Example::

        >>> game_statuses([{'game_id': 'g', 'game_status': 3}],
        ...               [{'game_id': 'g', 'event_type': 'silent_failure', 'is_synthetic': True,
        ...                 'is_resolved': False, 'resolution_details': 'partial_data',
        ...                 'event_timestamp': datetime(2025, 1, 2, tzinfo=UTC)}])
        {'g': 'partial_data'}
    """
    latest: dict[str, Mapping[str, Any]] = {}
    epoch = datetime.min.replace(tzinfo=UTC)
    for row in log_rows:
        if row.get("event_type") != "silent_failure" or not row.get("is_synthetic"):
            continue
        game_id = str(row.get("game_id") or "")
        current = latest.get(game_id)
        if current is None or (row.get("event_timestamp") or epoch) >= (current.get("event_timestamp") or epoch):
            latest[game_id] = row
    statuses = {}
    for game in games:
        game_id = str(game["game_id"])
        if game.get("game_status") != 3:
            statuses[game_id] = "not_final"
            continue
        flag = latest.get(game_id)
        status = "normal"
        if flag is not None and not flag.get("is_resolved"):
            status = str(flag.get("resolution_details") or "flagged")
        statuses[game_id] = status
    return statuses


def fallback_usage(log_rows: Sequence[Mapping[str, Any]]) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """Fallback / reconstruction events counted per (event type, primary source) and per
    (event type, source used = last element of ``fallback_sources_tried``).

    Example::

        >>> by_primary, by_used = fallback_usage([{'event_type': 'fallback_used',
        ...     'primary_source': 'nbac', 'fallback_sources_tried': ['nbac_empty', 'bdl']}])
        >>> by_primary, by_used
        ({('fallback_used', 'nbac'): 1}, {('fallback_used', 'bdl'): 1})
    """
    by_primary: Counter[tuple[str, str]] = Counter()
    by_used: Counter[tuple[str, str]] = Counter()
    for row in log_rows:
        kind = row.get("event_type")
        if kind not in ("fallback_used", "reconstruction"):
            continue
        tried = list(row.get("fallback_sources_tried") or [])
        by_primary[(str(kind), str(row.get("primary_source") or "(none)"))] += 1
        by_used[(str(kind), str(tried[-1]) if tried else "(unknown)")] += 1
    return dict(sorted(by_primary.items())), dict(sorted(by_used.items()))


def open_criticals(log_rows: Sequence[Mapping[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Unresolved critical events, oldest first, each with ``age`` (a timedelta) from ``now``."""
    rows = []
    for row in log_rows:
        if row.get("severity") != "critical" or row.get("is_resolved"):
            continue
        stamp = row.get("event_timestamp")
        rows.append({**row, "age": (now - stamp) if stamp else None})
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(rows, key=lambda r: (r.get("event_timestamp") or epoch, str(r.get("event_id"))))


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def tier_mix_by_day(data: ReportData) -> dict[str, list[tuple[date, dict[str, int]]]]:
    """Chart data: per output table, one ``(day, rows per tier)`` per bar, oldest first.

    Every day of the range gets a bar (an empty day has all zeros, so a gap shows as a gap);
    a day outside the range that has rows (phase 4's morning-after ``analysis_date``) gets
    one too, so the bars add up to the table's totals. Every tier of :data:`TIER_ROWS` is a
    key, ``unknown`` included, best first.

    Example::

        >>> data = ReportData(date(2025, 1, 1), date(2025, 1, 2), datetime(2025, 1, 3, tzinfo=UTC),
        ...     tiers_by_day={'t': {date(2025, 1, 2): {'gold': 3, 'bronze': 1}}})
        >>> [(d.day, c['gold'], c['bronze'], c['unknown']) for d, c in tier_mix_by_day(data)['t']]
        [(1, 0, 0, 0), (2, 3, 1, 0)]
    """
    charts: dict[str, list[tuple[date, dict[str, int]]]] = {}
    for table in dict.fromkeys([*data.tiers, *data.tiers_by_day]):
        by_day = data.tiers_by_day.get(table, {})
        days = sorted(set(_days(data.start, data.end)) | set(by_day))
        extra = sorted({tier for counts in by_day.values() for tier in counts} - set(TIER_ROWS))
        charts[table] = [(day, {tier: int(by_day.get(day, {}).get(tier, 0)) for tier in (*TIER_ROWS, *extra)})
                         for day in days]
    return charts


@dataclass(frozen=True)
class FallbackDays:
    """Chart data for fallback use: events per day per primary source (see :func:`fallback_by_day`)."""

    sources: list[str]
    days: list[tuple[date, dict[str, int]]]
    #: Fallback / reconstruction events whose day is outside the range (kept out of the bars).
    outside: int = 0


def fallback_by_day(log_rows: Sequence[Mapping[str, Any]], start: date, end: date) -> FallbackDays:
    """``fallback_used`` and ``reconstruction`` events per day of ``start..end`` per primary source.

    An event's day is its game's date, or the UTC date it was logged when it names no game.
    Sources are ordered by events, most first (then by name); every day of the range is listed.

    Example::

        >>> rows = [{'event_type': 'fallback_used', 'primary_source': 'nbac', 'game_date': date(2025, 1, 2)}]
        >>> chart = fallback_by_day(rows, date(2025, 1, 1), date(2025, 1, 2))
        >>> chart.sources, [(d.day, n) for d, n in chart.days]
        (['nbac'], [(1, {'nbac': 0}), (2, {'nbac': 1})])
    """
    per_day: dict[date, Counter[str]] = {day: Counter() for day in _days(start, end)}
    totals: Counter[str] = Counter()
    outside = 0
    for row in log_rows:
        if row.get("event_type") not in ("fallback_used", "reconstruction"):
            continue
        day = row.get("game_date")
        if day is None and row.get("event_timestamp") is not None:
            day = row["event_timestamp"].astimezone(UTC).date()
        if day not in per_day:
            outside += 1
            continue
        source = str(row.get("primary_source") or "(none)")
        per_day[day][source] += 1
        totals[source] += 1
    sources = sorted(totals, key=lambda name: (-totals[name], name))
    return FallbackDays(sources, [(day, {s: counts[s] for s in sources}) for day, counts in per_day.items()],
                        outside)


def format_age(age: timedelta | None) -> str:
    """A short duration: '3 d 4 h', '5 h 12 min', '7 min', '< 1 min'.

    Example::

        >>> format_age(timedelta(days=3, hours=4, minutes=5))
        '3 d 4 h'
    """
    if age is None:
        return "unknown"
    seconds = int(age.total_seconds())
    if seconds < 60:
        return "< 1 min" if seconds >= 0 else "in the future"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------
#: Tier colours, best to worst (Okabe-Ito hues, ordered dark blue -> vermilion; grey = unknown).
#: Charts never rely on colour alone: each segment has a tooltip and the table beside has the counts.
TIER_COLOURS: dict[str, str] = {
    "gold": "#0072b2", "silver": "#56b4e9", "bronze": "#f0e442", "poor": "#e69f00",
    "unusable": "#d55e00", UNKNOWN_TIER: "#999999",
}
#: Colours for sources in the fallback chart (Okabe-Ito); sources beyond these share "other".
SOURCE_COLOURS: tuple[str, ...] = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442")
_OTHER_COLOUR = "#999999"
#: Below this width (CSS px) the days become a list and wide tables stack their cells.
NARROW_MAX_PX = 700

_CHART_W = 360      # viewBox units; the SVG scales to its box (at most 540 px wide)
_LABEL_W = 76       # day labels, right-aligned
_VALUE_W = 40       # total at the end of each bar
_ROW_H = 18
_BAR_H = 12


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _time(moment: datetime, timespec: str = "seconds", suffix: str = " UTC") -> str:
    """A ``<time>`` in UTC, to the second (or minute): never microseconds, never an offset."""
    utc = moment.astimezone(UTC).replace(microsecond=0)
    shown = utc.isoformat(sep=" ", timespec=timespec).removesuffix("+00:00")
    machine = utc.isoformat(timespec=timespec).replace("+00:00", "Z")
    return f'<time datetime="{machine}">{_e(shown)}{_e(suffix)}</time>'


def _breakable(name: str) -> str:
    """An escaped table or source name that may wrap after its dots and underscores."""
    return _e(name).replace(".", ".<wbr>").replace("_", "_<wbr>")


def _date_span(day: date) -> str:
    return f'<span class="nowrap">{day.isoformat()}</span>'


def _day_label(day: date, previous: date | None, weekday: bool = True) -> str:
    """'Wed Jan 15'; the year is added on the first day shown and whenever the month changes."""
    text = f"{day:%a} {day:%b} {day.day}" if weekday else f"{day:%b} {day.day}"
    if previous is None or (previous.year, previous.month) != (day.year, day.month):
        text += f", {day.year}"
    return text


def _css() -> str:
    narrow = f"@media (max-width:{NARROW_MAX_PX}px)"
    rules = [
        "*,*::before,*::after{box-sizing:border-box}",
        "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1a1a1a;"
        "background:#fff;margin:0 auto;max-width:1240px;padding:16px;line-height:1.4;overflow-wrap:break-word}",
        "h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;margin-top:2rem}",
        "table{border-collapse:collapse;margin:.5rem 0 1rem;max-width:100%}",
        "caption{text-align:left;font-weight:600;padding:.25rem 0}",
        "th,td{border:1px solid #8c8c8c;padding:4px 8px;text-align:left;vertical-align:top}",
        # Warehouse strings (ids, sources, descriptions) may be one long word: they, and only
        # they, break anywhere, so a hostile id cannot widen the page nor squeeze short columns.
        ".wrap,caption code,ul.games li,ul.keys li{overflow-wrap:anywhere;min-width:0}",
        "th{background:#f2f2f2}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}",
        # The days: a seven-column calendar when wide, a list when narrow (same markup).
        ".cal-caption{font-weight:600;margin:.5rem 0 .25rem}",
        ".weekdays,ol.days{display:grid;grid-template-columns:repeat(7,minmax(0,1fr));gap:4px}",
        ".weekdays span{background:#f2f2f2;font-weight:600;padding:4px 8px;border:1px solid #8c8c8c}",
        "ol.days{list-style:none;margin:4px 0 1rem;padding:0}",
        "li.day{border:1px solid #8c8c8c;padding:4px;min-height:4rem;min-width:0}",
        *(f".start-{n}{{grid-column-start:{n}}}" for n in range(1, 8)),
        "li.day h3{font-size:.85rem;margin:0 0 2px}",
        "li.day p{margin:0}",
        "ul.games{list-style:none;margin:0;padding:0}",
        "ul.games li{margin:2px 0;padding:2px 4px;border-width:2px 2px 2px 6px;font-size:.8rem}",
        ".sym{font-weight:700;display:inline-block;width:1.1em}",
        ".gid{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.75rem}",
        ".label{font-weight:600}.nowrap{white-space:nowrap}",
        "table.criticals{width:100%}td.gid{min-width:8em}td.proc{min-width:11em}td.date{white-space:nowrap}",
        ".muted{color:#555}",
        # A table beside its chart; they wrap under each other when the row is too narrow.
        ".pair{display:flex;flex-wrap:wrap;gap:0 2rem;align-items:flex-start}",
        ".pair>table.tiers{flex:0 1 18rem}",
        "figure.chart{margin:.5rem 0 1rem;flex:1 1 300px;max-width:540px;min-width:0}",
        "figure.chart figcaption{font-weight:600;padding:.25rem 0}",
        "svg.bars{display:block;width:100%;height:auto;font-family:inherit}",
        "ul.keys{list-style:none;margin:.25rem 0;padding:0;display:flex;flex-wrap:wrap;gap:.1rem 1rem;"
        "font-size:.85rem}",
        "svg.swatch{width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}",
        f"{narrow}{{body{{padding:10px}}"
        ".weekdays{display:none}"
        "ol.days{display:block}"
        "li.day{min-height:0;border-width:0 0 1px;padding:6px 0}"
        "li.day.no-games{display:flex;flex-wrap:wrap;gap:0 .75rem;align-items:baseline}"
        "li.day.no-games h3{margin:0}"
        "ul.games li{font-size:.9rem}"
        "table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}"
        "table.stack thead{display:none}"
        "table.stack caption{display:block}"
        "table.stack tr{border:1px solid #8c8c8c;margin:0 0 .5rem}"
        "table.stack td{border-width:1px 0 0}"
        "table.stack td:not(.key){border-color:#ddd}"
        "table.stack td:first-child{border-top-width:0}"
        "table.stack td.key{border-width:2px 2px 2px 6px}"
        "table.stack td[data-label]::before{content:attr(data-label);display:block;font-size:.75rem;"
        "font-weight:600;color:#555}"
        "table.stack td.num{text-align:left}}",
    ]
    for status, style in STATUS_STYLES.items():
        stripes = (";background-image:repeating-linear-gradient(135deg,transparent 0 6px,"
                   "rgba(0,0,0,.07) 6px 9px)") if style.striped else ""
        rules.append(f".st-{status}{{background-color:{style.background};border-color:{style.border};"
                     f"border-style:{style.border_style}{stripes}}}")
    return "\n".join(rules)


def _game_item(game: Mapping[str, Any], status: str) -> str:
    style = STATUS_STYLES.get(status) or StatusStyle(status.replace("_", " "), "!", "", "#ececec",
                                                     "#555555", "solid")
    matchup = f"{game.get('away') or '?'} @ {game.get('home') or '?'}"
    return (f'<li class="st-{_e(status)}"><span class="sym" aria-hidden="true">{_e(style.symbol)}</span>'
            f'{_e(matchup)} <span class="gid">{_e(game["game_id"])}</span> '
            f'<span class="label">{_e(style.label)}</span></li>')


def _calendar(data: ReportData, statuses: Mapping[str, str]) -> str:
    """The days of the range as one ordered list; CSS lays it out as a calendar when wide."""
    by_day: dict[date, list[Mapping[str, Any]]] = {}
    for game in data.games:
        by_day.setdefault(game["game_date"], []).append(game)
    items = []
    previous: date | None = None
    for day in _days(data.start, data.end):
        games = by_day.get(day, [])
        classes = ["day"] + ([] if games else ["no-games"]) + ([f"start-{day.isoweekday()}"] if previous is None else [])
        body = ('<ul class="games">' + "".join(_game_item(g, statuses.get(str(g["game_id"]), "normal")) for g in games)
                + "</ul>") if games else '<p class="muted">no games</p>'
        items.append(f'<li class="{" ".join(classes)}"><h3><time datetime="{day.isoformat()}">'
                     f"{_e(_day_label(day, previous))}</time></h3>{body}</li>")
        previous = day
    weekdays = "".join(f"<span>{d}</span>" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
    return (f'<p class="cal-caption" id="cal-caption">Games by day, {_date_span(data.start)} to '
            f"{_date_span(data.end)}, marked with their audit status</p>"
            f'<div class="weekdays" aria-hidden="true">{weekdays}</div>'
            f'<ol class="days" aria-labelledby="cal-caption">{"".join(items)}</ol>')


def _status_totals(statuses: Mapping[str, str]) -> str:
    counts = Counter(statuses.values())
    cells = "".join(
        f'<tr><th scope="row" class="st-{_e(s)}"><span class="sym" aria-hidden="true">{_e(style.symbol)}</span>'
        f'{_e(style.label)}</th><td class="num">{counts.get(s, 0)}</td></tr>'
        for s, style in STATUS_STYLES.items())
    return (f'<table class="totals"><caption>Games per audit status</caption><thead><tr>'
            f'<th scope="col">Status</th><th scope="col" class="num">Games</th></tr></thead>'
            f"<tbody>{cells}</tbody></table>")


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _swatch(colour: str) -> str:
    return (f'<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" '
            f'fill="{colour}" stroke="#333" stroke-width="1"/></svg>')


def _bar_chart(chart_id: str, caption: str, desc: str, bars: Sequence[tuple[date, Mapping[str, int]]],
               colours: Mapping[str, str], share: bool, unit: str) -> str:
    """A horizontal stacked bar per day, as an inline SVG ``<figure>`` with an HTML key.

    ``share=True`` draws every bar full width (the mix); otherwise bars scale to the largest day.
    Each segment carries a ``<title>`` (tooltip) with its count; the total ends each bar.
    """
    bar_w = _CHART_W - _LABEL_W - _VALUE_W
    height = len(bars) * _ROW_H + 4
    largest = max((sum(counts.values()) for _, counts in bars), default=0)
    parts = [f'<svg class="bars" id="{chart_id}" viewBox="0 0 {_CHART_W} {height}" width="{_CHART_W}" '
             f'height="{height}" role="img" aria-labelledby="{chart_id}-t" aria-describedby="{chart_id}-d" '
             f'font-size="11">',
             f'<title id="{chart_id}-t">{_e(caption)}</title><desc id="{chart_id}-d">{_e(desc)}</desc>']
    previous: date | None = None
    for row, (day, counts) in enumerate(bars):
        label = _day_label(day, previous, weekday=False)
        previous = day
        y = 2 + row * _ROW_H
        text_y = y + _BAR_H - 2
        total = sum(counts.values())
        parts.append(f'<text x="{_LABEL_W - 6}" y="{text_y}" text-anchor="end">{_e(label)}</text>')
        if not total:
            parts.append(f'<text x="{_LABEL_W + 2}" y="{text_y}" fill="#555" font-style="italic">no {_e(unit)}</text>')
            continue
        full = bar_w if share else bar_w * total / largest
        x = float(_LABEL_W)
        for key, n in counts.items():
            if not n:
                continue
            width = full * n / total
            parts.append(f'<rect x="{_num(x)}" y="{y}" width="{_num(width)}" height="{_BAR_H}" '
                         f'fill="{colours.get(key, _OTHER_COLOUR)}" stroke="#fff" stroke-width="0.5">'
                         f"<title>{_e(label)}: {_e(key)} {n} of {total} {_e(unit)} ({n / total * 100:.1f}%)</title></rect>")
            x += width
        parts.append(f'<rect x="{_LABEL_W}" y="{y}" width="{_num(full)}" height="{_BAR_H}" fill="none" '
                     f'stroke="#333" stroke-width="0.5"/>')
        parts.append(f'<text x="{_CHART_W - 2}" y="{text_y}" text-anchor="end">{total}</text>')
    parts.append("</svg>")
    keys = "".join(f"<li>{_swatch(colours.get(k, _OTHER_COLOUR))}{_e(k)}</li>"
                   for k in dict.fromkeys(k for _, counts in bars for k in counts))
    return (f'<figure class="chart"><figcaption>{_e(caption)}</figcaption>'
            f'<ul class="keys" aria-label="Key">{keys}</ul>{"".join(parts)}</figure>')


def _tier_tables(data: ReportData) -> str:
    labels = {t.table: t.label for t in TIER_TABLES}
    if not data.tiers and not data.tiers_by_day:
        return "<p>No output tables were found.</p>"
    charts = tier_mix_by_day(data)
    parts = []
    for number, (table, bars) in enumerate(charts.items()):
        counts = data.tiers.get(table) or _sum_days(data.tiers_by_day.get(table, {}))
        total = sum(counts.values())
        tiers = [*TIER_ROWS, *sorted(set(counts) - set(TIER_ROWS))]
        body = "".join(
            f'<tr><th scope="row">{_swatch(TIER_COLOURS.get(tier, _OTHER_COLOUR))}{_e(tier)}</th>'
            f'<td class="num">{counts.get(tier, 0)}</td>'
            f'<td class="num">{(counts.get(tier, 0) / total * 100 if total else 0):.1f}%</td></tr>'
            for tier in tiers)
        label = labels.get(table, table)
        table_html = (
            f'<table class="tiers"><caption>{_e(label)}: <code>{_breakable(table)}</code>, '
            f"{total} rows</caption><thead><tr><th scope=\"col\">Tier</th><th scope=\"col\" class=\"num\">Rows"
            f'</th><th scope="col" class="num">Share</th></tr></thead><tbody>{body}</tbody></table>')
        chart = '<p class="muted">No rows in this range: nothing to chart.</p>' if not total else _bar_chart(
            f"tiers-{number}", f"{label}: tier mix per day",
            f"One bar per day from {bars[0][0].isoformat()} to {bars[-1][0].isoformat()}: the share of the "
            f"day's rows in {table} per quality tier, best (gold) on the left; the number is the day's rows.",
            bars, TIER_COLOURS, share=True, unit="rows")
        parts.append(f'<div class="pair">{table_html}{chart}</div>')
    return "".join(parts)


def _fallback_tables(data: ReportData) -> str:
    by_primary, by_used = fallback_usage(data.log_rows)
    if not by_primary:
        return "<p>No fallback or reconstruction was used in this range.</p>"

    def table(caption: str, column: str, counts: Mapping[tuple[str, str], int]) -> str:
        body = "".join(f'<tr><td>{_e(kind)}</td><td class="wrap">{_e(source)}</td><td class="num">{n}</td></tr>'
                       for (kind, source), n in counts.items())
        return (f'<table class="fallback"><caption>{_e(caption)}</caption><thead><tr><th scope="col">Event'
                f'</th><th scope="col">{_e(column)}</th><th scope="col" class="num">Events</th></tr></thead>'
                f"<tbody>{body}</tbody></table>")

    chart = fallback_by_day(data.log_rows, data.start, data.end)
    shown = chart.sources[:len(SOURCE_COLOURS)]
    colours = dict(zip(shown, SOURCE_COLOURS, strict=False))
    bars: list[tuple[date, Mapping[str, int]]] = []
    for day, counts in chart.days:
        folded = {s: counts[s] for s in shown}
        if len(chart.sources) > len(shown):
            folded["other sources"] = sum(counts[s] for s in chart.sources[len(shown):])
        bars.append((day, folded))
    note = (f'<p class="muted">{chart.outside} event(s) dated outside the range are in the tables only.</p>'
            if chart.outside else "")
    figure = "" if not chart.sources else _bar_chart(
        "fallback-days", "Fallback and reconstruction events per day, by primary source",
        f"One bar per day from {data.start.isoformat()} to {data.end.isoformat()}: the events that needed "
        "a fallback or reconstruction, split by the primary source that was missing; longer is more.",
        bars, colours, share=False, unit="events")
    return (f'<div class="pair">{figure}</div>{note}'
            + table("Fallback and reconstruction events per primary source", "Primary source", by_primary)
            + table("Fallback and reconstruction events per source used", "Source used", by_used))


def _criticals_table(data: ReportData) -> str:
    rows = open_criticals(data.log_rows, data.now)
    if not rows:
        return "<p>No unresolved critical events.</p>"
    columns = ("Logged at (UTC)", "Open for", "Event type", "Game", "Game date", "Processor", "Description")
    body = []
    for r in rows:
        cells = (
            ("", _time(r["event_timestamp"], suffix="") if r["event_timestamp"] else ""),
            ("num", _e(format_age(r["age"]))),
            ("", _e(r["event_type"]) + (" (audit)" if r["is_synthetic"] else "")),
            ("gid wrap", _e(r["game_id"])),
            ("date", _e(r["game_date"].isoformat() if r["game_date"] else "")),
            ("proc wrap", _e(r["processor_name"])),
            ("wrap", _e(r["description"])),
        )
        body.append("<tr>" + "".join(
            f'<td class="{cls}" data-label="{_e(name)}">{value}</td>' if cls else
            f'<td data-label="{_e(name)}">{value}</td>'
            for name, (cls, value) in zip(columns, cells, strict=True)) + "</tr>")
    head = "".join(f'<th scope="col" class="num">{_e(name)}</th>' if name == "Open for" else
                   f'<th scope="col">{_e(name)}</th>' for name in columns)
    return (f'<table class="criticals stack"><caption>Unresolved critical events ({len(rows)}), oldest first; '
            f"open time relative to {_time(data.now, 'minutes')}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _legend() -> str:
    columns = ("Shown as", "Status", "Pattern", "Meaning")
    body = "".join(
        f'<tr><td class="key st-{_e(s)}" data-label="{columns[0]}"><span class="sym" aria-hidden="true">'
        f'{_e(style.symbol)}</span><span class="label">{_e(style.label)}</span></td>'
        f'<td data-label="{columns[1]}">{_e(s)}</td><td data-label="{columns[2]}">{_e(style.border_style)} border'
        f"{', striped' if style.striped else ''}</td><td data-label=\"{columns[3]}\">{_e(style.meaning)}</td></tr>"
        for s, style in STATUS_STYLES.items())
    head = "".join(f'<th scope="col">{c}</th>' for c in columns)
    return ('<table class="legend stack"><caption>Legend: each status has a symbol, a text label, a border style '
            f'and a colour</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
            "<p>Tiers, best first: gold, silver, bronze, poor, unusable; <em>unknown</em> counts rows with no "
            "tier recorded. A game is <em>normal</em> unless its latest audit flag (synthetic "
            "<code>silent_failure</code> event) is still open. Times are UTC.</p>")


def render_report(data: ReportData) -> str:
    """The whole page as one HTML string (pure: no I/O).

    Example::

        page = render_report(ReportData(date(2025, 1, 10), date(2025, 1, 10), datetime.now(UTC)))
        page.startswith('<!DOCTYPE html>')   # True
    """
    statuses = game_statuses(data.games, data.log_rows)
    title = f"Source coverage {data.start.isoformat()} to {data.end.isoformat()}"
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_css()}</style></head><body>",
        f"<header><h1>Source coverage {_date_span(data.start)} to {_date_span(data.end)}</h1><p class=\"muted\">Generated {_time(data.now, 'minutes')}"
        f" from the schedule, the coverage log and the output tables ({data.queries_issued} queries).</p></header>",
        "<main>",
        '<section aria-labelledby="h-cal"><h2 id="h-cal">Audit status by day</h2>',
        _status_totals(statuses), _calendar(data, statuses), "</section>",
        '<section aria-labelledby="h-tiers"><h2 id="h-tiers">Quality tiers per output table</h2>',
        _tier_tables(data), "</section>",
        '<section aria-labelledby="h-fb"><h2 id="h-fb">Fallback and reconstruction use</h2>',
        _fallback_tables(data), "</section>",
        '<section aria-labelledby="h-crit"><h2 id="h-crit">Unresolved critical events</h2>',
        _criticals_table(data), "</section>",
        '<section aria-labelledby="h-legend"><h2 id="h-legend">Legend</h2>', _legend(), "</section>",
        "</main></body></html>",
    ])


def write_report(client: Any, start: date | str, end: date | str, out: str | Path,
                 now: datetime | None = None) -> Path:
    """Collect, render and write the page to ``out``; returns its path.

    Example::

        write_report(make_client(), '2025-01-10', '2025-01-16', 'coverage_report.html')
    """
    path = check_report_path(out)
    page = render_report(collect_report_data(client, start, end, now))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed over it: a reader (or a killed run) never sees half
    # a page, and a failure leaves the previous report as it was.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(page, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path




if __name__ == "__main__":  # pragma: no cover
    from shared_services.cli import run_as_module

    run_as_module(main)
