"""The statement registry: complete, well-formed, and a new statement is covered once registered."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlglot
from google.cloud import bigquery

from shared_services.bigquery import statements as registry
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.preflight import run_preflight
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.bigquery.statements import (
    LibraryStatement,
    library_statements,
    register_statement,
    statement_factory,
)

_PARAMETER = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")


@pytest.fixture
def restore_registry() -> Iterator[None]:
    saved = dict(registry._FACTORIES)
    yield
    registry._FACTORIES.clear()
    registry._FACTORIES.update(saved)


def test_every_statement_parses_as_bigquery_and_has_its_parameters():
    found = library_statements("my-project")
    assert len({s.name for s in found}) == len(found) >= 45
    for statement in found:
        parsed = sqlglot.parse(statement.sql, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
        assert parsed and all(p is not None for p in parsed), statement.name
        referenced = set(_PARAMETER.findall(statement.sql))
        given = {p.name for p in statement.parameters}
        assert referenced == given, f"{statement.name}: uses {referenced}, given {given}"
        assert statement.origin.startswith(("shared_services.", "data_processors.")), statement.name


def test_ddl_and_function_references_are_fully_qualified_with_a_project():
    ddl = [s for s in library_statements("my-project") if s.name.startswith("setup.")]
    assert ddl
    for statement in ddl:
        for reference in re.findall(r"`([^`]+)`", statement.sql):
            if "." in reference:  # a table or function; a column name in back-ticks has no dot
                assert reference.startswith("my-project."), (statement.name, reference)
        assert "`my-project." in statement.sql, statement.name


def test_a_newly_registered_statement_is_checked_by_the_preflight(restore_registry):
    register_statement("zz_new.good", "SELECT 1 AS x")

    @statement_factory("zz_new.per_table")
    def _factory(context):
        yield LibraryStatement("zz_new.per_table.bad", "SELECT * FROM `nba_reference.source_coverage_log`")

    names = [s.name for s in library_statements()]
    assert "zz_new.good" in names and "zz_new.per_table.bad" in names
    client = DuckDBClient(":memory:")
    ensure_schema(client)
    result = run_preflight(client, only="zz_new.")
    assert [(c.name, c.ok) for c in result.checks] == [("zz_new.good", True), ("zz_new.per_table.bad", False)]
    assert "event_timestamp" in (result.checks[1].error or "")
    client.close()


def test_one_name_from_two_modules_is_refused(restore_registry):
    register_statement("zz_dup.x", "SELECT 1 AS x", origin="module_a")
    register_statement("zz_dup.x", "SELECT 2 AS x", origin="module_a")  # a reload: replaces
    assert next(s for s in library_statements() if s.name == "zz_dup.x").sql == "SELECT 2 AS x"
    with pytest.raises(ValueError, match="registered twice: by module_a and by module_b"):
        register_statement("zz_dup.x", "SELECT 3 AS x", origin="module_b")
    with pytest.raises(ValueError, match="non-empty name"):
        register_statement(" ", "SELECT 1")


def test_job_config_carries_the_parameters_and_dry_run():
    statement = LibraryStatement("x", "SELECT @d AS d", (bigquery.ScalarQueryParameter("d", "DATE", None),))
    config = statement.job_config(dry_run=True)
    assert config.dry_run is True and [p.name for p in config.query_parameters] == ["d"]
