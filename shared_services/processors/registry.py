"""The processor registry: which processors re-build a date, per phase.

The heal (``coverage-audit --heal``) re-runs the processors of a date after the audit found a
game that was never processed. It does not know the processors by name: every processor that
may be re-run registers itself here, the platform's own and a team's own alike, with a class
decorator that says how to call it::

    from shared_services.processors.registry import register_processor

    @register_processor(phase='phase_3', date_option='game_date', games_option='game_ids')
    class PlayerGameSummaryProcessor(FallbackSourceMixin, QualityMixin, AnalyticsProcessorBase):
        ...

    @register_processor(phase='phase_4', date_option='analysis_date', players_option='players',
                        input_table='nba_analytics.player_game_summary')
    class PlayerRollingAverageProcessor(QualityMixin, AnalyticsProcessorBase):
        ...

What each phase means to the heal:

``phase_3``  per-game analytics; run ``{date_option: D, games_option: [ids]}`` for the games
             of D that need healing (without ``games_option``: the whole date).
``phase_4``  rows built from phase 3 rows (``input_table``); after phase 3 the rows that depend
             on the healed games are found (staleness) and re-built per analysis date with
             ``{date_option: D, players_option: [ids]}`` (without it: the whole date).
``phase_5``  rows built from phase 4 rows of the same date; re-run ``{date_option: D}`` for
             every date phase 4 re-built.

A processor's module must be imported for its decorator to run. The heal imports the
platform's processor modules and every module named in ``$COVERAGE_PROCESSOR_MODULES``
(comma-separated), see :func:`import_processor_modules`.

Example::

    from shared_services.processors.registry import registry
    [entry.name for entry in registry.processors('phase_3')]
    # ['PlayerGameSummaryProcessor', 'TeamOffenseGameSummaryProcessor']
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import pandas as pd

from shared_services.bigquery.identifiers import InvalidIdentifierError, validate_table_id
from shared_services.processors.errors import ImproperlyConfigured

__all__ = [
    "PHASES",
    "ENV_PROCESSOR_MODULES",
    "RegisteredProcessor",
    "ProcessorRegistry",
    "registry",
    "register_processor",
    "import_processor_modules",
    "restrict_to_games",
]

#: The phases a processor can register for, in the order the heal runs them.
PHASES: tuple[str, ...] = ("phase_3", "phase_4", "phase_5")
#: Environment variable: extra modules (comma-separated) whose processors register themselves.
ENV_PROCESSOR_MODULES = "COVERAGE_PROCESSOR_MODULES"

_T = TypeVar("_T", bound=type)


@dataclass(frozen=True)
class RegisteredProcessor:
    """One registered processor and how to re-run it for a date.

    Example::

        entry = registry.get('PlayerGameSummaryProcessor')
        stats = entry.run(client, date(2025, 1, 13), games=['0022400627'])
    """

    name: str
    processor_class: type
    phase: str
    #: The ``run()`` option holding the date (``'game_date'``, ``'analysis_date'``).
    date_option: str = "game_date"
    #: Phase 3: the option restricting a run to schedule game ids (None: whole date).
    games_option: str | None = None
    #: Phase 4: the option restricting a run to player ids (None: whole date).
    players_option: str | None = None
    #: Phase 4: the phase 3 table its rows are built from (the staleness join).
    input_table: str | None = None

    @property
    def output_table(self) -> str | None:
        """The processor's ``OUTPUT_TABLE``."""
        return getattr(self.processor_class, "OUTPUT_TABLE", None)

    def options(self, day: date, games: Sequence[str] | None = None,
                players: Sequence[str] | None = None) -> dict[str, Any]:
        """The ``run()`` options for ``day`` (scoped to ``games`` / ``players`` when supported)."""
        opts: dict[str, Any] = {self.date_option: day}
        if games is not None and self.games_option:
            opts[self.games_option] = sorted(set(games))
        if players is not None and self.players_option:
            opts[self.players_option] = sorted(set(players))
        return opts

    def run(self, client: Any, day: date, games: Sequence[str] | None = None,
            players: Sequence[str] | None = None) -> dict[str, Any]:
        """A fresh instance on ``client``, run for ``day``; returns its stats."""
        processor = self.processor_class(bq_client=client)
        return dict(processor.run(self.options(day, games, players)) or {})


class ProcessorRegistry:
    """Registered processors by name, in registration order (thread-safe).

    Example::

        local = ProcessorRegistry()
        local.register(MyProcessor, phase='phase_3', games_option='game_ids')
        [e.name for e in local.processors('phase_3')]     # ['MyProcessor']
    """

    def __init__(self) -> None:
        self._entries: dict[str, RegisteredProcessor] = {}
        self._lock = threading.Lock()

    def register(
        self,
        processor_class: type,
        *,
        phase: str,
        date_option: str = "game_date",
        games_option: str | None = None,
        players_option: str | None = None,
        input_table: str | None = None,
        name: str | None = None,
    ) -> RegisteredProcessor:
        """Register ``processor_class``; raises :class:`ImproperlyConfigured` naming the fix.

        Registering the same class again (a module imported twice) is a no-op; another class
        under a taken name is an error.
        """
        label = str(name or getattr(processor_class, "__name__", repr(processor_class)))
        if not isinstance(processor_class, type) or not callable(getattr(processor_class, "run", None)):
            raise ImproperlyConfigured(f"{label}: only processor classes with a run(opts) method can register")
        if phase not in PHASES:
            raise ImproperlyConfigured(f"{label}: phase must be one of {', '.join(PHASES)}; got {phase!r}")
        for option_name, value in (("date_option", date_option), ("games_option", games_option),
                                   ("players_option", players_option)):
            if value is not None and (not isinstance(value, str) or not value.isidentifier()):
                raise ImproperlyConfigured(f"{label}: {option_name} must be an option name; got {value!r}")
        if phase == "phase_4":
            if input_table is None:
                raise ImproperlyConfigured(
                    f"{label}: a phase_4 processor names the phase 3 table it reads (input_table=...)")
        if input_table is not None:
            try:
                input_table = validate_table_id(input_table)
            except InvalidIdentifierError as exc:
                raise ImproperlyConfigured(f"{label}: input_table: {exc}") from None
        if phase != "phase_3" and games_option is not None:
            raise ImproperlyConfigured(f"{label}: games_option is for phase_3 processors only")
        entry = RegisteredProcessor(label, processor_class, phase, date_option, games_option,
                                    players_option, input_table)
        with self._lock:
            existing = self._entries.get(label)
            if existing is not None and _qualified(existing.processor_class) != _qualified(processor_class):
                raise ImproperlyConfigured(
                    f"{label}: the name is taken by {_qualified(existing.processor_class)}; "
                    f"register {_qualified(processor_class)} under another name=...")
            self._entries[label] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Remove ``name`` (no error when it is not registered)."""
        with self._lock:
            self._entries.pop(name, None)

    def get(self, name: str) -> RegisteredProcessor:
        """The entry registered as ``name``; ``KeyError`` naming the registered ones otherwise."""
        with self._lock:
            if name not in self._entries:
                raise KeyError(f"no processor registered as {name!r}; registered: {sorted(self._entries)}")
            return self._entries[name]

    def processors(self, phase: str | None = None) -> list[RegisteredProcessor]:
        """Entries of ``phase`` (all when None), in registration order."""
        if phase is not None and phase not in PHASES:
            raise ValueError(f"phase must be one of {', '.join(PHASES)}; got {phase!r}")
        with self._lock:
            return [e for e in self._entries.values() if phase is None or e.phase == phase]

    def __iter__(self) -> Iterator[RegisteredProcessor]:
        return iter(self.processors())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._entries


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


#: The process-wide registry the heal reads.
registry = ProcessorRegistry()


def register_processor(
    *,
    phase: str,
    date_option: str = "game_date",
    games_option: str | None = None,
    players_option: str | None = None,
    input_table: str | None = None,
    name: str | None = None,
    target: ProcessorRegistry | None = None,
) -> Callable[[_T], _T]:
    """Class decorator: register the class in :data:`registry` (or ``target``); returns it.

    Example::

        @register_processor(phase='phase_5', date_option='game_date')
        class PredictionGenerator(QualityMixin, AnalyticsProcessorBase): ...
    """

    def decorate(cls: _T) -> _T:
        (target if target is not None else registry).register(
            cls, phase=phase, date_option=date_option, games_option=games_option,
            players_option=players_option, input_table=input_table, name=name)
        return cls

    return decorate


def import_processor_modules(modules: Iterable[str] = (), include_env: bool = True) -> list[str]:
    """Import ``modules`` and those in ``$COVERAGE_PROCESSOR_MODULES`` so their processors register.

    Returns the module names imported. A module that cannot be imported raises
    :class:`ImproperlyConfigured` naming it (a heal must not silently skip a processor).

    Example::

        import_processor_modules(['my_team.processors.minutes_projection'])
    """
    names = [m.strip() for m in modules if m and m.strip()]
    if include_env:
        names += [m.strip() for m in os.environ.get(ENV_PROCESSOR_MODULES, "").split(",") if m.strip()]
    imported: list[str] = []
    for module in dict.fromkeys(names):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ImproperlyConfigured(
                f"processor module {module!r} cannot be imported ({exc}); fix "
                f"${ENV_PROCESSOR_MODULES} or the module list") from None
        imported.append(module)
    return imported


def restrict_to_games(schedule: pd.DataFrame, game_ids: Any, column: str = "game_id") -> pd.DataFrame:
    """``schedule`` limited to ``game_ids`` (a phase 3 ``games_option``); ``None`` keeps all.

    The helper a phase 3 processor uses to honour its ``games_option`` (a heal re-runs only
    the games it heals). Anything but a list of non-empty strings raises ``TypeError``.

    Example::

        self.schedule = restrict_to_games(schedule, self.opts.get('game_ids'))
    """
    if game_ids is None:
        return schedule
    if isinstance(game_ids, str | bytes) or not all(isinstance(g, str) and g for g in game_ids):
        raise TypeError("the games option must be a list of non-empty schedule game id strings")
    return schedule[schedule[column].astype(str).isin(set(game_ids))].reset_index(drop=True)
