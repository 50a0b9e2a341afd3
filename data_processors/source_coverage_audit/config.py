"""Which tables the audit checks, and how each one spells a game.

Real tables disagree on game ids: some use the NBA id ('0022400561'), some
'YYYYMMDD_AWAY_HOME' ('20250115_LAL_BOS'). Each :class:`AuditTable` says which, plus its id
column and its date (partition) column. Configure from Python or from a YAML / TOML file::

    # audit.yaml
    tables:
      - table: nba_raw.nbac_team_boxscore
        id_column: game_id
        date_column: game_date
        key_format: date_away_home
      - table: nba_analytics.player_game_summary
        tracks_quality: true

Example::

    tables = load_audit_tables('audit.yaml')
    SourceCoverageAuditProcessor(tables=tables)
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from shared_services.bigquery.identifiers import (
    InvalidIdentifierError,
    validate_column_name,
    validate_table_id,
)

__all__ = [
    "AuditConfigError",
    "AuditTable",
    "KEY_FORMATS",
    "DEFAULT_AUDIT_TABLES",
    "game_key",
    "validate_audit_tables",
    "load_audit_tables",
    "check_tables_exist",
]

#: nba_id: the schedule's game_id; date_away_home: YYYYMMDD_AWAY_HOME from the schedule row.
KEY_FORMATS = ("nba_id", "date_away_home")


class AuditConfigError(ValueError):
    """The audit's table configuration is invalid (raised before any query); exit 2 in commands."""

    exit_code = 2


@dataclass(frozen=True)
class AuditTable:
    """One checked table: its id, id column, date (partition) column and game-key format.

    Example::

        AuditTable('nba_raw.nbac_team_boxscore', key_format='date_away_home')
    """

    table: str
    id_column: str = "game_id"
    date_column: str = "game_date"
    key_format: str = "nba_id"
    #: The table carries the standard quality columns: rows with ``quality_calculated_at`` set
    #: were written by a coverage-integrated processor run, which counts as a coverage record.
    tracks_quality: bool = False


DEFAULT_AUDIT_TABLES: tuple[AuditTable, ...] = (
    AuditTable("nba_raw.nbac_team_boxscore", key_format="date_away_home"),
    AuditTable("nba_raw.nbac_gamebook_player_stats"),
    AuditTable("nba_analytics.player_game_summary", tracks_quality=True),
    AuditTable("nba_analytics.team_offense_game_summary", key_format="date_away_home", tracks_quality=True),
)


def game_key(key_format: str, game_id: str, game_date: date, away: str | None, home: str | None) -> str:
    """The key a table uses for one scheduled game.

    Example::

        >>> game_key('date_away_home', '0022400561', date(2025, 1, 15), 'LAL', 'BOS')
        '20250115_LAL_BOS'
        >>> game_key('nba_id', '0022400561', date(2025, 1, 15), 'LAL', 'BOS')
        '0022400561'
    """
    if key_format == "nba_id":
        return game_id
    if key_format == "date_away_home":
        return f"{game_date:%Y%m%d}_{away or ''}_{home or ''}"
    raise AuditConfigError(f"unknown key_format {key_format!r}; expected one of {', '.join(KEY_FORMATS)}")


def _entry(raw: Any, where: str) -> AuditTable:
    if isinstance(raw, AuditTable):
        values: dict[str, Any] = {
            "table": raw.table, "id_column": raw.id_column, "date_column": raw.date_column,
            "key_format": raw.key_format, "tracks_quality": raw.tracks_quality,
        }
    elif isinstance(raw, Mapping):
        values = dict(raw)
    elif isinstance(raw, str):
        values = {"table": raw}
    else:
        raise AuditConfigError(f"{where}: expected a table entry (mapping), got {type(raw).__name__}")
    allowed = ("table", "id_column", "date_column", "key_format", "tracks_quality")
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise AuditConfigError(f"{where}: unknown key(s) {unknown}; allowed: {', '.join(allowed)}")
    if "table" not in values:
        raise AuditConfigError(f"{where}: missing 'table'")
    label = f"{where} ({values.get('table')!r})"
    try:
        table = validate_table_id(values["table"])
        id_column = validate_column_name(values.get("id_column", "game_id"))
        date_column = validate_column_name(values.get("date_column", "game_date"))
    except InvalidIdentifierError as exc:
        raise AuditConfigError(f"{label}: {exc}") from None
    key_format = values.get("key_format", "nba_id")
    if key_format not in KEY_FORMATS:
        raise AuditConfigError(
            f"{label}: unknown key_format {key_format!r}; expected one of {', '.join(KEY_FORMATS)}")
    tracks_quality = values.get("tracks_quality", False)
    if not isinstance(tracks_quality, bool):
        raise AuditConfigError(f"{label}: tracks_quality must be true or false, got {tracks_quality!r}")
    return AuditTable(table, id_column, date_column, key_format, tracks_quality)


def validate_audit_tables(tables: Iterable[Any]) -> tuple[AuditTable, ...]:
    """Check every entry; the error names the bad entry by position and table.

    Example::

        validate_audit_tables([{'table': 'nba_raw.x', 'key_format': 'nba_id'}])
    """
    if isinstance(tables, str | bytes | Mapping):
        raise AuditConfigError("tables must be a list of table entries")
    checked = tuple(_entry(raw, f"tables[{index}]") for index, raw in enumerate(tables))
    if not checked:
        raise AuditConfigError("tables: at least one table must be configured")
    seen: set[str] = set()
    for index, entry in enumerate(checked):
        if entry.table in seen:
            raise AuditConfigError(f"tables[{index}] ({entry.table!r}): listed more than once")
        seen.add(entry.table)
    return checked


def load_audit_tables(path: str | Path) -> tuple[AuditTable, ...]:
    """Read ``tables`` from a ``.yaml`` / ``.yml`` / ``.toml`` file and validate it."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuditConfigError(f"cannot read audit config {file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise AuditConfigError(f"audit config {file} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        if file.suffix.lower() == ".toml":
            data: Any = tomllib.loads(text)
        elif file.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            raise AuditConfigError(f"{file}: unsupported config type {file.suffix!r}; use .yaml, .yml or .toml")
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise AuditConfigError(f"{file}: cannot parse: {exc}") from None
    if not isinstance(data, Mapping) or "tables" not in data:
        raise AuditConfigError(f"{file}: expected a top-level 'tables' list")
    entries: Sequence[Any] = data["tables"]
    try:
        return validate_audit_tables(entries)
    except AuditConfigError as exc:
        raise AuditConfigError(f"{file}: {exc}") from None


def check_tables_exist(client: Any, tables: Sequence[AuditTable], source: str | Path | None = None) -> None:
    """Raise :class:`AuditConfigError` naming the entry of the first table the warehouse lacks.

    One metadata call (``get_table``) per table, no query. The message reads
    ``audit.yaml: tables[2]: table nba_analytics.player_gme_summary not found``.

    Example::

        tables = load_audit_tables('audit.yaml')
        check_tables_exist(client, tables, source='audit.yaml')
    """
    from google.api_core.exceptions import NotFound

    prefix = f"{source}: " if source is not None else ""
    for index, entry in enumerate(tables):
        try:
            client.get_table(entry.table)
        except NotFound:
            raise AuditConfigError(
                f"{prefix}tables[{index}]: table {entry.table} not found in the warehouse "
                "(misspelled, or coverage-setup not run?)") from None
