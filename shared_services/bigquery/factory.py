"""``make_client(url)``: one URL picks the warehouse everywhere.

Accepted forms::

    duckdb:///path/to/file.duckdb     embedded DuckDB file, path relative to the working folder
    duckdb:////abs/path/file.duckdb   the same with an absolute path (four slashes)
    duckdb:///:memory:                embedded, in memory (tests)
    bigquery://PROJECT[?location=LOC] Google BigQuery, credentials from google.auth.default()

Without a URL, ``COVERAGE_WAREHOUSE`` is read, else ``duckdb:///coverage.duckdb``.

A DuckDB file can be open in one process at a time. When another process holds it, opening
waits (polling with backoff) up to ``COVERAGE_DUCKDB_LOCK_TIMEOUT`` seconds (default 30; 0
means do not wait), then raises :class:`WarehouseLockedError`, an ``OSError`` with a
one-line message, which the commands report as an environment error.

Example::

    from shared_services.bigquery import make_client
    client = make_client('duckdb:///:memory:')
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "make_client",
    "parse_warehouse_url",
    "open_duckdb",
    "duckdb_lock_timeout",
    "WarehouseURL",
    "WarehouseLockedError",
    "DEFAULT_WAREHOUSE_URL",
    "ENV_WAREHOUSE",
    "ENV_DUCKDB_LOCK_TIMEOUT",
    "DEFAULT_DUCKDB_LOCK_TIMEOUT",
]

ENV_WAREHOUSE = "COVERAGE_WAREHOUSE"
DEFAULT_WAREHOUSE_URL = "duckdb:///coverage.duckdb"
ENV_DUCKDB_LOCK_TIMEOUT = "COVERAGE_DUCKDB_LOCK_TIMEOUT"
DEFAULT_DUCKDB_LOCK_TIMEOUT = 30.0
_PID_RE = re.compile(r"\(PID (\d+)\)")


class WarehouseLockedError(OSError):
    """Another process kept the DuckDB warehouse file locked past the lock timeout.

    An environment error (exit status 3 in the commands); the message is one line naming the
    file, the holder's PID when DuckDB reports it, and the setting to wait longer.
    """


def duckdb_lock_timeout(environ: Any = None) -> float:
    """Seconds to wait for a locked DuckDB file: ``$COVERAGE_DUCKDB_LOCK_TIMEOUT`` or 30.

    Example::

        >>> duckdb_lock_timeout({'COVERAGE_DUCKDB_LOCK_TIMEOUT': '2.5'})
        2.5
    """
    env = os.environ if environ is None else environ
    text = str(env.get(ENV_DUCKDB_LOCK_TIMEOUT, "")).strip()
    if not text:
        return DEFAULT_DUCKDB_LOCK_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{ENV_DUCKDB_LOCK_TIMEOUT}={text!r} must be a number of seconds >= 0")
    return value


def _is_lock_conflict(exc: BaseException) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def open_duckdb(
    path: str,
    timeout: float | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Any:
    """Open a :class:`DuckDBClient` on ``path``, waiting up to ``timeout`` s for another process's lock.

    Example::

        client = open_duckdb('coverage.duckdb', timeout=10)
    """
    import duckdb

    from shared_services.bigquery.duckdb_client import DuckDBClient

    limit = duckdb_lock_timeout() if timeout is None else float(timeout)
    deadline = clock() + limit
    delay = 0.05
    while True:
        try:
            return DuckDBClient(path)
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise
            remaining = deadline - clock()
            if remaining <= 0:
                holder = _PID_RE.search(str(exc))
                by = f"another process (PID {holder.group(1)})" if holder else "another process"
                raise WarehouseLockedError(
                    f"warehouse file {path} is locked by {by}; gave up after waiting {limit:g} s "
                    f"(set {ENV_DUCKDB_LOCK_TIMEOUT} to wait longer)") from None
            sleep(min(delay, remaining))
            delay = min(delay * 2, 1.0)

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
        if path == ":memory:":
            return DuckDBClient(path)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise ValueError(
                f"warehouse URL {resolved!r}: folder {folder!r} does not exist (three slashes "
                "then a relative path, 'duckdb:///demo_out/demo.duckdb', or four for an "
                "absolute one, 'duckdb:////tmp/demo.duckdb')")
        return open_duckdb(path)  # waits for another process's lock, up to the lock timeout
    # Heavy SDK imports stay in this branch.
    import google.auth
    from google.cloud import bigquery

    credentials, _default_project = google.auth.default(
        scopes=["https://www.googleapis.com/auth/bigquery"]
    )
    return bigquery.Client(project=parsed.project, credentials=credentials, location=parsed.location)
