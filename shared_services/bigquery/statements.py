"""The registry of every SQL statement the library sends, with representative parameters.

Each statement is registered NEXT TO the code that sends it, from the same constant or
builder function, so the registry cannot drift from what runs::

    # in data_processors/reporting/health.py
    register_statement('health.critical_events', CRITICALS_SQL, [
        bigquery.ScalarQueryParameter('log_start', 'TIMESTAMP', SAMPLE_TIME),
        bigquery.ScalarQueryParameter('log_end', 'TIMESTAMP', SAMPLE_TIME)])

Statements built per configuration (one per audited table, one per output table) register a
factory instead (:func:`statement_factory`), called when the registry is collected.
:func:`library_statements` imports every module of the ``shared_services`` and
``data_processors`` packages (there is no list of modules to keep up to date), then returns
all statements sorted by name; ``coverage-preflight`` dry-runs each one. A test runs the
library's commands through a recording client and fails when a statement the library sends
is missing here.

Example::

    from shared_services.bigquery.statements import library_statements
    for statement in library_statements(project='my-project'):
        print(statement.name, len(statement.parameters))
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from google.cloud import bigquery

__all__ = [
    "SAMPLE_DATE",
    "SAMPLE_TIME",
    "StatementContext",
    "LibraryStatement",
    "ScratchTable",
    "register_statement",
    "statement_factory",
    "library_statements",
    "replace_rows_statement",
    "LIBRARY_PACKAGES",
]

#: A representative game date for statement parameters (a dry run checks types, not values).
SAMPLE_DATE = date(2025, 1, 15)
#: A representative timestamp for statement parameters.
SAMPLE_TIME = datetime(2025, 1, 16, 10, 0, tzinfo=UTC)

#: Packages whose modules are imported to collect the registrations.
LIBRARY_PACKAGES: tuple[str, ...] = ("shared_services", "data_processors")


@dataclass(frozen=True)
class ScratchTable:
    """A table a statement reads that the library creates just before sending it.

    The write pattern reads a staging table that a load job creates a moment earlier; to
    dry-run the statement, ``coverage-preflight`` creates the table empty with this schema
    (and an expiration), and deletes it right after.
    """

    table_id: str
    schema: tuple[bigquery.SchemaField, ...]


@dataclass(frozen=True)
class LibraryStatement:
    """One statement as the library sends it, with representative query parameters.

    Example::

        statement.job_config(dry_run=True)   # a QueryJobConfig carrying the parameters
    """

    name: str
    sql: str
    parameters: tuple[Any, ...] = ()
    origin: str = ""
    scratch_tables: tuple[ScratchTable, ...] = field(default_factory=tuple)

    def job_config(self, dry_run: bool = False) -> bigquery.QueryJobConfig:
        """A ``QueryJobConfig`` with this statement's parameters."""
        return bigquery.QueryJobConfig(query_parameters=list(self.parameters), dry_run=dry_run)


@dataclass(frozen=True)
class StatementContext:
    """What a factory may need: the project to qualify names with (``None``: two-part names)
    and the user's configuration (``options``; e.g. ``'audit_config'``: the audit's table file).
    """

    project: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


_Factory = Callable[[StatementContext], Iterable[LibraryStatement]]
_LOCK = threading.Lock()
_FACTORIES: dict[str, tuple[str, _Factory]] = {}


def _caller_module(depth: int = 2) -> str:
    import sys

    return str(sys._getframe(depth).f_globals.get("__name__", "?"))


def register_statement(
    name: str, sql: str, parameters: Sequence[Any] = (), *, origin: str | None = None
) -> None:
    """Register one fixed statement under a unique ``name`` (``'module.what'``).

    Registering the same name again from the same module replaces it (a module reload);
    from another module it is a ``ValueError`` naming both.

    Example::

        register_statement('report.schedule', SCHEDULE_SQL, [
            bigquery.ScalarQueryParameter('start_date', 'DATE', SAMPLE_DATE),
            bigquery.ScalarQueryParameter('end_date', 'DATE', SAMPLE_DATE)])
    """
    where = origin or _caller_module()
    statement = LibraryStatement(name, sql, tuple(parameters), where)
    _add(name, where, lambda _context: [statement])


def statement_factory(name: str) -> Callable[[_Factory], _Factory]:
    """Decorator: register a function ``(context) -> statements`` built per configuration.

    Example::

        @statement_factory('audit')
        def _audit_statements(context):
            yield LibraryStatement('audit.log_state', ..., parameters)
    """

    def decorator(function: _Factory) -> _Factory:
        _add(name, getattr(function, "__module__", None) or _caller_module(), function)
        return function

    return decorator


def _add(name: str, origin: str, factory: _Factory) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a statement needs a non-empty name, got {name!r}")
    with _LOCK:
        existing = _FACTORIES.get(name)
        if existing is not None and existing[0] != origin:
            raise ValueError(
                f"statement {name!r} is registered twice: by {existing[0]} and by {origin}"
            )
        _FACTORIES[name] = (origin, factory)


def _import_library(packages: Sequence[str]) -> None:
    for package_name in packages:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            if module.name.rsplit(".", 1)[-1] == "__main__":  # running it would start a command
                continue
            importlib.import_module(module.name)


def library_statements(
    project: str | None = None,
    packages: Sequence[str] = LIBRARY_PACKAGES,
    options: Mapping[str, Any] | None = None,
) -> list[LibraryStatement]:
    """Every registered statement (importing the library's modules first), sorted by name.

    Names are unique: two statements with one name are a ``ValueError`` naming it. A factory
    may raise ``ValueError`` for bad ``options`` (a configuration error).

    Example::

        names = [s.name for s in library_statements()]
    """
    _import_library(packages)
    with _LOCK:
        factories = list(_FACTORIES.items())
    context = StatementContext(project=project, options=dict(options or {}))
    out: dict[str, LibraryStatement] = {}
    for registered_name, (origin, factory) in factories:
        for statement in factory(context):
            if not statement.name.startswith(registered_name):
                statement = LibraryStatement(
                    f"{registered_name}.{statement.name}", statement.sql, statement.parameters,
                    statement.origin, statement.scratch_tables,
                )
            if not statement.origin:
                statement = LibraryStatement(
                    statement.name, statement.sql, statement.parameters, origin, statement.scratch_tables
                )
            if statement.name in out:
                raise ValueError(f"two statements are named {statement.name!r}")
            out[statement.name] = statement
    return [out[name] for name in sorted(out)]


def replace_rows_statement(name: str, table_id: str, key_columns: Sequence[str]) -> LibraryStatement:
    """The write pattern :func:`.writer.replace_rows` sends for ``table_id``, asked from the writer.

    The staging table it reads is created by a load job just before; here it is a
    :class:`ScratchTable` with the target's schema.

    Example::

        replace_rows_statement('write.x', 'nba_analytics.player_game_summary', ['game_id'])
    """
    from shared_services.bigquery import writer
    from shared_services.bigquery.schemas import table_spec

    spec = table_spec(table_id)
    # The writer's naming; a fresh token per collection, so two preflights never share a table.
    staging = f"{spec.dataset}._staging_{spec.name}_{uuid.uuid4().hex[:16]}"
    partition = spec.partition_field
    is_timestamp = bool(partition) and next(
        f.field_type.upper() for f in spec.schema if f.name == partition) == "TIMESTAMP"
    # The one call to adapt if the writer's API changes.
    sql = writer.merge_sql(table_id, staging, spec.column_names, list(key_columns), partition, is_timestamp)
    parameters: tuple[Any, ...] = ()
    if partition:
        parameters = (bigquery.ScalarQueryParameter("low", "DATE", SAMPLE_DATE),
                      bigquery.ScalarQueryParameter("high", "DATE", SAMPLE_DATE))
    return LibraryStatement(name, sql, parameters, origin=writer.__name__,
                            scratch_tables=(ScratchTable(staging, tuple(spec.schema)),))
