"""``coverage-health`` on built warehouses: passes on a clean day, flags injected problems."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from data_processors.analytics.player_game_summary.player_game_summary_processor import (
    PlayerGameSummaryProcessor,
)
from data_processors.analytics.team_offense_game_summary.team_offense_game_summary_processor import (
    TeamOffenseGameSummaryProcessor,
)
from data_processors.reporting.health import collect_health_inputs, main, run_checks
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.events.model import build_event_row
from tests.support.scenario import load, player_rows, schedule_row, team_rows

DAY = date(2025, 1, 15)
TEAMS = [("LAL", "BOS"), ("NYK", "MIA"), ("DEN", "UTA"), ("CHI", "DET"), ("PHX", "SAC"), ("ATL", "ORL"),
         ("GSW", "POR"), ("HOU", "DAL")]


def _build(path: Path, *, gamebook: bool, empty_games: int = 0, thin_games: bool = False,
           stale_critical: bool = False) -> str:
    client = DuckDBClient(str(path))
    ensure_schema(client)
    games = []
    for n, (away, home) in enumerate(TEAMS):
        game_id = f"00224007{n:02d}"
        games.append(game_id)
        load(client, "nba_raw.nbac_schedule", [schedule_row(game_id, DAY, away, home)])
        if n < empty_games:
            continue
        rows = player_rows(game_id, DAY, away=away, home=home, start_id=1000 + 20 * n)
        if thin_games and n >= len(TEAMS) - 4:
            # three half-empty box scores (bronze) and one with a single player (poor)
            rows = rows[:1] if n == len(TEAMS) - 1 else rows[:4]
        load(client, "nba_raw.nbac_gamebook_player_stats" if gamebook else "nba_raw.bdl_player_boxscores", rows)
        load(client, "nba_raw.nbac_team_boxscore", team_rows(f"{DAY:%Y%m%d}_{away}_{home}", DAY, away, home))
    PlayerGameSummaryProcessor(bq_client=client).run({"game_date": DAY})
    TeamOffenseGameSummaryProcessor(bq_client=client).run({"game_date": DAY})
    if stale_critical:
        old = datetime.now(UTC) - timedelta(hours=80)
        load(client, "nba_reference.source_coverage_log", [build_event_row(
            "source_missing", "critical", "gamebook down", now=old, game_id=games[0],
            game_date=DAY - timedelta(days=4))])
    client.close()
    return f"duckdb:///{path}"


def test_clean_day_passes_every_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = _build(tmp_path / "clean.duckdb", gamebook=True)
    assert main(["--warehouse", url, "--date", DAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert out.count(" PASS ") == 6 and out.rstrip().endswith("overall: PASS")


def test_injected_problems_are_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = _build(tmp_path / "bad.duckdb", gamebook=False, empty_games=3, thin_games=True, stale_critical=True)
    assert main(["--warehouse", url, "--date", DAY.isoformat()]) == 1
    out = capsys.readouterr().out
    status = {line.split()[0]: line.split()[1] for line in out.splitlines()[3:-1]}
    assert status == {"tier_mix": "FAIL", "poor_rows": "FAIL", "untracked_rows": "PASS", "stale_criticals": "FAIL",
                      "primary_success": "FAIL", "critical_volume": "FAIL"}


def test_query_layer_reads_the_scenario(tmp_path: Path) -> None:
    url = _build(tmp_path / "mixed.duckdb", gamebook=True, empty_games=1)
    client = DuckDBClient(url.removeprefix("duckdb:///"))
    try:
        inputs = collect_health_inputs(client, DAY)
    finally:
        client.close()
    # 7 games x 13 players (gold) + 7 x 2 team rows; one game had no source at all.
    assert inputs.tier_counts["gold"] == 7 * 13 + 7 * 2
    assert (inputs.primary_rows, inputs.total_rows_7d) == (91, 91)
    assert inputs.criticals_on_day == 2          # player and team source_missing for the empty game
    assert len(inputs.open_criticals) == 2
    assert [r.status for r in run_checks(inputs)] == ["pass"] * 6


def test_bad_date_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--warehouse", "duckdb:///:memory:", "--date", "15/01/2025"]) == 2



def test_team_offense_processor_is_idempotent_and_flags_missing_and_orphan_rows(warehouse: DuckDBClient) -> None:
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row("0022400801", DAY, "LAL", "BOS"),
                                              schedule_row("0022400802", DAY, "NYK", "MIA")])
    # The second game's team box score is filed under HOME_AWAY: an orphan key.
    load(warehouse, "nba_raw.nbac_team_boxscore",
         team_rows("20250115_LAL_BOS", DAY) + team_rows("20250115_MIA_NYK", DAY, "NYK", "MIA"))
    first = TeamOffenseGameSummaryProcessor(bq_client=warehouse)
    stats = first.run({"game_date": DAY})
    assert first.queries_issued == 2
    assert stats["game_tiers"] == {"20250115_LAL_BOS": "gold", "20250115_NYK_MIA": "no_data"}
    assert stats["orphan_keys"] == ["20250115_MIA_NYK"]
    TeamOffenseGameSummaryProcessor(bq_client=warehouse).run({"game_date": DAY})
    rows = warehouse.query(
        "SELECT game_id, quality_tier FROM `nba_analytics.team_offense_game_summary` "
        "WHERE game_date = DATE '2025-01-15'").to_dataframe()
    assert sorted(rows["game_id"]) == ["20250115_LAL_BOS", "20250115_LAL_BOS"]
    events = warehouse.query(
        "SELECT event_type, severity, game_id FROM `nba_reference.source_coverage_log` "
        "WHERE event_timestamp > TIMESTAMP '2020-01-01' ORDER BY event_type, game_id").to_dataframe()
    assert sorted(set(zip(events["event_type"], events["severity"], events["game_id"].fillna(""),
                          strict=True))) == [
        ("source_missing", "critical", "20250115_NYK_MIA"), ("validation_failure", "warning", "")]
