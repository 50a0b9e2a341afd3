"""The columnar load path and the per-row path give identical tables (issue 15).

``load_table_from_json`` first tries the columnar path (one type check per column, Arrow
arrays, DuckDB casting dates and timestamps); anything it cannot vouch for goes through the
per-row path. Each test loads the same rows twice - once as the client does, once with the
columnar path switched off - and compares the DuckDB column types and every value.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from google.api_core import exceptions as gexc
from google.cloud.bigquery import LoadJobConfig, QueryJobConfig, SchemaField
from google.cloud.bigquery.query import ArrayQueryParameter

from shared_services.bigquery import duckdb_client as dc
from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE
from shared_services.bigquery.sql_translate import translate
from shared_services.events.model import build_event_row

SCHEMA = [
    SchemaField("id", "INT64", mode="REQUIRED"),
    SchemaField("name", "STRING"),
    SchemaField("score", "FLOAT64"),
    SchemaField("ok", "BOOL"),
    SchemaField("day", "DATE"),
    SchemaField("at", "TIMESTAMP"),
    SchemaField("doc", "JSON"),
    SchemaField("tags", "STRING", mode="REPEATED"),
    SchemaField("counts", "INT64", mode="REPEATED"),
]

PLAIN_ROWS = [
    {"id": 1, "name": "Luka Dončić", "score": 1.5, "ok": True, "day": "2025-01-15",
     "at": "2025-01-15T03:04:05.123456+00:00", "doc": {"a": [1, 2], "b": None}, "tags": ["x", "y"],
     "counts": [1, 2]},
    {"id": 2, "name": None, "score": None, "ok": None, "day": None, "at": None, "doc": None,
     "tags": [], "counts": None},
    {"id": 3, "name": "", "score": 2, "ok": False, "day": "2024-02-29", "at": "2025-01-15 23:59:59Z",
     "doc": "just text", "tags": None},
    {"id": 4, "name": "tz", "score": -0.0, "day": "2025-12-31", "at": "2025-01-15T03:00:00.1-05:30",
     "doc": [1, "two", {"three": 3.5}], "counts": [9223372036854775807]},
    {"id": 5, "at": "2025-03-09T02:30:00+14:00", "doc": 7, "name": "\ufffd bad-surrogate-replaced"},
    {"id": 6, "doc": {1: "int key", "1": "same key after the JSON round trip"}, "score": 1e300},
    {"id": 7, "doc": ("tuple", 1.0, True), "name": "x" * 10_000},
]


def _load(client: DuckDBClient, table: str, rows, schema=SCHEMA, **config):
    cfg = LoadJobConfig(schema=schema, **config)
    return client.load_table_from_json(rows, table, job_config=cfg).result()


def _table(client: DuckDBClient, table: str, order: str = "id"):
    con = client._conn
    ds, tbl = table.split(".")
    types = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ? ORDER BY ordinal_position", [ds, tbl]
    ).fetchall()
    rows = con.execute(f'SELECT * FROM "{ds}"."{tbl}" ORDER BY {order}').fetchall()  # noqa: S608
    return types, rows


@pytest.fixture()
def client(tmp_path):
    with DuckDBClient(str(tmp_path / "w.duckdb")) as c:
        c.create_dataset("ds")
        yield c


@pytest.fixture()
def per_row_calls(monkeypatch):
    """Counts how often the per-row coercion runs (0 means the columnar path loaded)."""
    calls = []
    original = DuckDBClient._coerce_rows

    def spy(records, *args, **kwargs):
        calls.append(len(records))
        return original(records, *args, **kwargs)

    monkeypatch.setattr(DuckDBClient, "_coerce_rows", staticmethod(spy))
    return calls


def _per_row_only(monkeypatch):
    monkeypatch.setattr(dc, "_columnar", lambda records, schema: None)


def test_plain_rows_take_the_columnar_path_and_match_the_per_row_path(client, per_row_calls, monkeypatch):
    job = _load(client, "ds.columnar", PLAIN_ROWS)
    assert job.output_rows == len(PLAIN_ROWS)
    assert per_row_calls == []  # the columnar path did the load
    _per_row_only(monkeypatch)
    _load(client, "ds.per_row", PLAIN_ROWS)
    assert per_row_calls == [len(PLAIN_ROWS)]
    columnar, per_row = _table(client, "ds.columnar"), _table(client, "ds.per_row")
    assert columnar == per_row
    types, rows = columnar
    assert dict(types)["at"] == "TIMESTAMP WITH TIME ZONE"
    assert rows[3][5] == dt.datetime(2025, 1, 15, 8, 30, 0, 100000, tzinfo=dt.UTC)  # -05:30 applied
    assert rows[4][5] == dt.datetime(2025, 3, 8, 12, 30, tzinfo=dt.UTC)
    assert rows[1][7] == [] and rows[2][7] == []  # missing / null REPEATED -> empty array


def test_coverage_log_rows_are_identical_through_both_paths(tmp_path, per_row_calls, monkeypatch):
    now = dt.datetime(2025, 1, 15, 3, 4, 5, 678901, tzinfo=dt.UTC)
    rows = [
        build_event_row("fallback_used", "info", "used bdl", {"tier": "gold", "score": 98.0},
                        {"tier": "silver", "score": 88.5}, now=now, game_id="0022400561",
                        game_date=dt.date(2025, 1, 15), fallback_sources_tried=["a", "b"]),
        build_event_row("source_missing", "critical", "Don\ud83c", now=now, player_id="1626"),
        build_event_row("thin_sample", "warning", "", now=now + dt.timedelta(microseconds=1),
                        resolution_details='{"k": 1}', alert_sent_at=now),
    ]
    for index, row in enumerate(rows):
        row["batch_id"] = f"b{index}"
    fast_path, slow_path = tmp_path / "fast.duckdb", tmp_path / "slow.duckdb"
    for path in (fast_path, slow_path):
        with DuckDBClient(str(path)) as c:
            ensure_schema(c)
            if path == slow_path:
                _per_row_only(monkeypatch)
            _load(c, COVERAGE_LOG_TABLE, rows, schema=COVERAGE_LOG_SCHEMA)
    assert per_row_calls == [len(rows)]  # only the forced load went per row
    with DuckDBClient(str(fast_path)) as fast, DuckDBClient(str(slow_path)) as slow:
        assert _table(fast, COVERAGE_LOG_TABLE, "batch_id") == _table(slow, COVERAGE_LOG_TABLE, "batch_id")
        loaded = list(fast.query(f"SELECT * FROM `{COVERAGE_LOG_TABLE}` WHERE event_timestamp >= "
                                 "TIMESTAMP '2025-01-01' ORDER BY batch_id").result())
    assert loaded[0]["event_timestamp"] == now and loaded[0]["fallback_sources_tried"] == ["a", "b"]
    assert loaded[1]["description"] == "Don\ufffd"


@pytest.mark.parametrize("unusual", [
    {"id": 9, "name": 42},                         # a number in a STRING column (BigQuery accepts)
    {"id": 9, "at": 1736910245.5},                 # epoch seconds
    {"id": 9, "at": "2025-1-5 3:04:05"},           # one-digit fields: BigQuery's parser, not the fast regex
    {"id": 9, "at": "2025-01-15T03:04:05 UTC"},
    {"id": 9, "day": "2025-1-5"},
    {"id": 9, "counts": ["7"]},
    {"id": 9, "ok": "true"},
    {"ID": 9, "Name": "cased keys"},
])
def test_unusual_values_fall_back_to_the_per_row_path_with_the_same_table(client, per_row_calls,
                                                                         monkeypatch, unusual):
    rows = [*PLAIN_ROWS, unusual]
    _load(client, "ds.mixed", rows)
    assert per_row_calls == [len(rows)]  # the whole load went per row
    _per_row_only(monkeypatch)
    _load(client, "ds.reference", rows)
    assert _table(client, "ds.mixed") == _table(client, "ds.reference")


@pytest.mark.parametrize("bad, message", [
    ({"id": 9, "day": "2025-02-30"}, "could not convert value '2025-02-30' of field 'day'"),
    ({"id": 9, "at": "2025-02-30T00:00:00Z"}, "field 'at'"),
    ({"id": 9, "at": "2025-01-15T03:04:05.1234567Z"}, "field 'at'"),   # 7 fraction digits
    ({"id": None}, "missing required field 'id'"),
    ({"id": 9, "score": float("nan")}, "field 'score'"),
    ({"id": 2**63}, "field 'id'"),
    ({"id": 9, "nope": 1}, "No such field: nope"),
])
def test_bad_values_fail_the_whole_load_as_before(client, monkeypatch, bad, message):
    rows = [*PLAIN_ROWS, bad]
    with pytest.raises(gexc.BadRequest) as fast_error:
        _load(client, "ds.bad", rows)
    _per_row_only(monkeypatch)
    with pytest.raises(gexc.BadRequest) as slow_error:
        _load(client, "ds.bad", rows)
    assert message in str(fast_error.value)
    assert str(fast_error.value) == str(slow_error.value)
    assert client._relation_kind("ds", "bad") is None  # nothing half-written


def test_bad_values_within_max_bad_records_are_skipped_as_before(client, monkeypatch):
    rows = [*PLAIN_ROWS, {"id": 9, "day": "2025-02-30"}]
    _load(client, "ds.skip", rows, max_bad_records=1)
    _per_row_only(monkeypatch)
    _load(client, "ds.skip_ref", rows, max_bad_records=1)
    assert _table(client, "ds.skip") == _table(client, "ds.skip_ref")
    assert len(_table(client, "ds.skip")[1]) == len(PLAIN_ROWS)


def test_a_date_object_is_still_a_json_type_error(client):
    with pytest.raises(TypeError, match="not JSON serializable"):
        _load(client, "ds.t", [{"id": 1, "day": dt.date(2025, 1, 1)}])


def test_in_unnest_is_a_semi_join_with_bigquery_null_semantics(client):
    _load(client, "ds.v", [{"id": i} for i in (1, 2, 3, 4)],
          schema=[SchemaField("id", "INT64", mode="REQUIRED")])
    sql = "SELECT id, id IN UNNEST(@xs) AS hit, id NOT IN UNNEST(@xs) AS miss FROM ds.v ORDER BY id"
    assert "ARRAY_CONTAINS" not in translate(sql, {"xs": ("INT64", True)}).statements[0].sql.upper()

    def run(values):
        cfg = QueryJobConfig(query_parameters=[ArrayQueryParameter("xs", "INT64", values)])
        return [(r["id"], r["hit"], r["miss"]) for r in client.query(sql, job_config=cfg).result()]

    assert run([1, 3]) == [(1, True, False), (2, False, True), (3, True, False), (4, False, True)]
    assert run([1, None]) == [(1, True, False), (2, None, None), (3, None, None), (4, None, None)]
    assert run([]) == [(1, False, True), (2, False, True), (3, False, True), (4, False, True)]


def test_translations_are_cached_and_errors_are_not():
    sql = "SELECT x FROM ds.t WHERE x IN UNNEST(@xs)"
    first = translate(sql, {"xs": ("INT64", True)})
    assert translate(sql, {"xs": ("INT64", True)}) is first
    assert translate(sql, {"xs": ("STRING", True)}) is not first  # parameter types are part of the key
    for _ in range(2):
        with pytest.raises(gexc.BadRequest, match="xs"):
            translate(sql, {})


def test_a_lone_surrogate_fails_the_same_way_on_both_paths(client, monkeypatch):
    rows = [*PLAIN_ROWS, {"id": 9, "name": "Don\ud83c"}]  # build_event_row repairs these at the door
    with pytest.raises(UnicodeEncodeError) as fast_error:
        _load(client, "ds.s", rows)
    _per_row_only(monkeypatch)
    with pytest.raises(UnicodeEncodeError) as slow_error:
        _load(client, "ds.s", rows)
    assert str(fast_error.value) == str(slow_error.value)
    assert client._relation_kind("ds", "s") is None


class _ColumnRows(list):
    """Rows that also hand over their columns (the ColumnarRows protocol of EventBatch)."""

    def to_columns(self):
        names = {name for row in self for name in row}
        return {name: [row.get(name) for row in self] for name in names}


def _no_row_conversion(monkeypatch):
    """Fails the test if the loader converts row dicts to columns itself."""
    def refuse(records, schema):
        raise AssertionError("the handed-over columns were not used")
    monkeypatch.setattr(dc, "_columnar", refuse)


def test_handed_over_columns_load_the_same_table_as_the_per_row_path(client, per_row_calls, monkeypatch):
    with monkeypatch.context() as patch:
        _no_row_conversion(patch)
        job = _load(client, "ds.given", _ColumnRows(PLAIN_ROWS))
    assert job.output_rows == len(PLAIN_ROWS) and per_row_calls == []
    _per_row_only(monkeypatch)
    _load(client, "ds.per_row", [dict(row) for row in PLAIN_ROWS])
    assert _table(client, "ds.given") == _table(client, "ds.per_row")  # JSON, REPEATED, timestamps, unicode


@pytest.mark.parametrize("unusual", [
    {"id": 9, "name": 42},
    {"id": 9, "at": "2025-1-5 3:04:05"},
    {"id": 9, "counts": ["7"]},
    {"ID": 9, "Name": "cased keys"},
])
def test_handed_over_columns_it_cannot_vouch_for_load_per_row_with_the_same_table(client, per_row_calls,
                                                                                  monkeypatch, unusual):
    rows = [*PLAIN_ROWS, unusual]
    _load(client, "ds.given", _ColumnRows(rows))
    assert per_row_calls == [len(rows)]
    _per_row_only(monkeypatch)
    _load(client, "ds.reference", rows)
    assert _table(client, "ds.given") == _table(client, "ds.reference")


def test_handed_over_columns_with_a_bad_value_fail_the_load_as_the_rows_do(client, monkeypatch):
    rows = [*PLAIN_ROWS, {"id": 9, "day": "2025-02-30"}]
    with pytest.raises(gexc.BadRequest) as given:
        _load(client, "ds.given", _ColumnRows(rows))
    with pytest.raises(gexc.BadRequest) as plain:
        _load(client, "ds.plain", rows)
    assert str(given.value) == str(plain.value)
    assert "could not convert value '2025-02-30' of field 'day'" in str(given.value)


def _jobs(client: DuckDBClient, job_id: str):
    return client._conn.execute(
        f"SELECT job_type, output_rows, error_reason FROM {dc.META_SCHEMA}.jobs WHERE job_id = ?",  # noqa: S608
        [job_id],
    ).fetchall()


@pytest.mark.parametrize("given", [list, _ColumnRows])
def test_a_date_the_insert_cannot_cast_rolls_back_and_loads_per_row_once(client, per_row_calls, monkeypatch,
                                                                         given):
    # The columnar INSERT casts the date text itself; '2025-02-30' fails it inside the load's
    # transaction, which rolls back (the truncate too), and the same load goes per row, once.
    _load(client, "ds.t", [{"id": 100}, {"id": 101}])
    _load(client, "ds.ref", [{"id": 100}, {"id": 101}])
    rows = [*PLAIN_ROWS, {"id": 9, "day": "2025-02-30"}]
    job = client.load_table_from_json(
        given(rows), "ds.t", job_id="trunc_1",
        job_config=LoadJobConfig(schema=SCHEMA, write_disposition="WRITE_TRUNCATE", max_bad_records=1))
    assert job.result().output_rows == len(PLAIN_ROWS)
    assert per_row_calls == [len(rows)]
    assert _jobs(client, "trunc_1") == [("load", len(PLAIN_ROWS), None)]  # one job, not failed
    _per_row_only(monkeypatch)
    _load(client, "ds.ref", rows, write_disposition="WRITE_TRUNCATE", max_bad_records=1)
    assert _table(client, "ds.t") == _table(client, "ds.ref")


def test_write_empty_reports_a_bad_date_before_the_conflict_as_the_per_row_path(client, monkeypatch):
    rows = [*PLAIN_ROWS, {"id": 9, "day": "2025-02-30"}]
    _load(client, "ds.t", [{"id": 100}])
    with pytest.raises(gexc.BadRequest) as fast_error:
        _load(client, "ds.t", rows, write_disposition="WRITE_EMPTY")
    _per_row_only(monkeypatch)
    with pytest.raises(gexc.BadRequest) as slow_error:
        _load(client, "ds.t", rows, write_disposition="WRITE_EMPTY")
    assert "could not convert value '2025-02-30' of field 'day'" in str(fast_error.value)
    assert str(fast_error.value) == str(slow_error.value)


ARROW_SCHEMA = [f for f in SCHEMA if f.name != "doc"]


class _ArrowColumnRows(list):
    """Rows that hand over their columns as Arrow arrays (EventBatch's Arrow form)."""

    def __init__(self, rows, types=None):
        super().__init__(rows)
        self.types = types or {}

    def to_columns(self):
        columns = {}
        for field in ARROW_SCHEMA:
            default = pa.string() if field.field_type in ("DATE", "TIMESTAMP") else dc._arrow_type(field)
            columns[field.name] = pa.array([row.get(field.name) for row in self],
                                           type=self.types.get(field.name, default))
        return columns


ARROW_ROWS = [{k: v for k, v in row.items() if k != "doc"} for row in PLAIN_ROWS]


def test_columns_handed_over_as_arrow_load_the_same_table_as_the_per_row_path(client, per_row_calls, monkeypatch):
    # No NULL lists here (the rows load them as []; an Arrow NULL list is left to the rows, below).
    rows = [{**row, "tags": row.get("tags") or [], "counts": row.get("counts") or []} for row in ARROW_ROWS]
    with monkeypatch.context() as patch:
        _no_row_conversion(patch)
        job = _load(client, "ds.given", _ArrowColumnRows(rows), schema=ARROW_SCHEMA)
    assert job.output_rows == len(rows) and per_row_calls == []
    _per_row_only(monkeypatch)
    _load(client, "ds.per_row", rows, schema=ARROW_SCHEMA)
    assert _table(client, "ds.given") == _table(client, "ds.per_row")


@pytest.fixture()
def rows_decided(monkeypatch):
    """Counts the loads whose rows were converted to columns by the loader itself (the handed-over
    columns were refused)."""
    calls = []
    original = dc._columnar

    def spy(records, schema):
        calls.append(len(records))
        return original(records, schema)

    monkeypatch.setattr(dc, "_columnar", spy)
    return calls


@pytest.mark.parametrize(("rows", "types"), [
    ([*ARROW_ROWS], {}),                                          # NULL lists: the rows load them as []
    ([{"id": 9, "tags": ["a", None]}], {}),                       # a NULL element: the rows' error
    ([{"id": 9, "day": "2025/01/15"}], {}),                       # DuckDB casts it, BigQuery refuses it
    ([{"id": 9, "at": "2025-01-15T03:04:05.1234567Z"}], {}),      # 7 digits: likewise
    ([{"id": 9, "score": 1.5}], {"score": pa.float32()}),         # another Arrow type
    ([{"id": 9, "name": "x"}], {"name": pa.large_string()}),
])
def test_arrow_columns_it_cannot_vouch_for_are_left_to_the_rows(client, rows_decided, monkeypatch, rows, types):
    # Lists where a row gives none, so that only the case's own value can refuse the arrays.
    rows = [{"tags": [], "counts": [], **row} for row in [{"id": 1, "tags": ["x"]}, *rows]]
    outcome = _outcome(lambda: _load(client, "ds.given", _ArrowColumnRows(rows, types), schema=ARROW_SCHEMA))
    assert rows_decided[:1] == [len(rows)]  # the rows decided (a second look after their JSON round trip)
    _per_row_only(monkeypatch)
    assert outcome == _outcome(lambda: _load(client, "ds.reference", rows, schema=ARROW_SCHEMA))
    if outcome == "loaded":
        assert _table(client, "ds.given") == _table(client, "ds.reference")


def test_a_nan_or_a_null_id_in_arrow_fails_the_load_as_the_rows_do(client, monkeypatch):
    for bad in ({"id": 9, "score": float("nan")}, {"id": None}):
        rows = [{"id": 1, "tags": [], "counts": []}, {"tags": [], "counts": [], **bad}]  # no NULL list: Arrow decides
        with pytest.raises(gexc.BadRequest) as given:
            _load(client, "ds.given", _ArrowColumnRows(rows), schema=ARROW_SCHEMA)
        with pytest.raises(gexc.BadRequest) as plain:
            _load(client, "ds.plain", rows, schema=ARROW_SCHEMA)
        assert str(given.value) == str(plain.value)
    assert client._relation_kind("ds", "given") is None


def test_a_json_column_handed_over_as_arrow_is_left_to_the_rows(client, rows_decided):
    class JsonArrow(list):
        def to_columns(self):
            return {"id": pa.array([r["id"] for r in self], pa.int64()),
                    "doc": pa.array([r["doc"] for r in self], pa.string())}

    rows = [{"id": 1, "doc": "just text"}]
    _load(client, "ds.j", JsonArrow(rows), schema=[SchemaField("id", "INT64"), SchemaField("doc", "JSON")])
    assert rows_decided[:1] == [1]
    got = client.query("SELECT TO_JSON_STRING(doc) AS doc FROM ds.j").result()
    assert [r["doc"] for r in got] == ['"just text"']  # the JSON string, not the text as JSON


def _outcome(load):
    try:
        load()
    except gexc.GoogleAPICallError as err:
        return f"{type(err).__name__}: {err.message}"
    return "loaded"


class _GivenArrays(list):
    """Rows that hand over the arrays given (whatever they are), for the loader to vet."""

    def __init__(self, rows, arrays):
        super().__init__(rows)
        self.arrays = arrays

    def to_columns(self):
        return self.arrays


@pytest.mark.parametrize(("field", "rows", "array"), [
    # a NaN inside a REPEATED FLOAT: the rows' NaN token is an error
    (SchemaField("v", "FLOAT64", mode="REPEATED"), [{"v": [1.5, float("nan")]}],
     pa.array([[1.5, float("nan")]], pa.list_(pa.float64()))),
    # an INTEGER column handed over as timestamp text: never cast as a timestamp
    (SchemaField("v", "INT64"), [{"v": "2025-01-15T03:04:05Z"}], pa.array(["2025-01-15T03:04:05Z"])),
    # a REPEATED DATE column handed over as plain text: the rows give no array
    (SchemaField("v", "DATE", mode="REPEATED"), [{"v": "2025-01-15"}], pa.array(["2025-01-15"])),
])
def test_arrays_of_another_shape_than_the_column_are_left_to_the_rows(client, rows_decided, monkeypatch,
                                                                      field, rows, array):
    schema = [field]
    outcome = _outcome(lambda: _load(client, "ds.given", _GivenArrays(rows, {"v": array}), schema=schema))
    assert rows_decided[:1] == [len(rows)]
    _per_row_only(monkeypatch)
    assert outcome == _outcome(lambda: _load(client, "ds.reference", rows, schema=schema))
    assert outcome != "loaded"
