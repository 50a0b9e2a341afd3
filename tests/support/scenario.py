"""Build small, explicit warehouse scenarios for tests (schedule rows, box scores)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from google.cloud import bigquery

from shared_services.bigquery.schemas import table_spec


def load(client: Any, table_id: str, rows: Sequence[dict[str, Any]]) -> None:
    """Append ``rows`` to a known table with its explicit schema (one load job)."""
    if not rows:
        return
    config = bigquery.LoadJobConfig(schema=table_spec(table_id).schema,
                                    write_disposition=bigquery.WriteDisposition.WRITE_APPEND)
    client.load_table_from_json([_jsonable(r) for r in rows], table_id, job_config=config).result()


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        out[key] = value
    return out


def schedule_row(game_id: str, game_date: date, away: str = "LAL", home: str = "BOS", status: int = 3,
                 season_year: int | None = None) -> dict[str, Any]:
    return {
        "game_id": game_id, "game_date": game_date, "game_status": status,
        "season_year": season_year if season_year is not None else (game_date.year if game_date.month >= 7 else game_date.year - 1),
        "away_team_tricode": away, "home_team_tricode": home,
    }


def player_rows(game_id: str, game_date: date, players: int = 13, away: str = "LAL", home: str = "BOS",
                shot_zones: bool = True, start_id: int = 1000) -> list[dict[str, Any]]:
    rows = []
    for n in range(players):
        team = away if n % 2 else home
        rows.append({
            "game_id": game_id, "game_date": game_date, "player_id": str(start_id + n),
            "player_name": f"Player {start_id + n}", "team_abbr": team,
            "minutes_played": 20.0 + n, "points": 5 + n, "rebounds": 2 + n % 7, "assists": 1 + n % 5,
            "plus_minus": n - 6, "shot_zones": '{"paint": 4, "three": 2}' if shot_zones else None,
            "scraped_at": datetime(2025, 1, 16, 6, 0, tzinfo=UTC),
        })
    return rows


def team_rows(game_key: str, game_date: date, away: str = "LAL", home: str = "BOS") -> list[dict[str, Any]]:
    return [{"game_id": game_key, "game_date": game_date, "team_abbr": t, "is_home": t == home,
             "points": 100 + i, "rebounds": 40, "assists": 25} for i, t in enumerate((away, home))]
