"""Compare what two demo runs wrote: every warehouse table, rows sorted, volatile values removed.

    .venv/bin/python bench/demo_fingerprint.py A/demo.duckdb B/demo.duckdb   # exit 1 on a difference
    .venv/bin/python bench/demo_fingerprint.py A/demo.duckdb                 # per-table digests

A speed change to the demo (or to anything it runs) must not change what it produces. Run
``coverage-demo --out A`` on the old code and ``--out B`` on the new one (same ``--days``,
``--seed``, ``--start``), then compare the two warehouse files with this script. It reads every
base table of the product's datasets (``_embedded_meta`` is the embedded warehouse's own
bookkeeping - job records and the catalog - and is compared only by its catalog rows), drops
the values that differ between two runs of the SAME code (wall-clock timestamps and random
ids, listed in :data:`VOLATILE_COLUMNS`; inside JSON columns the keys in
:data:`VOLATILE_JSON_KEYS`; of those only whether they are NULL is kept), sorts the rows and compares them as multisets. Any other
difference - a row, a tier, a score, an event, a flag - is printed, table by table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from typing import Any

import duckdb

#: Columns whose values are wall-clock timestamps or random ids (differ between two runs of
#: the same code and seed). Everything else must be equal.
VOLATILE_COLUMNS = frozenset({
    "processed_at", "quality_calculated_at", "source_quality_max_calculated_at",
    "prediction_timestamp", "processor_run_id", "event_id", "batch_id", "event_timestamp",
    "created_at", "alert_sent_at", "resolved_at",
})
#: Keys inside JSON columns (``quality_metadata``) holding timestamps or run ids.
VOLATILE_JSON_KEYS = frozenset({"assessment_timestamp", "max_input_quality_calculated_at"})
#: The embedded warehouse's bookkeeping; only the catalog is compared (job ids and times are random).
META_SCHEMA = "_embedded_meta"


def _presence(value: Any) -> str | None:
    """A volatile value reduced to what is deterministic about it: whether it is set."""
    return None if value is None else "<set>"


def _normalise_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _presence(v) if k in VOLATILE_JSON_KEYS else _normalise_json(v)
                for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_normalise_json(v) for v in value]
    return value


def table_rows(path: str) -> dict[str, list[str]]:
    """``schema.table`` -> the table's rows (volatile columns removed) as sorted JSON lines."""
    con = duckdb.connect(path, read_only=True)
    try:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' ORDER BY 1, 2").fetchall()
        out: dict[str, list[str]] = {}
        for schema, table in tables:
            if schema == META_SCHEMA and table != "tables":
                continue
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                [schema, table]).fetchall()
            select = ", ".join(f'"{name}"' for name, _ in columns)
            lines = []
            for row in con.execute(f'SELECT {select} FROM "{schema}"."{table}"').fetchall():  # noqa: S608
                record = {}
                for (name, kind), value in zip(columns, row, strict=True):
                    if name in VOLATILE_COLUMNS:
                        value = _presence(value)
                    elif kind == "JSON" and value is not None:
                        value = _normalise_json(json.loads(value))
                    record[name] = value
                lines.append(json.dumps(record, sort_keys=True, default=str))
            out[f"{schema}.{table}"] = sorted(lines)
        return out
    finally:
        con.close()


def digests(rows: dict[str, list[str]]) -> dict[str, str]:
    """``schema.table`` -> '<rows> rows sha256:<first 16 hex digits>'."""
    return {t: f"{len(lines)} rows sha256:{hashlib.sha256(chr(10).join(lines).encode()).hexdigest()[:16]}"
            for t, lines in rows.items()}


def compare(a: dict[str, list[str]], b: dict[str, list[str]], show: int = 5) -> list[str]:
    """Human-readable differences between two :func:`table_rows` results (empty when equal)."""
    problems = []
    for table in sorted(set(a) | set(b)):
        if table not in a or table not in b:
            problems.append(f"{table}: only in {'first' if table in a else 'second'}")
            continue
        only_a = Counter(a[table]) - Counter(b[table])
        only_b = Counter(b[table]) - Counter(a[table])
        if only_a or only_b:
            problems.append(f"{table}: {len(a[table])} vs {len(b[table])} rows, "
                            f"{sum(only_a.values())} only in first, {sum(only_b.values())} only in second")
            problems += [f"  - {line[:400]}" for line in list(only_a.elements())[:show]]
            problems += [f"  + {line[:400]}" for line in list(only_b.elements())[:show]]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", help="a demo warehouse file (DIR/demo.duckdb)")
    parser.add_argument("second", nargs="?", help="another one to compare with the first")
    args = parser.parse_args(argv)
    first = table_rows(args.first)
    if args.second is None:
        for table, digest in digests(first).items():
            print(f"{table:<45} {digest}")
        return 0
    second = table_rows(args.second)
    problems = compare(first, second)
    for table, digest in digests(first).items():
        print(f"{table:<45} {digest}  {'same' if digest == digests(second).get(table) else 'DIFFERENT'}")
    print("\n".join(problems) if problems else "equal: every table, every row (volatile columns excluded)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
