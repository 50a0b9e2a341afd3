"""A minimal QualityMixin host and a log reader shared by the event-log tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from google.cloud import bigquery

from shared_services.bigquery.schemas import COVERAGE_LOG_TABLE
from shared_services.events.sink import RetryPolicy
from shared_services.processors.quality_mixin import QualityMixin

#: Retries without sleeping, so fault tests stay fast.
FAST_RETRY = RetryPolicy(max_attempts=4, initial_delay=0.0)


def unwritable_spool(tmp_path: Path) -> Path:
    """A dead-letter folder that cannot be made, even by root: its parent is a regular file."""
    blocker = tmp_path / "not_a_directory"
    blocker.write_text("a file where the spool's parent should be\n")
    return blocker / "spool"


class Processor(QualityMixin):
    """A minimal host: the mixin alone, with a client assigned to the instance."""

    PHASE = "phase_3"
    OUTPUT_TABLE = "nba_analytics.player_game_summary"
    REQUIRED_FIELDS = ["points"]
    FLUSH_RETRY_POLICY = FAST_RETRY

    def __init__(self, client: Any, run_id: str = "run-1") -> None:
        self.bq_client = client
        self.run_id = run_id


def event_rows(count: int, tag: str) -> list[dict[str, Any]]:
    """``count`` info events' log rows, as a flush would spill them (descriptions ``<tag> <n>``,
    game ids ``<tag>-<n>``)."""
    processor = Processor(None)
    for i in range(count):
        processor.log_quality_event("fallback_used", "info", f"{tag} {i}", game_id=f"{tag}-{i}")
    return processor._coverage_state().buffer.take()


def log_rows(client: Any, where: str = "TRUE", params: Sequence[Any] = ()) -> pd.DataFrame:
    """Every row of the coverage log (partition-filtered), oldest first."""
    sql = (f"SELECT * FROM `{COVERAGE_LOG_TABLE}` "
           f"WHERE event_timestamp >= TIMESTAMP('2000-01-01') AND {where} ORDER BY event_timestamp")
    config = bigquery.QueryJobConfig(query_parameters=list(params))
    return client.query(sql, job_config=config).to_dataframe()
