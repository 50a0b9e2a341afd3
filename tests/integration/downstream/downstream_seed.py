"""Helpers for the phase 4 / phase 5 tests: phase 3 rows, schedule rows and log reads on the warehouse."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from google.cloud import bigquery

from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE, PLAYER_GAME_SUMMARY, SCHEDULE
from shared_services.bigquery.writer import replace_rows

#: Mid-season: the season-aware expectation is 8 games.
ANALYSIS_DATE = date(2025, 1, 15)
#: When the seeded phase 3 rows were scored (long before any test run).
SEEDED_AT = datetime(2025, 1, 14, 12, 0, tzinfo=UTC)


def game_id_for(day: date, team: str = "LAL") -> str:
    """One game per team and day: '20250114_LAL'."""
    return f"{day:%Y%m%d}_{team}"


def phase3_row(player_id: str, day: date, *, tier: str = "gold", score: float = 100.0,
               issues: Sequence[str] = (), points: int = 20, team: str = "LAL",
               sources: Sequence[str] = ("nbac_gamebook_player_stats",),
               calculated_at: datetime = SEEDED_AT, game_id: str | None = None) -> dict[str, Any]:
    """A player_game_summary row with the standard quality columns."""
    return {
        "game_id": game_id or game_id_for(day, team),
        "game_date": day.isoformat(),
        "season": "2024-25",
        "player_id": player_id,
        "player_name": f"Player {player_id}",
        "team_abbr": team,
        "minutes_played": 30.0,
        "points": points,
        "rebounds": 5,
        "assists": 3,
        "quality_tier": tier,
        "quality_score": score,
        "quality_issues": list(issues),
        "data_sources": list(sources),
        "quality_sample_size": 10,
        "quality_used_fallback": "backup_source_used" in issues,
        "quality_reconstructed": False,
        "quality_calculated_at": calculated_at.isoformat(),
        "quality_metadata": {"seeded": True},
    }


def player_history(player_id: str, games: int, *, before: date = ANALYSIS_DATE,
                   tiers: Sequence[str] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    """``games`` daily games ending the day before ``before``, oldest first.

    ``tiers`` (oldest first) sets each game's tier; score follows the tier.
    """
    scores = {"gold": 100.0, "silver": 90.0, "bronze": 73.6, "poor": 40.0, "unusable": 0.0}
    rows = []
    for index in range(games):
        day = before - timedelta(days=games - index)
        tier = tiers[index] if tiers is not None else "gold"
        rows.append(phase3_row(player_id, day, tier=tier, score=scores[tier],
                               points=10 + index, **kwargs))
    return rows


@pytest.fixture
def seed_phase3(warehouse: Any) -> Callable[[list[dict[str, Any]]], None]:
    """Append phase 3 rows with ONE load job, the schema explicit."""
    def load(rows: list[dict[str, Any]]) -> None:
        config = bigquery.LoadJobConfig(schema=PLAYER_GAME_SUMMARY.schema,
                                        write_disposition="WRITE_APPEND")
        warehouse.load_table_from_json(rows, PLAYER_GAME_SUMMARY.table_id, job_config=config).result()
    return load


@pytest.fixture
def reprocess_phase3(warehouse: Any) -> Callable[[list[dict[str, Any]]], None]:
    """Rewrite whole games the way the phase 3 processor does (replace by game_id)."""
    def rewrite(rows: list[dict[str, Any]]) -> None:
        replace_rows(warehouse, PLAYER_GAME_SUMMARY.table_id, rows, PLAYER_GAME_SUMMARY.schema,
                     key_columns=["game_id"], partition_field="game_date")
    return rewrite


@pytest.fixture
def seed_schedule(warehouse: Any) -> Callable[[date, Sequence[str]], None]:
    """Schedule one game on ``day`` for each listed team (as the home side)."""
    def load(day: date, teams: Sequence[str]) -> None:
        rows = [{"game_id": game_id_for(day, team), "game_date": day.isoformat(), "season_year": 2024,
                 "game_status": 1, "home_team_tricode": team, "away_team_tricode": "OPP"}
                for team in teams]
        config = bigquery.LoadJobConfig(schema=SCHEDULE.schema, write_disposition="WRITE_APPEND")
        warehouse.load_table_from_json(rows, SCHEDULE.table_id, job_config=config).result()
    return load


def query(client: Any, sql: str, **params: Any) -> pd.DataFrame:
    """Run parameterized SQL (DATE/STRING/INT64 inferred from the Python values)."""
    def param(name: str, value: Any) -> Any:
        kind = "DATE" if isinstance(value, date) else "INT64" if isinstance(value, int) else "STRING"
        return bigquery.ScalarQueryParameter(name, kind, value)
    config = bigquery.QueryJobConfig(query_parameters=[param(k, v) for k, v in params.items()])
    return client.query(sql, job_config=config).to_dataframe()


def log_events(client: Any, event_type: str | None = None) -> pd.DataFrame:
    """Events in the coverage log (partition filter included), oldest first."""
    sql = (f"SELECT * FROM `{COVERAGE_LOG_TABLE}` WHERE event_timestamp >= TIMESTAMP('2000-01-01')"
           + (" AND event_type = @event_type" if event_type else "") + " ORDER BY event_timestamp")
    return query(client, sql, **({"event_type": event_type} if event_type else {}))
