"""Reliability: hostile values wherever user data reaches SQL are stored as data or rejected.

After each scenario nothing else in the warehouse has changed: the same tables exist and every
table not written on purpose keeps its row count.
"""

from __future__ import annotations

from datetime import date

import pytest

from data_processors.analytics.player_game_summary.player_game_summary_processor import (
    PlayerGameSummaryProcessor,
)
from data_processors.source_coverage_audit import AuditConfigError, SourceCoverageAuditProcessor
from data_processors.source_coverage_audit.cli import render_table
from shared_services.bigquery.identifiers import InvalidIdentifierError
from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE, TABLES
from shared_services.processors.errors import ImproperlyConfigured
from shared_services.processors.quality_mixin import QualityMixin
from tests.support.scenario import load, player_rows, schedule_row

DAY = date(2025, 1, 15)

HOSTILE = [
    "0022400561'; DROP TABLE nba_raw.nbac_schedule; --",
    'x" OR "1"="1',
    "1; DELETE FROM nba_reference.source_coverage_log",
    "/* comment */ 0022400561 -- trailing",
    "Dončić 🏀 ‮ right-to-left",
    "back`tick`.name",
    "$1 @param ?",
]


def snapshot(client):
    """Every known table's row count (one query: a count per table, UNION ALL) and the table list.

    (One SELECT of a scalar subquery per table counted the same, but DuckDB took ~50 ms to
    plan it against ~8 ms for the UNION ALL; the suite takes 52 snapshots.)
    """
    counts_sql = []
    for n, spec in enumerate(TABLES):
        # A real partition filter (a constant range on the bare column), as BigQuery requires.
        where = f"WHERE {spec.partition_field} >= '0001-01-01'" if spec.partition_field else ""
        counts_sql.append(f"SELECT {n} AS n, COUNT(*) AS c FROM `{spec.table_id}` {where}")
    frame = client.query(" UNION ALL ".join(counts_sql)).to_dataframe()
    found = {int(n): int(c) for n, c in zip(frame["n"], frame["c"], strict=True)}
    assert sorted(found) == list(range(len(TABLES)))
    counts = {spec.table_id: found[n] for n, spec in enumerate(TABLES)}
    datasets = sorted({spec.dataset for spec in TABLES})
    tables = [(t.dataset_id, t.table_id) for ds in datasets for t in client.list_tables(ds)]
    return counts, tables


def unchanged_except(before, after, written):
    assert before[1] == after[1], "the set of tables changed"
    for table, count in before[0].items():
        if table not in written:
            assert after[0][table] == count, f"{table} changed"


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_ids_and_codes_through_phase_3_are_data(warehouse, value):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row(value, DAY, away=value[:5], home="BOS")])
    rows = player_rows(value, DAY, players=3, away=value[:5], home="BOS")
    for n, row in enumerate(rows):
        row["player_id"] = f"{value}#{n}"
    load(warehouse, "nba_raw.bdl_player_boxscores", rows)
    before = snapshot(warehouse)
    PlayerGameSummaryProcessor(bq_client=warehouse).run({"game_date": DAY})
    after = snapshot(warehouse)
    unchanged_except(before, after, {"nba_analytics.player_game_summary", COVERAGE_LOG_TABLE})
    stored = warehouse.query(
        "SELECT DISTINCT game_id FROM nba_analytics.player_game_summary WHERE game_date = '2025-01-15'"
    ).to_dataframe()["game_id"].tolist()
    assert stored == [value]
    players = warehouse.query(
        "SELECT player_id FROM nba_analytics.player_game_summary WHERE game_date = '2025-01-15' ORDER BY 1"
    ).to_dataframe()["player_id"].tolist()
    assert players == [f"{value}#{n}" for n in range(3)]
    events = warehouse.query(
        f"SELECT game_id, description FROM `{COVERAGE_LOG_TABLE}` WHERE event_timestamp >= TIMESTAMP('2000-01-01')"
    ).to_dataframe()
    assert set(events["game_id"]) == {value} and len(events) == 2  # fallback_used + thin-sample degradation
    assert all(value in d for d in events["description"])


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_event_fields_are_data(warehouse, value):
    class P(QualityMixin):
        def __init__(self, client):
            self.bq_client = client

    processor = P(warehouse)
    processor.log_quality_event("quality_degradation", "warning", value, game_id=value, player_id=value,
                                team_abbr=value, primary_source=value, resolution_details=value)
    before = snapshot(warehouse)
    assert processor.flush_events() == 1
    unchanged_except(before, snapshot(warehouse), {COVERAGE_LOG_TABLE})
    row = warehouse.query(
        f"SELECT * FROM `{COVERAGE_LOG_TABLE}` WHERE event_timestamp >= TIMESTAMP('2000-01-01')").to_dataframe().iloc[0]
    assert {row[c] for c in ("description", "game_id", "player_id", "team_abbr", "primary_source",
                             "resolution_details")} == {value}


@pytest.mark.parametrize("value", [*HOSTILE, "00224\n00561\x1b[31m FORGED\r\u2028x"])
def test_hostile_schedule_ids_through_the_audit_are_data(warehouse, value):
    load(warehouse, "nba_raw.nbac_schedule", [schedule_row(value, DAY, away=value, home=value)])
    before = snapshot(warehouse)
    result = SourceCoverageAuditProcessor(bq_client=warehouse).run_daily_audit(DAY)
    assert [(f.game_id, f.status) for f in result.findings] == [(value, "completely_missing")]
    unchanged_except(before, snapshot(warehouse), {COVERAGE_LOG_TABLE})
    # The text table a cron log keeps: the finding is one line, however the id is made.
    table = render_table(result).splitlines()
    rule = next(i for i, row in enumerate(table) if row.startswith("-----"))
    assert table[rule + 2] == "" and table[rule + 3].startswith("queries: ")  # one finding, one line
    assert "completely_missing" in table[rule + 1]
    assert not any(c in table[rule + 1] for c in "\r\x1b\x00\u2028")


@pytest.mark.parametrize("table", [
    "nba_raw.t; DROP TABLE nba_raw.nbac_schedule",
    "nba_raw.`t`",
    "nba raw.t",
    "nba_raw.t -- x",
    "nba_raw",
])
def test_hostile_table_configuration_is_rejected_with_a_clear_error(warehouse, table):
    before = snapshot(warehouse)
    with pytest.raises(AuditConfigError, match="invalid table id"):
        SourceCoverageAuditProcessor(bq_client=warehouse, tables=[{"table": table}])
    with pytest.raises(ImproperlyConfigured, match="invalid table id"):
        type("P", (QualityMixin,), {"COVERAGE_LOG_TABLE": table})
    with pytest.raises(InvalidIdentifierError):
        PlayerGameSummaryProcessor(bq_client=warehouse).load_dataframe_batch(
            __import__("pandas").DataFrame({"game_id": ["g"]}), table,
            schema=TABLES[1].schema, key_columns=["game_id"])
    with pytest.raises(AuditConfigError, match="invalid column name"):
        SourceCoverageAuditProcessor(bq_client=warehouse, tables=[{"table": "nba_raw.x", "id_column": "game_id; --"}])
    unchanged_except(before, snapshot(warehouse), set())
