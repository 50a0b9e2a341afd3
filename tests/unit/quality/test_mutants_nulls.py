"""Null counting: the columns mutation testing found unchecked (docs/testing.md, "Tenth run").

Every column here is counted by :func:`null_count` and by the definition value by value
(``reference_count``); each case is one a surviving mutant of ``quality/nulls.py`` counted
wrongly while every other test passed:

* a clean float column (numpy, or Arrow with nulls but no NaN / inf): a mutant returned 1
  for "every value finite" - a null rate of 1/n that no scoring tolerance noticed;
* categoricals whose missing count and first category's count differ, and a placeholder
  category no row uses (the codes were read one place off);
* an Arrow dictionary whose placeholder no row uses, a nested Arrow column with nulls;
* Arrow text whose first chunk is all null, or has no padded string, before a chunk that
  does (a mutant stopped at the first such chunk);
* more than the Python limit of padded strings, none a placeholder; a last string that is
  empty (its start is one past the last byte).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from shared_services.quality import nulls
from shared_services.quality.nulls import null_count
from tests.unit.quality.test_null_definition import reference_count

COLUMNS = {
    "numpy float, all finite": pd.Series([1.5, -2.0, 0.0, 1e300]),
    "numpy float32, all finite": pd.Series(np.array([1.5, 2.5], dtype=np.float32)),
    "arrow float, nulls but finite": pd.Series([1.0, None, 2.0, None], dtype=pd.ArrowDtype(pa.float64())),
    "arrow float, all null": pd.Series([None, None], dtype=pd.ArrowDtype(pa.float64())),
    "categorical, 3 missing, first category once": pd.Series(
        pd.Categorical(["", None, "LAL", None, "N/A", "N/A", None, "LAL", "LAL"])),
    "categorical, placeholder categories at both ends unused": pd.Series(
        pd.Categorical(["LAL", None, "BOS", "LAL"], categories=["", "BOS", "LAL", "n/a"])),
    "categorical, placeholder in the middle used twice": pd.Series(
        pd.Categorical(["BOS", "none", "LAL", "none", "LAL", "LAL"], categories=["BOS", "none", "LAL"])),
    "arrow dictionary, placeholder unused": pd.Series(pd.arrays.ArrowExtensionArray(
        pa.DictionaryArray.from_arrays(pa.array([0, None, 0], type=pa.int32()), pa.array(["LAL", "N/A"])))),
    "arrow dictionary, placeholder used": pd.Series(pd.arrays.ArrowExtensionArray(
        pa.DictionaryArray.from_arrays(pa.array([1, None, 0, 1], type=pa.int8()), pa.array(["LAL", " n/a "])))),
    "arrow list, with nulls": pd.Series([[1], None, [], [None], None], dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
    "arrow struct, with nulls": pd.Series([{"a": 1}, None], dtype=pd.ArrowDtype(pa.struct([("a", pa.int64())]))),
    "arrow text, first chunk all null": pd.Series(pd.arrays.ArrowExtensionArray(
        pa.chunked_array([pa.array([None, None], type=pa.string()), ["N/A", "LAL", " none", ""]]))),
    "arrow text, first chunk unpadded": pd.Series(pd.arrays.ArrowExtensionArray(
        pa.chunked_array([["LAL", "n/a"], [" na ", "BOS", "\tnull"]]))),
    "arrow text, last string empty": pd.Series(["LAL", ""], dtype=pd.ArrowDtype(pa.string())),
    "text, last string empty": pd.Series(["LAL", "BOS", ""]),
}


@pytest.mark.parametrize("name", COLUMNS)
def test_the_count_equals_the_definition(name):
    column = COLUMNS[name]
    assert null_count(column) == reference_count(column)


def test_the_expected_counts_are_the_ones_stated():
    # The definition itself, stated for the cases above (reference_count must agree).
    expected = {
        "numpy float, all finite": 0, "numpy float32, all finite": 0, "arrow float, nulls but finite": 2,
        "arrow float, all null": 2, "categorical, 3 missing, first category once": 6,
        "categorical, placeholder categories at both ends unused": 1,
        "categorical, placeholder in the middle used twice": 2, "arrow dictionary, placeholder unused": 1,
        "arrow dictionary, placeholder used": 3, "arrow list, with nulls": 2, "arrow struct, with nulls": 1,
        "arrow text, first chunk all null": 5, "arrow text, first chunk unpadded": 3,
        "arrow text, last string empty": 1, "text, last string empty": 1,
    }
    assert {name: reference_count(column) for name, column in COLUMNS.items()} == expected


def test_many_padded_strings_without_a_placeholder_count_nothing(monkeypatch):
    monkeypatch.setattr(nulls, "_PADDED_PYTHON_LIMIT", 50)  # Arrow kernels judge above 50
    padded = pd.Series([" LAL ", "\tBOS", "x\u3000"] * 40 + [None])
    assert null_count(padded) == reference_count(padded) == 1
    assert null_count(padded.astype(pd.ArrowDtype(pa.string()))) == 1
    with_one = pd.Series([" LAL "] * 120 + [" n/a "])
    assert null_count(with_one) == reference_count(with_one) == 1


def test_only_strings_that_may_be_padded_placeholders_take_the_slow_path():
    """A block hands on as "may be padded" only strings whose first byte is whitespace, or
    that start like a placeholder ('n', 'N', '-') and end in whitespace: 'LAL ' and 'x\u3000'
    cannot be placeholders (stripped, they still start with 'L' / 'x') and are settled at once.
    (A mutant that sent every flagged string down the slow path counted the same, slower.)"""
    texts = ["LAL ", " na", "n/a\t", "N/A", "x\u3000", "-", "none\u3000", "Nets "]
    chunk = pa.array(texts)
    data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[: len(texts) + 1]
    count, padded = nulls._text_block_count(data, offsets, None)
    assert padded.tolist() == [1, 2, 6, 7]
    assert count == 2  # 'N/A' and '-', unpadded; the padded ones are judged afterwards
    assert null_count(pd.Series(texts)) == reference_count(pd.Series(texts)) == 5
