"""The event buffer and the flush's batch (survivors of the mutation run on ``buffer.py`` and
``batch.py``): a batch put back after a failed flush goes in front of the events logged while
it was out, and none of those is lost; a batch's job id is its rows' job id whatever mix of
lean tuples and row dicts (with or without an event id) it holds; a flush hands the client
the batch itself, whose columns the embedded warehouse loads.
"""

from __future__ import annotations

from typing import Any

import pytest
from google.api_core import exceptions as gexc

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.provisioning import ensure_schema
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.events.batch import EventBatch
from shared_services.events.buffer import EventBuffer
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.sink import batch_job_id
from tests.unit.events.test_event_batch import EVENTS, _processor


def test_a_restored_batch_goes_in_front_of_the_events_logged_since_and_loses_none():
    buffer = EventBuffer()
    for name in ("a", "b"):
        buffer.append({"event_id": name})
    taken = buffer.take_entries()
    for name in ("c", "d"):        # logged while the batch was out (a flush in another thread)
        buffer.append({"event_id": name})
    buffer.restore(taken)          # the write failed
    assert [row["event_id"] for row in buffer.take()] == ["a", "b", "c", "d"]


def test_a_flush_that_neither_the_warehouse_nor_the_spool_takes_keeps_an_event_logged_during_it(
        tmp_path, monkeypatch):
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "spool"))
    processor = _processor()
    logged_during: list[str] = []

    class _LogsThenRefuses:
        """A warehouse whose load is slow enough for another event to be logged, then refuses."""

        def load_table_from_json(self, rows: Any, *args: Any, **kwargs: Any) -> Any:
            logged_during.append(processor.log_quality_event("fallback_used", "info", "logged during the flush"))
            raise gexc.BadRequest("warehouse says no")

    processor.bq_client = _LogsThenRefuses()
    monkeypatch.setattr(DeadLetterSpool, "spill", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    before = [row["event_id"] for row in processor._coverage_state().buffer.snapshot()]
    assert processor.flush_events() == 0
    pending = [row["event_id"] for row in processor._coverage_state().buffer.snapshot()]
    assert len(logged_during) == 1 and pending == before + logged_during


def test_a_batchs_job_id_is_its_rows_job_id_for_any_mix_of_entries():
    entries = _processor()._coverage_state().buffer.take_entries()
    kinds = [type(entry) for entry in entries]
    assert tuple in kinds and dict in kinds
    no_id = {"description": "a row without an event_id key"}  # say, a row a caller built
    mixed = [*entries, no_id]
    batch = EventBatch(mixed, batch_id="b1")
    ids = batch.event_ids()
    assert ids == [row.get("event_id") for row in batch] and ids[-1] is None and None not in ids[:-1]
    assert batch_job_id(COVERAGE_LOG_TABLE, batch) == batch_job_id(COVERAGE_LOG_TABLE, list(batch))
    only_dicts = EventBatch([dict(row) for row in EventBatch(entries, "b1")] + [dict(no_id)], batch_id="b1")
    assert only_dicts.event_ids() == ids


@pytest.mark.parametrize("order", ["tuples first", "dicts first"])
def test_a_flush_hands_the_client_the_batch_and_the_warehouse_loads_its_columns(tmp_path, monkeypatch, order):
    monkeypatch.setenv("COVERAGE_DEAD_LETTER_DIR", str(tmp_path / "spool"))
    client = DuckDBClient(str(tmp_path / "w.duckdb"))
    try:
        ensure_schema(client)
        processor = _processor(client)
        state = processor._coverage_state()
        if order == "dicts first":
            with state.buffer.locked() as entries:
                entries.sort(key=lambda entry: type(entry) is tuple)
        handed: list[Any] = []
        load = client.load_table_from_json

        def recording_load(rows: Any, *args: Any, **kwargs: Any) -> Any:
            handed.append(rows)
            return load(rows, *args, **kwargs)

        monkeypatch.setattr(client, "load_table_from_json", recording_load)
        assert processor.flush_events() == len(EVENTS)
        assert len(handed) == 1 and isinstance(handed[0], EventBatch)
        assert handed[0].to_columns() is not None  # the columnar path, not a per-row conversion
    finally:
        client.close()
