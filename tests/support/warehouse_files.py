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

import shutil
from collections.abc import Callable
from pathlib import Path

from shared_services.bigquery.duckdb_client import DuckDBClient


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
