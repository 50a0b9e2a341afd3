"""The dead-letter spool: batches that could not be loaded, kept as NDJSON until replayed.

A spilled batch is one file ``<table>__<job_id>.ndjson`` written atomically (temporary file,
fsync, rename), so a crash mid-write never leaves half a batch. Replayed files move to
``replayed/`` beside them; they are kept for the record, never loaded again.

The directory is ``$COVERAGE_DEAD_LETTER_DIR``, else ``./coverage_dead_letter``.

Example::

    spool = DeadLetterSpool('/var/spool/coverage')
    path = spool.spill('nba_reference.source_coverage_log', 'coverage_log_ab12', rows, 'timeout')
    for batch in spool.pending():
        print(batch.table, batch.job_id, len(batch.rows))
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ENV_DEAD_LETTER_DIR", "DEFAULT_DEAD_LETTER_DIR", "DeadLetterSpool", "SpilledBatch"]

ENV_DEAD_LETTER_DIR = "COVERAGE_DEAD_LETTER_DIR"
DEFAULT_DEAD_LETTER_DIR = "coverage_dead_letter"
_SAFE = re.compile(r"^[A-Za-z0-9_.\-]+$")
_SUFFIX = ".ndjson"


@dataclass(frozen=True)
class SpilledBatch:
    """One spilled file: where it goes, under which job id, and its rows."""

    path: Path
    table: str
    job_id: str
    rows: list[dict[str, Any]]


class DeadLetterSpool:
    """A directory of spilled NDJSON batches.

    Example::

        spool = DeadLetterSpool()          # $COVERAGE_DEAD_LETTER_DIR or ./coverage_dead_letter
        len(list(spool.pending()))
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        chosen = directory if directory is not None else os.environ.get(ENV_DEAD_LETTER_DIR) or DEFAULT_DEAD_LETTER_DIR
        self.directory = Path(chosen)

    @property
    def replayed_directory(self) -> Path:
        return self.directory / "replayed"

    def spill(self, table: str, job_id: str, rows: Sequence[dict[str, Any]], reason: str = "") -> Path:
        """Write one batch atomically and return its path.

        ``reason`` is recorded in a ``.reason`` text file beside it for the operator.
        """
        for label, value in (("table", table), ("job_id", job_id)):
            if not _SAFE.match(value):
                raise ValueError(f"dead-letter {label} {value!r} has characters unsafe in a file name")
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / f"{table}__{job_id}{_SUFFIX}"
        handle, temp_name = tempfile.mkstemp(dir=self.directory, prefix=".spill-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                for row in rows:
                    out.write(json.dumps(row, sort_keys=True, ensure_ascii=False))
                    out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp_name, final)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        if reason:
            final.with_suffix(".reason").write_text(reason + "\n", encoding="utf-8")
        return final

    def pending(self) -> Iterator[SpilledBatch]:
        """Every spilled batch not yet replayed, oldest file name first."""
        if not self.directory.is_dir():
            return
        for path in sorted(self.directory.glob(f"*{_SUFFIX}")):
            yield self.read(path)

    @staticmethod
    def read(path: Path) -> SpilledBatch:
        """Parse one spilled file; a malformed line raises ``ValueError`` naming the line."""
        stem = path.name[: -len(_SUFFIX)]
        table, sep, job_id = stem.partition("__")
        if not sep or not table or not job_id:
            raise ValueError(f"{path}: not a dead-letter file name (<table>__<job_id>.ndjson)")
        rows: list[dict[str, Any]] = []
        with path.open(encoding="utf-8") as source:
            for number, line in enumerate(source, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{number}: invalid JSON: {exc}") from None
                if not isinstance(row, dict):
                    raise ValueError(f"{path}:{number}: expected a JSON object per line")
                rows.append(row)
        return SpilledBatch(path=path, table=table, job_id=job_id, rows=rows)

    def mark_replayed(self, batch: SpilledBatch) -> Path:
        """Move a replayed file (and its reason) to ``replayed/``; returns the new path."""
        self.replayed_directory.mkdir(parents=True, exist_ok=True)
        target = self.replayed_directory / batch.path.name
        os.replace(batch.path, target)
        reason = batch.path.with_suffix(".reason")
        if reason.exists():
            os.replace(reason, self.replayed_directory / reason.name)
        return target
