"""The report's chart data and its rendering, as pure functions over a hand-built fixture.

The fixture, 2025-01-30 (Thu) .. 2025-02-02 (Sun), over a month boundary, one game on Jan 30:

* player game summary: Jan 30 gold 10 + silver 2; Jan 31 nothing; Feb 1 gold 5 + bronze 3
  + unknown 1; Feb 2 nothing; Feb 3 (the morning after, phase 4 style) gold 4 -> 25 rows;
* team offense: one odd tier, ``platinum``, 2 rows on Jan 30;
* predictions: no rows at all;
* log: nbac fallback twice on Jan 30 and once on Feb 1; bdl reconstruction once on Feb 1;
  one nbac fallback with no game date logged 2025-02-01 23:30 at UTC-5 (= Feb 2 UTC); one
  fallback for a game of Jan 20 (outside the range); one source_missing (not a fallback).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from data_processors.reporting.html_report import (
    TIER_ROWS,
    ReportData,
    fallback_by_day,
    render_report,
    tier_mix_by_day,
)

START, END = date(2025, 1, 30), date(2025, 2, 2)
PGS, TEAM, PRED = ("nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary",
                   "nba_predictions.player_prop_predictions")
EAST = timezone(timedelta(hours=-5))


def _event(kind: str, source: str, day: date | None, stamp: datetime | None = None) -> dict[str, object]:
    return {"event_id": f"{kind}-{source}-{day}-{stamp}", "event_type": kind, "severity": "warning",
            "is_synthetic": False, "game_id": "0022400001" if day else "", "game_date": day,
            "primary_source": source, "fallback_sources_tried": ["x"], "is_resolved": False,
            "resolution_details": "", "description": "", "processor_name": "P",
            "event_timestamp": stamp or datetime(2025, 2, 3, 6, tzinfo=UTC)}


@pytest.fixture
def data() -> ReportData:
    by_day = {
        PGS: {date(2025, 1, 30): {"gold": 10, "silver": 2},
              date(2025, 2, 1): {"gold": 5, "bronze": 3, "unknown": 1},
              date(2025, 2, 3): {"gold": 4}},
        TEAM: {date(2025, 1, 30): {"platinum": 2}},
        PRED: {},
    }
    log = [
        _event("fallback_used", "nbac", date(2025, 1, 30)), _event("fallback_used", "nbac", date(2025, 1, 30)),
        _event("fallback_used", "nbac", date(2025, 2, 1)), _event("reconstruction", "bdl", date(2025, 2, 1)),
        _event("fallback_used", "nbac", None, datetime(2025, 2, 1, 23, 30, tzinfo=EAST)),
        _event("fallback_used", "espn", date(2025, 1, 20)),
        _event("source_missing", "nbac", date(2025, 1, 31)),
    ]
    totals = {t: {tier: sum(c.get(tier, 0) for c in days.values()) for tier in {k for c in days.values() for k in c}}
              for t, days in by_day.items()}
    games = [{"game_id": "0022400001", "game_date": START, "game_status": 3, "away": "LAL", "home": "BOS"}]
    return ReportData(START, END, datetime(2025, 2, 3, 12, 0, 7, 654321, tzinfo=timezone(timedelta(hours=2))),
                      games=games, log_rows=log, tiers=totals, tiers_by_day=by_day, queries_issued=3)


def test_tier_mix_has_a_bar_per_day_and_every_tier(data: ReportData) -> None:
    charts = tier_mix_by_day(data)
    players = charts[PGS]
    assert [day for day, _ in players] == [date(2025, 1, 30), date(2025, 1, 31), date(2025, 2, 1),
                                           date(2025, 2, 2), date(2025, 2, 3)]
    assert [list(counts) for _, counts in players] == [list(TIER_ROWS)] * 5
    assert [sum(c.values()) for _, c in players] == [12, 0, 9, 0, 4]
    assert players[2][1] == {"gold": 5, "silver": 0, "bronze": 3, "poor": 0, "unusable": 0, "unknown": 1}
    # The bars add up to the table's totals (25 rows).
    assert sum(sum(c.values()) for _, c in players) == sum(data.tiers[PGS].values()) == 25
    # A tier the code does not know is kept (after the known ones), never dropped.
    assert charts[TEAM][0][1] == {**dict.fromkeys(TIER_ROWS, 0), "platinum": 2}
    assert [sum(c.values()) for _, c in charts[PRED]] == [0, 0, 0, 0]


def test_fallback_use_per_day_per_primary_source(data: ReportData) -> None:
    chart = fallback_by_day(data.log_rows, START, END)
    assert chart.sources == ["nbac", "bdl"]          # 4 events, then 1
    assert chart.days == [
        (date(2025, 1, 30), {"nbac": 2, "bdl": 0}),
        (date(2025, 1, 31), {"nbac": 0, "bdl": 0}),   # source_missing is not a fallback
        (date(2025, 2, 1), {"nbac": 1, "bdl": 1}),
        (date(2025, 2, 2), {"nbac": 1, "bdl": 0}),    # no game date: its UTC log date
    ]
    assert chart.outside == 1                         # the Jan 20 game


def test_charts_render_as_inline_svg_with_counted_segments(data: ReportData) -> None:
    page = render_report(data)
    charts = re.findall(r'<svg class="bars" id="([^"]+)"', page)
    assert charts == ["tiers-0", "tiers-1", "fallback-days"]   # predictions: no rows, no chart
    assert "No rows in this range: nothing to chart." in page
    players = page[page.index('id="tiers-0"'):page.index('id="tiers-1"')]
    titles = re.findall(r"<rect [^>]*><title>([^<]+)</title>", players)
    assert titles == ["Jan 30, 2025: gold 10 of 12 rows (83.3%)", "Jan 30, 2025: silver 2 of 12 rows (16.7%)",
                      "Feb 1, 2025: gold 5 of 9 rows (55.6%)", "Feb 1, 2025: bronze 3 of 9 rows (33.3%)",
                      "Feb 1, 2025: unknown 1 of 9 rows (11.1%)", "Feb 3: gold 4 of 4 rows (100.0%)"]
    # Mix bars span the whole bar area (360 - 76 label - 40 total = 244 units): on Feb 1 (the
    # third row, y = 2 + 2 * 18) gold takes 5/9, bronze 3/9, unknown 1/9, then the outline.
    widths = re.findall(r'<rect x="[\d.]+" y="38" width="([\d.]+)"', players)
    assert [float(w) for w in widths] == pytest.approx([244 * 5 / 9, 244 * 3 / 9, 244 / 9, 244], abs=0.01)
    fallback = page[page.index('id="fallback-days"'):]
    fallback = fallback[:fallback.index("</svg>")]
    assert re.findall(r"<title>([^<]+)</title>", fallback) == [
        "Jan 30, 2025: nbac 2 of 2 events (100.0%)", "Feb 1, 2025: nbac 1 of 2 events (50.0%)",
        "Feb 1, 2025: bdl 1 of 2 events (50.0%)", "Feb 2: nbac 1 of 1 events (100.0%)"]
    assert "1 event(s) dated outside the range are in the tables only." in page


def test_fallback_chart_folds_sources_beyond_the_palette() -> None:
    log = [_event("fallback_used", f"source_{n}", START) for n in range(9) for _ in range(9 - n)]
    page = render_report(ReportData(START, START, datetime(2025, 2, 3, tzinfo=UTC), log_rows=log))
    fallback = page[page.index('id="fallback-days"'):]
    titles = re.findall(r"<title>([^<]+)</title>", fallback[:fallback.index("</svg>")])
    assert titles[:7] == [f"Jan 30, 2025: source_{n} {9 - n} of 45 events ({(9 - n) / 45 * 100:.1f}%)" for n in range(7)]
    assert titles[7:] == ["Jan 30, 2025: other sources 3 of 45 events (6.7%)"]   # 2 + 1


def test_days_carry_the_year_on_month_boundaries_and_start_on_their_weekday(data: ReportData) -> None:
    page = render_report(data)
    days = re.findall(r'<li class="([^"]+)"><h3><time datetime="([^"]+)">([^<]+)</time>', page)
    assert days == [("day start-4", "2025-01-30", "Thu Jan 30, 2025"), ("day no-games", "2025-01-31", "Fri Jan 31"),
                    ("day no-games", "2025-02-01", "Sat Feb 1, 2025"), ("day no-games", "2025-02-02", "Sun Feb 2")]
    new_year = render_report(ReportData(date(2024, 12, 31), date(2025, 1, 1), datetime(2025, 1, 2, tzinfo=UTC)))
    assert re.findall(r"<h3><time [^>]+>([^<]+)</time>", new_year) == ["Tue Dec 31, 2024", "Wed Jan 1, 2025"]


def test_times_are_shown_in_utc_without_microseconds(data: ReportData) -> None:
    page = render_report(data)
    # now = 12:00:07.654321 at UTC+2
    assert 'Generated <time datetime="2025-02-03T10:00Z">2025-02-03 10:00 UTC</time>' in page
    assert "654321" not in page and "+02:00" not in page


def test_every_tier_table_has_the_unknown_row(data: ReportData) -> None:
    page = render_report(data)
    tables = page.split('<table class="tiers">')[1:]
    assert len(tables) == 3
    for table in tables:
        rows = re.findall(r'<th scope="row">(?:<svg .*?</svg>)?([^<]+)</th>', table.split("</table>")[0])
        assert rows[:6] == list(TIER_ROWS)
    assert "platinum" in tables[1]


def test_hostile_source_names_are_escaped_in_the_chart() -> None:
    hostile = '<script>alert(1)</script>"&'
    page = render_report(ReportData(START, START, datetime(2025, 2, 3, tzinfo=UTC),
                                    log_rows=[_event("fallback_used", hostile, START)]))
    assert "<script" not in page
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;"
    assert f"<title>Jan 30, 2025: {escaped} 1 of 1 events (100.0%)</title>" in page
    assert f"</svg>{escaped}</li>" in page    # the chart's key
