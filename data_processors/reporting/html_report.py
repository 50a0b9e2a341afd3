"""``coverage-report``: one self-contained HTML page on source coverage for a date range.

The page (inline CSS, no scripts, no fonts, images or links to load) shows:

* a calendar of the range, one cell per day listing its games, each marked with its audit
  status — the latest synthetic ``silent_failure`` event of the game when it is still open,
  otherwise ``normal`` — as a colour from a colour-blind-safe palette (Okabe-Ito tints), a
  symbol, a border style and a text label (never colour alone);
* the quality tier mix of each output table (player and team game summaries, rolling
  averages, predictions when the table exists);
* fallback and reconstruction use from the log (``fallback_used`` / ``reconstruction``
  events): per primary source, and per source actually used (the last entry of
  ``fallback_sources_tried``);
* unresolved critical events and how long each has been open (relative to ``now``);
* a legend.

It costs three queries whatever the range: schedule, log and tiers (one ``UNION ALL`` over
the output tables that exist), each filtered on its table's partition column. Every value
from the warehouse is HTML-escaped.

Command line::

    coverage-report --start 2025-01-10 --end 2025-01-16 [--out report.html] [--warehouse URL]

Python::

    data = collect_report_data(client, date(2025, 1, 10), date(2025, 1, 16))
    html_text = render_report(data)
    write_report(client, date(2025, 1, 10), date(2025, 1, 16), 'report.html')
"""

from __future__ import annotations

import argparse
import html
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from google.api_core import exceptions as gexc
from google.api_core.exceptions import NotFound
from google.cloud import bigquery

from shared_services.bigquery.identifiers import quote_table_id, validate_column_name
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
    "STATUS_STYLES",
    "ReportData",
    "fetch_tier_counts",
    "collect_report_data",
    "game_statuses",
    "fallback_usage",
    "open_criticals",
    "format_age",
    "render_report",
    "write_report",
    "main",
]

TIERS: tuple[str, ...] = tuple(t.value for t in QualityTier)


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
    """One ``UNION ALL`` counting rows per tier in each table over ``@start_date..@end_date``."""
    parts = []
    for spec in tables:
        column = validate_column_name(spec.date_column)
        parts.append(
            f"SELECT '{spec.table}' AS table_id, quality_tier, COUNT(*) AS row_count\n"
            f"FROM {quote_table_id(spec.table)}\n"
            f"WHERE {column} BETWEEN @start_date AND @end_date\n"
            "GROUP BY quality_tier"
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


def fetch_tier_counts(client: Any, start: date, end: date,
                      tables: Sequence[TierTable] = TIER_TABLES) -> dict[str, dict[str, int]]:
    """Rows per tier per existing table, dates ``start..end`` (ONE query; metadata calls aside).

    Example::

        fetch_tier_counts(client, date(2025, 1, 10), date(2025, 1, 16))
        # {'nba_analytics.player_game_summary': {'gold': 1200, 'silver': 52, ...}, ...}
    """
    present = _existing(client, tables)
    counts: dict[str, dict[str, int]] = {spec.table: dict.fromkeys(TIERS, 0) for spec in present}
    if not present:
        return counts
    frame = _query(client, tier_counts_sql(present), [
        bigquery.ScalarQueryParameter("start_date", "DATE", start),
        bigquery.ScalarQueryParameter("end_date", "DATE", end),
    ])
    for row in frame.itertuples(index=False):
        tier = "unknown" if _missing(row.quality_tier) else str(row.quality_tier)
        counts[str(row.table_id)][tier] = counts[str(row.table_id)].get(tier, 0) + int(row.row_count)
    return counts


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
    data.tiers = fetch_tier_counts(client, first, last + timedelta(days=1), tables)
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
def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _css() -> str:
    rules = [
        "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1a1a1a;"
        "background:#fff;margin:0 auto;max-width:1240px;padding:16px;line-height:1.4}",
        "h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}",
        "table{border-collapse:collapse;margin:.5rem 0 1rem}",
        "caption{text-align:left;font-weight:600;padding:.25rem 0}",
        "th,td{border:1px solid #8c8c8c;padding:4px 8px;text-align:left;vertical-align:top}",
        "th{background:#f2f2f2}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}",
        "table.calendar{table-layout:fixed;width:100%}",
        "table.calendar td{height:4rem;width:14.28%}",
        "table.calendar td.outside{background:#fafafa;color:#6b6b6b}",
        ".day{font-weight:600;display:block;margin-bottom:2px}",
        "ul.games{list-style:none;margin:0;padding:0}",
        "ul.games li{margin:2px 0;padding:2px 4px;border-width:2px 2px 2px 6px;font-size:.8rem;"
        "overflow-wrap:anywhere}",
        ".sym{font-weight:700;display:inline-block;width:1.1em}",
        ".gid{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.75rem}",
        ".label{font-weight:600}",
        ".muted{color:#555}",
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
    by_day: dict[date, list[Mapping[str, Any]]] = {}
    for game in data.games:
        by_day.setdefault(game["game_date"], []).append(game)
    first = data.start - timedelta(days=data.start.weekday())
    last = data.end + timedelta(days=6 - data.end.weekday())
    head = "".join(f'<th scope="col">{d}</th>' for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
    rows = []
    day = first
    while day <= last:
        cells = []
        for _ in range(7):
            inside = data.start <= day <= data.end
            games = by_day.get(day, []) if inside else []
            items = "".join(_game_item(g, statuses.get(str(g["game_id"]), "normal")) for g in games)
            body = f'<ul class="games">{items}</ul>' if items else (
                '<span class="muted">no games</span>' if inside else "")
            cls = "" if inside else ' class="outside"'
            cells.append(f'<td{cls}><span class="day"><time datetime="{day.isoformat()}">'
                         f'{day:%b} {day.day}</time></span>{body}</td>')
            day += timedelta(days=1)
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="calendar"><caption>Games by day, {data.start.isoformat()} to '
            f'{data.end.isoformat()}, marked with their audit status</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _status_totals(statuses: Mapping[str, str]) -> str:
    counts = Counter(statuses.values())
    cells = "".join(
        f'<tr><th scope="row" class="st-{_e(s)}"><span class="sym" aria-hidden="true">{_e(style.symbol)}</span>'
        f'{_e(style.label)}</th><td class="num">{counts.get(s, 0)}</td></tr>'
        for s, style in STATUS_STYLES.items())
    return (f'<table class="totals"><caption>Games per audit status</caption><thead><tr>'
            f'<th scope="col">Status</th><th scope="col" class="num">Games</th></tr></thead>'
            f"<tbody>{cells}</tbody></table>")


def _tier_tables(data: ReportData) -> str:
    labels = {t.table: t.label for t in TIER_TABLES}
    if not data.tiers:
        return "<p>No output tables were found.</p>"
    parts = []
    for table, counts in data.tiers.items():
        total = sum(counts.values())
        tiers = [*TIERS, *sorted(set(counts) - set(TIERS))]
        body = "".join(
            f'<tr><th scope="row">{_e(tier)}</th><td class="num">{counts.get(tier, 0)}</td>'
            f'<td class="num">{(counts.get(tier, 0) / total * 100 if total else 0):.1f}%</td></tr>'
            for tier in tiers)
        parts.append(
            f'<table class="tiers"><caption>{_e(labels.get(table, table))}: <code>{_e(table)}</code>, '
            f"{total} rows</caption><thead><tr><th scope=\"col\">Tier</th><th scope=\"col\" class=\"num\">Rows"
            f'</th><th scope="col" class="num">Share</th></tr></thead><tbody>{body}</tbody></table>')
    return "".join(parts)


def _fallback_tables(data: ReportData) -> str:
    by_primary, by_used = fallback_usage(data.log_rows)
    if not by_primary:
        return "<p>No fallback or reconstruction was used in this range.</p>"

    def table(caption: str, column: str, counts: Mapping[tuple[str, str], int]) -> str:
        body = "".join(f'<tr><td>{_e(kind)}</td><td>{_e(source)}</td><td class="num">{n}</td></tr>'
                       for (kind, source), n in counts.items())
        return (f'<table class="fallback"><caption>{_e(caption)}</caption><thead><tr><th scope="col">Event'
                f'</th><th scope="col">{_e(column)}</th><th scope="col" class="num">Events</th></tr></thead>'
                f"<tbody>{body}</tbody></table>")

    return (table("Fallback and reconstruction events per primary source", "Primary source", by_primary)
            + table("Fallback and reconstruction events per source used", "Source used", by_used))


def _criticals_table(data: ReportData) -> str:
    rows = open_criticals(data.log_rows, data.now)
    if not rows:
        return "<p>No unresolved critical events.</p>"
    body = "".join(
        f"<tr><td>{_e(r['event_timestamp'].isoformat() if r['event_timestamp'] else '')}</td>"
        f'<td class="num">{_e(format_age(r["age"]))}</td><td>{_e(r["event_type"])}'
        f"{' (audit)' if r['is_synthetic'] else ''}</td><td class=\"gid\">{_e(r['game_id'])}</td>"
        f"<td>{_e(r['game_date'].isoformat() if r['game_date'] else '')}</td><td>{_e(r['processor_name'])}</td>"
        f"<td>{_e(r['description'])}</td></tr>"
        for r in rows)
    return (f'<table class="criticals"><caption>Unresolved critical events ({len(rows)}), oldest first; '
            f"open time relative to {_e(data.now.isoformat(timespec='minutes'))}</caption><thead><tr>"
            '<th scope="col">Logged at (UTC)</th><th scope="col" class="num">Open for</th>'
            '<th scope="col">Event type</th><th scope="col">Game</th><th scope="col">Game date</th>'
            '<th scope="col">Processor</th><th scope="col">Description</th></tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _legend() -> str:
    body = "".join(
        f'<tr><td class="st-{_e(s)}"><span class="sym" aria-hidden="true">{_e(style.symbol)}</span>'
        f'<span class="label">{_e(style.label)}</span></td><td>{_e(s)}</td><td>{_e(style.border_style)} border'
        f"{', striped' if style.striped else ''}</td><td>{_e(style.meaning)}</td></tr>"
        for s, style in STATUS_STYLES.items())
    return ('<table class="legend"><caption>Legend: each status has a symbol, a text label, a border style '
            'and a colour</caption><thead><tr><th scope="col">Shown as</th><th scope="col">Status</th>'
            '<th scope="col">Pattern</th><th scope="col">Meaning</th></tr></thead>'
            f"<tbody>{body}</tbody></table>"
            "<p>Tiers, best first: gold, silver, bronze, poor, unusable. A game is <em>normal</em> unless "
            "its latest audit flag (synthetic <code>silent_failure</code> event) is still open.</p>")


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
        f"<header><h1>{_e(title)}</h1><p class=\"muted\">Generated {_e(data.now.isoformat(timespec='minutes'))}"
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
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(collect_report_data(client, start, end, now)), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-report``; returns the exit status (2 for bad usage)."""
    parser = argparse.ArgumentParser(prog="coverage-report",
                                     description="Write a self-contained HTML source coverage report.")
    parser.add_argument("--warehouse", help="warehouse URL (default $COVERAGE_WAREHOUSE or duckdb:///coverage.duckdb)")
    parser.add_argument("--start", required=True, help="first game date, YYYY-MM-DD")
    parser.add_argument("--end", required=True, help="last game date, YYYY-MM-DD")
    parser.add_argument("--out", default="coverage_report.html", help="output file (default coverage_report.html)")
    parser.add_argument("--now", help="reference time for 'open for' ages, ISO-8601 with offset (default now)")
    args = parser.parse_args(argv)
    try:
        start = parse_game_date(args.start, "--start")
        end = parse_game_date(args.end, "--end")
        if end < start:
            raise ValueError(f"--end {end} is before --start {start}")
        now = datetime.fromisoformat(args.now) if args.now else None
        if now is not None and now.tzinfo is None:
            raise ValueError("--now needs a UTC offset, e.g. 2025-01-17T15:00:00+00:00")
        from shared_services.bigquery.factory import make_client

        client = make_client(args.warehouse)
    except ValueError as exc:
        print(f"coverage-report: error: {exc}", file=sys.stderr)
        return 2
    try:
        path = write_report(client, start, end, args.out, now)
    except NotFound as exc:
        print(f"coverage-report: error: {exc.message}; run coverage-setup on this warehouse first", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
