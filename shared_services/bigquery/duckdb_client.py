"""The embedded warehouse: the BigQuery client port implemented over one DuckDB file.

Code written for ``google.cloud.bigquery.Client`` runs unchanged: SQL is BigQuery dialect
with ``@named`` parameters (translated with sqlglot, parameters bound as DuckDB prepared
statement parameters, never interpolated), configuration objects are the real
``google.cloud.bigquery`` ones and errors are the real ``google.api_core.exceptions``.

What it enforces, as BigQuery does:

* load schemas: REQUIRED fields, types (with BigQuery's JSON-load coercions), REPEATED
  fields must be lists, JSON columns hold any JSON value, unknown fields are rejected
  (``BadRequest`` naming the row index and the field); one load is all-or-nothing;
* write dispositions: WRITE_APPEND (default), WRITE_TRUNCATE, WRITE_EMPTY (``Conflict``
  "Already Exists: Table ..." when the table has rows, as BigQuery's ``duplicate`` reason);
* job ids are unique per database file (``Conflict`` "Already Exists: Job ..."), persisted
  in the hidden schema ``_embedded_meta`` so another client on the same file sees them;
* BigQuery's statement rules, checked on the sqlglot AST of the BigQuery SQL
  (:mod:`.rules`): partition filters per table (views expanded), MERGE limitations, DuckDB-only
  syntax, comparison signatures, multi-statement transactions (a script runs atomically),
  CREATE TABLE validation with PARTITION BY / CLUSTER BY / OPTIONS kept; the full list with the
  BigQuery documentation of each rule is ``docs/bigquery-rules.md``;
* load options ``ignore_unknown_values``, ``max_bad_records``, ``schema_update_options``;
* a failed job keeps its id (``get_job`` returns it with its errors; reuse is ``Conflict``);
  ``dry_run=True`` validates and returns the schema without executing or writing;
* a file named like one of its datasets works (the file is attached as catalog
  ``__bq_warehouse__``, never named after the file);
* ``to_dataframe()`` dtypes as BigQuery returns them (see :mod:`.jobs`).

Representation choices: JSON columns are DuckDB ``JSON``; result rows hold the parsed
Python value and ``to_dataframe()`` holds compact JSON text in a string column — both
exactly what the real client returns (checked by the contract suite). A string loaded into
a JSON column is a JSON string (``"abc"``), not parsed JSON text. MERGE is run natively by
DuckDB (>= 1.4). Schemas are reported with BigQuery's legacy type names (INTEGER, FLOAT,
BOOLEAN, RECORD) as the REST API does. Query results live in memory only: a SELECT job
fetched with ``get_job`` from another client reports its metadata but not its rows.

Example::

    from google.cloud import bigquery
    from shared_services.bigquery.duckdb_client import DuckDBClient

    with DuckDBClient('warehouse.duckdb') as client:
        client.create_dataset('ds', exists_ok=True)
        schema = [bigquery.SchemaField('id', 'INT64', mode='REQUIRED')]
        client.load_table_from_json(
            [{'id': 1}], 'ds.t', job_config=bigquery.LoadJobConfig(schema=schema)
        ).result()
        cfg = bigquery.QueryJobConfig(
            query_parameters=[bigquery.ScalarQueryParameter('id', 'INT64', 1)]
        )
        rows = list(client.query('SELECT id FROM `ds.t` WHERE id = @id', job_config=cfg))
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import decimal
import functools
import hashlib
import itertools
import json
import math
import operator
import os
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, NamedTuple, Protocol, TypeVar, cast, runtime_checkable

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from duckdb.func import FunctionNullHandling
from duckdb.sqltypes import BIGINT, BOOLEAN, VARCHAR
from google.api_core import exceptions as gexc
from google.cloud.bigquery import (
    ArrayQueryParameter,
    Dataset,
    DatasetReference,
    LoadJobConfig,
    QueryJobConfig,
    ScalarQueryParameter,
    SchemaField,
    Table,
    TableReference,
    TimePartitioning,
)
from google.cloud.bigquery.table import Row
from sqlglot import exp

from shared_services.bigquery.embedded_table_functions import create_table_function
from shared_services.bigquery.farm_fingerprint import FARM_FINGERPRINT_FUNCTION, farm_fingerprint
from shared_services.bigquery.jobs import (
    EmbeddedLoadJob,
    EmbeddedQueryJob,
    EmbeddedRowIterator,
    check_count,
    convert_duckdb_value,
    fetch_duckdb_rows,
    schema_from_duckdb_description,
)
from shared_services.bigquery.json_encoding import bigquery_json_string, bigquery_json_value
from shared_services.bigquery.limits import (  # noqa: F401 - MAX_QUERY_CHARACTERS, QUERY_TOO_LARGE re-exported
    MAX_PARTITIONS_PER_JOB,
    MAX_PARTITIONS_PER_TABLE,
    MAX_QUERY_CHARACTERS,
    QUERY_TOO_LARGE,
    check_columns,
    check_descriptions,
    check_json_rows,
    check_outstanding_dml,
    check_partitions,
    check_references,
    check_request,
    check_table_loads,
    check_table_partitions,
    check_transactions,
    check_view_definition,
    created_view_bodies,
    mutated_tables,
    statement_target,
    utf8_size,
)
from shared_services.bigquery.rules import (
    CoercedParameters,
    alter_added_columns,
    alter_set_options,
    call_result_types,
    check_assignments,
    check_comparisons,
    check_created_columns,
    check_dialect,
    check_dml_where,
    check_merge,
    check_parameters,
    check_script,
    check_statement_kinds,
    check_unenforced_columns,
    coerced_parameter_error,
    ddl_fields,
    ddl_options,
    expand_views,
    partition_filter_error,
    schema_name,
    set_literal_types,
    string_json_calls,
    unfiltered_partition_tables,
    validate_dataset_id,
    validate_table_definition,
)
from shared_services.bigquery.sql_translate import (
    JSON_CALL_META,
    JSON_STRING_FUNCTION,
    JSON_VALUE_FUNCTION,
    RESULT_CALL_META,
    ROOT_CATALOG,
    SET_LITERAL_META,
    STAGING_PLACEHOLDER,
    TEXT_MACRO,
    TEXT_MACRO_SQL,
    TOO_DEEP,
    WINDOW_ERROR_PREFIX,
    catalog_typed_statement,
    duckdb_type,
    normalize_bq_type,
    translate,
)
from shared_services.bigquery.unicode_text import NORMALIZE_FUNCTION, normalize_text

__all__ = ["ColumnarRows", "DuckDBClient", "META_SCHEMA"]

#: Hidden schema holding job ids and table metadata inside the database file.
META_SCHEMA = "_embedded_meta"

_JOB_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,1024}$")
_INT_RE = re.compile(r"^[+-]?\d+$")
_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_NUMERIC_QUANTUM = decimal.Decimal("1e-9")
_RESULT_CACHE_SIZE = 256
_LOAD_SOURCE = "__embedded_load_source"
_DAY_MS = 24 * 60 * 60 * 1000


def _q(name: str) -> str:
    """Quote a DuckDB identifier."""
    return '"' + str(name).replace('"', '""') + '"'


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------------------
# Schema helpers
# --------------------------------------------------------------------------------------
def _normalized_field(field: SchemaField) -> SchemaField:
    """A copy of ``field`` with legacy type names (recursively), as BigQuery reports it."""
    api = field.to_api_repr()

    def fix(d: dict[str, Any]) -> dict[str, Any]:
        d = dict(d)
        d["type"] = normalize_bq_type(d.get("type", "STRING"))
        d["mode"] = (d.get("mode") or "NULLABLE").upper()
        if d.get("fields"):
            d["fields"] = [fix(f) for f in d["fields"]]
        return d

    return SchemaField.from_api_repr(fix(api))


def _column_type(field: SchemaField) -> str:
    ftype = normalize_bq_type(field.field_type)
    if ftype == "RECORD":
        if not field.fields:
            raise gexc.BadRequest(f"Field {field.name} is type RECORD but has no schema")
        base = "STRUCT(" + ", ".join(f"{_q(f.name)} {_column_type(f)}" for f in field.fields) + ")"
    else:
        base = duckdb_type(ftype)
    if (field.mode or "NULLABLE").upper() == "REPEATED":
        base += "[]"
    return base


def _arrow_type(field: SchemaField, repeated: bool | None = None) -> pa.DataType:
    ftype = normalize_bq_type(field.field_type)
    if ftype == "RECORD":
        base: pa.DataType = pa.struct([pa.field(f.name, _arrow_type(f)) for f in field.fields])
    else:
        base = {
            "STRING": pa.string(),
            "INTEGER": pa.int64(),
            "FLOAT": pa.float64(),
            "NUMERIC": pa.decimal128(38, 9),
            "BIGNUMERIC": pa.decimal128(38, 9),
            "BOOLEAN": pa.bool_(),
            "DATE": pa.date32(),
            "TIMESTAMP": pa.timestamp("us", tz="UTC"),
            "DATETIME": pa.timestamp("us"),
            "TIME": pa.time64("us"),
            "BYTES": pa.binary(),
            "JSON": pa.string(),
        }[ftype]
    is_repeated = (field.mode or "NULLABLE").upper() == "REPEATED" if repeated is None else repeated
    return pa.list_(base) if is_repeated else base


def _schema_equivalent(a: SchemaField, b: SchemaField) -> bool:
    if normalize_bq_type(a.field_type) != normalize_bq_type(b.field_type):
        return False
    if (a.mode or "NULLABLE").upper() == "REPEATED" or (b.mode or "NULLABLE").upper() == "REPEATED":
        if (a.mode or "NULLABLE").upper() != (b.mode or "NULLABLE").upper():
            return False
    return True


# --------------------------------------------------------------------------------------
# Load-time validation and coercion (BigQuery JSON loading rules)
# --------------------------------------------------------------------------------------
class _BadValue(Exception):
    pass


#: BigQuery's canonical TIMESTAMP text: ``YYYY-[M]M-[D]D[( |T)[H]H:[M]M:[S]S[.F]][time zone]``
#: with up to six fractional digits and a zone of ``Z``, ``UTC`` or ``+HH[:MM]``
#: ("Timestamp type", https://cloud.google.com/bigquery/docs/reference/standard-sql/data-types#timestamp_type).
#: Python's ``fromisoformat`` accepts more (``20250115``, ISO weeks, 7+ fraction digits), BigQuery
#: rejects those.
_TIMESTAMP_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[Tt ](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?)?"
    r"(?:\s*(Z|z|UTC|[+-]\d{1,2}(?::?\d{2})?))?$"
)


def _parse_bq_timestamp(value: str) -> dt.datetime:
    match = _TIMESTAMP_RE.match(value.strip())
    if not match:
        raise _BadValue
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        parsed = dt.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
            int((fraction or "0").ljust(6, "0")), tzinfo=dt.UTC,
        )
    except ValueError:
        raise _BadValue from None
    if zone and zone.upper() not in ("Z", "UTC"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2] if len(digits) > 2 else digits), int(digits[2:] or 0) if len(digits) > 2 else 0
        if hours > 14 or minutes > 59:
            raise _BadValue
        parsed -= sign * dt.timedelta(hours=hours, minutes=minutes)
    return parsed


def _coerce_scalar(value: Any, ftype: str, lenient: bool) -> Any:
    if ftype == "JSON":
        return json.dumps(value, ensure_ascii=False, default=str if lenient else None)
    if ftype == "STRING":
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return json.dumps(value)
        raise _BadValue
    if ftype == "INTEGER":
        if isinstance(value, bool):
            raise _BadValue
        if isinstance(value, int):
            result = value
        elif isinstance(value, float) and value.is_integer():
            result = int(value)
        elif isinstance(value, decimal.Decimal) and lenient and value == value.to_integral_value():
            result = int(value)
        elif isinstance(value, str) and _INT_RE.match(value.strip()):
            result = int(value.strip())
        else:
            raise _BadValue
        if not _INT64_MIN <= result <= _INT64_MAX:
            raise _BadValue
        return result
    if ftype == "FLOAT":
        if isinstance(value, bool):
            raise _BadValue
        if isinstance(value, int | decimal.Decimal):
            return float(value)
        if isinstance(value, float):
            if not math.isfinite(value) and not lenient:
                # json.dumps writes NaN / Infinity tokens, which are not JSON.
                raise _BadValue
            return value
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise _BadValue from None
        raise _BadValue
    if ftype in ("NUMERIC", "BIGNUMERIC"):
        if isinstance(value, bool):
            raise _BadValue
        try:
            if isinstance(value, float):
                if not math.isfinite(value):
                    raise _BadValue
                number = decimal.Decimal(repr(value))
            elif isinstance(value, int | decimal.Decimal):
                number = decimal.Decimal(value)
            elif isinstance(value, str):
                number = decimal.Decimal(value.strip())
            else:
                raise _BadValue
        except decimal.InvalidOperation:
            raise _BadValue from None
        if not number.is_finite():
            raise _BadValue
        number = number.quantize(_NUMERIC_QUANTUM, rounding=decimal.ROUND_HALF_UP)
        if abs(number) >= decimal.Decimal(10) ** 29:
            raise _BadValue
        return number
    if ftype == "BOOLEAN":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise _BadValue
    if ftype == "DATE":
        if isinstance(value, dt.datetime):
            if not lenient:
                raise _BadValue
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            match = _DATE_RE.match(value.strip())
            if not match:
                raise _BadValue
            try:
                return dt.date(*(int(g) for g in match.groups()))
            except ValueError:
                raise _BadValue from None
        raise _BadValue
    if ftype == "TIMESTAMP":
        if isinstance(value, bool):
            raise _BadValue
        if isinstance(value, int | float):
            try:
                return dt.datetime.fromtimestamp(value, dt.UTC)
            except (OverflowError, OSError, ValueError):
                raise _BadValue from None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        if isinstance(value, dt.date) and lenient:
            return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        if isinstance(value, str):
            return _parse_bq_timestamp(value)
        raise _BadValue
    if ftype == "DATETIME":
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None and not lenient:
                raise _BadValue
            return value.replace(tzinfo=None)
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                raise _BadValue from None
            if parsed.tzinfo is not None:
                raise _BadValue
            return parsed
        raise _BadValue
    if ftype == "TIME":
        if isinstance(value, dt.time):
            return value
        if isinstance(value, str):
            try:
                return dt.time.fromisoformat(value.strip())
            except ValueError:
                raise _BadValue from None
        raise _BadValue
    if ftype == "BYTES":
        if isinstance(value, bytes) and lenient:
            return value
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except ValueError:
                raise _BadValue from None
        raise _BadValue
    raise gexc.BadRequest(f"Unsupported type {ftype} in the embedded warehouse")


def _coerce_value(value: Any, field: SchemaField, row_index: int, path: str, lenient: bool,
                  ignore_unknown: bool = False) -> Any:
    mode = (field.mode or "NULLABLE").upper()
    ftype = normalize_bq_type(field.field_type)
    if mode == "REPEATED":
        if value is None:
            return []
        if isinstance(value, np.ndarray) and lenient:
            value = value.tolist()
        if not isinstance(value, list | tuple):
            raise gexc.BadRequest(
                f"Error while reading data, error message: row {row_index}: field '{path}' is "
                f"REPEATED and needs a JSON array, got {value!r}"
            )
        out = []
        for element in value:
            if element is None:
                raise gexc.BadRequest(
                    f"Error while reading data, error message: row {row_index}: field '{path}' "
                    "is REPEATED and cannot contain NULL elements"
                )
            out.append(_coerce_single(element, field, ftype, row_index, path, lenient, ignore_unknown))
        return out
    if value is None:
        if mode == "REQUIRED":
            raise gexc.BadRequest(
                f"Error while reading data, error message: row {row_index}: missing required "
                f"field '{path}' (mode REQUIRED, value is null or absent)"
            )
        return None
    return _coerce_single(value, field, ftype, row_index, path, lenient, ignore_unknown)


def _coerce_single(value: Any, field: SchemaField, ftype: str, row_index: int, path: str, lenient: bool,
                   ignore_unknown: bool = False) -> Any:
    if ftype == "RECORD":
        if not isinstance(value, Mapping):
            raise gexc.BadRequest(
                f"Error while reading data, error message: row {row_index}: field '{path}' is a "
                f"RECORD and needs a JSON object, got {value!r}"
            )
        return _coerce_record(value, list(field.fields), row_index, path + ".", lenient, ignore_unknown)
    try:
        return _coerce_scalar(value, ftype, lenient)
    except (_BadValue, TypeError, ValueError):
        raise gexc.BadRequest(
            f"Error while reading data, error message: row {row_index}: could not convert value "
            f"{value!r} of field '{path}' to {ftype}"
        ) from None


def _coerce_record(
    record: Mapping[str, Any], fields: Sequence[SchemaField], row_index: int, prefix: str, lenient: bool,
    ignore_unknown: bool = False,
) -> dict[str, Any]:
    """One row as the schema's columns; an unknown field is an error unless ``ignore_unknown``
    (``LoadJobConfig.ignore_unknown_values``: BigQuery then drops it, at any nesting level)."""
    by_name = {f.name.lower(): f for f in fields}
    for key in record:
        if str(key).lower() not in by_name and not ignore_unknown:
            raise gexc.BadRequest(
                f"Error while reading data, error message: JSON parsing error in row {row_index}: "
                f"No such field: {prefix}{key}."
            )
    lowered = {str(k).lower(): v for k, v in record.items()}
    return {
        f.name: _coerce_value(lowered.get(f.name.lower()), f, row_index, prefix + f.name, lenient,
                              ignore_unknown)
        for f in fields
    }


# --------------------------------------------------------------------------------------
# Columnar load path: per column, one type check over the whole column, Arrow arrays handed to
# DuckDB (dates and timestamps as canonical text, cast by DuckDB). Any column it cannot vouch
# for sends the WHOLE load back to the per-row path above, so errors, skipped bad records and
# the loaded values are exactly the per-row path's (tests/unit/bigquery/test_columnar_load.py).
# --------------------------------------------------------------------------------------
_NONE_TYPE = type(None)
#: Canonical text the fast path hands to DuckDB's CAST; anything else (other separators,
#: zone names, one-digit fields, far years) goes per row through ``_parse_bq_timestamp``.
_FAST_TIMESTAMP = (
    r"^[1-8]\d{3}-\d\d-\d\d[T ](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?"
    r"(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)$"
)
_FAST_DATE = r"^[1-8]\d{3}-\d\d-\d\d$"
_FAST_SCALAR_TYPES: dict[str, frozenset[type]] = {
    "STRING": frozenset({str}),
    "INTEGER": frozenset({int}),
    "BOOLEAN": frozenset({bool}),
    "FLOAT": frozenset({float, int}),
}


#: Column types whose equal values of one exact Python type always load the same value
#: (not FLOAT: ``0.0 == -0.0``), for the constant-column shortcut.
_CONSTANT_TYPES: dict[str, frozenset[type]] = {"STRING": frozenset({str}), "BOOLEAN": frozenset({bool})}

#: Types whose all-NULL column the fast path loads as a typed NULL array.
_FAST_NULL_TYPES = frozenset({"STRING", "INTEGER", "BOOLEAN", "FLOAT", "JSON", "DATE", "TIMESTAMP"})


def _all_true(mask: pa.Array) -> bool:
    return bool(pc.all(mask, min_count=0).as_py())


def _json_text(value: Any) -> str:
    """A JSON column's text; containers go through the round trip (``{1: 'a', '1': 'b'}`` keeps
    one key there), scalars are their own round trip."""
    text = json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict | list | tuple):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


def _json_texts(values: Sequence[Any]) -> list[str | None]:
    """``_json_text`` of each value (None stays NULL); a container several rows hold as the
    same object (a batch's shared quality metadata) is written once. ``values`` holds every
    object for the whole call, so an id is not reused meanwhile."""
    texts: list[str | None] = []
    seen: dict[int, str] = {}
    for value in values:
        if value is None:
            texts.append(None)
        elif isinstance(value, dict | list | tuple):
            text = seen.get(id(value))
            if text is None:
                text = seen[id(value)] = _json_text(value)
            texts.append(text)
        else:
            texts.append(_json_text(value))
    return texts


def _fast_column(values: Sequence[Any], field: SchemaField) -> tuple[pa.Array, str | None] | None:
    """``values`` as an Arrow array the INSERT's CASTs load exactly as the per-row path would,
    plus the DuckDB type its text must cast to (DATE / TIMESTAMPTZ); None when unsure."""
    mode = (field.mode or "NULLABLE").upper()
    ftype = normalize_bq_type(field.field_type)
    try:
        if mode == "REPEATED":
            allowed = _FAST_SCALAR_TYPES.get(ftype)
            # A tuple is a JSON array too (the round trip makes it a list): same values.
            outer = set(map(type, values))
            if allowed is None or ftype == "FLOAT" or not outer <= {list, tuple, _NONE_TYPE}:
                return None
            lists = [() if v is None else v for v in values] if _NONE_TYPE in outer else values
            if not set(map(type, itertools.chain.from_iterable(lists))) <= allowed:
                return None
            return pa.array(lists, type=_arrow_type(field)), None
        kinds = set(map(type, values))
        if _NONE_TYPE in kinds:
            if mode == "REQUIRED":
                return None
            kinds.discard(_NONE_TYPE)
            if not kinds and ftype in _FAST_NULL_TYPES:  # all NULL: no per-value work
                return pa.nulls(len(values), type=_arrow_type(field)), None
        elif len(kinds) == 1 and ftype in _CONSTANT_TYPES and kinds <= _CONSTANT_TYPES[ftype] \
                and values[0] == values[-1] and values.count(values[0]) == len(values):
            # One value in every row (labels, flags): equal str / bool values of one exact type
            # are the same value, so the array is that value repeated.
            return pa.repeat(pa.scalar(values[0], type=_arrow_type(field)), len(values)), None
        if ftype == "JSON":  # any JSON value, written as the NDJSON round trip would leave it
            return pa.array(_json_texts(values), type=pa.string()), None
        if ftype in ("DATE", "TIMESTAMP"):
            if not kinds <= {str}:
                return None
            text = pa.array(values, type=pa.string())
            pattern = _FAST_DATE if ftype == "DATE" else _FAST_TIMESTAMP
            if not _all_true(pc.match_substring_regex(text, pattern)):
                return None
            return text, duckdb_type(ftype)
        allowed = _FAST_SCALAR_TYPES.get(ftype)
        if allowed is None or not kinds <= allowed:
            return None
        array = pa.array(values, type=_arrow_type(field))
        if ftype == "FLOAT" and not _all_true(pc.is_finite(array)):
            return None  # NaN / Infinity tokens: the per-row path rejects them
        return array, None
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return None  # out of range for int64, a float that int cannot be exactly, ...


def _columnar(records: list[dict[str, Any]], schema: Sequence[SchemaField]
              ) -> tuple[list[pa.Array], dict[str, str]] | None:
    """The load's columns as Arrow arrays plus ``{column: DuckDB type}`` of the text columns
    DuckDB must be able to cast; None when any record or column needs the per-row path."""
    names = {f.name for f in schema}
    # map() keeps both whole-batch checks in C (no Python frame per record).
    if len(names) != len(schema) or not all(map(names.issuperset, records)):
        return None  # unknown or differently-cased keys: the per-row path decides
    arrays: list[pa.Array] = []
    casts: dict[str, str] = {}
    ordered = [f.name for f in schema]  # SchemaField.name is a property: read once per column
    complete = set(map(len, records)) <= {len(ordered)}
    for field, name in zip(schema, ordered, strict=True):
        # One column at a time, in C when every record holds every column: no per-row
        # containers are allocated (a transposition into row tuples wakes the cyclic GC over
        # the whole batch).
        column_values = list(map(operator.itemgetter(name), records)) if complete \
            else [record.get(name) for record in records]
        column = _fast_column(column_values, field)
        if column is None:
            return None
        arrays.append(column[0])
        if column[1] is not None:
            casts[field.name] = column[1]
    return arrays, casts


#: sqlglot's names of GoogleSQL functions that differ from how a query writes them.
_SQLGLOT_FUNCTION_NAMES = {"JSON_BOOL": "BOOL", "JSON_KEYS_AT_DEPTH": "JSON_KEYS"}


class _CastFailed(Exception):
    """The columnar load's INSERT met date / timestamp text DuckDB cannot cast (internal)."""


@runtime_checkable
class ColumnarRows(Protocol):
    """Rows that can also hand over their columns (e.g.
    :class:`~shared_services.events.batch.EventBatch`): a ``Sequence`` of row dicts whose
    ``to_columns()`` gives ``{column: values}`` - a list or tuple of the values exactly as the
    rows hold them, or an Arrow array of those values (of the column's Arrow type; for a DATE or
    TIMESTAMP the rows' text, or for a TIMESTAMP a ``timestamp[us, UTC]`` array of the instants
    the text names) - or None. ``load_table_from_json`` then skips the per-row dict-to-column
    conversion; every column check is the one the rows would get (``_fast_column`` for values,
    ``_given_arrow`` for arrays: REQUIRED, REPEATED, finite FLOAT, canonical date text), and
    anything it cannot vouch for (a JSON column as an array, another Arrow type) loads the
    rows through the usual path. Arrays must hold exactly the rows' values: converting Python
    values to Arrow can coerce (``True`` to ``1.0``), which the rows would not.

    Example::

        client.load_table_from_json(batch, 'ds.t', job_config=config)   # one load job
    """

    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Mapping[str, Any]]: ...
    def to_columns(self) -> Mapping[str, Sequence[Any]] | None: ...


#: QueryJobConfig settings (API names: jobs#JobConfiguration, jobs#JobConfigurationQuery,
#: https://cloud.google.com/bigquery/docs/reference/rest/v2/Job) the embedded warehouse acts
#: on, or that do not change what a query returns or writes (billing, caching, priority,
#: labels, the job's time limit). Any other setting would be ignored here where BigQuery acts
#: on it (a ``destination`` the result never reaches, a ``default_dataset`` for unqualified
#: names), so it is refused by name.
_QUERY_JOB_SETTINGS = frozenset({"query", "dryRun", "labels", "jobTimeoutMs", "jobType"})
_QUERY_SETTINGS = frozenset({"query", "queryParameters", "parameterMode", "useLegacySql", "priority",
                             "useQueryCache", "maximumBytesBilled"})
#: The Python property of each refused API name (QueryJobConfig's docs), for the message.
_QUERY_SETTING_PROPERTIES = {
    "defaultDataset": "default_dataset", "destinationTable": "destination", "clustering": "clustering_fields",
    "userDefinedFunctionResources": "udf_resources",
}
#: LoadJobConfig settings (jobs#JobConfigurationLoad) the embedded warehouse acts on, or that
#: do not change what a load writes; any other is refused by name, as for queries.
_LOAD_JOB_SETTINGS = frozenset({"load", "labels", "jobTimeoutMs", "jobType"})
_LOAD_SETTINGS = frozenset({"schema", "sourceFormat", "writeDisposition", "createDisposition", "schemaUpdateOptions",
                            "ignoreUnknownValues", "maxBadRecords", "timePartitioning", "clustering", "autodetect",
                            "destinationTable", "sourceUris", "parquetOptions"})
_LOAD_SETTING_PROPERTIES = {
    "destinationTableProperties": "destination_table_description / destination_table_friendly_name",
    "quote": "quote_character", "hivePartitioningOptions": "hive_partitioning",
}
_QUERY_SETTING_HINTS = {
    "default_dataset": "qualify each table name with its dataset (ds.table)",
    "destination": "write the result with INSERT INTO ... SELECT or CREATE TABLE ... AS SELECT",
}


def _check_load_config(config: LoadJobConfig) -> None:
    """``BadRequest`` naming a LoadJobConfig setting the embedded warehouse would ignore.

    Example::

        _check_load_config(LoadJobConfig(destination_table_description='box scores'))
        # BadRequest: LoadJobConfig.destination_table_description: not supported by the embedded ...
    """
    unknown = _ignored_settings(config, "load", _LOAD_JOB_SETTINGS, _LOAD_SETTINGS)
    if unknown:
        names = ", ".join("LoadJobConfig." + _LOAD_SETTING_PROPERTIES.get(name, _snake(name)) for name in unknown)
        raise gexc.BadRequest(f"{names}: not supported by the embedded warehouse (it would be ignored here)")
    _refuse_ingestion_time("LoadJobConfig", (config._properties.get("load") or {}).get("timePartitioning"))


def _ignored_settings(config: Any, section: str, job_level: frozenset[str], known: frozenset[str]) -> list[str]:
    """The API names a job config sets (not None: a setting set back to None is unset, as a
    job's own None overrides the client's default) that are in neither list."""
    properties = config._properties
    inner = properties.get(section) or {}
    return sorted([name for name, value in properties.items() if value is not None and name not in job_level]
                  + [name for name, value in inner.items() if value is not None and name not in known])


def _refuse_ingestion_time(owner: str, partitioning: Mapping[str, Any] | None) -> None:
    """``BadRequest`` for time partitioning without a field (ingestion-time, ``_PARTITIONTIME``)."""
    if partitioning is not None and not partitioning.get("field"):
        raise gexc.BadRequest(
            f"{owner}: time_partitioning without a field is ingestion-time partitioning (_PARTITIONTIME), "
            "not supported by the embedded warehouse: partition by a DATE or TIMESTAMP column"
        )


#: Table definitions (tables#Table, https://cloud.google.com/bigquery/docs/reference/rest/v2/tables)
#: the embedded warehouse would create as a plain table, dropping what makes them different:
#: refused by name. Each changes what queries return or which are accepted there.
_UNSUPPORTED_TABLE_KINDS = {
    "rangePartitioning": "range_partitioning (integer-range partitioning, and with it its "
                         "require_partition_filter): partition by a DATE or TIMESTAMP column here",
    "externalDataConfiguration": "external_data_configuration (an external table reads its files there)",
    "materializedView": "mview_query (a materialized view): create a view (view_query) here",
    "snapshotDefinition": "a table snapshot",
    "cloneDefinition": "a table clone",
}


def _refuse_unenforced_fields(table: str, fields: Sequence[Mapping[str, Any]]) -> None:
    """``BadRequest`` for a schema field the embedded warehouse would not enforce: a
    parameterized type (``max_length``, ``precision`` / ``scale``) or a
    ``default_value_expression`` (see :func:`.rules._refuse_unenforced_column`), nested
    fields included."""
    for field in fields:
        if any(field.get(key) is not None for key in ("maxLength", "precision", "scale")):
            raise gexc.BadRequest(f"Table {table}: field {field.get('name')}: parameterized types (max_length, "
                                  "precision, scale) are not enforced by the embedded warehouse; leave them out here")
        if field.get("defaultValueExpression") is not None:
            raise gexc.BadRequest(f"Table {table}: field {field.get('name')}: default_value_expression is not "
                                  "supported by the embedded warehouse")
        _refuse_unenforced_fields(table, field.get("fields") or [])


def _check_table_kind(name: str, table: Any) -> None:
    """``BadRequest`` for a table definition the embedded warehouse would reduce to a plain
    table: integer-range or ingestion-time partitioning, external tables, materialized
    views, snapshots, clones, legacy SQL views.

    Example::

        t = Table('p.ds.t', schema=[SchemaField('id', 'INT64')])
        t.range_partitioning = RangePartitioning(field='id', range_=PartitionRange(0, 100, 10))
        _check_table_kind('ds.t', t)   # BadRequest: ... range_partitioning ...
    """
    properties = getattr(table, "_properties", {}) or {}
    _refuse_unenforced_fields(name, (properties.get("schema") or {}).get("fields") or [])
    for key, what in _UNSUPPORTED_TABLE_KINDS.items():
        if properties.get(key) is not None:
            raise gexc.BadRequest(f"Table {name}: {what}; not supported by the embedded warehouse")
    _refuse_ingestion_time(f"Table {name}", properties.get("timePartitioning"))
    view = properties.get("view")
    if view is not None and view.get("useLegacySql"):
        raise gexc.BadRequest(f"Table {name}: a legacy SQL view is not supported by the embedded warehouse")


class _PartitionedTarget(NamedTuple):
    """A DML statement's time-partitioned target: ``name`` is ``dataset.table``; ``unit`` the
    ``date_trunc`` unit, ``column`` the quoted partition column, ``returning`` the expression
    of a written row's partition (qualified by the statement's alias where it needs one)."""

    dataset: str
    table: str
    unit: str
    column: str
    returning: str

    @property
    def name(self) -> str:
        return f"{self.dataset}.{self.table}"


#: BigQuery's time-partitioning types and the ``date_trunc`` unit each stands for: the only
#: text a table's partitioning puts into SQL (never the stored string itself).
_PARTITION_UNITS = {"DAY": "day", "HOUR": "hour", "MONTH": "month", "YEAR": "year"}


def _stored_parameter_resources(job_config: QueryJobConfig | None) -> list[Any]:
    """The job's query parameters in their REST form (what the client sends), for the size
    limits: read from the config's stored form, or rebuilt from its parameters."""
    if job_config is None:
        return []
    stored = getattr(job_config, "_properties", {}).get("query", {}).get("queryParameters")
    if isinstance(stored, list):
        return stored
    return [param.to_api_repr() for param in job_config.query_parameters]


def _check_query_config(config: QueryJobConfig) -> None:
    """``BadRequest`` naming a QueryJobConfig setting the embedded warehouse would ignore.

    Example::

        _check_query_config(QueryJobConfig(destination='proj.ds.out'))
        # BadRequest: QueryJobConfig.destination: not supported by the embedded warehouse ...
    """
    unknown = _ignored_settings(config, "query", _QUERY_JOB_SETTINGS, _QUERY_SETTINGS)
    if not unknown:
        return
    names = [_QUERY_SETTING_PROPERTIES.get(name, _snake(name)) for name in unknown]
    hints = [hint for setting, hint in _QUERY_SETTING_HINTS.items() if setting in names]
    raise gexc.BadRequest(
        f"{', '.join('QueryJobConfig.' + name for name in names)}: not supported by the embedded warehouse "
        f"(it would be ignored here){'; ' + '; '.join(hints) if hints else ''}"
    )


def _where(condition: str | None) -> str:
    """`` WHERE <condition>``, or nothing for no condition (a whole table, not one partition)."""
    return f" WHERE {condition}" if condition else ""


def _snake(api_name: str) -> str:
    """``destinationTable`` -> ``destination_table``: an API field as its Python property is
    usually spelt."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", api_name).lower()


@functools.cache
def _bigquery_client_methods() -> frozenset[str]:
    """Public names of ``google.cloud.bigquery.Client`` (read once)."""
    from google.cloud.bigquery import Client

    return frozenset(name for name in dir(Client) if not name.startswith("_"))


@functools.cache
def _client_parameters(method: str) -> frozenset[str]:
    """The parameter names of ``google.cloud.bigquery.Client.<method>`` (read once)."""
    import inspect

    from google.cloud.bigquery import Client

    return frozenset(inspect.signature(getattr(Client, method)).parameters) - {"self"}


def _check_keywords(method: str, kwargs: Mapping[str, Any]) -> None:
    """``TypeError`` for a keyword BigQuery's client does not take (a misspelt ``job_conifg``
    would fail there; it must not pass unnoticed here). The ones it takes and that do not
    change the result here (``retry``, ``timeout``, ``location``, ...) are accepted."""
    unknown = sorted(set(kwargs) - _client_parameters(method))
    if unknown:
        raise TypeError(f"DuckDBClient.{method}() got unexpected keyword argument(s) {unknown}: "
                        f"google.cloud.bigquery.Client.{method} has no such parameter")


_JobConfig = TypeVar("_JobConfig", QueryJobConfig, LoadJobConfig)


def _with_defaults(config: _JobConfig | None, default: _JobConfig | None) -> _JobConfig | None:
    """``config`` with the client's default settings it does not set itself (a copy), as
    ``google.cloud.bigquery.Client`` merges its ``default_query_job_config`` /
    ``default_load_job_config``."""
    if default is None:
        return config
    if config is None:
        return copy.deepcopy(default)
    return config._fill_from_default(default)  # type: ignore[no-any-return]


#: Public methods of ``google.cloud.bigquery.Client`` the embedded warehouse does not have,
#: with what to use instead where there is something.
_UNSUPPORTED_HINTS = {
    "insert_rows": "streaming inserts are not used here: write rows with load_table_from_json (one batch load job)",
    "insert_rows_json": "streaming inserts are not used here: write rows with load_table_from_json (one batch "
                        "load job)",
    "insert_rows_from_dataframe": "streaming inserts are not used here: write a frame with "
                                  "load_table_from_dataframe",
    "list_rows": "read a table with query('SELECT ... FROM ds.t WHERE ...')",
    "load_table_from_uri": "read the file yourself and load its rows with load_table_from_json",
    "load_table_from_file": "read the file yourself and load its rows with load_table_from_json",
    "copy_table": "copy with query('CREATE TABLE ds.copy AS SELECT * FROM ds.t WHERE ...')",
}


def _written_table(source: exp.Expression | None) -> tuple[str, str] | None:
    """``(dataset, table)`` an INSERT, UPDATE, MERGE or CREATE names as its target (a CREATE's
    column list aside); None when it names none with a dataset."""
    target = statement_target(source, (exp.Insert, exp.Update, exp.Merge, exp.Create))
    if target is None or target.args.get("db") is None:
        return None
    return target.args["db"].name, target.name


def _refuse_unsupported(translation: Any) -> None:
    """``BadRequest`` for a statement sqlglot could not write for DuckDB with the same meaning
    (``TranslatedStatement.unsupported``): it would run, and answer otherwise than BigQuery."""
    for statement in translation.statements:
        if statement.unsupported:
            raise gexc.BadRequest(
                f"Not emulated by the embedded warehouse: {statement.unsupported} (sqlglot, which translates "
                "the query for DuckDB, cannot write it with the same result); write the query another way "
                "or run it on BigQuery")


def _types_lookup(catalog: Any) -> Callable[[str, str], dict[str, str] | None]:
    """``(dataset, table) -> {lower-case column: BigQuery type}`` (None for no such table) over a
    catalog snapshot, each table read once: what the statement rules type columns with."""
    type_cache: dict[tuple[str, str], dict[str, str] | None] = {}

    def types_of(ds: str, tbl: str) -> dict[str, str] | None:
        if (ds, tbl) not in type_cache:
            try:
                fields = catalog.table_schema(ds, tbl) if catalog.relation_kind(ds, tbl) else None
            except duckdb.Error:
                fields = None
            type_cache[(ds, tbl)] = None if fields is None else {
                f.name.lower(): ("ARRAY" if (f.mode or "").upper() == "REPEATED" else normalize_bq_type(f.field_type))
                for f in fields
            }
        return type_cache[(ds, tbl)]

    return types_of


def _columnar_given(given: Mapping[str, Sequence[Any]], count: int, schema: Sequence[SchemaField]
                    ) -> tuple[list[pa.Array], dict[str, str]] | None:
    """:func:`_columnar` for columns handed over by :class:`ColumnarRows`: the same checks
    (no unknown or differently-cased keys, a column missing from every row is NULL), per column."""
    ordered = [f.name for f in schema]
    if len(set(ordered)) != len(schema) or not set(given) <= set(ordered):
        return None
    if any((type(values) not in (list, tuple) and not isinstance(values, pa.Array)) or len(values) != count
           for values in given.values()):
        return None
    arrays: list[pa.Array] = []
    casts: dict[str, str] = {}
    nulls: list[Any] | None = None
    for field, name in zip(schema, ordered, strict=True):
        values = given.get(name)
        if values is None:
            values = nulls = nulls if nulls is not None else [None] * count
        column = _given_arrow(values, field) if isinstance(values, pa.Array) else _fast_column(values, field)
        if column is None:
            return None
        arrays.append(column[0])
        if column[1] is not None:
            casts[name] = column[1]
    return arrays, casts


#: Column types :func:`_given_arrow` takes as Arrow arrays.
_GIVEN_ARROW_TYPES = frozenset({"STRING", "INTEGER", "FLOAT", "BOOLEAN", "DATE", "TIMESTAMP"})


def _given_arrow(values: pa.Array, field: SchemaField) -> tuple[pa.Array, str | None] | None:
    """:func:`_fast_column` for a column handed over as an Arrow array: loaded as is when it
    is exactly the column's Arrow type (or, for a DATE or TIMESTAMP, canonical text DuckDB
    casts), with the per-row path's checks done on the array (no NULL in a REQUIRED column,
    no NULL list or NULL element in a REPEATED one, no NaN or infinity in a FLOAT); else None."""
    mode = (field.mode or "NULLABLE").upper()
    ftype = normalize_bq_type(field.field_type)
    if ftype not in _GIVEN_ARROW_TYPES or (mode == "REQUIRED" and values.null_count):
        return None  # e.g. JSON: an Arrow string could be the value or its JSON text
    if values.type == _arrow_type(field):
        if mode == "REPEATED":
            if values.null_count or values.flatten().null_count or ftype == "FLOAT":
                return None
        elif ftype == "FLOAT" and not _all_true(pc.is_finite(values)):
            return None
        return values, None
    if ftype in ("DATE", "TIMESTAMP") and mode != "REPEATED" and values.type == pa.string():
        pattern = _FAST_DATE if ftype == "DATE" else _FAST_TIMESTAMP
        if not _all_true(pc.match_substring_regex(values, pattern)):
            return None
        return values, duckdb_type(ftype)
    return None


def _py(value: Any) -> Any:
    """A pandas / numpy cell as a plain Python value (NA, NaT, NaN -> None)."""
    if isinstance(value, dict):
        return {k: _py(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_py(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_py(v) for v in value.tolist()]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).to_pydatetime()
    if isinstance(value, np.generic):
        item = value.item()
        return None if isinstance(item, float) and math.isnan(item) else item
    return value


def _infer_field(name: str, series: pd.Series) -> SchemaField:
    dtype = series.dtype
    kind = str(dtype)
    if kind == "dbdate":
        return SchemaField(name, "DATE")
    if pd.api.types.is_bool_dtype(dtype):
        return SchemaField(name, "BOOL")
    if pd.api.types.is_integer_dtype(dtype):
        return SchemaField(name, "INT64")
    if pd.api.types.is_float_dtype(dtype):
        return SchemaField(name, "FLOAT64")
    if isinstance(dtype, pd.DatetimeTZDtype):
        return SchemaField(name, "TIMESTAMP")
    if pd.api.types.is_datetime64_dtype(dtype):
        return SchemaField(name, "DATETIME")
    sample = next((v for v in series if _py(v) is not None), None)
    sample = _py(sample)
    if isinstance(sample, list):
        inner = next((v for v in sample if v is not None), "")
        inner_field = _infer_field(name, pd.Series([inner], dtype="object"))
        return SchemaField(name, inner_field.field_type, mode="REPEATED")
    for cls, type_name in (
        (bool, "BOOL"),
        (int, "INT64"),
        (float, "FLOAT64"),
        (decimal.Decimal, "NUMERIC"),
        (dt.datetime, "TIMESTAMP"),
        (dt.date, "DATE"),
        (dict, "JSON"),
    ):
        if isinstance(sample, cls):
            if isinstance(sample, dt.datetime) and sample.tzinfo is None:
                return SchemaField(name, "DATETIME")
            return SchemaField(name, type_name)
    return SchemaField(name, "STRING")


#: BigQuery's ``errorResult.reason`` for each error class a job can fail with.
_REASONS = {"BadRequest": "invalidQuery", "NotFound": "notFound", "Conflict": "duplicate",
            "Forbidden": "accessDenied"}


def _rebuild_error(class_name: str, message: str, api_reason: str | None = None) -> gexc.GoogleAPICallError:
    cls = getattr(gexc, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, gexc.GoogleAPICallError)):
        cls = gexc.BadRequest
    return cls(message, errors=[{"reason": api_reason, "message": message}]) if api_reason else cls(message)


def _api_reason(error: gexc.GoogleAPICallError | None) -> str | None:
    """The first ``errors[].reason`` an error carries (BigQuery's, as a quota refusal gives it), else None."""
    for entry in (getattr(error, "errors", None) or []) if error is not None else []:
        if isinstance(entry, dict) and entry.get("reason"):
            return str(entry["reason"])
    return None


# --------------------------------------------------------------------------------------
# Opening the warehouse file
# --------------------------------------------------------------------------------------
#: The DuckDB catalog name of the warehouse. ``duckdb.connect(path)`` would name it after the
#: file, and a file named like one of its datasets (``nba_analytics.duckdb`` holding dataset
#: ``nba_analytics``) makes ``nba_analytics.t`` ambiguous for DuckDB; so the file is ATTACHed
#: under this fixed name instead (and the default ``memory`` catalog is detached).
WAREHOUSE_CATALOG = "__bq_warehouse__"

class _CatalogGeneration:
    """A counter of the catalog changes made through one DuckDB instance of this process.

    Every statement that may change what :class:`_CatalogSnapshot` reads (datasets, tables,
    views, the rows of ``_embedded_meta.tables``) goes through a :class:`_TrackedConnection`
    of the instance, which moves the counter on; a snapshot taken at a generation still holds
    while the counter has not moved. Another process cannot change the file meanwhile: DuckDB
    lets one process at a time open a database file for writing, and this process holds it.
    """

    __slots__ = ("value", "_lock")

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()

    def bump(self) -> None:
        with self._lock:
            self.value += 1


class _MutationClock:
    """When each table of one warehouse last had rows updated or deleted by a committed job.

    BigQuery cancels a transaction that mutates a table which another job mutated while the
    transaction ran ("Multi-statement transactions" > "Transaction concurrency",
    https://cloud.google.com/bigquery/docs/transactions: "If a transaction mutates (updates or
    deletes) rows in a table, then other transactions or DML statements that mutate rows in the
    same table cannot run concurrently. Conflicting transactions are cancelled."). DuckDB sees a
    conflict only when two transactions touch the same rows, so two processors replacing
    different games of one table at once both committed here and one of them fails on BigQuery.
    The clock gives each committed mutation a number; a transaction that began before the last
    mutation of a table it mutates is cancelled at its commit (:meth:`DuckDBClient._execute`).

    One clock per warehouse (DuckDB instance) of this process: its clients share it. Another
    process cannot write the file meanwhile (DuckDB lets one process at a time open it for
    writing), so no mutation escapes it.
    """

    __slots__ = ("lock", "now", "_last", "_outstanding")

    def __init__(self) -> None:
        #: Held from a mutating job's conflict check through its COMMIT and :meth:`record`.
        self.lock = threading.Lock()
        #: The number of the last committed mutation (0: none yet).
        self.now = 0
        self._last: dict[tuple[str, str], tuple[int, str]] = {}
        #: Mutating jobs running now, per table (BigQuery's queue of 20: :meth:`admit`).
        self._outstanding: dict[tuple[str, str], int] = {}

    def admit(self, tables: Iterable[tuple[str, str]]) -> None:
        """Count a mutating job in on each of ``tables``, or ``Forbidden`` when one of them has
        :data:`~shared_services.bigquery.limits.MAX_OUTSTANDING_MUTATING_DML` already (BigQuery
        queues the rest of them as pending; nothing waits here, so every one of them runs)."""
        with self.lock:
            for table in sorted(tables):
                check_outstanding_dml(".".join(table), self._outstanding.get(table, 0))
            for table in tables:
                self._outstanding[table] = self._outstanding.get(table, 0) + 1

    def leave(self, tables: Iterable[tuple[str, str]]) -> None:
        """The job :meth:`admit` counted in on ``tables`` has ended (committed or not)."""
        with self.lock:
            for table in tables:
                left = self._outstanding[table] - 1
                if left:
                    self._outstanding[table] = left
                else:
                    del self._outstanding[table]

    def conflict(self, tables: Iterable[tuple[str, str]], since: int) -> tuple[tuple[str, str], str] | None:
        """The first of ``tables`` (sorted) mutated after mutation number ``since``, with the job
        that mutated it; None when none was (caller holds :attr:`lock`)."""
        for table in sorted(tables):
            last = self._last.get(table)
            if last is not None and last[0] > since:
                return table, last[1]
        return None

    def record(self, tables: Iterable[tuple[str, str]], job_id: str) -> None:
        """``job_id`` committed mutations of ``tables`` (caller holds :attr:`lock`)."""
        self.now += 1
        for table in tables:
            self._last[table] = (self.now, job_id)


#: The clock of each open warehouse, by catalog name (see :class:`_MutationClock`).
_CLOCKS: dict[str, _MutationClock] = {}


def _statement_head(sql: str) -> str:
    """The first keyword of ``sql``, upper case (comments are not skipped: unknown counts as a change)."""
    text = sql.lstrip()
    end = 0
    while end < len(text) and end < 16 and text[end].isalpha():
        end += 1
    return text[:end].upper()


#: Statements that cannot change the catalog: queries.
_READ_HEADS = frozenset({"SELECT"})
#: Statements that start a transaction (no change by themselves).
_BEGIN_HEADS = frozenset({"BEGIN", "START"})
#: Statements that end a transaction: its catalog changes become visible to other connections
#: (COMMIT) or are undone (ROLLBACK), so the generation moves if the transaction changed any.
_END_HEADS = frozenset({"COMMIT", "ROLLBACK", "ABORT", "END"})


class _TrackedConnection:
    """A DuckDB connection (cursor) that moves its instance's :class:`_CatalogGeneration`.

    ``execute`` counts every statement as a possible catalog change except a plain
    ``SELECT`` and the start or end of a transaction; the end of a transaction that held a
    change counts again (another connection sees the change only once it is committed, and a
    rollback undoes it). Code that runs a statement known to leave the catalog alone (the job
    records, a translated query or DML on data tables) uses :meth:`execute_untracked`.
    Everything else is the DuckDB connection's own (``description``, ``fetchall``...).
    """

    __slots__ = ("_raw", "_generation", "_in_transaction", "_changed")

    def __init__(self, raw: duckdb.DuckDBPyConnection, generation: _CatalogGeneration) -> None:
        self._raw = raw
        self._generation = generation
        self._in_transaction = False
        self._changed = False

    def execute(self, query: str, parameters: Any = None) -> duckdb.DuckDBPyConnection:
        head = _statement_head(query)
        if head in _READ_HEADS:
            return self._raw.execute(query, parameters)
        if head in _BEGIN_HEADS:
            result = self._raw.execute(query, parameters)
            self._in_transaction = True
            return result
        if head in _END_HEADS:
            try:
                return self._raw.execute(query, parameters)
            finally:
                self._in_transaction = False
                if self._changed:
                    self._changed = False
                    self._generation.bump()
        self._changed = self._in_transaction  # committed at once outside a transaction
        try:
            return self._raw.execute(query, parameters)
        finally:
            self._generation.bump()

    def execute_untracked(self, query: str, parameters: Any = None) -> duckdb.DuckDBPyConnection:
        """Run a statement that cannot change datasets, tables, views or ``_embedded_meta.tables``."""
        return self._raw.execute(query, parameters)

    @property
    def raw(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection itself."""
        return self._raw

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


# ONE in-memory DuckDB instance per process hosts every warehouse the process opens: each file
# (or ``':memory:'`` warehouse) is ATTACHed to it under a catalog name of its own while a client
# has it open, and DETACHed (checkpointed, its file lock released) when the last one closes.
# Creating a DuckDB instance costs about 15 ms of CPU; attaching a file about 2 ms. Every client
# of the same file gets its own connection (cursor) to the same attached catalog, so
# transactions and job ids are shared exactly as before. The instance's catalog generation
# counts the changes made through any of its connections (to any attached warehouse).
_ROOT: duckdb.DuckDBPyConnection | None = None
#: DuckDB worker threads of the embedded warehouse's instance (see :func:`_root`).
EMBEDDED_THREADS = 1
#: WAL size at which the embedded warehouse checkpoints by itself (DuckDB's default is 16 MB).
#: A 10,000-event flush writes about 4.8 MB of WAL, so at the default a 100,000-event run
#: checkpointed twice mid-run, and each checkpoint rewrote the log table's partly filled row
#: group again; at 128 MB such a run checkpoints once, when the warehouse is closed
#: (bench/README.md: flush plus close 1.26 s -> 1.03-1.07 s). Committed loads are durable
#: either way (the WAL is written and synced at each COMMIT; a killed process's WAL is
#: replayed on the next open, tests/reliability/test_killed_process.py); what grows is the
#: memory the un-checkpointed data holds until then and the replay after a kill.
EMBEDDED_CHECKPOINT_THRESHOLD = "128MB"
_GENERATION = _CatalogGeneration()
#: Open warehouse files (real path) -> (catalog name, clients open).
_INSTANCES: dict[str, tuple[str, int]] = {}
#: Catalog names in use (files and ``':memory:'`` warehouses).
_ALIASES: set[str] = set()
_INSTANCES_LOCK = threading.Lock()
#: A forked child's inherited instances (see :func:`_forget_instance_in_child`).
_INHERITED: list[duckdb.DuckDBPyConnection] = []
#: The root connection's own catalog: an empty in-memory one, never a warehouse.
_ROOT_CATALOG = ROOT_CATALOG  # "__bq_root__" (sql_translate writes calls to its macros)


def _forget_instance_in_child() -> None:
    """A forked child cannot use its parent's DuckDB instance (its threads did not survive the
    fork): it starts with none, and opens what it needs itself. The parent's instance is kept
    referenced, never closed here: closing it would checkpoint the parent's files from the child."""
    global _ROOT, _GENERATION, _INSTANCES_LOCK
    if _ROOT is not None:
        _INHERITED.append(_ROOT)
    _ROOT = None
    _GENERATION = _CatalogGeneration()
    _INSTANCES.clear()
    _ALIASES.clear()
    _CLOCKS.clear()
    _INSTANCES_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_instance_in_child)


def _instance_key(path: str) -> str | None:
    return None if path in (":memory:", "") else os.path.realpath(path)


def _root() -> duckdb.DuckDBPyConnection:
    """The process's DuckDB instance (created on first use; caller holds ``_INSTANCES_LOCK``)."""
    global _ROOT
    if _ROOT is None:
        # One worker thread: the embedded warehouse's statements are small (a load of 10,000
        # events, a season's audit), and DuckDB's task scheduling across threads cost more than
        # it gained: an event flush's INSERT took half the time with one thread (bench/README.md),
        # and under ``pytest -n 2`` two processes no longer fight over two cores with four threads.
        root = duckdb.connect(":memory:", config={"threads": EMBEDDED_THREADS,
                                                    "checkpoint_threshold": EMBEDDED_CHECKPOINT_THRESHOLD})
        try:
            # The default ``memory`` catalog goes: a dataset named ``memory`` must not resolve to it.
            root.execute(f"ATTACH ':memory:' AS {_ROOT_CATALOG}")
            root.execute(f"USE {_ROOT_CATALOG}")
            root.execute("DETACH memory")
            # TO_JSON_STRING's encoding (sql_translate._json_conversions writes calls to it)
            root.create_function(JSON_STRING_FUNCTION, bigquery_json_string, [VARCHAR, VARCHAR], VARCHAR,
                                 null_handling=FunctionNullHandling.SPECIAL, side_effects=False)
            root.create_function(JSON_VALUE_FUNCTION, bigquery_json_value, [VARCHAR, VARCHAR], VARCHAR,
                                 null_handling=FunctionNullHandling.SPECIAL, side_effects=False)
            # CAST(x AS STRING) as BigQuery writes it (sql_translate._numeric_text writes calls to it)
            root.execute(f"CREATE MACRO {TEXT_MACRO}(v) AS {TEXT_MACRO_SQL}")
            # NORMALIZE / NORMALIZE_AND_CASEFOLD (sql_translate._string_functions writes calls to it)
            root.create_function(NORMALIZE_FUNCTION, normalize_text, [VARCHAR, VARCHAR, BOOLEAN], VARCHAR,
                                 side_effects=False)
            # FARM_FINGERPRINT of a STRING (sql_translate._string_functions writes calls to it)
            root.create_function(FARM_FINGERPRINT_FUNCTION, farm_fingerprint, [VARCHAR], BIGINT, side_effects=False)
        except Exception:
            root.close()
            raise
        _ROOT = root
    return _ROOT


def _free_alias() -> str:
    """:data:`WAREHOUSE_CATALOG`, or when a warehouse already holds it, the first of
    ``__bq_warehouse_2__``, ``__bq_warehouse_3__``... that is free (the usual one-warehouse
    process always gets the same name, so translations cached by catalog name carry over)."""
    if WAREHOUSE_CATALOG not in _ALIASES:
        return WAREHOUSE_CATALOG
    number = 2
    while f"__bq_warehouse_{number}__" in _ALIASES:
        number += 1
    return f"__bq_warehouse_{number}__"


def _open_warehouse(path: str) -> tuple[_TrackedConnection, str]:
    """A connection to the warehouse at ``path`` (attached on first use) and its catalog name."""
    key = _instance_key(path)
    with _INSTANCES_LOCK:
        root = _root()
        if key is not None and key in _INSTANCES:
            alias, users = _INSTANCES[key]
            _INSTANCES[key] = (alias, users + 1)
        else:
            alias = _free_alias()
            target = "':memory:'" if key is None else "'" + key.replace("'", "''") + "'"
            root.execute(f"ATTACH {target} AS {alias}")
            _ALIASES.add(alias)
            _CLOCKS[alias] = _MutationClock()
            if key is not None:
                _INSTANCES[key] = (alias, 1)
        try:
            con = root.cursor()
            con.execute(f"USE {alias}")
        except Exception:
            _release(key, alias)
            raise
    return _TrackedConnection(con, _GENERATION), alias


def _release(key: str | None, alias: str) -> None:
    """One client of ``alias`` is gone: DETACH it when it was the last (caller holds the lock)."""
    if key is not None and key in _INSTANCES:
        users = _INSTANCES[key][1]
        if users > 1:
            _INSTANCES[key] = (alias, users - 1)
            return
        del _INSTANCES[key]
    _ALIASES.discard(alias)
    _CLOCKS.pop(alias, None)
    if _ROOT is not None:
        _ROOT.execute(f"DETACH {alias}")
        _GENERATION.bump()  # a later warehouse may get this catalog name: no snapshot carries over


def _close_warehouse(path: str, con: _TrackedConnection, alias: str) -> None:
    with _INSTANCES_LOCK:
        con.raw.close()
        _release(_instance_key(path), alias)


# --------------------------------------------------------------------------------------
# The catalog as the BigQuery-rule checks see it
# --------------------------------------------------------------------------------------
def _partition_filters_of(rows: Iterable[Sequence[Any]]) -> dict[tuple[str, str], tuple[str, bool]]:
    """``(dataset, table) -> (partition column, is TIMESTAMP)`` from ``(dataset_id, table_id,
    partition_field, schema_json)`` rows of require_partition_filter tables."""
    out: dict[tuple[str, str], tuple[str, bool]] = {}
    for ds, tbl, field_name, schema_json in rows:
        types = {f.get("name", "").lower(): normalize_bq_type(f.get("type", ""))
                 for f in json.loads(schema_json or "[]")}
        out[(ds.lower(), tbl.lower())] = (field_name, types.get(field_name.lower()) == "TIMESTAMP")
    return out


#: The catalog facts the rule checks read: datasets, relations and their kinds, and the rows
#: of the embedded catalog (``created_at`` aside) - read in three queries per check.
_SNAPSHOT_META_COLUMNS = ("dataset_id", "table_id", "schema_json", "partition_field", "partition_type",
                          "partition_expiration_ms", "clustering_fields", "require_partition_filter",
                          "description", "view_query")


#: (dataset, name, information_schema's table_type) of every table and view of the warehouse.
_RELATIONS_SQL = (
    "SELECT schema_name, table_name, 'BASE TABLE' FROM duckdb_tables() WHERE database_name = current_database() "
    "UNION ALL SELECT schema_name, view_name, 'VIEW' FROM duckdb_views() WHERE database_name = current_database()"
)


#: The schemas and the relations in one query (:class:`_CatalogSnapshot`); constant text.
_SCHEMAS_AND_RELATIONS_SQL = ("SELECT schema_name, NULL, 'SCHEMA' FROM duckdb_schemas() WHERE database_name = "  # noqa: S608
                              "current_database() UNION ALL " + _RELATIONS_SQL)


def _relation_kind_of(table_type: str) -> str:
    """``'VIEW'`` or ``'TABLE'`` for an information_schema ``table_type``."""
    return "VIEW" if "VIEW" in table_type.upper() else "TABLE"


class _CatalogSnapshot:
    """What :meth:`DuckDBClient._check_rules` reads from the catalog, fetched at once.

    The lookups answer exactly as the client's own (case-insensitive names; a table's schema
    from its catalog row) from three queries instead of several per referenced table. The
    one lookup it does not cover (a table without a catalog row: its columns from DuckDB) goes
    to the client and marks the snapshot ``complete = False``. :attr:`digest` identifies the
    facts: two checks of the same statement against snapshots with equal digests read the
    same answers, so a passed check's verdict may be reused (see ``_RULE_VERDICTS``).
    """

    def __init__(self, client: DuckDBClient) -> None:
        con = client._conn
        # The schemas, and information_schema.tables' rows from the two lists that view is made
        # of (a third less work: the view builds every column of both), in one query.
        listed = con.execute(_SCHEMAS_AND_RELATIONS_SQL).fetchall()
        schemas = sorted(str(r[0]) for r in listed if r[2] == "SCHEMA")
        relations = sorted((str(r[0]), str(r[1]), str(r[2])) for r in listed if r[2] != "SCHEMA")
        rows = con.execute(
            f"SELECT {', '.join(_SNAPSHOT_META_COLUMNS)}, created_at FROM {META_SCHEMA}.tables").fetchall()  # noqa: S608
        # created_at is kept beside the facts, not in them: it answers get_table, never a rule.
        created = {(str(r[0]).lower(), str(r[1]).lower()): r[-1] for r in rows}
        meta = sorted((r[:-1] for r in rows), key=repr)
        self._setup(client, schemas, relations, meta, created)

    def _setup(self, client: DuckDBClient, schemas: list[str], relations: list[tuple[str, str, str]],
               meta: list[Any], created: dict[tuple[str, str], Any]) -> None:
        self._client = client
        self.complete = True
        self._created = created
        self._lists = (schemas, relations, meta)
        # The embedded catalog's own schema is not a dataset: BigQuery has no such dataset.
        self._datasets = {name.lower() for name in schemas} - {META_SCHEMA}
        self._dataset_spelling = {name.lower(): name for name in schemas}
        self._relations: dict[tuple[str, str], str] = {}
        self._spelling: dict[tuple[str, str], tuple[str, str]] = {}
        for ds, tbl, kind in relations:
            self._relations.setdefault((ds.lower(), tbl.lower()), _relation_kind_of(kind))
            self._spelling.setdefault((ds.lower(), tbl.lower()), (ds, tbl))
        self._meta: dict[tuple[str, str], dict[str, Any]] = {}
        for row in meta:
            record = dict(zip(_SNAPSHOT_META_COLUMNS, row, strict=True))
            self._meta.setdefault((str(record["dataset_id"]).lower(), str(record["table_id"]).lower()), record)
        self._facts = repr((schemas, relations, meta))
        self.digest = hashlib.sha256(self._facts.encode()).hexdigest()
        self._table_functions: dict[tuple[str, str], tuple[str, str]] | None = None

    def table_function_spelling(self, dataset_id: str, name: str) -> tuple[str, str] | None:
        """How the catalog spells the table function ``dataset_id.name`` (any letter case), or
        None. Read on first use (DuckDB lists every function to answer); not among the facts
        :attr:`digest` covers, so a check that asks marks the snapshot incomplete (its verdict
        is not reused)."""
        self.complete = False
        if self._table_functions is None:
            rows = self._client._conn.execute(
                "SELECT schema_name, function_name FROM duckdb_functions() WHERE database_name = current_database() "
                "AND function_type = 'table_macro'").fetchall()
            self._table_functions = {}
            for ds, fn in rows:
                self._table_functions.setdefault((str(ds).lower(), str(fn).lower()), (str(ds), str(fn)))
        return self._table_functions.get((dataset_id.lower(), name.lower()))

    def without_relation(self, dataset_id: str, table_id: str) -> _CatalogSnapshot | None:
        """The snapshot a fresh read gives after ``DROP`` of that relation and the keyed delete
        of its catalog rows (``delete_table``): the same facts less the relation (names match
        case-insensitively, as DuckDB resolves them) and less its ``_embedded_meta.tables`` rows.
        None unless every name involved is ASCII (where Python's and DuckDB's lower case agree)."""
        schemas, relations, meta = self._lists
        names = [dataset_id, table_id, *(n for r in relations for n in r[:2]),
                 *(str(n) for m in meta for n in m[:2])]
        if not all(name.isascii() for name in names):
            return None
        key = (dataset_id.lower(), table_id.lower())
        kept_relations = [r for r in relations if (r[0].lower(), r[1].lower()) != key]
        kept_meta = [m for m in meta if (str(m[0]).lower(), str(m[1]).lower()) != key]
        patched = object.__new__(type(self))  # no catalog read: the facts are known
        patched._setup(self._client, list(schemas), kept_relations, kept_meta,
                       {k: v for k, v in self._created.items() if k != key})
        return patched

    def renamed_digest(self, token: str, placeholder: str) -> str | None:
        """:attr:`digest` of the facts with ``token`` written as ``placeholder`` (both lower
        case), or None when that renaming might not be one-to-one: the placeholder is already
        there, or the token is there in another letter case."""
        facts = self._facts
        lower = facts.lower()
        if placeholder in lower or lower.count(token) != facts.count(token):
            return None
        return hashlib.sha256(facts.replace(token, placeholder).encode()).hexdigest()

    def dataset_exists(self, dataset_id: str) -> bool:
        return dataset_id.lower() in self._datasets

    def spelling(self, dataset_id: str, table_id: str | None = None) -> tuple[str, ...] | None:
        """How the catalog spells a relation (``(dataset, table)``) or, without ``table_id``, a
        dataset (``(dataset,)``); None when it has none of that name in any letter case."""
        if table_id is None:
            name = self._dataset_spelling.get(dataset_id.lower())
            return None if name is None else (name,)
        return self._spelling.get((dataset_id.lower(), table_id.lower()))

    def relation_kind(self, dataset_id: str, table_id: str) -> str | None:
        return self._relations.get((dataset_id.lower(), table_id.lower()))

    def meta_row(self, dataset_id: str, table_id: str) -> dict[str, Any] | None:
        """The relation's ``_embedded_meta.tables`` row (every column), or None: a copy."""
        key = (dataset_id.lower(), table_id.lower())
        meta = self._meta.get(key)
        return None if meta is None else {**meta, "created_at": self._created.get(key)}

    def table_schema(self, dataset_id: str, table_id: str) -> list[SchemaField]:
        meta = self._meta.get((dataset_id.lower(), table_id.lower()))
        if meta and meta.get("schema_json"):
            return [SchemaField.from_api_repr(f) for f in json.loads(meta["schema_json"])]
        self.complete = False
        return self._client._table_schema(dataset_id, table_id)

    def view_sql(self, dataset_id: str, table_id: str) -> str | None:
        meta = self._meta.get((dataset_id.lower(), table_id.lower()))
        return None if meta is None or meta["view_query"] is None else str(meta["view_query"])

    def column_names(self, dataset_id: str, table_id: str) -> set[str] | None:
        self.complete = False
        return self._client._column_names(dataset_id, table_id)

    def required_partition_filters(self) -> dict[tuple[str, str], tuple[str, bool]]:
        return _partition_filters_of(
            (m["dataset_id"], m["table_id"], m["partition_field"], m["schema_json"])
            for m in self._meta.values() if m["require_partition_filter"] and m["partition_field"] is not None)


def _stored_parameters(job_config: QueryJobConfig) -> list[Any]:
    """The config's query parameters, as its ``query_parameters`` property gives them.

    The config keeps them in their REST form; the property rebuilds every value of every
    array through the client's per-value converters (about 2 us a value, 5 ms for the
    audit's 2,460 game ids). A ``STRING`` array's REST values are the values themselves,
    so it is rebuilt here in one pass; every other parameter goes through the client's own
    ``from_api_repr``, and a config whose stored form is not the documented one
    (https://cloud.google.com/bigquery/docs/reference/rest/v2/QueryParameter) through the property.
    """
    stored = getattr(job_config, "_properties", {}).get("query", {}).get("queryParameters")
    if not isinstance(stored, list):
        return list(job_config.query_parameters)
    params: list[Any] = []
    for resource in stored:
        kind = resource.get("parameterType", {}) if isinstance(resource, dict) else None
        if not isinstance(kind, dict):
            return list(job_config.query_parameters)
        if kind.get("type") == "ARRAY" and kind.get("arrayType") == {"type": "STRING"}:
            cells = resource.get("parameterValue", {}).get("arrayValues")
            if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
                return list(job_config.query_parameters)
            params.append(ArrayQueryParameter(resource.get("name"), "STRING", [c.get("value") for c in cells]))
        elif kind.get("type") == "ARRAY":
            params.append(ArrayQueryParameter.from_api_repr(resource))
        elif kind.get("type") in ("STRUCT", "RANGE"):
            return list(job_config.query_parameters)
        else:
            params.append(ScalarQueryParameter.from_api_repr(resource))
    return params


#: Statements that passed the rule checks, by (warehouse catalog name, SQL text, parameter
#: types, partition checks on, catalog digest). The checks are a function of exactly these
#: (the statement is parsed from the text and typed with the parameter types; everything
#: else they read is in the digest), so a repeated statement against an unchanged catalog
#: gets the verdict it got before; any DDL, load that creates a table or catalog change
#: gives a new digest, and a failed check is never stored.
#: A statement's passed verdict, with the STRING parameters it reads as dates (their values are
#: checked per query: ``coerced_parameter_error``).
_RULE_VERDICTS: OrderedDict[tuple[Any, ...], CoercedParameters] = OrderedDict()
_RULE_VERDICTS_SIZE = 1024
_RULE_VERDICTS_LOCK = threading.Lock()


# --------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------
def _json_size_bound(arrays: Sequence[pa.Array], schema: Sequence[SchemaField], rows: int) -> int:
    """An upper bound of any one row's size as ``load_table_from_json`` sends it (for
    :func:`~shared_services.bigquery.limits.check_json_rows`), from the load's Arrow columns:
    every byte of their buffers escaped at its longest (``\\u00XX``, six bytes), plus each
    field's name, quotes and punctuation and a value's longest text (a timestamp) per row."""
    data = sum(array.nbytes for array in arrays)
    per_row = sum(len(field.name.encode()) + 64 for field in schema)
    return 6 * data + per_row if rows else 0


class DuckDBClient:
    """The BigQuery client port over a DuckDB file (``':memory:'`` for tests).

    Thread-safe: one lock serializes the use of the connection. Also a context manager.

    Example::

        client = DuckDBClient(':memory:')
        client.create_dataset('ds')
        job = client.query('CREATE TABLE ds.t AS SELECT 1 AS x')
        assert client.query('SELECT x FROM ds.t').to_dataframe()['x'].tolist() == [1]
        client.close()
    """

    #: BigQuery refuses more than 5 table updates (load jobs among them) per table per 10 s,
    #: a transient ``rateLimitExceeded`` its clients retry or pace themselves for
    #: (``coverage-replay`` paces its loads). The embedded warehouse does not refuse them: it
    #: runs a week of processors in seconds (the demo, the tests), where the rate is wall-clock
    #: time BigQuery's jobs would have taken. False tells a client it need not pace itself here
    #: (docs/bigquery-rules.md, "Not enforced yet").
    limits_table_update_rate = False

    def __init__(self, path: str = ":memory:", project: str = "embedded", location: str | None = None, *,
                 default_query_job_config: QueryJobConfig | None = None,
                 default_load_job_config: LoadJobConfig | None = None):
        for name, given, kind in (("default_query_job_config", default_query_job_config, QueryJobConfig),
                                  ("default_load_job_config", default_load_job_config, LoadJobConfig)):
            if given is not None and not isinstance(given, kind):
                raise TypeError(f"{name} must be a {kind.__name__}, got {type(given).__name__}")
        self.path = str(path)
        self.project = project
        self.location = location
        #: As ``google.cloud.bigquery.Client``'s: a job's own settings win, the rest come from here.
        self.default_query_job_config = default_query_job_config
        self.default_load_job_config = default_load_job_config
        self._lock = threading.RLock()
        self._results: OrderedDict[str, EmbeddedQueryJob] = OrderedDict()
        self._con: _TrackedConnection | None
        self._con, self._catalog = _open_warehouse(self.path)
        #: Shared with every client of this warehouse (see :class:`_MutationClock`).
        self._clock = _CLOCKS[self._catalog]
        #: The last catalog snapshot and the generation it was taken at (see :meth:`_catalog_snapshot`).
        self._snapshot: tuple[int, _CatalogSnapshot] | None = None
        #: Single catalog answers (:meth:`_lookup`) and the generation they hold for.
        self._lookups: dict[tuple[str, str, str], Any] = {}
        self._lookups_generation = -1
        try:
            # Settings of this connection (no catalog change: other clients' snapshots stay).
            self._con.execute_untracked("SET TimeZone='UTC'")
            self._con.execute_untracked("SET autoinstall_known_extensions=false")
            # Never resolve an unknown table name to a Python variable of the calling frames.
            self._con.execute_untracked("SET python_enable_replacements=false")
            self._ensure_meta()
        except Exception:
            _close_warehouse(self.path, self._con, self._catalog)
            raise

    # ----------------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._con is not None:
                _close_warehouse(self.path, self._con, self._catalog)
                self._con = None

    def __enter__(self) -> DuckDBClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DuckDBClient(path={self.path!r}, project={self.project!r})"

    def _rel(self, dataset_id: str, table_id: str) -> str:
        """``"catalog"."dataset"."table"`` for internal SQL (never ambiguous)."""
        return f"{_q(self._catalog)}.{_q(dataset_id)}.{_q(table_id)}"

    @property
    def _conn(self) -> _TrackedConnection:
        if self._con is None:
            raise RuntimeError("the DuckDBClient is closed")
        return self._con

    def _ensure_meta(self) -> None:
        """Create the embedded catalog's schema and tables, or add the columns later versions
        added; a file that already has all of it (the usual open) is left alone after two
        queries that only bind."""
        con = self._conn
        try:
            # the newest columns, so everything before them: binding a query that names them is
            # enough (a scan of duckdb_columns() lists every column of every attached file)
            con.execute(f"SELECT error_reason, error_message, error_api_reason FROM {META_SCHEMA}.jobs LIMIT 0")  # noqa: S608, E501
            con.execute(f"SELECT view_query FROM {META_SCHEMA}.tables LIMIT 0")  # noqa: S608
            return
        except (duckdb.CatalogException, duckdb.BinderException):
            pass
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {META_SCHEMA}")
        con.execute(
            f"""CREATE TABLE IF NOT EXISTS {META_SCHEMA}.jobs (
                job_id VARCHAR PRIMARY KEY,
                job_type VARCHAR NOT NULL,
                destination VARCHAR,
                output_rows BIGINT,
                num_dml_affected_rows BIGINT,
                statement_type VARCHAR,
                query VARCHAR,
                write_disposition VARCHAR,
                created_at TIMESTAMPTZ NOT NULL
            )"""
        )
        # Added later; files written by older versions get the columns on open.
        con.execute(f"ALTER TABLE {META_SCHEMA}.jobs ADD COLUMN IF NOT EXISTS error_reason VARCHAR")
        con.execute(f"ALTER TABLE {META_SCHEMA}.jobs ADD COLUMN IF NOT EXISTS error_message VARCHAR")
        # The error's own ``errors[].reason`` when it gave one (a quota's ``quotaExceeded``).
        con.execute(f"ALTER TABLE {META_SCHEMA}.jobs ADD COLUMN IF NOT EXISTS error_api_reason VARCHAR")
        con.execute(
            f"""CREATE TABLE IF NOT EXISTS {META_SCHEMA}.tables (
                dataset_id VARCHAR NOT NULL,
                table_id VARCHAR NOT NULL,
                schema_json VARCHAR,
                partition_field VARCHAR,
                partition_type VARCHAR,
                partition_expiration_ms BIGINT,
                clustering_fields VARCHAR,
                require_partition_filter BOOLEAN,
                description VARCHAR,
                created_at TIMESTAMPTZ NOT NULL
            )"""
        )
        con.execute(f"ALTER TABLE {META_SCHEMA}.tables ADD COLUMN IF NOT EXISTS view_query VARCHAR")

    # ----------------------------------------------------------------- errors
    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One DuckDB transaction: commit on success, roll back on ANY error.

        DuckDB errors become the matching ``google.api_core`` error; a failure of another kind
        (a bug, a conversion error) still rolls back, so the connection never stays inside a
        half-done transaction.
        """
        con = self._conn
        con.execute("BEGIN TRANSACTION")
        try:
            yield
        except duckdb.Error as err:
            con.execute("ROLLBACK")
            raise self._map_error(err) from err
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def _map_error(self, err: Exception) -> gexc.GoogleAPICallError:
        text = str(err)
        if isinstance(err, duckdb.CatalogException):
            match = re.search(r"Table with name (\S+) does not exist", text)
            if match:
                return gexc.NotFound(f"Not found: Table {self.project}:{match.group(1)} was not found ({text})")
            match = re.search(r"Schema with name (\S+) does not exist", text)
            if match:
                return gexc.NotFound(f"Not found: Dataset {self.project}:{match.group(1)} ({text})")
            match = re.search(r"(?:Scalar|Aggregate|Table) Function with name (\S+) does not exist", text)
            if match:
                # A GoogleSQL function (it passed the function list) that the translation has
                # no DuckDB form for: name it as written (sqlglot spells JSONBool j_s_o_n_bool),
                # without DuckDB's "Did you mean" (a DuckDB function, not a GoogleSQL one).
                name = re.sub(r"(?<![a-z0-9])((?:[a-z]_)+[a-z])(?=_|$)", lambda m: m.group(1).replace("_", ""),
                              match.group(1)).upper()
                name = _SQLGLOT_FUNCTION_NAMES.get(name, name)
                return gexc.BadRequest(
                    f"Function not supported by the embedded warehouse: {name} (GoogleSQL has it, the embedded "
                    "warehouse does not emulate it; write the query with other functions or run it on BigQuery)")
            return gexc.BadRequest(text)
        if isinstance(err, duckdb.ConstraintException):
            return gexc.BadRequest(f"Constraint violation: {text}")
        if isinstance(err, duckdb.TransactionException):
            # Conflict (409) means "a job / table with this id already exists" and callers rely
            # on that; BigQuery reports a concurrent-update abort as a 400.
            message = f"Transaction is aborted due to concurrent update against table(s) ({text})"
            return gexc.BadRequest(message, errors=[{"reason": "invalidQuery", "message": message}])
        raised = re.search(rf"Could not convert string '{re.escape(WINDOW_ERROR_PREFIX)}(.*?)' to INT32", text, re.S)
        if isinstance(err, duckdb.ConversionException) and raised:
            # a check inside a window's PARTITION BY / ORDER BY (sql_translate._window_errors)
            text = f"Invalid Input Error: {raised.group(1)}"
            err = duckdb.InvalidInputException(text)
        if isinstance(err, duckdb.InvalidInputException) and "division by zero" in text.lower():
            # DIV / MOD: ZetaSQL's arithmetics.h words ("division by zero: MOD(7, 0)", "division by
            # zero: 7 / 0"), not DuckDB's advice to SET error_on_division_by_zero or use TRY(...)
            integer = re.search(r"Division by zero in expression \((.*) (//|%) (.*?)\)\. Use TRY", text, re.S)
            if integer:
                a, op, b = integer.groups()
                return gexc.BadRequest(f"division by zero: MOD({a}, {b})" if op == "%" else
                                       f"division by zero: {a} / {b}")
            return gexc.BadRequest(text.split("Invalid Input Error: ", 1)[-1])
        unparsed = re.search(r'Could not parse string "(.*?)" according to format specifier "(.*?)"\n', text, re.S)
        if isinstance(err, duckdb.InvalidInputException) and unparsed:
            # A PARSE_* function's text (format elements: BigQuery's message, "Failed to parse
            # input string"), without what the translation put in front of it: sqlglot reads a
            # missing year as 1970 by parsing '1970 ' || text with '%Y ' || format.
            given, spec = unparsed.groups()
            if spec.startswith("%Y ") and given.startswith("1970 "):
                given = given[len("1970 "):]
            return gexc.BadRequest(f'Failed to parse input string "{given}" (format "{spec.removeprefix("%Y ")}", '
                                   "as the embedded warehouse reads it)")
        if "In a DISTINCT aggregate, ORDER BY expressions must appear in the argument list" in text:
            # BigQuery refuses it too, in its own words (its resolver, resolver_expr.cc)
            return gexc.BadRequest("An aggregate function that has both DISTINCT and ORDER BY arguments can only "
                                   "ORDER BY expressions that are arguments to the function")
        unknown = re.search(r"Unrecognized format for strftime/strptime: (%\S*)", text)
        if isinstance(err, duckdb.InvalidInputException) and unknown:
            return gexc.BadRequest(f"Format element {unknown.group(1)} is not emulated by the embedded warehouse; "
                                   "write the query with other format elements or run it on BigQuery")
        return gexc.BadRequest(text)

    # ----------------------------------------------------------------- names
    def _dataset_id(self, dataset: Any) -> str:
        if isinstance(dataset, Dataset | DatasetReference):
            return dataset.dataset_id
        if isinstance(dataset, str):
            parts = dataset.strip("`").replace(":", ".").split(".")
            if not parts[-1]:
                raise ValueError(f"bad dataset id {dataset!r}")
            return parts[-1]
        raise TypeError(f"dataset must be a str, DatasetReference or Dataset, got {type(dataset).__name__}")

    def _table_id(self, table: Any, *, decorated: bool = False) -> tuple[str, str]:
        if isinstance(table, str):
            parts = table.strip().strip("`").replace(":", ".").split(".")
            if len(parts) < 2 or not all(parts[-2:]):
                raise ValueError(
                    f"table id {table!r} must be 'dataset.table' or 'project.dataset.table'"
                )
            ds, tbl = parts[-2], parts[-1]
        elif hasattr(table, "dataset_id") and hasattr(table, "table_id"):
            ds, tbl = table.dataset_id, table.table_id
        else:
            raise TypeError(f"table must be a str, TableReference or Table, got {type(table).__name__}")
        if "$" in tbl and not decorated:
            # ds.t$20250115 names a partition of ds.t there (a load job takes one): elsewhere it
            # would be a table of its own here, or a silent no-op (delete_table, not_found_ok).
            raise gexc.BadRequest(f"{ds}.{tbl}: partition decorators are supported by the embedded warehouse in "
                                  "load jobs and get_table only")
        return ds, tbl

    def _partition_id(self, table: Any) -> tuple[str, str, str]:
        """``(dataset, table, decorator)`` of an id that may name one partition
        (``ds.t$20250115``: decorator ``'20250115'``; ``''`` for a whole table)."""
        ds, decorated = self._table_id(table, decorated=True)
        tbl, _, decorator = decorated.partition("$")
        return ds, tbl, decorator

    def _table_ref(self, dataset_id: str, table_id: str) -> TableReference:
        return TableReference(DatasetReference(self.project, dataset_id), table_id)

    # ----------------------------------------------------------------- catalog helpers
    def _current_snapshot(self) -> _CatalogSnapshot | None:
        """The last catalog snapshot if no catalog change was made since it was taken (else None)."""
        cached = self._snapshot
        if cached is not None and cached[0] == self._conn._generation.value:
            return cached[1]
        return None

    def _lookup(self, kind: str, dataset_id: str, table_id: str, fetch: Callable[[], Any]) -> Any:
        """``fetch()``'s answer, or the one it gave for the same names (spelled exactly so) while
        the instance's catalog generation has not moved since: no catalog change through any
        client of this DuckDB instance, exactly the rule :meth:`_catalog_snapshot` holds to.
        An answer is kept only when the generation did not move while it was read."""
        generation = self._conn._generation.value
        if generation != self._lookups_generation:
            self._lookups.clear()
            self._lookups_generation = generation
        key = (kind, dataset_id, table_id)
        if key in self._lookups:
            return self._lookups[key]
        answer = fetch()
        if self._conn._generation.value == generation:
            if len(self._lookups) >= 256:
                self._lookups.clear()
            self._lookups[key] = answer
        return answer

    def _dataset_exists(self, dataset_id: str) -> bool:
        if dataset_id.lower() == META_SCHEMA:
            return False  # the embedded catalog's own schema: no BigQuery dataset of that name
        snapshot = self._current_snapshot()
        if snapshot is not None:
            return snapshot.dataset_exists(dataset_id)

        def fetch() -> bool:
            row = self._conn.execute(
                "SELECT count(*) FROM duckdb_schemas() WHERE database_name = current_database() "
                "AND lower(schema_name) = lower($s)",
                {"s": dataset_id},
            ).fetchone()
            return bool(row and row[0])

        return bool(self._lookup("dataset", dataset_id, "", fetch))

    def _relation_kind(self, dataset_id: str, table_id: str) -> str | None:
        snapshot = self._current_snapshot()
        if snapshot is not None:
            return snapshot.relation_kind(dataset_id, table_id)

        def fetch() -> str | None:
            # The snapshot's list of relations (_RELATIONS_SQL), narrowed to this one.
            row = self._conn.execute(
                f"SELECT table_type FROM ({_RELATIONS_SQL}) AS r(table_schema, table_name, table_type) "  # noqa: S608
                "WHERE lower(table_schema) = lower($s) AND lower(table_name) = lower($t)",
                {"s": dataset_id, "t": table_id},
            ).fetchone()
            return None if row is None else _relation_kind_of(str(row[0]))

        kind: str | None = self._lookup("relation", dataset_id, table_id, fetch)
        return kind

    def _meta_row(self, dataset_id: str, table_id: str) -> dict[str, Any] | None:
        snapshot = self._current_snapshot()
        if snapshot is not None and dataset_id.isascii() and table_id.isascii():
            # (the snapshot matches names with Python's lower case, the query below with
            # DuckDB's; they agree on ASCII)
            return snapshot.meta_row(dataset_id, table_id)

        def fetch() -> dict[str, Any] | None:
            cur = self._conn.execute(
                f"SELECT * FROM {META_SCHEMA}.tables WHERE lower(dataset_id) = lower($s) "  # noqa: S608
                "AND lower(table_id) = lower($t)",
                {"s": dataset_id, "t": table_id},
            )
            row = cur.fetchone()
            if row is None:
                return None
            return dict(zip([d[0] for d in cur.description or []], row, strict=True))

        found = self._lookup("meta", dataset_id, table_id, fetch)
        return None if found is None else dict(found)  # a copy: callers may change it

    def _table_schema(self, dataset_id: str, table_id: str) -> list[SchemaField]:
        meta = self._meta_row(dataset_id, table_id)
        if meta and meta.get("schema_json"):
            return [SchemaField.from_api_repr(f) for f in json.loads(meta["schema_json"])]
        cur = self._conn.execute(f"SELECT * FROM {self._rel(dataset_id, table_id)} LIMIT 0")  # noqa: S608
        schema = schema_from_duckdb_description(cur.description)
        not_null = {
            r[0].lower()
            for r in self._conn.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND lower(schema_name) = lower($s) AND lower(table_name) = lower($t) AND NOT is_nullable",
                {"s": dataset_id, "t": table_id},
            ).fetchall()
        }
        return [
            SchemaField(f.name, f.field_type, mode="REQUIRED", fields=f.fields)
            if f.name.lower() in not_null and f.mode != "REPEATED"
            else f
            for f in schema
        ]

    def _required_partition_filters(self) -> dict[tuple[str, str], tuple[str, bool]]:
        """``(dataset, table) -> (partition column, is TIMESTAMP)`` of require_partition_filter tables."""
        rows = self._conn.execute(
            f"SELECT dataset_id, table_id, partition_field, schema_json FROM {META_SCHEMA}.tables "  # noqa: S608
            "WHERE require_partition_filter AND partition_field IS NOT NULL"
        ).fetchall()
        return _partition_filters_of(rows)

    def _view_sql(self, dataset_id: str, table_id: str) -> str | None:
        row = self._conn.execute(
            f"SELECT view_query FROM {META_SCHEMA}.tables WHERE lower(dataset_id) = lower($s) "  # noqa: S608
            "AND lower(table_id) = lower($t) AND view_query IS NOT NULL",
            {"s": dataset_id, "t": table_id},
        ).fetchone()
        return str(row[0]) if row else None

    def _column_names(self, dataset_id: str, table_id: str) -> set[str] | None:
        rows = self._conn.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND lower(schema_name) = lower($s) AND lower(table_name) = lower($t)",
            {"s": dataset_id, "t": table_id},
        ).fetchall()
        return {str(r[0]).lower() for r in rows} if rows else None

    def _prune_meta(self) -> None:
        self._conn.execute(
            f"DELETE FROM {META_SCHEMA}.tables m WHERE NOT EXISTS ("  # noqa: S608
            "SELECT 1 FROM information_schema.tables i WHERE i.table_catalog = current_database() "
            "AND lower(i.table_schema) = lower(m.dataset_id) AND lower(i.table_name) = lower(m.table_id))"
        )

    # ----------------------------------------------------------------- jobs
    def _new_job_id(self, job_id: str | None, job_id_prefix: str | None) -> str:
        if job_id is None:
            job_id = f"{job_id_prefix or ''}{uuid.uuid4()}"
        if not isinstance(job_id, str) or not _JOB_ID_RE.match(job_id):
            raise gexc.BadRequest(
                f"Invalid job ID {job_id!r}: job IDs must be alphanumeric (plus underscores and "
                "dashes) and at most 1024 characters long"
            )
        return job_id

    def _assert_job_id_free(self, job_id: str) -> None:
        row = self._conn.execute(
            f"SELECT count(*) FROM {META_SCHEMA}.jobs WHERE job_id = $j",  # noqa: S608
            {"j": job_id},
        ).fetchone()
        if row and row[0]:
            raise self._job_conflict(job_id)

    def _job_conflict(self, job_id: str) -> gexc.Conflict:
        return gexc.Conflict(f"Already Exists: Job {self.project}:{self.location or 'US'}.{job_id}")

    def _record_job(
        self,
        job_id: str,
        job_type: str,
        created: dt.datetime,
        destination: str | None = None,
        output_rows: int | None = None,
        num_dml_affected_rows: int | None = None,
        statement_type: str | None = None,
        query: str | None = None,
        write_disposition: str | None = None,
        error: gexc.GoogleAPICallError | None = None,
    ) -> None:
        try:
            # The job table is not part of the catalog the rule checks read.
            self._conn.execute_untracked(
                f"INSERT INTO {META_SCHEMA}.jobs (job_id, job_type, destination, output_rows, "  # noqa: S608
                "num_dml_affected_rows, statement_type, query, write_disposition, created_at, "
                "error_reason, error_message, error_api_reason) VALUES ($id, $type, $dest, $out, $dml, $st, $q, "
                "$wd, $ts, $er, $em, $ar)",
                {
                    "er": type(error).__name__ if error is not None else None,
                    "ar": _api_reason(error),
                    "em": (error.message or str(error)) if error is not None else None,
                    "id": job_id,
                    "type": job_type,
                    "dest": destination,
                    "out": output_rows,
                    "dml": num_dml_affected_rows,
                    "st": statement_type,
                    "q": query,
                    "wd": write_disposition,
                    "ts": created,
                },
            )
        except duckdb.ConstraintException:
            raise self._job_conflict(job_id) from None

    def _remember(self, job: EmbeddedQueryJob) -> None:
        self._results[job.job_id] = job
        while len(self._results) > _RESULT_CACHE_SIZE:
            self._results.popitem(last=False)

    def get_job(self, job_id: Any, project: str | None = None, location: str | None = None, **kwargs: Any) -> Any:
        """The finished job with this id (from any client of the same file); ``NotFound`` if unknown.

        Example::

            client.get_job('load_batch_42').output_rows
        """
        _check_keywords("get_job", kwargs)
        job_id = getattr(job_id, "job_id", job_id)
        with self._lock:
            if job_id in self._results:
                return self._results[job_id]
            cur = self._conn.execute(
                f"SELECT job_type, destination, output_rows, num_dml_affected_rows, statement_type, "  # noqa: S608
                f"query, write_disposition, created_at, error_reason, error_message, error_api_reason "
                f"FROM {META_SCHEMA}.jobs WHERE job_id = $j",
                {"j": job_id},
            )
            row = cur.fetchone()
        if row is None:
            raise gexc.NotFound(f"Not found: Job {self.project}:{self.location or 'US'}.{job_id}")
        (job_type, destination, output_rows, dml, statement_type, query, write_disposition, created,
         error_reason, error_message, api_reason) = row
        created = convert_duckdb_value(created, SchemaField("c", "TIMESTAMP"))
        job: Any
        if job_type == "load":
            ds, tbl = self._table_id(destination)
            job = EmbeddedLoadJob(
                job_id, self.project, self.location, created, self._table_ref(ds, tbl),
                int(output_rows or 0), write_disposition, "NEWLINE_DELIMITED_JSON",
            )
        else:
            rows: list[Row] | None = None if statement_type == "SELECT" else []
            job = EmbeddedQueryJob(
                job_id, self.project, self.location, created, query or "", statement_type or "",
                rows, [], dml,
            )
        if error_reason:
            job.set_failed(_rebuild_error(error_reason, error_message or "", api_reason),
                           api_reason or _REASONS.get(error_reason, "invalid"))
        return job

    # ----------------------------------------------------------------- query
    @staticmethod
    def _parameters(job_config: QueryJobConfig | None) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(types, values)`` of the job's parameters by name (``__pN`` for positional ones)."""
        params = _stored_parameters(job_config) if job_config is not None else []
        return DuckDBClient._parameters_of(params)

    @staticmethod
    def _parameters_of(params: Sequence[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        types: dict[str, Any] = {}
        values: dict[str, Any] = {}
        if len({bool(param.name) for param in params}) > 1:
            raise gexc.BadRequest("Named query parameters can't be used alongside positional query parameters (the "
                                  "job's parameters have names and no names)")
        for position, param in enumerate(params):
            name = param.name if param.name else f"__p{position}"
            if hasattr(param, "array_type"):
                element = getattr(param.array_type, "_type", param.array_type)
                if not isinstance(element, str):
                    raise gexc.BadRequest(f"Parameter {name}: only arrays of scalars are supported")
                element = element.upper()
                types[name] = (element, True)
                vals = list(param.values) if param.values is not None else None
                if element == "JSON" and vals is not None:
                    vals = [v if isinstance(v, str) else json.dumps(v) for v in vals]
                values[name] = vals
            elif hasattr(param, "type_"):
                type_name = str(getattr(param.type_, "_type", param.type_)).upper()
                types[name] = type_name
                value = param.value
                if type_name == "JSON" and value is not None and not isinstance(value, str):
                    value = json.dumps(value)
                values[name] = value
            else:
                raise gexc.BadRequest(f"Parameter {name}: STRUCT / RANGE parameters are not supported")
        return types, values

    def query(
        self,
        query: str,
        job_config: QueryJobConfig | None = None,
        job_id: str | None = None,
        job_id_prefix: str | None = None,
        location: str | None = None,
        project: str | None = None,
        **kwargs: Any,
    ) -> EmbeddedQueryJob:
        """Run BigQuery-dialect SQL (SELECT, DML, MERGE, DDL) with ``@named`` parameters.

        Returns a finished job: ``result()`` (rows with attribute / key / index access,
        ``total_rows``, ``to_dataframe()``), ``num_dml_affected_rows`` for DML, ``schema``.

        Example::

            cfg = bigquery.QueryJobConfig(query_parameters=[
                bigquery.ArrayQueryParameter('ids', 'STRING', ['a', 'b'])])
            rows = client.query('SELECT * FROM ds.t WHERE id IN UNNEST(@ids)', job_config=cfg).result()
        """
        _check_keywords("query", kwargs)
        if job_config is not None and not isinstance(job_config, QueryJobConfig):
            raise TypeError(f"job_config must be a QueryJobConfig, got {type(job_config).__name__}")
        job_config = _with_defaults(job_config, self.default_query_job_config)
        if job_config is not None and getattr(job_config, "use_legacy_sql", None):
            raise gexc.BadRequest("Legacy SQL is not supported by the embedded warehouse")
        if job_config is not None:
            _check_query_config(job_config)
        check_request(query, _stored_parameter_resources(job_config))
        dry_run = bool(job_config is not None and job_config.dry_run)
        chosen_id = job_id is not None
        job_id = self._new_job_id(job_id, job_id_prefix)
        function_job = create_table_function(self, query, dry_run, job_id)
        if function_job is not None:
            return function_job
        created = _now()
        with self._lock:
            if not dry_run and chosen_id:
                # A caller's id may be taken: refuse before running anything. A generated id
                # (a random UUID) is not looked up; the job table's primary key still refuses
                # a duplicate when the job is recorded, inside the job's transaction.
                self._assert_job_id_free(job_id)
            try:
                types, values = self._parameters(job_config)
                translation = translate(query, types, catalog=self._catalog)
                try:
                    coerced = self._check_rules(query, translation, param_types=types, reuse_verdict=True)
                    _refuse_unsupported(translation)
                    refused = coerced_parameter_error(coerced, values)
                    if refused is not None:
                        raise gexc.BadRequest(refused)
                    translation = self._catalog_typed(translation, types, coerced.occurrences)
                except RecursionError:  # the checks recurse per nested expression, as the parser does
                    raise gexc.BadRequest(TOO_DEEP) from None
                if dry_run:
                    return self._dry_run(job_id, created, query, translation, values)
                job = self._execute(job_id, created, query, translation, values)
            except gexc.GoogleAPICallError as err:
                if not dry_run:
                    # As on BigQuery, a failed job keeps its id: get_job returns it with its
                    # errors and the id cannot be reused.
                    self._record_failed_job(job_id, "query", created, query, err)
                raise
            self._remember(job)
            return job

    def query_and_wait(
        self,
        query: str,
        *,
        job_config: QueryJobConfig | None = None,
        location: str | None = None,
        project: str | None = None,
        page_size: int | None = None,
        max_results: int | None = None,
        **kwargs: Any,
    ) -> EmbeddedRowIterator:
        """Run ``query`` and return its rows, as ``google.cloud.bigquery.Client.query_and_wait``.

        The same checks and errors as :meth:`query` (a failed statement raises here);
        ``max_results`` limits the rows returned, timeouts and retries are taken.

        Example::

            rows = client.query_and_wait('SELECT 1 AS x')
            [row.x for row in rows]   # [1]
        """
        _check_keywords("query_and_wait", kwargs)
        job = self.query(query, job_config=job_config, location=location, project=project)
        return job.result(page_size=page_size, max_results=max_results)

    def __getattr__(self, name: str) -> Any:
        # Only reached for a name the class does not define: a public method of BigQuery's
        # Client the embedded warehouse lacks gets a message saying so (still an
        # AttributeError, so hasattr() and getattr(client, name, None) answer as before).
        if not name.startswith("_") and name in _bigquery_client_methods():
            hint = _UNSUPPORTED_HINTS.get(name)
            raise AttributeError(
                f"DuckDBClient.{name}: google.cloud.bigquery.Client has it, the embedded warehouse does not"
                + (f"; {hint}" if hint else "")
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @contextmanager
    def _failed_job_recorder(self, job_id: str, job_type: str, created: dt.datetime,
                             destination: str | None = None) -> Iterator[None]:
        """Record the job as failed if the block raises a Google error (not the id's own Conflict)."""
        try:
            yield
        except gexc.GoogleAPICallError as err:
            if not (isinstance(err, gexc.Conflict) and "Already Exists: Job" in str(err)):
                self._record_failed_job(job_id, job_type, created, None, err, destination=destination)
            raise

    def _record_failed_job(self, job_id: str, job_type: str, created: dt.datetime, query: str | None,
                           error: gexc.GoogleAPICallError, destination: str | None = None) -> None:
        try:
            self._record_job(job_id, job_type, created, query=query, destination=destination, error=error)
        except (gexc.Conflict, duckdb.Error):  # pragma: no cover - the id was checked just before
            pass

    def _check_rules(self, sql: str, translation: Any, partition_filters: bool = True,
                     param_types: Mapping[str, Any] | None = None, reuse_verdict: bool = False
                     ) -> CoercedParameters:
        """BigQuery's statement rules (see docs/bigquery-rules.md); ``BadRequest`` / ``NotFound``.
        Returns the STRING parameters the statements read as DATE / DATETIME / TIMESTAMP (whose
        values the caller checks: ``coerced_parameter_error``).

        ``reuse_verdict``: ``translation`` is ``translate(sql, param_types)``, so a statement
        that passed against an identical catalog (same digest) passes again without being
        re-walked (``_RULE_VERDICTS``); every statement is still checked against the catalog
        it runs on.
        """
        catalog = self._catalog_snapshot()
        verdict_key: tuple[Any, ...] | None = None
        if reuse_verdict:
            verdict_key = (self._catalog, sql, tuple(sorted((param_types or {}).items())),
                           partition_filters, catalog.digest)
            template = getattr(translation, "template", None)
            renamed = catalog.renamed_digest(template[1], STAGING_PLACEHOLDER) if template else None
            if template is not None and renamed is not None:
                # A staging table's text (replace_rows): the checks only compare names, so
                # the statement and catalog with its random token written as one placeholder
                # (both renamed alike, one-to-one) get the verdict the same shape got before.
                verdict_key = (self._catalog, template[0], *verdict_key[2:4], "renamed", renamed)
            with _RULE_VERDICTS_LOCK:
                if verdict_key in _RULE_VERDICTS:
                    _RULE_VERDICTS.move_to_end(verdict_key)
                    return _RULE_VERDICTS[verdict_key]
        trees = [st.source_ast if st.source_ast is not None else st.ast for st in translation.statements]
        types_of = _types_lookup(catalog)
        coerced = CoercedParameters()

        check_statement_kinds(trees)
        check_parameters(trees)
        check_dialect(sql, trees)
        check_unenforced_columns(trees)
        check_script(trees)
        created_datasets: set[str] = set()
        for tree in trees:
            check_merge(tree, types_of)
            check_dml_where(tree)
            if isinstance(tree, exp.Create) and str(tree.args.get("kind") or "").upper() == "SCHEMA":
                created_datasets.add(schema_name(tree).lower())
                continue
            self._check_datasets(tree, created_datasets, catalog.dataset_exists)
            self._check_name_case(tree, catalog)
            if isinstance(tree, exp.Create):
                self._check_create(tree)
            alter_added_columns(tree)  # what BigQuery refuses in ALTER TABLE, and what is not run here
            alter_set_options(tree)
            check_comparisons(tree, types_of, param_types or {}, coerced)
            check_assignments(tree, types_of, param_types or {}, coerced)
            check_created_columns(tree, types_of)
        self._check_created_views(sql, trees)
        # Quotas and limits, "Query jobs" / "Logical views": levels of nested views, resolved
        # length, referenced resources (limits.py); a view's text is measured as stored.
        check_references(trees, utf8_size(sql), catalog.view_sql)
        check_transactions(trees)
        required = catalog.required_partition_filters() if partition_filters else {}
        if required:
            for tree in trees:
                expanded = expand_views(tree, catalog.view_sql)
                missing = unfiltered_partition_tables(expanded, required, catalog.column_names)
                if missing:
                    raise partition_filter_error(*missing[0])
        if verdict_key is not None and catalog.complete:
            with _RULE_VERDICTS_LOCK:
                _RULE_VERDICTS[verdict_key] = coerced
                while len(_RULE_VERDICTS) > _RULE_VERDICTS_SIZE:
                    _RULE_VERDICTS.popitem(last=False)
        return coerced

    def _catalog_typed(self, translation: Any, param_types: Mapping[str, Any] | None = None,
                       parameter_casts: Mapping[int, str] | None = None) -> Any:
        """``translation`` with what the catalog's types decide: each JSON_QUERY / JSON_EXTRACT
        of a STRING returning JSON text, as BigQuery's does, and each string literal a set
        operation pairs with a DATE (DATETIME, TIME, TIMESTAMP) column of that type, and each
        place a STRING parameter is read as a DATE / DATETIME / TIMESTAMP (``parameter_casts``,
        from the statement rules) cast to it, and each ROUND / TRUNC of an INT64 and SIGN of a
        FLOAT64 / NUMERIC typed as BigQuery types it (``sql_translate.catalog_typed_statement``);
        the same object when there is none of these (the common case costs three attribute
        reads per statement)."""
        if not parameter_casts and not any(st.json_calls or st.set_literals or st.result_calls
                                           for st in translation.statements):
            return translation
        types_of = _types_lookup(self._catalog_snapshot())
        statements = []
        for st in translation.statements:
            source = st.source_ast if st.source_ast is not None else st.ast
            calls = string_json_calls(source, types_of, param_types or {}, JSON_CALL_META) if st.json_calls else set()
            literals = set_literal_types(source, types_of, param_types or {}, SET_LITERAL_META) \
                if st.set_literals else {}
            results = call_result_types(source, types_of, param_types or {}, RESULT_CALL_META) \
                if st.result_calls else {}
            statements.append(catalog_typed_statement(st, calls, literals, parameter_casts, results))
        return dataclasses.replace(translation, statements=statements)

    def _catalog_snapshot(self) -> _CatalogSnapshot:
        """The catalog as the rule checks see it: the last snapshot while the instance's catalog
        generation has not moved since it was taken (no catalog change through any client of
        this DuckDB instance), else a new one."""
        generation = self._conn._generation.value  # read before the snapshot: a change during it moves it on
        cached = self._snapshot
        if cached is not None and cached[0] == generation:
            cached[1].complete = True  # per check: whether THIS check read past the snapshot
            return cached[1]
        self._snapshot = None
        snapshot = _CatalogSnapshot(self)
        self._snapshot = (generation, snapshot)
        return snapshot

    def _check_datasets(self, tree: exp.Expression, created: set[str],
                        dataset_exists: Callable[[str], bool] | None = None) -> None:
        exists = dataset_exists or self._dataset_exists
        aliases: set[str] | None = None
        for table in tree.find_all(exp.Table):
            db = table.args.get("db")
            if db is None or not db.name:
                continue
            name = db.name
            if name.lower() == META_SCHEMA:
                # The embedded catalog's own schema is no dataset, whatever an alias or a
                # CREATE SCHEMA of the same statement says.
                raise gexc.NotFound(f"Not found: Dataset {self.project}:{name} was not found in location "
                                    f"{self.location or 'US'}")
            if name.lower() in created or name.upper() == "INFORMATION_SCHEMA":
                continue
            if aliases is None:
                aliases = {t.alias_or_name.lower() for t in tree.find_all(exp.Table)} | {
                    sq.alias.lower() for sq in tree.find_all(exp.Subquery) if sq.alias
                }
            if name.lower() in aliases:
                continue  # FROM t, t.array_column
            if not exists(name):
                raise gexc.NotFound(
                    f"Not found: Dataset {self.project}:{name} was not found in location "
                    f"{self.location or 'US'}"
                )

    def _check_name_case(self, tree: exp.Expression, catalog: _CatalogSnapshot) -> None:
        """Dataset and table names are case-sensitive on BigQuery ("Lexical structure and
        syntax", section "Case sensitivity": "Dataset and table names are case-sensitive unless
        the is_case_insensitive option is set to TRUE",
        https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#case_sensitivity);
        DuckDB resolves ``ds.T`` to ``ds.t``. A reference spelled otherwise than the catalog
        spells it is ``NotFound`` here as there; a CREATE of a name that differs from an
        existing one only in case is refused (BigQuery would make a second table; this
        warehouse cannot hold both)."""
        for table in tree.find_all(exp.Table):
            if isinstance(table.this, exp.Anonymous):  # FROM ds.fn(...): a table function call
                self._check_table_function_case(table, catalog)
                continue
            db = table.args.get("db")
            if db is None or not db.name or not table.name or db.name.upper() == "INFORMATION_SCHEMA":
                continue
            creating = isinstance(tree, exp.Create) and tree.this is not None and table is tree.this.find(exp.Table)
            error = self._spelling_error(catalog, db.name, table.name, creating=creating)
            if error is not None:
                raise error

    def _check_table_function_case(self, table: exp.Table, catalog: _CatalogSnapshot) -> None:
        """A table function's name is case-sensitive too (``ds.MyFn(...)`` is not ``ds.myfn``),
        and so is its dataset's; DuckDB's macros resolve in any case."""
        call = table.this
        parts = [p.name for p in (table.args.get("catalog"), table.args.get("db")) if p is not None]
        parts += str(call.name).split(".")
        if len(parts) < 2:
            return  # unqualified: a built-in (check_functions) or not found
        dataset, name = parts[-2], parts[-1]
        error = self._spelling_error(catalog, dataset, None)
        if error is not None:
            raise error
        spelled = catalog.table_function_spelling(dataset, name)
        if spelled is not None and spelled != (dataset, name):
            raise gexc.NotFound(
                f"Not found: Table-valued function {self.project}.{dataset}.{name} (function names are "
                f"case-sensitive: the function is {spelled[0]}.{spelled[1]})")

    def _spelling_error(self, catalog: _CatalogSnapshot, dataset: str, name: str | None, *,
                        creating: bool = False) -> gexc.GoogleAPICallError | None:
        """The error BigQuery gives for ``dataset.name`` (or the dataset alone) when the catalog
        spells it in another letter case (see :meth:`_check_name_case`): ``NotFound``, or
        ``BadRequest`` for a name being created; None when the spelling is the catalog's or
        the catalog has no such name in any case."""
        spelled = catalog.spelling(dataset, name) if name is not None else None
        if spelled is None:
            known = catalog.spelling(dataset)
            if known is not None and known[0] != dataset and known[0].lower() != META_SCHEMA:
                if creating and name is None:
                    return gexc.BadRequest(
                        f"Cannot create dataset {dataset}: the embedded warehouse already holds {known[0]}, "
                        "which differs only in letter case (BigQuery would keep both; use one spelling)")
                return gexc.NotFound(
                    f"Not found: Dataset {self.project}:{dataset} was not found in location "
                    f"{self.location or 'US'} (dataset names are case-sensitive: the dataset is {known[0]})")
            return None
        if spelled == (dataset, name):
            return None
        where = f"{spelled[0]}.{spelled[1]}"
        if creating:
            return gexc.BadRequest(
                f"Cannot create {dataset}.{name}: the embedded warehouse already holds {where}, which "
                "differs only in letter case (BigQuery would keep both; use one spelling)")
        return gexc.NotFound(f"Not found: Table {self.project}:{dataset}.{name} was not found in location "
                             f"{self.location or 'US'} (table names are case-sensitive: the table is {where})")

    def _check_api_spelling(self, dataset: str, name: str | None = None, *, creating: bool = False) -> None:
        """:meth:`_spelling_error` for a name given to the client API (``get_table('ds.T')``,
        a load into ``ds.T``): names are case-sensitive there too ("Create and use tables",
        section "Table naming": "Table names are case-sensitive by default. mytable and MyTable
        can coexist in the same dataset", https://cloud.google.com/bigquery/docs/tables#table_naming),
        so the same error is raised. The embedded catalog's own
        schema is no dataset: the usual checks report it as not found."""
        if dataset.lower() == META_SCHEMA:
            return
        error = self._spelling_error(self._catalog_snapshot(), dataset, name, creating=creating)
        if error is not None:
            raise error

    def _missing_table(self, err: duckdb.CatalogException, source: exp.Expression | None) -> gexc.NotFound | None:
        """BigQuery's NotFound for a table the statement names that does not exist, with its
        dataset ("Not found: Table p:ds.t was not found in location US"). DuckDB names the table
        alone and offers one of its own system tables ("Did you mean pg_catalog.pg_enum?"),
        which an operator would chase; None when the statement does not name that table."""
        match = re.search(r"Table with name (\S+) does not exist", str(err))
        if match is None or source is None:
            return None
        name = match.group(1).strip('"').lower()
        for table in source.find_all(exp.Table):
            db = table.args.get("db")
            if db is not None and db.name and table.name.lower() == name:
                return gexc.NotFound(f"Not found: Table {self.project}:{db.name}.{table.name} was not found in "
                                     f"location {self.location or 'US'}")
        return None

    def _execute(self, job_id: str, created: dt.datetime, query: str, translation: Any,
                 values: Mapping[str, Any]) -> EmbeddedQueryJob:
        in_transaction, mutated = mutated_tables(
            [s.source_ast if s.source_ast is not None else s.ast for s in translation.statements])
        if mutated:
            self._clock.admit(mutated)  # (each table's queue of mutating DML jobs)
        try:
            return self._execute_statements(job_id, created, query, translation, values, in_transaction, mutated)
        finally:
            if mutated:
                self._clock.leave(mutated)

    def _execute_statements(self, job_id: str, created: dt.datetime, query: str, translation: Any,
                            values: Mapping[str, Any], in_transaction: frozenset[tuple[str, str]],
                            mutated: frozenset[tuple[str, str]]) -> EmbeddedQueryJob:
        """:meth:`_execute`'s statements, in one DuckDB transaction committed when they all ran."""
        con = self._conn
        rows: list[Row] = []
        tuples: list[tuple[Any, ...]] | None = None
        schema: list[SchemaField] = []
        dml: int | None = None
        statements = translation.statements
        statement_type = "SCRIPT" if len(statements) > 1 else statements[0].kind
        clock = self._clock
        started = clock.now  # (before the DuckDB transaction's snapshot is taken)
        # The whole job is one DuckDB transaction: a script's BEGIN / COMMIT TRANSACTION mark
        # what BigQuery commits atomically, and a failure anywhere rolls everything back.
        with ExitStack() as committing, self._transaction():
            for statement in statements:
                kind = statement.kind
                if kind in ("BEGIN", "COMMIT"):
                    continue
                params = {name: values[name] for name in statement.parameter_names}
                source = statement.source_ast
                existed = self._ddl_target_exists(source)
                if kind in ("UPDATE", "MERGE"):
                    try:
                        self._check_one_source_row(statement.ast, params)
                    except duckdb.CatalogException as err:
                        raise self._missing_table(err, source) or err from None
                options = alter_set_options(source) if source is not None else None
                added = alter_added_columns(source) if source is not None and options is None else None
                if options is not None or added is not None:
                    if options is not None:
                        self._alter_set_options(source, options)
                    else:
                        self._alter_add_columns(source, added or [])
                    rows, schema, tuples, dml = [], [], None, None
                    continue
                partitioned = self._written_partitions(source) if kind in ("INSERT", "UPDATE", "DELETE", "MERGE") \
                    else None
                try:
                    if partitioned is not None:
                        # The partitions this statement writes, for BigQuery's 4,000 per job.
                        cur = con.execute_untracked(f"{statement.sql} RETURNING {partitioned.returning}", params)
                    elif kind in ("SELECT", "INSERT", "UPDATE", "DELETE", "MERGE"):
                        # A query, or DML: rows of data tables change, the catalog does not (no
                        # statement that names the catalog's own schema passes _check_datasets).
                        cur = con.execute_untracked(statement.sql, params)
                    else:
                        cur = con.execute(statement.sql, params)
                except duckdb.CatalogException as err:
                    raise self._missing_table(err, source) or err from None
                if kind == "SELECT":
                    schema = schema_from_duckdb_description(cur.description)
                    check_columns("", [f.to_api_repr() for f in schema], "The query's result")
                    index = {f.name: i for i, f in enumerate(schema)}
                    tuples = fetch_duckdb_rows(cur, schema)
                    rows = [Row(r, index) for r in tuples]
                    dml = None
                elif kind in ("INSERT", "UPDATE", "DELETE", "MERGE"):
                    if partitioned is not None:
                        written = cur.fetchall()
                        # (over a limit, the job's transaction rolls back)
                        check_partitions(len(set(written)), partitioned.name)
                        if written and kind != "DELETE":  # (a DELETE adds no partition)
                            self._check_table_partitions(partitioned.dataset, partitioned.table,
                                                         partitioned.unit, partitioned.column)
                        dml = (dml or 0) + len(written)
                    else:
                        fetched = cur.fetchone()
                        dml = (dml or 0) + int(fetched[0] if fetched else 0)
                    rows, schema, tuples = [], [], None
                    if kind != "DELETE":  # (a DELETE writes no value)
                        self._empty_null_arrays(source)
                else:
                    rows, schema, tuples = [], [], None
                    if source is None or not isinstance(source, exp.Create | exp.Alter) or source.find(exp.Drop):
                        # a statement that may have removed a relation (a DROP, a script); a
                        # CREATE or an ALTER ... ADD COLUMN / SET OPTIONS removes none
                        self._prune_meta()
                    if isinstance(source, exp.Create) and not existed:
                        self._record_ddl(source, query)
                    if isinstance(source, exp.Create) and source.expression is not None \
                            and str(source.args.get("kind") or "").upper() == "TABLE":
                        self._empty_null_arrays(source)  # CREATE TABLE ... AS SELECT
            self._record_job(
                job_id, "query", created, num_dml_affected_rows=dml,
                statement_type=statement_type, query=query,
            )
            if mutated:
                # The check, the COMMIT (when the with block ends) and the record are one step
                # for every client of this warehouse.
                committing.enter_context(clock.lock)
                self._check_concurrent_mutations(in_transaction, started, job_id)

                def record_if_committed(failed: type[BaseException] | None, *_: object) -> bool:
                    if failed is None:  # (the COMMIT succeeded: a rollback mutated nothing)
                        clock.record(mutated, job_id)
                    return False

                committing.push(record_if_committed)
        return EmbeddedQueryJob(
            job_id, self.project, self.location, created, query, statement_type,
            rows, schema, dml, values=tuples,
        )

    def _check_concurrent_mutations(self, tables: Iterable[tuple[str, str]], started: int, job_id: str) -> None:
        """``BadRequest`` (reason ``invalidQuery``, BigQuery's message) when a transaction of
        this job mutates a table another job mutated since mutation number ``started`` (see
        :class:`_MutationClock`). BigQuery's words, as its error pages quote them: "Transaction
        is aborted due to concurrent update against table p:ds.t. Transaction ID: ...". A
        conflicting DML statement outside a transaction is queued by BigQuery, not cancelled,
        so only a transaction's tables are checked."""
        hit = self._clock.conflict(tables, started)
        if hit is None:
            return
        (dataset, table), blocking = hit
        spelled = self._catalog_snapshot().spelling(dataset, table)  # (the keys are lower case)
        name = f"{spelled[0]}.{spelled[1]}" if spelled else f"{dataset}.{table}"
        message = (f"Transaction is aborted due to concurrent update against table {self.project}:{name}. "
                   f"Transaction ID: {job_id}. Blocking job: {blocking}")
        raise gexc.BadRequest(message, errors=[{"reason": "invalidQuery", "message": message}])

    def _empty_null_arrays(self, source: exp.Expression | None) -> None:
        """A NULL ARRAY the statement wrote to its table is an empty ARRAY, as on BigQuery: "When
        you write a NULL array to a table, it's converted to an empty array" (data types, "Array
        type" > "NULLs and the array type"); a REPEATED column an INSERT leaves out is empty too.
        DuckDB kept the NULL, so ``tags IS NULL`` found rows BigQuery has none of and
        ``ARRAY_LENGTH(tags)`` was NULL where BigQuery says 0 (a load already wrote ``[]``). Run
        in the job's transaction, for the top-level REPEATED columns of the target of an INSERT,
        UPDATE, MERGE or CREATE TABLE ... AS SELECT.

        An ARRAY with a NULL element cannot be written at all: "GoogleSQL for BigQuery raises an
        error if the query result has an array which contains NULL elements" (the same section),
        in BigQuery's words "Array cannot have a null element; error in writing field tags".
        DuckDB stored ``['a', NULL]``; the job now fails and its transaction writes nothing."""
        target = _written_table(source)
        if target is None:
            return
        dataset_id, table_id = target
        relation = self._rel(dataset_id, table_id)
        repeated = [f.name for f in self._table_schema(dataset_id, table_id) if (f.mode or "").upper() == "REPEATED"]
        if not repeated:
            return
        holes = ", ".join(f"bool_or(list_count({_q(n)}) < len({_q(n)}))" for n in repeated)
        found = self._conn.execute_untracked(f"SELECT {holes} FROM {relation}").fetchone()  # noqa: S608
        for name, hole in zip(repeated, found or (), strict=False):
            if hole:
                raise gexc.BadRequest(f"Array cannot have a null element; error in writing field {name}")
        for name in repeated:
            self._conn.execute_untracked(
                f"UPDATE {relation} SET {_q(name)} = [] WHERE {_q(name)} IS NULL")  # noqa: S608

    def _check_one_source_row(self, tree: exp.Expression, params: Mapping[str, Any]) -> None:
        """BigQuery's runtime rule for DML that joins a source: "If a row in the table to be
        updated joins with more than one row from the FROM clause, then the query generates the
        following runtime error: UPDATE/MERGE must match at most one source row for each target
        row" (DML syntax, "UPDATE statement" and "MERGE statement",
        https://cloud.google.com/bigquery/docs/reference/standard-sql/dml-syntax#update_statement).
        DuckDB silently applies one of the matches (which one is arbitrary): an upsert whose
        staging rows repeat a key passed here and failed in production. Checked, inside the
        job's transaction, on the translated statement: a MERGE with a ``WHEN MATCHED`` clause
        (its ON condition) and an ``UPDATE ... FROM`` (its WHERE condition)."""
        target = tree.this
        if not isinstance(target, exp.Table):
            return
        reference = target.alias_or_name
        if isinstance(tree, exp.Merge):
            whens = tree.args.get("whens")
            clauses = whens.expressions if isinstance(whens, exp.Whens) else []
            source, on = tree.args.get("using"), tree.args.get("on")
            if source is None or on is None or not any(w.args.get("matched") for w in clauses):
                return
            join = f"{target.sql('duckdb')} JOIN {source.sql('duckdb')} ON {on.sql('duckdb')}"
        elif isinstance(tree, exp.Update):
            sources = tree.args.get("from_")
            if not isinstance(sources, exp.From):
                return
            where = tree.args.get("where")
            join = f"{target.sql('duckdb')} CROSS JOIN {sources.this.sql('duckdb')}"
            if where is not None:
                join += f" WHERE {where.this.sql('duckdb')}"
        else:
            return
        check = (f"SELECT 1 FROM {join} GROUP BY {exp.column('rowid', table=reference).sql('duckdb')} "  # noqa: S608
                 "HAVING COUNT(*) > 1 LIMIT 1")
        used = {name: value for name, value in params.items() if f"${name}" in check}
        if self._conn.execute_untracked(check, used).fetchone():
            raise gexc.BadRequest("UPDATE/MERGE must match at most one source row for each target row")

    def _dry_run(self, job_id: str, created: dt.datetime, query: str, translation: Any,
                 values: Mapping[str, Any]) -> EmbeddedQueryJob:
        """Validate without running: rules, binding (tables, columns, types) and result schema.

        Queries and DML are only planned (``EXPLAIN`` / ``LIMIT 0``); DDL runs so that later
        statements of a script bind, inside a transaction that is always rolled back. No job
        is recorded (BigQuery does not store dry-run jobs).
        """
        con = self._conn
        schema: list[SchemaField] = []
        statements = translation.statements
        statement_type = "SCRIPT" if len(statements) > 1 else statements[0].kind
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                kind = statement.kind
                if kind in ("BEGIN", "COMMIT"):
                    continue
                params = {name: values[name] for name in statement.parameter_names}
                if kind == "SELECT":
                    cur = con.execute(f"SELECT * FROM ({statement.sql}) AS __dry_run LIMIT 0", params)  # noqa: S608
                    schema = schema_from_duckdb_description(cur.description)
                elif kind in ("INSERT", "UPDATE", "DELETE", "MERGE"):
                    con.execute(f"EXPLAIN {statement.sql}", params)
                else:
                    con.execute(statement.sql, params)
        except duckdb.Error as err:
            raise self._map_error(err) from err
        finally:
            con.execute("ROLLBACK")
        job = EmbeddedQueryJob(job_id, self.project, self.location, created, query, statement_type,
                               [], schema, None)
        job.dry_run = True
        return job

    # ----------------------------------------------------------------- DDL through query()
    def _ddl_target(self, source: exp.Expression | None) -> tuple[str, str] | None:
        if not isinstance(source, exp.Create):
            return None
        kind = str(source.args.get("kind") or "").upper()
        if kind not in ("TABLE", "VIEW"):
            return None
        return _written_table(source)

    def _ddl_target_exists(self, source: exp.Expression | None) -> bool:
        target = self._ddl_target(source)
        if target is None or not isinstance(source, exp.Create):
            return False
        if source.args.get("replace"):
            return False
        return self._relation_kind(*target) is not None

    def _alter_target(self, alter: exp.Expression) -> tuple[str, str] | None:
        """The table an ALTER TABLE names (None: IF EXISTS and there is none, nothing to do)."""
        table = alter.this
        if not isinstance(table, exp.Table) or table.args.get("db") is None:
            raise gexc.BadRequest("ALTER TABLE needs a dataset-qualified table name")
        ds, tbl = table.args["db"].name, table.name
        kind = self._relation_kind(ds, tbl)
        if kind is None:
            if alter.args.get("exists"):
                return None  # ALTER TABLE IF EXISTS of no table: no effect
            raise gexc.NotFound(f"Not found: Table {self.project}:{ds}.{tbl}")
        if kind == "VIEW":
            raise gexc.BadRequest(f"{self.project}:{ds}.{tbl} is a view: ALTER TABLE needs a table")
        return ds, tbl

    def _alter_set_options(self, alter: exp.Expression, options: Mapping[str, object]) -> None:
        """``ALTER TABLE ... SET OPTIONS``: the options the client reports (``get_table``) and
        the rules enforce (``require_partition_filter``); NULL clears one."""
        target = self._alter_target(alter)
        if target is None:
            return
        ds, tbl = target
        meta = self._meta_row(ds, tbl) or {}
        partitioned = bool(meta.get("partition_field"))
        sets: dict[str, object] = {}
        if "require_partition_filter" in options:
            if options["require_partition_filter"] and not partitioned:
                raise gexc.BadRequest("require_partition_filter is only allowed on a partitioned table")
            sets["require_partition_filter"] = bool(options["require_partition_filter"])
        if "partition_expiration_days" in options:
            days = options["partition_expiration_days"]
            if days is not None and not partitioned:
                raise gexc.BadRequest("partition_expiration_days is only allowed on a partitioned table")
            sets["partition_expiration_ms"] = None if days is None else int(float(days) * _DAY_MS)  # type: ignore[arg-type]
        if "description" in options:
            sets["description"] = options["description"]
        if not meta:  # a table made outside the client: give it its row first
            self._write_meta(ds, tbl, self._table_schema(ds, tbl), None, None, None, None, False, None, None)
        assignments = ", ".join(f"{column} = ${column}" for column in sets)
        self._conn.execute(
            f"UPDATE {META_SCHEMA}.tables SET {assignments} WHERE lower(dataset_id) = lower($ds) "  # noqa: S608
            "AND lower(table_id) = lower($t)",
            {**sets, "ds": ds, "t": tbl},
        )

    def _alter_add_columns(self, alter: exp.Expression, added: list[tuple[str, str, str, bool]]) -> None:
        """``ALTER TABLE ... ADD COLUMN``, applied to the table AND to the schema the client
        reports (``get_table``), as a load's ALLOW_FIELD_ADDITION is (``_apply_schema_updates``)."""
        target = self._alter_target(alter)
        if target is None:
            return
        ds, tbl = target
        schema = self._table_schema(ds, tbl)
        names = {f.name.lower() for f in schema}
        fields: list[SchemaField] = []
        for name, bq_type, mode, if_not_exists in added:
            if name.lower() in names:
                if if_not_exists:
                    continue
                raise gexc.BadRequest(f"Column already exists: {name}")
            names.add(name.lower())
            fields.append(_normalized_field(SchemaField(name, bq_type, mode=mode)))
        if fields:
            # The names as CREATE TABLE checks them (characters, reserved prefixes such as
            # _PARTITION), with the table's partitioning and clustering as they are.
            meta = self._meta_row(ds, tbl) or {}
            validate_table_definition(
                f"{ds}.{tbl}",
                [(f.name, normalize_bq_type(f.field_type), (f.mode or "NULLABLE").upper()) for f in [*schema, *fields]],
                meta.get("partition_field"),
                json.loads(meta["clustering_fields"]) if meta.get("clustering_fields") else None,
            )
            self._apply_schema_updates(ds, tbl, schema, fields, [])

    def _written_partitions(self, source: exp.Expression | None) -> _PartitionedTarget | None:
        """For a DML statement whose target is a time-partitioned table: the table, its
        partitioning and the DuckDB expression of a written row's partition for a RETURNING
        clause; else None. (An UPDATE that moves rows to other partitions is counted by their
        new partitions.)"""
        target = statement_target(source, (exp.Insert, exp.Update, exp.Delete, exp.Merge))
        if target is None or target.args.get("db") is None:
            return None
        ds, tbl = target.args["db"].name, target.name
        partitioning = self._partitioning(ds, tbl)
        if partitioning is None:
            return None
        unit, column = partitioning
        # INSERT's RETURNING reads the target's columns; the others may also see a source or
        # subquery with the same column name, so the target's alias (or name) qualifies it.
        qualifier = "" if isinstance(source, exp.Insert) else f"{_q(target.alias_or_name)}."
        return _PartitionedTarget(ds, tbl, unit, column, f"date_trunc('{unit}', {qualifier}{column})")

    def _partitioning(self, ds: str, tbl: str) -> tuple[str, str] | None:
        """``(date_trunc unit, quoted partition column)`` of a time-partitioned ``ds.tbl``, from
        the catalog snapshot (only a fixed unit of :data:`_PARTITION_UNITS` reaches SQL); None
        for a table without a partition column."""
        meta = self._catalog_snapshot().meta_row(ds, tbl) or {}
        if not meta.get("partition_field"):
            return None
        return (_PARTITION_UNITS.get(str(meta.get("partition_type") or "DAY").upper(), "day"),
                _q(str(meta["partition_field"])))

    def _count_partitions(self, relation: str, unit: str, value: str) -> int:
        """How many partitions the rows of ``relation`` fall in: the distinct ``date_trunc`` of
        ``value`` (a column, or a load's cast of one), and one more if any is NULL."""
        counted = self._conn.execute(
            f"SELECT count(DISTINCT date_trunc('{unit}', {value})) + (count(*) - count({value}) > 0)::INT "  # noqa: S608
            f"FROM {relation}").fetchall()[0][0]
        return int(counted or 0)

    def _partition_span(self, ds: str, tbl: str, unit: str, column: str) -> int:
        """How many partitions ``ds.tbl`` can have at most: the units from its first partition
        to its last, and its NULL partition (one pass; ``date_trunc`` is monotonic, so the
        first and last partitions are those of min and max). 0 for an empty table."""
        low, high, nulls = self._conn.execute(
            f"SELECT date_trunc('{unit}', min({column})), date_trunc('{unit}', max({column})), "  # noqa: S608
            f"count(*) - count({column}) > 0 FROM {self._rel(ds, tbl)}").fetchall()[0]
        if low is None:
            return int(bool(nulls))
        if unit in ("day", "hour"):
            span = int((high - low).total_seconds() // (86_400 if unit == "day" else 3_600)) + 1
        else:
            span = (high.year - low.year) * (12 if unit == "month" else 1) \
                + ((high.month - low.month) if unit == "month" else 0) + 1
        return span + bool(nulls)

    def _check_table_partitions(self, ds: str, tbl: str, unit: str, column: str, span: int | None = None) -> None:
        """BigQuery's 10,000 partitions a partitioned table may hold, after a write (inside its
        transaction): bounded by :meth:`_partition_span`, counted exactly only past it."""
        if (self._partition_span(ds, tbl, unit, column) if span is None else span) <= MAX_PARTITIONS_PER_TABLE:
            return
        check_table_partitions(self._count_partitions(self._rel(ds, tbl), unit, column), f"{ds}.{tbl}")

    def _check_view_columns(self, ds: str, tbl: str) -> None:
        """A view just created (inside its transaction) has at most 10,000 columns, nested ones
        counted, as a view definition on BigQuery (``limits.check_columns``)."""
        check_columns(f"{ds}.{tbl}", [f.to_api_repr() for f in self._table_schema(ds, tbl)], "View")

    def _check_created_views(self, sql: str, trees: Sequence[exp.Expression]) -> None:
        """BigQuery's limits on a view a CREATE VIEW statement creates: its query's length as
        written (``limits.created_view_bodies``) and its description."""
        views = [tree for tree in trees
                 if isinstance(tree, exp.Create) and str(tree.args.get("kind") or "").upper() == "VIEW"]
        if not views:
            return
        bodies = created_view_bodies(sql)
        for position, tree in enumerate(views):
            target = self._ddl_target(tree)
            name = ".".join(target) if target is not None else "(unnamed)"
            body = tree.args.get("expression")
            written = bodies[position] if position < len(bodies) else (body.sql("bigquery") if body is not None else "")
            check_view_definition(name, written)
            check_descriptions(name, ddl_options(tree).description)

    def _check_create(self, create: exp.Create) -> None:
        """What BigQuery validates in CREATE TABLE: names, PARTITION BY, CLUSTER BY, OPTIONS."""
        target = self._ddl_target(create)
        if target is None or str(create.args.get("kind") or "").upper() != "TABLE":
            return
        options = ddl_options(create)
        check_descriptions(f"{target[0]}.{target[1]}", options.description)
        fields = ddl_fields(create)
        if fields:
            validate_table_definition(f"{target[0]}.{target[1]}", fields, options.partition_field,
                                      options.clustering, options.partition_types)

    def _record_ddl(self, source: exp.Create, query: str) -> None:
        """Keep what BigQuery keeps from a CREATE TABLE / VIEW run through ``query()``: a view's
        query as written in ``query`` (comments kept, as BigQuery keeps it: it counts toward the
        resolved length of a query that reads the view, ``limits.check_references``)."""
        target = self._ddl_target(source)
        if target is None:
            return
        ds, tbl = target
        if str(source.args.get("kind") or "").upper() == "VIEW":
            body = source.args.get("expression")
            text = body.sql("bigquery") if body is not None else None
            written = created_view_bodies(query)
            if len(written) == 1:  # (a script creating several views keeps each as sqlglot writes it)
                text = written[0]
            self._check_view_columns(ds, tbl)
            self._write_meta(ds, tbl, [], None, None, None, None, False, ddl_options(source).description, text)
            return
        options = ddl_options(source)
        self._conn.execute(
            f"DELETE FROM {META_SCHEMA}.tables WHERE lower(dataset_id) = lower($ds) "  # noqa: S608
            "AND lower(table_id) = lower($t)",
            {"ds": ds, "t": tbl},
        )
        schema = self._table_schema(ds, tbl)
        fields = [(f.name, normalize_bq_type(f.field_type), (f.mode or "NULLABLE").upper()) for f in schema]
        # CREATE TABLE ... AS SELECT has no column list: validate against the result's schema.
        validate_table_definition(f"{ds}.{tbl}", fields, options.partition_field, options.clustering,
                                  options.partition_types)
        partition_field = next((f.name for f in schema if options.partition_field
                                and f.name.lower() == options.partition_field.lower()), None)
        self._write_meta(
            ds, tbl, schema, partition_field, options.partition_unit if partition_field else None,
            options.expiration_days * _DAY_MS if options.expiration_days is not None else None,
            options.clustering or None, options.require_partition_filter, options.description, None,
        )
        if partition_field and source.expression is not None:
            # CREATE TABLE ... PARTITION BY ... AS SELECT writes every partition the new table
            # has: at most 4,000 (the dbt model of fivetran/dbt_zendesk#39 met it so)
            partitions = self._count_partitions(self._rel(ds, tbl), _PARTITION_UNITS[options.partition_unit],
                                                _q(partition_field))
            check_partitions(partitions, f"{ds}.{tbl}")  # (so also under 10,000 in all)

    # ----------------------------------------------------------------- datasets
    def create_dataset(self, dataset: Any, exists_ok: bool = False, **kwargs: Any) -> Dataset:
        """Create a dataset (a DuckDB schema); ``Conflict`` if it exists and not ``exists_ok``.

        Example::

            client.create_dataset('nba_reference', exists_ok=True)
        """
        _check_keywords("create_dataset", kwargs)
        dataset_id = self._dataset_id(dataset)
        if dataset_id.lower() == META_SCHEMA:
            raise gexc.BadRequest(f"Dataset name {dataset_id} is reserved")
        validate_dataset_id(dataset_id)
        properties = getattr(dataset, "_properties", None) or {}
        changing = sorted(key for key in ("isCaseInsensitive", "defaultCollation", "defaultRoundingMode")
                          if properties.get(key))
        if changing:
            # Each changes how the dataset's names or values compare or round there.
            raise gexc.BadRequest(f"Dataset {dataset_id}: {', '.join(_snake(key) for key in changing)} not supported "
                                  "by the embedded warehouse (it would be ignored here)")
        with self._lock:
            self._check_api_spelling(dataset_id, creating=True)
            if self._dataset_exists(dataset_id):
                if not exists_ok:
                    raise gexc.Conflict(f"Already Exists: Dataset {self.project}:{dataset_id}")
            else:
                self._conn.execute(f"CREATE SCHEMA {_q(dataset_id)}")
        return Dataset(DatasetReference(self.project, dataset_id))

    def get_dataset(self, dataset: Any, **kwargs: Any) -> Dataset:
        """The dataset; ``NotFound`` if missing.

        Example::

            client.get_dataset('nba_reference').dataset_id
        """
        _check_keywords("get_dataset", kwargs)
        dataset_id = self._dataset_id(dataset)
        with self._lock:
            self._check_api_spelling(dataset_id)
            if not self._dataset_exists(dataset_id):
                raise gexc.NotFound(f"Not found: Dataset {self.project}:{dataset_id}")
        return Dataset(DatasetReference(self.project, dataset_id))

    def delete_dataset(
        self, dataset: Any, delete_contents: bool = False, not_found_ok: bool = False, **kwargs: Any
    ) -> None:
        """Drop a dataset; non-empty needs ``delete_contents=True`` (else ``BadRequest``).

        Example::

            client.delete_dataset('scratch', delete_contents=True, not_found_ok=True)
        """
        _check_keywords("delete_dataset", kwargs)
        dataset_id = self._dataset_id(dataset)
        with self._lock:
            if not self._dataset_exists(dataset_id) or self._spelling_error(self._catalog_snapshot(), dataset_id, None):
                if not_found_ok:
                    return
                self._check_api_spelling(dataset_id)
                raise gexc.NotFound(f"Not found: Dataset {self.project}:{dataset_id}")
            try:
                self._conn.execute(f"DROP SCHEMA {_q(dataset_id)} {'CASCADE' if delete_contents else ''}")
            except duckdb.Error as err:
                raise gexc.BadRequest(f"Dataset {self.project}:{dataset_id} is still in use ({err})") from err
            self._prune_meta()

    # ----------------------------------------------------------------- tables
    def create_table(self, table: Any, exists_ok: bool = False, **kwargs: Any) -> Table:
        """Create a table (or a view when ``table.view_query`` is set) from a ``bigquery.Table``.

        Schema, ``time_partitioning``, ``clustering_fields``, ``require_partition_filter`` and
        ``description`` are kept and returned by :meth:`get_table`. ``NotFound`` if the dataset
        is missing, ``Conflict`` if the table exists and not ``exists_ok``.

        Example::

            t = bigquery.Table('p.ds.events', schema=[bigquery.SchemaField('ts', 'TIMESTAMP')])
            t.time_partitioning = bigquery.TimePartitioning(field='ts')
            t.require_partition_filter = True
            client.create_table(t)
        """
        _check_keywords("create_table", kwargs)
        if isinstance(table, str | TableReference):
            ds, tbl = self._table_id(table)
            table = Table(self._table_ref(ds, tbl))
        ds, tbl = self._table_id(table)
        _check_table_kind(f"{ds}.{tbl}", table)
        fields = [f.to_api_repr() for f in (table.schema or [])] if not table.view_query else []
        check_descriptions(f"{ds}.{tbl}", getattr(table, "description", None), fields)
        check_columns(f"{ds}.{tbl}", fields)  # before DuckDB is asked for 10,001 columns
        if table.view_query:
            check_view_definition(f"{ds}.{tbl}", table.view_query)
        with self._lock:
            self._check_api_spelling(ds, tbl, creating=True)
            if not self._dataset_exists(ds):
                raise gexc.NotFound(f"Not found: Dataset {self.project}:{ds}")
            if self._relation_kind(ds, tbl) is not None:
                if exists_ok:
                    return self.get_table(self._table_ref(ds, tbl))
                raise gexc.Conflict(f"Already Exists: Table {self.project}:{ds}.{tbl}")
            view_query = table.view_query
            con = self._conn
            if view_query:
                translated = translate(view_query, {}, catalog=self._catalog)
                if len(translated.statements) != 1 or translated.statements[0].kind != "SELECT":
                    raise gexc.BadRequest("A view query must be one SELECT statement")
                self._check_rules(view_query, translated, partition_filters=False)
                # a view's columns need names, each once, as CREATE VIEW's do
                source = translated.statements[0].source_ast
                if source is not None:
                    check_created_columns(exp.Create(kind="VIEW", this=exp.to_table(f"{ds}.{tbl}"),
                                                     expression=source.copy()),
                                          _types_lookup(self._catalog_snapshot()))
                _refuse_unsupported(translated)
                translated = self._catalog_typed(translated)
            else:
                self._validate_table(ds, tbl, table)
            with self._transaction():
                if view_query:
                    con.execute(f"CREATE VIEW {self._rel(ds, tbl)} AS {translated.statements[0].sql}")
                    self._check_view_columns(ds, tbl)
                    self._write_meta(ds, tbl, [], None, None, None, None, False,
                                     getattr(table, "description", None), view_query)
                else:
                    schema = [_normalized_field(f) for f in (table.schema or [])]
                    self._create_table_sql(ds, tbl, schema)
                    self._insert_meta(ds, tbl, schema, table)
            return self.get_table(self._table_ref(ds, tbl))

    def _validate_table(self, ds: str, tbl: str, table: Any) -> None:
        """BigQuery's ``tables.insert`` checks (see :func:`.rules.validate_table_definition`)."""
        schema = [_normalized_field(f) for f in (table.schema or [])]
        if not schema:
            raise gexc.BadRequest(
                f"Table {ds}.{tbl} needs a schema (the embedded warehouse cannot create a table "
                "without columns)"
            )
        partitioning = getattr(table, "time_partitioning", None)
        partition_field = getattr(partitioning, "field", None) if partitioning else None
        if table.require_partition_filter and not partitioning:
            raise gexc.BadRequest("require_partition_filter is only allowed on a partitioned table")
        validate_table_definition(  # time partitioning only: range partitioning is refused (_check_table_kind)
            f"{ds}.{tbl}", [(f.name, f.field_type, (f.mode or "NULLABLE")) for f in schema],
            partition_field, list(table.clustering_fields or []),
        )

    def _create_table_sql(self, ds: str, tbl: str, schema: Sequence[SchemaField]) -> None:
        columns = []
        for field in schema:
            column = f"{_q(field.name)} {_column_type(field)}"
            if (field.mode or "NULLABLE").upper() == "REQUIRED":
                column += " NOT NULL"
            columns.append(column)
        self._conn.execute(f"CREATE TABLE {self._rel(ds, tbl)} ({', '.join(columns)})")

    def _insert_meta(self, ds: str, tbl: str, schema: Sequence[SchemaField], table: Any,
                     view_query: str | None = None) -> None:
        partitioning = getattr(table, "time_partitioning", None)
        partition_field = getattr(partitioning, "field", None) if partitioning else None
        partition_type = getattr(partitioning, "type_", None) if partitioning else None
        if partition_type is not None and str(partition_type).upper() not in _PARTITION_UNITS:
            # TimePartitioning.type_: "The supported types are DAY, HOUR, MONTH, and YEAR"
            # (https://cloud.google.com/bigquery/docs/reference/rest/v2/tables#TimePartitioning);
            # the client library sends any string, and the warehouse writes the unit into SQL.
            raise gexc.BadRequest(f"Table {ds}.{tbl}: invalid time partitioning type {partition_type!r}; "
                                  f"the supported types are {', '.join(_PARTITION_UNITS)}")
        expiration = getattr(partitioning, "expiration_ms", None) if partitioning else None
        require = bool(getattr(table, "require_partition_filter", None)) or bool(
            getattr(partitioning, "_properties", {}).get("requirePartitionFilter") if partitioning else False
        )
        clustering = getattr(table, "clustering_fields", None)
        self._write_meta(ds, tbl, schema, partition_field, partition_type,
                         int(expiration) if expiration is not None else None,
                         list(clustering) if clustering else None, require,
                         getattr(table, "description", None), view_query)

    def _write_meta(
        self, ds: str, tbl: str, schema: Sequence[SchemaField], partition_field: str | None,
        partition_type: str | None, expiration_ms: int | None, clustering: list[str] | None,
        require: bool, description: str | None, view_query: str | None,
    ) -> None:
        fields = [f.to_api_repr() for f in schema]
        # every table's schema is written here (tables.insert, DDL, a load that creates it),
        # inside the job's transaction: a refusal leaves no table behind
        check_columns(f"{ds}.{tbl}", fields)
        self._conn.execute(
            f"DELETE FROM {META_SCHEMA}.tables WHERE lower(dataset_id) = lower($ds) "  # noqa: S608
            "AND lower(table_id) = lower($t)",
            {"ds": ds, "t": tbl},
        )
        self._conn.execute(
            f"INSERT INTO {META_SCHEMA}.tables (dataset_id, table_id, schema_json, partition_field, "  # noqa: S608
            "partition_type, partition_expiration_ms, clustering_fields, require_partition_filter, "
            "description, created_at, view_query) "
            "VALUES ($ds, $t, $schema, $pf, $pt, $exp, $cl, $rpf, $desc, $ts, $vq)",
            {
                "ds": ds,
                "t": tbl,
                "schema": json.dumps(fields) if schema else None,
                "pf": partition_field,
                "pt": partition_type,
                "exp": expiration_ms,
                "cl": json.dumps(clustering) if clustering else None,
                "rpf": require,
                "desc": description,
                "ts": _now(),
                "vq": view_query,
            },
        )

    def get_table(self, table: Any, **kwargs: Any) -> Table:
        """A ``bigquery.Table`` with schema (modes, REPEATED, JSON), partitioning, clustering,
        ``require_partition_filter``, description and ``num_rows``; ``NotFound`` if missing.

        Example::

            client.get_table('nba_reference.source_coverage_log').num_rows
        """
        _check_keywords("get_table", kwargs)
        ds, tbl, decorator = self._partition_id(table)
        with self._lock:
            self._check_api_spelling(ds, tbl)
            kind = self._relation_kind(ds, tbl)
            if kind is None:
                raise gexc.NotFound(f"Not found: Table {self.project}:{ds}.{tbl}")
            # ds.t$20250115 (as the client asks before a load into a partition): the table's
            # metadata under the decorated id, num_rows the partition's.
            in_partition = self._partition_predicate(ds, tbl, kind, decorator) if decorator else None
            meta = self._meta_row(ds, tbl) or {}
            schema = self._table_schema(ds, tbl)
            result = Table(self._table_ref(ds, f"{tbl}${decorator}" if decorator else tbl), schema=schema)
            if kind == "VIEW":
                result._properties["type"] = "VIEW"
                if meta.get("view_query") is not None:  # tables.get returns the view's query, as written
                    result._properties["view"] = {"query": meta["view_query"], "useLegacySql": False}
            else:
                result._properties["type"] = "TABLE"
                count = self._conn.execute(
                    f"SELECT count(*) FROM {self._rel(ds, tbl)}{_where(in_partition)}").fetchall()  # noqa: S608
                result._properties["numRows"] = str(count[0][0] if count else 0)
            if meta.get("partition_field") or meta.get("partition_type"):
                result.time_partitioning = TimePartitioning(
                    type_=meta.get("partition_type") or "DAY",
                    field=meta.get("partition_field"),
                    expiration_ms=meta.get("partition_expiration_ms"),
                )
            if meta.get("clustering_fields"):
                result.clustering_fields = json.loads(meta["clustering_fields"])
            if meta.get("require_partition_filter"):
                result.require_partition_filter = True
            if meta.get("description"):
                result.description = meta["description"]
            if meta.get("created_at") is not None:
                created = convert_duckdb_value(meta["created_at"], SchemaField("c", "TIMESTAMP"))
                result._properties["creationTime"] = str(int(created.timestamp() * 1000))
            return result

    def list_tables(self, dataset: Any, **kwargs: Any) -> list[TableReference]:
        """References to the tables and views of ``dataset`` (``NotFound`` if it is missing).

        Example::

            [t.table_id for t in client.list_tables('nba_reference')]
        """
        _check_keywords("list_tables", kwargs)
        ds = self._dataset_id(dataset)
        with self._lock:
            self._check_api_spelling(ds)
            if not self._dataset_exists(ds):
                raise gexc.NotFound(f"Not found: Dataset {self.project}:{ds}")
            names = self._conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
                "AND lower(table_schema) = lower($s) ORDER BY table_name",
                {"s": ds},
            ).fetchall()
        max_results = kwargs.get("max_results")
        check_count("max_results", max_results)
        return [self._table_ref(ds, name) for (name,) in names[:max_results]]

    def delete_table(self, table: Any, not_found_ok: bool = False, **kwargs: Any) -> None:
        """Drop a table or view; ``NotFound`` if missing unless ``not_found_ok``.

        Example::

            client.delete_table('ds.t', not_found_ok=True)
        """
        _check_keywords("delete_table", kwargs)
        ds, tbl = self._table_id(table)
        with self._lock:
            kind = self._relation_kind(ds, tbl)
            if kind is None or self._spelling_error(self._catalog_snapshot(), ds, tbl) is not None:
                if not_found_ok:
                    return  # ds.T when only ds.t exists: not found, as on BigQuery
                self._check_api_spelling(ds, tbl)
                raise gexc.NotFound(f"Not found: Table {self.project}:{ds}.{tbl}")
            current = self._current_snapshot()
            generation = self._conn._generation.value
            try:
                self._conn.execute(f"DROP {kind} {self._rel(ds, tbl)}")
            except duckdb.Error as err:
                raise self._map_error(err) from err
            # The dropped relation's catalog row is the one this makes stale (every other DDL
            # path prunes what it drops); one keyed delete instead of a scan of the catalog.
            self._conn.execute(
                f"DELETE FROM {META_SCHEMA}.tables WHERE lower(dataset_id) = lower($ds) "  # noqa: S608
                "AND lower(table_id) = lower($t)",
                {"ds": ds, "t": tbl},
            )
            if current is not None and self._conn._generation.value == generation + 2:
                # Only these two statements changed the catalog since the snapshot was current
                # (each moved the generation once, nothing else did): the next check reads the
                # snapshot less this relation instead of reading the whole catalog again.
                patched = current.without_relation(ds, tbl)
                if patched is not None:
                    self._snapshot = (generation + 2, patched)

    # ----------------------------------------------------------------- loads
    def load_table_from_json(
        self,
        json_rows: Iterable[Mapping[str, Any]],
        destination: Any,
        job_config: LoadJobConfig | None = None,
        job_id: str | None = None,
        job_id_prefix: str | None = None,
        **kwargs: Any,
    ) -> EmbeddedLoadJob:
        """Load rows in one all-or-nothing load job (NDJSON semantics, like BigQuery).

        Rows go through ``json.dumps`` first, exactly as the real client does, so a ``date``
        or ``Decimal`` raises ``TypeError`` here too. The schema is ``job_config.schema`` or
        the existing table's; a missing table is created from the given schema. Write
        disposition defaults to WRITE_APPEND.

        Example::

            cfg = bigquery.LoadJobConfig(schema=schema, write_disposition='WRITE_APPEND')
            client.load_table_from_json(rows, 'ds.t', job_config=cfg, job_id='flush_abc').result()
        """
        _check_keywords("load_table_from_json", kwargs)
        if isinstance(json_rows, ColumnarRows) and isinstance(job_config, LoadJobConfig) and job_config.schema:
            # Rows that hand over their columns: no per-row dict is built or read here; the
            # same per-column checks as below, else the rows take the usual path.
            schema = [_normalized_field(f) for f in job_config.schema]
            count = len(json_rows)
            given = json_rows.to_columns() if count else None
            columns = _columnar_given(given, count, schema) if given is not None else None
            if columns is not None:
                # Dates / timestamps are cast by the INSERT itself; text DuckDB cannot cast
                # sends the load back to the per-row path there (see ``_load``).
                bound = _json_size_bound(columns[0], schema, count)
                return self._load(cast(Sequence[dict[str, Any]], json_rows), destination, job_config, job_id,
                                  job_id_prefix, lenient=False, frame=None, columns=columns,
                                  check_rows=functools.partial(check_json_rows, json_rows, bound))
        rows = list(json_rows)
        if rows and isinstance(job_config, LoadJobConfig) and job_config.schema \
                and set(map(type, rows)) <= {dict}:
            # Columnar path on the rows as given: it accepts only exact str / int / finite
            # float / bool / None / lists of those (and JSON-column values, which it dumps
            # itself), for which the JSON round trip below is the identity. Anything else
            # takes the round trip and the per-row path, exactly as before.
            plain = cast(list[dict[str, Any]], rows)
            schema = [_normalized_field(f) for f in job_config.schema]
            columns = _columnar(plain, schema)
            if columns is not None:  # a bad date / timestamp: round trip + per-row path in _load
                bound = _json_size_bound(columns[0], schema, len(plain))
                return self._load(plain, destination, job_config, job_id, job_id_prefix, lenient=False,
                                  frame=None, columns=columns, check_rows=functools.partial(check_json_rows, plain, bound))
        # One C-speed round trip for the batch: same TypeError / NaN behaviour as per-line dumps.
        text = json.dumps(rows, ensure_ascii=False) if rows else "[]"
        records = json.loads(text)
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                raise gexc.BadRequest(
                    f"Error while reading data, error message: row {index}: a JSON object is "
                    f"expected, got {record!r}"
                )
        # (no row is longer than the batch, at most 4 UTF-8 bytes a character)
        return self._load(records, destination, job_config, job_id, job_id_prefix, lenient=False, frame=None,
                          check_rows=functools.partial(check_json_rows, rows, 4 * len(text)))

    def load_table_from_dataframe(
        self,
        dataframe: pd.DataFrame,
        destination: Any,
        job_config: LoadJobConfig | None = None,
        job_id: str | None = None,
        job_id_prefix: str | None = None,
        **kwargs: Any,
    ) -> EmbeddedLoadJob:
        """Load a DataFrame in one all-or-nothing load job (NaN / NA / NaT become NULL).

        Without a schema and without an existing table the schema is inferred from the
        dtypes (as the BigQuery client does).

        Example::

            client.load_table_from_dataframe(df, 'ds.t', job_config=cfg).result().output_rows
        """
        _check_keywords("load_table_from_dataframe", kwargs)
        if not isinstance(dataframe, pd.DataFrame):
            raise TypeError(f"dataframe must be a pandas DataFrame, got {type(dataframe).__name__}")
        columns = [str(c) for c in dataframe.columns]
        cells = [dataframe.iloc[:, i].astype(object).tolist() for i in range(len(columns))]
        records = [
            {columns[c]: _py(cells[c][r]) for c in range(len(columns))} for r in range(len(dataframe))
        ]
        return self._load(records, destination, job_config, job_id, job_id_prefix, lenient=True, frame=dataframe)

    def _load(
        self,
        records: Sequence[dict[str, Any]],
        destination: Any,
        job_config: LoadJobConfig | None,
        job_id: str | None,
        job_id_prefix: str | None,
        lenient: bool,
        frame: pd.DataFrame | None,
        columns: tuple[list[pa.Array], dict[str, str]] | None = None,
        check_rows: Callable[[], None] | None = None,
    ) -> EmbeddedLoadJob:
        """One load job. ``check_rows``: the source's row-size check (``load_table_from_json``),
        run once the job is admitted, so a refused row fails the job as BigQuery's does."""
        if job_config is not None and not isinstance(job_config, LoadJobConfig):
            raise TypeError(f"job_config must be a LoadJobConfig, got {type(job_config).__name__}")
        config = _with_defaults(job_config, self.default_load_job_config) or LoadJobConfig()
        _check_load_config(config)
        ds, tbl, decorator = self._partition_id(destination)
        write = str(config.write_disposition or "WRITE_APPEND").upper()
        create = str(config.create_disposition or "CREATE_IF_NEEDED").upper()
        if write not in ("WRITE_APPEND", "WRITE_TRUNCATE", "WRITE_EMPTY"):
            raise gexc.BadRequest(f"Unsupported write disposition {write}")
        chosen_id = job_id is not None
        job_id = self._new_job_id(job_id, job_id_prefix)
        created = _now()
        source_format = "NEWLINE_DELIMITED_JSON" if frame is None else "PARQUET"
        with self._lock, self._failed_job_recorder(job_id, "load", created, destination=f"{ds}.{tbl}"):
            con = self._conn
            if chosen_id:
                # A caller's id may be taken: refuse before loading anything. A generated id (a
                # random UUID) is not looked up, as for queries; the job table's primary key
                # still refuses a duplicate when the job is recorded, inside the load's
                # transaction, so nothing is written then either.
                self._assert_job_id_free(job_id)
            # A load into ds.T when ds.t exists would append to ds.t here; BigQuery would create
            # ds.T (or, with CREATE_NEVER, find no table).
            self._check_api_spelling(ds, tbl, creating=create != "CREATE_NEVER")
            if not self._dataset_exists(ds):
                raise gexc.NotFound(f"Not found: Dataset {self.project}:{ds}")
            kind = self._relation_kind(ds, tbl)
            if kind == "VIEW":
                raise gexc.BadRequest(f"Cannot load into view {self.project}:{ds}.{tbl}")
            # Quotas and limits, "Load jobs": 1,500 load jobs per table per day, failed ones
            # included (limits.MAX_TABLE_LOADS_PER_DAY); refused before any row is read.
            check_table_loads(f"{ds}.{tbl}", self._earlier_loads(ds, tbl, created))
            if check_rows is not None:  # ("ndJSON: Maximum row size", limits.check_json_rows)
                check_rows()
            in_partition = self._partition_predicate(ds, tbl, kind, decorator) if decorator else None
            table_schema = self._table_schema(ds, tbl) if kind else None
            if config.schema:  # (before the schema's 10,001 columns are prepared one by one)
                check_columns(f"{ds}.{tbl}", [f.to_api_repr() for f in config.schema])
            given = [_normalized_field(f) for f in config.schema] if config.schema else None
            if kind is None and create == "CREATE_NEVER":
                raise gexc.NotFound(f"Not found: Table {self.project}:{ds}.{tbl}")
            if given is None and table_schema is None:
                if frame is None:
                    raise gexc.BadRequest(
                        f"Table {self.project}:{ds}.{tbl} does not exist and no schema was given "
                        "(the embedded warehouse does not autodetect JSON schemas)"
                    )
                given = [_normalized_field(_infer_field(str(c), frame[c])) for c in frame.columns]
            schema = given if given is not None else list(table_schema or [])
            if kind is None:
                # The table this load creates passes what tables.insert checks (names,
                # partitioning, clustering), as a create_table would; it used to be created
                # under any name ('t!x') with any column names.
                created_as = Table(self._table_ref(ds, tbl), schema=schema)
                created_as.time_partitioning = config.time_partitioning
                created_as.clustering_fields = config.clustering_fields
                _check_table_kind(f"{ds}.{tbl}", created_as)
                self._validate_table(ds, tbl, created_as)
            updates = {str(o).upper() for o in (config.schema_update_options or [])}
            if updates and write not in ("WRITE_APPEND", "WRITE_TRUNCATE"):
                raise gexc.BadRequest(
                    "Schema update options should only be specified with WRITE_APPEND disposition, "
                    "or with WRITE_TRUNCATE disposition on a table partition."
                )
            added: list[SchemaField] = []
            relaxed: list[str] = []
            if kind is not None and given is not None and table_schema is not None:
                added, relaxed = self._check_compatible(ds, tbl, given, table_schema, updates)
            if columns is None and not lenient and schema:
                columns = _columnar(list(records), schema)
            if columns is not None and columns[1] and write == "WRITE_EMPTY" \
                    and not self._casts_ok(columns[0], schema, columns[1]):
                # Checked first here, so a bad value is reported before the WRITE_EMPTY conflict.
                columns = None
            if columns is None:
                arrow, row_count = self._row_source(list(records), schema, config, lenient)
            else:
                arrow = pa.Table.from_arrays(columns[0], names=[f.name for f in schema])
                row_count = len(records)
            if write == "WRITE_EMPTY" and kind is not None:
                count = con.execute(f"SELECT count(*) FROM {self._rel(ds, tbl)}{_where(in_partition)}").fetchone()  # noqa: S608, E501
                if count and count[0]:
                    what = f"partition ${decorator}" if in_partition else "table"
                    raise gexc.Conflict(
                        f"Already Exists: Table {self.project}:{ds}.{tbl} (WRITE_EMPTY and the {what} "
                        "is not empty)"
                    )
            cast_text = columns is not None and bool(columns[1])
            for attempt in range(2):
                try:
                    with self._transaction():
                        if kind is None:
                            self._create_table_sql(ds, tbl, schema)
                            self._insert_meta(ds, tbl, schema, config)
                        if added or relaxed:
                            self._apply_schema_updates(ds, tbl, list(table_schema or []), added, relaxed)
                        if write == "WRITE_TRUNCATE" and kind is not None:
                            # With a partition decorator only that partition is replaced.
                            con.execute_untracked(f"DELETE FROM {self._rel(ds, tbl)}{_where(in_partition)}")  # noqa: S608, E501
                        if row_count and arrow is not None:
                            # Rows only: the catalog is unchanged (the destination is a data
                            # table; the embedded catalog's own schema is no dataset, above).
                            self._insert_source(ds, tbl, schema, arrow, cast_text and attempt == 0,
                                                in_partition=in_partition, decorator=decorator)
                        self._record_job(
                            job_id, "load", created, destination=f"{ds}.{tbl}", output_rows=row_count,
                            write_disposition=write,
                        )
                    break
                except _CastFailed:
                    con.unregister(_LOAD_SOURCE)  # rolled back by now
                    # The columnar path's date / timestamp text DuckDB cannot cast (the INSERT
                    # failed, the transaction rolled back, nothing was written): the same load
                    # again through the JSON round trip and the per-row path, which names the
                    # value (or skips it under max_bad_records), exactly as before.
                    round_tripped: list[dict[str, Any]] = json.loads(json.dumps(list(records), ensure_ascii=False))
                    arrow, row_count = self._row_source(round_tripped, schema, config, lenient)
            return EmbeddedLoadJob(
            job_id, self.project, self.location, created, self._table_ref(ds, tbl),
            row_count, write, source_format,
            )

    def _earlier_loads(self, ds: str, tbl: str, now: dt.datetime) -> int:
        """Load jobs into ``ds.tbl`` in the 24 hours before ``now``, failed ones included, from
        the job table (every client of the file, and earlier processes, recorded there). A load
        a quota refused is not counted: it was never admitted, and counting it would keep a
        table that is retried every few minutes over the quota for ever."""
        row = self._conn.execute_untracked(
            f"SELECT count(*) FROM {META_SCHEMA}.jobs WHERE created_at > $since AND job_type = 'load' "  # noqa: S608
            "AND destination = $table AND coalesce(error_api_reason, '') <> 'quotaExceeded'",
            {"since": now - dt.timedelta(days=1), "table": f"{ds}.{tbl}"},
        ).fetchone()
        return int(row[0]) if row else 0

    def _row_source(self, records: list[dict[str, Any]], schema: Sequence[SchemaField], config: LoadJobConfig,
                    lenient: bool) -> tuple[pa.Table | None, int]:
        """The per-row path's Arrow source: rows coerced one by one (errors name the value)."""
        coerced = self._coerce_rows(records, schema, lenient, bool(config.ignore_unknown_values),
                                    int(config.max_bad_records or 0))
        arrow = pa.Table.from_arrays(
            [pa.array([row[f.name] for row in coerced], type=_arrow_type(f)) for f in schema],
            names=[f.name for f in schema],
        ) if schema else None
        return arrow, len(coerced)

    def _insert_source(self, ds: str, tbl: str, schema: Sequence[SchemaField], arrow: pa.Table,
                       cast_text: bool, *, in_partition: str | None = None, decorator: str = "") -> None:
        """``INSERT ... SELECT CAST(...)`` of the load's Arrow source (inside its transaction).
        ``cast_text``: the columnar path's date / timestamp text is cast here, and a value
        DuckDB cannot cast raises :class:`_CastFailed` (the caller rolls back and goes per row)."""
        con = self._conn
        con.register(_LOAD_SOURCE, arrow)
        registered = True
        try:
            names = ", ".join(_q(f.name) for f in schema)
            casts = [f"CAST({_q(f.name)} AS {_column_type(f)})" for f in schema]
            selects = ", ".join(casts)
            if in_partition:
                # load-data-partitioned-tables: "the partition ID specified in the decorator must
                # match the data being written" (a NULL partition value is not in it either).
                aliased = ", ".join(f"{cast} AS {_q(f.name)}" for cast, f in zip(casts, schema, strict=True))
                outside = con.execute(
                    f"SELECT count(*) FROM (SELECT {aliased} FROM {_LOAD_SOURCE}) "  # noqa: S608
                    f"WHERE ({in_partition}) IS NOT TRUE"
                ).fetchall()[0]
                if outside[0]:
                    raise gexc.BadRequest(
                        f"Some rows belong to different partitions rather than destination partition {decorator} "
                        f"({outside[0]} row(s) of the load are outside {ds}.{tbl}${decorator})"
                    )
            con.execute_untracked(
                f"INSERT INTO {self._rel(ds, tbl)} ({names}) SELECT {selects} FROM {_LOAD_SOURCE}"  # noqa: S608
            )
            self._check_loaded_partitions(ds, tbl, schema, casts, arrow.num_rows)
        except duckdb.ConversionException as err:
            if cast_text:
                # The transaction is aborted: the caller unregisters after its ROLLBACK.
                registered = False
                raise _CastFailed from err
            raise
        finally:
            if registered:
                con.unregister(_LOAD_SOURCE)

    def _check_loaded_partitions(self, ds: str, tbl: str, schema: Sequence[SchemaField], casts: Sequence[str],
                                 rows: int) -> None:
        """After a load's rows are in ``ds.tbl`` (inside its transaction, the source still
        registered as ``_LOAD_SOURCE``; ``casts``: its columns as the load wrote them): the
        4,000 partitions a job may write and the 10,000 a table may hold. One pass bounds both
        by the table's span (the job's partitions are among the table's); past it, the
        source's partitions are counted (when it has more than 4,000 rows) and the table's."""
        partitioning = self._partitioning(ds, tbl)  # (a load of rows leaves the catalog as it was)
        if partitioning is None:
            return
        unit, column = partitioning
        span = self._partition_span(ds, tbl, unit, column)
        if span <= MAX_PARTITIONS_PER_JOB:
            return
        cast = next((c for c, f in zip(casts, schema, strict=True) if _q(f.name).lower() == column.lower()), None)
        if rows > MAX_PARTITIONS_PER_JOB and cast is not None:  # (fewer rows cannot write more partitions)
            check_partitions(self._count_partitions(_LOAD_SOURCE, unit, cast), f"{ds}.{tbl}", job="load")
        self._check_table_partitions(ds, tbl, unit, column, span)

    def _partition_predicate(self, ds: str, tbl: str, kind: str | None, decorator: str) -> str:
        """The SQL condition "in partition ``$decorator``" over the table's partition column.

        Decorators (managing-partitioned-tables, "Partition decorators have the following
        format"): ``yyyymmddhh`` hourly, ``yyyymmdd`` daily, ``yyyymm`` monthly, ``yyyy``
        yearly, digits only (so the literals below are built from validated digits).
        """
        if kind is None:
            raise gexc.NotFound(f"Not found: Table {self.project}:{ds}.{tbl} (a load into partition "
                                f"${decorator} needs the partitioned table to exist)")
        meta = self._meta_row(ds, tbl) or {}
        field, unit = meta.get("partition_field"), str(meta.get("partition_type") or "DAY").upper()
        if not field:
            raise gexc.BadRequest(f"Table {self.project}:{ds}.{tbl} is not partitioned: it has no partition "
                                  f"${decorator}")
        formats = {"HOUR": "yyyymmddhh", "DAY": "yyyymmdd", "MONTH": "yyyymm", "YEAR": "yyyy"}
        if not (decorator.isascii() and decorator.isdigit() and len(decorator) == len(formats.get(unit, ""))):
            raise gexc.BadRequest(f"Invalid partition decorator ${decorator} for table {ds}.{tbl}, partitioned by "
                                  f"{unit}: ${formats.get(unit, '?')} expected")
        try:
            start = dt.datetime(int(decorator[:4]), int(decorator[4:6] or 1), int(decorator[6:8] or 1),
                                int(decorator[8:10] or 0))
        except ValueError:
            raise gexc.BadRequest(f"Invalid partition decorator ${decorator}: not a {unit.lower()}") from None
        if unit == "HOUR":
            end = start + dt.timedelta(hours=1)
        elif unit == "DAY":
            end = start + dt.timedelta(days=1)
        elif unit == "MONTH":
            end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
        else:
            end = start.replace(year=start.year + 1)
        column_type = next((normalize_bq_type(f.field_type) for f in self._table_schema(ds, tbl)
                            if f.name.lower() == str(field).lower()), "DATE")
        if column_type == "DATE":
            low, high = f"DATE '{start.date()}'", f"DATE '{end.date()}'"
        elif column_type == "DATETIME":
            low, high = f"TIMESTAMP '{start}'", f"TIMESTAMP '{end}'"
        else:
            low, high = f"TIMESTAMPTZ '{start}+00'", f"TIMESTAMPTZ '{end}+00'"
        return f"{_q(str(field))} >= {low} AND {_q(str(field))} < {high}"

    def _casts_ok(self, arrays: list[pa.Array], schema: Sequence[SchemaField], casts: dict[str, str]) -> bool:
        """True when DuckDB can cast every date / timestamp text of the columnar path (one
        vectorised TRY_CAST per column, before the load's transaction; only WRITE_EMPTY loads
        need it first - elsewhere the INSERT's own CAST decides, see ``_insert_source``)."""
        con = self._conn
        source = pa.Table.from_arrays(
            [a for a, f in zip(arrays, schema, strict=True) if f.name in casts],
            names=[f.name for f in schema if f.name in casts],
        )
        failing = " OR ".join(
            f"({_q(name)} IS NOT NULL AND TRY_CAST({_q(name)} AS {target}) IS NULL)"
            for name, target in casts.items()
        )
        cursor = con.cursor()  # its own connection: nothing pending on the main one interferes
        try:
            cursor.register(_LOAD_SOURCE, source)
            found = cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {_LOAD_SOURCE} WHERE {failing})").fetchall()  # noqa: S608
        finally:
            cursor.close()
        return not found[0][0]

    @staticmethod
    def _coerce_rows(records: list[dict[str, Any]], schema: Sequence[SchemaField], lenient: bool,
                     ignore_unknown: bool, max_bad_records: int) -> list[dict[str, Any]]:
        """Rows as the schema's columns; up to ``max_bad_records`` bad rows are skipped (as
        BigQuery's ``maxBadRecords``), one more fails the whole load."""
        coerced: list[dict[str, Any]] = []
        bad: list[gexc.BadRequest] = []
        for index, record in enumerate(records):
            try:
                coerced.append(_coerce_record(record, schema, index, "", lenient, ignore_unknown))
            except gexc.BadRequest as err:
                if max_bad_records <= 0:
                    raise
                bad.append(err)
                if len(bad) > max_bad_records:
                    raise gexc.BadRequest(
                        "Error while reading data, error message: JSON table encountered too many "
                        f"errors, giving up. Rows: {index + 1}; errors: {len(bad)}; max bad: "
                        f"{max_bad_records}. First error: {bad[0].message}"
                    ) from err
        return coerced

    def _check_compatible(
        self, ds: str, tbl: str, given: Sequence[SchemaField], table_schema: Sequence[SchemaField],
        updates: set[str] | None = None,
    ) -> tuple[list[SchemaField], list[str]]:
        """BigQuery's load-time schema check; returns ``(fields to add, columns to relax)``.

        A new field needs ALLOW_FIELD_ADDITION (and cannot be REQUIRED); REQUIRED -> NULLABLE
        (or a REQUIRED column left out) needs ALLOW_FIELD_RELAXATION; any other change of type
        or mode is ``BadRequest`` ("Modifying table schemas",
        https://cloud.google.com/bigquery/docs/managing-table-schemas).
        """
        updates = updates or set()
        name = f"{self.project}:{ds}.{tbl}"
        existing = {f.name.lower(): f for f in table_schema}
        given_names = {f.name.lower() for f in given}
        added: list[SchemaField] = []
        relaxed: list[str] = []
        for field in given:
            current = existing.get(field.name.lower())
            new_mode = (field.mode or "NULLABLE").upper()
            if current is None:
                if "ALLOW_FIELD_ADDITION" not in updates:
                    raise gexc.BadRequest(
                        f"Provided Schema does not match Table {name}. Cannot add fields (field: "
                        f"{field.name}); field {field.name} is missing in the table"
                    )
                if new_mode == "REQUIRED":
                    raise gexc.BadRequest(
                        f"Provided Schema does not match Table {name}. Cannot add required fields "
                        f"to an existing schema. (field: {field.name})"
                    )
                added.append(field)
                continue
            if not _schema_equivalent(field, current):
                raise gexc.BadRequest(
                    f"Provided Schema does not match Table {name}. Field {field.name} has changed "
                    f"type from {normalize_bq_type(current.field_type)} to {normalize_bq_type(field.field_type)}"
                )
            old_mode = (current.mode or "NULLABLE").upper()
            if old_mode == new_mode:
                continue
            if old_mode == "REQUIRED" and new_mode == "NULLABLE" and "ALLOW_FIELD_RELAXATION" in updates:
                relaxed.append(current.name)
                continue
            raise gexc.BadRequest(
                f"Provided Schema does not match Table {name}. Field {field.name} has changed mode "
                f"from {old_mode} to {new_mode}"
            )
        for field in table_schema:
            if (field.mode or "").upper() == "REQUIRED" and field.name.lower() not in given_names:
                if "ALLOW_FIELD_RELAXATION" in updates:
                    relaxed.append(field.name)
                    continue
                raise gexc.BadRequest(
                    f"Provided Schema does not match Table {name}. Field {field.name} is missing in "
                    "new schema"
                )
        return added, relaxed

    def _apply_schema_updates(self, ds: str, tbl: str, table_schema: list[SchemaField],
                              added: Sequence[SchemaField], relaxed: Sequence[str]) -> None:
        con = self._conn
        for field in added:
            con.execute(f"ALTER TABLE {self._rel(ds, tbl)} ADD COLUMN {_q(field.name)} {_column_type(field)}")
        lowered = {r.lower() for r in relaxed}
        for column in relaxed:
            con.execute(f"ALTER TABLE {self._rel(ds, tbl)} ALTER COLUMN {_q(column)} DROP NOT NULL")
        schema = [
            SchemaField(f.name, f.field_type, mode="NULLABLE", description=f.description, fields=f.fields)
            if f.name.lower() in lowered else f
            for f in table_schema
        ] + list(added)
        fields = [f.to_api_repr() for f in schema]
        check_columns(f"{ds}.{tbl}", fields)  # (inside the load's or ALTER's transaction)
        con.execute(
            f"UPDATE {META_SCHEMA}.tables SET schema_json = $schema WHERE lower(dataset_id) = lower($ds) "  # noqa: S608
            "AND lower(table_id) = lower($t)",
            {"schema": json.dumps(fields), "ds": ds, "t": tbl},
        )


# Keep the iterator class importable from here for callers that type-annotate results.
DuckDBRowIterator = EmbeddedRowIterator
