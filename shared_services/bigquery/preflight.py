"""``coverage-preflight``: dry-run every statement the library can send, on YOUR warehouse.

Run it once after ``coverage-setup`` and before the first nightly run (and after each
upgrade): it proves that BigQuery accepts each audit, phase 3/4/5, staleness, health, report,
replay and alert query, the write pattern and the DDL, with representative parameters, in
your project, location and permissions. On BigQuery a dry run is free and runs nothing
(BigQuery docs, "Perform a dry run",
https://cloud.google.com/bigquery/docs/running-queries#dry-run); on the embedded warehouse
the same list is checked the same way.

The list is the statement registry (:mod:`shared_services.bigquery.statements`), so a query
added to the library is checked from the moment it is registered. The only thing created is,
for each write target, the empty staging table the write pattern reads (a load job creates it
at run time): it is created with a one-hour expiration and deleted right after the check.

Command line (exit 0: every statement passed; 1: at least one failed; 2: bad usage;
3: the warehouse could not be reached)::

    coverage-preflight --warehouse bigquery://my-project?location=US
    coverage-preflight --only audit. --json
    coverage-preflight --audit-config audit.yaml     # the tables YOUR audit checks

Python::

    result = run_preflight(make_client('bigquery://my-project'))
    for check in result.checks:
        print(check.line())
    assert result.ok
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.statements import LibraryStatement, ScratchTable, library_statements
from shared_services.commands.preflight import COMMAND, main  # noqa: F401  (re-exported)

__all__ = ["StatementCheck", "PreflightResult", "run_preflight", "preflight_outcome", "main"]

#: Scratch (staging) tables expire on their own even if the preflight is killed.
SCRATCH_EXPIRATION = timedelta(hours=1)
_MAX_ERROR = 500


@dataclass
class StatementCheck:
    """The dry run of one statement: ``ok``, or the warehouse's error in one line."""

    name: str
    ok: bool
    error: str | None = None
    statement_type: str | None = None
    origin: str = ""

    def line(self) -> str:
        """``OK    name`` or ``FAIL  name: error``."""
        return f"OK    {self.name}" if self.ok else f"FAIL  {self.name}: {self.error}"


@dataclass
class PreflightResult:
    """Every statement's check, in registry order."""

    checks: list[StatementCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[StatementCheck]:
        return [c for c in self.checks if not c.ok]

    def summary(self) -> str:
        return (f"preflight: {len(self.checks)} statement(s), {len(self.checks) - len(self.failed)} ok, "
                f"{len(self.failed)} failed")

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "statements": len(self.checks), "failed": len(self.failed),
                "checks": [asdict(c) for c in self.checks]}


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, gexc.GoogleAPICallError):
        text = f"{type(exc).__name__}: {exc.message}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 3] + "..."


def _qualified(client: Any, table_id: str) -> str:
    project = getattr(client, "project", None)
    return f"{project}.{table_id}" if project and table_id.count(".") == 1 else table_id


def _create_scratch(client: Any, scratch: ScratchTable) -> None:
    table = bigquery.Table(_qualified(client, scratch.table_id), schema=list(scratch.schema))
    table.expires = datetime.now(UTC) + SCRATCH_EXPIRATION
    client.create_table(table, exists_ok=True)


def run_preflight(
    client: Any,
    statements: Sequence[LibraryStatement] | None = None,
    *,
    only: str | None = None,
) -> PreflightResult:
    """Dry-run each statement (default: the whole registry, names qualified with the client's project).

    ``only`` keeps the statements whose name starts with it. A statement that fails is
    reported and the others still run; nothing raises for a rejected statement.

    Example::

        result = run_preflight(client, only='write.')
        print(result.summary())
    """
    chosen = list(statements) if statements is not None else library_statements(getattr(client, "project", None))
    if only:
        chosen = [s for s in chosen if s.name.startswith(only)]
    scratch: dict[str, ScratchTable] = {}
    for statement in chosen:
        for table in statement.scratch_tables:
            scratch.setdefault(table.table_id, table)
    result = PreflightResult()
    created: list[str] = []
    scratch_errors: dict[str, str] = {}
    try:
        for table_id, table in scratch.items():
            try:
                _create_scratch(client, table)
                created.append(table_id)
            except Exception as exc:  # reported on the statements that need the table
                scratch_errors[table_id] = f"could not create scratch table {table_id}: {_one_line(exc)}"
        for statement in chosen:
            missing = [scratch_errors[t.table_id] for t in statement.scratch_tables if t.table_id in scratch_errors]
            if missing:
                result.checks.append(StatementCheck(statement.name, False, missing[0], origin=statement.origin))
                continue
            try:
                job = client.query(statement.sql, job_config=statement.job_config(dry_run=True))
            except Exception as exc:
                result.checks.append(StatementCheck(statement.name, False, _one_line(exc), origin=statement.origin))
                continue
            result.checks.append(StatementCheck(
                statement.name, True, statement_type=getattr(job, "statement_type", None),
                origin=statement.origin))
    finally:
        for table_id in created:
            try:
                client.delete_table(_qualified(client, table_id), not_found_ok=True)
            except Exception:  # it expires on its own within SCRATCH_EXPIRATION
                pass
    return result


def preflight_outcome(client: Any, only: str | None = None, audit_config: str | None = None) -> Any:
    """Check every library statement on ``client``: what ``coverage-preflight`` prints (an ``Outcome``).

    A rejected statement is a critical finding; a bad ``audit_config`` is a ``UsageError``.

    Example::

        preflight_outcome(make_client('duckdb:///coverage.duckdb'), only='audit.').found
    """
    from shared_services.cli import EnvironmentProblem, Outcome, UsageError

    options = {"audit_config": audit_config} if audit_config else {}
    try:
        statements = library_statements(getattr(client, "project", None), options=options)
    except ValueError as exc:  # a bad --audit-config
        raise UsageError(str(exc)) from None
    except Exception as exc:  # a broken installation: a library module does not import
        raise EnvironmentProblem(f"could not collect the library's statements: {_one_line(exc)}") from exc
    try:
        result = run_preflight(client, statements, only=only)
    except Exception as exc:  # the warehouse itself failed (network, permissions), not a statement
        raise EnvironmentProblem(f"the warehouse could not be used: {_one_line(exc)}") from exc
    if only and not result.checks:
        raise UsageError(f"--only {only!r} matches no statement")
    missing = [c for c in result.failed if "Not found: Table" in (c.error or "") or "Not found: Dataset" in (c.error or "")]
    # A configured audit table that is missing is the configuration's (a misspelt name), not
    # something coverage-setup creates.
    configured = [c for c in missing if audit_config and c.name.startswith("audit.presence.")]
    if len(configured) < len(missing):
        print("hint: run coverage-setup against this warehouse first", file=sys.stderr)
    if configured:
        print(f"hint: check the table names in --audit-config {audit_config} "
              f"({', '.join(c.name.removeprefix('audit.presence.') for c in configured)})", file=sys.stderr)
    text = "\n".join([*(check.line() for check in result.checks), result.summary()])
    return Outcome(text=text, data=result.to_dict(), found=["critical"] * len(result.failed))


if __name__ == "__main__":  # pragma: no cover
    from shared_services.cli import run_as_module

    run_as_module(main)
