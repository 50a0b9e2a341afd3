"""``coverage-preflight``: dry-run every statement the library can send against the warehouse.

The work is :mod:`shared_services.bigquery.preflight` (imported when the command runs, after
the warehouse URL was checked). Exit status: 0 all pass, 1 a statement failed, 2 usage,
3 environment.

Example::

    coverage-preflight --warehouse 'bigquery://my-project?location=US'
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from shared_services.cli import Command, Context, Outcome, option

__all__ = ["COMMAND", "main"]


def _run(ctx: Context) -> Outcome:
    # sqlglot logs a warning for every BigQuery-only DDL option it does not carry over to the
    # embedded warehouse; one line per statement is the output here.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    client = ctx.client()
    from shared_services.bigquery.preflight import preflight_outcome

    return preflight_outcome(client, ctx.args.only, ctx.args.audit_config)  # type: ignore[no-any-return]


COMMAND = Command(
    name="coverage-preflight",
    summary="Dry-run every statement the library can send against the warehouse (free on "
            "BigQuery); one line per statement; a rejected statement is a critical finding.",
    example="coverage-preflight --warehouse 'bigquery://my-project?location=US'",
    run=_run,
    fail_on="critical",
    options=(
        option("--only", metavar="PREFIX", help="check only the statements whose name starts with PREFIX"),
        option("--audit-config", metavar="FILE",
               help="the YAML / TOML table list coverage-audit runs with (default: its built-in tables)"),
    ),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-preflight``: 0 all pass, 1 a statement failed, 2 usage, 3 environment."""
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
