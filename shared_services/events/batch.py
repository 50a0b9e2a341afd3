"""Lean buffered events and the batch a flush hands to ``load_table_from_json``.

A buffered event is either a row dict (as :func:`~shared_services.events.model.build_event_row`
returns it) or, for the common case, a *lean entry*: a tuple of the row's values in schema
order (``EVENT_COLUMNS``) with REPEATED values as tuples and, for events built by the quiet
path, ``event_timestamp`` / ``created_at`` as integer microseconds since the epoch (the row
holds their text, :func:`~shared_services.events.model.stamp_text`). A tuple of strings, numbers and
``None`` is untracked by the cyclic garbage collector, so 10,000 pending events cost it
nothing, where 10,000 dicts (each holding a list) were traversed on every full collection.

:class:`EventBatch` is what a flush writes: a ``Sequence[dict]`` whose rows are the JSON rows
of today (materialised on access, ``batch_id`` filled in), so the real BigQuery client, the
dead-letter spool and every other reader see exactly the rows they always saw, and which
also hands its columns over (:meth:`EventBatch.to_columns`, one transposition in C; the two
timestamps as an Arrow array of instants) so the embedded warehouse can skip the per-row
dict-to-column conversion and the text-to-timestamp cast.

Example::

    batch = EventBatch(buffer.take_entries(), batch_id=new_event_id())
    batch[0]['batch_id'] == batch.batch_id          # True (unless the row had its own)
    columns = batch.to_columns()                    # {'event_id': [...], ...} or None
    client.load_table_from_json(batch, table, job_config=config)   # one load job
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from itertools import chain, compress, repeat
from typing import Any, overload

import pyarrow as pa
import pyarrow.compute as pc

from shared_services.bigquery.schemas import COVERAGE_LOG_SCHEMA
from shared_services.events.model import (
    _KNOWN_STAMPS,
    EVENT_COLUMNS,
    entry_row,
    stamp_micros,
    stamp_text,
)

__all__ = ["Entry", "EventBatch", "row_of"]

#: A buffered event: a row dict, or a lean tuple in ``EVENT_COLUMNS`` order.
Entry = dict[str, Any] | tuple[Any, ...]

_WIDTH = len(EVENT_COLUMNS)
_BATCH_ID = EVENT_COLUMNS.index("batch_id")
_EVENT_ID = EVENT_COLUMNS.index("event_id")
#: A row dict's values in ``EVENT_COLUMNS`` order, as a tuple.
_ROW_VALUES = operator.itemgetter(*EVENT_COLUMNS)
#: Columns a lean entry may hold as integer microseconds (see ``model.stamp_text``).
_STAMP_NAMES = ("event_timestamp", "created_at")
_STAMP_INDEXES = tuple(EVENT_COLUMNS.index(name) for name in _STAMP_NAMES)
_STAMP_TYPE = pa.timestamp("us", tz="UTC")
_INT_ONLY = {int}
_ENTRY_ID = operator.itemgetter(_EVENT_ID)
_ID_KEY: dict[type, Any] = {tuple: _EVENT_ID, dict: "event_id"}
_IS_DICT = dict.__instancecheck__
_NONE = type(None)


def _entry_arrow_type(name: str, bq_type: str, mode: str) -> tuple[pa.DataType, frozenset[type] | None]:
    """A log column's Arrow type in :meth:`EventBatch.to_columns`' Arrow form, and the exact
    Python types a dict entry's value may have there (None: a list or tuple of ``str``)."""
    if mode == "REPEATED":
        return pa.list_(pa.string()), None
    if name in _STAMP_NAMES:
        return _STAMP_TYPE, frozenset({int})  # instants (dict entries' text is read back first)
    if bq_type in ("STRING", "DATE", "TIMESTAMP"):  # a DATE or any other TIMESTAMP: the rows' text
        return pa.string(), frozenset({str, _NONE})
    if bq_type in ("BOOL", "BOOLEAN"):
        return pa.bool_(), frozenset({bool, _NONE})
    if bq_type in ("FLOAT64", "FLOAT"):
        return pa.float64(), frozenset({float, int, _NONE})
    raise AssertionError(f"no Arrow form for log column {name} ({bq_type})")  # pragma: no cover


_ENTRY_TYPES = [_entry_arrow_type(f.name, f.field_type.upper(), (f.mode or "NULLABLE").upper())
                for f in COVERAGE_LOG_SCHEMA]
#: The Arrow type of a whole entry: pyarrow converts a list of entries to it in C++, column by
#: column in one pass (the transposition and every column's conversion at once).
_ENTRY_STRUCT = pa.struct([pa.field(name, arrow) for name, (arrow, _) in zip(EVENT_COLUMNS, _ENTRY_TYPES, strict=True)])
_ENTRY_ALLOWED = tuple(allowed for _, allowed in _ENTRY_TYPES)


def row_of(entry: Entry) -> dict[str, Any]:
    """The row dict of a buffered event (a dict entry is returned as is).

    Example::

        row_of(('a', ...))['event_id']  # 'a'
    """
    return entry if isinstance(entry, dict) else entry_row(entry)


def _stamp_column(values: Sequence[Any], memo: dict[str, int | None]) -> pa.Array | Sequence[Any]:
    """A timestamp column of a batch: a ``timestamp[us, UTC]`` Arrow array when every value is
    a lean entry's integer or the exact text :func:`stamp_text` writes (the instant that text
    names), else the values as the rows hold them (integers as their text)."""
    kinds = set(map(type, values))
    if int not in kinds:
        return values
    if kinds != _INT_ONLY:
        # In C: an integer stays itself (the cache holds only text), a stamp this process wrote
        # (model's cache) becomes its instant; anything else is read back one by one below.
        micros: list[Any] = list(map(_KNOWN_STAMPS.get, values, values))
        if set(map(type, micros)) != _INT_ONLY:
            micros = [value if type(value) is int else _memo_micros(value, memo) for value in values]
            if None in micros:
                return [stamp_text(v) if type(v) is int else v for v in values]
        values = micros
    return pa.array(values, type=_STAMP_TYPE)


def _memo_micros(text: Any, memo: dict[str, int | None]) -> int | None:
    if type(text) is not str:
        return None
    try:
        return memo[text]
    except KeyError:
        micros = memo[text] = stamp_micros(text)
        return micros


class EventBatch(Sequence[dict[str, Any]]):
    """One flush's events: a sequence of row dicts that also exposes its columns.

    Dict entries get ``batch_id`` set in place when they have none (as flushes always did);
    lean entries get it when materialised. Iterating twice gives equal rows (fresh dicts for
    lean entries), so a retry, the job id and the spool all see the same content.

    Example::

        batch = EventBatch(entries, batch_id='b1')
        len(batch), list(batch) == [row_of(e) | {'batch_id': 'b1'} for e in entries]
    """

    __slots__ = ("_entries", "batch_id")

    def __init__(self, entries: list[Entry], batch_id: str) -> None:
        self._entries = entries
        self.batch_id = batch_id
        row: dict[str, Any]
        for row in filter(_IS_DICT, entries):  # type: ignore[assignment]  # only the dicts reach Python
            row["batch_id"] = row.get("batch_id") or batch_id

    def __len__(self) -> int:
        return len(self._entries)

    def _row(self, entry: Entry) -> dict[str, Any]:
        if type(entry) is dict:
            return entry
        row = row_of(entry)
        row["batch_id"] = row["batch_id"] or self.batch_id
        return row

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._row(entry) for entry in self._entries[index]]
        return self._row(self._entries[index])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return map(self._row, self._entries)

    def __repr__(self) -> str:
        return f"EventBatch({len(self._entries)} events, batch_id={self.batch_id!r})"

    def event_ids(self) -> list[Any]:
        """``row.get('event_id')`` of every row (what the load job id is derived from)."""
        entries = self._entries
        kinds = list(map(type, entries))
        if kinds.count(tuple) == len(kinds):
            return list(map(_ENTRY_ID, entries))
        if kinds.count(dict) + kinds.count(tuple) == len(kinds):  # each entry's own key, in C
            try:
                return list(map(operator.getitem, entries, map(_ID_KEY.__getitem__, kinds)))
            except KeyError:
                pass  # a dict row without an event_id: .get below
        return [entry.get("event_id") if isinstance(entry, dict) else entry[_EVENT_ID] for entry in entries]

    def to_columns(self) -> dict[str, Sequence[Any]] | None:
        """``{column: values}`` for every log column (a list or tuple in row order), the values
        as the rows hold them (REPEATED values as lists or tuples, which load alike); None when
        a dict entry does not have exactly the log's columns (then only the rows describe the
        batch). ``event_timestamp`` and ``created_at`` come as a ``timestamp[us, UTC]`` Arrow
        array of the instants the rows' text names when the batch holds lean entries and every
        text is the canonical one (``model.stamp_text``), else as the rows' text.

        One transposition in C; no per-row container is allocated for lean entries (each
        allocation counts towards a cyclic-GC pass over everything the process holds), one
        tuple per dict entry (its values in schema order, read in C).
        """
        entries = self._entries
        if not entries:
            return {name: [] for name in EVENT_COLUMNS}
        kinds = list(map(type, entries))
        dicts = kinds.count(dict)
        if dicts + kinds.count(tuple) != len(entries) or set(map(len, entries)) - {_WIDTH}:
            return None
        arrow = self._arrow_columns(entries, kinds)
        if arrow is not None:
            return arrow
        if dicts:  # each dict entry as its values in schema order (read by name, in C)
            entries = list(entries)
            positions = list(compress(range(len(kinds)), map(operator.is_, kinds, repeat(dict))))
            try:  # 36 keys (checked above), every log column among them: exactly the log's columns
                values = list(map(_ROW_VALUES, map(entries.__getitem__, positions)))
            except KeyError:
                return None
            for index, row_values in zip(positions, values, strict=True):
                entries[index] = row_values
        # One transposition in C: the entries' values in one flat list (read in order), then
        # every 36th value from each column's offset (a strided slice). Twice as fast as
        # ``zip(*entries)``, which walks all the entries once per column.
        flat = list(chain.from_iterable(entries))
        columns: list[Any] = [flat[index::_WIDTH] for index in range(_WIDTH)]
        batch_id = self.batch_id
        ids = columns[_BATCH_ID]
        # Lean entries hold None, dict rows this batch's id (set above) unless they had their own.
        columns[_BATCH_ID] = [batch_id] * len(ids) if ids.count(None) + ids.count(batch_id) == len(ids) \
            else [v or batch_id for v in ids]
        memo: dict[str, int | None] = {}  # a dict row's two stamps are usually one text
        for index in _STAMP_INDEXES:
            columns[index] = _stamp_column(columns[index], memo)
        return dict(zip(EVENT_COLUMNS, columns, strict=True))

    def _arrow_columns(self, entries: list[Entry], kinds: list[type]) -> dict[str, Sequence[Any]] | None:
        """:meth:`to_columns` as Arrow arrays, or None for the lists form.

        Lean entries hold exactly the column's Python types (both paths that build them,
        ``model._quiet_entry`` and the general row's values, convert every value to its
        column's type first; ``apply_alert_marks`` writes a bool and two ``str``), so pyarrow
        converts them without coercing anything; a general-path entry's two stamps are text,
        read back to instants here. A dict entry is taken only when each value has one of its
        column's exact types (pyarrow would turn ``True`` into ``1.0`` in a FLOAT column, or a
        ``str`` into a list of its letters in a REPEATED one). Any stamp that is not the
        canonical text, or a conversion pyarrow refuses, gives None (the lists form, which the
        loader checks value by value).
        """
        rows: list[Any] = entries
        if kinds.count(dict):
            rows = list(entries)
            for index, kind in enumerate(kinds):
                if kind is dict:
                    values = _vetted_values(rows[index])
                    if values is None:
                        return None
                    rows[index] = values
        try:
            columns = _struct_columns(rows)
        except (pa.ArrowException, TypeError, ValueError, OverflowError, UnicodeError):
            # Stamps as text (entries of the general path): read back, entry by entry, and
            # converted once more; anything else pyarrow refuses: the lists form.
            try:
                columns = _struct_columns([_with_instants(row) for row in rows])
            except (pa.ArrowException, TypeError, ValueError, OverflowError, UnicodeError):
                return None
        batch_ids = columns[_BATCH_ID]
        # A lean entry has no batch id (None), a dict row its own or this batch's (set above):
        # empty text counts as none, as ``_row`` reads it.
        if batch_ids.null_count == len(batch_ids):
            columns[_BATCH_ID] = pa.repeat(pa.scalar(self.batch_id, pa.string()), len(batch_ids))
        else:
            missing = pc.fill_null(pc.equal(batch_ids, ""), True)
            columns[_BATCH_ID] = pc.if_else(missing, pa.scalar(self.batch_id, pa.string()), batch_ids)
        return dict(zip(EVENT_COLUMNS, columns, strict=True))


def _struct_columns(rows: list[Any]) -> list[pa.Array]:
    """The entries' columns (one pass in C++ over value tuples in schema order)."""
    return pa.array(rows, type=_ENTRY_STRUCT).flatten()  # type: ignore[no-any-return]


def _with_instants(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """``row`` with its two stamps as integer microseconds, a text one read back with
    :func:`~shared_services.events.model.stamp_micros`; ``ValueError`` for any other text
    (the rows' own text then goes over in the lists form, never a NULL in its place)."""
    if all(type(row[at]) is int for at in _STAMP_INDEXES):
        return row
    values = list(row)
    for at in _STAMP_INDEXES:
        if type(values[at]) is not int and values[at] is not None:
            values[at] = stamp_micros(values[at])
            if values[at] is None:
                raise ValueError("a stamp that is not the canonical text")
    return tuple(values)


def _vetted_values(row: dict[str, Any]) -> tuple[Any, ...] | None:
    """A dict entry's values in schema order with its stamps as integer microseconds, when
    every value has one of its column's exact types (:data:`_ENTRY_ALLOWED`); else None."""
    try:
        values = _with_instants(_ROW_VALUES(row))
    except (KeyError, ValueError):  # a column missing, a stamp that is not the canonical text
        return None
    for value, allowed in zip(values, _ENTRY_ALLOWED, strict=True):
        if allowed is None:
            if value is not None and (type(value) not in (list, tuple) or not all(type(v) is str for v in value)):
                return None
        elif type(value) not in allowed:
            return None
    return tuple(values)


def as_rows(rows: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any]]:
    """``rows`` itself when it is an :class:`EventBatch` (re-iterable), else a list copy."""
    return rows if isinstance(rows, EventBatch) else list(rows)
