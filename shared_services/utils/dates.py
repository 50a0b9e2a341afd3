"""Dates at the edges: parse a user-supplied game date and name the argument when it is bad.

Example::

    >>> parse_game_date('2025-01-15', '--date')
    datetime.date(2025, 1, 15)
    >>> parse_game_date('15/01/2025', '--date')
    Traceback (most recent call last):
    ...
    ValueError: --date: '15/01/2025' is not a date; expected YYYY-MM-DD
"""

from __future__ import annotations

from datetime import date

from shared_services.quality.season import as_game_date

__all__ = ["MAX_SPAN_DAYS", "check_span", "parse_game_date"]

#: The longest span of game dates one processor run takes: a regular season is about 170
#: days, so a season backfill is one run.
MAX_SPAN_DAYS = 366


def parse_game_date(value: object, argument: str = "game_date") -> date:
    """A ``date`` from a date, datetime, Timestamp or 'YYYY-MM-DD' string; errors name ``argument``."""
    try:
        return as_game_date(value)
    except (TypeError, ValueError):
        raise ValueError(f"{argument}: {value!r} is not a date; expected YYYY-MM-DD") from None


def check_span(start: date, end: date, start_name: str = "start_date", end_name: str = "end_date") -> int:
    """The number of days from ``start`` through ``end`` (both included); ``ValueError``
    naming both arguments when ``end`` comes first or the span is over :data:`MAX_SPAN_DAYS`.

    Example::

        >>> check_span(date(2024, 12, 27), date(2025, 1, 9))
        14
        >>> check_span(date(2025, 1, 9), date(2025, 1, 1), '--date', '--through')
        Traceback (most recent call last):
        ...
        ValueError: --through 2025-01-01 is before --date 2025-01-09
    """
    if end < start:
        raise ValueError(f"{end_name} {end.isoformat()} is before {start_name} {start.isoformat()}")
    days = (end - start).days + 1
    if days > MAX_SPAN_DAYS:
        raise ValueError(f"{start_name} .. {end_name} spans {days} days; one run takes at most {MAX_SPAN_DAYS}")
    return days
