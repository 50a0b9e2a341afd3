"""Build an embedded warehouse file once, then give each test a copy of its own.

A DuckDB file copies in milliseconds; building tables, views or a whole scenario takes far
longer. A fixture builds the file once (module or session scope) with
:func:`build_closed_warehouse`, and every test opens its own copy with :func:`open_copy`, so
no test sees another's writes and no two xdist workers open the same file.

Example::

    @pytest.fixture(scope="module")
    def template(tmp_path_factory):
        path = tmp_path_factory.mktemp("t") / "w.duckdb"
        return build_closed_warehouse(path, ensure_schema)

    @pytest.fixture
    def client(template, tmp_path):
        c = open_copy(template, tmp_path / "w.duckdb")
        yield c
        c.close()
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

from shared_services.bigquery.duckdb_client import META_SCHEMA, DuckDBClient


def build_closed_warehouse(path: Path, build: Callable[[DuckDBClient], object], *,
                           project: str | None = None, start_from: Path | None = None) -> Path:
    """Run ``build`` on a client of ``path`` (a copy of ``start_from`` when given), close it,
    and check the closed file stands alone (a WAL or other file beside it would be lost by a
    copy). Returns ``path``."""
    if start_from is not None:
        shutil.copyfile(start_from, path)
    client = DuckDBClient(str(path), project=project) if project else DuckDBClient(str(path))
    try:
        build(client)
    finally:
        client.close()
    leftovers = [p.name for p in path.parent.iterdir() if p != path]
    assert not leftovers, f"the closed warehouse left {leftovers} beside it; copying would lose them"
    return path


def open_copy(template: Path, target: Path, *, project: str | None = None) -> DuckDBClient:
    """Copy the closed ``template`` file to ``target`` and open a client on the copy."""
    shutil.copyfile(template, target)
    return DuckDBClient(str(target), project=project) if project else DuckDBClient(str(target))


def record_earlier_loads(client: DuckDBClient, table: str, count: int, hours_ago: float, prefix: str,
                         failed: bool = False) -> None:
    """``count`` load jobs into ``table`` recorded ``hours_ago`` in the warehouse's job table, as
    each load records itself (ids ``{prefix}_0`` ...; ``failed``: failed for their data). For
    the load quota's tests: 1,500 real loads take seconds, and a day cannot pass in a test."""
    client._conn.execute_untracked(
        f"INSERT INTO {META_SCHEMA}.jobs (job_id, job_type, destination, output_rows, created_at, error_reason, "  # noqa: S608
        "error_message) SELECT $prefix || '_' || i, 'load', $table, 1, $when, $reason, $message FROM range($count) AS r(i)",
        {"prefix": prefix, "table": table, "when": dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago),
         "count": count, "reason": "BadRequest" if failed else None,
         "message": "Error while reading data" if failed else None},
    )
