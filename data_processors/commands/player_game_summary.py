"""``coverage-player-game-summary --date D [--through D2]``: phase 3 player game summary for one date, or
every date of a backfill in one run.

The processor is :class:`~data_processors.analytics.player_game_summary.player_game_summary_processor.PlayerGameSummaryProcessor`,
imported when the command runs.

Example::

    coverage-player-game-summary --date 2025-01-15 --warehouse duckdb:///demo_out/demo.duckdb
    coverage-player-game-summary --date 2024-12-27 --through 2025-01-09 --warehouse duckdb:///demo_out/demo.duckdb
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from data_processors.commands.daily import daily_command, phase3_summary

__all__ = ["COMMAND", "main"]

COMMAND = daily_command(
    "data_processors.analytics.player_game_summary.player_game_summary_processor:PlayerGameSummaryProcessor",
    prog="coverage-player-game-summary",
    description="Run the phase 3 player game summary for every final game of a date "
                "(or, with --through, of every date of a backfill in one run).",
    summarize=phase3_summary,
    through=True,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-player-game-summary --date D [--through D2] [--warehouse URL]``."""
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
