"""``coverage-predictions --date D``: phase 5 predictions for a game date.

The processor is :class:`~data_processors.predictions.prediction_generator.PredictionGenerator`,
imported when the command runs.

Example::

    coverage-predictions --date 2025-01-16 --warehouse duckdb:///demo_out/demo.duckdb
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from data_processors.commands.daily import daily_command

__all__ = ["COMMAND", "main"]

COMMAND = daily_command(
    "data_processors.predictions.prediction_generator:PredictionGenerator",
    prog="coverage-predictions",
    description="Predict points for a game date from phase 4 rows, capping confidence by quality.",
    summarize=lambda stats, day: (
        f"{stats.get('predictions_written', 0)} prediction(s) for {day.isoformat()}; "
        f"{len(stats.get('skipped_unusable', []))} skipped (unusable), "
        f"{len(stats.get('model_failures', []))} model failure(s), {stats.get('capped', 0)} capped"),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-predictions --date D [--warehouse URL]``."""
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
