"""BigQuery's TO_JSON_STRING encoding, for the embedded warehouse.

DuckDB's ``to_json`` writes values its own way: ``1.0`` for a FLOAT64 of one (BigQuery: ``1``),
``Infinity`` unquoted (not JSON; BigQuery: ``"Infinity"``), a NUMERIC as ``2.500000000``
(BigQuery: ``"2.5"``, quoted because it has a fraction), a TIMESTAMP as
``"2025-01-15 19:30:00+00"`` (BigQuery: ``"2025-01-15T19:30:00Z"``), a BYTES value in DuckDB's
escapes (BigQuery: Base64). :func:`bigquery_json_string` re-encodes DuckDB's JSON text with
the value's DuckDB type (``typeof``) as BigQuery encodes it: json functions, "JSON encodings",
and BigQuery's encoder (zetasql/public/functions/json_format.cc: ``JsonFromNumericOrBool``,
``JsonFromTimestamp``, ``RoundTripDoubleToString``; zetasql/common/json_util.cc:
``JsonEscapeString``).

The embedded warehouse registers it as the DuckDB function ``bq_to_json_string(json, type)``
and writes ``TO_JSON_STRING(x)`` as ``bq_to_json_string(CAST(to_json(x) AS VARCHAR),
typeof(x))``.

Example::

    bigquery_json_string('{"x":1.0,"t":"2025-01-15 19:30:00+00"}',
                         'STRUCT(x DOUBLE, t TIMESTAMP WITH TIME ZONE)')
    # '{"x":1,"t":"2025-01-15T19:30:00Z"}'
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DuckDBType", "bigquery_json_string", "bigquery_json_value", "first_keys", "parse_duckdb_type"]

#: The integers JSON numbers hold exactly ([-2^53, 2^53]); others are quoted ("INT64").
_LOSSLESS = 2 ** 53
_INTEGERS = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                       "UINTEGER", "UBIGINT", "UHUGEINT"})
_FLOATS = frozenset({"DOUBLE", "FLOAT"})
_MULTIWORD = ("TIMESTAMP WITH TIME ZONE", "TIME WITH TIME ZONE")


class _Number(str):
    """A JSON number's text as written (json.loads would round a DECIMAL or a wide integer)."""


class _Object(list):  # type: ignore[type-arg]
    """A JSON object's ``(key, value)`` pairs in order (told apart from an array)."""


@dataclass(frozen=True)
class DuckDBType:
    """A DuckDB type as ``typeof`` names it: ``name`` (``STRUCT``, ``LIST``, ``DECIMAL``,
    ``VARCHAR``...), ``fields`` of a STRUCT (name, type), ``element`` of a LIST."""

    name: str
    fields: tuple[tuple[str, DuckDBType], ...] = field(default=())
    element: DuckDBType | None = None


def parse_duckdb_type(text: str) -> DuckDBType:
    """The type ``typeof`` wrote (``STRUCT(a INTEGER, "b c" VARCHAR[])``, ``DECIMAL(38,9)``).

    Example::

        parse_duckdb_type('STRUCT(a INTEGER, b VARCHAR[])').fields[1][1].element.name   # 'VARCHAR'
    """
    parsed, end = _type_at(text, 0)
    if text[end:].strip():
        raise ValueError(f"unexpected text in DuckDB type {text!r} at {end}")
    return parsed


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _name_at(text: str, at: int) -> tuple[str, int]:
    """A field name: a quoted identifier ("" escapes a quote) or a bare word."""
    at = _skip(text, at)
    if text.startswith('"', at):
        out, at = [], at + 1
        while at < len(text):
            if text[at] == '"':
                if text.startswith('""', at):
                    out.append('"')
                    at += 2
                    continue
                return "".join(out), at + 1
            out.append(text[at])
            at += 1
        raise ValueError(f"unterminated quoted name in DuckDB type {text!r}")
    match = re.compile(r"[^\s,()\[\]]+").match(text, at)
    if match is None:
        raise ValueError(f"no name in DuckDB type {text!r} at {at}")
    return match.group(0), match.end()


def _type_at(text: str, at: int) -> tuple[DuckDBType, int]:
    at = _skip(text, at)
    upper = text[at:].upper()
    word = next((w for w in _MULTIWORD if upper.startswith(w)), None)
    if word is not None:
        kind, at = DuckDBType(word), at + len(word)
    else:
        name, at = _name_at(text, at)
        name = name.upper()
        if name == "STRUCT" and text.startswith("(", _skip(text, at)):
            fields: list[tuple[str, DuckDBType]] = []
            at = _skip(text, at) + 1
            while True:
                field_name, at = _name_at(text, at)
                field_type, at = _type_at(text, at)
                fields.append((field_name, field_type))
                at = _skip(text, at)
                if text.startswith(",", at):
                    at += 1
                    continue
                if text.startswith(")", at):
                    at += 1
                    break
                raise ValueError(f"malformed STRUCT in DuckDB type {text!r} at {at}")
            kind = DuckDBType("STRUCT", fields=tuple(fields))
        else:
            if text.startswith("(", _skip(text, at)):  # DECIMAL(38,9), MAP(K, V), ...: arguments kept whole
                depth, start = 0, _skip(text, at)
                for index in range(start, len(text)):
                    depth += {"(": 1, ")": -1}.get(text[index], 0)
                    if depth == 0:
                        name, at = name + text[start:index + 1], index + 1
                        break
                else:
                    raise ValueError(f"unbalanced parentheses in DuckDB type {text!r}")
            kind = DuckDBType(name)
    while True:  # T[] (a list) or T[3] (an array): a list of T
        bracket = re.compile(r"\s*\[\s*\d*\s*\]").match(text, at)
        if bracket is None:
            return kind, at
        kind, at = DuckDBType("LIST", element=kind), bracket.end()


def bigquery_json_string(text: str | None, type_text: str | None) -> str:
    """``TO_JSON_STRING``'s text for a value DuckDB's ``to_json`` wrote as ``text``, whose
    DuckDB type is ``type_text`` (``typeof``); ``'null'`` for NULL, as BigQuery writes it.
    ``ValueError`` for a type BigQuery has no JSON encoding for here (INTERVAL, MAP, ...).

    Example::

        bigquery_json_string('[1.5,2.0]', 'DOUBLE[]')   # '[1.5,2]'
    """
    if text is None or type_text is None:
        return "null"
    return _encoded(text, type_text, quote_wide=True)


def bigquery_json_value(text: str | None, type_text: str | None) -> str:
    """``TO_JSON``'s value, as JSON text: the same encoding as :func:`bigquery_json_string`
    except that numbers stay numbers ("INT64 (TO_JSON only)": a wide integer is a number;
    "NUMERIC (TO_JSON only)": ``123.56`` is a number); SQL NULL is the JSON ``null`` ("SQL
    input: NULL, JSON output: null"), a value, not a SQL NULL.

    Example::

        bigquery_json_value('{"n":123.560000000}', 'STRUCT(n DECIMAL(38,9))')   # '{"n":123.56}'
    """
    if text is None or type_text is None:
        return "null"
    return _encoded(text, type_text, quote_wide=False)


def _encoded(text: str, type_text: str, *, quote_wide: bool) -> str:
    value = json.loads(text, parse_float=_Number, parse_int=_Number, parse_constant=_Number,
                       object_pairs_hook=_Object)
    out: list[str] = []
    _encode(value, parse_duckdb_type(type_text), out, quote_wide)
    return "".join(out)


def _encode(value: Any, kind: DuckDBType, out: list[str], quote_wide: bool = True) -> None:
    name = kind.name
    if value is None or name == "NULL":
        out.append("null")
    elif name == "STRUCT":
        pairs = value if isinstance(value, _Object) else _Object()
        out.append("{")
        for index, ((field_name, field_type), (_, field_value)) in enumerate(zip(kind.fields, pairs, strict=True)):
            if index:
                out.append(",")
            out.append(_escaped(field_name))
            out.append(":")
            _encode(field_value, field_type, out, quote_wide)
        out.append("}")
    elif name == "LIST":
        assert kind.element is not None
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, kind.element, out, quote_wide)
        out.append("]")
    elif name == "BOOLEAN":
        out.append("true" if value is True else "false")
    elif name in _INTEGERS:
        number = int(value)
        out.append(str(number) if not quote_wide or -_LOSSLESS <= number <= _LOSSLESS else f'"{number}"')
    elif name in _FLOATS:
        out.append(_double(float(value)))
    elif name.startswith("DECIMAL"):
        out.append(_numeric(decimal.Decimal(value), quote_wide))
    elif name == "VARCHAR":
        out.append(_escaped(value))
    elif name == "DATE":
        out.append(_escaped(value))
    elif name in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"):
        out.append(_escaped(_stamp(value, zoned=name == "TIMESTAMP WITH TIME ZONE")))
    elif name == "TIME":
        out.append(_escaped(_narrowed(dt.time.fromisoformat(value))))
    elif name == "BLOB":
        out.append(_escaped(base64.b64encode(_blob(value)).decode("ascii")))
    elif name == "JSON":
        _raw_json(value, out)
    else:
        raise ValueError(f"TO_JSON_STRING of a {name} value is not emulated by the embedded warehouse")


def _double(number: float) -> str:
    """RoundTripDoubleToString: %.15g, else %.17g; NaN and the infinities as strings."""
    if math.isnan(number):
        return '"NaN"'
    if math.isinf(number):
        return '"Infinity"' if number > 0 else '"-Infinity"'
    short = format(number, ".15g")
    return short if float(short) == number else format(number, ".17g")


def _numeric(number: decimal.Decimal, quote_wide: bool = True) -> str:
    """A NUMERIC's shortest text, quoted (TO_JSON_STRING) when it has a fraction or is past 2^53."""
    written = format(number.normalize(), "f") if number != 0 else "0"
    if quote_wide and ("." in written or abs(number) > _LOSSLESS):
        return f'"{written}"'
    return written


def _stamp(written: str, *, zoned: bool) -> str:
    """DuckDB's TIMESTAMP text as BigQuery's: ``2025-01-15T19:30:00[.fff[fff]]`` (+ ``Z``)."""
    parsed = dt.datetime.fromisoformat(written.replace(" ", "T", 1))
    if zoned:
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        parsed = parsed.astimezone(dt.UTC)
    return f"{parsed.strftime('%Y-%m-%d')}T{_narrowed(parsed.time())}" + ("Z" if zoned else "")


def _narrowed(moment: dt.time) -> str:
    """``HH:MM:SS`` with 0, 3 or 6 fractional digits, as few as the value needs
    (NarrowTimestampScaleIfPossible)."""
    whole = moment.strftime("%H:%M:%S")
    micros = moment.microsecond
    if micros == 0:
        return whole
    if micros % 1000 == 0:
        return f"{whole}.{micros // 1000:03d}"
    return f"{whole}.{micros:06d}"


def _blob(written: str) -> bytes:
    r"""DuckDB's BLOB text (printable ASCII as is, other bytes as ``\xHH``) as bytes."""
    out = bytearray()
    at = 0
    while at < len(written):
        if written.startswith("\\x", at) and re.fullmatch(r"[0-9A-Fa-f]{2}", written[at + 2:at + 4]):
            out.append(int(written[at + 2:at + 4], 16))
            at += 4
        else:
            out.extend(written[at].encode("utf-8"))
            at += 1
    return bytes(out)


def first_keys(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's members, keeping the FIRST of duplicate keys (data types, "JSON type": "If
    an object has duplicate keys, the first key that's found is preserved"); Python's json.loads
    keeps the last. For ``json.loads(..., object_pairs_hook=first_keys)``.

    Example::

        first_keys([("a", 1), ("a", 2)])   # {'a': 1}
    """
    out: dict[str, Any] = {}
    for key, item in pairs:
        out.setdefault(key, item)
    return out


def _raw_json(value: Any, out: list[str]) -> None:
    """A JSON value as it was (numbers as written), compact."""
    if value is None:
        out.append("null")
    elif value is True or value is False:
        out.append("true" if value else "false")
    elif isinstance(value, _Number):
        out.append(value)
    elif isinstance(value, str):
        out.append(_escaped(value))
    elif isinstance(value, _Object):
        out.append("{")
        for index, (key, item) in enumerate(first_keys(value).items()):
            if index:
                out.append(",")
            out.append(_escaped(key))
            out.append(":")
            _raw_json(item, out)
        out.append("}")
    else:
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _raw_json(item, out)
        out.append("]")


def _escaped(text: str) -> str:
    """JsonEscapeString: '"', '\\' and the control characters below U+0020 escaped (\\b \\f
    \\n \\r \\t, else \\u00xx), and U+2028 / U+2029; nothing else."""
    out = ['"']
    for char in text:
        code = ord(char)
        if code < 0x20:
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\u{code:04x}"))
        elif char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char in "\u2028\u2029":
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)
