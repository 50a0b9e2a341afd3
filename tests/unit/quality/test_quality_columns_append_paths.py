"""add_quality_columns: appending to a frame without quality columns (one concat) and replacing
existing ones (column by column) give the same frame."""

from __future__ import annotations

import pandas as pd
import pytest

from shared_services.quality.columns import QUALITY_COLUMN_NAMES, add_quality_columns

ASSESSMENT = {"tier": "silver", "score": 90.0, "issues": ["backup_source_used"],
              "sources": ["bdl_player_boxscores"], "metadata": {"sample_size": 2}}
AT = "2025-01-15T08:00:00+00:00"


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"game_id": ["a", "b"], "points": [1, None]}),
    pd.DataFrame({"x": [1, 2, 3]}, index=pd.Index([5, 7, 9], name="k")),
    pd.DataFrame({"game_id": pd.Series([], dtype="str")}),
], ids=["plain", "named-index", "empty"])
def test_appending_equals_replacing(frame: pd.DataFrame) -> None:
    frame.attrs["origin"] = "test"
    appended = add_quality_columns(frame, ASSESSMENT, AT)
    assert list(appended.columns) == [*frame.columns, *QUALITY_COLUMN_NAMES]
    replaced = add_quality_columns(appended, ASSESSMENT, AT)        # every quality column exists
    pd.testing.assert_frame_equal(appended, replaced, check_exact=True)
    assert appended.attrs == replaced.attrs == {"origin": "test"}
    assert list(frame.columns) == [c for c in appended.columns if c not in QUALITY_COLUMN_NAMES]  # input unchanged


def test_a_named_column_index_keeps_its_name() -> None:
    frame = pd.DataFrame({"x": [1, 2]}).rename_axis("fields", axis=1)
    out = add_quality_columns(frame, ASSESSMENT, AT)
    assert out.columns.name == "fields"
    assert list(out.columns) == ["x", *QUALITY_COLUMN_NAMES]
