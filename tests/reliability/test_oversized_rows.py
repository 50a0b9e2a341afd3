"""A row BigQuery cannot load: refused here as there, and never let into the coverage log.

BigQuery's load job takes ndJSON rows of at most 100 MB ("Load jobs": "Newline-delimited JSON
(ndJSON): Maximum row size"); over it the whole job fails, "Error while reading data, error
message: JSON parsing error in row starting at position N: Row size is larger than:
104857600." (m-lab/etl#1133: one such row failed a whole day's load, every day it was
retried). DuckDB has no such limit. For the coverage log the risk is one event whose
description holds a response body or an exception's text: its flush fails, and with it every
other event of the batch, on every replay.

* the embedded warehouse refuses the row in BigQuery's words (one byte over 104,857,600 as the
  client sends it, or half as many two-byte letters; the exact boundary: test_limits);
* ``log_quality_event`` cuts free text past 100,000 characters (a note at its end gives the
  full length) and refuses a name or id past 10,000 characters, naming it;
* ``coverage-replay`` quarantines a spool file holding such a row (written by an older build,
  or edited) instead of failing it on every run.

(The HTTP adapter is not run here: the real client sends a body over 5 MB as a resumable
upload, which the stand-in does not serve.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from google.api_core import exceptions as gexc
from google.cloud import bigquery

from shared_services.bigquery.duckdb_client import DuckDBClient
from shared_services.bigquery.limits import MAX_JSON_ROW_BYTES
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.events.dead_letter import DeadLetterSpool
from shared_services.events.model import MAX_FREE_TEXT_CHARACTERS, MAX_NAME_CHARACTERS
from shared_services.events.replay import replay_dead_letters
from tests.support.event_log import Processor, log_rows


def _sent_size(row: dict[str, Any]) -> int:
    """The row's bytes as google-cloud-bigquery's load_table_from_json sends them."""
    return len(json.dumps(row, ensure_ascii=False).encode())


def test_a_load_row_over_a_hundred_megabytes_is_refused_as_bigquery_refuses_it() -> None:
    assert MAX_JSON_ROW_BYTES == 104_857_600
    client = DuckDBClient(":memory:", project="p")
    client.create_dataset("p.ds")
    config = bigquery.LoadJobConfig(schema=[bigquery.SchemaField("x", "STRING"), bigquery.SchemaField("n", "INT64")])
    small = {"x": "a", "n": 1}
    overhead = _sent_size({"x": "", "n": 1})
    # (a row of exactly 104,857,600 bytes passes the same check: tests/unit/bigquery/test_limits.py;
    # loading one here would add a second of DuckDB work to the suite)
    client.load_table_from_json([small, {"x": "b" * 1_000, "n": 2}], "ds.t", job_config=config).result()

    over = {"x": "b" * (MAX_JSON_ROW_BYTES - overhead + 1), "n": 3}
    two_byte = {"x": "é" * ((MAX_JSON_ROW_BYTES - overhead) // 2 + 1), "n": 4}
    assert len(two_byte["x"]) < MAX_JSON_ROW_BYTES < _sent_size(two_byte)
    for rows, index, position in (([small, over], 1, _sent_size(small) + 1), ([two_byte], 0, 0)):
        with pytest.raises(gexc.BadRequest) as info:
            client.load_table_from_json(rows, "ds.t", job_config=config, job_id=f"too_big_{index}").result()
        message = str(info.value)
        assert (f"Error while reading data, error message: JSON parsing error in row starting at position {position}: "
                "Row size is larger than: 104857600.") in message
        assert f"row {index} is {_sent_size(rows[index]):,} bytes as JSON" in message
        assert client.get_job(f"too_big_{index}").error_result is not None  # a failed job, as on BigQuery
    assert [tuple(r) for r in client.query("SELECT n, LENGTH(x) FROM ds.t ORDER BY n").result()] == [(1, 1), (2, 1_000)]
    client.close()


def test_an_events_free_text_is_cut_and_a_long_id_refused_so_every_event_loads(warehouse: DuckDBClient) -> None:
    """A 150 MB description is logged, cut to 100,000 characters ending with its full length,
    and flushed with its batch; a 10,000-character id is taken, one more is refused naming the
    field, and nothing is buffered for it; a 100,000-character description is kept whole."""
    client = warehouse
    processor = Processor(client)
    processor.log_quality_event("source_missing", "critical", "body: " + "x" * 150_000_000, game_id="g1")
    processor.log_quality_event("fallback_used", "info", "y" * MAX_FREE_TEXT_CHARACTERS, game_id="g2")
    processor.log_quality_event("fallback_used", "info", "long id", game_id="i" * MAX_NAME_CHARACTERS,
                                fallback_sources_tried=["s" * 4_999, "t" * 4_999])
    for keywords, named in (({"game_id": "i" * (MAX_NAME_CHARACTERS + 1)}, "game_id"),
                            ({"primary_source": "é" * (MAX_NAME_CHARACTERS + 1)}, "primary_source"),
                            ({"fallback_sources_tried": ["s" * 5_000, "t" * 5_000]}, "fallback_sources_tried"),
                            ({"resolution_details": {"k": "v"}, "team_abbr": "T" * 20_000}, "team_abbr")):
        with pytest.raises(ValueError, match=f"^{named} "):
            processor.log_quality_event("fallback_used", "info", "refused", **keywords)
    assert processor.pending_event_count == 3
    assert processor.flush_events() == 3
    rows = log_rows(client).set_index("game_id")
    cut = rows.loc["g1", "description"]
    assert len(cut) == MAX_FREE_TEXT_CHARACTERS
    assert cut.startswith("body: xxx") and cut.endswith(" ... [cut: 150,000,006 characters in all]")
    assert rows.loc["g2", "description"] == "y" * MAX_FREE_TEXT_CHARACTERS  # at the limit: whole
    assert len(rows.index[2]) == MAX_NAME_CHARACTERS


def test_replay_quarantines_a_file_with_a_row_bigquery_cannot_load(tmp_path: Path, warehouse: DuckDBClient) -> None:
    """A spool file from before the cut (a 105 MB description) would fail its load on every
    replay; it is quarantined with the row's size, and the other files are replayed."""
    client = warehouse
    spool = DeadLetterSpool(tmp_path / "spool")
    writer = Processor(None)
    writer.log_quality_event("fallback_used", "info", "fine", game_id="ok")
    spool.spill(COVERAGE_LOG_TABLE, "job_fine", writer._coverage_state().buffer.take(), reason="down")
    writer.log_quality_event("fallback_used", "info", "placeholder", game_id="huge")
    [row] = writer._coverage_state().buffer.take()
    row["description"] = "z" * 105_000_000  # as an older build wrote it
    huge = spool.spill(COVERAGE_LOG_TABLE, "job_huge", [row], reason="down")
    report = replay_dead_letters(client, spool)
    assert report.files_failed == {}
    assert list(report.files_quarantined) == [str(huge)]
    reason = report.files_quarantined[str(huge)]
    assert "Row size is larger than: 104857600" in reason and "row 0 is 105,00" in reason
    assert len(report.files_replayed) == 1 and list(log_rows(client)["game_id"]) == ["ok"]
    assert spool.files() == []
