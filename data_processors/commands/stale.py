"""``coverage-stale``: phase 4 rolling averages built from phase 3 rows reprocessed since.

The query is :mod:`data_processors.precompute.staleness` (imported when the command runs).
Exit status: 0 nothing stale, 1 stale rows (``--fail-on warning``), 2 bad usage, 3 environment.

Example::

    coverage-stale --since 2025-01-01 --json --warehouse duckdb:///demo_out/demo.duckdb
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from shared_services.cli import Command, Context, Outcome, cli_date, option

__all__ = ["COMMAND", "DEFAULT_SINCE_DAYS", "main"]

#: Default look-back for phase 4 rows: analysis dates in the last 30 days.
DEFAULT_SINCE_DAYS = 30


def _run(ctx: Context) -> Outcome:
    client = ctx.client()
    from data_processors.precompute.staleness import stale_outcome

    return stale_outcome(client, ctx.args.since)


COMMAND = Command(
    name="coverage-stale",
    summary="List phase 4 rolling averages built from phase 3 rows reprocessed since.",
    description="List phase 4 rolling averages built from phase 3 rows that were reprocessed "
                "since. Each stale row is a warning finding: exit 1 when there is one (default "
                "--fail-on warning).",
    example="coverage-stale --since 2025-01-01 --json --warehouse duckdb:///demo_out/demo.duckdb",
    run=_run,
    fail_on="warning",
    options=(option("--since", type=cli_date, metavar="YYYY-MM-DD",
                    help=f"earliest analysis date (default {DEFAULT_SINCE_DAYS} days ago)"),),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-stale``: 0 nothing stale, 1 stale rows, 2 bad usage, 3 environment error.

    Example::

        coverage-stale --since 2025-01-01 --json
    """
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
