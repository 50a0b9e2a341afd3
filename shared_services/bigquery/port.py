"""The storage port: the subset of ``google.cloud.bigquery.Client`` this project uses.

Both adapters satisfy it: the real ``google.cloud.bigquery.Client`` (production) and
:class:`shared_services.bigquery.duckdb_client.DuckDBClient` (laptop, CI, demo).
Configuration objects are the real ones from ``google.cloud.bigquery`` and errors are the
real ``google.api_core.exceptions`` classes, so calling code handles both the same way.

Example::

    from google.cloud import bigquery
    from shared_services.bigquery import make_client

    client: BigQueryClientLike = make_client('duckdb:///:memory:')
    job = client.query(
        'SELECT @x AS x',
        job_config=bigquery.QueryJobConfig(
            query_parameters=[bigquery.ScalarQueryParameter('x', 'INT64', 1)]
        ),
    )
    assert [row.x for row in job.result()] == [1]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

__all__ = ["RowLike", "RowIteratorLike", "QueryJobLike", "LoadJobLike", "BigQueryClientLike"]


class RowLike(Protocol):
    """A result row: attribute access (``row.game_id``) and key access (``row['game_id']``)."""

    def __getitem__(self, key: str | int) -> Any: ...
    def __getattr__(self, name: str) -> Any: ...
    def keys(self) -> Iterable[str]: ...
    def get(self, key: str, default: Any = None) -> Any: ...


class RowIteratorLike(Protocol):
    """What ``job.result()`` returns for a query."""

    total_rows: int | None

    def __iter__(self) -> Iterator[Any]: ...
    def to_dataframe(self, *args: Any, **kwargs: Any) -> Any: ...


class QueryJobLike(Protocol):
    """A finished (or running) query job."""

    job_id: str
    num_dml_affected_rows: int | None

    def result(self, *args: Any, **kwargs: Any) -> RowIteratorLike: ...
    def to_dataframe(self, *args: Any, **kwargs: Any) -> Any: ...


class LoadJobLike(Protocol):
    """A load job; ``output_rows`` is set once it is done."""

    job_id: str
    output_rows: int | None

    def result(self, *args: Any, **kwargs: Any) -> Any: ...


@runtime_checkable
class BigQueryClientLike(Protocol):
    """The methods of ``google.cloud.bigquery.Client`` this project calls.

    ``insert_rows_json`` is deliberately absent: streaming inserts are banned by the design.
    """

    project: str

    def query(self, query: str, job_config: Any = None, job_id: str | None = None, **kwargs: Any) -> QueryJobLike: ...

    def load_table_from_json(
        self,
        json_rows: Sequence[Mapping[str, Any]],
        destination: Any,
        job_config: Any = None,
        job_id: str | None = None,
        job_id_prefix: str | None = None,
        **kwargs: Any,
    ) -> LoadJobLike: ...

    def load_table_from_dataframe(
        self,
        dataframe: Any,
        destination: Any,
        job_config: Any = None,
        job_id: str | None = None,
        job_id_prefix: str | None = None,
        **kwargs: Any,
    ) -> LoadJobLike: ...

    def get_job(self, job_id: str, **kwargs: Any) -> Any: ...
    def create_dataset(self, dataset: Any, exists_ok: bool = False, **kwargs: Any) -> Any: ...
    def create_table(self, table: Any, exists_ok: bool = False, **kwargs: Any) -> Any: ...
    def get_table(self, table: Any, **kwargs: Any) -> Any: ...
    def delete_table(self, table: Any, not_found_ok: bool = False, **kwargs: Any) -> None: ...
