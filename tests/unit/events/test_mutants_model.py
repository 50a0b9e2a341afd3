"""The event-row builder (survivors of the mutation run on ``events/model.py``): the general
path's text cleaning for values that are not plain ``str``, its keyword check with every
keyword given, the error naming a bad quality argument's type, a stamp read back the same on a
machine in any time zone, and event ids that carry all 122 random bits of a UUID4.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from shared_services.events import model
from shared_services.events.batch import row_of
from shared_services.events.model import (
    EVENT_KEYWORDS,
    build_event_row,
    event_row,
    new_event_id,
    stamp_micros,
    stamp_text,
)
from tests.unit.events.test_event_batch import LABELS


class _Text(str):
    """A ``str`` subclass (an enum-like label, say): not the plain ``str`` the fast paths take."""


def test_text_that_is_not_a_plain_str_is_made_valid_unicode_too():
    row = build_event_row("fallback_used", "info", "x",
                          primary_source=_Text("bdl\ud800boxscores"), resolution_details=_Text("Dončić"))
    assert row["primary_source"] == "bdl\ufffdboxscores" and type(row["primary_source"]) is str
    assert row["resolution_details"] == "Dončić"  # valid non-ASCII text is kept as it is


def test_an_event_may_set_every_keyword_column_at_once():
    given = dict(
        alert_channel="slack", alert_sent=True, alert_sent_at=datetime(2025, 1, 16, 5, tzinfo=UTC),
        batch_id="b1", downstream_impact="predictions_degraded", environment="prod",
        fallback_sources_tried=["a", "b"], game_date=date(2025, 1, 15), game_id="0022400561",
        is_resolved=True, is_synthetic=True, phase="phase_3", player_id="1626", primary_source="a",
        primary_source_status="empty", processor_name="P", processor_run_id="r1",
        resolution="used_fallback", resolution_details="d", resolution_method="backfill",
        resolved_at=datetime(2025, 1, 17, tzinfo=UTC), resolved_by="audit", season="2024-25",
        table_name="nba_analytics.player_game_summary", team_abbr="DAL",
    )
    assert set(given) == EVENT_KEYWORDS
    row = build_event_row("fallback_used", "info", "every keyword", **given)
    assert row["alert_sent_at"] == "2025-01-16T05:00:00.000000+00:00" and row["game_date"] == "2025-01-15"
    assert {k: row[k] for k in given if k not in ("alert_sent_at", "resolved_at", "game_date")} \
        == {k: v for k, v in given.items() if k not in ("alert_sent_at", "resolved_at", "game_date")}


@pytest.mark.parametrize("which", ["quality_before", "quality_after"])
@pytest.mark.parametrize("bad", ["gold", 98.5, ["gold"]])
def test_a_quality_argument_that_is_not_a_dict_is_named_with_its_type(which, bad):
    with pytest.raises(TypeError) as raised:
        build_event_row("fallback_used", "info", "x", **{which: bad})
    assert str(raised.value) == f"{which} must be a quality assessment dict or None, got {type(bad).__name__}"


@pytest.mark.parametrize("zone", ["EST+5", "IST-5:30", "UTC0"])  # POSIX zones: no tz database needed
def test_a_stamp_reads_back_as_the_same_instant_in_any_local_time_zone(machine_time_zone, zone):
    machine_time_zone(zone)
    model._SECONDS.clear()  # parsed afresh under this zone, not answered from the cache
    micros = (datetime(2025, 1, 16, 5, 6, 7, 891011, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) \
        // timedelta(microseconds=1)
    assert stamp_text(micros) == "2025-01-16T05:06:07.891011+00:00"
    assert stamp_micros("2025-01-16T05:06:07.891011+00:00") == micros


def test_event_ids_carry_every_random_bit_of_a_uuid4():
    ids = [new_event_id() for _ in range(2048)]
    assert len(set(ids)) == len(ids)
    raw = np.frombuffer(b"".join(uuid.UUID(text).bytes for text in ids), dtype=np.uint8).reshape(len(ids), 16)
    bits = np.unpackbits(raw, axis=1)  # 128 columns, most significant bit first
    fixed = {48: 0, 49: 1, 50: 0, 51: 0, 64: 1, 65: 0}  # version 0100, variant 10
    for column, value in fixed.items():
        assert (bits[:, column] == value).all(), column
    random_bits = bits[:, [c for c in range(128) if c not in fixed]]
    # Each of the 122 random bits takes both values, and no bit is a copy of another (either
    # would happen by chance with probability about 2 ** -2048 here).
    assert random_bits.shape[1] == 122
    assert (random_bits.min(axis=0) == 0).all() and (random_bits.max(axis=0) == 1).all()
    assert len({column.tobytes() for column in random_bits.T}) == 122


def _logged(*args: Any, **columns: Any) -> dict[str, Any]:
    """The row of an event built as ``log_quality_event`` builds it (labels, the lean paths)."""
    return row_of(event_row(*args, columns, season_from_game_date=True, labels=LABELS, compact=True))


def test_an_environment_change_applies_to_the_next_lean_event(monkeypatch):
    seen = []
    for value in ("prod", "  staging ", None, "prod"):
        if value is None:
            monkeypatch.delenv("COVERAGE_ENVIRONMENT")
        else:
            monkeypatch.setenv("COVERAGE_ENVIRONMENT", value)
        seen.append(_logged("fallback_used", "info", "x", None, None)["environment"])
    assert seen == ["prod", "staging", "dev", "prod"]


def test_an_environment_label_with_undecodable_bytes_is_stored_as_valid_unicode(monkeypatch):
    # os.environ gives a byte that is not UTF-8 back as a lone surrogate (surrogateescape)
    monkeypatch.setenv("COVERAGE_ENVIRONMENT", "pr\udcffod")
    assert _logged("fallback_used", "info", "x", None, None)["environment"] == "pr\ufffdod"
    monkeypatch.setenv("COVERAGE_ENVIRONMENT", "prød")
    assert _logged("fallback_used", "info", "x", None, None)["environment"] == "prød"


def test_a_season_given_with_the_game_date_is_kept_on_every_path():
    for extra in ({}, {"alert_sent": False}):  # the lean paths, then the general one (a bool column)
        row = _logged("fallback_used", "info", "x", None, None,
                      game_date=date(2025, 1, 15), season="2023-24", **extra)
        assert row["season"] == "2023-24", extra
        row = _logged("fallback_used", "info", "x", None, None, game_date=date(2025, 1, 15), **extra)
        assert row["season"] == "2024-25", extra


def test_build_event_row_leaves_the_season_to_its_caller():
    assert build_event_row("fallback_used", "info", "x", game_date="2025-01-15")["season"] is None
    assert build_event_row("fallback_used", "info", "x", game_date="2025-01-15", season="2024-25")["season"] == "2024-25"


@pytest.mark.parametrize("bad", [5, None, b"bytes"])
def test_a_description_that_is_not_text_is_named_with_its_type(bad):
    with pytest.raises(TypeError) as raised:
        build_event_row("fallback_used", "info", bad)
    assert str(raised.value) == f"description must be a str, got {type(bad).__name__}"


@pytest.mark.parametrize("tier", [["gold"], {"tier": "gold"}])
def test_an_unhashable_tier_is_refused_by_every_path_naming_it(tier):
    # An unhashable tier must neither raise TypeError from a look-up nor be stored as its str().
    quality = {"tier": tier, "score": 91.0}
    expected = f"quality_after: unknown quality tier {tier!r}; expected one of: gold, silver, bronze, poor, unusable"
    with pytest.raises(ValueError) as lean:
        _logged("fallback_used", "info", "x", None, quality)
    with pytest.raises(ValueError) as general:
        event_row("fallback_used", "info", "x", None, quality, {}, labels=LABELS)
    assert str(lean.value) == str(general.value) == expected
