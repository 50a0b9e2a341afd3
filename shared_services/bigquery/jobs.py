"""Job and row-iterator objects returned by the embedded DuckDB warehouse.

They mirror the parts of ``google.cloud.bigquery.QueryJob`` / ``LoadJob`` / ``RowIterator``
the project uses. Rows are real ``google.cloud.bigquery.table.Row`` objects (attribute, key
and index access) and ``to_dataframe()`` returns BigQuery's pandas dtypes:

==================  =====================================================
BigQuery type       pandas dtype
==================  =====================================================
INTEGER / INT64     ``Int64``
FLOAT / FLOAT64     ``float64``
NUMERIC/BIGNUMERIC  ``object`` (``decimal.Decimal`` values)
BOOLEAN / BOOL      ``boolean``
DATE                ``dbdate``
TIMESTAMP           ``datetime64[us, UTC]``
DATETIME            ``datetime64[us]``
STRING              ``str`` on pandas >= 3 (``object`` on pandas 2)
JSON                as STRING, holding compact JSON text (rows hold parsed values)
BYTES, TIME         ``object``
INTERVAL            ``object`` holding ``pandas.DateOffset`` values (rows hold
                    ``dateutil.relativedelta.relativedelta``), as the BigQuery client's do
REPEATED            ``object`` holding numpy arrays
RECORD              ``object`` holding dicts
==================  =====================================================

Example::

    job = client.query('SELECT 1 AS x')
    rows = job.result()
    [r.x for r in rows], rows.total_rows, job.to_dataframe().dtypes['x']   # [1], 1, Int64
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from dateutil.relativedelta import relativedelta
from db_dtypes import DateArray  # also registers the "dbdate" pandas dtype
from google.api_core import exceptions as gexc
from google.cloud.bigquery import SchemaField, TableReference
from google.cloud.bigquery.table import Row

from shared_services.bigquery.json_encoding import first_keys

__all__ = [
    "EmbeddedLoadJob",
    "EmbeddedQueryJob",
    "EmbeddedRowIterator",
    "check_count",
    "rows_to_dataframe",
    "schema_from_duckdb_description",
    "convert_duckdb_rows",
    "convert_duckdb_value",
    "fetch_duckdb_rows",
    "interval_value",
]


# --------------------------------------------------------------------------------------
# DuckDB result types -> BigQuery schema
# --------------------------------------------------------------------------------------
_DUCK_ID_TO_BQ = {
    "bigint": "INTEGER",
    "integer": "INTEGER",
    "smallint": "INTEGER",
    "tinyint": "INTEGER",
    "hugeint": "INTEGER",
    "ubigint": "INTEGER",
    "uinteger": "INTEGER",
    "usmallint": "INTEGER",
    "utinyint": "INTEGER",
    "uhugeint": "INTEGER",
    "double": "FLOAT",
    "float": "FLOAT",
    "decimal": "NUMERIC",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp with time zone": "TIMESTAMP",
    "timestamp": "DATETIME",
    "timestamp_s": "DATETIME",
    "timestamp_ms": "DATETIME",
    "timestamp_ns": "DATETIME",
    "time": "TIME",
    "blob": "BYTES",
    "varchar": "STRING",
    "uuid": "STRING",
    # Datetime subtraction and interval literals (operators, "Datetime subtraction":
    # "Return Data Type INTERVAL"); the rows hold what the BigQuery client parses an
    # INTERVAL into, a ``dateutil.relativedelta.relativedelta`` (see fetch_duckdb_rows).
    "interval": "INTERVAL",
}


def _duck_type_to_field(name: str, duck_type: Any, mode: str = "NULLABLE") -> SchemaField:
    type_id = getattr(duck_type, "id", str(duck_type).lower())
    if str(duck_type).upper() == "JSON":
        return SchemaField(name, "JSON", mode=mode)
    if type_id in ("list", "array"):
        child = duck_type.child
        inner = _duck_type_to_field(name, child)
        return SchemaField(name, inner.field_type, mode="REPEATED", fields=inner.fields)
    if type_id == "struct":
        fields = [_duck_type_to_field(n, t) for n, t in duck_type.children]
        return SchemaField(name, "RECORD", mode=mode, fields=fields)
    return SchemaField(name, _DUCK_ID_TO_BQ.get(type_id, "STRING"), mode=mode)


def schema_from_duckdb_description(description: Sequence[Sequence[Any]] | None) -> list[SchemaField]:
    """BigQuery schema (legacy type names, as the REST API reports) of a DuckDB result.

    Example::

        cur = con.execute('SELECT 1::BIGINT AS x')
        schema_from_duckdb_description(cur.description)  # [SchemaField('x', 'INTEGER', ...)]
    """
    return [_duck_type_to_field(d[0], d[1]) for d in (description or [])]


def convert_duckdb_value(value: Any, field: SchemaField) -> Any:
    """Convert a DuckDB Python value into what the BigQuery client would return.

    TIMESTAMP -> ``datetime`` in ``timezone.utc``, JSON -> parsed value, lists / dicts
    converted element-wise.

    Example::

        convert_duckdb_value('{"a": 1}', SchemaField('j', 'JSON'))  # {'a': 1}
    """
    if value is None:
        return [] if field.mode == "REPEATED" else None
    if field.mode == "REPEATED":
        scalar = SchemaField(field.name, field.field_type, fields=field.fields)
        return [convert_duckdb_value(v, scalar) for v in _no_null_element(value, field)]
    ftype = field.field_type
    if ftype == "JSON":
        return _json_value(value)
    if ftype == "TIMESTAMP" and isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
    if ftype == "RECORD" and isinstance(value, dict):
        subs = {f.name: f for f in field.fields}
        return {k: (convert_duckdb_value(v, subs[k]) if k in subs else v) for k, v in value.items()}
    return value


def _no_null_element(value: Any, field: SchemaField) -> Any:
    """``value``, an ARRAY of a result, checked for a NULL element: "GoogleSQL for BigQuery
    raises an error if the query result has an array which contains NULL elements, although
    such an array can be used inside the query" (data types, "NULLs and the array type");
    DuckDB returned ``[1, None]``."""
    if None in value:
        raise gexc.BadRequest(f"Array cannot have a null element; error in writing field {field.name}")
    return value


#: Scalar types whose DuckDB Python value is already what the BigQuery client returns.
_AS_IS_TYPES = frozenset({"STRING", "INTEGER", "INT64", "FLOAT", "FLOAT64", "BOOLEAN", "BOOL",
                          "DATE", "NUMERIC", "BIGNUMERIC", "BYTES", "TIME", "DATETIME",
                          "INTERVAL"})  # (fetch_duckdb_rows reads an INTERVAL as a relativedelta)


def _timestamp_utc(value: Any) -> Any:
    if value is None or not isinstance(value, dt.datetime):
        return value
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _json_value(value: Any) -> Any:
    """A JSON value's Python form, an object keeping the FIRST of duplicate keys (data types,
    "JSON type": "If an object has duplicate keys, the first key that's found is preserved";
    json.loads kept the last, so ``JSON '{"a": 1, "a": 2}'`` read back as ``{'a': 2}``)."""
    return json.loads(value, object_pairs_hook=first_keys) if isinstance(value, str | bytes) else value


def _converter(field: SchemaField) -> Callable[[Any], Any]:
    """``lambda value: convert_duckdb_value(value, field)``, with the field's type looked up once.

    The common column types get a direct function (the same results: a TIMESTAMP in UTC, JSON
    parsed, a REPEATED column of plain values as a new list, ``[]`` for NULL); anything else
    (RECORD, arrays of them) goes through :func:`convert_duckdb_value` itself.
    """
    ftype = str(field.field_type).upper()
    if field.mode == "REPEATED":
        if ftype in _AS_IS_TYPES:
            return lambda value: [] if value is None else _no_null_element(list(value), field)
        if ftype in ("TIMESTAMP", "JSON"):
            element = _timestamp_utc if ftype == "TIMESTAMP" else _json_value
            return lambda value: [] if value is None else [element(v) for v in _no_null_element(value, field)]
    elif ftype == "TIMESTAMP":
        return _timestamp_utc
    elif ftype == "JSON":
        return _json_value
    return lambda value: convert_duckdb_value(value, field)


def interval_value(value: Any) -> relativedelta | None:
    """An INTERVAL as the BigQuery client returns it: a ``relativedelta`` (its
    ``interval_to_py`` parses the canonical text ``Y-M D H:M:S.F`` into one), from DuckDB's
    Arrow ``MonthDayNano`` (months, days and nanoseconds kept apart, as BigQuery keeps them).

    Example::

        interval_value(pa.MonthDayNano([14, 2, 3_600_000_000_000]))  # relativedelta(years=+1, months=+2, days=+2, hours=+1)
    """
    if value is None:
        return None
    months, days, nanoseconds = value
    return relativedelta(months=months, days=days, microseconds=int(nanoseconds / 1000))


def fetch_duckdb_rows(cursor: Any, schema: Sequence[SchemaField]) -> list[tuple[Any, ...]]:
    """The result rows of an executed DuckDB cursor, as :func:`convert_duckdb_rows` gives them.

    DuckDB's Python rows hold an INTERVAL as a ``timedelta`` that counts a month as 30 days
    (``INTERVAL 1 YEAR`` came back as 360 days); a result with an INTERVAL column is read
    through Arrow instead, whose ``month_day_nano_interval`` keeps months, days and time
    apart, so the rows hold the same ``relativedelta`` the BigQuery client parses from the
    canonical text. Every other column of such a result is read from Arrow too, with DuckDB's
    own Python types where Arrow's differ (a HUGEINT is an ``int``, not a ``Decimal``).

    Example::

        cur = con.execute("SELECT INTERVAL 1 YEAR AS i")
        fetch_duckdb_rows(cur, schema_from_duckdb_description(cur.description))  # [(relativedelta(years=+1),)]
    """
    description = cursor.description or []
    kinds = [d[1].id for d in description]
    rows = _arrow_rows(cursor, kinds) if "interval" in kinds else cursor.fetchall()
    for index, kind in enumerate(kinds):
        if kind in _WIDE_INTEGERS and rows:
            _check_int64(rows, index, description[index][0])
    return convert_duckdb_rows(rows, schema)


#: DuckDB's integers wider than INT64: its ``SUM`` of an INT64 column is a HUGEINT.
_WIDE_INTEGERS = ("hugeint", "uhugeint")
_INT64_RANGE = (-(2**63), 2**63 - 1)


def _check_int64(rows: Sequence[tuple[Any, ...]], index: int, name: str) -> None:
    """BigQuery's ``SUM`` of INT64 is an INT64 and "Returns an error if an overflow occurs"
    (aggregate functions, "SUM"); DuckDB sums into a 128-bit HUGEINT and returned the larger
    number. A value of such a column outside INT64 is BigQuery's error."""
    values = [row[index] for row in rows if row[index] is not None]
    if values and (min(values) < _INT64_RANGE[0] or max(values) > _INT64_RANGE[1]):
        raise gexc.BadRequest(f"Int64 overflow: column {name} holds {max(values, key=abs)}, outside INT64 "
                              "(BigQuery's SUM of INT64 values is an INT64 and raises on overflow)")


def _arrow_rows(cursor: Any, kinds: Sequence[str]) -> list[tuple[Any, ...]]:
    """The rows of a result read through Arrow (see :func:`fetch_duckdb_rows`)."""
    with warnings.catch_warnings():
        # DuckDB warns that Arrow output of a DB-API result copies the rows: it does, once.
        warnings.simplefilter("ignore", UserWarning)
        table = cursor.to_arrow_table()
    columns: list[list[Any]] = []
    for column, kind in zip(table.columns, kinds, strict=True):
        values = column.to_pylist()
        if kind == "interval":
            values = [interval_value(v) for v in values]
        elif kind in _WIDE_INTEGERS:
            values = [None if v is None else int(v) for v in values]
        columns.append(values)
    return list(zip(*columns, strict=True))


def convert_duckdb_rows(rows: list[tuple[Any, ...]], schema: Sequence[SchemaField]) -> list[tuple[Any, ...]]:
    """:func:`convert_duckdb_value` over whole result rows, touching only the columns that
    need it (TIMESTAMP, JSON, REPEATED, RECORD); rows of plain columns are returned as they
    came from DuckDB, with no per-cell Python at all.

    Example::

        convert_duckdb_rows([('a', 1)], [SchemaField('s', 'STRING'), SchemaField('n', 'INTEGER')])
    """
    todo = [
        (i, _converter(f)) for i, f in enumerate(schema)
        if f.mode == "REPEATED" or str(f.field_type).upper() not in _AS_IS_TYPES
    ]
    if not todo or not rows:
        return rows
    if len(todo) == len(schema):
        converters = [c for _, c in todo]
        return [tuple(c(v) for c, v in zip(converters, r, strict=True)) for r in rows]
    # Column by column: convert each column that needs it, then put the rows back together.
    columns = list(zip(*rows, strict=True))
    for i, convert in todo:
        columns[i] = tuple(map(convert, columns[i]))
    return list(zip(*columns, strict=True))


# --------------------------------------------------------------------------------------
# DataFrames with BigQuery's dtypes
# --------------------------------------------------------------------------------------
# pandas >= 3 infers the 'str' dtype for Arrow strings, which is what the BigQuery client
# returns there; pandas 2 gives object.
_STRING_DTYPE: Any = "str" if int(pd.__version__.split(".")[0]) >= 3 else "object"


#: Dates db_dtypes stores (as datetime64[ns]) without going out of bounds, with a margin.
_FAST_DATE_RANGE = (dt.date(1678, 1, 1), dt.date(2262, 1, 1))


def _date_series(values: list[Any]) -> pd.Series:
    """``pd.Series(values, dtype='dbdate')``, vectorised for plain dates (what DuckDB returns).

    db_dtypes converts each value through a ``pandas.Timestamp`` (the largest cost of a
    result's DataFrame); dates and None in the nanosecond range take one numpy conversion to
    the same datetime64[ns] storage instead. Anything else (strings, datetimes, far dates)
    goes through db_dtypes itself.
    """
    low, high = _FAST_DATE_RANGE
    if all(v is None or (type(v) is dt.date and low <= v <= high) for v in values):
        days = np.array([np.datetime64("NaT") if v is None else v for v in values], dtype="datetime64[D]")
        return pd.Series(DateArray(days.astype("datetime64[ns]")))
    return pd.Series(values, dtype="dbdate")


def _series(values: list[Any], field: SchemaField) -> pd.Series:
    if field.mode == "REPEATED":
        # Like the BigQuery client (via Arrow): an object column of numpy arrays.
        if not values:
            return pd.Series([], dtype="object")
        return pd.Series(pa.array(values).to_pandas(), dtype="object")
    ftype = field.field_type.upper()
    if ftype in ("INTEGER", "INT64"):
        return pd.Series(values, dtype="Int64")
    if ftype in ("FLOAT", "FLOAT64"):
        return pd.Series([float("nan") if v is None else v for v in values], dtype="float64")
    if ftype in ("BOOLEAN", "BOOL"):
        return pd.Series(values, dtype="boolean")
    if ftype == "DATE":
        return _date_series(values)
    if ftype == "TIMESTAMP":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype="object"), utc=True)).astype(
            "datetime64[us, UTC]"
        )
    if ftype == "DATETIME":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype="object"))).astype("datetime64[us]")
    if ftype == "JSON":
        # The BigQuery client's DataFrame holds JSON as (compact) JSON text, rows hold parsed values.
        text = [None if v is None else json.dumps(v, separators=(",", ":")) for v in values]
        return pd.Series(text, dtype=_STRING_DTYPE)
    if ftype == "STRING":
        return pd.Series(values, dtype=_STRING_DTYPE)
    if ftype == "INTERVAL":
        # The BigQuery client's DataFrame goes through Arrow's month_day_nano_interval, which
        # pandas holds as DateOffset objects (months, days, nanoseconds).
        return pd.Series(pa.array(values, type=pa.month_day_nano_interval()).to_pandas(), dtype="object")
    return pd.Series(values, dtype="object")


def rows_to_dataframe(rows: Sequence[Row], schema: Sequence[SchemaField]) -> pd.DataFrame:
    """Build a DataFrame with BigQuery's dtypes (see the module docstring); empty keeps dtypes.

    Example::

        df = rows_to_dataframe(list(job.result()), job.schema)
    """
    return _frame([[row[index] for row in rows] for index in range(len(schema))], schema, len(rows))


def _frame(columns: Sequence[list[Any]], schema: Sequence[SchemaField], count: int) -> pd.DataFrame:
    data: dict[str, pd.Series] = {}
    for values, field in zip(columns, schema, strict=True):
        data[field.name] = _series(values, field)
    return pd.DataFrame(data, index=pd.RangeIndex(count))


def check_count(name: str, value: object) -> None:
    """``ValueError`` unless ``value`` is None or a non-negative int (a row or page count such
    as ``max_results``; a bool or a string is not one).

    Example::

        check_count('max_results', 10)    # fine
        check_count('max_results', '10')  # ValueError: max_results must be a non-negative integer ...
    """
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


def _check_result_arguments(job: str, args: tuple[Any, ...], kwargs: Mapping[str, Any], positional: tuple[str, ...],
                            keyword_only: tuple[str, ...], takes: str) -> None:
    """``TypeError`` for an argument ``<job>.result`` of BigQuery's client does not take beyond
    those the embedded job reads itself: ``positional`` may come by position (after any the
    method names), they and ``keyword_only`` by keyword (a misspelt ``max_result`` fails there)."""
    unknown = sorted(set(kwargs) - {*positional, *keyword_only})
    if unknown or len(args) > len(positional):
        raise TypeError(f"result() got unexpected argument(s) {unknown or list(args[len(positional):])}: {job}.result "
                        f"takes {takes}")


#: ``to_dataframe`` arguments that only choose how BigQuery's client downloads the rows.
_DOWNLOAD_ARGUMENTS = frozenset({"bqstorage_client", "create_bqstorage_client", "progress_bar_type"})


def _check_frame_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """``ValueError`` naming a ``to_dataframe`` argument that would change the frame (the
    embedded warehouse gives BigQuery's default dtypes only); positional arguments are the
    download choices (``bqstorage_client``, ``dtypes``, ...): only a None ``dtypes`` passes."""
    changing = sorted(name for name, value in kwargs.items()
                      if name not in _DOWNLOAD_ARGUMENTS and value is not None and value is not False)
    if len(args) > 1 and args[1] is not None:
        changing.append("dtypes")
    if changing or len(args) > 4:
        raise ValueError(f"to_dataframe({', '.join(changing) or 'more positional arguments'}=...): not supported by "
                         "the embedded warehouse, which gives BigQuery's default dtypes; convert the frame afterwards "
                         "(frame.astype(...))")


class EmbeddedRowIterator:
    """The rows of a finished query (what ``QueryJob.result()`` returns).

    Example::

        rows = client.query('SELECT 1 AS x').result()
        assert rows.total_rows == 1 and next(iter(rows))['x'] == 1
    """

    def __init__(self, rows: list[Row], schema: list[SchemaField], job_id: str | None = None,
                 values: list[tuple[Any, ...]] | None = None):
        self._rows = rows
        #: The rows' values as tuples (what the rows wrap), when the job kept them.
        self._values = values
        self.schema = schema
        self.job_id = job_id
        self.total_rows: int | None = len(rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self._rows)

    def to_dataframe(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        """The rows as a DataFrame with BigQuery's dtypes.

        Arguments that only choose how BigQuery's client downloads (``bqstorage_client``,
        ``create_bqstorage_client``, ``progress_bar_type``) are taken; one that would change
        the frame (``dtypes``, ``int_dtype``, ``date_dtype``, ...) is a ``ValueError`` naming it
        rather than ignored. Example: ``client.query('SELECT 1 AS x').result().to_dataframe()``.
        """
        _check_frame_arguments(args, kwargs)
        if self._values is not None and len(self._values) == len(self._rows):
            count = len(self._values)
            columns = [list(c) for c in zip(*self._values, strict=True)] if count else [[] for _ in self.schema]
            return _frame(columns, self.schema, count)
        return rows_to_dataframe(self._rows, self.schema)

    def __repr__(self) -> str:
        return f"EmbeddedRowIterator(total_rows={self.total_rows}, job_id={self.job_id!r})"


class _EmbeddedJob:
    job_type = "unknown"

    def __init__(self, job_id: str, project: str, location: str | None, created: dt.datetime):
        self.job_id = job_id
        self.project = project
        self.location = location
        self.created = created
        self.started = created
        self.ended = created
        self.state = "DONE"
        self.errors: list[dict[str, Any]] | None = None
        self.error_result: dict[str, Any] | None = None
        self._exception: Exception | None = None

    def set_failed(self, error: Exception, reason: str) -> None:
        """Mark the job failed with ``error`` (``errors`` / ``error_result`` as BigQuery fills them)."""
        message = getattr(error, "message", None) or str(error)
        self._exception = error
        self.error_result = {"reason": reason, "message": message}
        self.errors = [dict(self.error_result)]

    def done(self, *args: Any, **kwargs: Any) -> bool:
        """Always ``True``: embedded jobs run synchronously."""
        return True

    def running(self) -> bool:
        """Always ``False``."""
        return False

    def exception(self, *args: Any, **kwargs: Any) -> Exception | None:
        """The error of a failed job (as fetched with ``get_job``), else ``None``."""
        return self._exception

    def __repr__(self) -> str:
        return f"{type(self).__name__}(job_id={self.job_id!r}, state={self.state!r})"


class EmbeddedQueryJob(_EmbeddedJob):
    """A finished query job.

    ``num_dml_affected_rows`` is set for INSERT / UPDATE / DELETE / MERGE, ``None`` otherwise.
    A job fetched with ``get_job`` from another client has no rows in memory: its
    ``result()`` raises ``NotFound`` for a SELECT.

    Example::

        job = client.query("UPDATE ds.t SET v = 1 WHERE id = @id", job_config=cfg)
        job.result(); job.num_dml_affected_rows
    """

    job_type = "query"
    #: ``True`` on the job of a ``QueryJobConfig(dry_run=True)`` (validated, nothing run or recorded).
    dry_run = False

    def __init__(
        self,
        job_id: str,
        project: str,
        location: str | None,
        created: dt.datetime,
        query: str,
        statement_type: str,
        rows: list[Row] | None,
        schema: list[SchemaField],
        num_dml_affected_rows: int | None = None,
        values: list[tuple[Any, ...]] | None = None,
    ):
        super().__init__(job_id, project, location, created)
        self.query = query
        self.statement_type = statement_type
        self._rows = rows
        #: ``rows`` as plain tuples (the same values), for ``to_dataframe()`` without per-cell lookups.
        self._values = values
        self.schema = schema
        self.num_dml_affected_rows = num_dml_affected_rows
        self.destination = None
        #: True for a job returned by ``query(..., job_config=QueryJobConfig(dry_run=True))``.
        self.dry_run = False
        self.total_bytes_processed = 0
        self.total_bytes_billed = 0
        self.cache_hit = False

    def result(self, page_size: int | None = None, max_results: int | None = None, *args: Any,
               start_index: int | None = None, **kwargs: Any) -> EmbeddedRowIterator:
        """The rows (empty for DML / DDL); a failed job raises its error, as on BigQuery.

        ``max_results`` and ``start_index`` select rows as ``QueryJob.result`` does
        (``total_rows`` is still the whole result's count); ``page_size`` only pages there, and
        every row is in memory here. Retry and timeout arguments are taken (the job is done).

        Example::

            job = client.query('SELECT x FROM UNNEST([1, 2, 3]) AS x ORDER BY x')
            [row.x for row in job.result(max_results=2)]   # [1, 2]
        """
        # QueryJob.result(page_size, max_results, retry, timeout, start_index, job_retry)
        _check_result_arguments("QueryJob", args, kwargs, ("retry", "timeout"), ("job_retry",),
                                "page_size, max_results, retry, timeout, start_index, job_retry")
        if self._exception is not None:
            raise self._exception
        if self._rows is None:
            from google.api_core.exceptions import NotFound

            raise NotFound(
                f"Not found: results of job {self.project}:{self.job_id} are not available "
                "in this process (the embedded warehouse keeps query results in memory only)"
            )
        for name, value in (("page_size", page_size), ("max_results", max_results), ("start_index", start_index)):
            check_count(name, value)
        if max_results is None and not start_index:
            return EmbeddedRowIterator(self._rows, self.schema, self.job_id, self._values)
        start = start_index or 0
        stop = None if max_results is None else start + max_results
        values = None if self._values is None else self._values[start:stop]
        rows = EmbeddedRowIterator(self._rows[start:stop], self.schema, self.job_id, values)
        rows.total_rows = len(self._rows)
        return rows

    def __iter__(self) -> Iterator[Row]:
        """Iterate the rows, as ``google.cloud.bigquery.QueryJob`` does."""
        return iter(self.result())

    def to_dataframe(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        """``self.result().to_dataframe()``; ``max_results`` limits the rows, as on
        ``QueryJob.to_dataframe`` (other arguments as :meth:`EmbeddedRowIterator.to_dataframe`)."""
        max_results = kwargs.pop("max_results", None)
        _check_frame_arguments(args, kwargs)
        return self.result(max_results=max_results).to_dataframe()


class EmbeddedLoadJob(_EmbeddedJob):
    """A finished load job; ``result()`` returns the job itself.

    Example::

        job = client.load_table_from_json(rows, 'ds.t', job_config=cfg, job_id='load_1')
        job.result().output_rows
    """

    job_type = "load"

    def __init__(
        self,
        job_id: str,
        project: str,
        location: str | None,
        created: dt.datetime,
        destination: TableReference,
        output_rows: int,
        write_disposition: str | None = None,
        source_format: str | None = None,
    ):
        super().__init__(job_id, project, location, created)
        self.destination = destination
        self.output_rows: int | None = output_rows
        self.write_disposition = write_disposition
        self.source_format = source_format

    def result(self, *args: Any, **kwargs: Any) -> EmbeddedLoadJob:
        """The job itself (it is already done); a failed job raises its error. Takes what
        ``LoadJob.result`` takes (``retry``, ``timeout``); anything else is a ``TypeError``."""
        _check_result_arguments("LoadJob", args, kwargs, ("retry", "timeout"), (), "retry, timeout")
        if self._exception is not None:
            raise self._exception
        return self
