"""``make_client(url)``: one URL picks the warehouse everywhere.

Accepted forms::

    duckdb:///path/to/file.duckdb     embedded DuckDB file, path relative to the working folder
    duckdb:////abs/path/file.duckdb   the same with an absolute path (four slashes)
    duckdb:///:memory:                embedded, in memory (tests)
    bigquery://PROJECT[?location=LOC] Google BigQuery, credentials from google.auth.default()

Without a URL, ``COVERAGE_WAREHOUSE`` is read, else ``duckdb:///coverage.duckdb``.

Example::

    from shared_services.bigquery import make_client
    client = make_client('duckdb:///:memory:')
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["make_client", "parse_warehouse_url", "WarehouseURL", "DEFAULT_WAREHOUSE_URL", "ENV_WAREHOUSE"]

ENV_WAREHOUSE = "COVERAGE_WAREHOUSE"
DEFAULT_WAREHOUSE_URL = "duckdb:///coverage.duckdb"

_ACCEPTED = (
    "accepted forms: 'duckdb:///path/file.duckdb', 'duckdb:///:memory:', "
    "'bigquery://PROJECT' or 'bigquery://PROJECT?location=LOC'"
)
# BigQuery project ids: 6-30 chars, lowercase letters, digits, hyphens; domain-scoped
# projects look like 'example.com:project'.
_PROJECT_RE = re.compile(r"^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$")


class WarehouseURL:
    """A parsed warehouse URL (``kind`` is 'duckdb' or 'bigquery')."""

    def __init__(self, kind: str, path: str | None = None, project: str | None = None, location: str | None = None):
        self.kind = kind
        self.path = path
        self.project = project
        self.location = location

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"WarehouseURL(kind={self.kind!r}, path={self.path!r}, project={self.project!r}, location={self.location!r})"


def parse_warehouse_url(url: str) -> WarehouseURL:
    """Parse and validate a warehouse URL; ``ValueError`` shows the accepted forms.

    Example::

        >>> parse_warehouse_url('bigquery://my-project?location=US').location
        'US'
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"warehouse URL must be a non-empty string, got {url!r}; {_ACCEPTED}")
    url = url.strip()
    if url.startswith("duckdb://"):
        rest = url[len("duckdb://"):]
        if not rest.startswith("/") or len(rest) < 2:
            raise ValueError(f"malformed DuckDB warehouse URL {url!r}; {_ACCEPTED}")
        path = rest[1:]
        if path == ":memory:":
            return WarehouseURL("duckdb", path=":memory:")
        if "?" in path or "#" in path:
            raise ValueError(f"malformed DuckDB warehouse URL {url!r} (no query string allowed); {_ACCEPTED}")
        return WarehouseURL("duckdb", path=path)
    if url.startswith("bigquery://"):
        parts = urlsplit(url)
        project = parts.netloc
        if not project or parts.path not in ("", "/") or not _PROJECT_RE.match(project):
            raise ValueError(f"malformed BigQuery warehouse URL {url!r} (bad or missing project id); {_ACCEPTED}")
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = set(query) - {"location"}
        if unknown:
            raise ValueError(f"unknown option(s) {sorted(unknown)} in warehouse URL {url!r}; {_ACCEPTED}")
        location = query.get("location", [None])[0]
        if location is not None and not re.fullmatch(r"[A-Za-z0-9-]+", location):
            raise ValueError(f"bad location {location!r} in warehouse URL {url!r}; {_ACCEPTED}")
        return WarehouseURL("bigquery", project=project, location=location)
    raise ValueError(f"unsupported warehouse URL {url!r}; {_ACCEPTED}")


def make_client(url: str | None = None) -> Any:
    """Build a client for ``url`` (or ``$COVERAGE_WAREHOUSE``, or the default DuckDB file).

    Example::

        client = make_client('duckdb:///:memory:')
        client.query('SELECT 1 AS one').result()
    """
    resolved = url if url is not None else os.environ.get(ENV_WAREHOUSE) or DEFAULT_WAREHOUSE_URL
    parsed = parse_warehouse_url(resolved)
    if parsed.kind == "duckdb":
        from shared_services.bigquery.duckdb_client import DuckDBClient

        path = parsed.path or ":memory:"
        if path != ":memory:":
            folder = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(folder):
                raise ValueError(
                    f"warehouse URL {resolved!r}: folder {folder!r} does not exist (three slashes "
                    "then a relative path, 'duckdb:///demo_out/demo.duckdb', or four for an "
                    "absolute one, 'duckdb:////tmp/demo.duckdb')")
        return DuckDBClient(path)
    # Heavy SDK imports stay in this branch.
    import google.auth
    from google.cloud import bigquery

    credentials, _default_project = google.auth.default(
        scopes=["https://www.googleapis.com/auth/bigquery"]
    )
    return bigquery.Client(project=parsed.project, credentials=credentials, location=parsed.location)
