"""Deterministic synthetic NBA data for the demo, with the faults the library exists for.

:func:`build_slate` turns a seed into N days of schedule, rosters and box scores:

* the 30 real team tricodes; ~5-10 games a day, no team twice on one day;
* NBA-format game ids (``'002' + season yy + 5 digits``: ``'0022400561'`` is a 2024-25
  regular-season game), local ``game_date`` values, ``YYYYMMDD_AWAY_HOME`` keys for team tables;
* 13 players per team with stable ids and names across days;
* player box scores from three sources that AGREE where they overlap (same minutes, points,
  rebounds, assists): the NBA.com gamebook (primary), Ball Don't Lie, and ESPN (which has no
  shot zones); team box scores equal to the sum of their players;
* schedule rows with integer ``game_status`` 3 for played games and 1 for a few games on the
  day after the range (phase 5 predicts those);
* a clean **history**: the ``history_days`` game days before the range (the earlier part of the
  season, never before the opener), with every team's games spread evenly, so each player has
  a full rolling sample when the range starts. History games carry no faults: in the range,
  the injected faults are the only reasons for a degraded tier.

Faults are injected into distinct games and recorded in :attr:`Slate.faults` with the audit
status each one must produce (see :data:`FAULT_KINDS`). Everything comes from
``random.Random(seed)``: the same seed gives the same slate, byte for byte.

Example::

    slate = build_slate(seed=7, days=3)
    [f.kind for f in slate.faults][:2]        # ['primary_outage_bdl', 'primary_outage_espn']
    slate.rows('nba_raw.bdl_player_boxscores', slate.dates[0])[0]['points']
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from shared_services.bigquery.schemas import (
    BDL_PLAYER_BOXSCORES,
    ESPN_GAME_BOXSCORE,
    GAMEBOOK_PLAYER_STATS,
    PLAYER_GAME_SUMMARY,
    TEAM_BOXSCORE,
    TEAM_OFFENSE_GAME_SUMMARY,
)
from shared_services.quality.season import season_label

__all__ = [
    "TEAM_TRICODES",
    "DEFAULT_START_DATE",
    "DEFAULT_HISTORY_DAYS",
    "FAULT_KINDS",
    "Player",
    "ScheduledGame",
    "InjectedFault",
    "Slate",
    "build_slate",
    "season_year_of",
]

#: All 30 NBA teams.
TEAM_TRICODES: tuple[str, ...] = (
    "ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
    "HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK",
    "OKC", "ORL", "PHI", "PHX", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
)

#: Mid-season by default (quality rules expect full samples there).
DEFAULT_START_DATE = date(2025, 1, 10)
#: Game days of clean history before the range. Phase 4 expects 8 games mid-season and caps a
#: player with fewer than 4 at bronze; 14 evenly spread days give every team about 7.
DEFAULT_HISTORY_DAYS = 14

PRIMARY_TABLE = GAMEBOOK_PLAYER_STATS.table_id
BDL_TABLE = BDL_PLAYER_BOXSCORES.table_id
ESPN_TABLE = ESPN_GAME_BOXSCORE.table_id
TEAM_TABLE = TEAM_BOXSCORE.table_id

#: kind -> (expected audit status, what is done to the game). Order = injection order.
FAULT_KINDS: dict[str, tuple[str, str]] = {
    "primary_outage_bdl": (
        "partial_data",
        "NBA.com gamebook never arrives; phase 3 falls back to Ball Don't Lie (silver). The raw "
        "primary table lacks the game, so the audit reports partial data."),
    "primary_outage_espn": (
        "partial_data",
        "Gamebook and Ball Don't Lie both missing; phase 3 falls back to ESPN (no shot zones, silver)."),
    "all_sources_empty": (
        "logged_but_no_data",
        "Every player source and the team box score are empty; both phase 3 processors log a "
        "critical source_missing event and write nothing."),
    "late_final_no_data": (
        "completely_missing",
        "The schedule still said 'live' when the nightly run started, so nothing was scraped or "
        "processed; it turned final afterwards and nobody re-ran."),
    "late_final_unprocessed": (
        "partial_data",
        "Same late schedule flip, but the scrapers did load raw box scores: raw tables have the "
        "game, analytics tables and the log do not."),
    "manual_backfill": (
        "data_exists_no_log",
        "Same late flip; an engineer backfilled the analytics rows by hand, bypassing the "
        "processors: no coverage event and no quality columns (phase 4 then refuses those "
        "players' inputs and logs a validation_failure warning)."),
    "team_box_key_mismatch": (
        "partial_data",
        "The team box score was filed under YYYYMMDD_HOME_AWAY: the team processor finds no rows "
        "for the scheduled key (critical source_missing) and flags the orphan key."),
    "thin_primary_box": (
        "normal",
        "The gamebook holds only 4 of 26 players: used anyway, scored bronze, a warning "
        "quality_degradation event is logged. Audit-normal, quality-degraded."),
}

#: Status flags the runner acts on.
LATE_FINAL_KINDS = frozenset({"late_final_no_data", "late_final_unprocessed", "manual_backfill"})

_FIRST_NAMES = (
    "Aaron", "Bam", "Cade", "Darius", "Evan", "Franz", "Gary", "Herb", "Isaiah", "Jalen",
    "Keegan", "Luka", "Miles", "Nikola", "Obi", "Paolo", "Quentin", "Royce", "Scottie", "Tyrese",
    "Usman", "Victor", "Walker", "Xavier", "Yves", "Zach",
)
_LAST_NAMES = (
    "Adams", "Brooks", "Carter", "Dawson", "Ellis", "Fields", "Grant", "Hayes", "Irving", "Jones",
    "Kerr", "Lowry", "Mobley", "Nance", "Okoro", "Porter", "Quinn", "Reed", "Smart", "Turner",
    "Udoka", "Vance", "Walton", "Young", "Zeller", "Barnes", "Clarke", "Duren", "Edey", "Ford",
)
_PLAYERS_PER_TEAM = 13
_THIN_BOX_ROWS = 4


def season_year_of(day: date) -> int:
    """First year of the season ``day`` belongs to (Oct-Jun; summer counts as the next one).

    Example::

        >>> season_year_of(date(2025, 1, 10)), season_year_of(date(2025, 10, 30))
        (2024, 2025)
    """
    return day.year if day.month >= 7 else day.year - 1


@dataclass(frozen=True)
class Player:
    """A rostered player (stable across days)."""

    player_id: str
    player_name: str
    team_abbr: str


@dataclass(frozen=True)
class ScheduledGame:
    """One schedule row (``final`` False for the future games after the range)."""

    game_id: str
    game_date: date
    away: str
    home: str
    tipoff_utc: datetime
    final: bool = True

    @property
    def team_key(self) -> str:
        """The ``YYYYMMDD_AWAY_HOME`` key of the team tables."""
        return f"{self.game_date:%Y%m%d}_{self.away}_{self.home}"

    @property
    def label(self) -> str:
        return f"{self.away} @ {self.home}"


@dataclass(frozen=True)
class InjectedFault:
    """One injected fault: which game, what was done, and the audit status it must produce."""

    kind: str
    game_id: str
    game_date: date
    team_key: str
    expected_status: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["game_date"] = self.game_date.isoformat()
        return data


@dataclass
class Slate:
    """Everything the demo loads, per table and per day, plus the fault manifest."""

    seed: int
    start: date
    days: int
    games: list[ScheduledGame]
    future_games: list[ScheduledGame]
    rosters: dict[str, list[Player]]
    faults: list[InjectedFault]
    #: table id -> every row the scrapers deliver.
    raw: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: table id -> rows a person wrote by hand (the manual_backfill fault), bypassing processors.
    backfill: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Clean, final games of the ``history_days`` days before ``start`` (no faults).
    history_games: list[ScheduledGame] = field(default_factory=list)
    #: table id -> the history's scraped rows (primary gamebook and team box score only).
    history_raw: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def history_dates(self) -> list[date]:
        """Dates of the history games, oldest first (empty without history)."""
        return sorted({g.game_date for g in self.history_games})

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def games_on(self, day: date) -> list[ScheduledGame]:
        return [g for g in self.games if g.game_date == day]

    def fault_for(self, game_id: str) -> InjectedFault | None:
        return next((f for f in self.faults if f.game_id == game_id), None)

    @property
    def late_final_game_ids(self) -> set[str]:
        """Games whose schedule row says 'live' (2) until after that night's processing."""
        return {f.game_id for f in self.faults if f.kind in LATE_FINAL_KINDS}

    def schedule_rows(self) -> list[dict[str, Any]]:
        """Schedule as known before the nightly runs: late-final games still show status 2."""
        late = self.late_final_game_ids
        rows = []
        for game in [*self.history_games, *self.games, *self.future_games]:
            status = (2 if game.game_id in late else 3) if game.final else 1
            rows.append({
                "game_id": game.game_id, "game_date": game.game_date,
                "season_year": season_year_of(game.game_date), "game_status": status,
                "home_team_tricode": game.home, "away_team_tricode": game.away,
                "game_date_est": game.tipoff_utc,
            })
        return rows

    def rows(self, table_id: str, day: date) -> list[dict[str, Any]]:
        """Raw rows of one table for one game date."""
        return [r for r in self.raw.get(table_id, []) if r["game_date"] == day]

    def backfill_rows(self, table_id: str, day: date) -> list[dict[str, Any]]:
        return [r for r in self.backfill.get(table_id, []) if r["game_date"] == day]

    def manifest(self) -> list[dict[str, Any]]:
        """The faults as plain dicts (JSON-ready)."""
        return [f.to_dict() for f in self.faults]


def _season_opener(day: date) -> date:
    return date(season_year_of(day), 10, 22)


def _game_number_base(start: date) -> int:
    # Roughly 7.4 games a day since the season opener (Oct 22), as the real numbering runs.
    return max(1, int((start - _season_opener(start)).days * 7.4) + 1)


def _rosters(rng: random.Random) -> dict[str, list[Player]]:
    ids = rng.sample(range(1626000, 1642000), len(TEAM_TRICODES) * _PLAYERS_PER_TEAM)
    rosters: dict[str, list[Player]] = {}
    used_names: set[str] = set()
    for t, team in enumerate(TEAM_TRICODES):
        players = []
        for n in range(_PLAYERS_PER_TEAM):
            while True:
                name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
                if name not in used_names:
                    used_names.add(name)
                    break
            players.append(Player(str(ids[t * _PLAYERS_PER_TEAM + n]), name, team))
        rosters[team] = players
    return rosters


def _day_games(rng: random.Random, day: date, count: int, number: int, final: bool,
               teams: list[str] | None = None) -> list[ScheduledGame]:
    if teams is None:
        teams = list(TEAM_TRICODES)
        rng.shuffle(teams)
    games = []
    season = season_year_of(day) % 100
    for n in range(count):
        away, home = teams[2 * n], teams[2 * n + 1]
        # 7:00, 7:30, 8:00 ... 10:30 pm Eastern, stored in UTC (EST = UTC-5 in winter).
        local = datetime.combine(day, time(19, 0)) + timedelta(minutes=30 * rng.randint(0, 7))
        tipoff = (local + timedelta(hours=5)).replace(tzinfo=UTC)
        games.append(ScheduledGame(f"002{season:02d}{number + n:05d}", day, away, home, tipoff, final))
    return sorted(games, key=lambda g: g.game_id)


def _player_lines(rng: random.Random, roster: list[Player]) -> list[dict[str, Any]]:
    """One team's box score lines: 240 minutes shared, points scale with minutes."""
    minutes = [rng.uniform(28, 38) for _ in range(5)] + [rng.uniform(8, 26) for _ in range(6)]
    minutes += [rng.uniform(0, 6) for _ in range(_PLAYERS_PER_TEAM - 11)]
    scale = 240.0 / sum(minutes)
    lines = []
    for player, raw_minutes in zip(roster, minutes, strict=True):
        played = round(raw_minutes * scale, 1)
        rate = rng.uniform(0.25, 0.75)
        paint, mid, three = rng.randint(0, 6), rng.randint(0, 4), rng.randint(0, 5)
        lines.append({
            "player_id": player.player_id, "player_name": player.player_name,
            "team_abbr": player.team_abbr, "minutes_played": played,
            "points": int(round(played * rate)), "rebounds": int(round(played * rng.uniform(0.05, 0.35))),
            "assists": int(round(played * rng.uniform(0.02, 0.25))),
            "plus_minus": rng.randint(-15, 15),
            "shot_zones": f'{{"paint": {paint}, "mid_range": {mid}, "three": {three}}}',
        })
    return lines


def build_slate(seed: int = 7, days: int = 7, start: date | None = None,
                history_days: int = DEFAULT_HISTORY_DAYS) -> Slate:
    """Build a deterministic slate of ``days`` days from ``seed`` (see the module docstring).

    ``days`` must be at least 1; with fewer games than faults the call raises ``ValueError``.
    ``history_days`` (>= 0) clean days precede ``start``, fewer when the season opener
    (October 22) comes first. The history draws from its own random stream: the range's
    games, rows and faults are the same whatever the history.

    Example::

        slate = build_slate(seed=7, days=3)
        len(slate.faults)   # 8 (one game per fault kind)
        slate.history_dates[0], slate.start   # (date(2024, 12, 27), date(2025, 1, 10))
    """
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive int, got {days!r}")
    if isinstance(history_days, bool) or not isinstance(history_days, int) or history_days < 0:
        raise ValueError(f"history_days must be an int >= 0, got {history_days!r}")
    start = start or DEFAULT_START_DATE
    rng = random.Random(seed)
    rosters = _rosters(rng)
    number = _game_number_base(start)
    kinds = list(FAULT_KINDS)
    games: list[ScheduledGame] = []
    for n in range(days):
        day = start + timedelta(days=n)
        count = rng.randint(5, 10)
        if n == days - 1:
            # The last day gets the games a short demo still needs: one per fault kind (a
            # 1-day demo drew 5-7). Nothing changes for a slate that had enough already.
            count = max(count, len(kinds) - len(games))
        games.extend(_day_games(rng, day, count, number, final=True))
        number += count
    after = start + timedelta(days=days)
    future = _day_games(rng, after, 3, number, final=False)
    chosen = rng.sample(games, len(kinds))
    faults = [
        InjectedFault(kind, g.game_id, g.game_date, g.team_key, *FAULT_KINDS[kind])
        for kind, g in zip(kinds, chosen, strict=True)
    ]
    slate = Slate(seed, start, days, games, future, rosters, faults)
    _fill_rows(slate, rng)
    _fill_history(slate, history_days, random.Random(f"{seed}:history"))
    return slate


def _fill_history(slate: Slate, history_days: int, rng: random.Random) -> None:
    """Clean final games on the days before the range, every team's load kept even.

    Each day the teams with the fewest games so far play (ties broken at random), so after N
    days every team has played about N / 2 games, give or take one. Game numbers count up to
    the range's first game number, as the real numbering does.
    """
    first = max(slate.start - timedelta(days=history_days), _season_opener(slate.start))
    span = (slate.start - first).days
    if span <= 0:
        return
    played = dict.fromkeys(TEAM_TRICODES, 0)
    plan: list[tuple[date, list[str]]] = []
    for n in range(span):
        count = rng.randint(5, 10)
        order = sorted(TEAM_TRICODES, key=lambda t: (played[t], rng.random()))
        teams = order[:2 * count]
        rng.shuffle(teams)
        for team in teams:
            played[team] += 1
        plan.append((first + timedelta(days=n), teams))
    # Ids below the range's first one are free; right after the opener there may be fewer
    # than games: drop the oldest days rather than collide with the range's ids.
    free_ids = _game_number_base(slate.start) - 1
    while plan and sum(len(teams) // 2 for _, teams in plan) > free_ids:
        plan.pop(0)
    number = _game_number_base(slate.start) - sum(len(teams) // 2 for _, teams in plan)
    games: list[ScheduledGame] = []
    for day, teams in plan:
        games.extend(_day_games(rng, day, len(teams) // 2, number, final=True, teams=teams))
        number += len(teams) // 2
    raw: dict[str, list[dict[str, Any]]] = {PRIMARY_TABLE: [], TEAM_TABLE: []}
    for game in games:
        lines = _player_lines(rng, slate.rosters[game.away]) + _player_lines(rng, slate.rosters[game.home])
        scraped = datetime.combine(game.game_date + timedelta(days=1), time(10, 0), tzinfo=UTC)
        base = {"game_id": game.game_id, "game_date": game.game_date, "scraped_at": scraped}
        raw[PRIMARY_TABLE].extend({**base, **line} for line in lines)
        raw[TEAM_TABLE].extend(_team_rows(game, game.team_key, lines, scraped))
    slate.history_games = games
    slate.history_raw = raw


def _fill_rows(slate: Slate, rng: random.Random) -> None:
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in (PRIMARY_TABLE, BDL_TABLE, ESPN_TABLE, TEAM_TABLE)}
    backfill: dict[str, list[dict[str, Any]]] = {PLAYER_GAME_SUMMARY.table_id: [], TEAM_OFFENSE_GAME_SUMMARY.table_id: []}
    for game in slate.games:
        fault = slate.fault_for(game.game_id)
        kind = fault.kind if fault else None
        scraped = datetime.combine(game.game_date + timedelta(days=1), time(6, 0), tzinfo=UTC)
        lines = _player_lines(rng, slate.rosters[game.away]) + _player_lines(rng, slate.rosters[game.home])
        base = {"game_id": game.game_id, "game_date": game.game_date}
        if kind in ("all_sources_empty", "late_final_no_data"):
            continue
        gamebook = [{**base, **line, "scraped_at": scraped + timedelta(hours=4)} for line in lines]
        if kind == "thin_primary_box":
            gamebook = gamebook[:_THIN_BOX_ROWS]
        if kind not in ("primary_outage_bdl", "primary_outage_espn"):
            tables[PRIMARY_TABLE].extend(gamebook)
        if kind != "primary_outage_espn":
            tables[BDL_TABLE].extend({**base, **line, "scraped_at": scraped} for line in lines)
        tables[ESPN_TABLE].extend(
            {**base, **line, "shot_zones": None, "scraped_at": scraped + timedelta(hours=1)} for line in lines)
        key = game.team_key
        if kind == "team_box_key_mismatch":
            key = f"{game.game_date:%Y%m%d}_{game.home}_{game.away}"
        team_rows = _team_rows(game, key, lines, scraped)
        tables[TEAM_TABLE].extend(team_rows)
        if kind == "manual_backfill":
            _backfill(backfill, game, gamebook, team_rows)
    slate.raw = tables
    slate.backfill = backfill


def _team_rows(game: ScheduledGame, key: str, lines: list[dict[str, Any]],
               scraped: datetime) -> list[dict[str, Any]]:
    """The team box score of one game, filed under ``key``: each team's player sums."""
    rows = []
    for team in (game.away, game.home):
        mine = [line for line in lines if line["team_abbr"] == team]
        rows.append({
            "game_id": key, "nba_game_id": game.game_id, "game_date": game.game_date,
            "team_abbr": team, "is_home": team == game.home,
            "points": sum(line["points"] for line in mine),
            "rebounds": sum(line["rebounds"] for line in mine),
            "assists": sum(line["assists"] for line in mine), "scraped_at": scraped,
        })
    return rows


def _backfill(backfill: dict[str, list[dict[str, Any]]], game: ScheduledGame,
              gamebook: list[dict[str, Any]], team_rows: list[dict[str, Any]]) -> None:
    """Rows as a hand-written backfill script inserts them: no processor, no events, and none
    of the standard quality columns (nothing scored them)."""
    written_at = datetime.combine(game.game_date + timedelta(days=2), time(15, 0), tzinfo=UTC)
    for row in gamebook:
        backfill[PLAYER_GAME_SUMMARY.table_id].append({
            **{k: row[k] for k in ("game_id", "game_date", "player_id", "player_name", "team_abbr",
                                   "minutes_played", "points", "rebounds", "assists", "plus_minus",
                                   "shot_zones")},
            "season": season_label(game.game_date),
            "processor_run_id": "manual-backfill", "processed_at": written_at,
        })
    for row in team_rows:
        backfill[TEAM_OFFENSE_GAME_SUMMARY.table_id].append({
            "game_id": row["game_id"], "game_date": row["game_date"], "team_abbr": row["team_abbr"],
            "points": row["points"], "assists": row["assists"], "processed_at": written_at,
        })

