"""``coverage-demo``: a deterministic, fault-injected week through phases 3-5, the audit and the report.

The demo is :mod:`data_processors.demo.runner` (imported when the command runs, after
``--days`` was checked). Each injected fault the audit did not catch is a critical finding.

Example::

    coverage-demo --days 3 --out /tmp/demo --force
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from shared_services.cli import Command, Context, Outcome, UsageError, cli_date, option

__all__ = ["COMMAND", "DEMO_EARLIEST_START", "MAX_DEMO_DAYS", "main"]

#: The longest demo: a regular season spans about 170 days.
MAX_DEMO_DAYS = 366


#: The earliest first game date of a demo.
DEMO_EARLIEST_START = date(1950, 1, 1)


def _run(ctx: Context) -> Outcome:
    if not 1 <= ctx.args.days <= MAX_DEMO_DAYS:
        raise UsageError(f"--days must be between 1 and {MAX_DEMO_DAYS}, got {ctx.args.days}")
    start = ctx.args.start
    if start is not None:
        # The demo's processors log their events at the real time and the audit runs as of now,
        # as in production: its games must be over. A future range ran, then found its own
        # events outside the audited window and reported every fault wrong (exit 1).
        last = start + timedelta(days=ctx.args.days - 1)
        today = datetime.now(UTC).date()
        if start < DEMO_EARLIEST_START or last >= today:
            raise UsageError(f"--start {start} with --days {ctx.args.days} ends on {last}: the demo's games must "
                             f"lie between {DEMO_EARLIEST_START} and yesterday ({today - timedelta(days=1)})")
    from data_processors.demo.runner import _run_main

    return _run_main(ctx)  # type: ignore[no-any-return]


COMMAND = Command(
    name="coverage-demo",
    summary="Run a deterministic, fault-injected week through phases 3-5, the audit and the report.",
    description="Run a deterministic, fault-injected week through phases 3-5, the audit and the "
                "report. Each injected fault the audit did not catch is a critical finding.",
    example="coverage-demo --days 3 --out /tmp/demo --force",
    run=_run,
    warehouse="own",
    warehouse_help="duckdb:/// URL (default: a fresh DIR/demo.duckdb)",
    fail_on="critical",
    options=(
        option("--days", type=int, default=7, help="game days to simulate (default 7)"),
        option("--seed", type=int, default=7, help="random seed (default 7)"),
        option("--start", type=cli_date, metavar="YYYY-MM-DD", help="first game date (default 2025-01-10)"),
        option("--out", default="demo_out", metavar="DIR", help="output directory (default demo_out)"),
        option("--force", action="store_true",
               help="replace a previous run's outputs (all of them) instead of refusing"),
    ),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-demo``; returns the exit status (0 when every fault was caught)."""
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
