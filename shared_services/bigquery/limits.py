"""BigQuery's size limits on a query and on a view, and its quota of load jobs per table,
enforced by the embedded warehouse.

BigQuery refuses a job over one of the fixed limits of its quotas page (quotas and limits,
"Query jobs" and "Logical views", https://cloud.google.com/bigquery/quotas#query_jobs and
https://cloud.google.com/bigquery/quotas#view_limits). DuckDB has none of them, so without
these checks a processor that builds its SQL or its parameters from data (an ``IN UNNEST(@ids)``
list that grows with the season, a view over a view over a view) runs here and fails in
production. Each limit is read at its stricter reading where the page's unit allows two
(``1 MB`` as 1,000,000 bytes, not 1,048,576): a job between the readings is refused here and
might run there, never the reverse.

The checks only measure: they never parse SQL (:func:`check_request` runs before anything
does) and walk each view's definition once however often it is referenced.

Example::

    from shared_services.bigquery.limits import check_request
    check_request('SELECT 1', [])                 # fine
    check_request('SELECT 1' + ' ' * 2_000_000, [])  # BadRequest: The query is too large ...
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlglot
from google.api_core import exceptions as gexc
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from shared_services.bigquery.dialect import CoverageBigQuery

__all__ = [
    "MAX_QUERY_CHARACTERS",
    "MAX_UNRESOLVED_QUERY_BYTES",
    "MAX_QUERY_PARAMETERS",
    "MAX_REQUEST_BYTES",
    "MAX_RESOLVED_QUERY_BYTES",
    "MAX_REFERENCED_RESOURCES",
    "MAX_QUERIED_VIEW_LEVELS",
    "MAX_CREATED_VIEW_LEVELS",
    "MAX_VIEW_QUERY_CHARACTERS",
    "MAX_TABLE_DESCRIPTION_CHARACTERS",
    "MAX_COLUMN_DESCRIPTION_CHARACTERS",
    "QUERY_TOO_LARGE",
    "check_request",
    "check_references",
    "check_view_definition",
    "check_descriptions",
    "check_columns",
    "check_transactions",
    "mutated_tables",
    "check_partitions",
    "check_table_partitions",
    "check_table_loads",
    "check_outstanding_dml",
    "MAX_OUTSTANDING_MUTATING_DML",
    "DML_QUEUE_FULL",
    "check_json_rows",
    "MAX_JSON_ROW_BYTES",
    "MAX_TABLE_LOADS_PER_DAY",
    "TABLE_LOAD_QUOTA_EXCEEDED",
    "MAX_TRANSACTION_TABLES",
    "MAX_PARTITIONS_PER_JOB",
    "MAX_PARTITIONS_PER_TABLE",
    "MAX_COLUMNS",
    "MAX_RECORD_DEPTH",
    "created_view_bodies",
    "statement_target",
    "utf8_size",
]

#: "Maximum SQL query character length": 1,024k characters, comments and white space counted
#: ("Query jobs"). Read as 1,024,000 characters (code points), the stricter of 1,024 x 1,000
#: and 1,024 x 1,024.
MAX_QUERY_CHARACTERS = 1_024_000
#: "Maximum unresolved GoogleSQL query length": 1 MB ("Query jobs"), the same error. Read as
#: 1,000,000 bytes of UTF-8: below :data:`MAX_QUERY_CHARACTERS` for any text, so this is the
#: limit that binds (an ASCII query of 1,000,001 characters may run on BigQuery; it is
#: refused here, where the page's two rows cannot both be taken at their loosest).
MAX_UNRESOLVED_QUERY_BYTES = 1_000_000
#: "Maximum number of GoogleSQL query parameters": 10,000 ("Query jobs").
MAX_QUERY_PARAMETERS = 10_000
#: "Maximum request size": 10 MB "including additional properties like query parameters"
#: ("Query jobs"); BigQuery's front end answers "Request payload size exceeds the limit:
#: 10485760 bytes." (a 400, or a 413 when far over: googleapis/google-cloud-python#4864, an
#: 800,000-value list parameter). Counted here as the query and its parameters (their REST
#: form) in JSON, as the client serialises them, against 10,000,000 bytes: the request's other
#: fields are small, and the stricter reading of "10 MB" leaves them room.
MAX_REQUEST_BYTES = 10_000_000
#: "Maximum resolved legacy and GoogleSQL query length": 12 MB, "includes the length of all
#: views and wildcard tables referenced by the query" ("Query jobs"). Read as 12,000,000 bytes
#: of UTF-8: the query's text plus each view reference's definition, resolved in turn (a view
#: referenced twice counts twice).
MAX_RESOLVED_QUERY_BYTES = 12_000_000
#: "Maximum number of resources referenced per query": 1,000 unique tables, views, UDFs and
#: table functions "after full expansion" ("Query jobs").
MAX_REFERENCED_RESOURCES = 1_000
#: "Maximum number of nested view levels": 16; "creating views up to this limit is possible,
#: but querying is limited to 15 levels"; over it, ``INVALID_INPUT`` ("Logical views"). A view
#: over tables is one level; a view over that view, two.
MAX_QUERIED_VIEW_LEVELS = 15
MAX_CREATED_VIEW_LEVELS = 16
#: "Maximum length of a GoogleSQL query used to define a view": 256 K characters, not counting
#: the views it references ("Logical views"). Read as 256,000 characters.
MAX_VIEW_QUERY_CHARACTERS = 256_000
#: "Maximum length of a table description" and "of a view description": 16,384 characters;
#: "of a column description": 1,024 characters ("Tables", "Logical views").
MAX_TABLE_DESCRIPTION_CHARACTERS = 16_384
MAX_COLUMN_DESCRIPTION_CHARACTERS = 1_024
#: "Number of partitions modified by a single job": "Each job operation (query or load) can
#: affect up to 4,000 partitions. BigQuery rejects any query or load job that attempts to
#: modify more than 4,000 partitions" ("Partitioned tables"). A NULL partition value is a
#: partition (``__NULL__``).
MAX_PARTITIONS_PER_JOB = 4_000
#: "Number of partitions per partitioned table": "Each partitioned table can have up to 10,000
#: partitions" ("Partitioned tables").
MAX_PARTITIONS_PER_TABLE = 10_000
#: "Multi-statement transaction table mutations": "A transaction can mutate data in at most
#: 100 tables" ("Query jobs").
MAX_TRANSACTION_TABLES = 100
#: "Maximum columns in a table, query result, or view definition": 10,000, "This includes
#: nested and repeated columns" ("Query jobs"; "Tables": "Maximum columns per table").
MAX_COLUMNS = 10_000
#: "Maximum depth of nested records": 15 levels, "independent of whether the records are
#: scalar or array-based (repeated)" ("Tables"). Read as at most 15 RECORD types on any path
#: (a top-level RECORD is one level; the stricter of counting it or not).
MAX_RECORD_DEPTH = 15
#: "Load jobs per table per day": 1,500, "Load jobs, including failed load jobs, count toward
#: the limit on the number of table operations per day for the destination table" ("Load
#: jobs"); "Table modifications per day": "up to 1,500 table modifications per table per day
#: ... This limit cannot be changed", and "Quotas and limits are associated with table names":
#: dropping and creating the table again does not reset it ("Standard tables"). DML is
#: excluded. Read as a rolling 24 hours (BigQuery replenishes its daily quotas "at regular
#: intervals throughout the day": a window is the stricter reading of "per day").
MAX_TABLE_LOADS_PER_DAY = 1_500
#: "Newline-delimited JSON (ndJSON): Maximum row size: 100 MB" ("Load jobs"), 104,857,600 bytes
#: as BigQuery's own message counts it ("Row size is larger than: 104857600", reason
#: ``invalid``: m-lab/etl#1133, where one such row failed a whole day's load).
MAX_JSON_ROW_BYTES = 104_857_600

#: BigQuery's message for a query over its length limits, as its API returns it (a 400
#: ``invalidQuery``; airbytehq/airbyte#36303).
QUERY_TOO_LARGE = ("The query is too large. The maximum standard SQL query length is 1024.00K characters, "
                   "including comments and white space characters.")
#: BigQuery's front end's message for a request over 10 MB (see :data:`MAX_REQUEST_BYTES`).
_PAYLOAD_TOO_LARGE = "Request payload size exceeds the limit: 10485760 bytes."
_QUOTAS = "BigQuery's quotas and limits, https://cloud.google.com/bigquery/quotas"
#: BigQuery's message for a load over :data:`MAX_TABLE_LOADS_PER_DAY` (troubleshoot-quotas,
#: "Table imports or query appends quota errors"; a 403, reason ``quotaExceeded``, location
#: ``load_job_per_table.long``, as recorded in client logs).
TABLE_LOAD_QUOTA_EXCEEDED = ("Quota exceeded: Your table exceeded quota for imports or query appends per table. "
                             "For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas")


def utf8_size(text: str) -> int:
    """Bytes of ``text`` in UTF-8, without encoding an ASCII text (the common case).

    Example::

        utf8_size('é1')   # 3
    """
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def check_request(query: object, parameters: Sequence[Any] | None) -> None:
    """``BadRequest`` when the query job's request is over one of BigQuery's size limits: the
    query's text (:data:`MAX_QUERY_CHARACTERS`, :data:`MAX_UNRESOLVED_QUERY_BYTES`), its
    number of parameters (:data:`MAX_QUERY_PARAMETERS`) or the text and parameters together
    (:data:`MAX_REQUEST_BYTES`).

    ``parameters`` are the job's query parameters in their REST form (``QueryParameter``
    resources, as ``QueryJobConfig`` stores them). Checked before anything parses the text: a
    hostile statement of megabytes used to be parsed and translated for minutes first.

    Example::

        check_request('SELECT @x', [{'name': 'x', 'parameterType': {'type': 'INT64'},
                                     'parameterValue': {'value': '1'}}])   # fine
        check_request('SELECT 1', [{'name': f'p{i}'} for i in range(10_001)])  # BadRequest
    """
    if not isinstance(query, str):
        return  # the client refuses a query that is not text by its own words
    if len(query) > MAX_QUERY_CHARACTERS:
        raise gexc.BadRequest(QUERY_TOO_LARGE)
    size = utf8_size(query)
    if size > MAX_UNRESOLVED_QUERY_BYTES:
        raise gexc.BadRequest(
            f"{QUERY_TOO_LARGE} This query is {size:,} bytes of UTF-8 ({len(query):,} characters): BigQuery "
            f"also limits an unresolved GoogleSQL query to 1 MB, read here as {MAX_UNRESOLVED_QUERY_BYTES:,} "
            f"bytes ({_QUOTAS}#query_jobs).")
    if not parameters:
        return
    if len(parameters) > MAX_QUERY_PARAMETERS:
        raise gexc.BadRequest(
            f"The query has {len(parameters):,} query parameters; BigQuery takes at most "
            f"{MAX_QUERY_PARAMETERS:,} ({_QUOTAS}#query_jobs). Pass a list as one ARRAY parameter.")
    # As google-cloud-bigquery sends them: json.dumps with its defaults (", " and ": "
    # separators, non-ASCII as \u escapes), the query text a JSON string too. Without
    # parameters the text alone (1 MB at most, 6 MB escaped) cannot reach the limit.
    try:
        text, sent = len(json.dumps(query)), len(json.dumps(list(parameters), default=str))
    except (TypeError, ValueError):  # pragma: no cover - REST resources are JSON by construction
        return
    total = text + sent
    if total > MAX_REQUEST_BYTES:
        raise gexc.BadRequest(
            f"{_PAYLOAD_TOO_LARGE} The query and its parameters are {total:,} bytes as the client sends "
            f"them in JSON (the query {text:,}, the parameters {sent:,}); BigQuery's request limit is "
            f"10 MB, read here as {MAX_REQUEST_BYTES:,} bytes ({_QUOTAS}#query_jobs). Load a long list "
            "into a table and join it instead of passing it as a parameter.")


# --------------------------------------------------------------------------------------
# Views: levels, resolved length, referenced resources
# --------------------------------------------------------------------------------------
#: ``(dataset, view) -> the view's BigQuery SQL``, or None for a table (any letter case).
ViewLookup = Callable[[str, str], str | None]


@dataclass
class _Resolved:
    """What one text resolves to: its view levels, its resolved size (its own bytes plus each
    view reference's resolved size), the resources it reaches (lower-case names) and the view
    its levels are read through (``dataset.view``, for the message)."""

    levels: int
    size: int
    resources: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    deepest: str = ""


def _key(table: exp.Table) -> tuple[str, str]:
    db = table.args.get("db")
    return (db.name.lower() if db is not None else "", table.name.lower())


#: The statements whose root names the table they write, create, alter or drop.
_DML = (exp.Insert, exp.Update, exp.Delete, exp.Merge)
_WRITING = (*_DML, exp.Create, exp.Drop, exp.Alter)


def statement_target(tree: exp.Expression | None,
                     kinds: tuple[type[exp.Expression], ...] = _WRITING) -> exp.Table | None:
    """The table a statement of ``kinds`` writes, creates, alters or drops: its root's
    (a column list unwrapped; each statement of a script is its own tree); None otherwise,
    and for no statement (None).

    Example::

        statement_target(sqlglot.parse_one('INSERT INTO ds.t (x) VALUES (1)', read='bigquery')).name   # 't'
    """
    if not isinstance(tree, kinds):
        return None
    target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
    return target if isinstance(target, exp.Table) else None


def _targets(tree: exp.Expression) -> set[int]:
    """ids of the Table nodes a statement writes, creates, alters or drops: resources of the
    job, but not read through (the view a CREATE OR REPLACE VIEW replaces is not expanded)."""
    target = statement_target(tree)
    return set() if target is None else {id(target)}


class _Resolver:
    """Resolves views for one job: each view's definition is parsed and walked once."""

    def __init__(self, view_sql: ViewLookup) -> None:
        self._view_sql = view_sql
        self._done: dict[tuple[str, str], _Resolved] = {}
        self._open: list[tuple[str, str]] = []

    def tree(self, tree: exp.Expression, own_size: int) -> _Resolved:
        """``tree`` (whose text is ``own_size`` bytes) with every view it reads resolved."""
        levels, size, deepest = 0, own_size, ""
        resources: set[tuple[str, str]] = set()
        written = _targets(tree)
        for table in tree.find_all(exp.Table):
            key = _key(table)
            if not key[0]:
                continue  # a CTE's name, or a name the other rules refuse
            resources.add(key)
            if id(table) in written:
                continue
            view = self.view(key)
            if view is not None:
                if view.levels > levels:
                    levels, deepest = view.levels, ".".join(key)
                size += view.size
                resources |= view.resources
        return _Resolved(levels, size, frozenset(resources), deepest)

    def view(self, key: tuple[str, str]) -> _Resolved | None:
        """The view ``key`` resolved (its levels count itself), or None for a table."""
        if key in self._done:
            return self._done[key]
        sql = self._view_sql(*key)
        if sql is None:
            return None
        if key in self._open or len(self._open) > MAX_CREATED_VIEW_LEVELS:
            raise gexc.BadRequest(
                f"Views are nested too deeply (or reference themselves): {' -> '.join('.'.join(k) for k in self._open)}"
                f" -> {'.'.join(key)}; BigQuery queries at most {MAX_QUERIED_VIEW_LEVELS} levels of nested views "
                f"({_QUOTAS}#view_limits)")
        # a short text's tree is kept for the next query (views are short); a long one is
        # parsed each time, so a few hostile 256K views cannot hold gigabytes of trees
        body = _parsed_view(sql) if len(sql) <= _CACHED_VIEW_CHARACTERS else _parsed_view.__wrapped__(sql)
        if body is None:  # pragma: no cover - views were parsed when created
            raise gexc.BadRequest(f"View {key[0]}.{key[1]} cannot be parsed")
        self._open.append(key)
        try:
            inner = self.tree(body, utf8_size(sql))
        finally:
            self._open.pop()
        resolved = _Resolved(inner.levels + 1, inner.size, inner.resources)
        self._done[key] = resolved
        return resolved


#: Views up to this many characters keep their parsed tree (:func:`_parsed_view`).
_CACHED_VIEW_CHARACTERS = 20_000


@lru_cache(maxsize=64)
def _parsed_view(sql: str) -> exp.Expression | None:
    """A view's definition parsed (None if it cannot be): a function of its text, kept for
    the next query that reads the view (the trees are only read, never changed)."""
    try:
        body = sqlglot.parse_one(sql, read=CoverageBigQuery)
    except SqlglotError:
        return None
    return body if isinstance(body, exp.Expression) else None


def check_references(trees: Sequence[exp.Expression], query_size: int, view_sql: ViewLookup) -> None:
    """``BadRequest`` when a query job, its views resolved, is over BigQuery's limits: more
    than :data:`MAX_QUERIED_VIEW_LEVELS` levels of nested views, a resolved length over
    :data:`MAX_RESOLVED_QUERY_BYTES`, more than :data:`MAX_REFERENCED_RESOURCES` tables and
    views. ``trees`` are the job's statements (a script's all), ``query_size`` its text's
    UTF-8 bytes. A view is created up to :data:`MAX_CREATED_VIEW_LEVELS` deep: the query that
    defines it reads at most :data:`MAX_QUERIED_VIEW_LEVELS`, as any query.

    Example::

        trees = [sqlglot.parse_one('SELECT * FROM ds.v', read='bigquery')]
        check_references(trees, 18, lambda ds, name: 'SELECT 1 AS x' if name == 'v' else None)
    """
    resolver = _Resolver(view_sql)
    size = query_size
    resources: set[tuple[str, str]] = set()
    for tree in trees:
        resolved = resolver.tree(tree, 0)
        size += resolved.size
        resources |= resolved.resources
        # A query reads at most 15 levels; a view is created at most 16 levels deep, so the
        # query defining it also reads at most 15.
        if resolved.levels > MAX_QUERIED_VIEW_LEVELS:
            created = isinstance(tree, exp.Create) and str(tree.args.get("kind") or "").upper() == "VIEW"
            what = "the view it creates would be" if created else "it reads"
            raise gexc.BadRequest(
                f"Views are nested too deeply: {what} {resolved.levels + created} levels of nested views "
                f"(through {resolved.deepest}); BigQuery creates views up to "
                f"{MAX_CREATED_VIEW_LEVELS} levels and queries at most {MAX_QUERIED_VIEW_LEVELS} "
                f"(INVALID_INPUT; {_QUOTAS}#view_limits)")
    if size > MAX_RESOLVED_QUERY_BYTES:
        raise gexc.BadRequest(
            f"The query is too large: with its views resolved it is {size:,} bytes (each reference to a "
            f"view counts its definition, resolved in turn); BigQuery's limit on a resolved query is 12 MB, "
            f"read here as {MAX_RESOLVED_QUERY_BYTES:,} bytes ({_QUOTAS}#query_jobs)")
    if len(resources) > MAX_REFERENCED_RESOURCES:
        raise gexc.BadRequest(
            f"The query references {len(resources):,} tables and views with its views expanded; BigQuery "
            f"allows at most {MAX_REFERENCED_RESOURCES:,} resources in one query ({_QUOTAS}#query_jobs)")


#: The statements that update or delete rows ("mutating DML": UPDATE, DELETE, MERGE; and
#: TRUNCATE TABLE, which deletes every row). An INSERT adds rows and mutates none.
_MUTATING = (exp.Update, exp.Delete, exp.Merge)


def _mutated_tables(tree: exp.Expression, kinds: tuple[type[exp.Expression], ...] = _DML) -> list[tuple[str, str]]:
    """The tables a statement of ``kinds`` writes (by default INSERT, UPDATE, DELETE, MERGE),
    or TRUNCATE TABLE empties."""
    if isinstance(tree, exp.TruncateTable):
        return [_key(t) for t in tree.expressions if isinstance(t, exp.Table)]
    target = statement_target(tree, kinds)
    return [] if target is None else [_key(target)]


def _mutations(trees: Sequence[exp.Expression | None],
               kinds: tuple[type[exp.Expression], ...]) -> Iterator[tuple[int | None, list[tuple[str, str]]]]:
    """Each statement's :func:`_mutated_tables` of ``kinds``, with the number of the script's
    transaction it is in (``BEGIN TRANSACTION`` to ``COMMIT`` / ``ROLLBACK`` or the script's
    end; 1 for the first), or None outside one."""
    transaction: int | None = None
    begun = 0
    for tree in trees:
        if isinstance(tree, exp.Transaction):
            begun += 1
            transaction = begun
        elif isinstance(tree, exp.Commit | exp.Rollback):
            transaction = None
        elif tree is not None:
            yield transaction, _mutated_tables(tree, kinds)


def check_transactions(trees: Sequence[exp.Expression]) -> None:
    """``BadRequest`` when a script's transaction (``BEGIN TRANSACTION`` to ``COMMIT`` or
    ``ROLLBACK``, or to the script's end) mutates more than :data:`MAX_TRANSACTION_TABLES`
    tables. The tables are named in the statements, so the count is known before anything
    runs; a statement outside a transaction is its own and is not counted.

    Example::

        check_transactions(sqlglot.parse('BEGIN TRANSACTION; DELETE FROM ds.t WHERE TRUE; COMMIT TRANSACTION',
                                         read='bigquery'))   # fine
    """
    mutated: dict[int, set[tuple[str, str]]] = {}
    for transaction, tables in _mutations(trees, _DML):
        if transaction is None:
            continue
        seen = mutated.setdefault(transaction, set())
        seen.update(tables)
        if len(seen) > MAX_TRANSACTION_TABLES:
            raise gexc.BadRequest(
                f"The transaction mutates data in {len(seen):,} tables; BigQuery's transaction can mutate "
                f"at most {MAX_TRANSACTION_TABLES} ({_QUOTAS}#query_jobs). Commit in smaller transactions.")


def mutated_tables(trees: Sequence[exp.Expression | None]) -> tuple[frozenset[tuple[str, str]],
                                                                    frozenset[tuple[str, str]]]:
    """``(in_transaction, all)``: the tables (lower-case ``(dataset, table)``) whose rows a
    script's statements update or delete (UPDATE, DELETE, MERGE, TRUNCATE TABLE) inside a
    transaction (``BEGIN TRANSACTION`` to ``COMMIT`` / ``ROLLBACK`` or the script's end), and
    anywhere in it. An INSERT mutates no row.

    These are what BigQuery's transaction concurrency rule is about ("Multi-statement
    transactions" > "Transaction concurrency", https://cloud.google.com/bigquery/docs/transactions:
    "If a transaction mutates (updates or deletes) rows in a table, then other transactions or
    DML statements that mutate rows in the same table cannot run concurrently. Conflicting
    transactions are cancelled. Conflicting DML statements that run outside of a transaction are
    queued to run later"). A None tree (a statement the parser did not keep) mutates nothing.

    Example::

        trees = sqlglot.parse('BEGIN TRANSACTION; DELETE FROM ds.t WHERE TRUE; '
                              'INSERT INTO ds.u (x) VALUES (1); COMMIT TRANSACTION', read='bigquery')
        mutated_tables(trees)   # (frozenset({('ds', 't')}), frozenset({('ds', 't')}))
    """
    inside: set[tuple[str, str]] = set()
    anywhere: set[tuple[str, str]] = set()
    for transaction, tables in _mutations(trees, _MUTATING):
        anywhere.update(tables)
        if transaction is not None:
            inside.update(tables)
    return frozenset(inside), frozenset(anywhere)


def check_partitions(partitions: int, table: str, job: str = "query") -> None:
    """``BadRequest`` when one job (a query's DML statement, or a load) writes more than
    :data:`MAX_PARTITIONS_PER_JOB` partitions of ``table``. A query gets BigQuery's own
    message (as in GoogleCloudPlatform/cortex-dag-generator#5, a MERGE; fivetran/dbt_zendesk#39);
    a load the same numbers in words of ours (BigQuery's load message is not on record here).

    Example::

        check_partitions(4_000, 'ds.t')   # fine
        check_partitions(4_001, 'ds.t')   # BadRequest: Too many partitions produced by query, ...
    """
    if partitions <= MAX_PARTITIONS_PER_JOB:
        return
    if job == "query":
        raise gexc.BadRequest(
            f"Too many partitions produced by query, allowed {MAX_PARTITIONS_PER_JOB}, query produces at least "
            f"{partitions} partitions (table {table}; {_QUOTAS}#partitioned_tables). Write fewer dates per job.")
    raise gexc.BadRequest(
        f"The load job writes {partitions:,} partitions of {table}; BigQuery's job can modify at most "
        f"{MAX_PARTITIONS_PER_JOB:,} partitions ({_QUOTAS}#partitioned_tables). Load fewer dates per job.")


def check_table_partitions(partitions: int, table: str) -> None:
    """``BadRequest`` when a write leaves ``table`` with more than
    :data:`MAX_PARTITIONS_PER_TABLE` partitions (a NULL value's partition counted).

    Example::

        check_table_partitions(10_000, 'ds.t')   # fine
    """
    if partitions > MAX_PARTITIONS_PER_TABLE:
        raise gexc.BadRequest(
            f"Table {table} would have {partitions:,} partitions; BigQuery's partitioned table can have at "
            f"most {MAX_PARTITIONS_PER_TABLE:,} ({_QUOTAS}#partitioned_tables). Partition by month or year, or "
            "cluster instead.")


def check_table_loads(table: str, earlier_loads: int) -> None:
    """``Forbidden`` (reason ``quotaExceeded``) when ``table`` already took
    :data:`MAX_TABLE_LOADS_PER_DAY` load jobs in the last 24 hours (``earlier_loads``, failed
    ones included), so one more is refused in BigQuery's words. The error's ``errors`` carry
    the reason, as the real client's do: it is not a transient error (retrying within the run
    does not help; the quota refills through the day).

    Example::

        check_table_loads('ds.t', 1_499)   # fine: this load is the 1,500th
        check_table_loads('ds.t', 1_500)   # Forbidden: Quota exceeded: Your table exceeded quota ...
    """
    if earlier_loads < MAX_TABLE_LOADS_PER_DAY:
        return
    raise _quota_exceeded(
        TABLE_LOAD_QUOTA_EXCEEDED, "load_job_per_table.long",
        f"{earlier_loads:,} load jobs into {table} in the last 24 hours, failed ones included; a table takes at "
        f"most {MAX_TABLE_LOADS_PER_DAY:,} a day: {_QUOTAS}#load_jobs. Load more rows per job: one job per run, "
        "not per game or per row.")


def _quota_exceeded(words: str, location: str, detail: str) -> gexc.Forbidden:
    """A quota's refusal as BigQuery's API gives it (403, reason ``quotaExceeded``, its
    ``location``, its ``words``), with our ``detail`` after the words."""
    return gexc.Forbidden(f"{words} ({detail})", errors=[{"reason": "quotaExceeded", "location": location,
                                                          "domain": "global", "message": words}])


#: Mutating DML jobs (UPDATE, DELETE, MERGE; a transaction holding one) one table takes at once,
#: pending and running ("Troubleshoot query issues" > "Error 403 Quota Exceeded",
#: https://cloud.google.com/bigquery/docs/troubleshoot-queries: "Mutating DML statements such as
#: UPDATE, DELETE, and MERGE are queued per table with a maximum queue length of 20. This error
#: occurs if you submit additional mutating DML statements for a table that already has 20 jobs
#: in a pending or running state"; Quotas and limits, "Data manipulation language statements").
MAX_OUTSTANDING_MUTATING_DML = 20
#: BigQuery's words for it (reason ``quotaExceeded``, location ``max_dml_outstanding_per_table``,
#: as its API returns them; the real platform met it when 30 teams' roster MERGEs ran at once).
DML_QUEUE_FULL = ("Quota exceeded: Your table exceeded quota for total number of DML jobs writing to a table, "
                  "pending + running.")


def check_outstanding_dml(table: str, outstanding: int) -> None:
    """``Forbidden`` (reason ``quotaExceeded``) in BigQuery's words when ``table`` already has
    :data:`MAX_OUTSTANDING_MUTATING_DML` mutating DML jobs pending or running, so one more is
    refused. A refusal that clears as the other jobs finish: a writer tries again later.

    Example::

        check_outstanding_dml('ds.t', 19)   # fine: this job is the 20th
        check_outstanding_dml('ds.t', 20)   # Forbidden: Quota exceeded: Your table exceeded quota ...
    """
    if outstanding < MAX_OUTSTANDING_MUTATING_DML:
        return
    raise _quota_exceeded(
        DML_QUEUE_FULL, "max_dml_outstanding_per_table",
        f"{outstanding} mutating DML jobs on {table} are pending or running; a table queues at most "
        f"{MAX_OUTSTANDING_MUTATING_DML}: https://cloud.google.com/bigquery/docs/troubleshoot-queries. "
        "Write each table from fewer jobs at once, or try again when they are done.")


def check_json_rows(rows: Iterable[Any], bound: int) -> None:
    """``BadRequest`` in BigQuery's words when a row of a ``load_table_from_json`` job is over
    :data:`MAX_JSON_ROW_BYTES` as the client sends it (``json.dumps(row, ensure_ascii=False)``,
    UTF-8, one line per row). ``bound``: an upper bound of the largest row's size (the caller's
    cheap one, from sizes it already has); rows are serialised one by one only when it is over
    the limit, so an ordinary load pays nothing.

    Example::

        check_json_rows([{'x': 1}], bound=100)                        # fine
        check_json_rows([{'x': 'a' * 104_857_600}], bound=10**9)     # BadRequest: ... Row size is larger than ...
    """
    if bound <= MAX_JSON_ROW_BYTES:
        return
    position = 0
    for index, row in enumerate(rows):
        size = len(json.dumps(row, ensure_ascii=False).encode())
        if size > MAX_JSON_ROW_BYTES:
            raise gexc.BadRequest(
                f"Error while reading data, error message: JSON parsing error in row starting at position {position}: "
                f"Row size is larger than: {MAX_JSON_ROW_BYTES}. (row {index} is {size:,} bytes as JSON; a load's row is "
                f"at most {MAX_JSON_ROW_BYTES:,}: {_QUOTAS}#load_jobs)")
        position += size + 1


def check_view_definition(name: str, view_query: str) -> None:
    """``BadRequest`` when the text defining the view ``name`` is over
    :data:`MAX_VIEW_QUERY_CHARACTERS` (the views it references not counted, as on BigQuery).

    Example::

        check_view_definition('ds.v', 'SELECT 1 AS x')   # fine
    """
    if len(view_query) > MAX_VIEW_QUERY_CHARACTERS:
        raise gexc.BadRequest(
            f"View {name}: its query is {len(view_query):,} characters; BigQuery's limit on the query that "
            f"defines a view is 256K characters, read here as {MAX_VIEW_QUERY_CHARACTERS:,} "
            f"({_QUOTAS}#view_limits)")


def check_descriptions(name: str, description: object, fields: Sequence[Any] = ()) -> None:
    """``BadRequest`` when a table's or view's description is over
    :data:`MAX_TABLE_DESCRIPTION_CHARACTERS`, or a column's (nested ones too; ``fields`` in
    their REST form, dicts with ``name``, ``description``, ``fields``) over
    :data:`MAX_COLUMN_DESCRIPTION_CHARACTERS`.

    Example::

        check_descriptions('ds.t', 'nightly box scores', [{'name': 'x', 'description': 'points'}])
    """
    if isinstance(description, str) and len(description) > MAX_TABLE_DESCRIPTION_CHARACTERS:
        raise gexc.BadRequest(
            f"Table {name}: its description is {len(description):,} characters; BigQuery takes at most "
            f"{MAX_TABLE_DESCRIPTION_CHARACTERS:,} ({_QUOTAS}#table_limits)")
    pending = [("", f) for f in fields]
    while pending:
        prefix, resource = pending.pop()
        if not isinstance(resource, dict):
            continue
        path = f"{prefix}{resource.get('name')}"
        text = resource.get("description")
        if isinstance(text, str) and len(text) > MAX_COLUMN_DESCRIPTION_CHARACTERS:
            raise gexc.BadRequest(
                f"Table {name}: the description of column {path} is {len(text):,} characters; BigQuery "
                f"takes at most {MAX_COLUMN_DESCRIPTION_CHARACTERS:,} ({_QUOTAS}#table_limits)")
        pending.extend((f"{path}.", sub) for sub in resource.get("fields") or ())


def _field_shape(fields: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    """``(columns, record depth)`` of REST schema fields (dicts with ``type``, ``fields``):
    every field counts, nested and repeated ones too."""
    columns, depth = 0, 0
    pending: list[tuple[Mapping[str, Any], int]] = [(f, 0) for f in fields]
    while pending:
        item, above = pending.pop()
        columns += 1
        if str(item.get("type")).upper() in ("RECORD", "STRUCT"):
            depth = max(depth, above + 1)
            pending.extend((child, above + 1) for child in item.get("fields") or ())
    return columns, depth


def check_columns(name: str, fields: Sequence[Mapping[str, Any]], what: str = "Table") -> None:
    """``BadRequest`` when a schema has more than :data:`MAX_COLUMNS` columns (nested and
    repeated ones counted) or records nested more than :data:`MAX_RECORD_DEPTH` deep.
    ``fields``: REST schema fields (``SchemaField.to_api_repr()``); ``what`` names the thing
    ("Table", "The query's result").

    Example::

        check_columns('ds.t', [{'name': 'x', 'type': 'INT64'}])   # fine
    """
    if len(fields) <= MAX_COLUMNS and not any(str(f.get("type")).upper() in ("RECORD", "STRUCT") for f in fields):
        return  # flat and within the limit: the common case, one pass over the top level
    columns, depth = _field_shape(fields)
    subject = f"{what} {name}" if name else what
    if columns > MAX_COLUMNS:
        raise gexc.BadRequest(
            f"{subject} has {columns:,} columns (nested and repeated ones counted); BigQuery allows at most "
            f"{MAX_COLUMNS:,} in a table, query result or view ({_QUOTAS}#query_jobs)")
    if depth > MAX_RECORD_DEPTH:
        raise gexc.BadRequest(
            f"{subject} nests records {depth} levels deep; BigQuery allows at most {MAX_RECORD_DEPTH} "
            f"levels of nested records ({_QUOTAS}#table_limits)")


@lru_cache(maxsize=4)  # a CREATE VIEW's text is read twice: by the checks and when the view is recorded
def created_view_bodies(sql: str) -> tuple[str, ...]:
    """The text of each ``CREATE [OR REPLACE] VIEW ... AS <query>`` body in ``sql``, as written
    (comments and white space inside it kept): what BigQuery measures against
    :data:`MAX_VIEW_QUERY_CHARACTERS`. Read from the tokens (the AS after VIEW, outside any
    parentheses, to the statement's end), so a string holding ``AS`` or ``;`` is not taken
    for one.

    Example::

        created_view_bodies('CREATE VIEW ds.v OPTIONS(description="a AS b") AS SELECT 1 AS x')
        # ('SELECT 1 AS x',)
    """
    try:
        tokens = CoverageBigQuery().tokenize(sql)
    except SqlglotError:
        return ()  # the parser refuses the text by its own words
    bodies: list[str] = []
    statement: list[Any] = []
    for token in [*tokens, None]:
        if token is None or token.token_type == TokenType.SEMICOLON:
            body = _view_body(sql, statement, len(sql) if token is None else token.start)
            if body is not None:
                bodies.append(body)
            statement = []
        else:
            statement.append(token)
    return tuple(bodies)


def _view_body(sql: str, tokens: Sequence[Any], end: int) -> str | None:
    """The body of the CREATE VIEW statement made of ``tokens`` (ending at ``end`` in
    ``sql``), from the token after its AS to the statement's end, trailing comments kept."""
    if not tokens or tokens[0].token_type != TokenType.CREATE:
        return None
    depth, seen_view = 0, False
    for position, token in enumerate(tokens):
        kind = token.token_type
        if kind == TokenType.L_PAREN:
            depth += 1
        elif kind == TokenType.R_PAREN:
            depth -= 1
        elif depth == 0 and kind == TokenType.VIEW:
            seen_view = True
        elif depth == 0 and seen_view and kind == TokenType.ALIAS and position + 1 < len(tokens):
            return sql[tokens[position + 1].start:end].rstrip()
        elif depth == 0 and not seen_view and kind in (TokenType.TABLE, TokenType.SCHEMA, TokenType.FUNCTION):
            return None
    return None
