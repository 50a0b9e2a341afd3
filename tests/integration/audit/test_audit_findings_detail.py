"""What each audit finding says, read from the warehouse's rows: the fields the heal and the
alerts use, the schedule's quirks (a game listed twice, the season of a game played late),
events counted under either of a game's keys, and a configured table the audit cannot read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from google.api_core import exceptions as gexc

from data_processors.source_coverage_audit import AuditConfigError, SourceCoverageAuditProcessor
from data_processors.source_coverage_audit.config import DEFAULT_AUDIT_TABLES, AuditTable
from shared_services.events.model import build_event_row
from shared_services.events.sink import EventSink
from tests.support.scenario import load, player_rows, schedule_row, team_rows

DAY = date(2025, 1, 15)
NOW = datetime(2025, 1, 16, 15, 0, tzinfo=UTC)
GAMEBOOK = "nba_raw.nbac_gamebook_player_stats"
TEAM_BOX = "nba_raw.nbac_team_boxscore"


def _audit(client, **kwargs):
    return SourceCoverageAuditProcessor(bq_client=client, clock=lambda: NOW, dry_run=True, **kwargs)


def _logged(client, game_id: str, when: datetime) -> None:
    assert EventSink(client).write([build_event_row("fallback_used", "info", "ran", game_id=game_id, now=when)]).ok


def test_a_game_listed_twice_is_audited_once_and_no_later_game_is_lost(warehouse):
    games = [schedule_row(f"00224000{n:02d}", DAY, "LAL", f"T{n:02d}") for n in range(1, 6)]
    load(warehouse, "nba_raw.nbac_schedule", [games[0], games[0], *games[1:]])  # a re-scraped row
    result = _audit(warehouse).run_daily_audit(DAY)
    assert [f.game_id for f in result.findings] == [g["game_id"] for g in games]


def test_the_schedule_season_wins_and_the_date_decides_without_one(warehouse):
    bubble = date(2020, 10, 11)  # 2019-20 finals game 6, played in the 2020-21 calendar season
    rows = [schedule_row("0041900406", bubble, "MIA", "LAL", season_year=2019),
            {**schedule_row("0041900407", bubble, "LAL", "MIA"), "season_year": None}]
    load(warehouse, "nba_raw.nbac_schedule", rows)
    found = {f.game_id: f.season for f in _audit(warehouse).run_daily_audit(bubble).findings}
    assert found == {"0041900406": "2019-20", "0041900407": "2020-21"}


def test_a_partial_game_names_its_tables_its_other_key_and_counts_events_under_both_keys(warehouse):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400561", DAY, "PHX", "DAL")])
    team_key = f"{DAY:%Y%m%d}_PHX_DAL"
    load(warehouse, GAMEBOOK, player_rows("0022400561", DAY, players=2, away="PHX", home="DAL"))
    load(warehouse, TEAM_BOX, team_rows(team_key, DAY, "PHX", "DAL"))
    # Phase 2 logs under the NBA id, the team processors under the date-teams key; one of them
    # the evening before the game date (within the log's look-behind), one after it.
    _logged(warehouse, "0022400561", datetime(2025, 1, 15, 20, 0, tzinfo=UTC))
    _logged(warehouse, team_key, datetime(2025, 1, 14, 23, 0, tzinfo=UTC))
    _logged(warehouse, team_key, datetime(2025, 1, 16, 1, 0, tzinfo=UTC))
    [finding] = _audit(warehouse).run_daily_audit(DAY).findings
    assert finding.status == "partial_data"
    assert finding.tables_with_data == [TEAM_BOX, GAMEBOOK]
    assert finding.missing_tables == ["nba_analytics.player_game_summary", "nba_analytics.team_offense_game_summary"]
    assert finding.game_key == team_key
    assert finding.log_events == 3
    assert finding.description.startswith("Game 0022400561 (2025-01-15): partial data: ")


def test_an_event_older_than_the_look_behind_is_not_counted(warehouse):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400561", DAY, "PHX", "DAL")])
    _logged(warehouse, "0022400561", datetime.combine(DAY, datetime.min.time(), tzinfo=UTC)
            - SourceCoverageAuditProcessor.LOG_LOOKBEHIND - timedelta(minutes=1))
    [finding] = _audit(warehouse).run_daily_audit(DAY).findings
    assert finding.log_events == 0 and finding.status == "completely_missing"


def test_a_configured_table_the_audit_cannot_read_is_the_configurations_error(warehouse):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400561", DAY, "PHX", "DAL")])
    wrong = AuditTable(table=GAMEBOOK, id_column="player_name", date_column="scraped_at")
    with pytest.raises(AuditConfigError) as raised:
        _audit(warehouse, tables=[*DEFAULT_AUDIT_TABLES[:1], wrong]).run_daily_audit(DAY)
    message = str(raised.value)
    assert message.startswith(f"audit table tables[1] {GAMEBOOK}: cannot be read with id_column 'player_name' "
                              "and date_column 'scraped_at' (a DATE column): ")
    # BigQuery's own reason, its first line: the date column given is a TIMESTAMP, not a DATE
    assert message.endswith("(a DATE column): No matching signature for operator BETWEEN for argument types: "
                            "TIMESTAMP, DATE. Supported signature: ANY BETWEEN ANY")
    assert "\n" not in message


def test_a_default_table_the_audit_cannot_read_is_bigquerys_error(warehouse):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400561", DAY, "PHX", "DAL")])
    warehouse.query(f"DROP TABLE {GAMEBOOK}").result()
    with pytest.raises(gexc.NotFound):
        _audit(warehouse).run_daily_audit(DAY)


def test_a_schedule_row_without_a_team_keys_the_date_teams_tables_without_it(warehouse):
    load(warehouse, "nba_raw.nbac_schedule", [{**schedule_row("0022400561", DAY, "PHX", "DAL"),
                                               "home_team_tricode": None}])
    [finding] = _audit(warehouse).run_daily_audit(DAY).findings
    assert finding.game_key == f"{DAY:%Y%m%d}_PHX_"  # never the text 'None'
