"""Pure quality scoring (SCORING.md rules 1-8): a DataFrame in, a tier and score out.

No I/O, no logging, no clock unless you ask for one (``now``). ``QualityMixin`` builds a
:class:`ScoringConfig` from its ``REQUIRED_FIELDS`` / ``OPTIONAL_FIELDS`` / ``FIELD_WEIGHTS``
/ ``PRIMARY_SOURCES`` class attributes and calls :func:`assess_quality`.

Example::

    >>> import pandas as pd
    >>> from datetime import datetime, timezone
    >>> config = ScoringConfig(
    ...     required_fields=('points', 'rebounds'),
    ...     optional_fields=('plus_minus', 'shot_zones'),
    ...     field_weights={'points': 10, 'rebounds': 8, 'plus_minus': 3, 'shot_zones': 5},
    ... )
    >>> frame = pd.DataFrame({'points': [20, 31], 'rebounds': [5, 9]})
    >>> result = assess_quality(frame, ['primary'], context={'expected_sample_size': 10},
    ...                         config=config, now=datetime(2025, 1, 16, tzinfo=timezone.utc))
    >>> result['tier'], result['score']
    (<QualityTier.BRONZE: 'bronze'>, 73.6)
    >>> result['issues']
    ['missing_optional:plus_minus', 'missing_optional:shot_zones', 'thin_sample:2/10']

Decisions where SCORING.md is silent (all covered by tests):

* **Weighted, unlisted fields.** Rule 4 mentions fields that have a weight but are neither
  required nor optional. Configuration validation rejects a weight for an undeclared field
  (STYLE.md rule 4), so every ``field_weights`` key is a declared field and that case cannot
  occur: declare the field as optional instead.
* **Entirely null.** A column is "entirely null" only when the frame has at least one row
  and every value is null. With zero rows, rule 2 applies only to truly absent columns;
  otherwise rule 3 (``empty_data``) applies.
* **What null means** is :mod:`shared_services.quality.nulls`: missing values, non-finite
  numbers and empty / whitespace-only / placeholder strings (``N/A``, ``NA``, ``null``,
  ``None``, ``-``, any case). Placeholders are judged in every text value, whatever the
  column's dtype (a Python-object column of mixed values is judged value by value).
* **Required null rate** (rule 4): above ``required_null_tolerance`` (0.20) a required field
  costs ``required_null_cost`` (100) x (rate - tolerance), whatever its weight, and caps the
  tier at bronze; above ``required_null_poor_rate`` (0.50) at poor. The cap adds no issue of
  its own: ``high_null_rate:<field>`` already names the cause.
* **Column labels** must be unique and flat (rule 4): duplicates or a ``MultiIndex`` raise
  ``ValueError`` before anything is scored, also for columns nobody declared.
* **Entirely-null optional field** costs its weight once (``missing_optional``), not also a
  null-rate penalty (that is how example #8 scores 90).
* **Tier from the rounded score**, so a result never shows ``95.0`` with tier ``silver``.
* **Unusable results (rules 1-3)** carry only their own issues (``no_data``,
  ``missing_required:*``, ``empty_data``); provenance is still recorded in metadata.
* **Provenance.** A failure entry ends in ``_empty`` or ``_error``. ``sources_used`` that is
  *empty* means provenance unknown: no backup cap and no issue
  (``metadata['source_provenance'] == 'unknown'``). A non-empty list whose entries are all
  failures is treated as backup: the sources that were tried all failed, so whatever data
  arrived cannot be vouched for as primary. ``'reconstructed'`` is never a primary source, so
  ``['reconstructed']`` yields both ``backup_source_used`` and ``reconstructed``.
* **Early-season sample cap** (ratio < 0.3) needs a ``game_date``; with only a context
  expectation the season phase is unknown and the normal 0.5 ratio applies.
* ``context['expected_sample_size']`` of ``None`` counts as not given.
"""

from __future__ import annotations

import math
import numbers
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from shared_services.constants.source_coverage import QualityTier, tier_at_most
from shared_services.events.text import valid_text
from shared_services.quality.nulls import null_count
from shared_services.quality.season import (
    DEFAULT_EARLY_SEASON_GAMES,
    DEFAULT_SAMPLE_THRESHOLDS,
    GameDateLike,
    as_game_date,
    expected_sample_size,
    games_into_season,
    is_early_season,
    season_start,
)

__all__ = [
    "ScoringConfig",
    "ScoringConfigError",
    "assess_quality",
    "expected_sample_for",
    "is_failed_source",
    "uses_backup_source",
    "tier_for_score",
    "ISSUE_NO_DATA",
    "ISSUE_MISSING_REQUIRED",
    "ISSUE_EMPTY_DATA",
    "ISSUE_MISSING_OPTIONAL",
    "ISSUE_HIGH_NULL_RATE",
    "ISSUE_THIN_SAMPLE",
    "ISSUE_BACKUP_SOURCE_USED",
    "ISSUE_RECONSTRUCTED",
    "ISSUE_PREFIXES",
    "FAILED_SOURCE_SUFFIXES",
    "RECONSTRUCTED_SOURCE",
    "DEFAULT_PRIMARY_SOURCE",
]

# Issue prefixes. Parameterised issues are "<prefix>:<detail>".
ISSUE_NO_DATA = "no_data"
ISSUE_MISSING_REQUIRED = "missing_required"  # missing_required:<field>
ISSUE_EMPTY_DATA = "empty_data"
ISSUE_MISSING_OPTIONAL = "missing_optional"  # missing_optional:<field>
ISSUE_HIGH_NULL_RATE = "high_null_rate"  # high_null_rate:<field>
ISSUE_THIN_SAMPLE = "thin_sample"  # thin_sample:<rows>/<expected>
ISSUE_BACKUP_SOURCE_USED = "backup_source_used"
ISSUE_RECONSTRUCTED = "reconstructed"

#: Every issue prefix :func:`assess_quality` can emit.
ISSUE_PREFIXES: tuple[str, ...] = (
    ISSUE_NO_DATA,
    ISSUE_MISSING_REQUIRED,
    ISSUE_EMPTY_DATA,
    ISSUE_MISSING_OPTIONAL,
    ISSUE_HIGH_NULL_RATE,
    ISSUE_THIN_SAMPLE,
    ISSUE_BACKUP_SOURCE_USED,
    ISSUE_RECONSTRUCTED,
)

#: A ``sources_used`` entry with one of these suffixes records a failed attempt.
#: ``_not_configured`` marks a declared source without a fetch function (FallbackSourceMixin).
FAILED_SOURCE_SUFFIXES: tuple[str, ...] = ("_empty", "_error", "_not_configured")
#: Source name that marks reconstructed data (never a primary source).
RECONSTRUCTED_SOURCE = "reconstructed"
#: Treated as primary when a config declares no ``primary_sources``.
DEFAULT_PRIMARY_SOURCE = "primary"

_THIN_SAMPLE_RATIO = 0.5
_THIN_SAMPLE_RATIO_EARLY = 0.3
_THIN_SAMPLE_FACTOR = 0.8
_MIN_ROWS = 2


class ScoringConfigError(ValueError):
    """A :class:`ScoringConfig` is inconsistent; the message names the problem and the fix.

    Example::

        >>> try:
        ...     ScoringConfig(required_fields=('points',), field_weights={'pts': 5})
        ... except ScoringConfigError as exc:
        ...     print('rejected')
        rejected
    """


def _field_tuple(value: object, name: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ScoringConfigError(
            f"{name} must be a list or tuple of field names; got {type(value).__name__} {value!r}"
        )
    names = tuple(value)
    for item in names:
        if not isinstance(item, str) or not item:
            raise ScoringConfigError(f"{name} must contain non-empty strings; got {item!r}")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ScoringConfigError(f"{name} lists {duplicates} more than once; list each once")
    return names


def _non_negative_number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScoringConfigError(f"{what} must be a number; got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ScoringConfigError(f"{what} must be a finite number >= 0; got {value!r}")
    return number


def _non_negative_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScoringConfigError(f"{what} must be an int >= 0; got {value!r}")
    return value


@dataclass(frozen=True)
class ScoringConfig:
    """Everything :func:`assess_quality` needs to know about one processor's data.

    Sequences are stored as tuples and ``field_weights`` as a read-only mapping. Invalid
    combinations raise :class:`ScoringConfigError` at construction time.

    Example::

        >>> config = ScoringConfig(
        ...     required_fields=('points', 'rebounds'),
        ...     optional_fields=('plus_minus',),
        ...     field_weights={'points': 10},
        ...     primary_sources=('nbac_gamebook_player_stats',),
        ... )
        >>> config.weight_for('points'), config.weight_for('rebounds')
        (10.0, 10.0)
    """

    #: Fields without which the data is unusable (absent or entirely null).
    required_fields: tuple[str, ...] = ()
    #: Fields whose absence costs points but does not make the data unusable.
    optional_fields: tuple[str, ...] = ()
    #: Points a field is worth; every key must be a declared (required/optional) field.
    field_weights: Mapping[str, float] = field(default_factory=dict)
    #: Points for a declared field that has no entry in ``field_weights``.
    default_weight: float = 10.0
    #: Null rate above which a present optional field is penalised.
    optional_null_tolerance: float = 0.10
    #: Null rate above which a present required field is penalised and capped at bronze.
    required_null_tolerance: float = 0.20
    #: Points a required field costs per unit of null rate above its tolerance.
    required_null_cost: float = 100.0
    #: Null rate above which a present required field caps the tier at poor.
    required_null_poor_rate: float = 0.50
    #: Expected rows early (< 10 games), mid (< 30 games) and full season.
    sample_threshold_early: int = DEFAULT_SAMPLE_THRESHOLDS[0]
    sample_threshold_mid: int = DEFAULT_SAMPLE_THRESHOLDS[1]
    sample_threshold_full: int = DEFAULT_SAMPLE_THRESHOLDS[2]
    #: Minimum score for each tier; below ``poor_floor`` is unusable.
    gold_floor: float = 95.0
    silver_floor: float = 75.0
    bronze_floor: float = 50.0
    poor_floor: float = 25.0
    #: Source names that count as primary; empty -> the source named ``'primary'``.
    primary_sources: tuple[str, ...] = ()
    #: Fewer games than this into the season is "early season".
    early_season_games: int = DEFAULT_EARLY_SEASON_GAMES

    def __post_init__(self) -> None:
        required = _field_tuple(self.required_fields, "required_fields")
        optional = _field_tuple(self.optional_fields, "optional_fields")
        both = [f for f in required if f in optional]
        if both:
            raise ScoringConfigError(
                f"fields {both} are both required and optional; declare each field once"
            )
        if not isinstance(self.field_weights, Mapping):
            raise ScoringConfigError(
                f"field_weights must be a mapping of field -> points; got {self.field_weights!r}"
            )
        declared = set(required) | set(optional)
        weights: dict[str, float] = {}
        for name, weight in self.field_weights.items():
            if name not in declared:
                raise ScoringConfigError(
                    f"field_weights has a weight for {name!r}, which is neither a required nor "
                    f"an optional field; declare it in required_fields or optional_fields"
                )
            weights[name] = _non_negative_number(weight, f"weight for field {name!r}")
        default_weight = _non_negative_number(self.default_weight, "default_weight")
        object.__setattr__(
            self,
            "required_null_cost",
            _non_negative_number(self.required_null_cost, "required_null_cost"),
        )
        for tolerance_name in (
            "optional_null_tolerance",
            "required_null_tolerance",
            "required_null_poor_rate",
        ):
            tolerance = _non_negative_number(getattr(self, tolerance_name), tolerance_name)
            if tolerance > 1:
                raise ScoringConfigError(f"{tolerance_name} is a rate in [0, 1]; got {tolerance}")
            object.__setattr__(self, tolerance_name, tolerance)
        if self.required_null_poor_rate < self.required_null_tolerance:
            raise ScoringConfigError(
                f"required_null_poor_rate ({self.required_null_poor_rate}) must be >= "
                f"required_null_tolerance ({self.required_null_tolerance}): the poor cap is the "
                f"stricter of the two"
            )
        for threshold_name in (
            "sample_threshold_early",
            "sample_threshold_mid",
            "sample_threshold_full",
            "early_season_games",
        ):
            _non_negative_int(getattr(self, threshold_name), threshold_name)
        floors = [
            _non_negative_number(getattr(self, name), name)
            for name in ("gold_floor", "silver_floor", "bronze_floor", "poor_floor")
        ]
        if not (100 >= floors[0] > floors[1] > floors[2] > floors[3] >= 0):
            raise ScoringConfigError(
                "tier floors must descend strictly within [0, 100] "
                f"(gold > silver > bronze > poor); got gold={floors[0]}, silver={floors[1]}, "
                f"bronze={floors[2]}, poor={floors[3]}"
            )
        primaries = _field_tuple(self.primary_sources, "primary_sources")
        bad_primaries = [s for s in primaries if is_failed_source(s) or s == RECONSTRUCTED_SOURCE]
        if bad_primaries:
            raise ScoringConfigError(
                f"primary_sources {bad_primaries} cannot be primary: names ending in "
                f"{FAILED_SOURCE_SUFFIXES} mark failures and {RECONSTRUCTED_SOURCE!r} marks "
                f"reconstruction"
            )
        object.__setattr__(self, "required_fields", required)
        object.__setattr__(self, "optional_fields", optional)
        object.__setattr__(self, "field_weights", types.MappingProxyType(weights))
        object.__setattr__(self, "default_weight", default_weight)
        object.__setattr__(self, "gold_floor", floors[0])
        object.__setattr__(self, "silver_floor", floors[1])
        object.__setattr__(self, "bronze_floor", floors[2])
        object.__setattr__(self, "poor_floor", floors[3])
        object.__setattr__(self, "primary_sources", primaries)

    @property
    def sample_thresholds(self) -> tuple[int, int, int]:
        """``(early, mid, full)`` expected rows, as :func:`expected_sample_size` takes them.

        Example::

            >>> ScoringConfig().sample_thresholds
            (3, 5, 8)
        """
        return (self.sample_threshold_early, self.sample_threshold_mid, self.sample_threshold_full)

    def weight_for(self, field_name: str) -> float:
        """Points ``field_name`` is worth (its own weight, else ``default_weight``).

        Example::

            >>> ScoringConfig(optional_fields=('a',), field_weights={'a': 3}).weight_for('a')
            3.0
        """
        return float(self.field_weights.get(field_name, self.default_weight))


def is_failed_source(source: str) -> bool:
    """True for a ``sources_used`` entry that records a failed attempt (``*_empty``/``*_error``).

    Example::

        >>> is_failed_source('bdl_player_boxscores_empty'), is_failed_source('espn_backup')
        (True, False)
    """
    return source.endswith(FAILED_SOURCE_SUFFIXES)


def uses_backup_source(sources_used: Sequence[str], config: ScoringConfig) -> bool | None:
    """Whether data came from a backup: ``True``/``False``, or ``None`` when unknown (empty).

    Backup means no *successful* entry of ``sources_used`` is a primary source. Without
    ``config.primary_sources`` the source named ``'primary'`` is the primary.

    Example::

        >>> cfg = ScoringConfig(primary_sources=('nbac_gamebook_player_stats',))
        >>> uses_backup_source(['nbac_gamebook_player_stats', 'bdl_player_boxscores_empty'], cfg)
        False
        >>> uses_backup_source(['nbac_gamebook_player_stats_empty', 'bdl_player_boxscores'], cfg)
        True
        >>> uses_backup_source([], cfg) is None
        True
    """
    if not sources_used:
        return None
    primaries = config.primary_sources or (DEFAULT_PRIMARY_SOURCE,)
    return not any(s in primaries for s in sources_used if not is_failed_source(s))


def tier_for_score(score: float, config: ScoringConfig) -> QualityTier:
    """The tier a score earns before any cap (rule 7's floors).

    Example::

        >>> tier_for_score(92.0, ScoringConfig())
        <QualityTier.SILVER: 'silver'>
        >>> tier_for_score(24.9, ScoringConfig())
        <QualityTier.UNUSABLE: 'unusable'>
    """
    if score >= config.gold_floor:
        return QualityTier.GOLD
    if score >= config.silver_floor:
        return QualityTier.SILVER
    if score >= config.bronze_floor:
        return QualityTier.BRONZE
    if score >= config.poor_floor:
        return QualityTier.POOR
    return QualityTier.UNUSABLE


def _context_expectation(context: Mapping[str, Any]) -> int | None:
    value = context.get("expected_sample_size")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"context['expected_sample_size'] must be an int; got {type(value).__name__} {value!r}"
        )
    if not isinstance(value, numbers.Integral):
        if not float(value).is_integer():
            raise ValueError(
                f"context['expected_sample_size'] must be a whole number; got {value!r}"
            )
    expected = int(float(value))
    if expected < 0:
        raise ValueError(f"context['expected_sample_size'] must be >= 0; got {value!r}")
    return expected


def expected_sample_for(
    context: Mapping[str, Any] | None,
    game_date: GameDateLike | None,
    config: ScoringConfig,
) -> int | None:
    """Rule 5: the expected sample size, or ``None`` when unknown.

    ``context['expected_sample_size']`` wins; else it is derived from ``game_date`` with the
    config's season thresholds; else unknown.

    Example::

        >>> expected_sample_for({'expected_sample_size': 10}, None, ScoringConfig())
        10
        >>> expected_sample_for(None, '2025-01-15', ScoringConfig())
        8
        >>> expected_sample_for(None, None, ScoringConfig()) is None
        True
    """
    if context is not None:
        from_context = _context_expectation(context)
        if from_context is not None:
            return from_context
    if game_date is None:
        return None
    return expected_sample_size(as_game_date(game_date), config.sample_thresholds)


def _assessment_time(now: datetime | None) -> str:
    if now is None:
        return datetime.now(UTC).isoformat()
    if not isinstance(now, datetime):
        raise TypeError(f"now must be a timezone-aware datetime; got {type(now).__name__}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware; got naive {now!r}")
    return now.astimezone(UTC).isoformat()


def _check_sources(sources_used: object) -> list[str]:
    if not isinstance(sources_used, list | tuple):
        raise TypeError(
            f"sources_used must be a list or tuple of source names; got "
            f"{type(sources_used).__name__} {sources_used!r}"
        )
    for source in sources_used:
        if not isinstance(source, str):
            raise TypeError(
                f"sources_used entries must be str; got {type(source).__name__} {source!r}"
            )
    # A lone surrogate cannot be written to the output's data_sources column: it would fail
    # the whole load later with an encoding error naming nothing. It becomes U+FFFD here.
    return [source if source.isascii() else valid_text(source) for source in sources_used]


def _check_columns(data: pd.DataFrame) -> None:
    """Rule 4: unique, flat column labels (else a field could be mis-read as absent)."""
    if isinstance(data.columns, pd.MultiIndex):
        raise ValueError(
            f"data has MultiIndex columns ({data.columns.nlevels} levels); score a frame with "
            f"flat column names (e.g. join the levels: frame.columns = ['_'.join(map(str, c)) "
            f"for c in frame.columns])"
        )
    if data.columns.has_duplicates:
        repeated = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
        raise ValueError(
            f"data has duplicate column names {repeated}; each column name must appear once "
            f"(a repeated field cannot be scored without guessing which copy counts)"
        )


def _null_rates(data: pd.DataFrame, columns: list[str]) -> dict[str, float]:
    """Null rate per present column, counted per column (:func:`null_count`, no 2-D pass)."""
    rows = len(data)
    return {name: null_count(data[name]) / rows for name in columns}


def assess_quality(
    data: pd.DataFrame | None,
    sources_used: Sequence[str],
    reconstruction_applied: bool = False,
    context: Mapping[str, Any] | None = None,
    game_date: GameDateLike | None = None,
    *,
    config: ScoringConfig,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Score ``data`` per SCORING.md and return ``{tier, score, issues, sources, metadata}``.

    Args:
        data: the rows produced (``None`` when nothing arrived).
        sources_used: source names in the order tried; ``*_empty``/``*_error`` mark failures.
        reconstruction_applied: the data was reconstructed (``'reconstructed'`` among
            ``sources_used`` has the same effect).
        context: optional; ``expected_sample_size`` overrides the season estimate.
        game_date: ``date``/``datetime``/``pd.Timestamp``/``'YYYY-MM-DD'`` for season rules.
        config: the processor's :class:`ScoringConfig`.
        now: timestamp recorded as ``metadata['assessment_timestamp']`` (timezone-aware;
            default: the current UTC time). Fix it to make the output fully deterministic.

    Returns:
        ``tier`` (:class:`QualityTier`, a ``str``), ``score`` (float, one decimal), ``issues``
        (list of str), ``sources`` (``list(sources_used)``) and ``metadata`` (JSON-safe dict:
        sample_size, expected_sample_size, early_season, games_into_season, season_start,
        reconstruction_applied, backup_source_used, source_provenance, critical_failure,
        missing_required_fields, field_penalties, null_rates, sample_ratio,
        assessment_timestamp).

    Raises:
        TypeError: ``data`` is not a DataFrame or None; ``sources_used`` is not a list/tuple
            of str; ``context`` is not a mapping; ``game_date`` has an unsupported type.
        ValueError: duplicate column names or ``MultiIndex`` columns in ``data``; malformed
            ``game_date`` or ``context['expected_sample_size']``; naive ``now``.

    Example::

        >>> import pandas as pd
        >>> config = ScoringConfig(required_fields=('points',), optional_fields=('plus_minus',))
        >>> frame = pd.DataFrame({'points': [20, 31, 12], 'plus_minus': [None, None, None]})
        >>> result = assess_quality(frame, ['primary'], config=config)
        >>> result['tier'], result['score'], result['issues']
        (<QualityTier.SILVER: 'silver'>, 90.0, ['missing_optional:plus_minus'])
    """
    # -- validate inputs (rule 1's TypeError first) ------------------------------------
    if data is not None and not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame or None; got {type(data).__name__}")
    if data is not None:
        _check_columns(data)
    sources = _check_sources(sources_used)
    if isinstance(reconstruction_applied, np.bool_):
        # Common when the flag is read from a frame; any other non-bool is a caller bug.
        reconstruction_applied = bool(reconstruction_applied)
    if not isinstance(reconstruction_applied, bool):
        raise TypeError(
            f"reconstruction_applied must be a bool; got "
            f"{type(reconstruction_applied).__name__} {reconstruction_applied!r}"
        )
    if context is not None and not isinstance(context, Mapping):
        raise TypeError(f"context must be a mapping or None; got {type(context).__name__}")
    if not isinstance(config, ScoringConfig):
        raise TypeError(f"config must be a ScoringConfig; got {type(config).__name__}")
    timestamp = _assessment_time(now)

    # -- season and provenance (recorded for every outcome) ------------------------------
    day = as_game_date(game_date) if game_date is not None else None
    expected = expected_sample_for(context, day, config)
    games = games_into_season(day) if day is not None else None
    early = is_early_season(day, config.early_season_games) if day is not None else None
    backup = uses_backup_source(sources, config)
    reconstructed = reconstruction_applied or RECONSTRUCTED_SOURCE in sources
    sample_size = 0 if data is None else len(data)

    metadata: dict[str, Any] = {
        "sample_size": sample_size,
        "expected_sample_size": expected,
        "early_season": early,
        "games_into_season": games,
        "season_start": None if day is None else season_start(day).isoformat(),
        "reconstruction_applied": reconstructed,
        "backup_source_used": bool(backup),
        "source_provenance": {None: "unknown", True: "backup", False: "primary"}[backup],
        "critical_failure": False,
        "missing_required_fields": [],
        "field_penalties": {},
        "null_rates": {},
        "sample_ratio": None,
        "assessment_timestamp": timestamp,
    }

    def unusable(issues: list[str]) -> dict[str, Any]:
        metadata["critical_failure"] = True
        return {
            "tier": QualityTier.UNUSABLE,
            "score": 0.0,
            "issues": issues,
            "sources": sources,
            "metadata": metadata,
        }

    # -- rule 1: nothing arrived -----------------------------------------------------------
    if data is None:
        return unusable([ISSUE_NO_DATA])

    declared = [*config.required_fields, *config.optional_fields]
    present = [f for f in declared if f in data.columns]
    # Rows are needed for a null rate; with zero rows no present column is "entirely null".
    null_rates = _null_rates(data, present) if sample_size > 0 else {}
    metadata["null_rates"] = {f: round(r, 4) for f, r in null_rates.items()}

    # -- rule 2: required fields absent (or entirely null) ------------------------------------
    missing_required = [
        f for f in config.required_fields if f not in data.columns or null_rates.get(f, 0.0) >= 1.0
    ]
    if missing_required:
        metadata["missing_required_fields"] = missing_required
        return unusable([f"{ISSUE_MISSING_REQUIRED}:{f}" for f in missing_required])

    # -- rule 3: zero rows ---------------------------------------------------------------------
    if sample_size == 0:
        return unusable([ISSUE_EMPTY_DATA])

    # -- rule 4: per-field deductions ------------------------------------------------------------
    issues: list[str] = []
    penalties: dict[str, float] = {}
    worst_required_rate = 0.0
    for name in declared:
        is_required = name in config.required_fields
        weight = config.weight_for(name)
        rate = null_rates.get(name)
        if rate is None or rate >= 1.0:
            # Only optional fields reach here: required ones returned at rule 2.
            penalties[name] = weight
            issues.append(f"{ISSUE_MISSING_OPTIONAL}:{name}")
            continue
        if is_required:
            worst_required_rate = max(worst_required_rate, rate)
            if rate > config.required_null_tolerance:
                # Whatever the weight: a required field that is often null is not gold data.
                excess = rate - config.required_null_tolerance
                penalties[name] = config.required_null_cost * excess
                issues.append(f"{ISSUE_HIGH_NULL_RATE}:{name}")
        elif rate > config.optional_null_tolerance:
            penalties[name] = weight * rate
            issues.append(f"{ISSUE_HIGH_NULL_RATE}:{name}")
    score = max(0.0, 100.0 - sum(penalties.values()))
    metadata["field_penalties"] = {f: round(p, 4) for f, p in penalties.items()}

    # -- rules 5-6: sample size ----------------------------------------------------------------
    ratio: float | None = None
    if expected is not None and expected > 0:
        ratio = sample_size / expected
        metadata["sample_ratio"] = round(ratio, 4)
        if ratio < _THIN_SAMPLE_RATIO:
            issues.append(f"{ISSUE_THIN_SAMPLE}:{sample_size}/{expected}")
            score *= _THIN_SAMPLE_FACTOR

    # -- rules 7-8: tier from the rounded score, then caps that only lower --------------------
    score = round(score, 1)
    tier = tier_for_score(score, config)
    if backup:
        tier = tier_at_most(tier, QualityTier.SILVER)
        issues.append(ISSUE_BACKUP_SOURCE_USED)
    if reconstructed:
        tier = tier_at_most(tier, QualityTier.SILVER)
        issues.append(ISSUE_RECONSTRUCTED)
    if ratio is not None:
        thin_limit = _THIN_SAMPLE_RATIO_EARLY if early else _THIN_SAMPLE_RATIO
        if ratio < thin_limit:
            tier = tier_at_most(tier, QualityTier.BRONZE)
    if expected is not None and expected >= _MIN_ROWS and sample_size < _MIN_ROWS:
        tier = tier_at_most(tier, QualityTier.POOR)
    if worst_required_rate > config.required_null_poor_rate:
        tier = tier_at_most(tier, QualityTier.POOR)
    elif worst_required_rate > config.required_null_tolerance:
        tier = tier_at_most(tier, QualityTier.BRONZE)

    return {
        "tier": tier,
        "score": score,
        "issues": issues,
        "sources": sources,
        "metadata": metadata,
    }
