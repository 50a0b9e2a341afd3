"""What counts as null (SCORING.md rule 4): the definition, its per-dtype counting, and the
bad frames of issue 14 that used to score gold."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from shared_services.constants.source_coverage import QualityTier
from shared_services.quality import nulls
from shared_services.quality.nulls import PLACEHOLDER_STRINGS, is_null_value, null_count
from shared_services.quality.scoring import ScoringConfig, assess_quality

NOW = datetime(2025, 1, 16, 12, 0, tzinfo=UTC)
CONFIG = ScoringConfig(required_fields=("points", "rebounds"), optional_fields=("plus_minus",))


def reference_count(column: pd.Series) -> int:
    """The definition applied value by value: what every fast path must reproduce."""
    return sum(1 for value in column.astype(object) if is_null_value(value))


# -- the definition ----------------------------------------------------------------------


@pytest.mark.parametrize("value", [
    None, float("nan"), np.nan, np.float32("nan"), pd.NaT, pd.NA, np.datetime64("NaT"),
    float("inf"), -float("inf"), np.float64("-inf"), np.float32("inf"),
    Decimal("Infinity"), Decimal("-Infinity"), Decimal("NaN"),
    "", " ", "\t\n", "\u00a0\u3000", "N/A", "n/a", " N/A ", "NA", "na", "nA", "null", "NULL",
    "Null", "None", "none", "NONE", "-", " - ", "\u2003none\u2003",
])
def test_null_values(value: object) -> None:
    assert is_null_value(value)


@pytest.mark.parametrize("value", [
    0, 0.0, -0.0, 1e308, False, True, Decimal("0"), "0", "nan", "NaN", "inf", "--", "n", "N/A/",
    "Nancy", "nulls", "none!", "n / a", "NBA", "—", pd.Timestamp("2025-01-15"), [], {},
])
def test_values_that_are_not_null(value: object) -> None:
    # "nan" / "inf" text is not a placeholder: a text column of them is data, not a gap.
    assert not is_null_value(value)


def test_placeholder_list_is_the_one_scoring_md_names() -> None:
    assert PLACEHOLDER_STRINGS == {"", "n/a", "na", "null", "none", "-"}


# -- per-dtype counting equals the definition ------------------------------------------------

TEXT = ["LAL", "N/A", "", "   ", None, "BOS", " na", "NULL\t", "none", "-", "Dončić", "nyk",
        "n/a/", "\u3000-\u3000", "Nancy", "NA", "ñ", "x\u2028", "\u2028", "-1"]


@pytest.mark.parametrize("column", [
    pd.Series([1.0, np.inf, np.nan, -np.inf, 2.5]),
    pd.Series(np.array([1.0, np.inf, np.nan], dtype=np.float32)),
    pd.Series([1, 2, 3]),
    pd.Series([True, False]),
    pd.Series([1, None, 3], dtype="Int64"),
    pd.Series([1.0, None, 3.0], dtype="Float64"),
    pd.Series(pd.array([1.0, None, 3.0], dtype="Float64")).mul(np.inf),  # inf inside Float64
    pd.Series([True, None], dtype="boolean"),
    pd.Series(pd.to_datetime(["2025-01-15", None])),
    pd.Series(pd.to_datetime(["2025-01-15", None]).tz_localize("UTC")),
    pd.Series(TEXT),  # pandas 3 default: Arrow-backed "str"
    pd.Series(TEXT, dtype="string[python]"),
    pd.Series(TEXT, dtype="string[pyarrow]"),
    pd.Series(TEXT, dtype=pd.ArrowDtype(pa.string())),
    pd.Series(TEXT, dtype=pd.ArrowDtype(pa.large_string())),
    pd.Series(TEXT, dtype="category"),
    pd.Series([1.0, float("inf"), None], dtype=pd.ArrowDtype(pa.float64())),
    pd.Series([1, None], dtype=pd.ArrowDtype(pa.int64())),
    pd.Series(pd.array(TEXT, dtype=pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())))),
    pd.Series([1, "N/A", float("inf"), None, Decimal("-Infinity"), Decimal("2"), "7", [1], pd.NaT],
              dtype=object),
], ids=lambda c: str(c.dtype))
def test_null_count_equals_the_definition_for_every_dtype(column: pd.Series) -> None:
    assert null_count(column) == reference_count(column)


@pytest.mark.parametrize("block_rows", [3, 65_536])
def test_sliced_and_chunked_arrow_text_is_counted_from_the_right_offsets(
    block_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(nulls, "_TEXT_BLOCK_ROWS", block_rows)
    text = pd.Series(TEXT * 50)
    for start, stop in [(0, 7), (3, 29), (101, 1000), (999, 1000), (4, 4)]:
        part = text.iloc[start:stop]
        assert null_count(part) == reference_count(part), (start, stop)
    chunked = pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array([TEXT[:7], TEXT[7:], []])))
    assert null_count(chunked) == reference_count(chunked)


@pytest.fixture(scope="module")
def random_text() -> tuple[str | None, ...]:
    """20,000 random strings (seeded) over an alphabet built to hit placeholders, case and
    whitespace (ASCII and Unicode), every 97th None; generated ONCE for the module (0.6 s)."""
    rng = np.random.default_rng(14)
    alphabet = list("nNaAuUlLoOeE/-xé") + [" ", "\t", "\u00a0", "\u3000", "\u2028", "\x1c", "\x00"]
    values: list[str | None] = [
        "".join(rng.choice(alphabet, size=int(rng.integers(0, 7)))) for _ in range(20_000)
    ]
    values[::97] = [None] * len(values[::97])
    return tuple(values)


@pytest.mark.parametrize(("padded_limit", "block_rows"), [(0, 65_536), (10_000, 65_536), (10_000, 7)])
def test_random_text_matches_the_definition_on_both_padded_paths(
    padded_limit: int, block_rows: int, monkeypatch: pytest.MonkeyPatch, random_text: tuple[str | None, ...]
) -> None:
    """The random strings (``random_text``) counted on every path: with limit 0 every padded
    string goes through Arrow kernels, with 7-row blocks every block boundary case occurs."""
    monkeypatch.setattr(nulls, "_PADDED_PYTHON_LIMIT", padded_limit)
    monkeypatch.setattr(nulls, "_TEXT_BLOCK_ROWS", block_rows)
    column = pd.Series(list(random_text))
    expected = reference_count(column)
    assert expected > 500  # the alphabet does produce placeholders
    assert null_count(column) == expected
    assert null_count(column.astype(pd.ArrowDtype(pa.string()))) == expected


def test_whitespace_is_what_str_strip_removes() -> None:
    every_space = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
    for space in every_space:
        column = pd.Series([f"{space}N/A", f"na{space}", space * 3, f"x{space}"])
        assert null_count(column) == 3, hex(ord(space))


# -- assess_quality on the bad frames of issue 14 ------------------------------------------


def frame(rows: int = 10, **columns: object) -> pd.DataFrame:
    data: dict[str, object] = {"points": range(rows), "rebounds": range(rows),
                               "plus_minus": range(rows)}
    data.update(columns)
    return pd.DataFrame(data)


@pytest.mark.parametrize("bad", [
    [np.inf] * 10,
    [-np.inf] * 5 + [np.nan] * 5,
    [""] * 10,
    ["N/A"] * 10,
    ["  ", "-", "null", "None", "NA", "n/a", "", None, "\t", "NULL"],
], ids=["all_inf", "neg_inf_and_nan", "empty_strings", "N/A", "mixed_placeholders"])
def test_required_column_of_only_null_like_values_is_missing(bad: list[object]) -> None:
    """Each of these used to score gold 100.0; now the column counts as absent (rule 2)."""
    result = assess_quality(frame(points=bad), ["primary"], config=CONFIG, now=NOW)
    assert result["tier"] == QualityTier.UNUSABLE
    assert result["issues"] == ["missing_required:points"]


def test_inf_counts_in_the_required_null_rate() -> None:
    """3 inf + 1 NaN of 10: 100 x (0.4 - 0.2) = 20 -> 80.0, capped bronze."""
    points = [np.inf, -np.inf, np.inf, np.nan] + [20.0] * 6
    result = assess_quality(frame(points=points), ["primary"], config=CONFIG, now=NOW)
    assert result["metadata"]["null_rates"]["points"] == 0.4
    assert result["score"] == 80.0
    assert result["tier"] == QualityTier.BRONZE


def test_placeholders_count_in_an_object_column_of_mixed_numbers_and_text() -> None:
    """Optional plus_minus: 3 of 10 are 'N/A', '', '-': 10 x 0.3 = 3 -> 97.0, gold."""
    plus_minus = pd.Series(["N/A", "", "-", 1, 2, 3, -4, 5, 6, 7], dtype=object)
    result = assess_quality(frame(plus_minus=plus_minus), ["primary"], config=CONFIG, now=NOW)
    assert result["metadata"]["null_rates"]["plus_minus"] == 0.3
    assert result["score"] == 97.0
    assert result["issues"] == ["high_null_rate:plus_minus"]


def test_text_that_merely_looks_numeric_is_not_null() -> None:
    result = assess_quality(frame(plus_minus=["nan", "inf", "0"] * 3 + ["1"]), ["primary"],
                            config=CONFIG, now=NOW)
    assert result["score"] == 100.0
