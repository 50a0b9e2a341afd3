"""Validation of table ids that end up in SQL text.

Values always travel as query parameters; table names cannot, so every table id that reaches
SQL text passes :func:`validate_table_id` first (a configuration error names the bad value).

Example::

    >>> validate_table_id('nba_reference.source_coverage_log')
    'nba_reference.source_coverage_log'
    >>> quote_table_id('my-project.nba_raw.nbac_schedule')
    '`my-project.nba_raw.nbac_schedule`'
"""

from __future__ import annotations

import re

__all__ = ["validate_table_id", "validate_project_id", "validate_column_name", "quote_column", "quote_table_id",
           "InvalidIdentifierError"]

_PROJECT = r"[a-z][a-z0-9\-]{4,28}[a-z0-9]"
_NAME = r"[A-Za-z_][A-Za-z0-9_]{0,1023}"
_TABLE_RE = re.compile(rf"^(?:{_PROJECT}\.)?{_NAME}\.{_NAME}$")
_COLUMN_RE = re.compile(rf"^{_NAME}$")
_PROJECT_RE = re.compile(rf"^{_PROJECT}$")
_DATASET_TABLE_RE = re.compile(rf"^{_NAME}\.{_NAME}$")
#: Google Cloud's rule for a project id (what this module accepts), said once for every error.
PROJECT_ID_RULE = ("6 to 30 characters: lowercase letters, digits and hyphens, starting with a letter "
                   "and not ending with a hyphen")


class InvalidIdentifierError(ValueError):
    """A table or column name that is not a plain BigQuery identifier."""


def validate_table_id(table_id: object) -> str:
    """Return ``table_id`` if it is ``dataset.table`` or ``project.dataset.table``.

    Back-ticks are stripped; anything else (quotes, spaces, semicolons) raises
    :class:`InvalidIdentifierError` naming the value.
    """
    if not isinstance(table_id, str):
        raise InvalidIdentifierError(f"table id must be a str, got {type(table_id).__name__}")
    candidate = table_id.strip().strip("`")
    if not _TABLE_RE.match(candidate):
        project, _, rest = candidate.partition(".")
        if _DATASET_TABLE_RE.match(rest) and not _PROJECT_RE.match(project):
            raise InvalidIdentifierError(
                f"invalid table id {table_id!r}: its project id {project!r} is not one; a project id is "
                f"{PROJECT_ID_RULE}")
        raise InvalidIdentifierError(
            f"invalid table id {table_id!r}: expected 'dataset.table' or 'project.dataset.table' "
            "made of letters, digits and underscores"
        )
    return candidate


def validate_project_id(project: object) -> str:
    """Return ``project`` if it is a Google Cloud project id, else raise naming it and the rule.

    Example::

        validate_project_id('my-project')   # 'my-project'
        validate_project_id('p')            # InvalidIdentifierError: invalid project id 'p': ...
    """
    if not isinstance(project, str) or not _PROJECT_RE.match(project):
        raise InvalidIdentifierError(f"invalid project id {project!r}: a project id is {PROJECT_ID_RULE}")
    return project


def validate_column_name(name: object) -> str:
    """Return ``name`` if it is a plain column identifier, else raise naming it."""
    if not isinstance(name, str) or not _COLUMN_RE.match(name):
        raise InvalidIdentifierError(
            f"invalid column name {name!r}: use letters, digits and underscores, not starting with a digit"
        )
    return name


def quote_column(name: object) -> str:
    """The validated column name in back-ticks, ready for BigQuery SQL: a reserved keyword
    (``rows``, ``range``, ``new``) must be quoted to be a name ("Lexical structure and syntax",
    https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#reserved_keywords).

    Example::

        quote_column('rows')    # '`rows`'
        quote_column('a b')     # InvalidIdentifierError: invalid column name 'a b': ...
    """
    return f"`{validate_column_name(name)}`"


def quote_table_id(table_id: str) -> str:
    """The validated id in back-ticks, ready for BigQuery SQL."""
    return f"`{validate_table_id(table_id)}`"
