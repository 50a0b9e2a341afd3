"""GoogleSQL signatures of the string, mathematical, statistical, JSON, array and conversion
functions, and where a parsed call keeps each argument.

DuckDB coerces arguments BigQuery does not: ``SUBSTR(name, '2')``, ``POW(2, '3')``,
``LPAD(s, 5.0)``, ``TRUNC(x, '1')``, ``VAR_POP('1')`` and ``TO_HEX(text)`` ran in the embedded
warehouse, and BigQuery refuses each ("String literals don't coerce to numeric types",
conversion rules, "Literal coercion",
https://cloud.google.com/bigquery/docs/reference/standard-sql/conversion_rules#literal_coercion).
Where DuckDB did refuse, it said so in its own words about its own functions
(``isfinite(VARCHAR)`` for ``SQRT('4')``, ``regexp_matches`` for ``REGEXP_CONTAINS``).
:data:`SIGNATURES` lists, per function, the argument types each of its signatures takes, as
ZetaSQL (BigQuery's analyzer) registers them (``zetasql/common/builtin_function_internal_3.cc``:
``GetStringFunctions``, ``GetNumericFunctions``, ``GetTrigonometricFunctions``;
the JSON functions; ``builtin_function_internal_2.cc``: the statistical aggregates and the date
constructors; ``builtin_function_array.cc``: the array functions) and the reference pages list
them (https://cloud.google.com/bigquery/docs/reference/standard-sql/string_functions,
``.../mathematical_functions``, ``.../statistical_aggregate_functions``, ``.../json_functions``,
``.../array_functions``, ``.../conversion_functions``).
``rules._check_function_signatures`` types each argument and refuses a call no signature takes.

sqlglot parses each function into a node of its own class and keeps the arguments under
names, not positions (``LOG(x, b)`` is ``Log(this=b, expression=x)``). :func:`call_arguments`
finds them by position from the parse of the call written with placeholder arguments, once per
function and number of arguments, so it follows sqlglot's parse rather than a copy of it.

Example::

    tree = sqlglot.parse_one("SELECT SUBSTR(name, '2')", read=CoverageBigQuery)
    name, arguments = call_arguments(tree.expressions[0])   # 'SUBSTR', [Column(name), Literal('2')]
    SIGNATURES[name][0].params                              # ('STRING', 'INT64', 'INT64')
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from shared_services.bigquery.dialect import CoverageBigQuery

__all__ = ["SIGNATURES", "Signature", "call_arguments", "signature_text", "written_name"]

#: A ROUND's rounding mode: a string literal or parameter naming it (an enum in ZetaSQL).
ROUNDING_MODE = "ROUNDING_MODE"


@dataclass(frozen=True)
class Signature:
    """One signature: the argument types in order (``required`` of them needed), the result.

    Example::

        substr = SIGNATURES['SUBSTR'][0]   # Signature(('STRING', 'INT64', 'INT64'), 2, 'STRING')
        substr.takes(2), substr.takes(1)   # (True, False)
    """

    params: tuple[str, ...]
    required: int
    returns: str

    def takes(self, count: int) -> bool:
        return self.required <= count <= len(self.params)


def _signature(text: str) -> Signature:
    """``'STRING, INT64, [INT64] -> STRING'`` as a :class:`Signature`."""
    arguments, returns = (part.strip() for part in text.split("->"))
    params = tuple(p.strip().strip("[]") for p in arguments.split(",")) if arguments else ()
    required = sum(1 for p in arguments.split(",") if arguments and not p.strip().startswith("["))
    return Signature(params, required, returns)


def _signatures(*texts: str) -> tuple[Signature, ...]:
    return tuple(_signature(text) for text in texts)


_STRING_OR_BYTES_1 = _signatures("STRING -> STRING", "BYTES -> BYTES")
_SUBSTR = _signatures("STRING, INT64, [INT64] -> STRING", "BYTES, INT64, [INT64] -> BYTES")
_TRIM = _signatures("STRING, [STRING] -> STRING", "BYTES, BYTES -> BYTES")
_PAD = _signatures("STRING, INT64, [STRING] -> STRING", "BYTES, INT64, [BYTES] -> BYTES")
_CUT = _signatures("STRING, INT64 -> STRING", "BYTES, INT64 -> BYTES")
_THREE_TEXTS = _signatures("STRING, STRING, STRING -> STRING", "BYTES, BYTES, BYTES -> BYTES")
_TWO_TEXTS_BOOL = _signatures("STRING, STRING -> BOOL", "BYTES, BYTES -> BOOL")
_POSITION = _signatures("STRING, STRING, [INT64], [INT64] -> INT64", "BYTES, BYTES, [INT64], [INT64] -> INT64")
_REGEXP_EXTRACT = _signatures("STRING, STRING, [INT64], [INT64] -> STRING", "BYTES, BYTES, [INT64], [INT64] -> BYTES")
#: A number of one argument: FLOAT64, NUMERIC or BIGNUMERIC, the result of the same type.
_NUMBER_1 = _signatures("FLOAT64 -> FLOAT64", "NUMERIC -> NUMERIC", "BIGNUMERIC -> BIGNUMERIC")
_NUMBER_2 = _signatures("FLOAT64, FLOAT64 -> FLOAT64", "NUMERIC, NUMERIC -> NUMERIC",
                        "BIGNUMERIC, BIGNUMERIC -> BIGNUMERIC")
_ANY_NUMBER_1 = _signatures("INT64 -> INT64", "NUMERIC -> NUMERIC", "BIGNUMERIC -> BIGNUMERIC", "FLOAT64 -> FLOAT64")
_SAFE_ARITHMETIC = _signatures("INT64, INT64 -> INT64", "NUMERIC, NUMERIC -> NUMERIC",
                               "BIGNUMERIC, BIGNUMERIC -> BIGNUMERIC", "FLOAT64, FLOAT64 -> FLOAT64")
_TRUNC = _signatures("FLOAT64 -> FLOAT64", "NUMERIC -> NUMERIC", "BIGNUMERIC -> BIGNUMERIC",
                     "FLOAT64, INT64 -> FLOAT64", "NUMERIC, INT64 -> NUMERIC", "BIGNUMERIC, INT64 -> BIGNUMERIC")
_DOUBLE_1 = _signatures("FLOAT64 -> FLOAT64")
_STATISTIC_1 = _signatures("NUMERIC -> FLOAT64", "BIGNUMERIC -> FLOAT64", "FLOAT64 -> FLOAT64")
_STATISTIC_2 = _signatures("NUMERIC, NUMERIC -> FLOAT64", "BIGNUMERIC, BIGNUMERIC -> FLOAT64",
                           "FLOAT64, FLOAT64 -> FLOAT64")
_JSON_SCALAR = _signatures("STRING, [STRING] -> STRING", "JSON, [STRING] -> STRING")
_JSON_QUERY = _signatures("STRING, STRING -> STRING", "JSON, STRING -> JSON")
_JSON_ARRAY = _signatures("STRING, [STRING] -> ARRAY<STRING>", "JSON, [STRING] -> ARRAY<JSON>")
_JSON_STRINGS = _signatures("STRING, [STRING] -> ARRAY<STRING>", "JSON, [STRING] -> ARRAY<STRING>")

#: ``{name as written: its signatures}``. A signature with a NUMERIC (BIGNUMERIC) argument is
#: taken only when some argument IS a NUMERIC (BIGNUMERIC): ZetaSQL's
#: ``CheckHasNumericTypeArgument`` / ``CheckHasBigNumericTypeArgument``
#: (builtin_function_internal_1.cc), set on those signatures of every function below; so
#: ``ROUND(x, 0, 'ROUND_HALF_EVEN')`` needs a NUMERIC x ("If you set the rounding_mode and X
#: isn't a NUMERIC or BIGNUMERIC type, then the function generates an error", ROUND).
SIGNATURES: dict[str, tuple[Signature, ...]] = {
    # string functions (builtin_function_internal_3.cc, GetStringFunctions)
    "LOWER": _STRING_OR_BYTES_1, "LCASE": _STRING_OR_BYTES_1,
    "UPPER": _STRING_OR_BYTES_1, "UCASE": _STRING_OR_BYTES_1,
    "REVERSE": _STRING_OR_BYTES_1,
    "STRPOS": _signatures("STRING, STRING -> INT64", "BYTES, BYTES -> INT64"),
    "INSTR": _POSITION,
    "STARTS_WITH": _TWO_TEXTS_BOOL, "ENDS_WITH": _TWO_TEXTS_BOOL, "REGEXP_CONTAINS": _TWO_TEXTS_BOOL,
    "SUBSTR": _SUBSTR, "SUBSTRING": _SUBSTR,
    "TRIM": _TRIM, "LTRIM": _TRIM, "RTRIM": _TRIM,
    "LPAD": _PAD, "RPAD": _PAD,
    "LEFT": _CUT, "RIGHT": _CUT, "REPEAT": _CUT,
    "REPLACE": _THREE_TEXTS, "TRANSLATE": _THREE_TEXTS, "REGEXP_REPLACE": _THREE_TEXTS,
    "INITCAP": _signatures("STRING, [STRING] -> STRING"),
    "SPLIT": _signatures("STRING, [STRING] -> ARRAY<STRING>", "BYTES, BYTES -> ARRAY<BYTES>"),
    "REGEXP_EXTRACT": _REGEXP_EXTRACT, "REGEXP_SUBSTR": _REGEXP_EXTRACT,
    "REGEXP_EXTRACT_ALL": _signatures("STRING, STRING -> ARRAY<STRING>", "BYTES, BYTES -> ARRAY<BYTES>"),
    "REGEXP_INSTR": _signatures("STRING, STRING, [INT64], [INT64], [INT64] -> INT64",
                                "BYTES, BYTES, [INT64], [INT64], [INT64] -> INT64"),
    "ASCII": _signatures("STRING -> INT64", "BYTES -> INT64"),
    "UNICODE": _signatures("STRING -> INT64"),
    "CHR": _signatures("INT64 -> STRING"),
    "SOUNDEX": _signatures("STRING -> STRING"),
    "TO_HEX": _signatures("BYTES -> STRING"), "FROM_HEX": _signatures("STRING -> BYTES"),
    "TO_BASE64": _signatures("BYTES -> STRING"), "FROM_BASE64": _signatures("STRING -> BYTES"),
    "TO_BASE32": _signatures("BYTES -> STRING"), "FROM_BASE32": _signatures("STRING -> BYTES"),
    "TO_CODE_POINTS": _signatures("STRING -> ARRAY<INT64>", "BYTES -> ARRAY<INT64>"),
    "SAFE_CONVERT_BYTES_TO_STRING": _signatures("BYTES -> STRING"),
    "FARM_FINGERPRINT": _signatures("STRING -> INT64", "BYTES -> INT64"),  # (builtin_function_internal_3.cc)
    # EDIT_DISTANCE's max_distance is a named argument (another shape); bit functions
    # (builtin_function_internal_2.cc: BIT_COUNT of an INT64 or BYTES; BIT_AND / BIT_OR / BIT_XOR
    # aggregate INT64s, their BYTES signatures are behind a feature BigQuery's page does not list)
    "EDIT_DISTANCE": _signatures("STRING, STRING -> INT64", "BYTES, BYTES -> INT64"),
    "BIT_COUNT": _signatures("INT64 -> INT64", "BYTES -> INT64"),
    "BIT_AND": _signatures("INT64 -> INT64"), "BIT_OR": _signatures("INT64 -> INT64"),
    "BIT_XOR": _signatures("INT64 -> INT64"),
    # mathematical functions (builtin_function_internal_3.cc, GetNumericFunctions and
    # GetTrigonometricFunctions)
    "ABS": _ANY_NUMBER_1, "SIGN": _ANY_NUMBER_1,
    "ROUND": _TRUNC + _signatures(f"NUMERIC, INT64, {ROUNDING_MODE} -> NUMERIC",
                                  f"BIGNUMERIC, INT64, {ROUNDING_MODE} -> BIGNUMERIC"),
    "TRUNC": _TRUNC,
    "CEIL": _NUMBER_1, "CEILING": _NUMBER_1, "FLOOR": _NUMBER_1,
    "SQRT": _NUMBER_1, "CBRT": _NUMBER_1, "EXP": _NUMBER_1, "LN": _NUMBER_1, "LOG10": _NUMBER_1,
    "LOG": _signatures("FLOAT64, [FLOAT64] -> FLOAT64", "NUMERIC, [NUMERIC] -> NUMERIC",
                       "BIGNUMERIC, [BIGNUMERIC] -> BIGNUMERIC"),
    "POW": _NUMBER_2, "POWER": _NUMBER_2,
    "IS_INF": _signatures("FLOAT64 -> BOOL"), "IS_NAN": _signatures("FLOAT64 -> BOOL"),
    "IEEE_DIVIDE": _signatures("FLOAT64, FLOAT64 -> FLOAT64"),
    "SAFE_DIVIDE": _NUMBER_2,
    "SAFE_ADD": _SAFE_ARITHMETIC, "SAFE_SUBTRACT": _SAFE_ARITHMETIC, "SAFE_MULTIPLY": _SAFE_ARITHMETIC,
    "SAFE_NEGATE": _ANY_NUMBER_1,
    **{name: _DOUBLE_1 for name in ("COS", "COSH", "ACOS", "ACOSH", "SIN", "SINH", "ASIN", "ASINH", "TAN", "TANH",
                                    "ATAN", "ATANH", "CSC", "SEC", "COT", "CSCH", "SECH", "COTH")},
    "ATAN2": _signatures("FLOAT64, FLOAT64 -> FLOAT64"),
    # JSON functions (builtin_function_internal_3.cc, GetJsonExtractFunctions, GetJsonQueryFunctions,
    # GetJsonValueFunctions; PARSE_JSON's wide_number_mode, a named argument, is another shape).
    # A path written as a literal is parsed into a JSONPath, whose type is not read.
    "JSON_VALUE": _JSON_SCALAR, "JSON_EXTRACT_SCALAR": _JSON_SCALAR,
    "JSON_QUERY": _JSON_QUERY, "JSON_EXTRACT": _JSON_QUERY,
    "JSON_QUERY_ARRAY": _JSON_ARRAY, "JSON_EXTRACT_ARRAY": _JSON_ARRAY,
    "JSON_VALUE_ARRAY": _JSON_STRINGS, "JSON_EXTRACT_STRING_ARRAY": _JSON_STRINGS,
    "PARSE_JSON": _signatures("STRING -> JSON"),
    "JSON_TYPE": _signatures("JSON -> STRING"),
    # conversion functions of a JSON value (builtin_function_internal_3.cc,
    # GetJsonValueExtractionFunctions: "int64", "float64", "bool" take a JSON; FLOAT64's
    # wide_number_mode, a named argument, is another shape), STRING (its signatures above in the
    # same file), and the DATE / TIME constructors from parts (builtin_function_internal_2.cc; their
    # one- and two-argument forms parse into other nodes and are not checked here)
    "INT64": _signatures("JSON -> INT64"), "FLOAT64": _signatures("JSON -> FLOAT64"),
    "BOOL": _signatures("JSON -> BOOL"),
    "STRING": _signatures("TIMESTAMP, [STRING] -> STRING", "DATE -> STRING", "TIME -> STRING", "DATETIME -> STRING",
                          "JSON -> STRING"),
    "DATE": _signatures("INT64, INT64, INT64 -> DATE"),
    "TIME": _signatures("INT64, INT64, INT64 -> TIME"),
    # array functions (builtin_function_array.cc): an array's element type is not read here
    "ARRAY_LENGTH": _signatures("ARRAY -> INT64"),
    "ARRAY_REVERSE": _signatures("ARRAY -> ARRAY"),
    "ARRAY_TO_STRING": _signatures("ARRAY, STRING, [STRING] -> STRING", "ARRAY, BYTES, [BYTES] -> BYTES"),
    "GENERATE_ARRAY": _signatures("INT64, INT64, [INT64] -> ARRAY<INT64>", "NUMERIC, NUMERIC, [NUMERIC] -> ARRAY<NUMERIC>",
                                  "BIGNUMERIC, BIGNUMERIC, [BIGNUMERIC] -> ARRAY<BIGNUMERIC>",
                                  "FLOAT64, FLOAT64, [FLOAT64] -> ARRAY<FLOAT64>"),
    # statistical aggregate functions (builtin_function_internal_2.cc; STDDEV is STDDEV_SAMP's
    # alias, VARIANCE VAR_SAMP's)
    "STDDEV_POP": _STATISTIC_1, "STDDEV_SAMP": _STATISTIC_1, "STDDEV": _STATISTIC_1,
    "VAR_POP": _STATISTIC_1, "VAR_SAMP": _STATISTIC_1, "VARIANCE": _STATISTIC_1,
    "CORR": _STATISTIC_2, "COVAR_POP": _STATISTIC_2, "COVAR_SAMP": _STATISTIC_2,
}


def signature_text(name: str) -> str:
    """The signatures of ``name`` as the reference writes them, for messages.

    Example::

        signature_text('LEFT')   # 'LEFT(STRING, INT64); LEFT(BYTES, INT64)'
    """
    written = []
    for signature in SIGNATURES[name]:
        params = ["STRING" if p == ROUNDING_MODE else p for p in signature.params]
        shown = [p if i < signature.required else f"[{p}]" for i, p in enumerate(params)]
        written.append(f"{name}({', '.join(shown)})")
    return "; ".join(written)


#: Where a node keeps an argument: ``(key, index in its list or None)``.
_Path = tuple[str, int | None]


def _filled(node: Any) -> frozenset[_Path]:
    """The places of ``node`` that hold an expression (a flag such as LPAD's ``is_left`` is none)."""
    places: set[_Path] = set()
    for key, value in node.args.items():
        if isinstance(value, exp.Expression):
            places.add((key, None))
        elif isinstance(value, list):
            places.update((key, i) for i, item in enumerate(value) if isinstance(item, exp.Expression))
    return frozenset(places)


def _place_of(node: Any, placeholder: str) -> _Path | None:
    for key, value in node.args.items():
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            if isinstance(item, exp.Column) and item.name == placeholder and not item.table:
                return key, index
    return None


#: A parsed call's shape: the function's name, per argument its place, the places sqlglot
#: filled itself with constants (``LOG10(x)`` is ``Log(this=10, expression=x)``) with their
#: SQL, and whether the parse keeps the name the call was written with.
_Shape = tuple[str, tuple[_Path, ...], tuple[tuple[_Path, str], ...], bool]


def _at(node: Any, place: _Path) -> exp.Expression:
    key, index = place
    value = node.args[key]
    return value[index] if index is not None else value  # type: ignore[no-any-return]


@functools.cache
def _shapes() -> dict[tuple[type[Any], frozenset[_Path]], list[_Shape]]:
    """``{(node class, places filled): [(name, the places of arguments 1..n, constants)]}`` from
    the parse of each function of :data:`SIGNATURES` called with 1 to its most arguments (an
    arity sqlglot refuses to parse, or a parse that does not keep every argument in a place of
    the call itself, is left out: such a call is left to the engine)."""
    shapes: dict[tuple[type[Any], frozenset[_Path]], list[_Shape]] = {}
    for name, signatures in SIGNATURES.items():
        most = max(len(s.params) for s in signatures)
        least = min(s.required for s in signatures)
        for count in range(max(least, 1), most + 1):
            placeholders = [f"bq_arg_{i}" for i in range(count)]
            try:
                call = sqlglot.parse_one(f"SELECT {name}({', '.join(placeholders)})", read=CoverageBigQuery)
            except SqlglotError:
                continue
            node: Any = call.expressions[0] if isinstance(call, exp.Select) and call.expressions else None
            if not isinstance(node, exp.Func):
                continue
            places = [_place_of(node, p) for p in placeholders]
            found = tuple(place for place in places if place is not None)
            filled = _filled(node)
            constants = tuple(sorted((place, _at(node, place).sql()) for place in filled - set(found)))
            if len(set(found)) != count or any(not isinstance(_at(node, place), exp.Literal)
                                               for place, _sql in constants):
                continue
            shapes.setdefault((type(node), filled), []).append((name, found, constants, bool(written_name(node))))
    return shapes


def written_name(node: Any) -> str | None:
    """The name a call was written with, when the parse kept it (sqlglot records it for
    functions it builds from its table, and an unknown function keeps its own); None for a
    function parsed by a dedicated routine (``SUBSTRING``, ``CEIL``) or built by sqlglot itself.

    Example::

        written_name(sqlglot.parse_one('SELECT lcase(x)', read=CoverageBigQuery).expressions[0])   # 'lcase'
    """
    if isinstance(node, exp.Anonymous):
        return str(node.name)
    name = node.meta.get(CoverageBigQuery.ORIGINAL_NAME_META_KEY or "")
    return str(name) if name else None


def call_arguments(node: Any) -> tuple[str, list[exp.Expression]] | None:
    """``(function name, arguments in written order)`` of a call of a function of
    :data:`SIGNATURES`; None for any other node. A call whose name the parse does not keep
    (``SUBSTRING``, ``CEIL``, also after ``SAFE.``) is named by its class: functions parsing
    into one class with the same places have the same signatures there (a test checks it).
    A node without a name of a class whose calls keep theirs is sqlglot's own, not written
    (``CONTAINS_SUBSTR(x, 'a')`` parses into a comparison of ``LOWER(x)``, x may be JSON):
    None.

    Example::

        call_arguments(sqlglot.parse_one('SELECT LOG(x, 2)', read=CoverageBigQuery).expressions[0])
        # ('LOG', [Column(x), Literal(2)])
    """
    candidates = [shape for shape in _shapes().get((type(node), _filled(node)), ())
                  if all(_at(node, place).sql() == sql for place, sql in shape[2])]
    if not candidates:
        return None
    written = (written_name(node) or "").upper() or None
    chosen = next((c for c in candidates if c[0] == written), None)
    if chosen is None:
        if written is not None:
            return None  # another function parsed into this class, or another shape of the call
        unnamed = [c for c in candidates if not c[3]]
        if not unnamed:
            return None
        chosen = unnamed[0]
    name, places, _constants, _named = chosen
    return name, [_at(node, place) for place in places]
