"""The dead-letter spool: batches that could not be loaded, kept as NDJSON until replayed.

A spilled batch is one file written atomically (temporary file, fsync, rename), so a crash
mid-write never leaves half a batch under a final name. Each file ends with a trailer line
that names its table and job id and carries its row count and the SHA-256 of the row lines::

    {"event_id": "...", ...}
    {"event_id": "...", ...}
    {"__coverage_spool__": 1, "job_id": "coverage_...", "rows": 2, "sha256": "9f2c...", "table": "..."}

so a file cut anywhere, even exactly at a line boundary, is detected instead of half-loaded.
The trailer is authoritative; the file name ``<table>__<job_id>.ndjson`` is for people, and a
part that is too long or not file-name safe is replaced by its hash (every valid table id can
be spilled).

Sub-directories: ``replayed/`` (loaded, kept for the record, never loaded again) and
``quarantine/`` (damaged or not allowed, each with a ``.reason`` file; never loaded
automatically). A file being replayed is locked (``flock``), so two replays at once never
load or move the same file twice.

The directory is ``$COVERAGE_DEAD_LETTER_DIR``, else ``./coverage_dead_letter``.

Example::

    spool = DeadLetterSpool('/var/spool/coverage')
    path = spool.spill('nba_reference.source_coverage_log', 'coverage_log_ab12', rows, 'timeout')
    for batch in spool.pending():
        print(batch.table, batch.job_id, len(batch.rows))
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared_services.bigquery.identifiers import validate_table_id
from shared_services.events.text import log_safe, valid_value

try:  # POSIX only; without it two replays at once may both try a file (still exactly-once)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "ENV_DEAD_LETTER_DIR",
    "DEFAULT_DEAD_LETTER_DIR",
    "DeadLetterSpool",
    "DamagedSpoolFile",
    "SpilledBatch",
]

logger = logging.getLogger(__name__)

ENV_DEAD_LETTER_DIR = "COVERAGE_DEAD_LETTER_DIR"
#: Tables besides the coverage log that replay may load into (comma-separated table ids).
ENV_REPLAY_TABLES = "COVERAGE_REPLAY_TABLES"


def extra_replay_tables(environ: Any = None) -> list[str]:
    """The table ids ``$COVERAGE_REPLAY_TABLES`` names, validated (``InvalidIdentifierError``,
    a ``ValueError``, names a bad one). Light: the replay command checks them before it opens
    anything.

    Example::

        >>> extra_replay_tables({'COVERAGE_REPLAY_TABLES': ' ops.log_v2 ,'})
        ['ops.log_v2']
    """
    env = os.environ if environ is None else environ
    return [validate_table_id(t.strip()) for t in env.get(ENV_REPLAY_TABLES, "").split(",") if t.strip()]
DEFAULT_DEAD_LETTER_DIR = "coverage_dead_letter"
_SAFE = re.compile(r"^[A-Za-z0-9_.\-]+$")
_SUFFIX = ".ndjson"
_TMP_PREFIX = ".spill-"
_TMP_SUFFIX = ".tmp"
#: Marker files of :meth:`DeadLetterSpool.claim_notice` (one per table and hour).
_NOTICE_PREFIX = ".notice-"
_TRAILER_KEY = "__coverage_spool__"
_FORMAT_VERSION = 1
#: A file-name part longer than this is replaced by its hash (names stay under 255 bytes).
_MAX_NAME_PART = 100


class DamagedSpoolFile(ValueError):
    """A spool file that cannot be trusted: cut, corrupted, or not written by the spool."""


@dataclass(frozen=True)
class SpilledBatch:
    """One spilled file: where it goes, under which job id, and its rows."""

    path: Path
    table: str
    job_id: str
    rows: list[dict[str, Any]]


def _name_part(value: str) -> str:
    if _SAFE.match(value) and len(value) <= _MAX_NAME_PART and not value.startswith("."):
        return value
    return "h" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _encode_rows(rows: Sequence[dict[str, Any]]) -> bytes:
    """The row lines; never fails on content (invalid text replaced, odd types as str)."""
    lines = []
    for row in rows:
        text = json.dumps(valid_value(row), sort_keys=True, ensure_ascii=False, default=str)
        lines.append(text.encode("utf-8", "replace") + b"\n")
    return b"".join(lines)


def _trailer(table: str, job_id: str, count: int, body: bytes) -> bytes:
    trailer = {_TRAILER_KEY: _FORMAT_VERSION, "table": table, "job_id": job_id, "rows": count,
               "sha256": hashlib.sha256(body).hexdigest()}
    return json.dumps(valid_value(trailer), sort_keys=True).encode("utf-8") + b"\n"


def _parse_spool_bytes(data: bytes, where: str) -> tuple[str, str, list[dict[str, Any]]]:
    """Check and parse a spool file's bytes: ``(table, job_id, rows)`` or :class:`DamagedSpoolFile`."""
    body, sep, last = data.rstrip(b"\n").rpartition(b"\n")
    if not sep:  # a single line: it must be the trailer of an empty batch
        body, last = b"", data.rstrip(b"\n")
    else:
        body += b"\n"
    try:
        trailer = json.loads(last.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        trailer = None
    if not isinstance(trailer, dict) or trailer.get(_TRAILER_KEY) != _FORMAT_VERSION:
        raise DamagedSpoolFile(f"{where}: no spool trailer on the last line (file cut short, or "
                               "not written by the dead-letter spool)")
    table, job_id, count = trailer.get("table"), trailer.get("job_id"), trailer.get("rows")
    if not isinstance(table, str) or not isinstance(job_id, str) or not isinstance(count, int):
        raise DamagedSpoolFile(f"{where}: spool trailer lacks table, job_id or rows")
    if hashlib.sha256(body).hexdigest() != trailer.get("sha256"):
        raise DamagedSpoolFile(f"{where}: checksum mismatch (file damaged or edited)")
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(body.splitlines(), start=1):
        try:
            row = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DamagedSpoolFile(f"{where}:{number}: invalid JSON: {exc}") from None
        if not isinstance(row, dict):
            raise DamagedSpoolFile(f"{where}:{number}: expected a JSON object per line")
        rows.append(row)
    if len(rows) != count:
        raise DamagedSpoolFile(f"{where}: {len(rows)} row(s) but the trailer says {count}")
    return table, job_id, rows


class DeadLetterSpool:
    """A directory of spilled NDJSON batches.

    Example::

        spool = DeadLetterSpool()          # $COVERAGE_DEAD_LETTER_DIR or ./coverage_dead_letter
        len(list(spool.pending()))
    """

    #: A ``.tmp`` file younger than this may belong to a spill in progress; it is left alone.
    TEMP_GRACE_SECONDS: float = 5.0

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        chosen = directory if directory is not None else os.environ.get(ENV_DEAD_LETTER_DIR) or DEFAULT_DEAD_LETTER_DIR
        self.directory = Path(chosen)

    @property
    def replayed_directory(self) -> Path:
        return self.directory / "replayed"

    @property
    def quarantine_directory(self) -> Path:
        return self.directory / "quarantine"

    def file_name(self, table: str, job_id: str) -> str:
        """The file name a batch is spilled under (hashed parts when unsafe or too long).

        Example::

            >>> DeadLetterSpool('/x').file_name('ds.t', 'job_1')
            'ds.t__job_1.ndjson'
        """
        return f"{_name_part(table)}__{_name_part(job_id)}{_SUFFIX}"

    # -- writing ---------------------------------------------------------------------------
    def spill(self, table: str, job_id: str, rows: Sequence[dict[str, Any]], reason: str = "") -> Path:
        """Write one batch atomically and return its path.

        Content never makes this fail (invalid text is replaced, see
        :mod:`shared_services.events.text`); only the file system can (``OSError``).
        ``reason`` is recorded in a ``.reason`` text file beside it for the operator.
        """
        body = _encode_rows(rows)
        data = body + _trailer(table, job_id, len(rows), body)
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / self.file_name(table, job_id)
        if reason:  # before the batch appears, so a replay never moves the batch without it
            self._write_reason(final, reason)
        handle, temp_name = tempfile.mkstemp(dir=self.directory, prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX)
        try:
            with os.fdopen(handle, "wb") as out:
                if fcntl is not None:  # tells a concurrent replay this spill is in progress
                    fcntl.flock(out.fileno(), fcntl.LOCK_EX)
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
                os.replace(temp_name, final)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            if reason and not final.exists():
                final.with_suffix(".reason").unlink(missing_ok=True)
            raise
        return final

    @staticmethod
    def _write_reason(path: Path, reason: str) -> None:
        try:
            path.with_suffix(".reason").write_text(log_safe(reason, 10_000) + "\n", encoding="utf-8")
        except OSError:  # the batch itself is safe; the note is a courtesy
            logger.warning("could not write the reason file beside %s", path)

    #: How long one notice about spills into a table covers: the first spill of each hour
    #: notifies, the others of that hour are logged only (an outage across thirty processors
    #: is one error an hour, not thirty).
    NOTICE_SECONDS: int = 3600

    def claim_notice(self, table: str, now: float | None = None) -> bool:
        """True for the first caller, in any process using this directory, to claim the notice
        of ``table``'s spills for the hour of ``now`` (default: the time): that caller notifies,
        the others only log. A marker file made with ``O_EXCL`` decides, so two processes
        spilling at once agree; markers two days old are removed. True as well when the marker
        cannot be made (a full disk): a notice is never lost to the throttle.

        Example::

            spool.claim_notice('nba_reference.source_coverage_log')   # True, then False within the hour
        """
        moment = time.time() if now is None else now
        slot = int(moment // self.NOTICE_SECONDS)
        prefix = f"{_NOTICE_PREFIX}{_name_part(table)}-"
        try:
            handle = os.open(self.directory / f"{prefix}{slot}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        except OSError:
            return True
        os.close(handle)
        for old in self.directory.glob(f"{prefix}*"):
            with contextlib.suppress(OSError, ValueError):
                if int(old.name[len(prefix):]) < slot - 2 * 86400 // self.NOTICE_SECONDS:
                    old.unlink()
        return True

    # -- reading ---------------------------------------------------------------------------
    def files(self) -> list[Path]:
        """Every spool file waiting to be replayed, oldest name first."""
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.glob(f"*{_SUFFIX}") if p.is_file())

    def pending(self) -> Iterator[SpilledBatch]:
        """Every readable spilled batch not yet replayed (damaged files are logged and skipped)."""
        for path in self.files():
            try:
                yield self.read(path)
            except (DamagedSpoolFile, OSError) as exc:
                logger.warning("skipping spool file: %s", log_safe(exc))

    @staticmethod
    def read(path: Path) -> SpilledBatch:
        """Parse and verify one spilled file; a damaged one raises :class:`DamagedSpoolFile`."""
        table, job_id, rows = _parse_spool_bytes(path.read_bytes(), str(path))
        return SpilledBatch(path=path, table=table, job_id=job_id, rows=[valid_value(r) for r in rows])

    @contextlib.contextmanager
    def claim(self, path: Path) -> Iterator[bool]:
        """Lock ``path`` for this process; yields False when another process holds it or it is gone.

        The lock is released on exit, and by the kernel if the process dies.

        Example::

            with spool.claim(path) as mine:
                if mine:
                    ...  # read, load, mark_replayed
        """
        try:
            handle = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            yield False
            return
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
            try:  # still the same file at that path (not moved away by another replay)?
                mine = os.stat(path).st_ino == os.fstat(handle).st_ino
            except FileNotFoundError:
                mine = False
            yield mine
        finally:
            os.close(handle)

    # -- moving ----------------------------------------------------------------------------
    def _move(self, path: Path, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / path.name
        try:
            os.replace(path, target)
        except FileNotFoundError:  # another replay moved it first: same outcome
            return target
        reason = path.with_suffix(".reason")
        with contextlib.suppress(FileNotFoundError):
            os.replace(reason, folder / reason.name)
        return target

    def mark_replayed(self, batch: SpilledBatch) -> Path:
        """Move a replayed file (and its reason) to ``replayed/``; returns the new path."""
        return self._move(batch.path, self.replayed_directory)

    def quarantine(self, path: Path, reason: str) -> Path:
        """Move a file that must not be replayed to ``quarantine/`` with a ``.reason`` file."""
        previous = path.with_suffix(".reason")
        earlier = ""
        with contextlib.suppress(OSError):
            earlier = previous.read_text(encoding="utf-8").strip()
        target = self._move(path, self.quarantine_directory)
        note = f"quarantined {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}: {reason}"
        if earlier:
            note += f"\noriginal spill reason: {earlier}"
        self._write_reason(target, note)
        return target

    # -- leftovers of a killed spill ---------------------------------------------------------
    def temporary_files(self) -> list[Path]:
        """``.tmp`` files left by spills that were killed mid-write (older than the grace time)."""
        if not self.directory.is_dir():
            return []
        cutoff = time.time() - self.TEMP_GRACE_SECONDS
        found = []
        for path in sorted(self.directory.glob(f"{_TMP_PREFIX}*{_TMP_SUFFIX}")):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime <= cutoff:
                    found.append(path)
        return found

    def recover_temporary(self, path: Path) -> tuple[Path | None, str]:
        """Finish a killed spill: a complete ``.tmp`` gets its final name, a partial one is quarantined.

        Returns ``(new path or None, what happened)``; None when the file is in use or gone.
        """
        with self.claim(path) as mine:
            if not mine:
                return None, "in use or already handled by another process"
            try:
                table, job_id, _ = _parse_spool_bytes(path.read_bytes(), str(path))
            except DamagedSpoolFile as exc:
                return self.quarantine(path, f"incomplete spill (killed mid-write): {exc}"), "quarantined"
            final = self.directory / self.file_name(table, job_id)
            os.replace(path, final)
            return final, "recovered"
