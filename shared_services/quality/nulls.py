"""What counts as null when data is scored (SCORING.md rule 4), counted per column.

A value is null when it is missing (``None``, ``NaN``, ``NaT``, ``pd.NA``), a non-finite
number (``+inf``, ``-inf``, also as ``Decimal``), or a string that is empty, whitespace only
or a placeholder (:data:`PLACEHOLDER_STRINGS`, compared after stripping whitespace and
ignoring case). The same definition keeps such values out of the warehouse as numbers
(``shared_services.events.serialization`` writes them as NULL into numeric columns).

:func:`null_count` counts one column without a per-row Python loop for the common column
types: numpy floats (``np.isfinite``), numpy ints and bools (never null), pandas nullable
arrays (their mask, plus non-finite values of ``Float64``), datetimes (``NaT``), categoricals
(the categories are judged once, then the codes counted) and Arrow-backed columns (Arrow's
null count, ``is_finite`` for floats; for text the raw UTF-8 bytes, in 64K-row blocks: only
strings whose first byte could make them a placeholder are examined further). Python-object
columns of mixed values are judged value by value (the slow path, rare in pandas 3 where
text columns are Arrow-backed by default).

Example::

    >>> import pandas as pd
    >>> is_null_value(float('inf')), is_null_value(' n/a '), is_null_value('NAN'), is_null_value(0)
    (True, True, False, False)
    >>> null_count(pd.Series([1.0, float('inf'), None, 4.0]))
    2
    >>> null_count(pd.Series(['LAL', 'N/A', '', '  ', None, 'BOS']))
    4
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["PLACEHOLDER_STRINGS", "is_placeholder_string", "is_null_value", "null_count"]

#: Strings that mean "no value" (compared after ``str.strip()`` and ``str.lower()``); the empty
#: string covers empty and whitespace-only text.
PLACEHOLDER_STRINGS: frozenset[str] = frozenset({"", "n/a", "na", "null", "none", "-"})
_PLACEHOLDER_VALUE_SET = pa.array(sorted(PLACEHOLDER_STRINGS), type=pa.string())


def is_placeholder_string(text: str) -> bool:
    """True for an empty, whitespace-only or placeholder string (``'N/A'``, ``' none '``).

    Example::

        >>> is_placeholder_string('N/A'), is_placeholder_string('\\t'), is_placeholder_string('NAN')
        (True, True, False)
    """
    return text.strip().lower() in PLACEHOLDER_STRINGS


def is_null_value(value: Any) -> bool:
    """One value judged by SCORING.md's definition of null.

    Example::

        >>> from decimal import Decimal
        >>> [is_null_value(v) for v in (None, float('nan'), -float('inf'), Decimal('Infinity'),
        ...                             pd.NaT, pd.NA, '-', 'Null', 0, '0', 'Nancy')]
        [True, True, True, True, True, True, True, True, False, False, False]
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, str):
        return is_placeholder_string(value)
    if isinstance(value, float | np.floating):
        return not math.isfinite(value)
    if isinstance(value, Decimal):
        return not value.is_finite()
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return False


def null_count(column: pd.Series) -> int:
    """How many values of ``column`` are null by :func:`is_null_value`, counted per dtype.

    Equal to ``sum(is_null_value(v) for v in column)`` for every column type (tests compare
    the two), but without a Python loop except for Python-object columns.

    Example::

        >>> null_count(pd.Series([1, None, 3], dtype='Int64'))
        1
    """
    dtype = column.dtype
    if isinstance(dtype, np.dtype):
        return _numpy_null_count(column.to_numpy(copy=False))
    if isinstance(dtype, pd.CategoricalDtype):
        return _categorical_null_count(column)
    pa_array = _arrow_array(column)
    if pa_array is not None:
        return _arrow_null_count(pa_array)
    array = column.array
    if isinstance(array, pd.arrays.IntegerArray | pd.arrays.FloatingArray | pd.arrays.BooleanArray):
        # pandas nullable (masked) arrays: their mask, plus non-finite values of Float*.
        missing = np.asarray(array.isna())
        if isinstance(array, pd.arrays.FloatingArray):
            data = array.to_numpy(dtype="float64", na_value=0.0)
            return int(np.count_nonzero(missing | ~np.isfinite(data)))
        return int(np.count_nonzero(missing))
    if dtype.kind in "mM":
        return int(np.count_nonzero(np.asarray(column.isna())))
    return _object_null_count(np.asarray(column, dtype=object))


def _numpy_null_count(values: np.ndarray) -> int:
    kind = values.dtype.kind
    if kind in "biu":
        return 0
    if kind in "fc":
        # isfinite is false for NaN and +-inf: one pass over the column. (A "finite sum means
        # none" shortcut first cost more than it saved: np.add.reduce's pairwise sum of a
        # column read from memory takes longer than isfinite and count_nonzero together.)
        return int(values.size - np.count_nonzero(np.isfinite(values)))
    if kind in "mM":
        return int(np.count_nonzero(np.isnat(values)))
    return _object_null_count(values)


def _object_null_count(values: np.ndarray) -> int:
    # The slow path: each value judged on its own (mixed Python objects have no vector form).
    return sum(1 for value in values.ravel() if is_null_value(value))


def _categorical_null_count(column: pd.Series) -> int:
    categorical = column.array
    assert isinstance(categorical, pd.Categorical)
    codes = np.asarray(categorical.codes)
    bad = [code for code, value in enumerate(categorical.categories) if is_null_value(value)]
    counts = np.bincount(codes + 1, minlength=len(categorical.categories) + 1)
    # counts[0] holds code -1 (missing); category k is counts[k + 1].
    return int(counts[0] + sum(int(counts[code + 1]) for code in bad))


def _arrow_array(column: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow data behind an Arrow-backed column (``ArrowDtype`` or ``str`` / ``string[pyarrow]``)."""
    dtype = column.dtype
    if isinstance(dtype, pd.ArrowDtype) or (
        isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
    ):
        # __arrow_array__ hands over the existing buffers (no copy).
        data = pa.array(column.array)
        return pa.chunked_array([data]) if isinstance(data, pa.Array) else data
    return None


def _arrow_null_count(array: pa.ChunkedArray) -> int:
    kind = array.type
    nulls = int(array.null_count)
    if pa.types.is_floating(kind):
        # is_finite is null for null slots, false for NaN and +-inf.
        return nulls + int(pc.sum(pc.invert(pc.is_finite(array))).as_py() or 0)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return nulls + _arrow_placeholder_count(array)
    if pa.types.is_decimal(kind):
        return nulls  # Arrow decimals are always finite
    if pa.types.is_dictionary(kind):
        combined = array.combine_chunks()
        values = combined.dictionary.to_pylist()
        bad = [i for i, value in enumerate(values) if is_null_value(value)]
        if not bad:
            return nulls
        return nulls + int(pc.sum(pc.is_in(combined.indices, pa.array(bad, type=combined.indices.type))).as_py() or 0)
    if pa.types.is_primitive(kind) or pa.types.is_temporal(kind):
        return nulls
    # Nested or unusual Arrow types: judge each value.
    return nulls + sum(1 for value in array.to_pylist() if value is not None and is_null_value(value))


def _byte_table(values: list[int] | range) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(values)] = True
    return table


_ASCII_SPACE = [9, 10, 11, 12, 13, 28, 29, 30, 31, 32]  # what str.strip() removes below 0x80
#: A string whose first byte is one of these may start with whitespace (ASCII, or the lead
#: byte of U+0085, U+00A0, U+1680, U+2000-U+205F, U+3000).
_MAY_START_WITH_SPACE = _byte_table([*_ASCII_SPACE, 0xC2, 0xE1, 0xE2, 0xE3])
#: ... whose last byte is one of these may end with whitespace (any UTF-8 continuation byte).
_MAY_END_WITH_SPACE = _byte_table([*_ASCII_SPACE, *range(0x80, 0xC0)])
_SPACE, _PLACEHOLDER_START = np.uint8(1), np.uint8(2)
#: Per first byte: _SPACE (may start with whitespace) or _PLACEHOLDER_START ('n', 'N', '-').
_FIRST_BYTE_FLAGS = (
    _MAY_START_WITH_SPACE * _SPACE
    + _byte_table([ord("n"), ord("N"), ord("-")]) * _PLACEHOLDER_START
).astype(np.uint8)
#: Per last byte: _SPACE when the string may end with whitespace.
_LAST_BYTE_FLAGS = (_MAY_END_WITH_SPACE * _SPACE).astype(np.uint8)
_LENGTH_MASK = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF], dtype=np.uint64)


def _case_variants(text: str) -> list[str]:
    variants = [""]
    for char in text:
        options = {char.lower(), char.upper()}
        variants = [prefix + option for prefix in variants for option in sorted(options)]
    return variants


#: Every ASCII case variant of the 1-4 byte placeholders, as (little-endian bytes |
#: length << 32) keys, sorted for ``np.searchsorted``.
_SHORT_KEYS = np.array(
    sorted(
        int.from_bytes(variant.encode(), "little") | (len(variant) << 32)
        for placeholder in PLACEHOLDER_STRINGS
        if placeholder
        for variant in _case_variants(placeholder)
    ),
    dtype=np.uint64,
)


def _short_placeholder_count(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> int:
    """How many of the 1-4 byte strings at ``starts`` are placeholders (any ASCII case).

    Each string's first four bytes become one little-endian key (bytes past its length
    masked off, the length in the high half), looked up among the placeholder keys.
    """
    keys = lengths.astype(np.uint64) << np.uint64(32)
    for position in range(4):
        byte = data.take(starts + position, mode="clip").astype(np.uint64)
        keys |= byte << np.uint64(8 * position)
    keys &= _LENGTH_MASK[lengths] | np.uint64(0xFFFFFFFF00000000)
    found = np.searchsorted(_SHORT_KEYS, keys)
    found[found == _SHORT_KEYS.size] = 0
    return int(np.count_nonzero(_SHORT_KEYS[found] == keys))


#: Rows per block of the text path: its temporaries stay small (cache-resident, reused by
#: the allocator) instead of tens of MiB of fresh pages per column.
_TEXT_BLOCK_ROWS = 65_536
#: Above this many whitespace-padded strings in a chunk, Arrow kernels judge them.
_PADDED_PYTHON_LIMIT = 10_000


def _validity(chunk: pa.Array) -> np.ndarray | None:
    """The chunk's validity as a bool array (None when it has no nulls)."""
    if chunk.null_count == 0:
        return None
    bitmap = np.frombuffer(chunk.buffers()[0], dtype=np.uint8)
    bits = np.unpackbits(bitmap, count=chunk.offset + len(chunk), bitorder="little")
    return bits[chunk.offset :].view(bool)


def _arrow_placeholder_count(array: pa.ChunkedArray) -> int:
    """Non-null strings that are empty, whitespace only or a placeholder.

    Works on the raw UTF-8 bytes with numpy (no per-string Python, no string copies), with
    a handful of passes over the offsets: each string's first and last byte are looked up
    in a flag table, and only the flagged strings are examined further. Unpadded strings of
    1-4 bytes starting with 'n', 'N' or '-' are matched as integer keys against every ASCII
    case variant of the placeholders; strings that may start or end with
    whitespace are stripped and compared as text (rare in real data).
    """
    count = 0
    for chunk in array.chunks:
        if len(chunk) == chunk.null_count:
            continue
        offset_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(chunk.buffers()[1], dtype=offset_type)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ]
        valid = _validity(chunk)
        data_buffer = chunk.buffers()[2]
        data: np.ndarray[Any, np.dtype[np.uint8]] = (
            np.frombuffer(data_buffer, dtype=np.uint8)
            if data_buffer is not None and data_buffer.size
            else np.zeros(1, dtype=np.uint8)  # every string is empty; nothing is read
        )
        padded_rows: list[np.ndarray] = []
        for low in range(0, len(chunk), _TEXT_BLOCK_ROWS):
            high = min(low + _TEXT_BLOCK_ROWS, len(chunk))
            block_valid = None if valid is None else valid[low:high]
            found, padded = _text_block_count(data, offsets[low : high + 1], block_valid)
            count += found
            if padded.size:
                padded_rows.append(padded + low)
        if not padded_rows:
            continue
        rows = np.concatenate(padded_rows)
        candidates = chunk.take(pa.array(rows))
        if rows.size <= _PADDED_PYTHON_LIMIT:
            count += sum(1 for text in candidates.to_pylist() if is_placeholder_string(text))
        else:
            normalized = pc.utf8_lower(pc.utf8_trim_whitespace(candidates))
            count += int(pc.sum(pc.is_in(normalized, value_set=_PLACEHOLDER_VALUE_SET)).as_py() or 0)
    return count


def _text_block_count(
    data: np.ndarray, offsets: np.ndarray, valid: np.ndarray | None
) -> tuple[int, np.ndarray]:
    """Empty strings and unpadded placeholders in one block; and the rows that may be padded.

    Only the first byte of every string is read: a string whose first byte is neither
    whitespace (or the lead byte of a wider space) nor 'n', 'N', '-' cannot be a placeholder,
    padded at its end or not (stripped, it still starts with that byte). The last byte is
    read for the few strings left.
    """
    offsets = offsets.astype(np.int64, copy=False)
    starts, ends = offsets[:-1], offsets[1:]
    empty = np.equal(starts, ends)
    if valid is not None:
        empty &= valid
    count = int(np.count_nonzero(empty))
    # mode="clip": an empty string's index may point past its bytes (such rows are dropped).
    first = _FIRST_BYTE_FLAGS.take(data.take(starts, mode="clip"))
    rows = np.flatnonzero(first != 0)  # on bools: numpy's nonzero is ~6x slower on uint8
    if rows.size == 0:
        return count, rows
    lengths = ends[rows] - starts[rows]
    keep = lengths > 0
    if valid is not None:
        keep &= valid[rows]
    rows, lengths, first = rows[keep], lengths[keep], first[rows[keep]]
    flags = first | _LAST_BYTE_FLAGS.take(data.take(ends[rows] - 1))
    padded = (flags & _SPACE).astype(bool)
    short = ~padded & (first == _PLACEHOLDER_START) & (lengths <= 4)
    if short.any():
        count += _short_placeholder_count(data, starts[rows[short]], lengths[short])
    return count, rows[padded]
