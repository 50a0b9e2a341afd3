"""``make_client(url)``: one URL picks the warehouse everywhere.

Accepted forms::

    duckdb:///path/to/file.duckdb     embedded DuckDB file, path relative to the working folder
    duckdb:////abs/path/file.duckdb   the same with an absolute path (four slashes)
    duckdb:///:memory:                embedded, in memory (tests)
    bigquery://PROJECT[?location=LOC] Google BigQuery, credentials from google.auth.default()

BigQuery URLs also take ``endpoint=http://HOST:PORT`` (an emulator or a local stand-in instead
of bigquery.googleapis.com) and ``anonymous=true`` (send no credentials; emulators only).

Without a URL, ``COVERAGE_WAREHOUSE`` is read, else ``duckdb:///coverage.duckdb``.

A DuckDB file can be open in one process at a time. When another process holds it, opening
waits (polling with backoff) up to ``COVERAGE_DUCKDB_LOCK_TIMEOUT`` seconds (default 30; 0
means do not wait), then raises :class:`WarehouseLockedError`, an ``OSError`` with a
one-line message, which the commands report as an environment error.

BigQuery deadline: every HTTP request to BigQuery waits at most ``COVERAGE_BIGQUERY_TIMEOUT``
seconds (default 60), and once BigQuery has not answered (connection errors, timeouts, 5xx,
429) for that long, the next attempt raises :class:`BigQueryUnreachable` instead of retrying
for the SDK's default 10 minutes. A command then exits 3. Missing credentials raise
:class:`BigQueryCredentialsMissing` naming the fix (exit 3); finding out waits at most
``METADATA_PROBE_SECONDS`` (3 s, or the deadline when smaller) for the Compute Engine metadata
server (:class:`MetadataProbe`), not google-auth's ~12 s when nothing answers there.

Example::

    from shared_services.bigquery import make_client
    client = make_client('duckdb:///:memory:')
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from shared_services.cli.errors import EnvironmentProblem, UsageError

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
    "ENV_BIGQUERY_TIMEOUT",
    "DEFAULT_BIGQUERY_TIMEOUT",
    "BigQueryCredentialsMissing",
    "BigQueryUnreachable",
    "bigquery_timeout",
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
        # A UsageError (a ValueError): a command reports it as it is, naming the variable, not
        # as a fault of --warehouse.
        raise UsageError(f"${ENV_DUCKDB_LOCK_TIMEOUT}={text!r}: expected a number of seconds >= 0")
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

ENV_BIGQUERY_TIMEOUT = "COVERAGE_BIGQUERY_TIMEOUT"
#: Seconds: the longest wait for one BigQuery request, and how long BigQuery may stay
#: unreachable before a call gives up.
DEFAULT_BIGQUERY_TIMEOUT = 60.0

_ACCEPTED = (
    "accepted forms: 'duckdb:///path/file.duckdb', 'duckdb:///:memory:', "
    "'bigquery://PROJECT' or 'bigquery://PROJECT?location=LOC' "
    "(options: location, endpoint, anonymous)"
)
_CREDENTIALS_FIX = (
    "run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a "
    "service-account key file"
)


class BigQueryCredentialsMissing(EnvironmentProblem):
    """No usable Google credentials for a ``bigquery://`` warehouse (exit 3 in commands)."""


class BigQueryUnreachable(EnvironmentProblem, TimeoutError):
    """BigQuery did not answer within the deadline (exit 3 in commands).

    A ``TimeoutError`` but not a ``ConnectionError``, so neither the SDK's retry nor the
    upload retry treats it as transient: the call stops here.
    """


def bigquery_timeout() -> float:
    """Seconds from ``$COVERAGE_BIGQUERY_TIMEOUT`` (default 60); a bad value is a usage error.

    Example::

        os.environ['COVERAGE_BIGQUERY_TIMEOUT'] = '30'
        bigquery_timeout()    # 30.0
    """
    raw = os.environ.get(ENV_BIGQUERY_TIMEOUT, "").strip()
    if not raw:
        return DEFAULT_BIGQUERY_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (value > 0 and value != float("inf")):
        raise UsageError(f"${ENV_BIGQUERY_TIMEOUT}={raw!r}: expected a number of seconds > 0")
    return value
# BigQuery project ids: 6-30 chars, lowercase letters, digits, hyphens; domain-scoped
# projects look like 'example.com:project'.
_PROJECT_RE = re.compile(r"^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$")


class WarehouseURL:
    """A parsed warehouse URL (``kind`` is 'duckdb' or 'bigquery')."""

    def __init__(self, kind: str, path: str | None = None, project: str | None = None,
                 location: str | None = None, endpoint: str | None = None, anonymous: bool = False):
        self.kind = kind
        self.path = path
        self.project = project
        self.location = location
        self.endpoint = endpoint
        self.anonymous = anonymous

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
        unknown = set(query) - {"location", "endpoint", "anonymous"}
        if unknown:
            raise ValueError(f"unknown option(s) {sorted(unknown)} in warehouse URL {url!r}; {_ACCEPTED}")
        repeated = sorted(name for name, values in query.items() if len(values) > 1)
        if repeated:
            raise ValueError(f"option(s) {repeated} given more than once in warehouse URL {url!r}")
        location = query.get("location", [None])[0]
        if location is not None and not re.fullmatch(r"[A-Za-z0-9-]+", location):
            raise ValueError(f"bad location {location!r} in warehouse URL {url!r}; {_ACCEPTED}")
        endpoint = query.get("endpoint", [None])[0]
        if endpoint is not None:
            target = urlsplit(endpoint)
            if target.scheme not in ("http", "https") or not target.hostname or target.query:
                raise ValueError(f"bad endpoint {endpoint!r} in warehouse URL {url!r}; expected "
                                 "http(s)://HOST[:PORT]")
        anonymous_text = query.get("anonymous", ["false"])[0].lower()
        if anonymous_text not in ("true", "false"):
            raise ValueError(f"anonymous={anonymous_text!r} in warehouse URL {url!r}: expected true or false")
        anonymous = anonymous_text == "true"
        if anonymous and endpoint is None:
            raise ValueError(f"anonymous=true needs an endpoint (an emulator) in warehouse URL {url!r}; "
                             "real BigQuery always needs credentials")
        return WarehouseURL("bigquery", project=project, location=location, endpoint=endpoint,
                            anonymous=anonymous)
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
    return _bigquery_client(parsed)


def _bigquery_client(parsed: WarehouseURL) -> Any:
    """A real ``bigquery.Client`` with the deadline transport (see the module docstring)."""
    deadline = bigquery_timeout()
    # SDK imports stay in this branch; the credentials are found before the BigQuery client
    # (and pandas with it) is imported, so "no credentials" answers without loading it.
    import google.auth
    from google.auth import exceptions as auth_exceptions
    from google.auth.credentials import AnonymousCredentials

    if parsed.anonymous:
        credentials: Any = AnonymousCredentials()
    else:
        # duck-typed google.auth.transport.Request (subclassing it would load google.auth here)
        probe: Any = MetadataProbe(min(deadline, METADATA_PROBE_SECONDS))
        try:
            credentials, _default_project = google.auth.default(
                scopes=["https://www.googleapis.com/auth/bigquery"], request=probe)
        except auth_exceptions.DefaultCredentialsError as exc:
            detail = " ".join(str(exc).split()).split(". ")[0]
            source = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
            where = f" (GOOGLE_APPLICATION_CREDENTIALS={source}: {detail})" if source else ""
            raise BigQueryCredentialsMissing(
                f"no Google credentials for bigquery://{parsed.project}{where}; {_CREDENTIALS_FIX}"
            ) from None
    from google.cloud import bigquery

    options = {"api_endpoint": parsed.endpoint} if parsed.endpoint else None
    return bigquery.Client(project=parsed.project, credentials=credentials, location=parsed.location,
                           client_options=options, _http=_deadline_session(credentials, deadline))


#: The longest credential discovery waits for the Compute Engine metadata server (capped by
#: ``COVERAGE_BIGQUERY_TIMEOUT``); one unanswered request and the server counts as absent. Off Google Cloud, where nothing answers at the
#: metadata address, google-auth alone tries three times for 3 s each, with back-off: about
#: 12 s before "no credentials". On Compute Engine / Cloud Run the server answers in
#: milliseconds.
METADATA_PROBE_SECONDS = 3.0

_METADATA_FLAVOR = "metadata-flavor"


class MetadataProbe:
    """The ``request`` google-auth's credential discovery uses, with a deadline for the metadata server.

    Until the Compute Engine metadata server has answered once, a request to it (it carries
    the ``Metadata-Flavor: Google`` header) waits at most ``budget`` seconds. When it gets no
    answer (a timeout, a refused connection), the server counts as absent: that request and
    the following ones get an immediate 503 without a ``Metadata-Flavor`` header, which
    google-auth reads as "not on Google Cloud", without its retries. Once the server has
    answered, and for every other request (e.g. a workload identity token exchange), nothing
    is changed.

    Example::

        google.auth.default(scopes=[...], request=MetadataProbe(3.0))
    """

    def __init__(self, budget: float, inner: Any = None) -> None:
        if inner is None:
            from google.auth.transport.requests import Request

            inner = Request()
        self.budget = float(budget)
        self._inner = inner
        self.answered = False
        self.absent = False

    def __call__(self, url: str, method: str = "GET", body: Any = None, headers: Any = None,
                 timeout: Any = None, **kwargs: Any) -> Any:
        probing = not self.answered and any(str(key).lower() == _METADATA_FLAVOR for key in (headers or {}))
        if not probing:
            return self._inner(url, method=method, body=body, headers=headers, timeout=timeout, **kwargs)
        if self.absent:
            return _NoMetadataServer()
        from google.auth import exceptions as auth_exceptions

        try:
            response = self._inner(url, method=method, body=body, headers=headers,
                                   timeout=_capped(timeout, self.budget), **kwargs)
        except auth_exceptions.TransportError as exc:
            logging.getLogger(__name__).debug("no metadata server at %s: %s", url, exc)
            self.absent = True
            return _NoMetadataServer()
        self.answered = True
        return response


class _NoMetadataServer:
    """The answer of an absent metadata server: 503, no ``Metadata-Flavor`` header."""

    status = 503
    headers: dict[str, str] = {}
    data = b"no metadata server answered within the credential discovery budget"


def _capped(timeout: Any, limit: float) -> Any:
    if timeout is None:
        return limit
    if isinstance(timeout, tuple):
        return tuple(limit if part is None else min(float(part), limit) for part in timeout)
    return min(float(timeout), limit)


def _deadline_session(credentials: Any, deadline: float) -> Any:
    """An ``AuthorizedSession`` that bounds every request and gives up on a long outage."""
    import threading
    import time

    from google.auth.transport.requests import AuthorizedSession

    class DeadlineSession(AuthorizedSession):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(credentials, refresh_timeout=deadline)
            self._outage_lock = threading.Lock()
            self._failing_since: float | None = None

        def _failed(self, started: float) -> None:
            with self._outage_lock:
                if self._failing_since is None:
                    self._failing_since = started

        def request(self, method: str, url: str, data: Any = None, headers: Any = None,  # type: ignore[override]
                    max_allowed_time: float | None = None, timeout: Any = None, **kwargs: Any) -> Any:
            started = time.monotonic()
            with self._outage_lock:
                since = self._failing_since
            remaining = deadline if since is None else deadline - (started - since)
            if remaining <= 0:
                raise BigQueryUnreachable(
                    f"BigQuery did not answer for {deadline:g} s ({url.split('?')[0]}); check the "
                    f"network and BigQuery's status, or raise ${ENV_BIGQUERY_TIMEOUT}")
            allowed = remaining if max_allowed_time is None else min(max_allowed_time, remaining)
            try:
                response = super().request(method, url, data=data, headers=headers,
                                           max_allowed_time=allowed,
                                           timeout=_capped(timeout, remaining), **kwargs)
            except Exception:
                self._failed(started)
                raise
            if response.status_code >= 500 or response.status_code == 429:
                self._failed(started)
            else:
                with self._outage_lock:
                    self._failing_since = None
            return response

    return DeadlineSession()
