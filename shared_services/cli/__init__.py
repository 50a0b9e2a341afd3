"""The shared command-line layer (see :mod:`shared_services.cli.core` and docs/architecture.md).

Example::

    from shared_services.cli import Command, Outcome, option, cli_date
"""

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
    run_command,
)
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

__all__ = [
    "Command", "Context", "Option", "Outcome", "option", "cli_date", "format_counts",
    "exit_code_for", "register_exit_code", "run_command", "package_version", "FAIL_ON_LEVELS",
    "CommandError", "UsageError", "EnvironmentProblem",
    "EXIT_OK", "EXIT_FOUND", "EXIT_USAGE", "EXIT_ENVIRONMENT", "EXIT_INTERNAL",
]
