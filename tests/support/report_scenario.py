"""Warehouse and in-memory inputs for the HTML report's tests.

:func:`build_report_scenario` runs the real processors and the audit over one day with four
games (clean, primary outage, hostile id with no data, never processed);
:func:`busy_fortnight` is a hand-built :class:`ReportData` over a month boundary with many
games, long unbreakable strings and a visible tier slide, for layout tests in a browser.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from data_processors.analytics.player_game_summary.player_game_summary_processor import (
    PlayerGameSummaryProcessor,
)
from data_processors.analytics.team_offense_game_summary.team_offense_game_summary_processor import (
    TeamOffenseGameSummaryProcessor,
)
from data_processors.reporting.html_report import ReportData
from data_processors.source_coverage_audit import SourceCoverageAuditProcessor
from tests.support.scenario import load, player_rows, schedule_row, team_rows

DAY = date(2025, 1, 15)
CLEAN, OUTAGE, NEVER = "0022400701", "0022400702", "0022400704"
HOSTILE = '<img src=x onerror=alert(1)>"\'&'


def build_report_scenario(warehouse: Any) -> Any:
    """Clean game, primary outage, hostile-id game with no data, and a game never processed."""
    games = [(CLEAN, "LAL", "BOS"), (OUTAGE, "NYK", "MIA"), (HOSTILE, "DEN", "UTA")]
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row(g, DAY, a, h) for g, a, h in games])
    load(warehouse, "nba_raw.nbac_gamebook_player_stats", player_rows(CLEAN, DAY))
    load(warehouse, "nba_raw.bdl_player_boxscores",
         player_rows(CLEAN, DAY) + player_rows(OUTAGE, DAY, away="NYK", home="MIA", start_id=2000))
    load(warehouse, "nba_raw.nbac_team_boxscore",
         team_rows("20250115_LAL_BOS", DAY) + team_rows("20250115_NYK_MIA", DAY, "NYK", "MIA"))
    PlayerGameSummaryProcessor(bq_client=warehouse).run({"game_date": DAY})
    TeamOffenseGameSummaryProcessor(bq_client=warehouse).run({"game_date": DAY})
    # Turned final after the nightly run: nothing was ever processed for it.
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row(NEVER, DAY, "CHI", "DET")])
    SourceCoverageAuditProcessor(bq_client=warehouse).run_audit(DAY, DAY)
    return warehouse


FORTNIGHT_START, FORTNIGHT_END = date(2025, 1, 27), date(2025, 2, 9)
LONG_ID = "9" * 80
LONG_SOURCE = "a_really_long_source_name_without_any_break_" + "x" * 40
PGS, TEAM, PREDICTIONS = ("nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary",
                          "nba_predictions.player_prop_predictions")


def busy_fortnight() -> ReportData:
    """Two weeks over a month boundary: 5 games a day (9 on Saturdays, none on Thursdays), the
    last day not final, one 80-digit game id, a slide from gold to bronze in player rows,
    fallback events growing by source (one source name 80 characters long) and two open
    criticals, one with a 120-character word in its description."""
    data = ReportData(FORTNIGHT_START, FORTNIGHT_END, datetime(2025, 2, 10, 15, 4, 5, 123456, tzinfo=UTC),
                      queries_issued=3)
    teams = ["LAL", "BOS", "NYK", "MIA", "DEN", "UTA", "GSW", "PHX", "CHI", "DET"]
    sources = ["nbac_gamebook_player_stats", "nbac_team_boxscore", LONG_SOURCE]
    number = 0
    for offset in range((FORTNIGHT_END - FORTNIGHT_START).days + 1):
        day = FORTNIGHT_START + timedelta(days=offset)
        games = 0 if day.weekday() == 3 else 9 if day.weekday() == 5 else 5
        for k in range(games):
            number += 1
            data.games.append({"game_id": LONG_ID if number == 7 else f"00224{number:05d}", "game_date": day,
                               "game_status": 1 if day == FORTNIGHT_END else 3,
                               "away": teams[k % 10], "home": teams[(k + 3) % 10]})
        data.tiers_by_day.setdefault(PGS, {})[day] = {
            "gold": 200 - 8 * offset, "silver": 10 + 3 * offset, "bronze": 2 * offset, "poor": offset // 4}
        data.tiers_by_day.setdefault(TEAM, {})[day] = {"gold": 18, "silver": 2}
        for n in range(offset // 3):
            data.log_rows.append({
                "event_id": f"fb-{day}-{n}", "event_type": "fallback_used", "severity": "warning",
                "is_synthetic": False, "game_id": "0022400001", "game_date": day,
                "primary_source": sources[n % 3], "fallback_sources_tried": ["bdl_player_boxscores"],
                "is_resolved": False, "resolution_details": "", "description": "", "processor_name": "",
                "event_timestamp": datetime.combine(day, time(6, 0, 0, 5), UTC) + timedelta(days=1)})
    data.tiers_by_day[PGS][FORTNIGHT_END] = {"gold": 5, "unknown": 3}
    for table, by_day in data.tiers_by_day.items():
        totals: dict[str, int] = {}
        for counts in by_day.values():
            for tier, rows in counts.items():
                totals[tier] = totals.get(tier, 0) + rows
        data.tiers[table] = totals
    data.tiers[PREDICTIONS] = {}
    for event_id, kind, synthetic, stamp, description in (
            ("c1", "source_missing", False, datetime(2025, 1, 31, 6, 1, 2, 345678, tzinfo=UTC),
             "No data available from any source for " + "y" * 120),
            ("c2", "silent_failure", True, datetime(2025, 2, 1, 7, 0, 0, 1, tzinfo=UTC), "completely missing")):
        data.log_rows.append({
            "event_id": event_id, "event_type": kind, "severity": "critical", "is_synthetic": synthetic,
            "game_id": "0022400009", "game_date": date(2025, 1, 30), "primary_source": "nbac_gamebook_player_stats",
            "fallback_sources_tried": [], "is_resolved": False,
            "resolution_details": "completely_missing" if synthetic else "", "description": description,
            "processor_name": "SourceCoverageAuditProcessor" if synthetic else "PlayerGameSummaryProcessor",
            "event_timestamp": stamp})
    return data
