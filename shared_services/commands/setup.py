"""``coverage-setup``: create the datasets, tables and table functions, idempotently.

The work is :mod:`shared_services.bigquery.provisioning` (imported when the command runs,
after the warehouse URL was checked).

Example::

    coverage-setup --warehouse duckdb:///coverage.duckdb   # or --print-ddl --project my-project
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from shared_services.bigquery.identifiers import InvalidIdentifierError, validate_project_id
from shared_services.cli import Command, Context, Outcome, UsageError, option

__all__ = ["COMMAND", "main"]


def _project(text: str) -> str:
    """``type=`` of ``--project``: a Google Cloud project id, else a usage error naming the rule."""
    try:
        return validate_project_id(text.strip())
    except InvalidIdentifierError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("invalid project id ")) from None


def _run(ctx: Context) -> Outcome:
    if ctx.args.project is not None and not ctx.args.print_ddl:
        raise UsageError("--project only qualifies the names --print-ddl prints; add --print-ddl, or name the "
                         "project in the warehouse URL (--warehouse bigquery://PROJECT)")
    if ctx.args.print_ddl:
        from shared_services.bigquery.provisioning import ddl_statements

        statements = ddl_statements(ctx.args.project)
        return Outcome(text="\n".join(statement + ";\n" for statement in statements),
                       data={"statements": statements})
    client = ctx.client()
    from shared_services.bigquery.provisioning import setup_outcome

    return setup_outcome(client, ctx.warehouse_url())  # type: ignore[no-any-return]


COMMAND = Command(
    name="coverage-setup",
    summary="Create the source coverage datasets, tables and table functions (idempotent).",
    example="coverage-setup --warehouse duckdb:///coverage.duckdb   # or --print-ddl --project my-project",
    run=_run,
    warehouse="create",
    options=(
        option("--print-ddl", action="store_true", help="print BigQuery DDL and exit; touches no warehouse"),
        option("--project", type=_project, metavar="PROJECT_ID",
               help="project id to qualify names with in --print-ddl output"),
    ),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``coverage-setup``; returns the exit status."""
    return COMMAND.main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
