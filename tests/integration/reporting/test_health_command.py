"""``coverage-health`` on built warehouses: passes on a clean day, flags injected problems."""

from __future__ import annotations

import time
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
    assert out.count(" PASS ") == 8 and out.rstrip().endswith("overall: PASS")


def test_injected_problems_are_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = _build(tmp_path / "bad.duckdb", gamebook=False, empty_games=3, thin_games=True, stale_critical=True)
    assert main(["--warehouse", url, "--date", DAY.isoformat()]) == 1
    out = capsys.readouterr().out
    status = {line.split()[0]: line.split()[1] for line in out.splitlines()[3:-1]}
    assert status == {"tier_mix": "FAIL", "poor_rows": "FAIL", "untracked_rows": "PASS", "stale_criticals": "FAIL",
                      "primary_success": "FAIL", "critical_volume": "FAIL", "spool_backlog": "PASS",
                      "staging_tables": "PASS"}


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
    assert [r.status for r in run_checks(inputs)] == ["pass"] * 8
    assert (inputs.spool_pending, inputs.spool_oldest) == (0, None)  # the test's own empty spool


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


def test_batches_waiting_in_the_spool_warn_and_a_day_old_one_fails(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Events spilled to this host's dead-letter spool are not in the log: the day's checks
    undercount them. One waiting: warn (exit 0, or 1 with --fail-on warning); the oldest 24
    hours old or more (replay not running, or failing every night): fail, exit 1. Replayed,
    the check passes again."""
    import json
    import os

    from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
    from shared_services.events.dead_letter import DeadLetterSpool
    from shared_services.events.replay import replay_dead_letters
    from tests.support.event_log import Processor

    url = _build(tmp_path / "clean.duckdb", gamebook=True)
    spool = DeadLetterSpool()  # $COVERAGE_DEAD_LETTER_DIR, as the command reads it
    writer = Processor(None)
    for tag in ("a", "b"):
        writer.log_quality_event("fallback_used", "info", f"spilled {tag}", game_id=tag)
        spool.spill(COVERAGE_LOG_TABLE, f"job_{tag}", writer._coverage_state().buffer.take(), reason="down")
    assert main(["--warehouse", url, "--date", DAY.isoformat(), "--json"]) == 0
    [check] = [c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "spool_backlog"]
    assert check["status"] == "warn" and check["value"].startswith("2 batch(es), 0 h")
    assert str(spool.directory) in check["detail"] and "run coverage-replay" in check["detail"]
    assert main(["--warehouse", url, "--date", DAY.isoformat(), "--fail-on", "warning"]) == 1
    capsys.readouterr()

    day_old = time.time() - 24 * 3600 - 60
    os.utime(spool.files()[0], (day_old, day_old))
    assert main(["--warehouse", url, "--date", DAY.isoformat()]) == 1
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("spool_backlog"))
    assert line.split()[1] == "FAIL" and "2 batch(es), 24 h" in line

    client = DuckDBClient(url.removeprefix("duckdb:///"))
    try:
        assert len(replay_dead_letters(client, spool).files_replayed) == 2
    finally:
        client.close()
    assert main(["--warehouse", url, "--date", DAY.isoformat()]) == 0
    assert "overall: PASS" in capsys.readouterr().out


def test_staging_tables_are_told_by_their_name_and_a_dataset_not_listed_is_said(warehouse: DuckDBClient) -> None:
    from datetime import UTC, datetime, timedelta

    from google.api_core import exceptions as gexc
    from google.cloud import bigquery

    from data_processors.reporting.health import collect_health_inputs
    from tests.support.recording_client import RecordingClient

    schema = [bigquery.SchemaField("k", "STRING")]
    names = ["_staging_a_notes", "_staging_box_0123456789abcdef", "_staging_notes", "_staging_box_0123456789ABCDEG",
             "box_0123456789abcdef", "_staging_player_game_summary_fedcba9876543210"]
    for name in names:
        warehouse.create_table(bigquery.Table(f"{warehouse.project}.nba_analytics.{name}", schema=schema))
    later_one = "_staging_player_rolling_averages_00000000000000aa"
    warehouse.create_table(bigquery.Table(f"{warehouse.project}.nba_precompute.{later_one}", schema=schema))
    later = datetime.now(UTC) + timedelta(hours=2)
    inputs = collect_health_inputs(warehouse, DAY, now=later)
    assert inputs.staging_leftovers == ["nba_analytics._staging_box_0123456789abcdef",
                                        "nba_analytics._staging_player_game_summary_fedcba9876543210",
                                        f"nba_precompute.{later_one}"]
    assert inputs.staging_unlisted == []

    class Refusing(RecordingClient):
        """BigQuery's answer for nba_analytics: the account may not list it, or it is gone."""

        def __init__(self, inner, error):
            super().__init__(inner)
            self.error = error

        def list_tables(self, dataset, *args, **kwargs):
            if str(dataset) == "nba_analytics":
                raise self.error
            return self._inner.list_tables(dataset, *args, **kwargs)

    denied = gexc.Forbidden("Access Denied: Dataset p:nba_analytics: Permission bigquery.tables.list denied")
    limited = collect_health_inputs(Refusing(warehouse, denied), DAY, now=later)
    assert limited.staging_unlisted == ["nba_analytics"]
    assert limited.staging_leftovers == [f"nba_precompute.{later_one}"]      # the other datasets still listed
    gone = collect_health_inputs(Refusing(warehouse, gexc.NotFound("Not found: Dataset p:nba_analytics")), DAY,
                                 now=later)
    assert (gone.staging_unlisted, gone.staging_leftovers) == ([], [f"nba_precompute.{later_one}"])
