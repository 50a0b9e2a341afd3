"""The shared command-line layer (see :mod:`shared_services.cli.core` and docs/architecture.md).

Importing :mod:`shared_services.cli.errors` stays light (no SDK, no DuckDB): the names of
:mod:`shared_services.cli.core` load on first use.

Example::

    from shared_services.cli import Command, Outcome, option, cli_date
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from shared_services.cli.errors import (
    EXIT_ENVIRONMENT,
    EXIT_FOUND,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    EnvironmentProblem,
    UsageError,
)

if TYPE_CHECKING:
    from shared_services.cli.core import (
        FAIL_ON_LEVELS,
        Command,
        Context,
        Option,
        Outcome,
        cli_date,
        exit_code_for,
        format_counts,
        option,
        package_version,
        register_exit_code,
        run_as_module,
        run_command,
    )

_CORE = (
    "Command", "Context", "Option", "Outcome", "option", "cli_date", "format_counts",
    "exit_code_for", "register_exit_code", "run_command", "run_as_module", "package_version", "FAIL_ON_LEVELS",
)

__all__ = [
    "Command", "Context", "Option", "Outcome", "option", "cli_date", "format_counts",
    "exit_code_for", "register_exit_code", "run_command", "run_as_module", "package_version", "FAIL_ON_LEVELS",
    "CommandError", "UsageError", "EnvironmentProblem",
    "EXIT_OK", "EXIT_FOUND", "EXIT_USAGE", "EXIT_ENVIRONMENT", "EXIT_INTERNAL",
]


def __getattr__(name: str) -> Any:
    if name in _CORE:
        return getattr(importlib.import_module("shared_services.cli.core"), name)
    raise AttributeError(f"module 'shared_services.cli' has no attribute {name!r}")
