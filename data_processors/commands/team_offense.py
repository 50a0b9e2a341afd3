"""``coverage-team-offense --date D``: phase 3 team offense game summary for one date.

The processor is :class:`~data_processors.analytics.team_offense_game_summary.team_offense_game_summary_processor.TeamOffenseGameSummaryProcessor`,
imported when the command runs.

Example::

    coverage-team-offense --date 2025-01-15 --warehouse duckdb:///demo_out/demo.duckdb
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from data_processors.commands.daily import daily_command
from shared_services.cli import format_counts

__all__ = ["COMMAND", "main"]

COMMAND = daily_command(
    "data_processors.analytics.team_offense_game_summary.team_offense_game_summary_processor:"
    "TeamOffenseGameSummaryProcessor",
    prog="coverage-team-offense",
    description="Run the phase 3 team offense game summary for every final game of a date.",
    summarize=lambda stats, day: (
        f"{stats.get('games_scheduled', 0)} final game(s), {stats.get('games_with_data', 0)} with data, "
        f"{stats.get('rows_written', 0)} row(s) written; tiers: {format_counts(stats.get('game_tiers', {}).values())}"),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-team-offense --date D [--warehouse URL]``."""
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
