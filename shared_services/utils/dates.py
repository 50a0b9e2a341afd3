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

__all__ = ["parse_game_date"]


def parse_game_date(value: object, argument: str = "game_date") -> date:
    """A ``date`` from a date, datetime, Timestamp or 'YYYY-MM-DD' string; errors name ``argument``."""
    try:
        return as_game_date(value)
    except (TypeError, ValueError):
        raise ValueError(f"{argument}: {value!r} is not a date; expected YYYY-MM-DD") from None
