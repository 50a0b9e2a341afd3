"""``coverage-health``: the daily source coverage checks as pass / warn / fail.

The checks are :mod:`data_processors.reporting.health` (imported when the command runs, after
the arguments and the warehouse URL were checked).

Example::

    coverage-health --date 2025-01-15 --warehouse duckdb:///demo_out/demo.duckdb --json
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from data_processors.source_coverage_audit.audit_date import default_audit_date
from shared_services.cli import Command, Context, Outcome, cli_date, option

__all__ = ["COMMAND", "main"]


def _run(ctx: Context) -> Outcome:
    day = ctx.args.date or default_audit_date(datetime.now(UTC))
    client = ctx.client()
    from data_processors.reporting.health import health_outcome

    return health_outcome(client, day)


COMMAND = Command(
    name="coverage-health",
    summary="The daily source coverage health checks as pass / warn / fail.",
    example="coverage-health --date 2025-01-15 --warehouse duckdb:///demo_out/demo.duckdb",
    run=_run,
    fail_on="critical",
    options=(option("--date", type=cli_date, metavar="YYYY-MM-DD",
                    help="game date to check (default: yesterday, America/Los_Angeles)"),),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-health``; see :mod:`data_processors.reporting.health` for the exit status."""
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
