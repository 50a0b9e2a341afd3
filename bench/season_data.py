"""A season-scale, seeded warehouse for the audit benchmark.

What it writes (through the public client API, ``load_table_from_json`` with each table's
explicit schema, in batches, like a real backfill):

* ``nba_raw.nbac_schedule``: ``games`` final games (default 1,230) with NBA ids
  (``00224xxxxx``) and real tricodes, spread over the 2024-25 regular season
  (Oct 22 - Apr 13, no games on Election Day, Thanksgiving, Christmas Eve and the All-Star
  break), 2-15 games a day, every team at most once a day.
* the four default audit tables: ``nbac_gamebook_player_stats`` and
  ``player_game_summary`` (one row per player: 22-30 per game, ~30,000 per table),
  ``nbac_team_boxscore`` and ``team_offense_game_summary`` (two rows per game, keyed
  ``YYYYMMDD_AWAY_HOME``). Phase 3 rows carry the quality columns.
* ``nba_reference.source_coverage_log``: ``events`` rows (default 100,000), most for this
  season's games (about 80 per game that logs anything, written the morning after the game),
  some for last season's games, some without a game, and a few open synthetic
  ``silent_failure`` flags from an "earlier audit" for games whose data has since arrived.

Realistic gaps (seeded): games that never ran (no data, no log), games logged but with no
data, games missing from one or two tables, games loaded by a legacy path (data, no log, no
quality columns), clean games that logged nothing (normal for us: their rows are quality
tracked), and rows filed under the next day in the raw gamebook table.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from google.cloud import bigquery

from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE, table_spec

TEAMS = (
    "ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
    "HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK",
    "OKC", "ORL", "PHI", "PHX", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
)
SEASON_START = date(2024, 10, 22)
SEASON_END = date(2025, 4, 13)
NO_GAME_DAYS = {
    date(2024, 11, 5),                                    # Election Day
    date(2024, 11, 28),                                   # Thanksgiving
    date(2024, 12, 24),                                   # Christmas Eve
    *(date(2025, 2, 14) + timedelta(days=i) for i in range(6)),  # All-Star break
}
GAMEBOOK = "nba_raw.nbac_gamebook_player_stats"
TEAM_BOX = "nba_raw.nbac_team_boxscore"
PGS = "nba_analytics.player_game_summary"
TEAM_OFFENSE = "nba_analytics.team_offense_game_summary"
CHECKED_TABLES = (TEAM_BOX, GAMEBOOK, PGS, TEAM_OFFENSE)
LOAD_BATCH = 10_000

#: Share of games per planted condition (the rest are healthy).
GAP_RATES = {
    "never_ran": 0.015,          # completely_missing
    "logged_no_data": 0.010,     # logged_but_no_data
    "partial": 0.040,            # one or two checked tables missing
    "legacy_no_log": 0.015,      # data everywhere, no log, no quality columns
}
#: Share of healthy games whose processors found nothing to log.
CLEAN_GAME_RATE = 0.15

_EVENT_MIX = (  # (event_type, severity, weight)
    ("fallback_used", "info", 30),
    ("thin_sample", "warning", 15),
    ("source_degraded", "warning", 12),
    ("quality_degradation", "warning", 10),
    ("new_player_no_history", "info", 10),
    ("traded_player_context", "info", 8),
    ("source_timeout", "warning", 6),
    ("reconstruction", "info", 5),
    ("source_missing", "critical", 3),
    ("fallback_failed", "critical", 1),
)
_PROCESSORS = (
    ("phase_3", "nba_analytics.player_game_summary", "PlayerGameSummaryProcessor"),
    ("phase_3", "nba_analytics.team_offense_game_summary", "TeamOffenseGameSummaryProcessor"),
    ("phase_4", "nba_precompute.player_rolling_averages", "PlayerRollingAverageProcessor"),
)


@dataclass
class Game:
    game_id: str
    game_date: date
    away: str
    home: str
    condition: str = "healthy"
    missing_tables: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.game_date:%Y%m%d}_{self.away}_{self.home}"


@dataclass
class SeasonData:
    """What was generated (for printing and for choosing the single audited day)."""

    games: list[Game]
    rows_per_table: dict[str, int] = field(default_factory=dict)
    log_events: int = 0
    open_flags: int = 0

    @property
    def start(self) -> date:
        return min(g.game_date for g in self.games)

    @property
    def end(self) -> date:
        return max(g.game_date for g in self.games)

    @property
    def game_days(self) -> list[date]:
        return sorted({g.game_date for g in self.games})

    def busiest_day(self) -> tuple[date, int]:
        counts = Counter(g.game_date for g in self.games)
        day, n = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        return day, n

    def conditions(self) -> dict[str, int]:
        return dict(Counter(g.condition for g in self.games))


def _game_days(start: date, end: date) -> list[date]:
    days = []
    day = start
    while day <= end:
        if day not in NO_GAME_DAYS:
            days.append(day)
        day += timedelta(days=1)
    return days


def _games_per_day(rng: random.Random, days: int, games: int) -> list[int]:
    low, high = 1, len(TEAMS) // 2
    if not days * low <= games <= days * high:
        raise ValueError(f"{games} games do not fit in {days} game days")
    mean = games / days
    counts = [min(high, max(2 if mean >= 2 else low, round(rng.gauss(mean, 3.0)))) for _ in range(days)]
    while sum(counts) != games:
        i = rng.randrange(days)
        if sum(counts) < games and counts[i] < high:
            counts[i] += 1
        elif sum(counts) > games and counts[i] > low:
            counts[i] -= 1
    return counts


def build_schedule(rng: random.Random, games: int, days: int | None) -> list[Game]:
    """``games`` final games over the season's game days (or its first ``days`` calendar days)."""
    end = SEASON_END if days is None else min(SEASON_END, SEASON_START + timedelta(days=days - 1))
    game_days = _game_days(SEASON_START, end)
    schedule: list[Game] = []
    for day, count in zip(game_days, _games_per_day(rng, len(game_days), games), strict=True):
        teams = list(TEAMS)
        rng.shuffle(teams)
        for n in range(count):
            away, home = teams[2 * n], teams[2 * n + 1]
            schedule.append(Game(f"00224{len(schedule) + 1:05d}", day, away, home))
    conditions = list(GAP_RATES)
    for game in schedule:
        draw = rng.random()
        edge = 0.0
        for condition in conditions:
            edge += GAP_RATES[condition]
            if draw < edge:
                game.condition = condition
                break
        if game.condition == "partial":
            game.missing_tables = tuple(rng.sample(CHECKED_TABLES, rng.choice((1, 1, 1, 2))))
        elif game.condition in ("never_ran", "logged_no_data"):
            game.missing_tables = CHECKED_TABLES
        elif game.condition == "healthy" and rng.random() < CLEAN_GAME_RATE:
            game.condition = "clean"
    return schedule


def _roster_ids() -> dict[str, list[str]]:
    """Fifteen NBA-style person ids per team (1626xxx-1642xxx range)."""
    return {team: [str(1626000 + t * 541 + p * 37) for p in range(15)] for t, team in enumerate(TEAMS)}


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _stamp(day: date, rng: random.Random, hours: tuple[int, int] = (6, 11)) -> str:
    moment = datetime.combine(day, time(), tzinfo=UTC) + timedelta(
        days=1, hours=rng.randint(*hours), seconds=rng.randrange(3600))
    return moment.isoformat()


def _quality(rng: random.Random, tracked: bool, sample: int) -> dict[str, Any]:
    if not tracked:
        return {}
    tier, score = rng.choices((("gold", 98.0), ("silver", 88.5), ("bronze", 64.0)), (80, 15, 5))[0]
    fallback = tier != "gold"
    return {
        "quality_tier": tier, "quality_score": score,
        "quality_issues": ["backup_source_used"] if fallback else [],
        "data_sources": ["bdl_player_boxscores"] if fallback else ["nbac_gamebook_player_stats"],
        "quality_sample_size": sample, "quality_used_fallback": fallback,
        "quality_reconstructed": False,
        "quality_metadata": {"sample_size": sample, "source_provenance": "backup" if fallback else "primary"},
    }


def _player_rows(game: Game, rng: random.Random, rosters: dict[str, list[str]]) -> tuple[list[dict], list[dict]]:
    gamebook, summary = [], []
    tracked = game.condition != "legacy_no_log"
    season = "2024-25"
    for team in (game.away, game.home):
        dressed = rosters[team][: rng.randint(11, 15)]
        filed = game.game_date + timedelta(days=1) if rng.random() < 0.005 else game.game_date
        for player_id in dressed:
            minutes = round(rng.uniform(0, 40), 1) if rng.random() > 0.15 else 0.0
            points = int(minutes * rng.uniform(0.2, 0.9))
            base = {
                "game_id": game.game_id, "player_id": player_id, "player_name": f"Player {player_id}",
                "team_abbr": team, "minutes_played": minutes, "points": points,
                "rebounds": rng.randint(0, 14), "assists": rng.randint(0, 11),
                "plus_minus": rng.randint(-25, 25),
            }
            gamebook.append({
                **base, "game_date": filed.isoformat(),
                "shot_zones": json.dumps({"paint": rng.randint(0, 12), "three": rng.randint(0, 8)}),
                "scraped_at": _stamp(game.game_date, rng, (4, 6)),
            })
            row = {**base, "game_date": game.game_date.isoformat(), "season": season,
                   "shot_zones": None, "processed_at": _stamp(game.game_date, rng)}
            quality = _quality(rng, tracked, len(dressed) * 2)
            if quality:
                quality["quality_calculated_at"] = row["processed_at"]
            summary.append({**row, **quality})
    return gamebook, summary


def _team_rows(game: Game, rng: random.Random) -> tuple[list[dict], list[dict]]:
    box, offense = [], []
    tracked = game.condition != "legacy_no_log"
    for team in (game.away, game.home):
        points = rng.randint(88, 138)
        box.append({"game_id": game.key, "nba_game_id": game.game_id, "game_date": game.game_date.isoformat(),
                    "team_abbr": team, "is_home": team == game.home, "points": points,
                    "rebounds": rng.randint(32, 58), "assists": rng.randint(18, 34),
                    "scraped_at": _stamp(game.game_date, rng, (4, 6))})
        row = {"game_id": game.key, "game_date": game.game_date.isoformat(), "team_abbr": team,
               "points": points, "assists": rng.randint(18, 34), "processed_at": _stamp(game.game_date, rng)}
        quality = _quality(rng, tracked, 1)
        if quality:
            quality["quality_calculated_at"] = row["processed_at"]
        offense.append({**row, **quality})
    return box, offense


def _event(rng: random.Random, day: date, game_id: str | None, team: str | None,
           player_id: str | None, weights: Sequence[int]) -> dict[str, Any]:
    event_type, severity, _ = rng.choices(_EVENT_MIX, weights)[0]
    phase, table, processor = rng.choice(_PROCESSORS)
    stamp = _stamp(day, rng)
    fallback = event_type.startswith("fallback") or event_type == "source_degraded"
    return {
        "event_id": _uuid(rng), "batch_id": None, "event_timestamp": stamp,
        "event_type": event_type, "severity": severity, "is_synthetic": False,
        "phase": phase, "table_name": table, "processor_name": processor,
        "game_id": game_id, "game_date": day.isoformat(), "season": "2024-25" if day.year * 100 + day.month >= 202410 else "2023-24",
        "player_id": player_id, "team_abbr": team,
        "description": f"{event_type.replace('_', ' ')} for {game_id or 'run'}",
        "primary_source": "nbac_gamebook_player_stats",
        "primary_source_status": "empty" if fallback else "ok",
        "fallback_sources_tried": ["nbac_gamebook_player_stats_empty", "bdl_player_boxscores"] if fallback else [],
        "resolution": "used_fallback" if fallback else None, "resolution_details": None,
        "quality_tier_before": "gold" if fallback else None, "quality_tier_after": "silver" if fallback else None,
        "quality_score_before": 98.0 if fallback else None, "quality_score_after": 88.5 if fallback else None,
        "downstream_impact": "predictions_degraded" if severity != "info" else None,
        "requires_alert": severity != "info", "alert_sent": severity == "critical",
        "alert_channel": "log" if severity == "critical" else None,
        "alert_sent_at": stamp if severity == "critical" else None,
        "is_resolved": False, "resolved_at": None, "resolution_method": None, "resolved_by": None,
        "created_at": stamp, "processor_run_id": f"run-{day:%Y%m%d}-{processor[:6].lower()}",
        "environment": "prod",
    }


def _log_rows(rng: random.Random, schedule: list[Game], total: int,
              rosters: dict[str, list[str]]) -> tuple[list[dict], int]:
    weights = [w for _, _, w in _EVENT_MIX]
    logging_games = [g for g in schedule if g.condition in ("healthy", "logged_no_data", "partial")]
    previous_season = int(total * 0.08)
    no_game = int(total * 0.02)
    flag_games = [g for g in schedule if g.condition in ("healthy", "clean")][: max(1, len(schedule) // 60)]
    per_game = total - previous_season - no_game - len(flag_games)
    rows: list[dict] = []
    for n in range(per_game):
        game = logging_games[n % len(logging_games)] if n < len(logging_games) else rng.choice(logging_games)
        team = rng.choice((game.away, game.home))
        rows.append(_event(rng, game.game_date, game.game_id, team, rng.choice(rosters[team]), weights))
    for _ in range(previous_season):
        day = date(2023, 10, 24) + timedelta(days=rng.randrange(170))
        rows.append(_event(rng, day, f"00223{rng.randint(1, 1230):05d}", rng.choice(TEAMS), None, weights))
    for _ in range(no_game):
        game = rng.choice(schedule)
        rows.append(_event(rng, game.game_date, None, None, None, weights))
    for game in flag_games:  # flagged by an earlier audit; the data has arrived since
        row = _event(rng, game.game_date, game.game_id, None, None, weights)
        row.update(event_type="silent_failure", severity="critical", is_synthetic=True, phase="audit",
                   processor_name="SourceCoverageAuditProcessor", resolution="requires_investigation",
                   resolution_details="completely_missing", player_id=None, team_abbr=None,
                   description=f"Game {game.game_id}: completely missing")
        rows.append(row)
    rng.shuffle(rows)
    return rows, len(flag_games)


def load(client: Any, table_id: str, rows: Iterable[dict[str, Any]]) -> int:
    """Append ``rows`` to ``table_id`` with its explicit schema, ``LOAD_BATCH`` rows per job."""
    config = bigquery.LoadJobConfig(schema=table_spec(table_id).schema,
                                    write_disposition=bigquery.WriteDisposition.WRITE_APPEND)
    batch: list[dict[str, Any]] = []
    written = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= LOAD_BATCH:
            written += client.load_table_from_json(batch, table_id, job_config=config).result().output_rows
            batch = []
    if batch:
        written += client.load_table_from_json(batch, table_id, job_config=config).result().output_rows
    return written


def populate(client: Any, games: int = 1230, events: int = 100_000, days: int | None = None,
             seed: int = 20241022) -> SeasonData:
    """Generate the season and write it into ``client`` (tables must exist: ``ensure_schema``)."""
    rng = random.Random(seed)
    schedule = build_schedule(rng, games, days)
    rosters = _roster_ids()
    data = SeasonData(schedule)
    data.rows_per_table["nba_raw.nbac_schedule"] = load(client, "nba_raw.nbac_schedule", (
        {"game_id": g.game_id, "game_date": g.game_date.isoformat(), "season_year": 2024, "game_status": 3,
         "home_team_tricode": g.home, "away_team_tricode": g.away,
         "game_date_est": datetime.combine(g.game_date, time(23, 30), tzinfo=UTC).isoformat()}
        for g in schedule))
    tables: dict[str, list[dict]] = {t: [] for t in CHECKED_TABLES}
    for game in schedule:
        gamebook, summary = _player_rows(game, rng, rosters)
        box, offense = _team_rows(game, rng)
        for table, rows in ((GAMEBOOK, gamebook), (PGS, summary), (TEAM_BOX, box), (TEAM_OFFENSE, offense)):
            if table not in game.missing_tables:
                tables[table].extend(rows)
    for table, rows in tables.items():
        data.rows_per_table[table] = load(client, table, rows)
    log_rows, data.open_flags = _log_rows(rng, schedule, events, rosters)
    data.log_events = load(client, COVERAGE_LOG_TABLE, log_rows)
    return data
