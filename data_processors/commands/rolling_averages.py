"""``coverage-rolling-averages --date D``: phase 4 rolling averages for an analysis date.

The processor is :class:`~data_processors.precompute.player_rolling_average_processor.PlayerRollingAverageProcessor`,
imported when the command runs.

Example::

    coverage-rolling-averages --date 2025-01-16 --warehouse duckdb:///demo_out/demo.duckdb
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from data_processors.commands.daily import daily_command
from shared_services.cli import format_counts

__all__ = ["COMMAND", "main"]

COMMAND = daily_command(
    "data_processors.precompute.player_rolling_average_processor:PlayerRollingAverageProcessor",
    prog="coverage-rolling-averages",
    description="Compute phase 4 rolling averages (worst-wins quality) for an analysis date.",
    opts_key="analysis_date",
    date_help="analysis date, YYYY-MM-DD (games strictly before it)",
    summarize=lambda stats, day: (
        f"{stats.get('rows_written', 0)} rolling average row(s) for {day.isoformat()}; "
        f"tiers: {format_counts(stats.get('tiers') or {})}; queries: {stats.get('queries_issued')}"),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-rolling-averages --date D [--warehouse URL]``."""
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
