"""NBA season calendar: pure functions over a game date (no I/O, no clock).

The scorer uses this module to decide how many rows of history it can fairly expect
for a game (SCORING.md rule 5) and whether a game is "early season".

Calendar model (an estimate, deliberately simple and deterministic):

* A season starts on **October 15** of its first year (``2024-25`` starts 2024-10-15).
* January to June belong to the season that started the previous October.
* July to September are the off-season. They are treated as belonging to the
  **upcoming** season (the one that starts on October 15 of the same year), so a date
  there is "before the season start" and :func:`games_into_season` returns ``0``.
  October 1-14 behave the same way (pre-season of the season starting that October).
* Teams play roughly every other day: games into the season = days elapsed // 2,
  never negative.

Every public function accepts a :class:`datetime.date`, a :class:`datetime.datetime`
(its own date part is used; timezone-aware values are fine), a :class:`pandas.Timestamp`
(a ``datetime`` subclass) or an ISO ``'YYYY-MM-DD'`` string. Anything else raises
``TypeError``; a malformed string or ``NaT`` raises ``ValueError``. Both name the value.

Example::

    >>> from datetime import date
    >>> season_start('2025-01-15')
    datetime.date(2024, 10, 15)
    >>> games_into_season(date(2024, 10, 25))
    5
    >>> expected_sample_size('2025-01-15')
    8
    >>> season_label('2025-03-01')
    '2024-25'
"""

from __future__ import annotations

import re
from datetime import date, datetime

__all__ = [
    "DEFAULT_SAMPLE_THRESHOLDS",
    "DEFAULT_EARLY_SEASON_GAMES",
    "SEASON_START_MONTH",
    "SEASON_START_DAY",
    "GameDateLike",
    "as_game_date",
    "season_start",
    "games_into_season",
    "expected_sample_size",
    "is_early_season",
    "season_label",
]

#: Month and day on which a season is assumed to start.
SEASON_START_MONTH = 10
SEASON_START_DAY = 15

#: Expected rows of history (early, mid, full season) -- SCORING.md rule 5.
DEFAULT_SAMPLE_THRESHOLDS: tuple[int, int, int] = (3, 5, 8)

#: Fewer games than this into the season counts as "early season".
DEFAULT_EARLY_SEASON_GAMES = 15

# Games-into-season boundaries between the early / mid / full thresholds.
_EARLY_PHASE_GAMES = 10
_MID_PHASE_GAMES = 30

#: Values accepted wherever a game date is expected (``pd.Timestamp`` is a ``datetime``).
GameDateLike = date | datetime | str

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def as_game_date(value: object) -> date:
    """Coerce a game date to a plain :class:`datetime.date`.

    Accepts ``date``, ``datetime`` / ``pd.Timestamp`` (their own date part, timezone
    untouched) and strict ISO ``'YYYY-MM-DD'`` strings.

    Raises:
        TypeError: for any other type (``None``, numbers, ...), naming the value.
        ValueError: for a malformed or impossible date string, or ``NaT``.

    Example::

        >>> as_game_date('2024-10-25')
        datetime.date(2024, 10, 25)
        >>> import pandas as pd
        >>> as_game_date(pd.Timestamp('2025-01-15 19:30', tz='US/Eastern'))
        datetime.date(2025, 1, 15)
    """
    if isinstance(value, datetime):
        # pd.NaT is a datetime subclass whose .date() fails obscurely; NaT != NaT.
        if value != value:
            raise ValueError(f"game_date {value!r} is not a date (NaT)")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(f"game_date {value!r} is not an ISO 'YYYY-MM-DD' date string")
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"game_date {value!r} is not a valid calendar date: {exc}") from None
    raise TypeError(
        f"game_date must be a date, datetime, pandas.Timestamp or 'YYYY-MM-DD' string; "
        f"got {type(value).__name__} {value!r}"
    )


def season_start(game_date: GameDateLike) -> date:
    """October 15 of the first year of the season ``game_date`` belongs to.

    January-June belong to the season that started the previous October; July-December
    map to the season starting October 15 of the same year (for July to October 14 that
    start is still ahead).

    Example::

        >>> season_start('2025-06-30')
        datetime.date(2024, 10, 15)
        >>> season_start('2025-10-01')
        datetime.date(2025, 10, 15)
    """
    day = as_game_date(game_date)
    year = day.year - 1 if day.month <= 6 else day.year
    if year < 1:  # January-June of year 1 would belong to a season of year 0
        raise ValueError(f"game_date {day.isoformat()} has no season: the first season starts in year 1")
    return date(year, SEASON_START_MONTH, SEASON_START_DAY)


def games_into_season(game_date: GameDateLike) -> int:
    """Estimated games played so far this season: days since the start // 2, never negative.

    Off-season and pre-season dates (July 1 to October 15) give ``0``.

    Example::

        >>> games_into_season('2024-10-25')
        5
        >>> games_into_season('2024-08-01')
        0
    """
    day = as_game_date(game_date)
    return max(0, (day - season_start(day)).days // 2)


def _check_thresholds(thresholds: object) -> tuple[int, int, int]:
    if not isinstance(thresholds, tuple | list) or len(thresholds) != 3:
        raise TypeError(
            f"thresholds must be a 3-tuple (early, mid, full) of ints; got {thresholds!r}"
        )
    for value in thresholds:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(
                f"thresholds must be non-negative ints (early, mid, full); got {thresholds!r}"
            )
    early, mid, full = thresholds
    return early, mid, full


def expected_sample_size(
    game_date: GameDateLike,
    thresholds: tuple[int, int, int] = DEFAULT_SAMPLE_THRESHOLDS,
) -> int:
    """Rows of history a processor can fairly expect on ``game_date`` (SCORING.md rule 5).

    Fewer than 10 games into the season: ``min(early, games + 1)``; fewer than 30:
    ``mid``; otherwise ``full``. ``thresholds`` is ``(early, mid, full)``.

    Example::

        >>> expected_sample_size('2024-10-15')   # opening night: 0 games played
        1
        >>> expected_sample_size('2024-10-25')   # 5 games in
        3
        >>> expected_sample_size('2024-11-20')   # 18 games in
        5
        >>> expected_sample_size('2025-01-15', thresholds=(2, 4, 6))
        6
    """
    early, mid, full = _check_thresholds(thresholds)
    games = games_into_season(game_date)
    if games < _EARLY_PHASE_GAMES:
        return min(early, games + 1)
    if games < _MID_PHASE_GAMES:
        return mid
    return full


def is_early_season(game_date: GameDateLike, early_games: int = DEFAULT_EARLY_SEASON_GAMES) -> bool:
    """True when fewer than ``early_games`` games have been played this season.

    Example::

        >>> is_early_season('2024-10-25')
        True
        >>> is_early_season('2025-01-15')
        False
    """
    if isinstance(early_games, bool) or not isinstance(early_games, int) or early_games < 0:
        raise ValueError(f"early_games must be a non-negative int; got {early_games!r}")
    return games_into_season(game_date) < early_games


def season_label(game_date: GameDateLike) -> str:
    """The season a date belongs to, as ``'YYYY-YY'`` (off-season -> the upcoming season).

    Example::

        >>> season_label('2025-01-15')
        '2024-25'
        >>> season_label('2024-08-01')
        '2024-25'
        >>> season_label('1999-11-01')
        '1999-00'
    """
    first_year = season_start(game_date).year
    return f"{first_year}-{(first_year + 1) % 100:02d}"
