"""Make rows JSON-safe for ``load_table_from_json``, checked against an explicit schema.

``json.dumps`` inside the BigQuery client rejects ``date``, ``datetime``, ``Decimal``, numpy
scalars, ``pd.Timestamp``, ``NaT`` and ``pd.NA``, and writes ``NaN`` as an invalid token.
:func:`json_safe_row` converts every value a processor is likely to pass into the plain JSON
type its column expects, and raises :class:`RowSerializationError` (a ``ValueError``) naming
the field and the value when that is impossible.

Example::

    >>> from datetime import date
    >>> from google.cloud.bigquery import SchemaField
    >>> schema = [SchemaField('game_date', 'DATE'), SchemaField('score', 'FLOAT64')]
    >>> json_safe_row({'game_date': date(2025, 1, 15), 'score': float('nan')}, schema)
    {'game_date': '2025-01-15', 'score': None}
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from google.cloud.bigquery import SchemaField

from shared_services.quality.nulls import is_placeholder_string

__all__ = [
    "JsonRows",
    "RowConverter",
    "RowSerializationError",
    "json_safe_value",
    "json_safe_row",
    "json_safe_rows",
    "json_safe_batch",
    "to_utc_iso",
    "is_missing",
]

_STRING = {"STRING"}
_INT = {"INT64", "INTEGER"}
_FLOAT = {"FLOAT64", "FLOAT"}
_NUMERIC = {"NUMERIC", "BIGNUMERIC"}
_BOOL = {"BOOL", "BOOLEAN"}
_TIMESTAMP = {"TIMESTAMP"}
_DATETIME = {"DATETIME"}
_DATE = {"DATE"}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: A timestamp as text ("Canonical format" of TIMESTAMP in BigQuery's data types reference,
#: https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#timestamp_type).
_TIMESTAMP_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?)?"
    r" ?(?:[Zz]|UTC|[+-][0-9]{1,2}(?::?[0-9]{2})?)?"
)
_JSON = {"JSON"}
_RECORD = {"RECORD", "STRUCT"}


class RowSerializationError(ValueError):
    """A value cannot be converted to the JSON type its column needs (a data error)."""


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and ``pd.NA`` (the values that load as NULL).

    Example::

        >>> is_missing(float('nan')), is_missing(pd.NaT), is_missing(0)
        (True, True, False)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def to_utc_iso(value: Any) -> str:
    """A timestamp as an ISO-8601 UTC string; naive values are taken to be UTC.

    Example::

        >>> to_utc_iso(datetime(2025, 1, 15, 3, 0))
        '2025-01-15T03:00:00.000000+00:00'
    """
    if type(value) is datetime and 1678 <= value.year <= 2261:
        return _utc_datetime_iso(value)  # same text, without the pandas round trip
    if isinstance(value, str):
        # Date-and-time text only, as BigQuery reads it (canonical timestamp format): pandas
        # alone also reads 'now', 'today', 'Jan 15 2025' and '15/01/2025'.
        if not _TIMESTAMP_TEXT.fullmatch(value.strip()):
            raise ValueError(f"{value!r} is not a timestamp; expected YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|+HH:MM]")
        parsed = pd.Timestamp(value)
    elif isinstance(value, pd.Timestamp | datetime | np.datetime64):
        parsed = pd.Timestamp(value)
    elif isinstance(value, date):
        parsed = pd.Timestamp(datetime.combine(value, time()))
    else:
        raise TypeError(f"cannot read {value!r} ({type(value).__name__}) as a timestamp")
    if parsed is pd.NaT:
        raise TypeError("NaT is not a timestamp")
    parsed = parsed.tz_localize(UTC) if parsed.tzinfo is None else parsed.tz_convert(UTC)
    return parsed.to_pydatetime().isoformat(timespec="microseconds")


def _plain(value: Any) -> Any:
    """Unwrap numpy / pandas scalars into Python ones."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def json_safe_value(value: Any) -> Any:
    """Convert any value into something ``json.dumps`` accepts, with no schema.

    Used for JSON columns and free-form details. Dates become ISO strings, Decimals floats
    (or strings when not finite), NaN/NaT/NA ``None``; containers are converted recursively.

    Example::

        >>> json_safe_value({'d': date(2025, 1, 1), 'n': np.int64(3), 'x': [Decimal('1.5')]})
        {'d': '2025-01-01', 'n': 3, 'x': [1.5]}
    """
    kind = type(value)
    # Exact plain types first (what metadata dicts mostly hold): the same results as below.
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is dict:
        return {k if type(k) is str else str(k): json_safe_value(v) for k, v in value.items()}
    if kind is list:
        return [json_safe_value(v) for v in value]
    if is_missing(value):
        return None
    value = _plain(value)
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, pd.Timestamp | datetime):
        return to_utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe_value(v) for k, v in value.items()}
    if isinstance(value, np.ndarray | list | tuple | set | frozenset | pd.Series):
        return [json_safe_value(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return value.value
    return str(value)


def _convert(value: Any, field: SchemaField, where: str) -> Any:
    field_type = field.field_type.upper()
    if is_missing(value):
        return None
    value = _plain(value)
    if _scored_as_null(value, field_type):
        # SCORING.md rule 4: what the scorer counts as null is written as NULL, never as a
        # number (+-inf in any column; 'N/A', '', '-', ... in a numeric column).
        return None
    try:
        if field_type in _STRING:
            if isinstance(value, str):
                return value
            if isinstance(value, Mapping | list | tuple):
                return json.dumps(json_safe_value(value), sort_keys=True)
            if isinstance(value, pd.Timestamp | datetime):
                return to_utc_iso(value)
            if isinstance(value, date):
                return value.isoformat()
            return str(value)
        if field_type in _INT:
            if isinstance(value, bool):
                raise TypeError("a bool is not an integer")
            if isinstance(value, int):
                return value
            if isinstance(value, float | Decimal) and float(value).is_integer():
                return int(value)
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                return int(value)
            raise TypeError("not an integer")
        if field_type in _FLOAT:
            if isinstance(value, bool):
                raise TypeError("a bool is not a number")
            number = float(value)
            return number if math.isfinite(number) else None
        if field_type in _NUMERIC:
            if isinstance(value, bool):
                raise TypeError("a bool is not a number")
            decimal = Decimal(str(value))
            return str(decimal) if decimal.is_finite() else None
        if field_type in _BOOL:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            raise TypeError("not a boolean")
        if field_type in _TIMESTAMP:
            return to_utc_iso(value)
        if field_type in _DATETIME:
            stamp = pd.Timestamp(value)
            if stamp.tzinfo is not None:
                stamp = stamp.tz_convert(UTC).tz_localize(None)
            return stamp.to_pydatetime().isoformat(timespec="microseconds")
        if field_type in _DATE:
            if isinstance(value, pd.Timestamp | datetime):
                return value.date().isoformat()
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, str):
                # 'YYYY-MM-DD' only, as everywhere else in the library: Python 3.11's
                # fromisoformat also reads '20250115' and '2025-W03-3', which BigQuery refuses.
                if not _ISO_DATE.fullmatch(value):
                    raise ValueError("expected YYYY-MM-DD")
                return date.fromisoformat(value).isoformat()
            raise TypeError("not a date")
        if field_type in _JSON:
            return json_safe_value(value)
        if field_type in _RECORD:
            if not isinstance(value, Mapping):
                raise TypeError("a RECORD needs a mapping")
            return json_safe_row(value, list(field.fields), where=where)
    except RowSerializationError:
        raise
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise RowSerializationError(
            f"{where}field {field.name!r} ({field_type}): cannot store {value!r}: {exc}"
        ) from None
    raise RowSerializationError(f"{where}field {field.name!r} has unsupported type {field_type}")


def _scored_as_null(value: Any, field_type: str) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Decimal):
        return not value.is_finite()
    if isinstance(value, str) and field_type in _INT | _FLOAT | _NUMERIC:
        return is_placeholder_string(value)
    return False


def _utc_datetime_iso(value: datetime) -> str:
    """:func:`to_utc_iso` for a plain ``datetime`` without the pandas round trip."""
    if not 1678 <= value.year <= 2261:  # outside pandas' range: _convert reports it, unchanged
        raise ValueError("out of the pandas timestamp range")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


# Per type: values of these exact Python types are already what the column stores (the fast
# path of a compiled plan). Everything else goes through ``_convert`` (the full rules).
_PASS_THROUGH: dict[str, frozenset[type]] = {
    **{t: frozenset({str}) for t in _STRING},
    **{t: frozenset({int}) for t in _INT},
    **{t: frozenset({bool}) for t in _BOOL},
    **{t: frozenset({str, int, bool}) for t in _JSON},
}
# Per type: exact Python type -> a converter equal to ``_convert`` for values of that type.
_SPECIAL: dict[str, dict[type, Any]] = {
    **{t: {float: _finite_or_none} for t in _FLOAT},
    **{t: {datetime: _utc_datetime_iso} for t in _TIMESTAMP},
    **{t: {date: date.isoformat, datetime: lambda v: v.date().isoformat()} for t in _DATE},
    **{t: {datetime: _utc_datetime_iso, date: date.isoformat} for t in _STRING},
}


class _Plan:
    """One schema compiled once: names, modes and per-field fast converters, so converting a
    row never reads a ``SchemaField`` property (their getters dominated the per-row cost)."""

    __slots__ = ("fields", "names", "schema")

    def __init__(self, schema: Sequence[SchemaField]) -> None:
        self.schema = list(schema)  # held: the cache key is the fields' ids
        self.fields = []
        for field in self.schema:
            field_type = field.field_type.upper()
            self.fields.append((
                field.name, field, field.mode == "REPEATED", field.mode == "REQUIRED",
                _PASS_THROUGH.get(field_type, frozenset()), _SPECIAL.get(field_type, {}),
            ))
        self.names = frozenset(f.name for f in self.schema)


_PLANS: dict[tuple[int, ...], _Plan] = {}
_PLANS_MAX = 64


def _plan(schema: Sequence[SchemaField]) -> _Plan:
    key = tuple(map(id, schema))
    plan = _PLANS.get(key)
    if plan is None:
        if len(_PLANS) >= _PLANS_MAX:
            _PLANS.clear()
        plan = _PLANS[key] = _Plan(schema)
    return plan


def json_safe_row(
    row: Mapping[str, Any], schema: Sequence[SchemaField], *, where: str = ""
) -> dict[str, Any]:
    """Convert one row to the JSON types of ``schema``; unknown fields are an error.

    REQUIRED fields must be present and not null; REPEATED fields take any sequence (a
    missing one becomes ``[]``, as BigQuery stores it). The schema is compiled once (cached
    by the identity of its fields); plain values (a ``str`` for STRING, an aware
    ``datetime`` for TIMESTAMP, ...) take a fast path with the same result.

    Example::

        >>> json_safe_row({'n': np.int64(2)}, [SchemaField('n', 'INT64')])
        {'n': 2}
    """
    plan = _plan(schema)
    if not row.keys() <= plan.names:
        unknown = [name for name in row if name not in plan.names]
        raise RowSerializationError(
            f"{where}unknown field(s) {sorted(unknown)} not in the table schema"
        )
    out: dict[str, Any] = {}
    for entry in plan.fields:
        name = entry[0]
        present = name in row
        converted = _convert_entry(entry, row.get(name), where)
        if converted is not None or present or entry[2]:
            out[name] = converted
    return out


def _convert_entry(entry: tuple[Any, ...], value: Any, where: str) -> Any:
    """One field of a compiled plan: the JSON value it stores (``[]`` for a missing REPEATED)."""
    name, field, repeated, required, passing, special = entry
    kind = type(value)
    if repeated:
        if kind is list and all(type(item) in passing for item in value):
            return list(value)
        is_sequence = isinstance(value, list | tuple | np.ndarray | pd.Series)
        if not is_sequence and is_missing(value):
            return []
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise RowSerializationError(
                f"{where}field {name!r} is REPEATED and needs a list, got {type(value).__name__}"
            )
        items = [_convert(item, field, where) for item in value]
        if any(item is None for item in items):
            raise RowSerializationError(f"{where}field {name!r}: a REPEATED field cannot hold NULL")
        return items
    if value is None:
        converted = None
    elif kind in passing:
        return value
    elif kind in special:
        try:
            converted = special[kind](value)
        except (TypeError, ValueError, ArithmeticError):
            converted = _convert(value, field, where)  # raises with the field's name
    else:
        converted = _convert(value, field, where)
    if converted is None and required:
        raise RowSerializationError(f"{where}field {name!r} is REQUIRED but is missing or null")
    return converted


class RowConverter:
    """Per-field conversion for one schema, compiled once: ``convert(name, value)`` is what
    :func:`json_safe_row` stores for that field (same errors).

    Example::

        >>> RowConverter([SchemaField('d', 'DATE')]).convert('d', date(2025, 1, 2))
        '2025-01-02'
    """

    def __init__(self, schema: Sequence[SchemaField]) -> None:
        self._entries = {entry[0]: entry for entry in _plan(schema).fields}

    def convert(self, name: str, value: Any, where: str = "") -> Any:
        """The JSON-safe value of field ``name`` (``KeyError`` for a field not in the schema)."""
        return _convert_entry(self._entries[name], value, where)


def json_safe_rows(rows: Iterable[Mapping[str, Any]], schema: Sequence[SchemaField]) -> list[dict[str, Any]]:
    """Convert many rows; the error names the row index.

    Example::

        >>> json_safe_rows([{'n': 1}, {'n': '2'}], [SchemaField('n', 'INT64')])
        [{'n': 1}, {'n': 2}]
    """
    return [json_safe_row(row, schema, where=f"row {index}: ") for index, row in enumerate(rows)]


_NONE_TYPE = type(None)


class JsonRows(Sequence[dict[str, Any]]):
    """The rows :func:`json_safe_rows` returns, held column by column (see :func:`json_safe_batch`).

    A read-only ``Sequence`` of row dicts equal to ``json_safe_rows(rows, schema)`` (the same
    keys in the same order, the same values), built on first access; :meth:`to_columns`
    hands the columns over without building them, so ``DuckDBClient.load_table_from_json``
    loads them column-wise (it is a ``ColumnarRows``). Rows must not be changed in place:
    cells holding equal converted values may share one object.

    Example::

        batch = json_safe_batch([{'n': np.int64(2)}], [SchemaField('n', 'INT64')])
        list(batch) == [{'n': 2}]        # True
        batch.to_columns()               # {'n': [2]}
    """

    __slots__ = ("_names", "_columns", "_count", "_rows")

    def __init__(self, names: Sequence[str], columns: Sequence[list[Any]] | None, count: int,
                 rows: list[dict[str, Any]] | None = None) -> None:
        self._names = tuple(names)
        self._columns = None if columns is None else tuple(columns)
        self._count = count
        self._rows = rows

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]]) -> JsonRows:
        """Rows converted one by one (no columns to hand over: :meth:`to_columns` is None)."""
        return cls((), None, len(rows), rows)

    def _materialised(self) -> list[dict[str, Any]]:
        rows = self._rows
        if rows is None:
            names = self._names
            columns = self._columns or ()
            rows = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)] \
                if names else [{} for _ in range(self._count)]
            self._rows = rows
        return rows

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: Any) -> Any:
        return self._materialised()[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._materialised())

    def __repr__(self) -> str:
        return f"JsonRows({self._count} rows)"

    def to_columns(self) -> dict[str, list[Any]] | None:
        """``{column: values in row order}`` of the columns the rows hold (a column no row
        holds is absent), or None when the rows were converted one by one."""
        if self._columns is None:
            return None
        return dict(zip(self._names, self._columns, strict=True))


def _convert_column(entry: tuple[Any, ...], values: list[Any]) -> list[Any] | None:
    """What :func:`_convert_entry` stores for each of ``values`` (one column), or None when
    any value raises (the per-row path then reports it, naming the row).

    Text is converted once per distinct string (a pure function of the text); a container
    that several rows hold as the same object (a quality column's shared value) once per
    object, its result shared by those rows.
    """
    repeated, required, passing = entry[2], entry[3], entry[4]
    kinds = set(map(type, values))
    if not repeated and (kinds <= passing or (not required and kinds <= passing | {_NONE_TYPE})):
        return values  # already what the column stores (None stays None)
    by_text: dict[str, Any] = {}
    by_object: dict[int, Any] = {}
    out: list[Any] = []
    append = out.append
    try:
        for value in values:
            kind = type(value)
            if kind is str:
                if value not in by_text:
                    by_text[value] = _convert_entry(entry, value, "")
                append(by_text[value])
            elif isinstance(value, dict | list | tuple):
                # ``values`` holds the object for the whole call: its id is not reused.
                key = id(value)
                if key not in by_object:
                    by_object[key] = _convert_entry(entry, value, "")
                append(by_object[key])
            elif kind in passing and not repeated:
                append(value)
            else:
                append(_convert_entry(entry, value, ""))
    except Exception:  # noqa: BLE001 - the per-row path raises it again, naming the row
        return None
    return out


def json_safe_batch(rows: Iterable[Mapping[str, Any]], schema: Sequence[SchemaField]) -> JsonRows:
    """:func:`json_safe_rows`, converted column by column: the same rows, the same errors.

    When every row is a ``dict`` with the same keys (a frame's records), each column is
    converted at once: a column whose values already are what it stores is kept as is,
    and a repeated string or shared container is converted once. Anything else, and any
    value that does not convert, takes :func:`json_safe_rows` itself (which raises the
    error naming the row and field).

    Example::

        rows = json_safe_batch(frame_records(df), schema)
        client.load_table_from_json(rows, 'ds._staging_t', job_config=config)
    """
    rows = rows if isinstance(rows, list) else list(rows)
    batch = _columns_of(rows, schema)
    return batch if batch is not None else JsonRows.from_rows(json_safe_rows(rows, schema))


def _columns_of(rows: list[Any], schema: Sequence[SchemaField]) -> JsonRows | None:
    count = len(rows)
    if not count or set(map(type, rows)) != {dict}:
        return None
    plan = _plan(schema)
    keys = rows[0].keys()
    if not keys <= plan.names or not all(map(keys.__eq__, map(dict.keys, rows))):
        return None  # unknown fields, or rows with different keys: the per-row path decides
    names: list[str] = []
    columns: list[list[Any]] = []
    for entry in plan.fields:
        name = entry[0]
        if name not in keys:
            if entry[3]:  # REQUIRED and missing: the per-row path names the row
                return None
            if entry[2]:  # a missing REPEATED field is stored as [] (one list per row)
                names.append(name)
                columns.append([[] for _ in range(count)])
            continue
        converted = _convert_column(entry, list(map(operator.itemgetter(name), rows)))
        if converted is None:
            return None
        names.append(name)
        columns.append(converted)
    return JsonRows(names, columns, count)
