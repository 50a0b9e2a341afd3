"""Lean buffered events and the flush's EventBatch (issue 15).

Events that raise no alert are buffered as tuples in schema order; a flush writes them as an
``EventBatch``: a ``Sequence[dict]`` whose rows are exactly the rows the dict buffer gave, and
whose columns the embedded warehouse loads without a per-row conversion. These tests hold the
batch to the rows: same dicts, same columns, same table, same spool file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pytest
from google.api_core import exceptions as gexc
from google.cloud.bigquery import LoadJobConfig

from shared_services.bigquery import duckdb_client as dc
from shared_services.bigquery.duckdb_client import ColumnarRows, DuckDBClient
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA, COVERAGE_LOG_TABLE
from shared_services.events import model
from shared_services.events.batch import EventBatch, row_of
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.model import EVENT_COLUMNS, event_row
from shared_services.events.sink import EventSink, RetryPolicy, batch_job_id
from tests.support.event_log import Processor

NOW = dt.datetime(2025, 1, 16, 5, 6, 7, 891011, tzinfo=dt.UTC)
LABELS = ("phase_3", "nba_analytics.player_game_summary", "P", "run-1", "0022400561", None)

#: (event_type, severity, description, before, after, kwargs): lean info events (a date text,
#: non-ASCII text, a lone surrogate, NULL and empty REPEATED values), alerting events (dicts)
#: and a value only the general path takes (an int score), so the buffer holds both kinds.
EVENTS: list[tuple[Any, ...]] = [
    ("fallback_used", "info", "used bdl", {"tier": "gold", "score": 98.0}, {"tier": "silver", "score": 88.5},
     {"game_date": dt.date(2025, 1, 15), "fallback_sources_tried": ["a_empty", "b"], "primary_source": "a"}),
    ("new_player_no_history", "info", "Luka Dončić 🏀 cut \ud83c", None, None,
     {"game_date": "2024-10-22", "team_abbr": "DAL"}),
    ("thin_sample", "warning", "only 4 players", None, None, {"downstream_impact": "predictions_degraded"}),
    ("source_missing", "critical", "nothing", None, None, {"player_id": "1626"}),
    ("fallback_used", "info", "int score: general path", None, {"tier": "bronze", "score": 71}, {}),
    ("traded_player_context", "info", "", None, None, {"season": "2023-24", "fallback_sources_tried": None}),
    ("fallback_used", "info", "label", None, None, {"table_name": "naïve.table", "resolution_details": "x" * 5000}),
]


def _processor(client: Any = None) -> Processor:
    processor = Processor(client)
    for event_type, severity, description, before, after, kwargs in EVENTS:
        processor.log_quality_event(event_type, severity, description, before, after, **kwargs)
    return processor


def test_compact_entries_are_the_rows_the_dict_path_builds():
    for event_type, severity, description, before, after, kwargs in EVENTS:
        compact = event_row(event_type, severity, description, before, after, kwargs, now=NOW,
                            season_from_game_date=True, labels=LABELS, compact=True)
        plain = event_row(event_type, severity, description, before, after, kwargs, now=NOW,
                          season_from_game_date=True, labels=LABELS)
        assert isinstance(plain, dict)
        materialised = row_of(compact)
        assert list(materialised) == list(EVENT_COLUMNS)
        assert {**materialised, "event_id": None} == {**plain, "event_id": None}
        # Info and warning events of the lean paths are tuples (a warning's digest marks replace
        # the tuple by identity at the flush); a critical one is a dict: the dispatcher marks it
        # in place as it routes it. Only atoms are inside a tuple.
        assert isinstance(compact, tuple) == (severity in ("info", "warning")
                                              and description != "int score: general path")
        if isinstance(compact, tuple):
            assert all(not isinstance(v, list | dict) for v in compact)


def test_the_buffer_holds_both_kinds_and_gives_rows_either_way():
    processor = _processor()
    state = processor._coverage_state()
    with state.buffer.locked() as entries:
        kinds = [type(entry).__name__ for entry in entries]
    assert kinds == ["tuple", "tuple", "tuple", "dict", "dict", "tuple", "tuple"]
    rows = state.buffer.snapshot()
    assert all(list(row) == list(EVENT_COLUMNS) for row in rows)
    assert rows[0]["fallback_sources_tried"] == ["a_empty", "b"] and rows[5]["fallback_sources_tried"] == []
    assert rows[1]["description"] == "Luka Dončić 🏀 cut \ufffd" and rows[1]["season"] == "2024-25"
    assert state.buffer.update_where(lambda row: row["severity"] == "info", resolution="checked") == 5
    assert [row["resolution"] for row in state.buffer.snapshot()] == ["checked", "checked", None, None,
                                                                       "checked", "checked", "checked"]
    taken = state.buffer.take()
    assert [type(row) for row in taken] == [dict] * len(EVENTS) and len(state.buffer) == 0
    assert [{**row, "resolution": None} for row in taken] == [{**row, "resolution": None} for row in rows]


def test_the_batch_is_a_sequence_of_the_rows_with_their_batch_id_and_the_same_columns():
    processor = _processor()
    entries = processor._coverage_state().buffer.take_entries()
    entries[3]["batch_id"] = "kept"  # a row that already has one keeps it (a retried batch)
    expected = [{**row_of(e), "batch_id": row_of(e)["batch_id"] or "b1"} for e in entries]
    batch = EventBatch(entries, batch_id="b1")
    assert isinstance(batch, ColumnarRows) and len(batch) == len(EVENTS)
    assert list(batch) == expected and list(batch) == expected  # re-iterable, same rows
    assert batch[3]["batch_id"] == "kept" and batch[-1] == expected[-1] and batch[1:3] == expected[1:3]
    columns = batch.to_columns()
    assert columns is not None and list(columns) == list(EVENT_COLUMNS)
    # The timestamps come as instants (Arrow), each the one its row's text names.
    assert {name: _as_row_values(values) for name, values in columns.items()} \
        == {name: [row[name] for row in expected] for name in EVENT_COLUMNS}
    assert all(isinstance(columns[name], pa.TimestampArray) for name in ("event_timestamp", "created_at"))
    assert batch_job_id(COVERAGE_LOG_TABLE, batch) == batch_job_id(COVERAGE_LOG_TABLE, expected)
    entries[3]["not_a_column"] = 1  # the rows then describe the batch alone
    assert batch.to_columns() is None


def _as_row_values(values: Any) -> list[Any]:
    """A handed-over column as the rows spell it: Arrow arrays as Python values (instants as
    their text), tuples as lists."""
    if isinstance(values, pa.TimestampArray):
        return [None if v is None else model.stamp_text(v) for v in values.cast(pa.int64()).to_pylist()]
    if isinstance(values, pa.Array):
        values = values.to_pylist()
    return [list(v) if isinstance(v, tuple) else v for v in values]


def test_an_empty_batch_has_empty_columns():
    assert EventBatch([], "b").to_columns() == {name: [] for name in EVENT_COLUMNS}


def _table(client: DuckDBClient) -> tuple[Any, Any]:
    ds, tbl = COVERAGE_LOG_TABLE.split(".")
    con = client._conn
    types = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_catalog = current_database() AND table_schema = ? "
                        "AND table_name = ? ORDER BY ordinal_position", [ds, tbl]).fetchall()
    return types, con.execute(f'SELECT * FROM "{ds}"."{tbl}" ORDER BY event_id').fetchall()  # noqa: S608


def test_the_columnar_batch_and_the_per_row_dicts_load_identical_tables(tmp_path, monkeypatch):
    entries = _processor()._coverage_state().buffer.take_entries()
    entries.extend(model.event_row("source_degraded", "warning", "marked", None, None, {}, labels=LABELS)
                   for _ in range(2))
    entries[-1].update(alert_sent=True, alert_sent_at="2025-01-16T05:06:07.891011+00:00", alert_channel="slack")
    batch = EventBatch(entries, batch_id="b1")
    got, want = _loaded_both_ways(tmp_path, monkeypatch, batch)
    assert got == want  # types, NULLs, REPEATED, timestamps, unicode
    loaded = {row[0]: row for row in got[1]}
    assert len(loaded) == 9 and all(row[EVENT_COLUMNS.index("batch_id")] == "b1" for row in got[1])


class _Down:
    """A warehouse refusing every load (terminal: the batch is spilled at once)."""

    def load_table_from_json(self, *args: Any, **kwargs: Any) -> Any:
        raise gexc.BadRequest("warehouse says no")


def test_a_spilled_batch_writes_the_same_spool_file_as_the_rows(tmp_path):
    entries = _processor()._coverage_state().buffer.take_entries()
    batch = EventBatch(entries, batch_id="b1")
    rows = [dict(row) for row in batch]
    policy = RetryPolicy(max_attempts=1)
    as_batch = EventSink(_Down(), spool=DeadLetterSpool(tmp_path / "a"), policy=policy,
                         notify=lambda **_: None).write(batch)
    as_rows = EventSink(_Down(), spool=DeadLetterSpool(tmp_path / "b"), policy=policy,
                        notify=lambda **_: None).write(rows)
    assert as_batch.spilled_path is not None and as_rows.spilled_path is not None
    assert as_batch.spilled_path.name == as_rows.spilled_path.name  # same job id
    assert as_batch.spilled_path.read_bytes() == as_rows.spilled_path.read_bytes()
    assert DeadLetterSpool(tmp_path / "a").read(as_batch.spilled_path).rows == rows


@pytest.mark.parametrize("fails", [True, False])
def test_a_flush_writes_one_batch_and_keeps_it_when_nothing_takes_it(tmp_path, monkeypatch, fails):
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "spool"))
    client = DuckDBClient(str(tmp_path / "w.duckdb"))
    ensure_schema(client)
    processor = _processor(client)
    before = processor._coverage_state().buffer.snapshot()
    if fails:  # neither the warehouse nor the spool: the events stay pending, as rows
        monkeypatch.setattr(DeadLetterSpool, "spill", lambda *a, **k: (_ for _ in ()).throw(OSError("full")))
        monkeypatch.setattr(client, "load_table_from_json", _Down().load_table_from_json)
    written = processor.flush_events()
    if fails:
        assert written == 0 and processor.pending_event_count == len(EVENTS)
        after = processor._coverage_state().buffer.snapshot()
        batch_ids = {row["batch_id"] for row in after}
        assert len(batch_ids) == 1 and None not in batch_ids
        # All values kept; only batch_id set, and the warning (a lean entry when logged) carries
        # the digest's marks: the digest went out (to the log channel) before the load failed.
        warning = EVENTS.index(next(e for e in EVENTS if e[1] == "warning"))
        marks = ("alert_sent", "alert_sent_at", "alert_channel")
        assert [before[warning][k] for k in marks] == [False, None, None]
        assert after[warning]["alert_sent"] is True and after[warning]["alert_channel"] == "log"
        assert model.stamp_micros(after[warning]["alert_sent_at"]) is not None  # canonical UTC text
        marked = {k: after[warning][k] for k in marks}
        assert [{**row, "batch_id": None} for row in after] \
            == [{**row, "batch_id": None, **(marked if n == warning else {})} for n, row in enumerate(before)]
    else:
        assert written == len(EVENTS) and processor.coverage_stats["load_jobs"] == 1
    client.close()


@pytest.mark.parametrize("micros", [0, 1_737_003_967_891_011, 1_735_689_599_999_999, 1_735_689_600_000_000,
                                    4_102_444_800_000_001])
def test_a_lean_entrys_stamp_is_the_text_of_its_instant_and_back(micros):
    instant = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)
    text = model.stamp_text(micros)
    assert text == instant.isoformat(timespec="microseconds")
    assert model.stamp_micros(text) == micros


@pytest.mark.parametrize("text", [
    "2025-01-16T05:06:07.891011Z", "2025-01-16T05:06:07.891011+01:00", "2025-01-16T05:06:07.89101+00:00",
    "2025-01-16 05:06:07.891011+00:00", "2025-02-30T05:06:07.891011+00:00", "2025-01-16T05:06:07.89101١+00:00",
    "2025-01-16T24:06:07.891011+00:00", "0999-01-16T05:06:07.891011+00:00", None, 1737003967891011,
    "2025-01-16T05:06:07.8910111+00:00", "2025-01-16T05:06:07.891011+00:00 ",
])
def test_only_the_canonical_stamp_text_reads_back_as_an_instant(text):
    assert model.stamp_micros(text) is None


def _loaded_both_ways(tmp_path: Any, monkeypatch: Any, batch: EventBatch) -> tuple[Any, Any]:
    """The batch loaded from its columns (no per-row conversion allowed) and as plain rows."""
    config = LoadJobConfig(schema=COVERAGE_LOG_SCHEMA)
    with DuckDBClient(str(tmp_path / "columns.duckdb")) as columns, \
            DuckDBClient(str(tmp_path / "rows.duckdb")) as rows:
        ensure_schema(columns)
        ensure_schema(rows)
        with monkeypatch.context() as patch:
            def refuse(*args: Any, **kwargs: Any) -> Any:
                raise AssertionError("the batch must load from its columns")
            patch.setattr(dc, "_columnar", refuse)
            patch.setattr(DuckDBClient, "_coerce_rows", staticmethod(refuse))
            loaded = columns.load_table_from_json(batch, COVERAGE_LOG_TABLE, job_config=config).result()
            assert loaded.output_rows == len(batch)
        with monkeypatch.context() as patch:
            patch.setattr(dc, "_columnar", lambda records, schema: None)  # the per-row path
            rows.load_table_from_json(list(batch), COVERAGE_LOG_TABLE, job_config=config).result()
        return _table(columns), _table(rows)


def test_lean_entries_hand_over_their_instants_and_load_the_rows_table(tmp_path, monkeypatch):
    processor = Processor(None)
    for index in range(50):
        processor.log_quality_event("fallback_used", "info", f"event {index}", game_id=f"00224{index:05d}",
                                    game_date=dt.date(2025, 1, 15), fallback_sources_tried=["a", "b"])
    entries = processor._coverage_state().buffer.take_entries()
    assert {type(entry) for entry in entries} == {tuple}
    batch = EventBatch(entries, batch_id="b1")
    columns = batch.to_columns()
    assert columns is not None and isinstance(columns["event_timestamp"], pa.TimestampArray)
    assert all(isinstance(values, pa.Array) for values in columns.values())  # the Arrow form, whole
    assert _as_row_values(columns["created_at"]) == [row["created_at"] for row in batch]
    got, want = _loaded_both_ways(tmp_path, monkeypatch, batch)
    assert got == want and len(got[1]) == 50


def test_a_stamp_that_is_not_the_canonical_text_goes_over_as_the_rows_text(tmp_path, monkeypatch):
    entries = _processor()._coverage_state().buffer.take_entries()
    marked = next(entry for entry in entries if isinstance(entry, dict))
    marked["created_at"] = "2025-01-16 05:06:07Z"  # another spelling the load accepts
    batch = EventBatch(entries, batch_id="b1")
    columns = batch.to_columns()
    assert columns is not None and isinstance(columns["event_timestamp"], pa.TimestampArray)
    assert list(columns["created_at"]) == [row["created_at"] for row in batch]  # text, as the rows hold it
    got, want = _loaded_both_ways(tmp_path, monkeypatch, batch)
    assert got == want and len(got[1]) == len(EVENTS)


def test_every_column_goes_over_as_arrow_and_loads_the_rows_table(tmp_path, monkeypatch):
    # Quiet-path tuples (integer stamps), general-path tuples (text stamps: the non-ASCII
    # description, the 5,000-letter label) and critical dict rows: all in one Arrow pass.
    processor = _processor()
    processor.log_quality_event("source_missing", "critical", "both sources empty", game_id="0022400001",
                                fallback_sources_tried=["a_empty", "b_empty"])
    entries = processor._coverage_state().buffer.take_entries()
    assert {type(entry) for entry in entries} == {tuple, dict}
    assert any(isinstance(entry, tuple) and isinstance(entry[EVENT_COLUMNS.index("created_at")], str)
               for entry in entries)
    dicts = [entry for entry in entries if isinstance(entry, dict)]
    dicts[0]["batch_id"] = ""  # no batch id (empty text counts as none, as for the rows)
    dicts[1]["batch_id"] = "kept"  # a retried batch's own id
    batch = EventBatch(entries, batch_id="b1")
    columns = batch.to_columns()
    assert columns is not None and all(isinstance(values, pa.Array) for values in columns.values())
    assert columns["batch_id"].to_pylist() == ["kept" if entry is dicts[1] else "b1" for entry in entries]
    assert {name: _as_row_values(values) for name, values in columns.items()} \
        == {name: [row[name] for row in batch] for name in EVENT_COLUMNS}
    got, want = _loaded_both_ways(tmp_path, monkeypatch, batch)
    assert got == want and len(got[1]) == len(entries)


@pytest.mark.parametrize(("column", "value"), [
    ("quality_score_before", True),           # pyarrow would load 1.0
    ("fallback_sources_tried", "a_empty"),    # pyarrow would load ['a', '_', 'e', ...]
    ("team_abbr", b"DAL"),                    # pyarrow would load 'DAL'
    ("created_at", "2025-01-16 05:06:07Z"),   # not the canonical stamp text
])
def test_a_dict_row_value_arrow_would_coerce_keeps_the_lists_form(tmp_path, monkeypatch, column, value):
    entries = _processor()._coverage_state().buffer.take_entries()
    marked = next(entry for entry in entries if isinstance(entry, dict))
    marked[column] = value
    batch = EventBatch(entries, batch_id="b1")
    columns = batch.to_columns()
    assert columns is not None and not isinstance(columns[column], pa.Array)
    assert _as_row_values(columns[column]) == [row[column] for row in batch]


def test_a_general_path_tuple_with_another_stamp_text_keeps_the_lists_form():
    entries = _processor()._coverage_state().buffer.take_entries()
    at = EVENT_COLUMNS.index("created_at")
    index = next(i for i, entry in enumerate(entries) if isinstance(entry, tuple) and isinstance(entry[at], str))
    entries[index] = (*entries[index][:at], "2025-01-16T05:06:07Z", *entries[index][at + 1:])
    columns = EventBatch(entries, batch_id="b1").to_columns()
    assert columns is not None and not isinstance(columns["batch_id"], pa.Array)
    assert columns["created_at"][index] == "2025-01-16T05:06:07Z"  # the row's own text, never NULL
