"""Reliability: season boundaries, DST transition days and late Pacific games."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from data_processors.analytics.player_game_summary.player_game_summary_processor import (
    PlayerGameSummaryProcessor,
)
from data_processors.source_coverage_audit import SourceCoverageAuditProcessor
from shared_services.processors.quality_mixin import QualityMixin
from shared_services.quality.season import games_into_season, is_early_season, season_label
from tests.support.scenario import load, player_rows, schedule_row


@pytest.mark.parametrize("day, season, early", [
    (date(2025, 6, 20), "2024-25", False),   # Finals in June belong to the season that began in October
    (date(2025, 10, 22), "2025-26", True),   # opening week of the next season
    (date(2025, 10, 14), "2025-26", True),   # preseason: the upcoming season, zero games in
    (date(2026, 1, 1), "2025-26", False),
])
def test_season_boundaries(day, season, early):
    assert season_label(day) == season
    assert is_early_season(day) is early


def test_expected_sample_restarts_in_october():
    class P(QualityMixin):
        REQUIRED_FIELDS = ["points"]

    import pandas as pd

    frame = pd.DataFrame({"points": [10, 11, 12]})
    june = P().assess_quality(frame, ["primary"], game_date=date(2025, 6, 10))
    october = P().assess_quality(frame, ["primary"], game_date=date(2025, 10, 25))
    assert june["metadata"]["expected_sample_size"] == 8 and june["tier"] == "bronze"
    assert october["metadata"]["early_season"] is True and october["tier"] == "gold"
    assert games_into_season(date(2025, 10, 25)) == 5


def test_processed_rows_and_events_carry_the_right_season(warehouse):
    for day, game_id in ((date(2025, 6, 16), "0042400405"), (date(2025, 10, 22), "0022500001")):
        load(warehouse, "nba_raw.nbac_schedule", [schedule_row(game_id, day)])
        load(warehouse, "nba_raw.bdl_player_boxscores", player_rows(game_id, day))
        PlayerGameSummaryProcessor(bq_client=warehouse).run({"game_date": day})
    seasons = warehouse.query(
        "SELECT DISTINCT game_id, season FROM nba_analytics.player_game_summary "
        "WHERE game_date BETWEEN '2025-06-01' AND '2025-11-01' ORDER BY game_id").to_dataframe()
    assert seasons.to_dict("records") == [{"game_id": "0022500001", "season": "2025-26"},
                                          {"game_id": "0042400405", "season": "2024-25"}]
    events = warehouse.query(
        "SELECT game_id, season, game_date FROM nba_reference.source_coverage_log "
        "WHERE event_timestamp >= TIMESTAMP('2000-01-01') ORDER BY game_id").to_dataframe()
    assert events["season"].tolist() == ["2025-26", "2024-25"]


@pytest.mark.parametrize("clock, audited", [
    (datetime(2025, 3, 9, 10, 30, tzinfo=UTC), date(2025, 3, 8)),   # spring-forward morning
    (datetime(2025, 3, 10, 6, 30, tzinfo=UTC), date(2025, 3, 8)),   # 23:30 PDT on the 9th
    (datetime(2025, 11, 2, 9, 30, tzinfo=UTC), date(2025, 11, 1)),  # the repeated 01:30 (PST)
    (datetime(2025, 11, 3, 7, 30, tzinfo=UTC), date(2025, 11, 1)),  # 23:30 PST on the 2nd
])
def test_the_default_audit_date_on_dst_transition_days(warehouse, clock, audited):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row(f"g{audited:%m%d}", audited)])
    result = SourceCoverageAuditProcessor(bq_client=warehouse, clock=lambda: clock, dry_run=True).run_daily_audit()
    assert (result.start_date, [f.game_id for f in result.findings]) == (audited, [f"g{audited:%m%d}"])


def test_a_game_at_11pm_pacific_is_processed_and_audited_under_its_local_date(warehouse):
    # 23:00 PST on Jan 15 is 07:00 UTC on Jan 16; the game's date is Jan 15 everywhere.
    day = date(2025, 1, 15)
    load(warehouse, "nba_raw.nbac_schedule", [{**schedule_row("0022400700", day, "LAL", "POR"),
                                               "game_date_est": "2025-01-16T07:00:00Z"}])
    load(warehouse, "nba_raw.nbac_gamebook_player_stats", player_rows("0022400700", day, away="LAL", home="POR"))
    PlayerGameSummaryProcessor(bq_client=warehouse).run({"game_date": day})
    audit = SourceCoverageAuditProcessor(
        bq_client=warehouse, clock=lambda: datetime(2025, 1, 16, 11, 0, tzinfo=UTC),
        tables=[{"table": "nba_raw.nbac_gamebook_player_stats"},
                {"table": "nba_analytics.player_game_summary", "tracks_quality": True}])
    result = audit.run_daily_audit()
    assert result.start_date == day
    assert [(f.game_id, f.status) for f in result.findings] == [("0022400700", "normal")]
