"""The BigQuery SQL dialect the embedded warehouse parses with: sqlglot's, parsing nested
derived tables in time linear in their depth.

sqlglot's BigQuery parser rewrites implicit UNNEST joins (``FROM t, t.arr``) into explicit
ones. To do so it normalizes a *copy* of each query's FROM source, and does that for every
query, joins or not; a FROM source that is a derived table is copied whole, so a statement
nesting N derived tables copies O(N^2) nodes (about 1 s at 64 levels, where the parse is
otherwise ~0.1 s). The copy only serves the join loop: a query without joins can hold no
implicit UNNEST, and its tree is returned unchanged. :class:`CoverageBigQuery` skips the
copy for those and hands every query with joins to sqlglot's own rewrite, so the trees are
exactly sqlglot's (tests/unit/bigquery/test_dialect.py compares them on every registered
statement).

Example::

    tree = sqlglot.parse_one('SELECT x FROM (SELECT x FROM ds.t) AS q', read=CoverageBigQuery)
    tree.sql(dialect='bigquery')   # 'SELECT x FROM (SELECT x FROM ds.t) AS q'
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlglot import exp
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.dialects.duckdb import DuckDB

__all__ = ["CoverageBigQuery", "CoverageDuckDB"]

_E = TypeVar("_E", bound=exp.Expression)


def _keeping_format_text(build: Any) -> Any:
    """sqlglot's builder of a FORMAT_* call, which also keeps the format's text as written in
    ``meta`` (:attr:`CoverageBigQuery.FORMAT_TEXT_META`)."""
    def builder(args: list[Any], dialect: Any) -> Any:
        node = build(args, dialect=dialect)
        written = args[0] if args else None
        if isinstance(written, exp.Literal) and written.is_string:
            node.meta[CoverageBigQuery.FORMAT_TEXT_META] = written.this
        return node

    return builder


class CoverageBigQuery(BigQuery):
    """sqlglot's BigQuery dialect; only the parser's implicit-UNNEST pass is skipped for a
    query without joins (where it changes nothing)."""

    #: ``meta`` key of a ``CAST(x AS <type> FORMAT '...')`` that sqlglot parsed into a
    #: StrToDate / StrToTime: the type it casts to (sqlglot keeps only DATE vs the rest).
    CAST_FORMAT_META = "bq_cast_format_to"

    #: ``meta`` key of a FORMAT_DATE / FORMAT_DATETIME / FORMAT_TIME / FORMAT_TIMESTAMP call: its
    #: format as written, before sqlglot expanded %c, %D, %F, %T, %x and renamed %e (the
    #: translation writes each element as BigQuery does, and a DATE's formatter writes %T as it is).
    FORMAT_TEXT_META = "bq_format_text"

    class Parser(BigQuery.Parser):  # type: ignore[valid-type,misc]  # sqlglot declares it as a variable
        FUNCTIONS = {
            **BigQuery.Parser.FUNCTIONS,
            **{name: _keeping_format_text(BigQuery.Parser.FUNCTIONS[name])
               for name in ("FORMAT_DATE", "FORMAT_DATETIME", "FORMAT_TIME", "FORMAT_TIMESTAMP")},
        }

        def _parse_cast(self, strict: bool, safe: bool | None = None) -> Any:
            start = self._index
            result = super()._parse_cast(strict, safe)
            if isinstance(result, exp.StrToDate | exp.StrToTime):
                tokens = self._tokens[start:self._index]
                formats = [i for i, token in enumerate(tokens) if token.text.upper() == "FORMAT"]
                aliases = [i for i, token in enumerate(tokens[:formats[-1]]) if token.text.upper() == "AS"] \
                    if formats else []
                if aliases and aliases[-1] + 1 < len(tokens):
                    result.meta[CoverageBigQuery.CAST_FORMAT_META] = tokens[aliases[-1] + 1].text.upper()
            return result

        def _implicit_unnests_to_explicit(self, this: _E) -> _E:
            if not this.args.get("joins"):
                return this  # no join, no implicit UNNEST: sqlglot's pass would return it as is
            result: Any = super()._implicit_unnests_to_explicit(this)
            return result


class CoverageDuckDB(DuckDB):
    """sqlglot's DuckDB dialect as the translation writes its statements with it.

    For some calls sqlglot writes a piece of DuckDB SQL as text and parses it back, in its
    generic dialect, to wrap it in a cast: ``PARSE_TIME`` (``CAST(STRPTIME(text, f) AS
    TIME)``), ``PARSE_DATE``, ``SAFE.PARSE_TIMESTAMP`` (``TRY_STRPTIME``) and
    ``UNIX_SECONDS``. That parse cannot read DuckDB's lambdas, which the translation writes
    for a value computed once (``STRING(ts, zone)``, a bound argument), so
    ``PARSE_TIME('%H:%M:%S', SUBSTR(STRING(ts, 'America/New_York'), 12, 8))``, a valid
    BigQuery query, was refused ("Cannot translate the query for DuckDB: Expecting )"). When
    the argument's SQL holds a lambda, the round trip is made with a placeholder column in its
    place, and the argument's SQL (in parentheses) then takes the placeholder's; otherwise the
    SQL is sqlglot's, unchanged.

    Example::

        sqlglot.parse_one("SELECT PARSE_TIME('%H', s)", read='bigquery').sql(dialect=CoverageDuckDB)
        # "SELECT CAST(STRPTIME(s, '%H') AS TIME)"
    """

    class Generator(DuckDB.Generator):  # type: ignore[valid-type,misc]  # sqlglot declares it as a variable
        TRANSFORMS = {
            **DuckDB.Generator.TRANSFORMS,
            exp.UnixSeconds: lambda self, e: _parsed_back(self, DuckDB.Generator.TRANSFORMS[exp.UnixSeconds], e),
        }

        def parsetime_sql(self, expression: exp.ParseTime) -> str:
            return _parsed_back(self, DuckDB.Generator.parsetime_sql, expression)

        def strtotime_sql(self, expression: exp.StrToTime) -> str:
            return _parsed_back(self, DuckDB.Generator.strtotime_sql, expression)

        def strtodate_sql(self, expression: exp.StrToDate) -> str:
            return _parsed_back(self, DuckDB.Generator.strtodate_sql, expression)


def _parsed_back(generator: Any, write: Any, expression: exp.Expression) -> str:
    """``write(generator, expression)``, the argument's SQL put in after sqlglot's parse-back
    when that SQL holds a lambda (see :class:`CoverageDuckDB`)."""
    argument = generator.sql(expression, "this")
    if "LAMBDA" not in argument.upper():
        return str(write(generator, expression))
    stand_in = type(expression)(**{key: value.copy() if isinstance(value, exp.Expression) else value
                                   for key, value in expression.args.items() if key != "this"},
                                this=exp.column(_PARSED_TEXT))
    # (sqlglot's writers for these calls write their argument once: the stand-in is found once)
    return str(write(generator, stand_in)).replace(_PARSED_TEXT, f"({argument})")


# sqlglot's dialect class computes a subclass's inverse format-element tables from its own
# (empty) TIME_MAPPING: DuckDB's are set by hand (``%e`` is written ``%-d``, DuckDB's strptime
# knows no ``%e``). The subclass takes DuckDB's, and writes every format element as DuckDB does.
CoverageDuckDB.INVERSE_TIME_MAPPING = DuckDB.INVERSE_TIME_MAPPING
CoverageDuckDB.INVERSE_TIME_TRIE = DuckDB.INVERSE_TIME_TRIE

#: The column :class:`CoverageDuckDB` writes in place of PARSE_TIME's text while sqlglot parses its SQL back.
_PARSED_TEXT = "__bq_parsed_text__"
